'use strict';
// ProbePool, given the threads (as the node gives them), hands a check of
// THREADED_SCAN_MIN_PORTS ports or more of one IP to them (ScanWorkers): the same answers as in one thread, the
// allow-list applied before any connection, the cap kept, and nothing left
// running once the pool is cancelled. Real sockets on 127.0.0.1.
const assert = require('assert');
const { ProbePool, THREADED_SCAN_MIN_PORTS } = require('../../lib/probe/pool.js');
const { makePolicy } = require('../../lib/parse/allow.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { scanThreads } = require('../../lib/threads/workers.js');
const { openSockets, osThreads, waitFor } = require('../lib/process-stats');
const { listenOpen, closedPort } = require('../lib/net-fixtures');
const { helper, load, collect, sleep } = require('../lib/node-red');

const loopback = parseHost('127.0.0.1');

function check(pool, request) {
    return new Promise((resolve) => pool.check(request, resolve));
}

/** THREADED_SCAN_MIN_PORTS ports in a row around `around`, within 1-65535. */
function portsAround(around) {
    const first = Math.max(1, Math.min(around - 100, 65536 - THREADED_SCAN_MIN_PORTS));
    return Array.from({ length: THREADED_SCAN_MIN_PORTS }, (_, i) => first + i);
}

describe('ProbePool: big scans over worker threads', function () {
    this.timeout(60000);
    const pools = [];
    const servers = [];
    /** A pool as the node makes it: with the threads for big scans (or without, `threaded` false). */
    const poolOf = (concurrency, threaded = true) => {
        const pool = new ProbePool(concurrency, undefined, threaded ? { scanners: scanThreads() } : {});
        pools.push(pool);
        return pool;
    };

    after(async function () {
        for (const pool of pools) pool.cancelAll();
        for (const server of servers) await server.close();
    });

    it('answers as one thread does, in the order of the ports, and uses threads to do it', async function () {
        const open = await listenOpen('127.0.0.1');
        servers.push(open);
        const ports = portsAround(open.port).reverse();
        const request = { hosts: [loopback], ports, timeoutMs: 1000 };
        const threadsBefore = osThreads();
        const threaded = await check(poolOf(64), request);
        const threadsDuring = osThreads();
        const single = await check(poolOf(64, false), request);

        assert.ok(threadsDuring > threadsBefore, `worker threads started (${threadsBefore} -> ${threadsDuring})`);
        assert.deepStrictEqual(threaded.map((r) => r.port), ports);
        assert.deepStrictEqual(threaded.map((r) => [r.port, r.state, r.address, r.family]), single.map((r) => [r.port, r.state, r.address, r.family]));
        assert.strictEqual(threaded.find((r) => r.port === open.port).state, 'open');
        assert.ok(threaded.every((r) => r.host === '127.0.0.1' && !r.error && r.connections >= 1));
    });

    it('applies the allow/deny rules before connecting: a port not allowed is never connected to', async function () {
        let accepted = 0;
        const open = await listenOpen('127.0.0.1');
        servers.push(open);
        open.server.on('connection', () => { accepted++; });
        const ports = portsAround(open.port);
        const policy = makePolicy({ deny: [`127.0.0.1:${open.port}`] }, undefined);
        const results = await check(poolOf(64), { hosts: [loopback], ports, timeoutMs: 1000, policy });

        const denied = results.find((r) => r.port === open.port);
        assert.strictEqual(denied.error.code, 'TARGET_NOT_ALLOWED');
        assert.strictEqual(denied.state, undefined);
        assert.strictEqual(denied.connections, 0);
        assert.strictEqual(accepted, 0, 'no connection reached the port that is not allowed');
        assert.ok(results.filter((r) => r !== denied).every((r) => r.state === 'closed' || r.state === 'open'));
    });

    it('holds every place under the cap while it runs: the next check waits for it', async function () {
        const pool = poolOf(64);
        const refused = await closedPort();
        const order = [];
        const big = check(pool, { hosts: [loopback], ports: portsAround(20000), timeoutMs: 1000 }).then(() => order.push('big'));
        assert.strictEqual(pool.activeProbes, 64);
        const small = check(pool, { hosts: [loopback], ports: [refused], timeoutMs: 1000 }).then(() => order.push('small'));
        await Promise.all([big, small]);
        assert.deepStrictEqual(order, ['big', 'small']);
        assert.strictEqual(pool.activeProbes, 0);
    });

    it('is cancelled with the pool: no answer, threads ended, sockets closed', async function () {
        const threadsBefore = osThreads();
        const socketsBefore = openSockets();
        const pool = new ProbePool(64, undefined, { scanners: scanThreads() });
        let answered = false;
        pool.check({ hosts: [loopback], ports: portsAround(30000), timeoutMs: 1000 }, () => { answered = true; });
        await waitFor(() => openSockets() > socketsBefore, 5000, 'the scan to open sockets');
        pool.cancelAll();
        await waitFor(() => osThreads() <= threadsBefore, 5000, `threads back to ${threadsBefore} (now ${osThreads()})`);
        await waitFor(() => openSockets() <= socketsBefore, 2000, `sockets back to ${socketsBefore} (now ${openSockets()})`);
        await sleep(200);
        assert.strictEqual(answered, false);
        assert.strictEqual(pool.activeProbes, 0);
    });

    describe('through the node', function () {
        afterEach(async function () {
            await helper.unload();
        });

        it('answers a whole-range message, and a redeploy mid-scan sends nothing and ends the threads', async function () {
            const open = await listenOpen('127.0.0.1');
            servers.push(open);
            await load([
                { id: 'pc', type: 'port-check', host: '127.0.0.1', hostType: 'str', port: 'port', portType: 'msg', check: 'open', timeout: '1', timeoutType: 'num', concurrency: 128, wires: [['out']] },
                { id: 'out', type: 'helper' },
            ]);
            const node = helper.getNode('pc');
            const out = collect('out');
            const threadsBefore = osThreads();
            node.receive({ port: '1-65535' });
            const [msg] = await out.waitFor(1, 30000);
            assert.strictEqual(msg.portCheck.results.length, 65535);
            assert.ok(msg.portCheck.open.includes(open.port), `open ${msg.portCheck.open}`);
            assert.ok(msg.portCheck.results.every((r) => r.state && !r.error), 'every port has a state');
            assert.ok(osThreads() > threadsBefore, 'the scan ran on threads');

            node.receive({ port: '1-65535' });
            await sleep(300);
            await node.close(false);
            await waitFor(() => osThreads() <= threadsBefore, 5000, `threads back to ${threadsBefore} (now ${osThreads()})`);
            await sleep(200);
            assert.strictEqual(out.messages.length, 1, 'nothing sent after the redeploy');
        });
    });
});
