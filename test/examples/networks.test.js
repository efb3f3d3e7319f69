'use strict';
// The outcomes of the examples for real networks (15 dual-stack audit,
// 16 polite compliance sweep) and 09's IPv6 hole, each run in a Node-RED
// runtime against real sockets on loopback. `localhost` is 127.0.0.1 and
// ::1, so a service on one of them only is a dual-stack service gone wrong.
const assert = require('assert');
const { helper, collect, sleep } = require('../lib/node-red');
const { listenOpen } = require('../lib/net-fixtures');
const { nodeOf, pointAt } = require('../lib/examples-flows');
const { start, plain, fire, outcomesSuite } = require('../lib/examples-harness');

describe('example flows', function () {
    this.timeout(15000);

    describe('outcomes', function () {
        const closed = outcomesSuite();

        describe('15 Dual-stack audit', function () {
            it('reports a name that answers on IPv4 but not on IPv6, and passes one that answers on both', async function () {
                const v4only = await listenOpen('127.0.0.1'); // the same port on ::1 refuses
                const both = await listenOpen('127.0.0.1');
                const both6 = await listenOpen('::1', both.port);
                try {
                    await start('15', (f) => {
                        nodeOf(f, 'ex15-daily').payload = JSON.stringify(['localhost']);
                        Object.assign(nodeOf(f, 'ex15-check'), { port: 'port', portType: 'msg', timeout: '1' });
                    });
                    const ok = collect('ex15-ok');
                    const alert = collect('ex15-alert');
                    // localhost on each port, straight to the check (as the split node would send it).
                    const check = (port) => helper.getNode('ex15-check').receive({ payload: 'localhost', port });
                    check(v4only.port);
                    const [bad] = await alert.waitFor(1);
                    assert.deepStrictEqual(plain(bad.payload), { host: 'localhost', ipv4: 'open', ipv6: 'closed', ok: false });
                    assert.strictEqual(bad.topic, 'dual stack broken: localhost');
                    check(both.port);
                    const [good] = await ok.waitFor(1);
                    assert.deepStrictEqual(plain(good.payload), { host: 'localhost', ipv4: 'open', ipv6: 'open', ok: true });
                } finally {
                    await v4only.close();
                    await both.close();
                    await both6.close();
                }
            });

            it('says "no IPv6 address" for a name without one (here an IPv4 address given as the host)', async function () {
                const web = await listenOpen('127.0.0.1');
                try {
                    await start('15', (f) => {
                        nodeOf(f, 'ex15-daily').payload = JSON.stringify(['127.0.0.1']);
                        Object.assign(nodeOf(f, 'ex15-check'), { port: String(web.port), timeout: '1' });
                    });
                    const alert = collect('ex15-alert');
                    fire('ex15-daily');
                    const [msg] = await alert.waitFor(1);
                    assert.deepStrictEqual(plain(msg.payload), { host: '127.0.0.1', ipv4: 'open', ipv6: 'no IPv6 address', ok: false });
                } finally {
                    await web.close();
                }
            });
        });

        it('16 Polite compliance sweep: paced at Max rate, every open insecure port named', async function () {
            const telnet = await listenOpen('127.0.0.1');
            try {
                await start('16', (f) => {
                    nodeOf(f, 'ex16-weekly').payload = JSON.stringify(['127.0.0.1', '127.0.0.2']);
                    Object.assign(nodeOf(f, 'ex16-check'), { port: `${closed[0]},${telnet.port},${closed[1]}`, maxRate: 20 });
                });
                const out = collect('ex16-out');
                const started = Date.now();
                fire('ex16-weekly');
                const [msg] = await out.waitFor(1, 5000);
                const elapsed = Date.now() - started;
                const report = plain(msg.payload);
                assert.deepStrictEqual([report.compliant, report.checked, report.violations], [false, 6, [`127.0.0.1:${telnet.port}`]]);
                assert.strictEqual(msg.topic, '1 insecure port(s) open');
                // 6 connections at 20 a second: the last starts 250 ms after the first.
                assert.ok(elapsed >= 240, `the sweep took ${elapsed} ms`);
            } finally {
                await telnet.close();
            }
        });

        it('09 Network segmentation validation: a database open on IPv6 only is a hole, though IPv4 is closed', async function () {
            const web = await listenOpen('127.0.0.1');
            const db6 = await listenOpen('::1');
            try {
                await start('09', (f) => {
                    pointAt(f, 'ex09-web', web.port);
                    pointAt(f, 'ex09-db', db6.port, 'localhost').timeout = '0.5';
                });
                const ok = collect('ex09-ok');
                const broken = collect('ex09-broken');
                fire('ex09-inject');
                const [msg] = await broken.waitFor(1);
                await sleep(50);
                assert.strictEqual(ok.messages.length, 0);
                assert.strictEqual(plain(msg.payload).ok, false);
            } finally {
                await web.close();
                await db6.close();
            }
        });
    });
});
