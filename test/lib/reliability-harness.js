'use strict';
// Shared by test/reliability: counts that scale up for the soak run, the
// error phrases of the message catalogue, resource snapshots (fds, handles,
// memory), a watcher that counts every send and every done at the node, and
// a guard that keeps every connect on loopback.
const fs = require('fs');
const net = require('net');
const { catalogue, translate } = require('./i18n');

/** `npm run test:soak` sets PORT_CHECK_SOAK=1: the heavier counts. */
const SOAK = /^(1|true|yes)$/i.test(process.env.PORT_CHECK_SOAK || '');

/** For debugging: PORT_CHECK_RELIABILITY_FACTOR=0.1 runs a tenth of every count. */
const FACTOR = Number(process.env.PORT_CHECK_RELIABILITY_FACTOR) > 0 ? Number(process.env.PORT_CHECK_RELIABILITY_FACTOR) : 1;

/** The default count, or the soak count under PORT_CHECK_SOAK. */
function scale(defaultCount, soakCount) {
    return Math.max(1, Math.round((SOAK ? soakCount : defaultCount) * FACTOR));
}

/**
 * Each error code's phrase: the catalogue text up to its first colon
 * ("Invalid port number", "Cannot resolve host", ...), read at run time so
 * errors added to the catalogue are known here too.
 */
function errorPhrases() {
    const errors = catalogue['port-check'].errors;
    const phrases = {};
    for (const [code, text] of Object.entries(errors)) phrases[code] = text.split(':')[0];
    return phrases;
}

/** Throws unless `message` starts with a catalogue phrase (that of `code`, when given). */
function assertErrorText(message, code) {
    const phrases = errorPhrases();
    if (typeof message !== 'string' || message === '') throw new Error(`error without a message: ${JSON.stringify(message)}`);
    if (code !== undefined) {
        if (!phrases[code]) throw new Error(`error code ${JSON.stringify(code)} is not in the catalogue (message ${JSON.stringify(message)})`);
        if (!message.startsWith(phrases[code])) throw new Error(`${code} message ${JSON.stringify(message)} does not start with ${JSON.stringify(phrases[code])}`);
        return;
    }
    if (!Object.values(phrases).some((phrase) => message.startsWith(phrase))) {
        throw new Error(`message ${JSON.stringify(message)} starts with none of the catalogue's error phrases`);
    }
}

function openFds() {
    return fs.readdirSync('/proc/self/fd').length;
}

/** process.getActiveResourcesInfo() as counts by kind. */
function activeResources() {
    const counts = {};
    for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] || 0) + 1;
    return counts;
}

function snapshot() {
    const memory = process.memoryUsage();
    return { fds: openFds(), resources: activeResources(), rss: memory.rss, heapUsed: memory.heapUsed };
}

/** Kinds whose count is above the baseline's (the leak a test must not leave). */
function resourcesAbove(baseline, now = activeResources()) {
    const above = {};
    for (const [kind, count] of Object.entries(now)) {
        if (count > (baseline[kind] || 0)) above[kind] = `${baseline[kind] || 0} -> ${count}`;
    }
    return above;
}

/** Resolves once `condition()` is true; rejects with `describe()` after `ms`. */
function waitUntil(condition, ms, describe = () => 'condition not met', interval = 20) {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = () => {
            let ok;
            try {
                ok = condition();
            } catch (err) {
                return reject(err);
            }
            if (ok) return resolve(Date.now() - started);
            if (Date.now() - started >= ms) return reject(new Error(`after ${ms} ms: ${describe()}`));
            setTimeout(tick, interval);
        };
        tick();
    });
}

const MB = 1024 * 1024;
const mb = (bytes) => Math.round((bytes / MB) * 10) / 10;

/** A full garbage collection when the process allows it (node --expose-gc, or via v8 flags). */
function collectGarbage() {
    if (typeof global.gc !== 'function') {
        try {
            require('v8').setFlagsFromString('--expose-gc');
            global.gc = require('vm').runInNewContext('gc');
        } catch {
            return false;
        }
    }
    global.gc();
    global.gc();
    return true;
}

/**
 * Counts, at the node itself, every send() and every done() (Node-RED's
 * `_complete`), by `_msgid`; after `markClosed()` any further one is
 * recorded as late.
 */
function watchNode(node) {
    const sends = new Map();
    const completes = new Map();
    const late = [];
    let closed = false;
    const originalSend = node.send;
    const originalComplete = node._complete;
    node.send = function watchedSend(msg) {
        const list = Array.isArray(msg) ? msg.flat() : [msg];
        for (const m of list) {
            if (!m) continue;
            sends.set(m._msgid, (sends.get(m._msgid) || 0) + 1);
            if (closed) late.push({ kind: 'send', id: m._msgid });
        }
        return originalSend.apply(this, arguments);
    };
    node._complete = function watchedComplete(msg, err) {
        const id = msg && msg._msgid;
        const entry = completes.get(id);
        if (entry) entry.count++;
        else completes.set(id, { count: 1, err });
        if (closed) late.push({ kind: 'done', id });
        return originalComplete.apply(this, arguments);
    };
    return {
        sends,
        completes,
        late,
        markClosed() {
            closed = true;
        },
        get settledCount() {
            return completes.size;
        },
    };
}

/** Forgets the calls node-red-node-test-helper's sinon spies have recorded (they keep every message). */
function resetHelperHistory(helper) {
    if (helper._sandbox && typeof helper._sandbox.resetHistory === 'function') helper._sandbox.resetHistory();
}

function isLoopback(address) {
    const family = net.isIP(address);
    if (family === 4) return address.startsWith('127.');
    if (family === 6) return address === '::1' || /^::ffff:127\./i.test(address) || address === '0:0:0:0:0:0:0:1';
    return false;
}

/**
 * Keeps every TCP connect of this process on loopback: a connect to any
 * other address is recorded as a violation and sent to a closed loopback
 * port instead, so nothing leaves the machine even if a generated input
 * slipped through. Tests assert that no violation was recorded.
 */
function guardConnects() {
    const original = net.Socket.prototype.connect;
    const violations = [];
    net.Socket.prototype.connect = function guardedConnect(...args) {
        // net.connect() hands over [options, callback] (normalised arguments).
        const normalised = Array.isArray(args[0]);
        const holder = normalised ? args[0] : args;
        const options = holder[0] && typeof holder[0] === 'object' && !Array.isArray(holder[0]) ? holder[0] : null;
        if (options && !options.path) {
            const host = options.host === undefined ? 'localhost' : String(options.host);
            if (host !== 'localhost' && !isLoopback(host)) {
                violations.push(`${host}:${options.port}`);
                const safe = { ...options, host: '127.0.0.1', family: 4, port: 9 };
                if (normalised) {
                    const copy = args[0].slice();
                    for (const symbol of Object.getOwnPropertySymbols(args[0])) copy[symbol] = args[0][symbol];
                    copy[0] = safe;
                    args[0] = copy;
                } else {
                    args[0] = safe;
                }
            }
        } else if (!options && (typeof args[0] === 'number' || typeof args[0] === 'string') && typeof args[1] === 'string') {
            if (args[1] !== 'localhost' && !isLoopback(args[1])) {
                violations.push(`${args[1]}:${args[0]}`);
                args[1] = '127.0.0.1';
                args[0] = 9;
            }
        }
        return original.apply(this, args);
    };
    return {
        violations,
        restore() {
            net.Socket.prototype.connect = original;
        },
    };
}

/**
 * Watches the TCP sockets this process connects: `live()` is how many are
 * connecting or connected and not yet destroyed (a destroyed socket's handle
 * may take another loop turn to close; it holds no probe any more).
 */
function trackSockets() {
    const original = net.Socket.prototype.connect;
    const sockets = new Set();
    net.Socket.prototype.connect = function trackedConnect(...args) {
        sockets.add(this);
        return original.apply(this, args);
    };
    return {
        live() {
            let count = 0;
            for (const socket of sockets) {
                if (socket.destroyed) sockets.delete(socket);
                else count++;
            }
            return count;
        },
        restore() {
            net.Socket.prototype.connect = original;
            sockets.clear();
        },
    };
}

/** Counts process-level failures ('unhandledRejection', 'uncaughtException') while installed. */
function watchProcessFailures() {
    const failures = [];
    const onRejection = (reason) => failures.push({ kind: 'unhandledRejection', reason: String(reason && reason.stack || reason) });
    const onException = (err) => failures.push({ kind: 'uncaughtException', reason: String(err && err.stack || err) });
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    return {
        failures,
        restore() {
            process.removeListener('unhandledRejection', onRejection);
            process.removeListener('uncaughtException', onException);
        },
    };
}

/** Runs `node script args` under `ulimit -n LIMIT` and returns the last JSON line it prints. */
function runWithFdLimit(limit, script, args, timeoutMs) {
    const { execFile } = require('child_process');
    const quoted = [process.execPath, script, ...args].map((a) => `'${String(a).replace(/'/g, "'\\''")}'`).join(' ');
    return new Promise((resolve, reject) => {
        execFile('/bin/sh', ['-c', `ulimit -n ${limit} && exec ${quoted}`], { timeout: timeoutMs, maxBuffer: 64 * MB },
            (err, stdout, stderr) => {
                const line = String(stdout).trim().split('\n').filter((l) => l.startsWith('{')).pop();
                if (err) return reject(new Error(`${err.message}\nstdout: ${String(stdout).slice(-2000)}\nstderr: ${String(stderr).slice(-4000)}`));
                try {
                    resolve({ report: JSON.parse(line), stderr: String(stderr) });
                } catch (parseError) {
                    reject(new Error(`no JSON report (${parseError.message})\nstdout: ${String(stdout).slice(-2000)}\nstderr: ${String(stderr).slice(-4000)}`));
                }
            });
    });
}

/**
 * The main of a child script (test/reliability/*-run.js): `main()` resolves
 * with the report, printed as the last line of stdout; then the runtime is
 * unloaded and the process exits 0. A failure prints its stack and exits 1.
 */
function runChild(main) {
    main().then(async (report) => {
        process.stdout.write('\n' + JSON.stringify(report) + '\n');
        await require('./node-red').helper.unload();
        await new Promise((resolve) => process.stdout.write('', resolve)); // flushed before exit
        process.exit(0);
    }).catch((err) => {
        process.stderr.write(String((err && err.stack) || err) + '\n');
        process.exit(1);
    });
}

module.exports = {
    runChild, SOAK, scale, errorPhrases, assertErrorText, translate, openFds, activeResources, snapshot, resourcesAbove,
    waitUntil, collectGarbage, watchNode, resetHelperHistory, isLoopback, guardConnects, trackSockets, watchProcessFailures,
    runWithFdLimit, MB, mb,
};
