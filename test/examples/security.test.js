'use strict';
// The outcomes of the security examples (03 audit, 09 network segmentation,
// 10 port scan detection, 14 pool sweep with allow-list and latency), each
// run in a Node-RED runtime against real sockets on loopback.
const assert = require('assert');
const { collect, sleep } = require('../lib/node-red');
const { listenOpen, filteredPort, slowPort } = require('../lib/net-fixtures');
const { nodeOf, pointAt } = require('../lib/examples-flows');
const { countingServer } = require('../lib/net-fixtures');
const { start, plain, fire, nothingMore, openServers, outcomesSuite } = require('../lib/examples-harness');

describe('example flows', function () {
    this.timeout(15000);

    describe('outcomes', function () {
        const closed = outcomesSuite();

        it('03 Security audit: flags each open insecure port and reports per server', async function () {
            const [a, b] = await openServers(2);
            try {
                const ports = [a.port, closed[0], b.port, closed[1], closed[2], closed[3]];
                await start('03', (f) => {
                    // 127.0.0.1 has two "insecure" ports open; nothing listens on them on ::1.
                    nodeOf(f, 'ex03-inject').payload = JSON.stringify(['127.0.0.1', '::1', 'bad host']);
                    nodeOf(f, 'ex03-check').port = ports.join(',');
                }, ['bad host']);
                const report = collect('ex03-debugReport');
                const violations = collect('ex03-violations');
                fire('ex03-inject');
                const [msg] = await report.waitFor(1);
                const r = msg.payload;
                assert.strictEqual(r.compliant, false);
                assert.strictEqual(r.summary, '1 of 3 servers compliant');
                assert.ok(!Number.isNaN(Date.parse(r.checkedAt)));
                assert.deepStrictEqual(r.servers.map((s) => [s.server, s.compliant]), [['127.0.0.1', false], ['::1', true], ['bad host', false]]);
                assert.deepStrictEqual(r.servers[0].violations.map((v) => v.port).sort(), [a.port, b.port].sort());
                assert.deepStrictEqual(r.servers[0].violations.map((v) => v.service), ['unknown', 'unknown']);
                assert.deepStrictEqual(r.servers[1].violations, []);
                assert.match(r.servers[2].error, /^Invalid host/);
                await nothingMore(violations, 1, 50);
                const alert = violations.messages[0];
                assert.strictEqual(alert.topic, 'security violation');
                assert.strictEqual(alert.server, '127.0.0.1');
                assert.ok(alert.payload.startsWith('127.0.0.1: insecure port open: '), alert.payload);
                assert.ok(alert.payload.includes(`${a.port} (unknown)`) && alert.payload.includes(`${b.port} (unknown)`), alert.payload);
            } finally {
                await Promise.all([a.close(), b.close()]);
            }
        });

        describe('09 Network segmentation validation', function () {
            let web;
            let filtered;
            before(async function () {
                web = await listenOpen('127.0.0.1');
                filtered = await filteredPort('127.0.0.1');
            });
            after(async function () {
                filtered.close();
                await web.close();
            });
            const verdict = async (dbPort) => {
                await start('09', (f) => {
                    pointAt(f, 'ex09-web', web.port);
                    pointAt(f, 'ex09-db', dbPort).timeout = '0.5';
                });
                const ok = collect('ex09-ok');
                const broken = collect('ex09-broken');
                fire('ex09-inject');
                await Promise.race([ok.waitFor(1), broken.waitFor(1)]);
                await sleep(50);
                return { ok: ok.messages, broken: broken.messages };
            };

            it('passes when the database port is refused', async function () {
                const { ok, broken } = await verdict(closed[0]);
                assert.strictEqual(broken.length, 0);
                assert.deepStrictEqual(plain(ok[0].payload), {
                    ok: true,
                    web: `127.0.0.1:${web.port} is open`,
                    database: `127.0.0.1:${closed[0]} refused: nothing listens there, or a REJECT rule`,
                });
            });

            it('passes when the database port is filtered (no answer)', async function () {
                const { ok, broken } = await verdict(filtered.port);
                assert.strictEqual(broken.length, 0);
                assert.strictEqual(ok[0].portCheck.state, 'filtered');
                assert.strictEqual(ok[0].payload.database, `127.0.0.1:${filtered.port} no answer: dropped by a firewall`);
            });

            it('fails when the database port is reachable', async function () {
                const { ok, broken } = await verdict(web.port);
                assert.strictEqual(ok.length, 0);
                assert.strictEqual(broken[0].payload.ok, false);
                assert.strictEqual(broken[0].payload.database, `127.0.0.1:${web.port} OPEN: reachable from this segment`);
            });
        });

        it('10 Port scan detection: more than 10 ports from one source in a minute raises one alert and blocks it', async function () {
            const web = await listenOpen('127.0.0.1');
            try {
                const scanned = closed.slice(0, 12);
                await start('10', (f) => {
                    nodeOf(f, 'ex10-client').payload = JSON.stringify({ source: '192.0.2.10', host: '127.0.0.1', ports: [web.port, closed[12], closed[13]] });
                    nodeOf(f, 'ex10-scanner').payload = JSON.stringify({ source: '198.51.100.66', host: '127.0.0.1', ports: scanned });
                });
                const results = collect('ex10-results');
                const alerts = collect('ex10-alerts');

                fire('ex10-client');
                await results.waitFor(3);
                assert.deepStrictEqual(results.messages.map((m) => m.payload), [true, false, false]);
                assert.strictEqual(alerts.messages.length, 0);

                fire('ex10-scanner');
                await alerts.waitFor(1);
                await results.waitFor(13);
                await nothingMore(results, 13);
                assert.deepStrictEqual(results.messages.slice(3).map((m) => m.port).sort(), scanned.slice(0, 10).sort());
                const alert = alerts.messages[0];
                assert.strictEqual(alert.topic, 'port scan');
                assert.strictEqual(alert.source, '198.51.100.66');
                assert.ok(alert.payload.startsWith('Possible port scan from 198.51.100.66: 11 different ports in a minute'), alert.payload);

                fire('ex10-scanner'); // blocked, and no second alert
                await nothingMore(results, 13);
                assert.strictEqual(alerts.messages.length, 1);

                fire('ex10-client'); // others go on
                await results.waitFor(16);
                assert.strictEqual(alerts.messages.length, 1);
            } finally {
                await web.close();
            }
        });

        describe('14 Pool sweep with allow-list and latency', function () {
            it('reports up, down and slow hosts of a pool of 127.0.0.1 and ::1', async function () {
                const fast = await listenOpen('127.0.0.1');
                const slow = await slowPort(1200);
                try {
                    // Nothing listens on these ports on ::1: 127.0.0.1 is up, ::1 down.
                    const ports = `${fast.port},${slow.port}`;
                    await start('14', (f) => {
                        nodeOf(f, 'ex14-sweep').payload = JSON.stringify(['127.0.0.1', '::1']);
                        nodeOf(f, 'ex14-outside').payload = '127.0.0.2';
                        Object.assign(nodeOf(f, 'ex14-check'), { port: ports, timeout: '6', allow: `127.0.0.0/8:${ports} [::1]:${ports}` });
                    });
                    const report = collect('ex14-reportOut');
                    const blocked = collect('ex14-blockedOut');
                    fire('ex14-sweep');
                    const [msg] = await report.waitFor(1, 8000);
                    const r = plain(msg.payload);
                    assert.strictEqual(r.summary, '1 of 2 hosts up, 1 slow port');
                    assert.deepStrictEqual(r.up, ['127.0.0.1']);
                    assert.deepStrictEqual(r.down, [{ host: '::1', closed: [fast.port, slow.port], filtered: [] }]);
                    assert.strictEqual(r.slow.length, 1);
                    assert.strictEqual(r.slow[0].target, `127.0.0.1:${slow.port}`);
                    assert.ok(r.slow[0].latencyMs > 200, `latency ${r.slow[0].latencyMs}`);
                    assert.strictEqual(msg.portCheck.results.length, 4, 'every host on every port');
                    assert.strictEqual(msg.portCheck.results.find((x) => x.port === fast.port && x.host === '127.0.0.1').slow, false);
                    await nothingMore(blocked, 0, 50);
                } finally {
                    slow.close();
                    await fast.close();
                }
            });

            it('blocks a host outside the allow-list: "Target not allowed" at the Catch node, no connection made', async function () {
                const counting = await countingServer('127.0.0.2');
                try {
                    await start('14', (f) => {
                        nodeOf(f, 'ex14-sweep').payload = JSON.stringify(['127.0.0.1']);
                        nodeOf(f, 'ex14-outside').payload = '127.0.0.2';
                        Object.assign(nodeOf(f, 'ex14-check'), { port: String(counting.port), allow: `127.0.0.1/32:${counting.port}` });
                    });
                    const report = collect('ex14-reportOut');
                    const blocked = collect('ex14-blockedOut');
                    fire('ex14-outside');
                    const [msg] = await blocked.waitFor(1);
                    assert.strictEqual(msg.topic, 'blocked target');
                    assert.ok(msg.payload.startsWith(`Target not allowed: 127.0.0.2:${counting.port}`), msg.payload);
                    assert.strictEqual(msg.error.source.id, 'ex14-check');
                    await sleep(100);
                    assert.strictEqual(counting.seen(), 0, 'no connection reached 127.0.0.2');
                    assert.strictEqual(report.messages.length, 0);
                } finally {
                    await counting.close();
                }
            });

            it('a pool of one host (no per-host summary) still gets a report', async function () {
                const web = await listenOpen('127.0.0.1');
                try {
                    await start('14', (f) => {
                        nodeOf(f, 'ex14-sweep').payload = JSON.stringify(['127.0.0.1']);
                        nodeOf(f, 'ex14-outside').payload = '127.0.0.2';
                        Object.assign(nodeOf(f, 'ex14-check'), { port: `${web.port},${closed[0]}`, allow: '127.0.0.1/32' });
                    });
                    const report = collect('ex14-reportOut');
                    fire('ex14-sweep');
                    const [msg] = await report.waitFor(1);
                    assert.deepStrictEqual(plain(msg.payload), {
                        summary: '0 of 1 hosts up, 0 slow ports',
                        up: [],
                        down: [{ host: '127.0.0.1', closed: [closed[0]], filtered: [] }],
                        slow: [],
                    });
                } finally {
                    await web.close();
                }
            });
        });
    });
});
