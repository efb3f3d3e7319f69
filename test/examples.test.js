'use strict';
// The example flows of examples/ (and the flow npm start deploys): valid,
// importable flows of core nodes and port-check, and each one run in a
// Node-RED runtime against real sockets on loopback, checking its outcome.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper, load, collect, sleep } = require('./lib/node-red');
const { listenOpen, closedPort, closedPorts, filteredPort, slowPort } = require('./lib/net-fixtures');
const {
    ROOT, FLOW_KEYS, NEW_KEY_DEFAULTS, coreModules, coreTypes, listExamples, readExample, nodeOf, pointAt, setTabEnv,
    manualInjects, assertLoopbackOnly, serveHttpNodes, countingServer,
} = require('./lib/examples-flows');

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

/** All 21 flow keys, with values the runtime and the editor accept. */
function assertPortCheckKeys(node) {
    assert.strictEqual(FLOW_KEYS.length, 21);
    for (const key of FLOW_KEYS) assert.ok(Object.hasOwn(node, key), `${node.id} lacks ${key}`);
    assert.ok(node.check === 'open' || node.check === 'closed', `${node.id} check`);
    assert.ok(node.mode === 'once' || node.mode === 'wait', `${node.id} mode ${node.mode}`);
    const retries = Number(node.retries);
    assert.ok(Number.isInteger(retries) && retries >= 0 && retries <= 100, `${node.id} retries ${node.retries}`);
    assert.ok(Number(node.retryDelay) >= 0, `${node.id} retryDelay`);
    assert.ok(Number(node.waitInterval) > 0 && Number(node.waitTimeout) > 0, `${node.id} waitInterval/waitTimeout`);
    assert.ok(node.slowAbove === '' || (Number.isInteger(Number(node.slowAbove)) && Number(node.slowAbove) > 0), `${node.id} slowAbove`);
    assert.strictEqual(typeof node.allow, 'string', `${node.id} allow`);
}

describe('example flows', function () {
    this.timeout(15000);
    const examples = listExamples();

    describe('as files', function () {
        const allowed = new Set([...coreTypes(), 'tab', 'group', 'port-check']);

        it('has one example per use case, named "NN Title.json"', function () {
            assert.strictEqual(examples.length, 14, examples.map((e) => e.file).join(', '));
            examples.forEach((e, i) => {
                assert.match(e.file, /^\d\d [A-Z][A-Za-z0-9 -]+\.json$/);
                assert.ok(e.file.startsWith(String(i + 1).padStart(2, '0') + ' '), e.file);
            });
        });

        it('knows the core node types (the allow-list is not empty)', function () {
            for (const type of ['inject', 'debug', 'function', 'change', 'switch', 'split', 'join', 'template', 'http in', 'http response', 'catch', 'comment', 'link in', 'rbe']) {
                assert.ok(allowed.has(type), type);
            }
            assert.ok(!allowed.has('ui_text') && !allowed.has('ping'));
        });

        const allIds = new Map();
        for (const example of examples) {
            describe(example.file, function () {
                let flow;
                before(function () {
                    flow = JSON.parse(example.text);
                });

                it('is a top-level array: one tab with info, nodes on it, unique ids', function () {
                    assert.ok(Array.isArray(flow));
                    const tabs = flow.filter((n) => n.type === 'tab');
                    assert.strictEqual(tabs.length, 1);
                    assert.ok(typeof tabs[0].info === 'string' && tabs[0].info.length > 40, 'tab info');
                    const ids = new Set(flow.map((n) => n.id));
                    assert.strictEqual(ids.size, flow.length, 'unique ids');
                    for (const node of flow) {
                        assert.ok(typeof node.id === 'string' && node.id, 'id');
                        const other = allIds.get(node.id);
                        assert.ok(!other || other === example.file, `id ${node.id} also used in ${other}`);
                        allIds.set(node.id, example.file);
                        if (node.type === 'tab') continue;
                        assert.strictEqual(node.z, tabs[0].id, `${node.id} on the tab`);
                        assert.ok(Number.isFinite(node.x) && Number.isFinite(node.y), `${node.id} has x/y`);
                        assert.ok(Array.isArray(node.wires), `${node.id} wires`);
                        for (const target of node.wires.flat()) assert.ok(ids.has(target), `${node.id} wired to missing ${target}`);
                        if (node.type === 'function' || node.type === 'switch') {
                            assert.strictEqual(node.wires.length, Number(node.outputs), `${node.id}: one wire list per output`);
                        }
                    }
                });

                it('uses only Node-RED core nodes and port-check, with a comment saying what to edit', function () {
                    for (const node of flow) assert.ok(allowed.has(node.type), `${node.id}: type ${node.type} is not core`);
                    assert.ok(flow.some((n) => n.type === 'port-check'), 'a port-check node');
                    const comments = flow.filter((n) => n.type === 'comment');
                    assert.ok(comments.length >= 1);
                    assert.ok(comments.some((c) => /edit|change/i.test(c.name + c.info) || /edit/i.test(flow[0].info)));
                });

                it('gives every port-check node all its flow keys', function () {
                    for (const node of flow.filter((n) => n.type === 'port-check')) {
                        assertPortCheckKeys(node);
                        assert.ok(['str', 'msg', 'flow', 'global', 'env'].includes(node.hostType));
                        assert.ok(['num', 'str', 'msg', 'flow', 'global', 'env'].includes(node.portType));
                        assert.ok(Number(node.timeout) > 0 && Number(node.timeout) <= 60);
                    }
                });

                it('keeps hosts as placeholders a user edits (example.com names)', function () {
                    const tab = flow[0];
                    const env = Object.fromEntries((tab.env || []).map((e) => [e.name, e.value]));
                    for (const node of flow.filter((n) => n.type === 'port-check')) {
                        if (node.hostType === 'str') assert.match(node.host, /\.example\.com$/, node.id);
                        if (node.hostType === 'env') assert.match(env[node.host], /\.example\.com$/, node.id);
                    }
                });
            });
        }

        it('write the newer keys with the editor\'s defaults where a flow does not use them', function () {
            const used = {
                'ex04-new': { mode: 'wait' },
                'ex08-primary': { retries: 1, retryDelay: 2 },
                'ex13-wait': { mode: 'wait', waitTimeout: 30 },
                'ex13-monitor': { retries: 2, retryDelay: 0.5 },
                'ex14-check': { slowAbove: 200, allow: '10.0.1.0/24:80,443' },
            };
            const start = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'start-flow.json'), 'utf8'));
            const nodes = [...examples.flatMap((e) => JSON.parse(e.text)), ...start].filter((n) => n.type === 'port-check');
            for (const node of nodes) {
                const expected = { ...NEW_KEY_DEFAULTS, ...used[node.id] };
                const actual = Object.fromEntries(Object.keys(NEW_KEY_DEFAULTS).map((key) => [key, node[key]]));
                assert.deepStrictEqual(actual, expected, node.id);
            }
        });

        it('match their use cases (ports, checks, timeouts)', function () {
            const pc = (n, id) => nodeOf(readExample(n), id);
            assert.deepStrictEqual([pc('01', 'ex01-check').port, pc('01', 'ex01-check').check, pc('01', 'ex01-check').timeout], ['443', 'open', '10']);
            assert.strictEqual(pc('02', 'ex02-check').port, '3306');
            assert.deepStrictEqual([pc('03', 'ex03-check').port, pc('03', 'ex03-check').check], ['21,23,69,135,139,445', 'closed']);
            const env = (n) => Object.fromEntries(readExample(n)[0].env.map((e) => [e.name, e.value]));
            assert.deepStrictEqual([env('04').OLD_PORT, pc('04', 'ex04-old').check, env('04').NEW_PORT, pc('04', 'ex04-new').check], ['8080', 'closed', '9000', 'open']);
            assert.deepStrictEqual(JSON.parse(nodeOf(readExample('05'), 'ex05-inject').payload).map((b) => b.port), [80, 80, 80]);
            assert.strictEqual(pc('06', 'ex06-check').port, '80,443,3000,5432');
            assert.deepStrictEqual([pc('07', 'ex07-services').port, pc('07', 'ex07-telnet').port, pc('07', 'ex07-telnet').check], ['22,80,443', '23', 'closed']);
            assert.strictEqual(env('08').PRIMARY_PORT, '5432');
            assert.deepStrictEqual([pc('09', 'ex09-web').port, pc('09', 'ex09-db').port, pc('09', 'ex09-db').check], ['443', '3306', 'closed']);
            assert.strictEqual(readExample('11').filter((n) => n.type === 'port-check').length, 4);
            assert.strictEqual(nodeOf(readExample('11'), 'ex11-page').url, '/port-check/health');
            assert.deepStrictEqual([pc('12', 'ex12-strict').continueOnError, pc('12', 'ex12-lenient').continueOnError], [false, true]);
            const wait = pc('13', 'ex13-wait');
            assert.deepStrictEqual([wait.mode, wait.waitInterval, wait.waitTimeout, wait.check], ['wait', 1, 30, 'open']);
            const monitor = pc('13', 'ex13-monitor');
            assert.deepStrictEqual([monitor.mode, monitor.retries, monitor.retryDelay], ['once', 2, 0.5]);
            const sweep = pc('14', 'ex14-check');
            assert.deepStrictEqual([sweep.hostType, sweep.host, sweep.port, sweep.slowAbove, sweep.allow], ['msg', 'payload', '80,443', 200, '10.0.1.0/24:80,443']);
            assert.ok(JSON.parse(nodeOf(readExample('14'), 'ex14-sweep').payload).length >= 2, 'a pool of hosts');
            assert.deepStrictEqual(nodeOf(readExample('14'), 'ex14-catch').scope, ['ex14-check']);
        });
    });

    describe('in a Node-RED runtime', function () {
        let baseline;
        before(async function () {
            // What the test runtime itself logs (credentials, deprecated helper type...), with no example loaded.
            await load([{ id: 'baseline-tab', type: 'tab', label: 'baseline' }], coreModules());
            baseline = new Set(helper.log().getCalls().map((c) => c.args[0]).filter((l) => l.level <= 30).map((l) => l.msg));
            await helper.unload();
        });
        afterEach(async function () {
            await helper.unload();
        });

        for (const example of examples) {
            it(`loads ${example.file} with every node running and no warning or error`, async function () {
                const flow = JSON.parse(example.text);
                manualInjects(flow);
                await load(flow, coreModules());
                for (const node of flow.filter((n) => n.type !== 'tab')) {
                    assert.ok(helper.getNode(node.id), `${node.id} (${node.type}) runs`);
                }
                const logged = helper.log().getCalls().map((c) => c.args[0])
                    .filter((l) => l.level <= 30 && !baseline.has(l.msg));
                assert.deepStrictEqual(logged.map((l) => `${l.level} ${l.msg}`), []);
            });
        }
    });

    describe('outcomes', function () {
        let closed;
        before(async function () {
            closed = await closedPorts(16);
        });
        afterEach(async function () {
            await helper.unload();
        });

        describe('01 Web server is running', function () {
            let web;
            before(async function () {
                web = await listenOpen('127.0.0.1');
            });
            after(async function () {
                await web.close();
            });

            it('says UP with the response time when the port answers', async function () {
                await start('01', (f) => pointAt(f, 'ex01-check', web.port));
                const out = collect('ex01-debug');
                fire('ex01-inject');
                const [msg] = await out.waitFor(1);
                assert.match(msg.payload, new RegExp(`^UP: 127\\.0\\.0\\.1:${web.port} answered in \\d+ ms$`));
                assert.strictEqual(msg.portCheck.state, 'open');
            });

            it('says DOWN with the state when it does not', async function () {
                await start('01', (f) => pointAt(f, 'ex01-check', closed[0]));
                const out = collect('ex01-debug');
                fire('ex01-inject');
                const [msg] = await out.waitFor(1);
                assert.strictEqual(msg.payload, `DOWN: 127.0.0.1:${closed[0]} is closed`);
            });
        });

        it('02 Database availability: reports the first state, then only changes', async function () {
            const db = await listenOpen('127.0.0.1');
            try {
                await start('02', (f) => pointAt(f, 'ex02-check', db.port));
                const out = collect('ex02-debug');
                fire('ex02-inject');
                await out.waitFor(1);
                assert.match(out.messages[0].payload, new RegExp(`^MySQL on 127\\.0\\.0\\.1:${db.port} accepts connections \\(\\d+ ms\\)$`));
                assert.strictEqual(out.messages[0].topic, 'database up');
                fire('ex02-inject');
                await nothingMore(out, 1);
                await db.close();
                fire('ex02-inject');
                await out.waitFor(2);
                assert.strictEqual(out.messages[1].payload, `MySQL on 127.0.0.1:${db.port} is not reachable: port closed`);
                assert.strictEqual(out.messages[1].topic, 'database down');
                fire('ex02-inject');
                await nothingMore(out, 2);
            } finally {
                await db.close();
            }
        });

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

        describe('06 Multi-port service monitoring', function () {
            let servers;
            before(async function () {
                servers = await openServers(4);
            });
            after(async function () {
                await Promise.all(servers.map((s) => s.close()));
            });

            it('alerts with the list of ports that are down', async function () {
                const ports = [servers[0].port, closed[0], servers[1].port, closed[1]];
                await start('06', (f) => pointAt(f, 'ex06-check', ports.join(',')));
                const alert = collect('ex06-alert');
                const up = collect('ex06-up');
                fire('ex06-inject');
                const [msg] = await alert.waitFor(1);
                assert.deepStrictEqual(msg.down, [closed[0], closed[1]]);
                assert.strictEqual(msg.payload, `2 of 4 ports down on 127.0.0.1: ${closed[0]} (closed), ${closed[1]} (closed)`);
                await nothingMore(up, 0, 50);
            });

            it('says all up when all four answer', async function () {
                await start('06', (f) => pointAt(f, 'ex06-check', servers.map((s) => s.port).join(',')));
                const alert = collect('ex06-alert');
                const up = collect('ex06-up');
                fire('ex06-inject');
                const [msg] = await up.waitFor(1);
                assert.strictEqual(msg.payload, true);
                assert.deepStrictEqual([...msg.portCheck.open].sort(), servers.map((s) => s.port).sort());
                await nothingMore(alert, 0, 50);
            });
        });

        describe('07 Complete server health check', function () {
            let servers;
            before(async function () {
                servers = await openServers(4);
            });
            after(async function () {
                await Promise.all(servers.map((s) => s.close()));
            });
            const report = async (required, telnet) => {
                await start('07', (f) => {
                    setTabEnv(f, 'SERVER', '127.0.0.1');
                    nodeOf(f, 'ex07-services').port = required.join(',');
                    nodeOf(f, 'ex07-telnet').port = String(telnet);
                });
                const out = collect('ex07-debug');
                fire('ex07-inject');
                return (await out.waitFor(1))[0].payload;
            };

            it('reports a healthy server: three ports open, the fourth closed', async function () {
                const r = await report([servers[0].port, servers[1].port, servers[2].port], closed[0]);
                assert.strictEqual(r.server, '127.0.0.1');
                assert.strictEqual(r.healthy, true);
                assert.deepStrictEqual(plain(r.problems), []);
                assert.deepStrictEqual(Object.keys(r.ports).map(Number).sort(), [servers[0].port, servers[1].port, servers[2].port, closed[0]].sort());
                assert.deepStrictEqual(r.ports[closed[0]].state, 'closed');
                assert.deepStrictEqual([r.ports[servers[0].port].state, r.ports[servers[0].port].ok, r.ports[servers[0].port].expected], ['open', true, 'open']);
            });

            it('lists each problem of an unhealthy one', async function () {
                const r = await report([servers[0].port, closed[0], servers[1].port], servers[3].port);
                assert.strictEqual(r.healthy, false);
                assert.deepStrictEqual(plain(r.problems), [
                    `port ${closed[0]} should be open but is closed`,
                    `port ${servers[3].port} should be closed but is open`,
                ]);
            });
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

        describe('11 Microservices health dashboard', function () {
            let servers;
            let site;
            before(async function () {
                servers = await openServers(3);
            });
            after(async function () {
                await Promise.all(servers.map((s) => s.close()));
            });
            afterEach(async function () {
                if (site) await site.close();
                site = undefined;
            });

            /** GETs the page until it has `rows` rows. */
            async function page(rows) {
                const deadline = Date.now() + 5000;
                for (;;) {
                    const res = await fetch(`${site.url}/port-check/health`);
                    const html = await res.text();
                    const found = [...html.matchAll(/<tr class="(up|down)">(.*?)<\/tr>/g)];
                    if (found.length >= rows || Date.now() > deadline) return { res, html, rows: found };
                    await sleep(50);
                }
            }

            it('serves a live HTML page at /port-check/health with green and red rows and latencies', async function () {
                const ports = [servers[0].port, closed[0], servers[1].port, servers[2].port];
                await start('11', (f) => ports.forEach((port, i) => pointAt(f, `ex11-check${i + 1}`, port)));
                site = await serveHttpNodes();

                const empty = await page(0);
                assert.strictEqual(empty.res.status, 200);
                assert.match(empty.html, /No results yet/);

                for (let i = 1; i <= 4; i++) fire(`ex11-inject${i}`);
                const { res, html, rows } = await page(4);
                assert.strictEqual(res.status, 200);
                assert.match(res.headers.get('content-type'), /^text\/html/);
                assert.match(html, /^<!DOCTYPE html>/);
                assert.match(html, /<meta http-equiv="refresh" content="10">/);
                assert.match(html, /<style>[\s\S]*tr\.up[\s\S]*<\/style>/);
                assert.match(html, /3 of 4 services up/);
                assert.doesNotMatch(html, /No results yet/);
                const cells = (row) => [...row[2].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
                const table = rows.map((row) => [row[1], ...cells(row)]);
                // Sorted by name: Auth, Notification, Payment, User.
                assert.deepStrictEqual(table.map((r) => [r[0], r[1], r[2], r[3]]), [
                    ['up', 'Auth Service', `127.0.0.1:${ports[0]}`, 'open'],
                    ['up', 'Notification Service', `127.0.0.1:${ports[3]}`, 'open'],
                    ['up', 'Payment Service', `127.0.0.1:${ports[2]}`, 'open'],
                    ['down', 'User Service', `127.0.0.1:${ports[1]}`, 'closed'],
                ]);
                for (const r of table.slice(0, 3)) assert.match(r[4], /^\d+\.\d ms$/);
                assert.strictEqual(table[3][4], '');
                for (const r of table) assert.match(r[5], /^\d\d:\d\d:\d\d UTC$/);
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

    describe('the flow npm start deploys (scripts/start-flow.json)', function () {
        const file = path.join(ROOT, 'scripts', 'start-flow.json');
        let flow;
        before(function () {
            flow = JSON.parse(fs.readFileSync(file, 'utf8'));
        });
        afterEach(async function () {
            await helper.unload();
        });

        it('is a valid flow whose port-check nodes have all their keys', function () {
            assert.ok(Array.isArray(flow));
            const ids = new Set(flow.map((n) => n.id));
            assert.strictEqual(ids.size, flow.length, 'unique ids');
            const tabs = new Set(flow.filter((n) => n.type === 'tab').map((n) => n.id));
            const allowed = new Set([...coreTypes(), 'tab', 'group', 'port-check']);
            for (const node of flow) {
                assert.ok(allowed.has(node.type), node.type);
                if (node.type === 'tab') continue;
                assert.ok(tabs.has(node.z), `${node.id} on a tab`);
                for (const target of (node.wires || []).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
            }
            const checks = flow.filter((n) => n.type === 'port-check');
            assert.ok(checks.length >= 6);
            for (const node of checks) {
                assertPortCheckKeys(node);
                // Only this machine.
                assert.ok(['127.0.0.1', 'localhost'].includes(node.host), node.host);
            }
        });

        it('keeps the first tab and adds the dashboard of example 11 on this machine', function () {
            for (const id of ['start-tab', 'start-note', 'start-inject-own', 'start-check-own', 'start-inject-closed', 'start-check-closed', 'start-debug']) {
                assert.ok(ids(flow).has(id), id);
            }
            const ownPort = flow.filter((n) => n.type === 'port-check' && n.z === 'start-dash-tab' && n.portType === 'env');
            assert.ok(ownPort.length >= 1 && ownPort.every((n) => n.port === 'NODE_RED_PORT'));
            assert.strictEqual(nodeOf(flow, 'start-dash-page').url, '/port-check/health');
            // The same recorder, rows and page as the example.
            const example = readExample('11');
            for (const name of ['record', 'rows', 'html']) {
                const mine = nodeOf(flow, `start-dash-${name}`);
                const theirs = nodeOf(example, `ex11-${name}`);
                assert.strictEqual(mine.func, theirs.func, name);
                assert.strictEqual(mine.template, theirs.template, name);
            }
        });

        it('serves the dashboard for Node-RED\'s own port (NODE_RED_PORT)', async function () {
            const own = await listenOpen('127.0.0.1');
            const saved = process.env.NODE_RED_PORT;
            process.env.NODE_RED_PORT = String(own.port);
            let site;
            try {
                const copy = JSON.parse(JSON.stringify(flow));
                manualInjects(copy);
                await load(copy, coreModules());
                site = await serveHttpNodes();
                for (const node of copy.filter((n) => n.type === 'inject' && n.z === 'start-dash-tab')) fire(node.id);
                let html = '';
                for (let i = 0; i < 100 && (html.match(/<tr class=/g) || []).length < 4; i++) {
                    html = await (await fetch(`${site.url}/port-check/health`)).text();
                    await sleep(50);
                }
                assert.match(html, new RegExp(`<tr class="up"><td><span class="dot"></span>Node-RED editor</td><td>127\\.0\\.0\\.1:${own.port}</td><td class="state">open</td>`));
                assert.match(html, new RegExp(`<tr class="up"><td><span class="dot"></span>Node-RED via localhost</td><td>localhost:${own.port}</td>`));
                assert.match(html, /Discard \(port 9\)<\/td><td>127\.0\.0\.1:9<\/td>/);
                assert.match(html, /Telnet \(port 23\)<\/td><td>127\.0\.0\.1:23<\/td>/);
            } finally {
                if (saved === undefined) delete process.env.NODE_RED_PORT;
                else process.env.NODE_RED_PORT = saved;
                if (site) await site.close();
                await own.close();
            }
        });
    });
});

function ids(flow) {
    return new Set(flow.map((n) => n.id));
}
