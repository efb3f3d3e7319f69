'use strict';
// The example flows of examples/ and the flow npm start deploys
// (scripts/start-flow.json) as files: valid, importable flows of core nodes
// and port-check with every flow key; and each one loaded in a Node-RED
// runtime with no warning or error.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper, load, sleep } = require('../lib/node-red');
const { listenOpen } = require('../lib/net-fixtures');
const {
    ROOT, NEW_KEY_DEFAULTS, coreModules, coreTypes, listExamples, readExample, nodeOf, manualInjects, serveHttpNodes,
} = require('../lib/examples-flows');
const { fire, assertPortCheckKeys, ids } = require('../lib/examples-harness');

describe('example flows', function () {
    this.timeout(15000);
    const examples = listExamples();

    describe('as files', function () {
        const allowed = new Set([...coreTypes(), 'tab', 'group', 'port-check']);

        it('has one example per use case, named "NN Title.json"', function () {
            assert.strictEqual(examples.length, 18, examples.map((e) => e.file).join(', '));
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
            assert.deepStrictEqual([pc('09', 'ex09-db').ipVersion, pc('09', 'ex09-web').ipVersion], ['both', 'auto'], 'the database closed on both families');
            const dual = pc('15', 'ex15-check');
            assert.deepStrictEqual([dual.ipVersion, dual.check, dual.continueOnError], ['both', 'open', true]);
            const polite = pc('16', 'ex16-check');
            assert.deepStrictEqual([polite.maxRate, polite.check, polite.port], [20, 'closed', '21,23,139,445,3389']);
            assert.deepStrictEqual(nodeOf(readExample('14'), 'ex14-catch').scope, ['ex14-check']);
            for (const id of ['ex17-tls', 'ex17-starttls']) {
                const watch = pc('17', id);
                assert.deepStrictEqual([watch.certDays, watch.tlsVerify, watch.check], [30, true, 'open'], id);
            }
            assert.deepStrictEqual([pc('17', 'ex17-tls').tls, pc('17', 'ex17-starttls').tls, pc('17', 'ex17-starttls').starttls], ['on', 'starttls', 'imap']);
            assert.deepStrictEqual(JSON.parse(nodeOf(readExample('17'), 'ex17-daily').payload).map((t) => t.port), [443, 465, 993, 995, 143]);
            assert.deepStrictEqual(['ex18-ssh', 'ex18-redis', 'ex18-postgres'].map((id) => [pc('18', id).preset, pc('18', id).port]),
                [['ssh', '22'], ['redis', '6379'], ['postgres', '5432']]);
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
