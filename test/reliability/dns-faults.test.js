'use strict';
// Reliability: DNS faults. Names that do not resolve (.invalid), a
// resolver that never answers (the pool's injectable lookup, src/probe/pool.ts), and a real
// resolver that is slow: a DNS server on 127.0.0.1 that swallows queries,
// asked through `new dns.Resolver()` (setServers(['127.0.0.1:PORT'])) wrapped
// as a Lookup in test/lib/reliability-dns.js. Each gives "Cannot resolve
// host" within the timeout plus a small margin, never `true`, never
// `closed`; a late answer changes nothing. Through the node too, with the
// node's own resolver pointed at that server (settings.js
// portCheck.dnsServers), so no query leaves the machine; `.invalid` names
// are answered "no such name" without a query (RFC 6761).
const assert = require('assert');
const { performance } = require('perf_hooks');
const { probePort } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { listenOpen, closedPort } = require('../lib/net-fixtures');
const { messageDrivenFlow, loadFlow, sink, helper, IDS } = require('../lib/reliability-flows');
const { assertErrorText, watchNode, waitUntil, watchProcessFailures, scale } = require('../lib/reliability-harness');
const { startDnsServer, resolverLookup, localResolver } = require('../lib/reliability-dns');

/** How late past its timeout a probe may answer: "a few milliseconds", with room for a busy 2-core machine. */
const MARGIN_MS = 150;

describe('reliability: DNS faults', function () {
    this.timeout(scale(60000, 300000));
    let dnsServer;
    let open;
    let refused;
    const resolvers = [];
    let failures;

    /** A Lookup asking the local DNS server through dns.Resolver. */
    function viaServer(options) {
        const resolver = localResolver(dnsServer.server, options);
        resolvers.push(resolver);
        return resolverLookup(resolver);
    }

    before(async function () {
        open = await listenOpen('127.0.0.1');
        refused = await closedPort();
        dnsServer = await startDnsServer((name) => {
            if (name.endsWith('.invalid')) return 'nxdomain';
            if (name.endsWith('.loop.test')) return { addresses: ['127.0.0.1'] };
            if (name.endsWith('.late.test')) return { addresses: ['127.0.0.1'], delayMs: 600 };
            return 'swallow'; // *.slow.test and anything else: never answered
        });
        failures = watchProcessFailures();
    });
    after(async function () {
        for (const resolver of resolvers) resolver.cancel();
        await new Promise((resolve) => setTimeout(resolve, 50)); // the cancelled queries call back
        failures.restore();
        assert.deepStrictEqual(failures.failures, [], 'no unhandled rejection or uncaught exception');
        await dnsServer.close();
        await open.close();
    });

    /** Probes and times it. */
    async function timedProbe(host, port, timeoutMs, lookup) {
        const started = performance.now();
        const result = await probePort(parseHost(host), port, timeoutMs, lookup);
        return { result, elapsed: performance.now() - started };
    }

    function assertCannotResolve(result, host, where) {
        assert.strictEqual(result.state, undefined, `${where}: no state without an address (got ${result.state})`);
        assert.ok(result.error, `${where}: an error`);
        assert.strictEqual(result.error.code, 'CANNOT_RESOLVE', `${where}: ${result.error.code}`);
        assert.strictEqual(result.error.params.host, host);
    }

    it('the local resolver works: a name it answers with 127.0.0.1 is found open, so the faults below are the resolver\'s', async function () {
        const lookup = viaServer({ timeout: 2000, tries: 1 });
        const { result } = await timedProbe('svc.loop.test', open.port, 2000, lookup);
        assert.strictEqual(result.state, 'open');
        assert.strictEqual(result.address, '127.0.0.1');
        const refusedResult = (await timedProbe('svc.loop.test', refused, 2000, lookup)).result;
        assert.strictEqual(refusedResult.state, 'closed');
    });

    it('.invalid names (NXDOMAIN from a real resolver on 127.0.0.1): "Cannot resolve host" at once, 200 in parallel', async function () {
        // 400 UDP queries at once (A and AAAA): one may be dropped on a busy machine, so the resolver retries.
        const lookup = viaServer({ timeout: 400, tries: 4 });
        const runs = await Promise.all(Array.from({ length: 200 }, (_, i) => timedProbe(`n${i}.no-such-host.invalid`, 80, 5000, lookup)));
        for (const [i, { result, elapsed }] of runs.entries()) {
            assertCannotResolve(result, `n${i}.no-such-host.invalid`, `name ${i}`);
            assert.strictEqual(result.error.systemCode, 'ENOTFOUND');
            assert.ok(elapsed < 4000, `answered after ${Math.round(elapsed)} ms, not at the timeout`);
        }
    });

    it('the system resolver: one .invalid name gives "Cannot resolve host"', async function () {
        const { result } = await timedProbe('no-such-host.invalid', 80, 5000);
        assertCannotResolve(result, 'no-such-host.invalid', 'system resolver');
    });

    it('an injected lookup that never calls back: "Cannot resolve host" within the timeout + margin, for each timeout', async function () {
        const neverAnswers = () => {};
        for (const timeoutMs of [50, 200, 500]) {
            const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => timedProbe(`h${i}.never.test`, 80, timeoutMs, neverAnswers)));
            for (const { result, elapsed } of runs) {
                assertCannotResolve(result, result.error && result.error.params.host, `timeout ${timeoutMs}`);
                assert.ok(elapsed >= timeoutMs - 2 && elapsed < timeoutMs + MARGIN_MS, `timeout ${timeoutMs} ms: answered after ${Math.round(elapsed)} ms`);
            }
        }
    });

    it('a real resolver that never answers (queries swallowed on 127.0.0.1): "Cannot resolve host" within the timeout + margin', async function () {
        // The resolver itself would give up only after 5 s x 2 tries.
        const lookup = viaServer({ timeout: 5000, tries: 2 });
        const before = dnsServer.stats.swallowed;
        for (const timeoutMs of [100, 300]) {
            const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => timedProbe(`h${i}.t${timeoutMs}.slow.test`, 80, timeoutMs, lookup)));
            for (const [i, { result, elapsed }] of runs.entries()) {
                assertCannotResolve(result, `h${i}.t${timeoutMs}.slow.test`, `timeout ${timeoutMs}`);
                assert.ok(elapsed >= timeoutMs - 2 && elapsed < timeoutMs + MARGIN_MS, `timeout ${timeoutMs} ms: answered after ${Math.round(elapsed)} ms`);
            }
        }
        assert.ok(dnsServer.stats.swallowed > before, 'the queries did reach the local server');
    });

    it('a late answer (600 ms, timeout 200 ms) changes nothing: one result, "Cannot resolve host"', async function () {
        const lookup = viaServer({ timeout: 3000, tries: 1 });
        const calls = [];
        const counting = (name, cb) => lookup(name, (...args) => {
            calls.push(name);
            cb(...args);
        });
        const results = [];
        const host = parseHost('svc.late.test');
        const started = performance.now();
        await new Promise((resolve) => {
            probePort(host, open.port, 200, counting).then((r) => {
                results.push({ r, at: performance.now() - started });
                resolve();
            });
        });
        await waitUntil(() => calls.length === 1, 3000, () => 'the late answer never came');
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.strictEqual(results.length, 1);
        assertCannotResolve(results[0].r, 'svc.late.test', 'late answer');
        assert.ok(results[0].at < 200 + MARGIN_MS, `answered after ${Math.round(results[0].at)} ms`);
    });

    describe('through the node', function () {
        // The node asks the local DNS server (portCheck.dnsServers): *.slow.test is swallowed.
        before(function () {
            helper.settings({ portCheck: { dnsServers: [dnsServer.server] } });
        });
        after(async function () {
            await helper.unload();
            helper.settings({});
        });

        it('"Port is closed" on names that do not resolve, or whose resolver never answers: never true, never closed', async function () {
            const nodes = [
                { id: 'strict', check: 'closed', continueOnError: false },
                { id: 'lenient', check: 'closed', continueOnError: true },
            ];
            await loadFlow(messageDrivenFlow(nodes));
            const watchers = nodes.map((n) => watchNode(helper.getNode(n.id)));
            const out = sink('out');
            const caught = sink('caught');
            const cases = [];
            let n = 0;
            for (const node of nodes) {
                for (const [host, port, t] of [
                    ['svc.slow.test', 80, 0.3], ['svc.slow.test', `80,${refused},443`, 0.3], ['other.slow.test', refused, 0.1],
                    ['no-such-host.invalid', 80, 2], ['no-such-host.invalid', `${refused},${open.port}`, 2],
                ]) {
                    const msg = { n: n++, h: host, p: port, t };
                    cases.push({ ...msg, node, started: performance.now() });
                    helper.getNode(node.id).receive(msg);
                }
            }
            const arrival = new Map();
            helper.getNode(IDS.out).on('input', (m) => arrival.set(m.n, performance.now()));
            helper.getNode(IDS.caught).on('input', (m) => arrival.set(m.n, performance.now()));
            await waitUntil(() => out.total + caught.total >= cases.length, 5000, () => `${out.total + caught.total} of ${cases.length}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
            for (const c of cases) {
                const where = `${c.node.id}: ${c.h} port ${c.p}, timeout ${c.t} s`;
                const sent = out.byN.get(c.n) || [];
                const raised = caught.byN.get(c.n) || [];
                assert.strictEqual(sent.length + raised.length, 1, `${where}: one outcome`);
                const msg = sent[0] || raised[0];
                const error = raised.length ? msg.error : msg.portCheck.error;
                assert.ok(error, `${where}: an error, not ${JSON.stringify(msg.portCheck)}`);
                assert.strictEqual(error.code, 'CANNOT_RESOLVE', where);
                assertErrorText(error.message, 'CANNOT_RESOLVE');
                assert.strictEqual(raised.length === 1, !c.node.continueOnError, `${where}: Catch only without Continue On Error`);
                if (sent.length) {
                    assert.strictEqual(msg.payload, false, `${where}: never true`);
                    for (const r of msg.portCheck.results || [msg.portCheck]) {
                        assert.notStrictEqual(r.state, 'closed', `${where}: never closed`);
                        assert.strictEqual(r.state, undefined, `${where}: no state`);
                    }
                }
                const elapsed = arrival.get(c.n) - c.started;
                if (c.h.endsWith('.slow.test')) {
                    assert.ok(elapsed < c.t * 1000 + MARGIN_MS, `${where}: answered after ${Math.round(elapsed)} ms`);
                }
            }
            for (const w of watchers) {
                for (const [id, e] of w.completes) assert.strictEqual(e.count, 1, `done() ${e.count} times for ${id}`);
            }
        });
    });
});
