'use strict';
// The latency threshold (Slow above) through the node, in a Node-RED
// runtime: a slow open port is open with slow: true and a yellow status.
const assert = require('assert');
const { sleep } = require('../lib/node-red');
const { slowPort } = require('../lib/net-fixtures');
const { startWithStatuses: start, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(20000);
    let open;
    loopbackSuite((targets) => ({ open } = targets));

    describe('latency threshold', function () {
        it('marks an open port slower than "slow above" with slow: true and a yellow status', async function () {
            const slow = await slowPort(1200);
            try {
                const t = await start({ port: String(slow.port), timeout: '6', slowAbove: 500 });
                t.node.receive({});
                const [msg] = await t.out.waitFor(1, 8000);
                assert.strictEqual(msg.portCheck.state, 'open');
                assert.strictEqual(msg.portCheck.slow, true, `latency ${msg.portCheck.latencyMs}`);
                assert.strictEqual(msg.payload, true, 'slow is still open');
                await sleep(150);
                const last = t.statuses[t.statuses.length - 1];
                assert.strictEqual(last.fill, 'yellow');
                assert.match(last.text, /^open · \d+ ms \(slow\)$/);
            } finally {
                slow.close();
            }
        });

        it('a fast open port is not slow', async function () {
            const t = await start({ port: String(open.port), slowAbove: 500 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.portCheck.slow, false);
        });
    });
});
