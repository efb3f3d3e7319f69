'use strict';
// The example flows of examples/ for the tests: reading them, pointing them
// at loopback ports the test owns, the core node modules they need, and the
// http app of the http in nodes.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const http = require('http');
const net = require('net');

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const CORE_DIR = path.dirname(require.resolve('@node-red/nodes/package.json'));

/**
 * The flow JSON keys of a port-check node (docs/architecture.md,
 * "Properties") as version 1 saved them: 21. The examples of 0.1.x keep
 * exactly these, with no version key: the migrations read them.
 */
const FLOW_KEYS = ['name', 'color', 'host', 'hostType', 'port', 'portType', 'check', 'timeout', 'timeoutType',
    'delayBefore', 'delayAfter', 'continueOnError', 'output', 'concurrency',
    'mode', 'retries', 'retryDelay', 'waitInterval', 'waitTimeout', 'slowAbove', 'allow'];

/** The keys version 2 added, and the version key itself: an example saved since carries them all. */
const V2_KEYS = ['ipVersion', 'maxRate', 'tls', 'starttls', 'servername', 'tlsVerify', 'certDays', 'preset', 'send', 'expect', 'version'];

/** The newer keys' defaults, as the editor writes them for a new node. */
const NEW_KEY_DEFAULTS = { mode: 'once', retries: 0, retryDelay: 1, waitInterval: 1, waitTimeout: 60, slowAbove: '', allow: '' };

/** Node-RED core modules for every node type the examples use. */
const CORE_MODULE_FILES = [
    'common/20-inject.js', 'common/21-debug.js', 'common/25-catch.js', 'common/60-link.js', 'common/90-comment.js',
    'function/10-function.js', 'function/10-switch.js', 'function/15-change.js', 'function/80-template.js',
    'function/rbe.js', 'sequence/17-split.js', 'network/21-httpin.js',
];

/** The http app that http in nodes register on (RED.httpNode), caught while a flow loads. */
let httpNodeApp;
function catchHttpNodeApp(RED) {
    httpNodeApp = RED.httpNode;
}

function coreModules() {
    return [...CORE_MODULE_FILES.map((file) => require(path.join(CORE_DIR, 'core', file))), catchHttpNodeApp];
}

/** Every node type registered by Node-RED's core nodes, read from their editor files. */
function coreTypes() {
    const types = new Set();
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith('.html')) {
                const text = fs.readFileSync(full, 'utf8');
                for (const m of text.matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) types.add(m[1]);
            }
        }
    };
    walk(path.join(CORE_DIR, 'core'));
    return types;
}

/** [{ file, flow }] for every examples/*.json, sorted by file name. */
function listExamples() {
    return fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => ({
        file,
        text: fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'),
    }));
}

/** A fresh copy of the example whose file name starts with `number` ("01" ...). */
function readExample(number) {
    const found = listExamples().filter((e) => e.file.startsWith(`${number} `));
    assert.strictEqual(found.length, 1, `one example file numbered ${number}`);
    return JSON.parse(found[0].text);
}

function nodeOf(flow, id) {
    const node = flow.find((n) => n.id === id);
    assert.ok(node, `node ${id} in the flow`);
    return node;
}

/** Sets a port check node's literal host and port. */
function pointAt(flow, id, port, host = '127.0.0.1') {
    const node = nodeOf(flow, id);
    Object.assign(node, { host, hostType: 'str', port: String(port), portType: node.portType === 'num' ? 'num' : 'str' });
    return node;
}

/** Sets a variable of the tab's env list. */
function setTabEnv(flow, name, value) {
    const tab = flow.find((n) => n.type === 'tab');
    const entry = (tab.env || []).find((e) => e.name === name);
    assert.ok(entry, `tab env ${name}`);
    entry.value = String(value);
}

/** Turns inject nodes into plain buttons: no repeat, no firing at deploy. */
function manualInjects(flow) {
    for (const node of flow) {
        if (node.type === 'inject') Object.assign(node, { once: false, repeat: '' });
    }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * Refuses to load a flow that could reach another machine: every literal host
 * (each one of a comma list) and every host handed over in JSON payloads, in
 * text payloads that are IP addresses, or in tab env must be loopback: 127.0.0.0/8,
 * ::1 or localhost (or something that is not a host at all, for the error tests).
 */
function assertLoopbackOnly(flow, allowedOddHosts = []) {
    const one = (host) => LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || allowedOddHosts.includes(host);
    const ok = (host) => (typeof host === 'string' && host.includes(',')
        ? host.split(',').every((item) => one(item.trim()))
        : one(host));
    const tab = flow.find((n) => n.type === 'tab');
    const env = Object.fromEntries((tab.env || []).map((e) => [e.name, e.value]));
    const findHosts = (value, out) => {
        if (Array.isArray(value)) value.forEach((v) => findHosts(v, out));
        else if (value && typeof value === 'object') {
            for (const [k, v] of Object.entries(value)) {
                if (k === 'host' && typeof v === 'string') out.push(v);
                else findHosts(v, out);
            }
        }
        return out;
    };
    for (const node of flow) {
        if (node.type === 'port-check') {
            if (node.hostType === 'str') assert.ok(ok(node.host), `${node.id}: host ${node.host} is not loopback`);
            if (node.hostType === 'env') assert.ok(ok(env[node.host]), `${node.id}: env ${node.host}=${env[node.host]} is not loopback`);
        }
        if (node.type === 'inject' && node.payloadType === 'json') {
            const payload = JSON.parse(node.payload);
            const hosts = typeof payload[0] === 'string' ? payload : findHosts(payload, []);
            for (const host of hosts) assert.ok(ok(host), `${node.id}: host ${host} is not loopback`);
        }
        if (node.type === 'inject' && node.payloadType === 'str') {
            const items = String(node.payload).split(',').map((item) => item.trim());
            for (const item of items) {
                if (net.isIP(item.replace(/^\[(.*)\]$/, '$1'))) assert.ok(one(item), `${node.id}: host ${item} is not loopback`);
            }
        }
    }
    for (const [name, value] of Object.entries(env)) {
        if (/HOST|SERVER/.test(name)) assert.ok(ok(value), `tab env ${name}=${value} is not loopback`);
    }
}

/** Serves the http in nodes' app on a loopback port; resolves { url, close }. */
function serveHttpNodes() {
    assert.ok(httpNodeApp, 'the flow was loaded with the core modules (RED.httpNode caught)');
    const app = httpNodeApp;
    return new Promise((resolve, reject) => {
        const server = http.createServer((req, res) => app(req, res));
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            resolve({
                url: `http://127.0.0.1:${server.address().port}`,
                close: () => new Promise((done) => {
                    server.closeAllConnections();
                    server.close(() => done());
                }),
            });
        });
    });
}

/**
 * Dashboard 2.0 (@flowfuse/node-red-dashboard, a devDependency) for the
 * examples that need it: where it is installed, the node types its
 * package.json registers (type -> file), which of them are config nodes,
 * the keys of each type's editor defaults, and its node modules to load.
 */
const DASHBOARD_NAME = '@flowfuse/node-red-dashboard';
const DASHBOARD_DIR = path.dirname(require.resolve(`${DASHBOARD_NAME}/package.json`, { paths: [ROOT] }));

function dashboardTypes() {
    const pkg = JSON.parse(fs.readFileSync(path.join(DASHBOARD_DIR, 'package.json'), 'utf8'));
    return new Map(Object.entries(pkg['node-red'].nodes));
}

/** The editor file (.html beside the .js) of a Dashboard 2.0 type. */
function dashboardEditorFile(type) {
    const file = dashboardTypes().get(type);
    assert.ok(file, `${DASHBOARD_NAME} registers no node type ${type}`);
    return fs.readFileSync(path.join(DASHBOARD_DIR, file.replace(/\.js$/, '.html')), 'utf8');
}

/** The Dashboard 2.0 types whose editor registers them with category 'config' (ui-base, ui-page...). */
function dashboardConfigTypes() {
    const config = new Set();
    for (const type of dashboardTypes().keys()) {
        const text = dashboardEditorFile(type);
        const at = text.search(new RegExp(`registerType\\(\\s*['"]${type}['"]`));
        if (at >= 0 && /^[^{]*\{\s*category:\s*['"]config['"]/.test(text.slice(at))) config.add(type);
    }
    return config;
}

/**
 * The top-level keys of the `defaults` object a Dashboard 2.0 type's editor
 * registers, in order: what the editor writes into a flow for that node
 * (with id, type and, for a node on a tab, z, x, y and wires). Read by
 * matching braces, skipping strings and comments.
 */
function dashboardDefaults(type) {
    const text = dashboardEditorFile(type);
    const at = text.search(new RegExp(`registerType\\(\\s*['"]${type}['"]`));
    assert.ok(at >= 0, `no registerType('${type}') in its editor file`);
    const start = text.indexOf('defaults:', at);
    assert.ok(start >= 0, `no defaults for ${type}`);
    const keys = [];
    let depth = 0;
    let expectKey = false;
    for (let i = text.indexOf('{', start); i < text.length; i++) {
        const ch = text[i];
        if (ch === '"' || ch === "'" || ch === '`') {
            for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
            continue;
        }
        if (ch === '/' && text[i + 1] === '/') {
            i = text.indexOf('\n', i);
            continue;
        }
        if (ch === '/' && text[i + 1] === '*') {
            i = text.indexOf('*/', i) + 1;
            continue;
        }
        if ('{[('.includes(ch)) {
            depth++;
            expectKey = depth === 1;
            continue;
        }
        if ('}])'.includes(ch)) {
            depth--;
            if (depth === 0) break;
            continue;
        }
        if (depth !== 1) continue;
        if (ch === ',') {
            expectKey = true;
            continue;
        }
        if (expectKey && /[A-Za-z_$]/.test(ch)) {
            const m = /^([A-Za-z_$][\w$]*)\s*:/.exec(text.slice(i));
            if (m) keys.push(m[1]);
            expectKey = false;
        }
    }
    assert.ok(keys.length > 0, `no defaults read for ${type}`);
    return keys;
}

/** Dashboard 2.0's node modules, for helper.load beside coreModules(). */
function dashboardModules() {
    return [...new Set(dashboardTypes().values())].map((file) => require(path.join(DASHBOARD_DIR, file)));
}

module.exports = {
    V2_KEYS,
    ROOT, EXAMPLES_DIR, FLOW_KEYS, NEW_KEY_DEFAULTS, coreModules, coreTypes, listExamples, readExample, nodeOf, pointAt, setTabEnv,
    manualInjects, assertLoopbackOnly, serveHttpNodes,
    DASHBOARD_NAME, DASHBOARD_DIR, dashboardTypes, dashboardConfigTypes, dashboardDefaults, dashboardModules,
};
