'use strict';
// The baselines: what a port probe costs with nothing but `net`. These are
// the floors the node is measured against, written the way a careful script
// would do it (reset for an open port, so no TIME_WAIT; one timer per probe
// where a timeout is needed).
const net = require('net');

/**
 * One connect, no timer: calls back 'open' (after a reset) or the error
 * code. The baseline of section 1.
 */
function bareConnect(host, port, callback) {
    const socket = new net.Socket();
    socket.once('connect', () => {
        socket.resetAndDestroy();
        callback('open');
    });
    socket.once('error', (err) => {
        socket.destroy();
        callback(err.code === 'ECONNREFUSED' ? 'closed' : err.code);
    });
    socket.connect({ host, port, family: net.isIP(host) });
}

/**
 * Probes `ports` (an array, repeats allowed) on `host` with `concurrency`
 * sockets in flight and a `timeoutMs` timer each (no answer = filtered).
 * Resolves with { elapsedMs, open: Set, filtered: Set, closed: count,
 * errors: {code: count} }.
 */
function bareScan({ host, ports, concurrency, timeoutMs }) {
    return new Promise((resolve) => {
        const family = net.isIP(host);
        const open = new Set();
        const filtered = new Set();
        const errors = {};
        let closed = 0;
        let next = 0;
        let remaining = ports.length;
        const started = process.hrtime.bigint();

        function finish() {
            const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
            resolve({ elapsedMs, open, filtered, closed, errors });
        }

        function probe(port) {
            const socket = new net.Socket();
            let answered = false;
            const answer = () => {
                answered = true;
                clearTimeout(timer);
                if (--remaining === 0) return finish();
                if (next < ports.length) probe(ports[next++]);
            };
            const timer = setTimeout(() => {
                socket.destroy();
                filtered.add(port);
                answer();
            }, timeoutMs);
            socket.once('connect', () => {
                socket.resetAndDestroy();
                open.add(port);
                answer();
            });
            socket.on('error', (err) => {
                if (answered) return;
                socket.destroy();
                if (err.code === 'ECONNREFUSED') closed++;
                else errors[err.code] = (errors[err.code] || 0) + 1;
                answer();
            });
            socket.connect({ host, port, family });
        }

        if (ports.length === 0) return finish();
        while (next < Math.min(concurrency, ports.length)) probe(ports[next++]);
    });
}

/**
 * Runs `task(port)` (a promise) over `ports` with `concurrency` in flight:
 * the harness for the npm packages of section 3, which are promise based.
 */
async function promisePool(ports, concurrency, task) {
    let next = 0;
    const results = new Array(ports.length);
    async function worker() {
        while (next < ports.length) {
            const i = next++;
            results[i] = await task(ports[i]);
        }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, ports.length) }, worker));
    return results;
}

module.exports = { bareConnect, bareScan, promisePool };
