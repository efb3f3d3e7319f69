'use strict';
// The example flows of examples/ and the flow npm start deploys
// (scripts/start-flow.json) as files: valid, importable flows of core nodes
// and port-check with every flow key; and each one loaded in a Node-RED
// runtime with no warning or error. Example 19 also uses Dashboard 2.0
// (@flowfuse/node-red-dashboard, a devDependency): its nodes are the ones
// that package registers, in the shape its editor writes them, and they are
// loaded too.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper, load, sleep } = require('../lib/node-red');
const { listenOpen } = require('../lib/net-fixtures');
const {
    ROOT, NEW_KEY_DEFAULTS, coreModules, coreTypes, listExamples, readExample, nodeOf, manualInjects, serveHttpNodes,
    DASHBOARD_NAME, DASHBOARD_DIR, dashboardTypes, dashboardConfigTypes, dashboardDefaults, dashboardModules,
} = require('../lib/examples-flows');

/** Dashboard 2.0's store of each widget's last message (the instance its loaded nodes use). */
const dashboardStore = () => require(path.join(DASHBOARD_DIR, 'nodes', 'store', 'data.js'));
const { fire, assertPortCheckKeys, ids } = require('../lib/examples-harness');

/** The examples that need Dashboard 2.0 besides the core nodes (by number). */
const DASHBOARD_EXAMPLES = new Set(['19']);
const needsDashboard = (file) => DASHBOARD_EXAMPLES.has(file.slice(0, 2));

/**
 * A flow's Dashboard 2.0 nodes are as its editor writes them: every key of
 * the type's defaults and nothing else (besides id, type and, on a tab, z,
 * x, y and wires); config nodes (ui-base, ui-page, ui-group, ui-theme) are
 * global, with no z; every reference to another config node is to one in
 * the flow.
 */
function assertDashboardNodes(flow, tabIds) {
    const types = dashboardTypes();
    const config = dashboardConfigTypes();
    const ids = new Set(flow.map((n) => n.id));
    const nodes = flow.filter((n) => types.has(n.type));
    for (const node of nodes) {
        const placed = config.has(node.type) ? [] : ['z', 'x', 'y', 'wires'];
        const expected = ['id', 'type', ...placed, ...dashboardDefaults(node.type)].sort();
        assert.deepStrictEqual(Object.keys(node).sort(), expected, `${node.id} (${node.type}) has the keys its editor writes`);
        if (config.has(node.type)) assert.ok(!Object.hasOwn(node, 'z'), `${node.id}: a global config node`);
        else assert.ok(tabIds.has(node.z), `${node.id} on a tab`);
        for (const key of ['ui', 'page', 'group', 'theme']) {
            if (Object.hasOwn(node, key)) assert.ok(ids.has(node[key]), `${node.id}.${key} -> missing ${node[key]}`);
        }
    }
    return nodes;
}

describe('example flows', function () {
    this.timeout(15000);
    const examples = listExamples();

    describe('as files', function () {
        const allowed = new Set([...coreTypes(), 'tab', 'group', 'port-check']);

        it('has one example per use case, named "NN Title.json"', function () {
            assert.strictEqual(examples.length, 19, examples.map((e) => e.file).join(', '));
            examples.forEach((e, i) => {
                assert.match(e.file, /^\d\d [A-Z][A-Za-z0-9 ().-]+\.json$/);
                assert.ok(e.file.startsWith(String(i + 1).padStart(2, '0') + ' '), e.file);
            });
        });

        it('knows Dashboard 2.0\'s node types and which of them are config nodes', function () {
            const types = dashboardTypes();
            for (const type of ['ui-base', 'ui-page', 'ui-group', 'ui-theme', 'ui-table', 'ui-notification']) assert.ok(types.has(type), type);
            assert.deepStrictEqual(['ui-base', 'ui-page', 'ui-group', 'ui-theme', 'ui-table'].map((t) => dashboardConfigTypes().has(t)),
                [true, true, true, true, false]);
            assert.deepStrictEqual(dashboardDefaults('ui-theme'), ['name', 'colors', 'sizes']);
            for (const type of types.keys()) assert.ok(!allowed.has(type), `${type} is not core`);
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
                        if (needsDashboard(example.file) && dashboardConfigTypes().has(node.type)) continue; // global, checked below
                        assert.strictEqual(node.z, tabs[0].id, `${node.id} on the tab`);
                        assert.ok(Number.isFinite(node.x) && Number.isFinite(node.y), `${node.id} has x/y`);
                        assert.ok(Array.isArray(node.wires), `${node.id} wires`);
                        for (const target of node.wires.flat()) assert.ok(ids.has(target), `${node.id} wired to missing ${target}`);
                        if (node.type === 'function' || node.type === 'switch') {
                            assert.strictEqual(node.wires.length, Number(node.outputs), `${node.id}: one wire list per output`);
                        }
                    }
                });

                if (!needsDashboard(example.file)) {
                    it('uses only Node-RED core nodes and port-check, with a comment saying what to edit', function () {
                        for (const node of flow) assert.ok(allowed.has(node.type), `${node.id}: type ${node.type} is not core`);
                        assert.ok(flow.some((n) => n.type === 'port-check'), 'a port-check node');
                        const comments = flow.filter((n) => n.type === 'comment');
                        assert.ok(comments.length >= 1);
                        assert.ok(comments.some((c) => /edit|change/i.test(c.name + c.info) || /edit/i.test(flow[0].info)));
                    });
                } else {
                    it(`uses only core nodes, port-check and ${DASHBOARD_NAME}'s nodes, with a comment saying it needs that and what to edit`, function () {
                        const types = dashboardTypes();
                        for (const node of flow) {
                            assert.ok(allowed.has(node.type) || types.has(node.type), `${node.id}: type ${node.type} is neither core nor ${DASHBOARD_NAME}'s`);
                        }
                        assert.ok(flow.some((n) => n.type === 'port-check'), 'a port-check node');
                        const comments = flow.filter((n) => n.type === 'comment');
                        assert.ok(comments.some((c) => c.name.includes(DASHBOARD_NAME) && /palette/i.test(c.name + c.info)), `a comment naming ${DASHBOARD_NAME} and the palette manager`);
                        assert.ok(comments.some((c) => /edit|change/i.test(c.name + c.info)));
                        assert.ok(flow[0].info.includes(DASHBOARD_NAME), 'the tab info names the package');
                    });

                    it('writes its Dashboard 2.0 nodes as the dashboard\'s editor does, config nodes global', function () {
                        const nodes = assertDashboardNodes(flow, new Set([flow[0].id]));
                        const used = new Set(nodes.map((n) => n.type));
                        for (const type of ['ui-base', 'ui-theme', 'ui-page', 'ui-group', 'ui-table']) assert.ok(used.has(type), type);
                        assert.strictEqual(flow.filter((n) => n.type === 'ui-base').length, 1, 'one ui-base');
                    });
                }

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

        it('puts the services of example 11 on a Dashboard 2.0 page (19): a table row per service', function () {
            const board = readExample('19');
            const services = (flow) => flow.filter((n) => n.type === 'port-check').map((n) => [n.name, n.host, n.port, n.check]);
            assert.deepStrictEqual(services(board), services(readExample('11')));
            for (const node of board.filter((n) => n.type === 'port-check')) assert.strictEqual(node.version, 2, node.id);
            const injects = board.filter((n) => n.type === 'inject');
            assert.deepStrictEqual(injects.map((n) => [n.repeat, n.once, n.topic]), services(board).map(([name]) => ['10', true, name]));
            assert.deepStrictEqual([nodeOf(board, 'ex19-base').path, nodeOf(board, 'ex19-page').path], ['/dashboard', '/port-check']);
            const table = nodeOf(board, 'ex19-table');
            assert.deepStrictEqual([table.action, table.autocols, table.group], ['replace', false, 'ex19-group']);
            assert.deepStrictEqual(table.columns.map((c) => [c.title, c.key, c.keyType, c.type]),
                [['Service', 'service', 'key', 'text'], ['State', 'state', 'key', 'text'], ['Latency', 'latency', 'key', 'text'], ['Last check', 'checked', 'key', 'text']]);
            const rows = nodeOf(board, 'ex19-rows');
            assert.deepStrictEqual(rows.wires, [['ex19-table'], ['ex19-notify']]);
            assert.match(rows.func, /flow\.get\("statusBoard"\)/);
            assert.strictEqual(nodeOf(board, 'ex19-notify').ui, 'ex19-base');
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
                // Dashboard 2.0's nodes load under node-red-node-test-helper too: the
                // examples that need them get the dashboard's modules beside the core ones.
                await load(flow, needsDashboard(example.file) ? [...coreModules(), ...dashboardModules()] : coreModules());
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
            // The status board tab (example 19) adds Dashboard 2.0's nodes, its config nodes global.
            const allowed = new Set([...coreTypes(), 'tab', 'group', 'port-check', ...dashboardTypes().keys()]);
            for (const node of flow) {
                assert.ok(allowed.has(node.type), node.type);
                if (node.type === 'tab' || dashboardConfigTypes().has(node.type)) continue;
                assert.ok(tabs.has(node.z), `${node.id} on a tab`);
                for (const target of (node.wires || []).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
            }
            assertDashboardNodes(flow, tabs);
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

        it('adds the status board of example 19 (Dashboard 2.0) for the same ports of this machine', function () {
            const board = flow.filter((n) => n.z === 'start-board-tab' || n.id === 'start-board-tab' || n.id.startsWith('start-board-'));
            const example = readExample('19');
            // The same nodes as the example, ids start-board-… for ex19-…, and only the hosts and ports differ.
            assert.deepStrictEqual(board.map((n) => n.id).sort(), example.map((n) => n.id.replace(/^ex19-/, 'start-board-')).sort());
            for (const name of ['rows', 'table', 'notify', 'group', 'page', 'base', 'theme']) {
                const mine = nodeOf(flow, `start-board-${name}`);
                const theirs = nodeOf(example, `ex19-${name}`);
                const strip = (node) => JSON.parse(JSON.stringify(node).replace(/"(?:ex19|start-board)-/g, '"id-'));
                assert.deepStrictEqual(strip(mine), strip(theirs), name);
            }
            const services = (tab) => flow.filter((n) => n.type === 'port-check' && n.z === tab).map((n) => [n.name, n.host, n.port, n.portType]);
            assert.deepStrictEqual(services('start-board-tab'), services('start-dash-tab'));
            for (const node of flow.filter((n) => n.type === 'port-check' && n.z === 'start-board-tab')) {
                const theirs = nodeOf(example, node.id.replace('start-board-', 'ex19-'));
                for (const key of Object.keys(theirs).filter((k) => !['id', 'z', 'name', 'host', 'hostType', 'port', 'portType', 'wires'].includes(k))) {
                    assert.deepStrictEqual(node[key], theirs[key], `${node.id}.${key}`);
                }
            }
            const injects = flow.filter((n) => n.type === 'inject' && n.z === 'start-board-tab');
            assert.deepStrictEqual(injects.map((n) => [n.topic, n.repeat]), services('start-board-tab').map(([name]) => [name, '10']));
        });

        it('serves the dashboard for Node-RED\'s own port (NODE_RED_PORT)', async function () {
            const own = await listenOpen('127.0.0.1');
            const saved = process.env.NODE_RED_PORT;
            process.env.NODE_RED_PORT = String(own.port);
            let site;
            try {
                const copy = JSON.parse(JSON.stringify(flow));
                manualInjects(copy);
                await load(copy, [...coreModules(), ...dashboardModules()]);
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

                // The status board's table (what Dashboard 2.0 keeps for it and sends to a browser that connects).
                for (const node of copy.filter((n) => n.type === 'inject' && n.z === 'start-board-tab')) fire(node.id);
                // A copy: the rows were made in the function node's sandbox (deepStrictEqual compares prototypes).
                const table = () => JSON.parse(JSON.stringify((dashboardStore().get('start-board-table') || {}).payload || []));
                for (let i = 0; i < 100 && table().length < 4; i++) await sleep(50);
                assert.deepStrictEqual(table().map((r) => [r.service, r.state]), [
                    ['Discard (port 9)', 'closed'], ['Node-RED editor', 'open'], ['Node-RED via localhost', 'open'], ['Telnet (port 23)', 'closed'],
                ]);
                for (const row of table()) {
                    assert.match(row.latency, row.state === 'open' ? /^\d+\.\d ms$/ : /^$/, row.service);
                    assert.match(row.checked, /^\d\d:\d\d:\d\d UTC$/, row.service);
                }
            } finally {
                if (saved === undefined) delete process.env.NODE_RED_PORT;
                else process.env.NODE_RED_PORT = saved;
                if (site) await site.close();
                await own.close();
            }
        });
    });
});
