'use strict';
// ProbePool (src/probe/pool.ts) in one thread: the concurrency cap, steady
// load, cancelAll, and a DNS failure over a long port list.
const assert = require('assert');
const { ProbePool } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { listenOpen, closedPort, filteredPort } = require('../lib/net-fixtures');

const loopback = parseHost('127.0.0.1');

describe('probe/pool.ts', function () {
    describe('ProbePool', function () {
        it('keeps at most `concurrency` probes in flight and answers every port in order', async function () {
            const server = await listenOpen('127.0.0.1');
            const closed = await closedPort();
            const pool = new ProbePool(4);
            let peak = 0;
            const watcher = setInterval(() => { peak = Math.max(peak, pool.activeProbes); }, 0);
            try {
                const ports = [];
                for (let i = 0; i < 100; i++) ports.push(i % 2 ? server.port : closed);
                const results = await new Promise((resolve) => pool.check({ hosts: [loopback], ports, timeoutMs: 2000 }, resolve));
                assert.strictEqual(results.length, 100);
                results.forEach((r, i) => assert.strictEqual(r.state, i % 2 ? 'open' : 'closed'));
                assert.ok(peak <= 4, `peak ${peak}`);
                assert.strictEqual(pool.activeProbes, 0);
            } finally {
                clearInterval(watcher);
                await server.close();
            }
        });

        it('lets started checks go under steady load, when the queue never empties', async function () {
            this.timeout(30000);
            const refused = await closedPort();
            const pool = new ProbePool(8);
            let done = 0;
            let longest = 0;
            await new Promise((resolve) => {
                const submit = () => pool.check({ hosts: [loopback], ports: [refused], timeoutMs: 1000 }, () => {
                    done++;
                    longest = Math.max(longest, pool.queuedRequests.length);
                    if (done === 20000) resolve();
                    else if (done <= 20000 - 100) submit();
                });
                for (let i = 0; i < 100; i++) submit(); // 100 waiting at all times
            });
            assert.ok(longest < 2500, `the queue array grew to ${longest} entries for 100 waiting checks`);
        });

        it('cancels everything: no callback, sockets destroyed, timers cleared', async function () {
            this.timeout(10000);
            const filtered = await filteredPort();
            const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
            const pool = new ProbePool(8);
            let called = 0;
            for (let i = 0; i < 20; i++) pool.check({ hosts: [loopback], ports: [filtered.port], timeoutMs: 5000 }, () => called++);
            await new Promise((r) => setTimeout(r, 50));
            assert.strictEqual(pool.activeProbes, 8);
            pool.cancelAll();
            // A destroyed socket's handle is released on a later turn of the loop.
            await new Promise((r) => setTimeout(r, 20));
            const after = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
            assert.strictEqual(pool.activeProbes, 0);
            assert.ok(after <= before, `handles before ${before}, after ${after}`);
            await new Promise((r) => setTimeout(r, 200));
            assert.strictEqual(called, 0);
            filtered.close();
        });

        it('answers a DNS failure for every port of a long list without deep recursion', async function () {
            const failing = (name, cb) => setImmediate(() => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })));
            const pool = new ProbePool(2, failing);
            const ports = Array.from({ length: 65535 }, (_, i) => i + 1);
            const results = await new Promise((resolve) => pool.check({ hosts: [parseHost('gone.test')], ports, timeoutMs: 1000 }, resolve));
            assert.strictEqual(results.length, 65535);
            assert.ok(results.every((r) => r.error && r.error.code === 'CANNOT_RESOLVE'));
        });
    });
});
