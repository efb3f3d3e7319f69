'use strict';
// ScanWorkers (src/threads/workers.ts): one host's ports over worker threads
// answered as ProbePool answers them, the cap over all threads, cancel and
// close, and a thread that dies mid-scan. Real sockets on loopback.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { ScanWorkers, defaultThreadCount } = require('../../lib/threads/workers.js');
const { ProbePool } = require('../../lib/probe/pool.js');
const { PortCheckError } = require('../../lib/errors.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { openSockets, osThreads, waitFor } = require('../lib/process-stats');
const { listenOpen, closedPorts, filteredPort } = require('../lib/net-fixtures');

const loopback = parseHost('127.0.0.1');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function scan(workers, request) {
    return new Promise((resolve) => workers.scan(request, resolve));
}

function checkWithPool(concurrency, host, ports, timeoutMs) {
    return new Promise((resolve) => new ProbePool(concurrency).check({ hosts: [host], ports, timeoutMs }, resolve));
}

/** A result without its latency (which differs run to run), its error spelled out. */
function comparable(result) {
    const { latencyMs, error, ...rest } = result;
    assert.ok(typeof latencyMs === 'number' && latencyMs >= 0, `latency ${latencyMs}`);
    if (!error) return rest;
    assert.ok(error instanceof PortCheckError, `error ${error} is a PortCheckError`);
    const { name, message, code, params, systemCode } = error;
    return { ...rest, error: { name, message, code, params, systemCode } };
}

/** Handles that hold the event loop open for a worker (a ref'd worker shows as its MessagePort). */
function refedWorkerHandles() {
    return process.getActiveResourcesInfo().filter((name) => /Worker|MessagePort/.test(name)).length;
}

describe('threads/workers.ts: one host\'s ports over worker threads, on loopback', function () {
    let open4;
    let open4b;
    let open6;
    let closed;
    let filtered;
    const created = [];

    function workersOf(threads) {
        const workers = new ScanWorkers(threads);
        created.push(workers);
        return workers;
    }

    before(async function () {
        if (!fs.existsSync('/proc/self/fd')) this.skip();
        // Start libuv's thread pool now, so that it does not change the thread counts below.
        await fs.promises.readFile('/proc/self/status');
        open4 = await listenOpen('127.0.0.1');
        open4b = await listenOpen('127.0.0.1');
        open6 = await listenOpen('::1');
        closed = await closedPorts(4);
        filtered = await filteredPort('127.0.0.1');
    });

    after(async function () {
        await Promise.all(created.map((workers) => workers.close()));
        for (const server of [open4, open4b, open6]) if (server) await server.close();
        if (filtered) filtered.close();
    });

    it('defaults to one thread per CPU, at most 4', function () {
        const cpus = require('os').availableParallelism();
        assert.strictEqual(defaultThreadCount(), Math.min(4, cpus));
        assert.strictEqual(new ScanWorkers().threads, Math.min(4, cpus));
    });

    it('answers as ProbePool does: open, closed, filtered and errors, in the order of the ports', async function () {
        const workers = workersOf(2);
        const cases = [
            [loopback, [closed[0], open4.port, filtered.port, closed[1], open4b.port, closed[2]]],
            [parseHost('::1'), [closed[3], open6.port, closed[0]]],
            // No scope id: every connect fails with EINVAL, an error and not a state.
            [parseHost('fe80::1'), [1, 2, 3]],
            // A name, two addresses: closed needs both (2 connections), open is found on 127.0.0.1.
            [parseHost('localhost'), [closed[1], open4.port, open6.port]],
        ];
        for (const [host, ports] of cases) {
            const [fromWorkers, fromPool] = await Promise.all([
                scan(workers, { host, ports, timeoutMs: 800, concurrency: 8 }),
                checkWithPool(8, host, ports, 800),
            ]);
            assert.deepStrictEqual(fromWorkers.map(comparable), fromPool.map(comparable), `host ${host.host}`);
        }
        const mixed = await scan(workers, { host: loopback, ports: [open4.port, closed[0], filtered.port], timeoutMs: 800, concurrency: 8 });
        assert.deepStrictEqual(mixed.map((r) => r.state), ['open', 'closed', 'filtered']);
    });

    it('answers 3000 ports with a few listeners among them as ProbePool does', async function () {
        const ports = [];
        for (let port = 4000; port < 7000; port++) ports.push(port);
        ports[0] = open4.port;
        ports[1500] = open4b.port;
        ports[2999] = open6.port;
        const workers = workersOf(2);
        const fromWorkers = await scan(workers, { host: loopback, ports, timeoutMs: 2000, concurrency: 256 });
        const fromPool = await checkWithPool(256, loopback, ports, 2000);
        assert.strictEqual(fromWorkers.length, 3000);
        assert.deepStrictEqual(fromWorkers.map(comparable), fromPool.map(comparable));
        assert.deepStrictEqual([fromWorkers[0].state, fromWorkers[1500].state], ['open', 'open']);
        // open6 listens on ::1 only.
        assert.strictEqual(fromWorkers[2999].state, 'closed');
        assert.ok(fromWorkers.every((r, i) => r.port === ports[i]));
    });

    it('keeps the order of unsorted ports with 1 thread, uneven shards, few ports or a concurrency below the threads', async function () {
        const states = new Map([[open4.port, 'open'], [open4b.port, 'open'], ...closed.map((port) => [port, 'closed'])]);
        const ports = [closed[2], open4b.port, closed[0], open4.port, closed[3], closed[1], open4.port];
        const variants = [
            { threads: 1, ports, concurrency: 4 },
            { threads: 3, ports, concurrency: 64 },
            { threads: 4, ports, concurrency: 2 },
            { threads: 4, ports: [open4b.port, closed[1]], concurrency: 64 },
            { threads: 2, ports: [closed[0]], concurrency: 1 },
        ];
        for (const { threads, ports: list, concurrency } of variants) {
            const results = await scan(workersOf(threads), { host: loopback, ports: list, timeoutMs: 1000, concurrency });
            assert.deepStrictEqual(results.map((r) => r.port), list, `${threads} threads`);
            assert.deepStrictEqual(results.map((r) => r.state), list.map((port) => states.get(port)), `${threads} threads`);
        }
    });

    it('never has more probes in flight than its concurrency, over all threads together', async function () {
        const variants = [
            { threads: 2, concurrency: 5, inFlight: 4 },
            { threads: 4, concurrency: 2, inFlight: 2 },
            { threads: 2, concurrency: 1, inFlight: 1 },
        ];
        for (const { threads, concurrency, inFlight } of variants) {
            const workers = workersOf(threads);
            await scan(workers, { host: loopback, ports: [closed[0]], timeoutMs: 500, concurrency: threads });
            const before = openSockets();
            // Every probe of a filtered port holds its socket for the whole timeout.
            const done = scan(workers, { host: loopback, ports: new Array(inFlight + 1).fill(filtered.port), timeoutMs: 800, concurrency });
            const label = `${threads} threads, concurrency ${concurrency}`;
            await waitFor(() => openSockets() - before >= inFlight, 600, `${inFlight} probes in flight (${label})`);
            await sleep(150);
            const during = openSockets() - before;
            const results = await done;
            assert.strictEqual(during, inFlight, label);
            assert.ok(results.every((r) => r.state === 'filtered'));
            // A filtered probe's socket is closed just after its answer is out (see ProbePool.closeSoon).
            await waitFor(() => openSockets() === before, 200, `the sockets closed after the answers (${label})`);
        }
    });

    it('answers an empty port list with an empty list, and rejects bad requests at once', async function () {
        const workers = workersOf(2);
        assert.deepStrictEqual(await scan(workers, { host: loopback, ports: [], timeoutMs: 100, concurrency: 4 }), []);
        let called = false;
        workers.scan({ host: loopback, ports: [], timeoutMs: 100, concurrency: 4 }, () => { called = true; }).cancel();
        assert.throws(() => workers.scan({ host: loopback, ports: [80], timeoutMs: 100, concurrency: 0 }, () => {}), RangeError);
        assert.throws(() => workers.scan({ host: loopback, ports: [80, 65536], timeoutMs: 100, concurrency: 4 }, () => {}), RangeError);
        assert.throws(() => workers.scan({ host: loopback, ports: [80.5], timeoutMs: 100, concurrency: 4 }, () => {}), RangeError);
        assert.throws(() => workers.scan({ host: loopback, ports: [0, 80], timeoutMs: 100, concurrency: 4 }, () => {}), RangeError, 'port 0 is no TCP port to scan');
        assert.throws(() => new ScanWorkers(0), RangeError);
        await sleep(50);
        assert.strictEqual(called, false);
    });

    it('cancel(): no callback, the threads\' sockets closed, the threads no longer hold the process', async function () {
        const workers = workersOf(2);
        await scan(workers, { host: loopback, ports: [closed[0], closed[1]], timeoutMs: 500, concurrency: 2 });
        const socketsBefore = openSockets();
        const handlesBefore = refedWorkerHandles();
        let called = false;
        const ticket = workers.scan(
            { host: loopback, ports: new Array(8).fill(filtered.port), timeoutMs: 1500, concurrency: 8 },
            () => { called = true; },
        );
        await waitFor(() => openSockets() - socketsBefore === 8, 1000, '8 probes in flight');
        assert.ok(refedWorkerHandles() > handlesBefore, 'a running scan holds the process open');
        ticket.cancel();
        ticket.cancel();
        assert.strictEqual(refedWorkerHandles(), handlesBefore);
        await waitFor(() => openSockets() === socketsBefore, 2000, 'the probes\' sockets to close');
        await sleep(1700);
        assert.strictEqual(called, false);
    });

    it('close(): running scans cancelled, every thread exited, and a later scan starts new ones', async function () {
        const threadsBefore = osThreads();
        const socketsBefore = openSockets();
        const handlesBefore = refedWorkerHandles();
        const workers = workersOf(2);
        let called = false;
        workers.scan({ host: loopback, ports: new Array(4).fill(filtered.port), timeoutMs: 3000, concurrency: 4 }, () => { called = true; });
        await waitFor(() => openSockets() - socketsBefore === 4, 2000, 'the scan to start');
        assert.strictEqual(osThreads(), threadsBefore + 2);

        await workers.close();
        assert.strictEqual(osThreads(), threadsBefore);
        assert.strictEqual(openSockets(), socketsBefore);
        assert.strictEqual(refedWorkerHandles(), handlesBefore);

        const results = await scan(workers, { host: loopback, ports: [open4.port, closed[0]], timeoutMs: 1000, concurrency: 4 });
        assert.deepStrictEqual(results.map((r) => r.state), ['open', 'closed']);
        await workers.close();
        assert.strictEqual(osThreads(), threadsBefore);
        await sleep(100);
        assert.strictEqual(called, false);
    });

    it('an idle ScanWorkers does not keep the process alive, a running scan does', async function () {
        const program = `
            const { ScanWorkers } = require(${JSON.stringify(path.join(__dirname, '../../lib/threads/workers.js'))});
            const { parseHost } = require(${JSON.stringify(path.join(__dirname, '../../lib/parse/hosts.js'))});
            const workers = new ScanWorkers(2);
            const request = { host: parseHost('127.0.0.1'), ports: ${JSON.stringify(closed)}, timeoutMs: 1000, concurrency: 8 };
            const print = (results) => process.stdout.write(results.map((r) => r.state).join(',') + ';');
            // The second scan runs on idle, warm threads: only its own ref holds the process then.
            workers.scan(request, (results) => {
                print(results);
                setTimeout(() => workers.scan(request, (again) => {
                    print(again);
                    workers.scan(request, () => process.stdout.write('the cancelled scan answered')).cancel();
                }), 50);
            });`;
        const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
        let output = '';
        child.stdout.on('data', (data) => { output += data; });
        let timer;
        try {
            const code = await new Promise((resolve, reject) => {
                timer = setTimeout(() => reject(new Error('the child did not exit by itself')), 5000);
                child.once('exit', resolve);
            });
            assert.strictEqual(code, 0);
            const states = closed.map(() => 'closed').join(',');
            assert.strictEqual(output, `${states};${states};`);
        } finally {
            clearTimeout(timer);
            child.kill('SIGKILL');
        }
    });

    it('a thread that dies mid-scan fails its ports with EWORKER at once, and the next scan gets a new thread', async function () {
        const workers = workersOf(2);
        const socketsBefore = openSockets();
        const started = Date.now();
        // Port 0 goes to thread 0 (closed, answered at once), port 1 to thread 1 (filtered, 10 s).
        const done = scan(workers, { host: loopback, ports: [closed[0], filtered.port], timeoutMs: 10000, concurrency: 2 });
        await waitFor(() => openSockets() - socketsBefore === 1, 2000, 'the filtered probe');
        // Reaches into the pool: no public way to crash a thread.
        await workers.slots[1].worker.terminate();
        const results = await done;
        assert.ok(Date.now() - started < 3000, 'answered without waiting for the timeout');
        assert.strictEqual(results[0].state, 'closed');
        const lost = results[1];
        assert.strictEqual(lost.state, undefined);
        assert.ok(!('state' in lost));
        assert.ok(lost.error instanceof PortCheckError);
        assert.strictEqual(lost.error.code, 'LOCAL_ERROR');
        assert.deepStrictEqual(lost.error.params, { code: 'EWORKER', target: `127.0.0.1:${filtered.port}` });
        assert.strictEqual(lost.error.systemCode, 'EWORKER');
        assert.deepStrictEqual({ ...lost, error: undefined, latencyMs: 0 }, {
            host: '127.0.0.1', port: filtered.port, address: '', family: 0, latencyMs: 0, connections: 0, dnsMs: 0, error: undefined,
        });
        assert.strictEqual(openSockets(), socketsBefore);

        const again = await scan(workers, { host: loopback, ports: [closed[1], open4.port, closed[2], open4b.port], timeoutMs: 1000, concurrency: 4 });
        assert.deepStrictEqual(again.map((r) => r.state), ['closed', 'open', 'closed', 'open']);
    });
});
