'use strict';
// The port check node in a Node-RED runtime for the tests of test/node: its
// flows (the node wired to a helper node, with a Catch node, and a Complete
// node, scoped to it), the functions that load them and watch every way a
// message leaves the node, and the hooks of a suite with loopback targets.
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const { helper, load, collect, sleep } = require('./node-red');
const { listenOpen, closedPort } = require('./net-fixtures');
const { NEW_KEY_DEFAULTS } = require('./examples-flows');

/** The node's keys as the seed wrote them (no mode, retries, wait, slow or allow). */
const SEED_PROPS = {
    name: '', host: '127.0.0.1', hostType: 'str', port: '', portType: 'num', check: 'open',
    timeout: '2', timeoutType: 'num', delayBefore: 0, delayAfter: 0,
    continueOnError: false, output: 'payload', concurrency: 256,
};

/** The seed's keys but the name, and the newer keys at the editor's defaults. */
const FEATURE_PROPS = { ...SEED_PROPS, ...NEW_KEY_DEFAULTS };
delete FEATURE_PROPS.name;

/** A flow: port check (`props`) → out, with a Catch node scoped to it, then `more` nodes. */
function flowOf(tab, props, more = []) {
    return [
        tab,
        { id: 'pc', type: 'port-check', z: 'f1', ...props, wires: [['out']] },
        { id: 'out', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: ['pc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
        ...more,
    ];
}

/** A flow: port check → out, with a Catch and a Complete node scoped to it. */
function portCheckFlow(props) {
    return flowOf({ id: 'f1', type: 'tab', label: 'test' }, { ...SEED_PROPS, ...props }, [
        { id: 'completer', type: 'complete', z: 'f1', scope: ['pc'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper', z: 'f1' },
    ]);
}

/** A flow: port check with every newer key set (`props` over their defaults) → out, with a Catch node. */
function featureFlow(props) {
    return flowOf({ id: 'f1', type: 'tab' }, { ...FEATURE_PROPS, ...props });
}

/** Loads the flow and watches every way a message can leave the node. */
async function start(props) {
    await load(portCheckFlow(props), [catchNode, completeNode]);
    const node = helper.getNode('pc');
    const settled = [];
    // Every send() and done() the node makes, counted at the source.
    const originalComplete = node._complete;
    node._complete = function (msg, err) {
        settled.push({ id: msg._msgid, err });
        return originalComplete.call(this, msg, err);
    };
    return { node, out: collect('out'), caught: collect('caught'), completed: collect('completed'), settled };
}

/** Sends one message and waits for its one outcome: the output, or the Catch. */
async function checkOnce(props, msg = {}) {
    const t = await start(props);
    t.node.receive({ payload: 'go', ...msg });
    await Promise.race([t.out.waitFor(1), t.caught.waitFor(1)]);
    await sleep(30); // room for a wrong second outcome to show up
    return t;
}

/** Loads the flow with every newer key and records the node's statuses. */
async function startWithStatuses(props) {
    await load(featureFlow(props), [catchNode]);
    const node = helper.getNode('pc');
    const statuses = [];
    node.on('call:status', (call) => statuses.push(call.args[0]));
    return { node, out: collect('out'), caught: collect('caught'), statuses };
}

/**
 * The hooks of a suite of node tests: before it, an open port on 127.0.0.1
 * and a refused one, handed to `set({ open, refused })`; after each test,
 * the runtime settings back to their defaults and the flow unloaded; after
 * the suite, the open port closed.
 */
function loopbackSuite(set) {
    let open;
    before(async function () {
        open = await listenOpen('127.0.0.1');
        set({ open, refused: await closedPort() });
    });
    after(async function () {
        await open.close();
    });
    afterEach(async function () {
        helper.settings({});
        await helper.unload();
    });
}

module.exports = { portCheckFlow, featureFlow, start, checkOnce, startWithStatuses, loopbackSuite };
