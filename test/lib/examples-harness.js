'use strict';
// The example flows in a Node-RED runtime, for the tests of test/examples:
// loading an example pointed at loopback, clicking its inject nodes,
// waiting for (and for nothing more at) its outputs, services that come up
// late, the check of a port-check node's flow keys, and the hooks of the
// outcome suites.
const assert = require('assert');
const { helper, load, sleep } = require('./node-red');
const { listenOpen, closedPorts } = require('./net-fixtures');
const { FLOW_KEYS, V2_KEYS, coreModules, readExample, manualInjects, assertLoopbackOnly } = require('./examples-flows');

/** Loads example `number` after `mutate` has pointed it at loopback. */
async function start(number, mutate, oddHosts) {
    const flow = typeof number === 'string' ? readExample(number) : number;
    manualInjects(flow);
    mutate(flow);
    assertLoopbackOnly(flow, oddHosts);
    await load(flow, coreModules());
    return flow;
}

/** A value made in a function node's sandbox, as plain JSON (deepStrictEqual compares prototypes). */
function plain(value) {
    return JSON.parse(JSON.stringify(value));
}

/** Clicks an inject node's button. */
function fire(id) {
    helper.getNode(id).receive({});
}

/** Waits `ms` and checks that nothing more reached the collector. */
async function nothingMore(collector, count, ms = 300) {
    await sleep(ms);
    assert.strictEqual(collector.messages.length, count, `no further message (got ${collector.messages.length})`);
}

/** Opens a listener on `port` of 127.0.0.1 after `ms`: a service that comes up late. Resolves { ready, close }. */
function openLater(port, ms) {
    let server;
    const ready = sleep(ms).then(async () => {
        server = await listenOpen('127.0.0.1', port);
        return server;
    });
    return {
        ready,
        close: async () => {
            await ready.catch(() => {});
            if (server) await server.close();
        },
    };
}

/** Opens `count` listening servers on 127.0.0.1. */
async function openServers(count) {
    const servers = [];
    for (let i = 0; i < count; i++) servers.push(await listenOpen('127.0.0.1'));
    return servers;
}

/**
 * Every flow key, with values the runtime and the editor accept: the 21 of
 * version 1 for a node saved without a version, and the keys version 2
 * added for one that says it is of version 2.
 */
function assertPortCheckKeys(node) {
    assert.strictEqual(FLOW_KEYS.length, 21);
    for (const key of FLOW_KEYS) assert.ok(Object.hasOwn(node, key), `${node.id} lacks ${key}`);
    if (node.version === undefined) {
        for (const key of V2_KEYS) assert.ok(!Object.hasOwn(node, key), `${node.id} has ${key} but no version`);
    } else {
        assert.strictEqual(node.version, 2, `${node.id} version`);
        for (const key of V2_KEYS) assert.ok(Object.hasOwn(node, key), `${node.id} lacks ${key}`);
        assert.ok(['auto', '4', '6', 'both'].includes(node.ipVersion), `${node.id} ipVersion ${node.ipVersion}`);
        assert.ok(node.maxRate === '' || Number(node.maxRate) > 0, `${node.id} maxRate ${node.maxRate}`);
    }
    assert.ok(node.check === 'open' || node.check === 'closed', `${node.id} check`);
    assert.ok(node.mode === 'once' || node.mode === 'wait', `${node.id} mode ${node.mode}`);
    const retries = Number(node.retries);
    assert.ok(Number.isInteger(retries) && retries >= 0 && retries <= 100, `${node.id} retries ${node.retries}`);
    assert.ok(Number(node.retryDelay) >= 0, `${node.id} retryDelay`);
    assert.ok(Number(node.waitInterval) > 0 && Number(node.waitTimeout) > 0, `${node.id} waitInterval/waitTimeout`);
    assert.ok(node.slowAbove === '' || (Number.isInteger(Number(node.slowAbove)) && Number(node.slowAbove) > 0), `${node.id} slowAbove`);
    assert.strictEqual(typeof node.allow, 'string', `${node.id} allow`);
}

/** The ids of a flow's nodes. */
function ids(flow) {
    return new Set(flow.map((n) => n.id));
}

/**
 * The hooks of an outcome suite: 16 closed ports on 127.0.0.1 before it (in
 * the array returned, filled once `before` has run), the flow unloaded after
 * each test.
 */
function outcomesSuite() {
    const closed = [];
    before(async function () {
        closed.push(...await closedPorts(16));
    });
    afterEach(async function () {
        await helper.unload();
    });
    return closed;
}

module.exports = { start, plain, fire, nothingMore, openLater, openServers, assertPortCheckKeys, ids, outcomesSuite };
