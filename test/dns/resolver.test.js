'use strict';
// The node's resolver (src/dns/resolver.ts) against a DNS server of the
// test's own on 127.0.0.1 (test/lib/reliability-dns.js) and resolver files
// in a directory of the test's own: one query per name however many ask,
// answers kept for their TTL and failures briefly, the hosts file and the
// search list as the system resolver applies them, a deadline, the system
// resolver asked a few at a time and only where it knows more, and a
// burst that leaves libuv's thread pool to the rest of the process.
const assert = require('assert');
const dns = require('dns');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const { DnsResolver, preferredOrder } = require('../../lib/dns/resolver.js');
const { ResolverFiles } = require('../../lib/dns/files.js');
const { startDnsServer } = require('../lib/reliability-dns');

function lookupOf(resolver, name) {
    return new Promise((resolve) => resolver.lookup(name, (err, addresses) => resolve(err ? { code: err.code } : { addresses })));
}

describe('dns/resolver.ts: names without the thread pool', function () {
    this.timeout(20000);
    let server;
    let etc;
    const answers = new Map();
    before(async function () {
        // A value of `answers` is the answer, or a function that gives it (for a server that changes its mind).
        server = await startDnsServer((name) => {
            const answer = answers.get(name);
            return typeof answer === 'function' ? answer() : answer ?? 'nxdomain';
        });
    });
    after(async function () {
        await server.close();
    });
    beforeEach(function () {
        etc = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-etc-'));
        answers.clear();
    });
    afterEach(function () {
        fs.rmSync(etc, { recursive: true, force: true });
    });
    const resolverWith = (files = {}, options = {}) => {
        for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(etc, file), text);
        return new DnsResolver({ files: new ResolverFiles(etc), servers: [server.server], ...options });
    };

    it('asks once for a name fifty messages ask for at once, and keeps the answer for its TTL', async function () {
        answers.set('svc.test', { addresses: ['127.0.0.7', '::1'], ttl: 60 });
        const resolver = resolverWith();
        const before = server.stats.queries;
        const all = await Promise.all(Array.from({ length: 50 }, () => lookupOf(resolver, 'svc.test')));
        assert.ok(all.every((r) => r.addresses && r.addresses.length === 2), JSON.stringify(all[0]));
        assert.strictEqual(server.stats.queries - before, 2, 'one A and one AAAA query for all fifty');
        await lookupOf(resolver, 'SVC.test.');
        assert.strictEqual(server.stats.queries - before, 2, 'the same name, cached');
    });

    it('asks again once the TTL has run out', async function () {
        answers.set('short.test', { addresses: ['127.0.0.8'], ttl: 1 });
        const resolver = resolverWith();
        await lookupOf(resolver, 'short.test');
        const after = server.stats.queries;
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await lookupOf(resolver, 'short.test');
        assert.strictEqual(server.stats.queries - after, 2);
    });

    it('"no such name" is kept a few seconds; .invalid is answered without asking', async function () {
        const resolver = resolverWith();
        assert.deepStrictEqual(await lookupOf(resolver, 'gone.test'), { code: 'ENOTFOUND' });
        const after = server.stats.queries;
        assert.deepStrictEqual(await lookupOf(resolver, 'gone.test'), { code: 'ENOTFOUND' });
        assert.deepStrictEqual(await lookupOf(resolver, 'x.invalid'), { code: 'ENOTFOUND' });
        assert.strictEqual(server.stats.queries, after);
    });

    it('answers from the hosts file first, and applies the search list and ndots of resolv.conf', async function () {
        answers.set('db.corp.test', { addresses: ['127.0.0.9'] });
        const resolver = resolverWith({ hosts: '127.0.0.10 printer.lab\n', 'resolv.conf': 'search other.test corp.test\noptions ndots:1\n' });
        const before = server.stats.queries;
        assert.deepStrictEqual(await lookupOf(resolver, 'printer.lab'), { addresses: [{ address: '127.0.0.10', family: 4 }] });
        assert.strictEqual(server.stats.queries, before, 'the hosts file answered');
        assert.deepStrictEqual(await lookupOf(resolver, 'db'), { addresses: [{ address: '127.0.0.9', family: 4 }] });
        assert.ok(server.stats.names.has('db.other.test') && server.stats.names.has('db.corp.test'), [...server.stats.names].join(' '));
        assert.ok(!server.stats.names.has('db'), 'found in the search list before the name alone was asked');
    });

    it('a server that never answers: "did not answer" (ETIMEOUT) at the lookup\'s deadline', async function () {
        answers.set('silent.test', 'swallow');
        const resolver = resolverWith({}, { deadlineMs: 300 });
        const started = performance.now();
        assert.deepStrictEqual(await lookupOf(resolver, 'silent.test'), { code: 'ETIMEOUT' });
        const ms = performance.now() - started;
        assert.ok(ms >= 290 && ms < 600, `${ms} ms`);
    });

    it('a waiter with a longer Timeout keeps the lookup going: asked again after c-ares gives up, the late answer taken', async function () {
        // Silent for the first 600 ms, then it answers: as a DNS server coming back, or one whose answers were lost.
        const silentUntil = performance.now() + 600;
        answers.set('late.test', () => (performance.now() < silentUntil ? 'swallow' : { addresses: ['127.0.0.11'] }));
        const resolver = resolverWith({}, { deadlineMs: 300, queryTimeoutMs: 300, tries: 1 });
        const started = performance.now();
        const lookupFor = (timeoutMs) => new Promise((resolve) => resolver.lookup('late.test',
            (err, addresses) => resolve({ ...(err ? { code: err.code } : { addresses }), ms: performance.now() - started }), timeoutMs));
        // One waiter with no Timeout of its own (the deadline, 300 ms), and one that waits 3 s: both get the answer.
        const [short, long] = await Promise.all([lookupFor(undefined), lookupFor(3000)]);
        for (const result of [short, long]) {
            assert.deepStrictEqual(result.addresses, [{ address: '127.0.0.11', family: 4 }], JSON.stringify(result));
            assert.ok(result.ms >= 590 && result.ms < 2500, `${result.ms} ms`);
        }
        // Alone, the short waiter gets "did not answer" at the deadline, as before.
        answers.set('late2.test', 'swallow');
        const alone = await new Promise((resolve) => resolver.lookup('late2.test', (err) => resolve(err && err.code)));
        assert.strictEqual(alone, 'ETIMEOUT');
    });

    it('asks the system resolver only for names DNS does not know, when it knows more; a few at a time', async function () {
        let running = 0;
        let most = 0;
        const asked = [];
        const systemLookup = (name, callback) => {
            asked.push(name);
            most = Math.max(most, ++running);
            setTimeout(() => {
                running--;
                callback(null, [{ address: '127.0.0.11', family: 4 }]);
            }, 30);
        };
        const plain = resolverWith({ 'nsswitch.conf': 'hosts: files dns\n' }, { systemLookup });
        assert.deepStrictEqual(await lookupOf(plain, 'nowhere.test'), { code: 'ENOTFOUND' });
        assert.deepStrictEqual(asked, [], 'files and dns only: nothing more to ask');

        const more = resolverWith({ 'nsswitch.conf': 'hosts: files mdns4_minimal [NOTFOUND=return] dns\n' }, { systemLookup });
        const names = Array.from({ length: 10 }, (_, i) => `printer${i}.local`);
        const before = server.stats.queries;
        const all = await Promise.all(names.map((name) => lookupOf(more, name)));
        assert.ok(all.every((r) => r.addresses && r.addresses[0].address === '127.0.0.11'));
        assert.strictEqual(server.stats.queries, before, '.local names go to mDNS, not to unicast DNS');
        assert.strictEqual(most, 2, 'two system lookups at a time');
        assert.deepStrictEqual(await lookupOf(more, 'unknown.test'), { addresses: [{ address: '127.0.0.11', family: 4 }] },
            'DNS said no such name; the system resolver found it');
    });

    it('orders addresses as the runtime prefers: IPv4 first (Node-RED), IPv6 first, or IPv6 first for verbatim', function () {
        const mixed = [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }, { address: '::2', family: 6 }];
        assert.deepStrictEqual(preferredOrder(mixed, 'ipv4first').map((a) => a.address), ['127.0.0.1', '::1', '::2']);
        assert.deepStrictEqual(preferredOrder(mixed, 'verbatim').map((a) => a.address), ['::1', '::2', '127.0.0.1']);
    });

    it('a burst of 256 names answered in 200 ms each resolves in about 200 ms, and leaves the thread pool free', async function () {
        for (let i = 0; i < 256; i++) answers.set(`n${i}.burst.test`, { addresses: ['127.0.0.1'], delayMs: 200 });
        const resolver = resolverWith();
        const started = performance.now();
        const burst = Promise.all(Array.from({ length: 256 }, (_, i) => lookupOf(resolver, `n${i}.burst.test`)));
        // Meanwhile another part of the process resolves localhost through the thread pool.
        const local = await new Promise((resolve) => {
            const t0 = performance.now();
            dns.lookup('localhost', () => resolve(performance.now() - t0));
        });
        const all = await burst;
        const ms = performance.now() - started;
        assert.ok(all.every((r) => r.addresses), `${all.filter((r) => !r.addresses).length} failed`);
        assert.ok(ms < 1000, `the burst took ${ms} ms`);
        assert.ok(local < 100, `dns.lookup('localhost') took ${local} ms during the burst`);
    });
});
