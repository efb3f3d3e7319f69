'use strict';
// Beyond the seed: several hosts, wait-until mode, retries, the target
// allow/deny lists and the latency threshold, in a Node-RED runtime against
// real sockets on loopback.
const assert = require('assert');
const net = require('net');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load, collect, sleep } = require('./lib/node-red');
const { listenOpen, closedPort, slowPort } = require('./lib/net-fixtures');

function flow(props) {
    return [
        { id: 'f1', type: 'tab' },
        {
            id: 'pc', type: 'port-check', z: 'f1', host: '127.0.0.1', hostType: 'str', port: '', portType: 'num',
            check: 'open', timeout: '2', timeoutType: 'num', delayBefore: 0, delayAfter: 0, continueOnError: false,
            output: 'payload', concurrency: 256, mode: 'once', retries: 0, retryDelay: 1, waitInterval: 1,
            waitTimeout: 60, slowAbove: '', allow: '', ...props, wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: ['pc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
    ];
}

async function start(props) {
    await load(flow(props), [catchNode]);
    const node = helper.getNode('pc');
    const statuses = [];
    node.on('call:status', (call) => statuses.push(call.args[0]));
    return { node, out: collect('out'), caught: collect('caught'), statuses };
}

/** A server that counts the connections it gets (to prove none was attempted). */
function countingServer(host) {
    return new Promise((resolve) => {
        const server = net.createServer((socket) => { server.connectionsSeen++; socket.destroy(); });
        server.connectionsSeen = 0;
        server.listen(0, host, () => resolve(server));
    });
}

describe('features beyond the seed', function () {
    this.timeout(20000);
    let open;
    before(async function () {
        open = await listenOpen('127.0.0.1');
    });
    after(async function () {
        await open.close();
    });
    afterEach(async function () {
        helper.settings({});
        await helper.unload();
    });

    describe('several hosts in one message', function () {
        it('checks every host on every port, with a summary per host', async function () {
            const refused = await closedPort();
            const t = await start({ host: '127.0.0.1, ::1', port: `${open.port},${refused}`, portType: 'str' });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            const pc = msg.portCheck;
            assert.strictEqual(msg.payload, false);
            assert.deepStrictEqual(pc.results.map((r) => [r.host, r.port, r.state]), [
                ['127.0.0.1', open.port, 'open'], ['127.0.0.1', refused, 'closed'],
                ['::1', open.port, 'closed'], ['::1', refused, 'closed'],
            ]);
            assert.deepStrictEqual(pc.open, [`127.0.0.1:${open.port}`]);
            assert.deepStrictEqual(pc.closed, [`127.0.0.1:${refused}`, `[::1]:${open.port}`, `[::1]:${refused}`]);
            assert.deepStrictEqual(pc.hosts.map((h) => [h.host, h.match, h.open]), [
                ['127.0.0.1', false, [open.port]], ['::1', false, []],
            ]);
        });

        it('takes an array of hosts from msg and is true only when every pair matches', async function () {
            const v6 = await listenOpen('::1', open.port).catch(() => null);
            if (!v6) this.skip();
            try {
                const t = await start({ host: 'pool', hostType: 'msg', port: String(open.port) });
                t.node.receive({ pool: ['127.0.0.1', '::1', 'localhost'] });
                const [msg] = await t.out.waitFor(1);
                assert.strictEqual(msg.payload, true);
                assert.strictEqual(msg.portCheck.results.length, 3);
                assert.ok(msg.portCheck.hosts.every((h) => h.match));
            } finally {
                await v6.close();
            }
        });

        it('reports per host for a list of one, and names a blocked host\'s error in its summary', async function () {
            helper.settings({ portCheck: { allow: ['127.0.0.1/32'] } });
            const t = await start({ host: 'h', hostType: 'msg', port: String(open.port), continueOnError: true });
            t.node.receive({ h: ['127.0.0.1'] });
            t.node.receive({ h: ['127.0.0.1', '127.0.0.2'] });
            const [one, two] = await t.out.waitFor(2);
            assert.deepStrictEqual(one.portCheck.hosts, [{ host: '127.0.0.1', match: true, open: [open.port], closed: [], filtered: [] }]);
            assert.deepStrictEqual(one.portCheck.open, [`127.0.0.1:${open.port}`]);
            assert.strictEqual(two.payload, false);
            assert.strictEqual(two.portCheck.hosts[1].error.code, 'TARGET_NOT_ALLOWED');
            assert.strictEqual(two.portCheck.hosts[0].error, undefined);
        });

        it('keeps the cap across hosts x ports', async function () {
            const t = await start({ host: '127.0.0.1,127.0.0.2,127.0.0.3', port: '1-300', portType: 'str', concurrency: 8, timeout: '1' });
            let peak = 0;
            // The node's pool is private: count the sockets this process holds instead.
            const watcher = setInterval(() => {
                const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
                peak = Math.max(peak, sockets);
            }, 1);
            const baseline = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
            t.node.receive({});
            const [msg] = await t.out.waitFor(1, 15000);
            clearInterval(watcher);
            assert.strictEqual(msg.portCheck.results.length, 900);
            assert.ok(peak - baseline <= 8 + 2, `peak ${peak - baseline} sockets above baseline with a cap of 8`);
        });
    });

    describe('wait-until mode', function () {
        it('re-checks until the port opens, then answers with attempts and the time it took', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), mode: 'wait', waitInterval: 0.3, waitTimeout: 10 });
            t.node.receive({});
            let server;
            setTimeout(async () => { server = await listenOpen('127.0.0.1', port); }, 1000);
            const [msg] = await t.out.waitFor(1, 8000);
            await server.close();
            assert.strictEqual(msg.payload, true);
            assert.strictEqual(msg.portCheck.state, 'open');
            assert.ok(msg.portCheck.attempts >= 3, `attempts ${msg.portCheck.attempts}`);
            assert.ok(msg.portCheck.elapsedMs >= 900 && msg.portCheck.elapsedMs < 3000, `elapsed ${msg.portCheck.elapsedMs}`);
            assert.ok(t.statuses.some((s) => /^waiting · attempt \d+$/.test(s.text)), 'status shows the waiting');
        });

        it('gives up at the deadline with the last state and false', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), mode: 'wait', waitInterval: 0.2, waitTimeout: 1 });
            const started = performance.now();
            t.node.receive({});
            const [msg] = await t.out.waitFor(1, 5000);
            const elapsed = performance.now() - started;
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.state, 'closed');
            assert.ok(msg.portCheck.attempts >= 4 && msg.portCheck.attempts <= 6, `attempts ${msg.portCheck.attempts}`);
            assert.ok(elapsed >= 750 && elapsed < 1600, `gave up after ${elapsed} ms`);
        });

        it('waits for "closed" too: answers at once when the port is already closed', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), check: 'closed', mode: 'wait', waitInterval: 0.5, waitTimeout: 5 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.payload, true);
            assert.strictEqual(msg.portCheck.attempts, 1);
        });

        it('is cancelled by close: nothing is sent afterwards', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), mode: 'wait', waitInterval: 0.2, waitTimeout: 30 });
            let sent = 0;
            const send = t.node.send;
            t.node.send = function (...args) { sent++; return send.apply(this, args); };
            t.node.receive({});
            await sleep(500);
            await t.node.close(false);
            await sleep(600);
            assert.strictEqual(sent, 0);
        });
    });

    describe('retries', function () {
        it('retries a mismatch and reports only the last result, with the number of attempts', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), retries: 2, retryDelay: 0.2 });
            const started = performance.now();
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            const elapsed = performance.now() - started;
            assert.strictEqual(t.out.messages.length, 1);
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.attempts, 3);
            assert.ok(elapsed >= 380, `retries waited ${elapsed} ms in all`);
            assert.ok(t.statuses.some((s) => s.text === 'retrying · attempt 2'));
        });

        it('a port that comes up between attempts is reported open', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), retries: 3, retryDelay: 0.4 });
            t.node.receive({});
            const server = await listenOpen('127.0.0.1', port);
            try {
                const [msg] = await t.out.waitFor(1);
                assert.strictEqual(msg.payload, true);
                assert.strictEqual(msg.portCheck.attempts, 2);
            } finally {
                await server.close();
            }
        });

        it('does not retry a match, nor an input error', async function () {
            const t = await start({ port: String(open.port), retries: 3, retryDelay: 0.2 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.portCheck.attempts, 1);
            await helper.unload();
            const bad = await start({ port: '0', retries: 3, retryDelay: 0.2 });
            const started = performance.now();
            bad.node.receive({});
            await bad.caught.waitFor(1);
            assert.ok(performance.now() - started < 150);
        });
    });

    describe('target allow-list', function () {
        it('blocks a denied address before any connection: "Target not allowed"', async function () {
            const server = await countingServer('127.0.0.2');
            try {
                helper.settings({ portCheck: { deny: ['127.0.0.2/32'] } });
                const t = await start({ host: '127.0.0.2', port: String(server.address().port) });
                t.node.receive({});
                const [caught] = await t.caught.waitFor(1);
                assert.ok(caught.error.message.startsWith('Target not allowed'), caught.error.message);
                assert.strictEqual(caught.error.code, 'TARGET_NOT_ALLOWED');
                await sleep(100);
                assert.strictEqual(server.connectionsSeen, 0, 'no connection was attempted');
                assert.strictEqual(t.out.messages.length, 0);
            } finally {
                server.close();
            }
        });

        it('applies rules to the addresses a name resolves to', async function () {
            // localhost is 127.0.0.1 and ::1; with 127.0.0.0/8 denied only ::1 may be tried.
            helper.settings({ portCheck: { deny: ['127.0.0.0/8'] } });
            const t = await start({ host: 'localhost', port: String(open.port) });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.portCheck.address, '::1');
            assert.strictEqual(msg.portCheck.state, 'closed', 'the service on 127.0.0.1 was not reached');
            await helper.unload();
            helper.settings({ portCheck: { deny: ['127.0.0.0/8', '::1'] } });
            const both = await start({ host: 'localhost', port: String(open.port), continueOnError: true });
            both.node.receive({});
            const [blocked] = await both.out.waitFor(1);
            assert.strictEqual(blocked.payload, false);
            assert.strictEqual(blocked.portCheck.error.code, 'TARGET_NOT_ALLOWED');
        });

        it('with a settings allow-list, only listed targets pass; a node allow-list narrows it further', async function () {
            const refused = await closedPort();
            helper.settings({ portCheck: { allow: [`127.0.0.1:${open.port},${refused}`] } });
            const t = await start({ port: 'p', portType: 'msg', continueOnError: true });
            t.node.receive({ p: open.port });
            t.node.receive({ p: refused });
            t.node.receive({ p: 1 });
            const msgs = await t.out.waitFor(3);
            const byPort = Object.fromEntries(msgs.map((m) => [m.portCheck.port, m.portCheck.state || m.portCheck.error.code]));
            assert.deepStrictEqual(byPort, { [open.port]: 'open', [refused]: 'closed', 1: 'TARGET_NOT_ALLOWED' });
            await helper.unload();
            const narrowed = await start({ port: 'p', portType: 'msg', continueOnError: true, allow: `127.0.0.1:${open.port}` });
            narrowed.node.receive({ p: refused });
            const [msg] = await narrowed.out.waitFor(1);
            assert.strictEqual(msg.portCheck.error.code, 'TARGET_NOT_ALLOWED');
        });

        it('matches host names and *.domain wildcards by the name given', async function () {
            helper.settings({ portCheck: { allow: ['*.localhost', 'localhost'] } });
            const t = await start({ host: 'h', hostType: 'msg', port: String(open.port), continueOnError: true });
            t.node.receive({ h: 'localhost' });
            t.node.receive({ h: 'api.localhost' });
            t.node.receive({ h: '127.0.0.1' });
            const msgs = await t.out.waitFor(3);
            const byHost = Object.fromEntries(msgs.map((m) => [m.portCheck.host, m.payload]));
            assert.deepStrictEqual(byHost, { localhost: true, 'api.localhost': true, '127.0.0.1': false });
        });

        it('a bad rule fails each message with "Invalid allow-list rule"', async function () {
            const t = await start({ port: String(open.port), allow: '10.0.0.0/99' });
            t.node.receive({});
            const [caught] = await t.caught.waitFor(1);
            assert.ok(caught.error.message.startsWith('Invalid allow-list rule'), caught.error.message);
        });
    });

    describe('latency threshold', function () {
        it('marks an open port slower than "slow above" with slow: true and a yellow status', async function () {
            const slow = await slowPort(1200);
            try {
                const t = await start({ port: String(slow.port), timeout: '6', slowAbove: 500 });
                t.node.receive({});
                const [msg] = await t.out.waitFor(1, 8000);
                assert.strictEqual(msg.portCheck.state, 'open');
                assert.strictEqual(msg.portCheck.slow, true, `latency ${msg.portCheck.latencyMs}`);
                assert.strictEqual(msg.payload, true, 'slow is still open');
                await sleep(150);
                const last = t.statuses[t.statuses.length - 1];
                assert.strictEqual(last.fill, 'yellow');
                assert.match(last.text, /^open · \d+ ms \(slow\)$/);
            } finally {
                slow.close();
            }
        });

        it('a fast open port is not slow', async function () {
            const t = await start({ port: String(open.port), slowAbove: 500 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.portCheck.slow, false);
        });
    });
});
