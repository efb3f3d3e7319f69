'use strict';
// The outcomes of the operations examples (04 deployment validation,
// 05 load balancer, 08 database failover, 12 error handling, 13 wait until
// a service is up), each run in a Node-RED runtime against real sockets on
// loopback.
const assert = require('assert');
const { helper, collect, sleep } = require('../lib/node-red');
const { listenOpen, closedPort } = require('../lib/net-fixtures');
const { nodeOf, pointAt, setTabEnv } = require('../lib/examples-flows');
const { start, plain, fire, nothingMore, openLater, openServers, outcomesSuite } = require('../lib/examples-harness');

describe('example flows', function () {
    this.timeout(15000);

    describe('outcomes', function () {
        const closed = outcomesSuite();

        describe('04 Service deployment validation', function () {
            let api;
            before(async function () {
                api = await listenOpen('127.0.0.1');
            });
            after(async function () {
                await api.close();
            });
            const run = async (oldPort, newPort, waitTimeout) => {
                await start('04', (f) => {
                    setTabEnv(f, 'API_HOST', '127.0.0.1');
                    setTabEnv(f, 'OLD_PORT', oldPort);
                    setTabEnv(f, 'NEW_PORT', newPort);
                    if (waitTimeout) nodeOf(f, 'ex04-new').waitTimeout = waitTimeout;
                });
                const ok = collect('ex04-ok');
                const failed = collect('ex04-failed');
                fire('ex04-inject');
                await Promise.race([ok.waitFor(1, 8000), failed.waitFor(1, 8000)]);
                await sleep(50);
                return { ok: ok.messages, failed: failed.messages };
            };

            it('succeeds when the old port is closed and the new one open', async function () {
                const { ok, failed } = await run(closed[0], api.port);
                assert.strictEqual(failed.length, 0);
                assert.deepStrictEqual(plain(ok[0].payload), {
                    success: true, host: '127.0.0.1',
                    oldPort: { port: closed[0], state: 'closed', ok: true },
                    newPort: { port: api.port, state: 'open', ok: true, attempts: 1 },
                });
            });

            it('waits for a new service that comes up late, then succeeds', async function () {
                const late = openLater(closed[1], 1200);
                try {
                    const { ok, failed } = await run(closed[0], closed[1]);
                    assert.strictEqual(failed.length, 0);
                    const p = ok[0].payload;
                    assert.deepStrictEqual([p.success, p.newPort.state, p.newPort.ok], [true, 'open', true]);
                    assert.ok(p.newPort.attempts >= 2, `attempts ${p.newPort.attempts}`);
                    assert.ok(ok[0].portCheck.elapsedMs >= 1000, `elapsedMs ${ok[0].portCheck.elapsedMs}`);
                } finally {
                    await late.close();
                }
            });

            it('fails when the new port has not opened by Wait up to', async function () {
                const { ok, failed } = await run(closed[0], closed[1], 1.5);
                assert.strictEqual(ok.length, 0);
                const p = failed[0].payload;
                assert.deepStrictEqual([p.success, p.oldPort.ok, p.newPort.state, p.newPort.ok], [false, true, 'closed', false]);
                assert.ok(p.newPort.attempts >= 2, `attempts ${p.newPort.attempts}`);
            });

            it('fails when only one of the two holds', async function () {
                const { ok, failed } = await run(api.port, api.port);
                assert.strictEqual(ok.length, 0);
                const p = failed[0].payload;
                assert.strictEqual(p.success, false);
                assert.deepStrictEqual([p.oldPort.state, p.oldPort.ok, p.newPort.ok], ['open', false, true]);
            });
        });

        it('05 Load balancer: a closed backend leaves the pool with an alert, and comes back', async function () {
            const servers = await openServers(3);
            try {
                const backends = servers.map((s, i) => ({ name: `backend-0${i + 1}`, host: '127.0.0.1', port: s.port }));
                await start('05', (f) => {
                    nodeOf(f, 'ex05-inject').payload = JSON.stringify(backends);
                });
                const pool = collect('ex05-debugPool');
                const alerts = collect('ex05-alerts');
                const context = helper.getNode('ex05-pool').context().flow;

                fire('ex05-inject');
                await pool.waitFor(1);
                assert.deepStrictEqual(pool.messages[0].payload, ['backend-01', 'backend-02', 'backend-03']);
                await nothingMore(alerts, 0, 50);

                await servers[1].close();
                fire('ex05-inject');
                await pool.waitFor(2);
                assert.deepStrictEqual(pool.messages[1].payload, ['backend-01', 'backend-03']);
                assert.deepStrictEqual(context.get('lb.pool'), ['backend-01', 'backend-03']);
                await alerts.waitFor(1);
                assert.strictEqual(alerts.messages[0].topic, 'backend down');
                assert.strictEqual(alerts.messages[0].payload, `backend-02 (127.0.0.1:${servers[1].port}) is closed: removed from the pool`);

                fire('ex05-inject');
                await pool.waitFor(3);
                await nothingMore(alerts, 1, 50);

                servers[1] = await listenOpen('127.0.0.1', servers[1].port);
                fire('ex05-inject');
                await pool.waitFor(4);
                assert.deepStrictEqual(pool.messages[3].payload, ['backend-01', 'backend-02', 'backend-03']);
                await alerts.waitFor(2);
                assert.strictEqual(alerts.messages[1].topic, 'backend up');
                assert.strictEqual(alerts.messages[1].payload, `backend-02 (127.0.0.1:${servers[1].port}) is open again: back in the pool`);
            } finally {
                await Promise.all(servers.map((s) => s.close()));
            }
        });

        describe('08 Database failover', function () {
            const setup = (primaryPort, secondaryPort) => start('08', (f) => {
                setTabEnv(f, 'PRIMARY_HOST', '127.0.0.1');
                setTabEnv(f, 'PRIMARY_PORT', primaryPort);
                setTabEnv(f, 'SECONDARY_HOST', '127.0.0.1');
                setTabEnv(f, 'SECONDARY_PORT', secondaryPort);
                nodeOf(f, 'ex08-primary').retryDelay = 0.1; // the flow's 2 s, shortened
            });

            it('switches to the secondary when the primary goes down, and back when it recovers', async function () {
                let primary = await listenOpen('127.0.0.1');
                const secondary = await listenOpen('127.0.0.1');
                try {
                    await setup(primary.port, secondary.port);
                    const alerts = collect('ex08-alerts');
                    // The primary's attempts, read as they arrive (the secondary's check reuses the message).
                    const attempts = [];
                    helper.getNode('ex08-decide').on('input', (msg) => attempts.push(msg.portCheck.attempts));
                    const flowContext = helper.getNode('ex08-decide').context().flow;

                    fire('ex08-inject');
                    await sleep(300);
                    assert.deepStrictEqual(plain(flowContext.get('db')), { active: 'primary', host: '127.0.0.1' });
                    assert.strictEqual(alerts.messages.length, 0);
                    assert.deepStrictEqual(attempts, [1], 'an answering primary is checked once');

                    await primary.close();
                    fire('ex08-inject');
                    const [failover] = await alerts.waitFor(1);
                    assert.deepStrictEqual(attempts, [1, 2], 'checked again before failing over');
                    assert.strictEqual(failover.topic, 'database failover');
                    assert.strictEqual(failover.payload, 'Primary database 127.0.0.1 is down: switched to the secondary 127.0.0.1');
                    assert.strictEqual(flowContext.get('db.active'), 'secondary');

                    fire('ex08-inject'); // still down: nothing new
                    await nothingMore(alerts, 1);

                    primary = await listenOpen('127.0.0.1', primary.port);
                    fire('ex08-inject');
                    const [, back] = await alerts.waitFor(2);
                    assert.strictEqual(back.topic, 'database recovered');
                    assert.strictEqual(back.payload, 'Primary database 127.0.0.1 answers again: switched back to it');
                    assert.deepStrictEqual(plain(flowContext.get('db')), { active: 'primary', host: '127.0.0.1' });
                } finally {
                    await Promise.all([primary.close(), secondary.close()]);
                }
            });

            it('raises an alert and switches nothing when both are down', async function () {
                await setup(closed[0], closed[1]);
                const alerts = collect('ex08-alerts');
                fire('ex08-inject');
                const [alert] = await alerts.waitFor(1);
                assert.strictEqual(alert.topic, 'database down');
                assert.strictEqual(alert.payload, 'Primary 127.0.0.1 and secondary 127.0.0.1 are both down: nothing switched');
                assert.strictEqual(helper.getNode('ex08-decide').context().flow.get('db.active'), 'primary');
            });
        });

        describe('12 Error handling', function () {
            const setup = (strictPayload, lenientPayload) => start('12', (f) => {
                nodeOf(f, 'ex12-strict').host = '127.0.0.1';
                nodeOf(f, 'ex12-lenient').host = '127.0.0.1';
                if (strictPayload) nodeOf(f, 'ex12-inject1').payload = strictPayload;
                if (lenientPayload) nodeOf(f, 'ex12-inject2').payload = lenientPayload;
            });

            it('Continue On Error off: the Catch node gets "Invalid port number", nothing is sent on', async function () {
                await setup();
                const caught = collect('ex12-caught');
                const result1 = collect('ex12-result1');
                fire('ex12-inject1');
                const [msg] = await caught.waitFor(1);
                assert.match(msg.error.message, /^Invalid port number/);
                assert.strictEqual(msg.error.source.id, 'ex12-strict');
                assert.strictEqual(msg.portCheck.error.code, 'INVALID_PORT');
                await nothingMore(result1, 0, 50);
            });

            it('Continue On Error on: false and msg.portCheck.error go on, the Catch node sees nothing', async function () {
                await setup();
                const caught = collect('ex12-caught');
                const errorOn = collect('ex12-errorOn');
                const result2 = collect('ex12-result2');
                fire('ex12-inject2');
                const [msg] = await errorOn.waitFor(1);
                assert.strictEqual(msg.payload, false);
                assert.strictEqual(msg.portCheck.error.code, 'INVALID_PORT');
                assert.match(msg.portCheck.error.message, /^Invalid port number/);
                await nothingMore(caught, 0, 100);
                assert.strictEqual(result2.messages.length, 0);
            });

            it('with a real port, both go the normal way', async function () {
                const web = await listenOpen('127.0.0.1');
                try {
                    await setup(String(web.port), String(web.port));
                    const caught = collect('ex12-caught');
                    const result1 = collect('ex12-result1');
                    const result2 = collect('ex12-result2');
                    fire('ex12-inject1');
                    fire('ex12-inject2');
                    assert.strictEqual((await result1.waitFor(1))[0].payload, true);
                    assert.strictEqual((await result2.waitFor(1))[0].payload, true);
                    await nothingMore(caught, 0, 50);
                } finally {
                    await web.close();
                }
            });
        });

        describe('13 Wait until a service is up', function () {
            // Both port checks on loopback: the one a test does not use points at a closed port.
            const setup = (mutate) => start('13', (f) => {
                pointAt(f, 'ex13-wait', closed[2]);
                pointAt(f, 'ex13-monitor', closed[2]);
                mutate(f);
            });

            it('wait until: a port that opens 1.5 s after the deploy gives "up after N attempts (N ms)", N > 1', async function () {
                const port = await closedPort();
                await setup((f) => pointAt(f, 'ex13-wait', port));
                const up = collect('ex13-upOut');
                const gaveUp = collect('ex13-gaveUpOut');
                fire('ex13-deployed');
                const late = openLater(port, 1500);
                try {
                    const [msg] = await up.waitFor(1, 8000);
                    const m = new RegExp(`^127\\.0\\.0\\.1:${port} is up after (\\d+) attempts \\((\\d+) ms\\)$`).exec(msg.payload);
                    assert.ok(m, msg.payload);
                    assert.ok(Number(m[1]) > 1 && Number(m[1]) === msg.portCheck.attempts, msg.payload);
                    assert.ok(Number(m[2]) >= 1400, msg.payload);
                    assert.strictEqual(msg.topic, 'service up');
                    assert.strictEqual(msg.portCheck.state, 'open');
                    await nothingMore(gaveUp, 0, 50);
                } finally {
                    await late.close();
                }
            });

            it('wait until: nothing opens before a short Wait up to: "Gave up ... still closed", one message', async function () {
                const port = await closedPort();
                await setup((f) => Object.assign(pointAt(f, 'ex13-wait', port), { waitTimeout: 1.5 }));
                const up = collect('ex13-upOut');
                const gaveUp = collect('ex13-gaveUpOut');
                const started = Date.now();
                fire('ex13-deployed');
                const [msg] = await gaveUp.waitFor(1, 5000);
                assert.ok(Date.now() - started < 2500, 'gave up within Wait up to');
                const m = new RegExp(`^Gave up on 127\\.0\\.0\\.1:${port} after (\\d+) attempts \\((\\d+) ms\\): still closed$`).exec(msg.payload);
                assert.ok(m, msg.payload);
                assert.ok(Number(m[1]) >= 2 && Number(m[1]) === msg.portCheck.attempts, msg.payload);
                assert.ok(Number(m[2]) < 1500, msg.payload);
                assert.strictEqual(msg.topic, 'service not up');
                await nothingMore(gaveUp, 1, 300);
                assert.strictEqual(up.messages.length, 0);
            });

            it('retries: a monitor whose port answers on a retry stays up', async function () {
                const port = await closedPort();
                await setup((f) => pointAt(f, 'ex13-monitor', port));
                const monitor = collect('ex13-monitorOut');
                fire('ex13-every');
                const late = openLater(port, 700);
                try {
                    const [msg] = await monitor.waitFor(1, 5000);
                    assert.match(msg.payload, new RegExp(`^127\\.0\\.0\\.1:${port} is up \\(\\d+ ms, [23] attempts\\)$`));
                    assert.strictEqual(msg.topic, 'monitor up');
                } finally {
                    await late.close();
                }
            });

            it('retries: a port that stays closed is DOWN after 3 attempts, then only changes are reported', async function () {
                const port = await closedPort();
                await setup((f) => pointAt(f, 'ex13-monitor', port));
                const monitor = collect('ex13-monitorOut');
                fire('ex13-every');
                const [msg] = await monitor.waitFor(1, 5000);
                assert.strictEqual(msg.payload, `127.0.0.1:${port} is DOWN after 3 attempts: closed`);
                assert.strictEqual(msg.topic, 'monitor down');
                assert.ok(msg.portCheck.elapsedMs >= 900, `elapsedMs ${msg.portCheck.elapsedMs}`);
                fire('ex13-every'); // still down after its retries (about 1 s): the filter drops it
                await nothingMore(monitor, 1, 1300);
            });
        });
    });
});
