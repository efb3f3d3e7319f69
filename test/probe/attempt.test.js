'use strict';
// The TCP probe on loopback (src/probe/attempt.ts, through probePort of
// src/probe/pool.ts): open, closed, reset, filtered, self-connect, every
// address of localhost, staggered attempts, DNS within the deadline, and fd
// exhaustion as a local error. Real sockets, nothing mocked.
const assert = require('assert');
const net = require('net');
const { execFile } = require('child_process');
const path = require('path');
const { ProbePool, probePort } = require('../../lib/probe/pool.js');
const { isSelfConnect } = require('../../lib/probe/self-connect.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { scanThreads } = require('../../lib/threads/workers.js');
const { listenOpen, closedPort, filteredPort } = require('../lib/net-fixtures');

const loopback = parseHost('127.0.0.1');

describe('probe/attempt.ts: the TCP probe on loopback', function () {
    it('answers open for a listening port, with address, family, latency and connections', async function () {
        const server = await listenOpen('127.0.0.1');
        try {
            const result = await probePort(loopback, server.port, 2000);
            assert.strictEqual(result.state, 'open');
            assert.strictEqual(result.address, '127.0.0.1');
            assert.strictEqual(result.family, 4);
            assert.strictEqual(result.connections, 1);
            assert.ok(result.latencyMs >= 0 && result.latencyMs < 1000, `latency ${result.latencyMs}`);
            assert.strictEqual(result.error, undefined);
        } finally {
            await server.close();
        }
    });

    it('answers open on IPv6 ::1', async function () {
        const server = await listenOpen('::1');
        try {
            const result = await probePort(parseHost('[::1]'), server.port, 2000);
            assert.strictEqual(result.state, 'open');
            assert.strictEqual(result.family, 6);
        } finally {
            await server.close();
        }
    });

    it('answers closed for a refused port, at once', async function () {
        const port = await closedPort();
        const started = Date.now();
        const result = await probePort(loopback, port, 5000);
        assert.strictEqual(result.state, 'closed');
        assert.ok(Date.now() - started < 1000);
    });

    it('answers open for a service that accepts and resets at once (the handshake completed)', async function () {
        const server = net.createServer((socket) => {
            socket.on('error', () => {});
            socket.resetAndDestroy();
        });
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
            for (let i = 0; i < 20; i++) {
                const result = await probePort(loopback, server.address().port, 2000);
                assert.strictEqual(result.state, 'open', `try ${i}: ${result.state || result.error.code}`);
            }
        } finally {
            server.close();
        }
    });

    it('knows a socket that connected to itself (TCP simultaneous open on loopback) from an open port', async function () {
        // Scanning the ephemeral range, the kernel may pick the probed port as the
        // local port: the socket then "connects" with nobody listening. Forced here.
        const port = await closedPort();
        const self = await new Promise((resolve, reject) => {
            const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: port });
            socket.once('connect', () => resolve(socket));
            socket.once('error', reject);
        });
        try {
            assert.strictEqual(isSelfConnect(self, '127.0.0.1', port), true);
        } finally {
            self.destroy();
        }
        const server = await listenOpen('127.0.0.1');
        const real = await new Promise((resolve) => { const s = net.connect(server.port, '127.0.0.1', () => resolve(s)); });
        assert.strictEqual(isSelfConnect(real, '127.0.0.1', server.port), false);
        real.destroy();
        await server.close();
    });

    it('reports no false "open" over the whole ephemeral range', async function () {
        this.timeout(60000);
        const [low, high] = require('fs').readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
        const ports = [];
        for (let port = low; port <= Math.min(high, low + 20000); port++) ports.push(port);
        const pool = new ProbePool(256, undefined, { scanners: scanThreads() });
        const results = await new Promise((resolve) => pool.check({ hosts: [loopback], ports, timeoutMs: 1000 }, resolve));
        // Every port reported open must still be open when probed again, with nothing else running.
        for (const result of results.filter((r) => r.state === 'open')) {
            const again = await probePort(loopback, result.port, 1000);
            const listening = await new Promise((resolve) => {
                const probe = net.createServer();
                probe.once('error', () => resolve(true));
                probe.listen(result.port, '127.0.0.1', () => probe.close(() => resolve(false)));
            });
            assert.ok(listening || again.state === 'open', `port ${result.port} was reported open but nothing listens there`);
        }
    });

    it('answers filtered for a port that drops SYNs, within the timeout plus a small margin', async function () {
        this.timeout(10000);
        const filtered = await filteredPort();
        try {
            for (const timeoutMs of [200, 500]) {
                const started = performance.now();
                const result = await probePort(loopback, filtered.port, timeoutMs);
                const elapsed = performance.now() - started;
                assert.strictEqual(result.state, 'filtered');
                assert.ok(elapsed >= timeoutMs - 5 && elapsed < timeoutMs + 100, `answered after ${elapsed} ms for ${timeoutMs} ms`);
            }
        } finally {
            filtered.close();
        }
    });

    it('tries every address of localhost: a service on 127.0.0.1 only or on ::1 only is found', async function () {
        const localhost = parseHost('localhost');
        for (const host of ['127.0.0.1', '::1']) {
            const server = await listenOpen(host);
            try {
                const result = await probePort(localhost, server.port, 2000);
                assert.strictEqual(result.state, 'open', `service on ${host}`);
                assert.strictEqual(result.address, host);
            } finally {
                await server.close();
            }
        }
        const port = await closedPort();
        const closed = await probePort(localhost, port, 2000);
        assert.strictEqual(closed.state, 'closed');
        assert.strictEqual(closed.connections, 2, 'both loopback addresses were tried');
    });

    it('staggers attempts (happy eyeballs): a silent first address does not hide an open second one', async function () {
        this.timeout(10000);
        const filtered = await filteredPort('127.0.0.1');
        const server = await listenOpen('::1', filtered.port).catch(() => null);
        try {
            if (!server) this.skip(); // the port number is taken on ::1
            const lookup = (name, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
            const started = performance.now();
            const result = await probePort(parseHost('dual.test'), filtered.port, 2000, lookup);
            const elapsed = performance.now() - started;
            assert.strictEqual(result.state, 'open');
            assert.strictEqual(result.address, '::1');
            assert.strictEqual(result.connections, 2);
            assert.ok(elapsed < 600, `the second address was tried after ${elapsed} ms, not at the deadline`);
        } finally {
            if (server) await server.close();
            filtered.close();
        }
    });

    it('bounds DNS by the same deadline: a resolver that never answers gives "Cannot resolve host", not a state', async function () {
        const neverAnswers = () => {};
        const started = performance.now();
        const result = await probePort(parseHost('slow.test'), 80, 300, neverAnswers);
        const elapsed = performance.now() - started;
        assert.strictEqual(result.state, undefined);
        assert.strictEqual(result.error.code, 'CANNOT_RESOLVE');
        assert.strictEqual(result.error.params.host, 'slow.test');
        assert.ok(elapsed >= 295 && elapsed < 400, `answered after ${elapsed} ms`);
    });

    it('reports a name that does not exist as "Cannot resolve host"', async function () {
        const result = await probePort(parseHost('no-such-host.invalid'), 80, 5000);
        assert.strictEqual(result.state, undefined);
        assert.strictEqual(result.error.code, 'CANNOT_RESOLVE');
        assert.ok(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA'].includes(result.error.systemCode), result.error.systemCode);
    });

    it('reports fd exhaustion as a "Local error", never as closed or filtered', async function () {
        this.timeout(20000);
        // A child with a low fd limit opens files until EMFILE, then probes an open port.
        const server = await listenOpen('127.0.0.1');
        const script = path.join(__dirname, '..', 'lib', 'probe-with-no-fds.js');
        try {
            const stdout = await new Promise((resolve, reject) => {
                execFile('/bin/sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${script}" ${server.port}`],
                    { timeout: 15000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
            });
            const result = JSON.parse(stdout);
            assert.strictEqual(result.state, undefined, JSON.stringify(result));
            assert.strictEqual(result.error.code, 'LOCAL_ERROR');
            assert.strictEqual(result.error.systemCode, 'EMFILE');
            assert.strictEqual(result.afterFreeing.state, 'open', 'with fds back, the same probe answers open');
        } finally {
            await server.close();
        }
    });
});
