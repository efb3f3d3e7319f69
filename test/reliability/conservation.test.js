'use strict';
// Reliability: conservation. A large burst mixing open, refused,
// filtered, invalid and unresolvable inputs goes through four port check
// nodes (Continue On Error off/on x "Port is open"/"Port is closed", each
// with the concurrency cap at 64): every message has exactly one outcome,
// an output or a Catch, with its own _msgid and the right result.
//
// Count: 50,000 by default, 300,000 under `npm run test:soak`. Measured on
// this 2-core machine with the test helper runtime: 100,000 messages take
// 46-50 s (about 2,200 a second, CPU-bound in the runtime and the helper's
// spies, not in the node), 50,000 about 25 s. The whole `npm test` must stay
// under 3 minutes beside the other suites (the browser and example tests
// among them): with 50,000 here the reliability tests take about 70 s and
// the whole suite 2 min 40 s, so 50,000 is the largest count that fits.
// (leaks.test.js still runs 100,000 probes by default, in a child process.)
const assert = require('assert');
const { messageDrivenFlow, loadFlow, sink, loopbackTargets, helper } = require('../lib/reliability-flows');
const {
    scale, assertErrorText, watchNode, resetHelperHistory, trackSockets, watchProcessFailures, waitUntil, mb, snapshot,
    resourcesAbove,
} = require('../lib/reliability-harness');
const { startDnsServer } = require('../lib/reliability-dns');

const COUNT = scale(50000, 300000);
const CAP = 64;
const NODES = [
    { id: 'strictOpen', check: 'open', continueOnError: false },
    { id: 'strictClosed', check: 'closed', continueOnError: false },
    { id: 'lenientOpen', check: 'open', continueOnError: true },
    { id: 'lenientClosed', check: 'closed', continueOnError: true },
];

/** A small deterministic generator, so a failure can be replayed. */
function random(seed) {
    let state = seed >>> 0;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 0x100000000;
    };
}

describe('reliability: conservation under load', function () {
    this.timeout(scale(170000, 1800000));
    const targets = loopbackTargets();
    let dnsServer;

    before(async function () {
        // Names under .no-such-host.test are answered NXDOMAIN, those under
        // .slow-dns.test 150 ms late, by a DNS server on 127.0.0.1, which the
        // node asks (portCheck.dnsServers): no query leaves the machine.
        dnsServer = await startDnsServer((name) => {
            if (name.endsWith('.no-such-host.test')) return 'nxdomain';
            if (name.endsWith('.slow-dns.test')) return { addresses: ['127.0.0.1'], delayMs: 150 };
            return 'swallow';
        });
        helper.settings({ portCheck: { dnsServers: [dnsServer.server] } });
    });

    after(async function () {
        await helper.unload();
        helper.settings({});
        await dnsServer.close();
    });

    it(`settles each of ${COUNT.toLocaleString('en-US')} mixed messages exactly once, with its _msgid and the right result`, async function () {
        const { open, refused, filtered } = targets;
        const failures = watchProcessFailures();
        try {
            await loadFlow(messageDrivenFlow(NODES.map((n) => ({ ...n, concurrency: CAP }))));
            await new Promise((resolve) => setTimeout(resolve, 100));
            const baseline = snapshot();
            const nodes = NODES.map((n) => ({ ...n, node: helper.getNode(n.id) }));
            const watchers = nodes.map((n) => watchNode(n.node));
            const out = sink('out');
            const caught = sink('caught');

            const rand = random(0x6a09e667);
            const invalids = [
                [{ h: '127.0.0.1', p: '80abc', t: 2 }, 'INVALID_PORT'],
                [{ h: '127.0.0.1', p: 70000, t: 2 }, 'INVALID_PORT'],
                [{ h: 'http://127.0.0.1', p: 80, t: 2 }, 'INVALID_HOST'],
                [{ h: '127.0.0.1:80', p: 80, t: 2 }, 'INVALID_HOST'],
                [{ h: '', p: 80, t: 2 }, 'EMPTY_HOST'],
                [{ h: '127.0.0.1', p: 80, t: 0 }, 'INVALID_TIMEOUT'],
            ];
            /** What message n is: its inputs and what it must come out as. */
            const plan = new Array(COUNT);
            for (let n = 0; n < COUNT; n++) {
                const r = rand();
                const node = nodes[Math.floor(rand() * nodes.length)];
                let input;
                let expect;
                if (r < 0.25) {
                    input = { h: '127.0.0.1', p: open.port, t: 10 };
                    expect = { state: 'open' };
                } else if (r < 0.5) {
                    input = { h: '127.0.0.1', p: refused, t: 10 };
                    expect = { state: 'closed' };
                } else if (r < 0.7) {
                    input = { h: '127.0.0.1', p: filtered.port, t: [0.05, 0.1, 0.2][n % 3] };
                    expect = { state: 'filtered' };
                } else if (r < 0.85) {
                    const [bad, code] = invalids[n % invalids.length];
                    input = { ...bad };
                    expect = { error: code };
                } else if (r < 0.93) {
                    input = { h: `n${n}.no-such-host.test`, p: 80, t: 10 };
                    expect = { error: 'CANNOT_RESOLVE' };
                } else {
                    // A slow DNS server: answered 150 ms late, then found open.
                    input = { h: `n${n % 500}.slow-dns.test`, p: open.port, t: 10 };
                    expect = { state: 'open' };
                }
                plan[n] = { node, input, expect, id: undefined };
            }

            // The cap: probe sockets not yet destroyed, sampled (the open port is
            // served by a child process, so its accepted sockets are not ours).
            const tracker = trackSockets();
            let maxSockets = 0;
            const sampler = setInterval(() => {
                maxSockets = Math.max(maxSockets, tracker.live());
            }, 10);

            const started = Date.now();
            const CHUNK = 2000;
            for (let n = 0; n < COUNT; n++) {
                const item = plan[n];
                const msg = { n, ...item.input };
                item.node.node.receive(msg);
                item.id = msg._msgid;
                if (n % CHUNK === CHUNK - 1) {
                    resetHelperHistory(helper);
                    await new Promise((resolve) => setImmediate(resolve));
                }
            }
            const fed = Date.now() - started;
            const settledCount = () => watchers.reduce((sum, w) => sum + w.settledCount, 0);
            await waitUntil(() => {
                resetHelperHistory(helper);
                return settledCount() >= COUNT && out.total + caught.total >= COUNT;
            }, scale(150000, 1700000), () => `settled ${settledCount()}, out ${out.total}, caught ${caught.total} of ${COUNT}`, 100);
            const elapsed = Date.now() - started;
            // Room for a wrong second outcome to show up.
            await new Promise((resolve) => setTimeout(resolve, 300));
            clearInterval(sampler);
            tracker.restore();

            assert.strictEqual(settledCount(), COUNT, 'one done() per message');
            for (const w of watchers) {
                for (const [id, entry] of w.completes) assert.strictEqual(entry.count, 1, `done() ${entry.count} times for ${id}`);
                for (const [id, count] of w.sends) assert.strictEqual(count, 1, `sent ${count} times: ${id}`);
            }
            assert.strictEqual(out.total + caught.total, COUNT, `out ${out.total} + caught ${caught.total}`);

            const tally = { open: 0, closed: 0, filtered: 0, errorsCaught: 0, errorsSent: 0 };
            for (let n = 0; n < COUNT; n++) {
                const { node, input, expect, id } = plan[n];
                const sent = out.byN.get(n) || [];
                const raised = caught.byN.get(n) || [];
                const where = `message ${n} (${node.id}, ${JSON.stringify(input)})`;
                assert.strictEqual(sent.length + raised.length, 1, `${where}: ${sent.length} outputs, ${raised.length} catches`);
                const msg = sent[0] || raised[0];
                assert.strictEqual(msg._msgid, id, `${where}: _msgid`);
                const watcher = watchers[nodes.indexOf(node)];
                const completion = watcher.completes.get(id);
                assert.ok(completion, `${where}: done() at its own node`);
                if (expect.state) {
                    assert.strictEqual(raised.length, 0, `${where}: raised ${raised[0] && raised[0].error.message}`);
                    assert.strictEqual(msg.portCheck.state, expect.state, `${where}: state ${msg.portCheck.state}, error ${JSON.stringify(msg.portCheck.error)}`);
                    const match = node.check === 'open' ? expect.state === 'open' : expect.state !== 'open';
                    assert.strictEqual(msg.payload, match, `${where}: payload`);
                    assert.strictEqual(completion.err, undefined);
                    tally[expect.state]++;
                } else if (node.continueOnError) {
                    assert.strictEqual(sent.length, 1, `${where}: Continue On Error sends it on`);
                    assert.strictEqual(msg.payload, false, `${where}: an error never yields true`);
                    assert.strictEqual(msg.portCheck.error.code, expect.error, `${where}: ${JSON.stringify(msg.portCheck.error)}`);
                    assertErrorText(msg.portCheck.error.message, expect.error);
                    assert.strictEqual(msg.portCheck.state, undefined, `${where}: an error is not a state`);
                    assert.strictEqual(completion.err, undefined);
                    tally.errorsSent++;
                } else {
                    assert.strictEqual(raised.length, 1, `${where}: raised to Catch`);
                    assert.strictEqual(msg.error.code, expect.error, `${where}: ${msg.error.message}`);
                    assertErrorText(msg.error.message, expect.error);
                    assert.ok(completion.err instanceof Error, `${where}: done(err)`);
                    tally.errorsCaught++;
                }
            }
            assert.ok(maxSockets <= NODES.length * CAP, `at most ${NODES.length} x ${CAP} sockets at once, saw ${maxSockets}`);
            assert.ok(maxSockets >= CAP, `the cap was reached (saw ${maxSockets} sockets at once)`);
            assert.deepStrictEqual(failures.failures, []);
            // Every socket and timer of the run is gone again.
            await waitUntil(() => snapshot().fds <= baseline.fds && Object.keys(resourcesAbove(baseline.resources)).length === 0, 5000,
                () => `fds ${baseline.fds} -> ${snapshot().fds}, above baseline: ${JSON.stringify(resourcesAbove(baseline.resources))}`);

            console.log(`      ${COUNT} messages: fed in ${fed} ms, all settled after ${elapsed} ms; ` +
                `${JSON.stringify(tally)}; at most ${maxSockets} sockets at once; ` +
                `${dnsServer.stats.queries} DNS queries answered on 127.0.0.1; fds ${baseline.fds} -> ${snapshot().fds}; ` +
                `rss ${mb(process.memoryUsage().rss)} MB`);
        } finally {
            failures.restore();
        }
    });
});
