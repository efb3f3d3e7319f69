'use strict';
// The node over time in a Node-RED runtime: Delay Before/After as timers,
// a filtered probe not holding up others, close cancelling everything, and
// a burst of 1,000 messages under the concurrency cap.
const assert = require('assert');
const { sleep } = require('../lib/node-red');
const { filteredPort } = require('../lib/net-fixtures');
const { start, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(15000);
    let open;
    let refused;
    loopbackSuite((targets) => ({ open, refused } = targets));

    describe('timing', function () {
        it('Delay Before and Delay After are timers: messages do not queue behind each other', async function () {
            const t = await start({ port: String(open.port), delayBefore: 0.3, delayAfter: 0.2 });
            const started = performance.now();
            for (let i = 0; i < 5; i++) t.node.receive({ n: i });
            await t.out.waitFor(5);
            const elapsed = performance.now() - started;
            assert.ok(elapsed >= 495 && elapsed < 900, `5 messages with 0.5 s of delays each took ${elapsed} ms`);
        });

        it('a filtered probe does not hold up an open one sent after it', async function () {
            const filtered = await filteredPort();
            try {
                const t = await start({ port: 'target', portType: 'msg', timeout: '2' });
                t.node.receive({ target: filtered.port });
                t.node.receive({ target: open.port });
                await t.out.waitFor(1);
                assert.strictEqual(t.out.messages[0].portCheck.port, open.port);
                await t.out.waitFor(2, 3000);
                assert.strictEqual(t.out.messages[1].portCheck.state, 'filtered');
            } finally {
                filtered.close();
            }
        });
    });

    describe('close', function () {
        it('cancels pending delays and probes: nothing sent, every message settled, no handle left', async function () {
            const filtered = await filteredPort();
            try {
                const t = await start({ port: 'target', portType: 'msg', timeout: '5', delayAfter: 5 });
                const count = (names) => process.getActiveResourcesInfo().filter((r) => names.includes(r)).length;
                await sleep(200); // let the flow's own start-up timers settle
                const baseline = { sockets: count(['TCPSocketWrap']), timers: count(['Timeout']) };
                let sentAfterClose = 0;
                let closed = false;
                const originalSend = t.node.send;
                t.node.send = function (...args) {
                    if (closed) sentAfterClose++;
                    return originalSend.apply(this, args);
                };
                for (let i = 0; i < 10; i++) t.node.receive({ target: filtered.port }); // probes in flight
                for (let i = 0; i < 10; i++) t.node.receive({ target: open.port }); // then waiting in Delay After
                await sleep(300);
                assert.ok(count(['TCPSocketWrap']) >= baseline.sockets + 10, 'probes are in flight');
                assert.strictEqual(t.out.messages.length, 0);
                const closeStarted = performance.now();
                closed = true;
                await t.node.close(false);
                assert.ok(performance.now() - closeStarted < 1000);
                await sleep(50);
                assert.ok(count(['TCPSocketWrap']) <= baseline.sockets, `sockets ${count(['TCPSocketWrap'])} > ${baseline.sockets}`);
                assert.ok(count(['Timeout']) <= baseline.timers, `timers ${count(['Timeout'])} > ${baseline.timers}`);
                assert.strictEqual(t.settled.length, 20, 'each message settled once');
                assert.ok(t.settled.every((s) => s.err === undefined));
                await sleep(300);
                assert.strictEqual(sentAfterClose, 0);
                assert.strictEqual(t.out.messages.length, 0);
            } finally {
                filtered.close();
            }
        });
    });

    describe('load', function () {
        it('answers a burst of 1,000 messages exactly once each with the cap at 16', async function () {
            this.timeout(30000);
            const t = await start({ port: 'target', portType: 'msg', concurrency: 16 });
            const ids = new Set();
            for (let i = 0; i < 1000; i++) {
                const msg = { target: i % 2 ? open.port : refused, n: i };
                t.node.receive(msg);
            }
            await t.out.waitFor(1000, 20000);
            await sleep(100);
            assert.strictEqual(t.out.messages.length, 1000);
            for (const msg of t.out.messages) {
                ids.add(msg._msgid);
                assert.strictEqual(msg.payload, msg.n % 2 === 1, `message ${msg.n}`);
            }
            assert.strictEqual(ids.size, 1000, 'no message twice');
            assert.strictEqual(t.settled.length, 1000);
            assert.strictEqual(new Set(t.settled.map((s) => s.id)).size, 1000);
            assert.strictEqual(t.caught.messages.length, 0);
        });
    });
});
