'use strict';
// The node in a Node-RED runtime (node-red-node-test-helper), against real
// sockets on loopback: its registration, the answer for an open port in
// msg.portCheck, the node status, the Output property, and Check Port
// against each state.
const assert = require('assert');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const { helper, load, sleep } = require('../lib/node-red');
const { filteredPort } = require('../lib/net-fixtures');
const { portCheckFlow, start, checkOnce, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(15000);
    let open;
    let refused;
    loopbackSuite((targets) => ({ open, refused } = targets));

    it('is registered as "port-check" and keeps its flow JSON keys', async function () {
        await load(portCheckFlow({ port: '80', color: '#ff0000', name: 'web' }), [catchNode, completeNode]);
        const node = helper.getNode('pc');
        assert.strictEqual(node.type, 'port-check');
        assert.strictEqual(node.name, 'web');
    });

    it('answers true for an open port, with msg.portCheck in full, sent once and done once', async function () {
        const t = await checkOnce({ port: String(open.port) });
        assert.strictEqual(t.out.messages.length, 1);
        const msg = t.out.messages[0];
        assert.strictEqual(msg.payload, true);
        const { host, port, address, family, state, expected, match, latencyMs, attempts, connections } = msg.portCheck;
        assert.deepStrictEqual({ host, port, address, family, state, expected, match, attempts, connections },
            { host: '127.0.0.1', port: open.port, address: '127.0.0.1', family: 4, state: 'open', expected: 'open', match: true, attempts: 1, connections: 1 });
        assert.ok(typeof latencyMs === 'number' && latencyMs >= 0 && latencyMs < 1000);
        assert.strictEqual(t.caught.messages.length, 0);
        assert.strictEqual(t.completed.messages.length, 1);
        assert.deepStrictEqual(t.settled.map((s) => s.err), [undefined]);
    });

    /** The node's status once one message has gone through (the status is throttled, so wait past it). */
    async function statusAfterOneMessage(props) {
        const t = await start(props);
        const statuses = [];
        t.node.on('call:status', (call) => statuses.push(call.args[0]));
        t.node.receive({});
        await t.out.waitFor(1);
        await sleep(150);
        await helper.unload();
        return statuses[statuses.length - 1];
    }

    it('shows the result as the node status: green dot "open · N ms", red ring "closed"', async function () {
        const open1 = await statusAfterOneMessage({ port: String(open.port) });
        assert.strictEqual(open1.fill, 'green');
        assert.strictEqual(open1.shape, 'dot');
        assert.match(open1.text, /^open · [\d.]+ ms$/);
        const closed1 = await statusAfterOneMessage({ port: String(refused) });
        assert.deepStrictEqual(closed1, { fill: 'red', shape: 'ring', text: 'closed' });
    });

    it('writes the boolean to the Output property', async function () {
        const t = await checkOnce({ port: String(open.port), output: 'result.ok' });
        assert.strictEqual(t.out.messages[0].payload, 'go');
        assert.strictEqual(t.out.messages[0].result.ok, true);
    });

    describe('Check Port against each state', function () {
        let filtered;
        before(async function () {
            filtered = await filteredPort();
        });
        after(function () {
            filtered.close();
        });

        const table = [
            ['open', 'open', true], ['open', 'closed', false], ['open', 'filtered', false],
            ['closed', 'open', false], ['closed', 'closed', true], ['closed', 'filtered', true],
        ];
        for (const [check, state, expected] of table) {
            it(`"Port is ${check}" on a ${state} port gives ${expected}`, async function () {
                const port = { open: open.port, closed: refused, filtered: filtered.port }[state];
                const t = await checkOnce({ port: String(port), check, timeout: '0.3' });
                const msg = t.out.messages[0];
                assert.strictEqual(msg.portCheck.state, state);
                assert.strictEqual(msg.payload, expected);
                assert.strictEqual(msg.portCheck.match, expected);
                assert.strictEqual(t.settled.length, 1);
            });
        }

        it('answers a filtered port within the timeout plus a small margin', async function () {
            const t = await start({ port: String(filtered.port), timeout: '0.25' });
            const started = performance.now();
            t.node.receive({});
            await t.out.waitFor(1);
            const elapsed = performance.now() - started;
            assert.strictEqual(t.out.messages[0].portCheck.state, 'filtered');
            assert.ok(elapsed >= 245 && elapsed < 350, `answered after ${elapsed} ms`);
        });
    });
});
