'use strict';
// What the node does for real networks (docs/architecture.md, "On real
// networks"), in a Node-RED runtime on loopback: IP version, a re-checked
// list keeping what matched, Max rate, re-sends for a port that does not
// answer, and DNS through a server of the test's own (portCheck.dnsServers):
// dnsMs, and the errors that say which failure it was. The lossy link, the
// blackholed IPv6 path and resolv.conf are in
// test/reliability/real-network.test.js (root, network namespaces).
const assert = require('assert');
const asyncHooks = require('async_hooks');
const net = require('net');
const { helper, sleep } = require('../lib/node-red');
const { closedPort, filteredPort, countingServer } = require('../lib/net-fixtures');
const { startWithStatuses: start, loopbackSuite } = require('../lib/node-flow');
const { startDnsServer } = require('../lib/reliability-dns');

/** The times this process starts TCP connections, while `during` runs. */
async function connectTimes(during) {
    const times = [];
    const hook = asyncHooks.createHook({ init(id, type) { if (type === 'TCPWRAP') times.push(performance.now()); } }).enable();
    try {
        await during();
    } finally {
        hook.disable();
    }
    return times;
}

describe('port-check node on real networks (loopback)', function () {
    this.timeout(20000);
    let open;
    let refused;
    loopbackSuite((targets) => ({ open, refused } = targets));

    describe('IP version', function () {
        // localhost is 127.0.0.1 and ::1; the service listens on 127.0.0.1 only, so ::1 refuses.
        const check = async (ipVersion) => {
            const t = await start({ host: 'localhost', port: String(open.port), ipVersion });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            await helper.unload();
            return msg;
        };

        it('auto and 4 find the service on 127.0.0.1; 6 finds ::1 closed', async function () {
            const auto = await check('auto');
            assert.deepStrictEqual([auto.payload, auto.portCheck.state, auto.portCheck.address], [true, 'open', '127.0.0.1']);
            const v4 = await check('4');
            assert.deepStrictEqual([v4.payload, v4.portCheck.family], [true, 4]);
            const v6 = await check('6');
            assert.deepStrictEqual([v6.payload, v6.portCheck.state, v6.portCheck.address], [false, 'closed', '::1']);
        });

        it('both: each family on its own, true only when both match; an IPv4 literal has no IPv6 to check', async function () {
            const both = await check('both');
            assert.strictEqual(both.payload, false);
            assert.strictEqual(both.portCheck.match, false);
            assert.deepStrictEqual(both.portCheck.families, {
                4: { state: 'open', address: '127.0.0.1', latencyMs: both.portCheck.families[4].latencyMs },
                6: { state: 'closed', address: '::1', latencyMs: both.portCheck.families[6].latencyMs },
            });
            const t = await start({ host: '127.0.0.1', port: String(open.port), ipVersion: 'both' });
            t.node.receive({});
            const [literal] = await t.out.waitFor(1);
            assert.strictEqual(literal.payload, false);
            assert.strictEqual(literal.portCheck.families[4].state, 'open');
            assert.strictEqual(literal.portCheck.families[6].error.code, 'CANNOT_RESOLVE');
            assert.match(literal.portCheck.families[6].error.message, /no IPv6 address/);
        });

        it('both with "Port is closed": true when neither family is open; a family without an address has nothing open', async function () {
            const t = await start({ host: 'h', hostType: 'msg', port: String(refused), ipVersion: 'both', check: 'closed' });
            t.node.receive({ h: 'localhost' });
            t.node.receive({ h: '127.0.0.1' });
            const [both, literal] = await t.out.waitFor(2);
            assert.strictEqual(both.payload, true);
            assert.deepStrictEqual([both.portCheck.families[4].state, both.portCheck.families[6].state], ['closed', 'closed']);
            assert.strictEqual(literal.payload, true, 'an IPv4 literal: IPv4 closed, no IPv6 to reach');
            assert.strictEqual(literal.portCheck.families[6].error.code, 'CANNOT_RESOLVE');
            await helper.unload();
            const open4 = await start({ host: 'localhost', port: String(open.port), ipVersion: 'both', check: 'closed' });
            open4.node.receive({});
            const [opened] = await open4.out.waitFor(1);
            assert.strictEqual(opened.payload, false, 'open on IPv4: not closed');
        });
    });

    describe('retries of a list', function () {
        it('re-check only what did not match; what matched keeps its answer, each entry with its attempts', async function () {
            const counting = await countingServer('127.0.0.1');
            try {
                const t = await start({ port: `${counting.port},${refused}`, portType: 'str', retries: 2, retryDelay: 0.05 });
                t.node.receive({});
                const [msg] = await t.out.waitFor(1);
                assert.strictEqual(msg.payload, false);
                assert.strictEqual(msg.portCheck.attempts, 3);
                assert.deepStrictEqual(msg.portCheck.results.map((r) => [r.port, r.state, r.attempts]),
                    [[counting.port, 'open', 1], [refused, 'closed', 3]]);
                await sleep(50);
                assert.strictEqual(counting.seen(), 1, 'the open port was connected to once');
            } finally {
                await counting.close();
            }
        });

        it('a port that comes up during the retries makes the list match', async function () {
            const late = await closedPort();
            const t = await start({ port: `${open.port},${late}`, portType: 'str', retries: 5, retryDelay: 0.2 });
            t.node.receive({});
            let server;
            setTimeout(() => {
                server = net.createServer((s) => s.destroy()).listen(late, '127.0.0.1');
            }, 300);
            const [msg] = await t.out.waitFor(1, 5000);
            server.close();
            assert.strictEqual(msg.payload, true);
            assert.deepStrictEqual(msg.portCheck.results.map((r) => r.attempts), [1, msg.portCheck.attempts]);
        });
    });

    describe('Max rate', function () {
        it('spreads new connections: 20 ports at 50 a second take 380 ms or more, none ahead of a 20 ms schedule', async function () {
            const ports = await Promise.all(Array.from({ length: 20 }, () => closedPort()));
            const t = await start({ port: ports.join(','), portType: 'str', maxRate: 50 });
            let msg;
            const times = await connectTimes(async () => {
                t.node.receive({});
                [msg] = await t.out.waitFor(1, 5000);
            });
            assert.strictEqual(msg.portCheck.results.length, 20);
            assert.strictEqual(times.length, 20, `${times.length} connections`);
            assert.ok(times[19] - times[0] >= 370, `first to last: ${times[19] - times[0]} ms`);
            // The schedule: connection i never starts before i × 20 ms after the first. (Two can
            // come closer than 20 ms, when a timer was late and the next keeps to the schedule.)
            const early = times.map((time, i) => ({ i, ahead: i * 20 - (time - times[0]) })).filter(({ ahead }) => ahead > 2);
            assert.deepStrictEqual(early, [], 'connections ahead of the schedule (ms)');
        });

        it('an invalid Max rate fails each message with "Invalid option"', async function () {
            const t = await start({ port: String(open.port), maxRate: 'fast' });
            t.node.receive({});
            const [caught] = await t.caught.waitFor(1);
            assert.match(caught.error.message, /^Invalid option: Max rate is "fast"/);
        });
    });

    describe('re-sends', function () {
        it('a port that does not answer is connected to again within the timeout, and still answers at its timeout', async function () {
            const filtered = await filteredPort('127.0.0.1');
            try {
                const t = await start({ port: String(filtered.port), timeout: 1 });
                t.node.receive({});
                const [msg] = await t.out.waitFor(1, 3000);
                assert.strictEqual(msg.portCheck.state, 'filtered');
                assert.strictEqual(msg.portCheck.connections, 2, 'one re-send, as long as no answer ever needed one');
                assert.ok(msg.portCheck.latencyMs >= 995 && msg.portCheck.latencyMs < 1100, `${msg.portCheck.latencyMs} ms`);
            } finally {
                filtered.close();
            }
        });

        it('open and closed ports answer on the first connection: no re-send', async function () {
            const t = await start({ port: `${open.port},${refused}`, portType: 'str', timeout: 1 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.deepStrictEqual(msg.portCheck.results.map((r) => r.connections), [1, 1]);
        });
    });

    describe('DNS (a server of the test\'s own, portCheck.dnsServers)', function () {
        let dnsServer;
        let backAt = Infinity;
        before(async function () {
            dnsServer = await startDnsServer((name) => {
                if (name === 'svc.dns.test') return { addresses: ['127.0.0.1'], delayMs: 50 };
                if (name === 'silent.dns.test') return 'swallow';
                // Silent past the resolver's own 5 s and c-ares' two tries (2 s, then 4 s), then it answers.
                if (name === 'back.dns.test') return performance.now() < backAt ? 'swallow' : { addresses: ['127.0.0.1'] };
                return 'nxdomain';
            });
        });
        after(async function () {
            await dnsServer.close();
        });
        beforeEach(function () {
            helper.settings({ portCheck: { dnsServers: [dnsServer.server] } });
        });

        it('resolves through it, and says how long that took (dnsMs)', async function () {
            const t = await start({ host: 'svc.dns.test', port: String(open.port) });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.deepStrictEqual([msg.payload, msg.portCheck.address], [true, '127.0.0.1']);
            assert.ok(msg.portCheck.dnsMs >= 45 && msg.portCheck.dnsMs < msg.portCheck.latencyMs + 1, `dnsMs ${msg.portCheck.dnsMs}`);
        });

        it('tells "no such name" from "the DNS server did not answer"', async function () {
            const t = await start({ host: 'h', hostType: 'msg', port: String(open.port), timeout: 0.3, continueOnError: true });
            t.node.receive({ h: 'gone.dns.test' });
            t.node.receive({ h: 'silent.dns.test' });
            const msgs = await t.out.waitFor(2);
            const byHost = Object.fromEntries(msgs.map((m) => [m.h, m.portCheck.error.message]));
            assert.strictEqual(byHost['gone.dns.test'], 'Cannot resolve host: gone.dns.test (no such name; ENOTFOUND)');
            assert.strictEqual(byHost['silent.dns.test'], 'Cannot resolve host: silent.dns.test (the DNS server did not answer in time; ETIMEOUT)');
        });

        it('the Timeout covers DNS: a server silent for 5.5 s still answers a message that waits 12 s', async function () {
            this.timeout(20000);
            backAt = performance.now() + 5500;
            const t = await start({ host: 'back.dns.test', port: String(open.port), timeout: 12 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1, 15000);
            assert.deepStrictEqual([msg.payload, msg.portCheck.state], [true, 'open'], JSON.stringify(msg.portCheck));
            assert.ok(msg.portCheck.dnsMs >= 5400 && msg.portCheck.dnsMs < 12000, `dnsMs ${msg.portCheck.dnsMs}`);
        });

        it('an invalid portCheck.dnsServers fails each message with "Invalid option"', async function () {
            helper.settings({ portCheck: { dnsServers: ['not a server'] } });
            const t = await start({ port: String(open.port) });
            t.node.receive({});
            const [caught] = await t.caught.waitFor(1);
            assert.match(caught.error.message, /^Invalid option: portCheck\.dnsServers is \["not a server"\]/);
        });
    });
});
