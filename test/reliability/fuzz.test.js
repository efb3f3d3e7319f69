'use strict';
// Reliability: bad input. Property-based tests (fast-check) over hosts,
// ports, timeouts, delays, check values and concurrency of every JS type:
//  - the parsers themselves, 10,000 cases (200,000 under soak): each input
//    gives a valid value or a PortCheckError of the catalogue, whose text
//    starts with the error's phrase; never another exception;
//  - through the node, 3,000 messages (30,000 under soak) with IP, Port and
//    Timeout from msg TypedInputs: each message ends in exactly one valid
//    result or one catalogue error;
//  - node configs (Delay Before/After, Check Port, Continue On Error, Max
//    concurrent), 40 flows (400 under soak) through helper.load: each
//    message is settled exactly once (an output, a Catch, or done() by the
//    redeploy while a long valid delay runs), never a hang or a crash.
// No unhandled rejection or uncaught exception fires meanwhile. Every
// connect stays on loopback: generated host names are answered by a DNS
// server of the test's own that the node is pointed at (portCheck.dnsServers;
// `*.invalid`: not found, RFC 6761; other names: 127.0.0.1), IP literals
// outside loopback are swapped for 127.0.0.1 before sending, and
// a guard around net.Socket#connect records any connect elsewhere (none).
const assert = require('assert');
const net = require('net');
const fc = require('fast-check');
const { helper, loadFlow, sink, openPortProcess, settleThenRedeploy } = require('../lib/reliability-flows');
const { closedPort } = require('../lib/net-fixtures');
// The parsers, by the names the cases use.
const ports = {
    ...require('../../lib/parse/hosts.js'),
    ...require('../../lib/parse/ports.js'),
    ...require('../../lib/parse/numbers.js'),
    ...require('../../lib/parse/options.js'),
};
const { PortCheckError } = require('../../lib/errors.js');
const {
    scale, errorPhrases, assertErrorText, translate, watchNode, waitUntil, resetHelperHistory, guardConnects,
    watchProcessFailures, isLoopback, SOAK,
} = require('../lib/reliability-harness');
const { startDnsServer } = require('../lib/reliability-dns');

const PARSER_RUNS = scale(10000, 200000);
const NODE_RUNS = scale(3000, 30000);
const CONFIG_RUNS = scale(40, 400);
const SEED = Number(process.env.PORT_CHECK_FUZZ_SEED) || (SOAK ? Date.now() % 0x7fffffff : 0x5eed);

// ---- arbitraries ------------------------------------------------------------

const tricky = [
    '', ' ', '   ', '\t', '\n', 'null', 'undefined', 'NaN', 'Infinity', '-Infinity', 'true', '[]', '{}',
    '8.5', '-1', '0', '1e3', '0x50', '0b1', '0o17', '+80', '080', ' 80 ', '80 ', '80abc', '65535', '65536', '99999',
    '1,2', '22,80,443', '8000-8010', '8010-8000', '1-3,2-4', '- 1', ',', ',,', '-', '1-', '-1-2', '1,,2', '１２３',
    'localhost', 'LOCALHOST', 'localhost.', 'a.localhost', '127.0.0.1', '127.1', '127.0.0.256', '::1', '[::1]', '[::1]:80',
    '[127.0.0.1]', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', 'http://127.0.0.1', 'https://localhost:80/x', 'tcp://a', '127.0.0.1:80',
    'localhost:80', 'a b', ' a', 'a\u00a0b', 'ドメイン.invalid', 'bücher.invalid', 'xn--bcher-kva.invalid', 'a..b.invalid',
    '.invalid', 'no-such-host.invalid', '-a.invalid', 'a-.invalid', '_srv.invalid', '😀.invalid', 'a/b', 'a\\b', 'a@b', 'a?b',
    'a#b', 'a%20b', 'a,b', 'localhost,127.0.0.1', '127.0.0.1, ::1', `${'a'.repeat(63)}.invalid`, `${'a'.repeat(64)}.invalid`,
    `${'a.'.repeat(130)}invalid`, 'a'.repeat(253), 'a'.repeat(254), 'a'.repeat(300), '\u0000', '\u202e', '\ud800', '0.25', '.5',
    '5.', '1e-3', ' 0.1 ', '2147483', '2147484', 'open', 'closed', 'Open', 'filtered', ' open',
];
const trickyNumbers = [
    0, -0, 1, -1, 8.5, 0.05, 0.25, 1e3, 0x50, 80, 443, 65535, 65536, 2 ** 31, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE,
    Number.EPSILON, NaN, Infinity, -Infinity, 1e-9, 2147483, 2147484,
];

/** Values of every JS type, weighted towards the ones that trip parsers. */
const anyValue = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...tricky) },
    { weight: 3, arbitrary: fc.constantFrom(...trickyNumbers) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789.,-: []abxz/'.split('')), maxLength: 16 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 240, maxLength: 320 }) },
    { weight: 2, arbitrary: fc.integer({ min: -100000, max: 100000 }) },
    { weight: 2, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.domain().map((d) => `${d}.invalid`) },
    { weight: 1, arbitrary: fc.webUrl() },
    { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.constantFrom(...tricky)), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, true, false, {}, [], [[]], { port: 80 }, () => 80, Symbol('x'), 10n, new Date(0), /80/) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

// ---- the parsers --------------------------------------------------------------

/** Calls a parser: its value, or the PortCheckError it threw (anything else fails the test). */
function attempt(parse, value) {
    try {
        return { value: parse(value) };
    } catch (err) {
        if (!(err instanceof PortCheckError)) {
            throw new Error(`${parse.name}(${safeString(value)}) threw ${err && err.stack || err}, not a PortCheckError`, { cause: err });
        }
        const phrases = errorPhrases();
        assert.ok(phrases[err.code], `${parse.name}: code ${err.code} is not in the catalogue`);
        const text = translate(`port-check.errors.${err.code}`, err.params);
        assertErrorText(text, err.code);
        const template = require('../../nodes/locales/en-US/port-check.json')['port-check'].errors[err.code];
        for (const [, name] of template.matchAll(/__(\w+)__/g)) {
            assert.ok(err.params && typeof err.params[name] === 'string', `${err.code}: no value for __${name}__ (${safeString(value)})`);
        }
        return { error: err, text };
    }
}

function safeString(value) {
    try {
        if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value);
        if (typeof value === 'symbol' || typeof value === 'function' || typeof value === 'bigint') return String(value);
        return JSON.stringify(value) ?? String(value);
    } catch {
        return Object.prototype.toString.call(value);
    }
}

function checkPorts(value) {
    const r = attempt(ports.parsePorts, value);
    if (r.error) return r;
    const list = r.value.ports;
    assert.ok(list.length > 0, `parsePorts(${safeString(value)}) gave no port`);
    for (const port of list) assert.ok(Number.isInteger(port) && port >= 1 && port <= 65535, `port ${port}`);
    assert.strictEqual(new Set(list).size, list.length, 'no port twice');
    // The examples of bad numbers in docs/architecture.md are never taken.
    if ([8.5, -1, 0, 65536].includes(value) || (typeof value === 'number' && !Number.isInteger(value))) {
        assert.fail(`parsePorts(${safeString(value)}) accepted ${list}`);
    }
    if (typeof value === 'string' && /^\s*(0x|0b|0o)|e/i.test(value.trim()) && !/,|-/.test(value)) {
        assert.fail(`parsePorts(${safeString(value)}) accepted ${list}`);
    }
    return r;
}

function checkHost(value) {
    const r = attempt(ports.parseHost, value);
    if (r.error) return r;
    const { host, target, ipFamily } = r.value;
    assert.ok(typeof target === 'string' && target.length > 0 && target.length <= 253, `target ${safeString(target)}`);
    assert.ok(!/\s/.test(target), `target with spaces: ${safeString(target)}`);
    assert.ok([0, 4, 6].includes(ipFamily));
    // A name the URL host parser reads as IPv4 ('0x7f.1', full-width digits) once
    // came back as ipFamily 0 with an IPv4 target (regressions.test.js).
    assert.strictEqual(ipFamily, net.isIP(target), `${safeString(value)} gave target ${target} with ipFamily ${ipFamily}`);
    assert.ok(typeof host === 'string' && host.length > 0);
    if (typeof value === 'string') {
        assert.ok(!/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()), `URL accepted: ${safeString(value)}`);
        if (ipFamily === 0) assert.ok(!value.includes(':'), `host:port accepted: ${safeString(value)}`);
    }
    return r;
}

function checkSeconds(parse, value, min) {
    const r = attempt(parse, value);
    if (r.error) return r;
    assert.ok(Number.isInteger(r.value) && r.value >= min && r.value <= 0x7fffffff, `${parse.name}(${safeString(value)}) = ${r.value}`);
    return r;
}

describe('reliability: bad input (property-based)', function () {
    this.timeout(scale(120000, 1800000));
    let processFailures;
    before(function () {
        processFailures = watchProcessFailures();
    });
    after(function () {
        processFailures.restore();
        assert.deepStrictEqual(processFailures.failures, [], 'no unhandled rejection or uncaught exception');
    });

    it(`parsers: ${PARSER_RUNS.toLocaleString('en-US')} cases of every JS type give a value or a catalogue error`, function () {
        const tally = { valid: 0, errors: {} };
        const count = (r) => {
            if (r.error) tally.errors[r.error.code] = (tally.errors[r.error.code] || 0) + 1;
            else tally.valid++;
        };
        fc.assert(fc.property(anyValue, anyValue, anyValue, anyValue, anyValue, (host, port, timeout, delay, other) => {
            count(checkHost(host));
            if (typeof ports.parseHosts === 'function') {
                const list = attempt(ports.parseHosts, host);
                if (!list.error) assert.ok(list.value.hosts.length > 0);
                count(list);
            }
            count(checkPorts(port));
            count(checkSeconds(ports.parseTimeout, timeout, 1));
            count(checkSeconds((v) => ports.parseDelay(v, 'before'), delay, 0));
            const check = attempt(ports.parseCheck, other);
            if (!check.error) assert.ok(check.value === 'open' || check.value === 'closed');
            count(check);
            const cap = attempt(ports.parseConcurrency, other);
            if (!cap.error) assert.ok(Number.isInteger(cap.value) && cap.value >= 1 && cap.value <= 65535);
            count(cap);
        }), { numRuns: PARSER_RUNS, seed: SEED });

        console.log(`      seed ${SEED}: ${tally.valid} valid values, errors ${JSON.stringify(tally.errors)}`);
        assert.ok(Object.keys(tally.errors).length >= 6, 'the cases reached most errors');
    });

    it('parsers: the examples of docs/architecture.md give their errors', function () {
        for (const bad of ['80abc', '0', '65536', '8.5', '-1', '0x50', '8010-8000', 8.5, -1, 0, 65536, NaN, Infinity, {}, true]) {
            assert.strictEqual(attempt(ports.parsePorts, bad).error?.code, 'INVALID_PORT', `port ${safeString(bad)}`);
        }
        for (const empty of [undefined, null, '', '  ']) assert.strictEqual(attempt(ports.parsePorts, empty).error?.code, 'EMPTY_PORT');
        for (const bad of ['http://example.invalid', 'example.invalid:80', 'exa mple.invalid', 'a'.repeat(254), 'a'.repeat(300)]) {
            assert.strictEqual(attempt(ports.parseHost, bad).error?.code, 'INVALID_HOST', `host ${safeString(bad)}`);
        }
        for (const empty of [undefined, null, '', '   ']) assert.strictEqual(attempt(ports.parseHost, empty).error?.code, 'EMPTY_HOST');
        assert.deepStrictEqual(attempt(ports.parseHost, '[::1]').value, { host: '::1', target: '::1', ipFamily: 6 });
        for (const bad of [0, -2, 'soon', '', NaN, Infinity, null, {}]) {
            assert.strictEqual(attempt(ports.parseTimeout, bad).error?.code, 'INVALID_TIMEOUT', `timeout ${safeString(bad)}`);
        }
        assert.strictEqual(attempt(ports.parseTimeout, 0.25).value, 250);
        for (const bad of ['', 'maybe', null, undefined, 'OPEN', true]) {
            assert.strictEqual(attempt(ports.parseCheck, bad).error?.code, 'EMPTY_CHECK', `check ${safeString(bad)}`);
        }
    });

    describe('through the node', function () {
        let open;
        let refused;
        let dnsServer;
        let connectGuard;

        before(async function () {
            open = await openPortProcess();
            refused = await closedPort();
            // Generated names are answered by a DNS server of the test's own on 127.0.0.1, which the
            // node asks (portCheck.dnsServers): *.invalid never gets that far, any other name is 127.0.0.1.
            dnsServer = await startDnsServer(() => ({ addresses: ['127.0.0.1'] }));
            connectGuard = guardConnects();
        });
        after(async function () {
            connectGuard.restore();
            await helper.unload();
            helper.settings({});
            await open.close();
            await dnsServer.close();
        });
        beforeEach(function () {
            helper.settings({ portCheck: { dnsServers: [dnsServer.server] } });
        });
        afterEach(async function () {
            await helper.unload();
            assert.deepStrictEqual(connectGuard.violations, [], 'every connect stayed on loopback');
        });

        /** A host as sent: generated values, with IP literals off loopback swapped for 127.0.0.1. */
        function onLoopback(value) {
            const swap = (text) => {
                const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
                return net.isIP(trimmed) && !isLoopback(trimmed) ? '127.0.0.1' : text;
            };
            if (typeof value === 'string') return value.split(',').map(swap).join(',');
            if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? onLoopback(v) : v));
            return value;
        }

        /**
         * Long port lists are cut (each port is a connect); long valid timeouts are cut to 2 s
         * (a port nobody answers on loopback would hold the message that long).
         */
        function bounded(p, t) {
            const parsed = attempt(ports.parsePorts, p);
            const port = !parsed.error && parsed.value.ports.length > 32 ? parsed.value.ports.slice(0, 32).join(',') : p;
            const timeout = attempt(ports.parseTimeout, t);
            return [port, !timeout.error && timeout.value > 2000 ? 2 : t];
        }

        const hostValue = fc.oneof(
            { weight: 2, arbitrary: anyValue },
            { weight: 3, arbitrary: fc.constantFrom('127.0.0.1', '::1', '[::1]', 'localhost', '127.0.0.2', ' 127.0.0.1 ', 'LocalHost.') },
            { weight: 1, arbitrary: fc.domain() }, // valid names: answered 127.0.0.1 by the guard
            { weight: 1, arbitrary: fc.domain().map((d) => `${d}.invalid`) },
        );
        const portValue = fc.oneof(
            { weight: 2, arbitrary: anyValue },
            { weight: 3, arbitrary: fc.constantFrom('OPEN', 'REFUSED', 'BOTH') },
            { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
        );
        const timeoutValue = fc.oneof(
            { weight: 1, arbitrary: anyValue },
            { weight: 3, arbitrary: fc.constantFrom(0.2, '0.5', 1, ' 1 ', '.3', 2) },
        );

        it(`${NODE_RUNS.toLocaleString('en-US')} generated messages (IP, Port, Timeout from msg): one valid result or catalogue error each`, async function () {
            const nodes = [
                { id: 'fzOpen', check: 'open', continueOnError: false, concurrency: 64 },
                { id: 'fzClosed', check: 'closed', continueOnError: true, concurrency: 64 },
            ];
            const { messageDrivenFlow } = require('../lib/reliability-flows');
            await loadFlow(messageDrivenFlow(nodes));
            const live = nodes.map((n) => ({ ...n, node: helper.getNode(n.id) }));
            const watchers = live.map((n) => watchNode(n.node));
            const out = sink('out');
            const caught = sink('caught');
            const samples = fc.sample(fc.tuple(hostValue, portValue, timeoutValue), { numRuns: NODE_RUNS, seed: SEED });
            const plan = samples.map(([h, p, t], n) => {
                const port = p === 'OPEN' ? open.port : p === 'REFUSED' ? refused : p === 'BOTH' ? `${open.port},${refused}` : p;
                const [boundedPort, boundedTimeout] = bounded(port, t);
                return { n, node: live[n % live.length], input: { h: onLoopback(h), p: boundedPort, t: boundedTimeout } };
            });
            for (const item of plan) {
                const msg = { n: item.n, ...item.input };
                item.node.node.receive(msg);
                item.id = msg._msgid;
                if (item.n % 500 === 499) {
                    resetHelperHistory(helper);
                    await new Promise((resolve) => setImmediate(resolve));
                }
            }
            await waitUntil(() => out.total + caught.total >= NODE_RUNS, scale(60000, 600000),
                () => `${out.total + caught.total} of ${NODE_RUNS} outcomes; missing ${plan.filter((i) => !out.byN.has(i.n) && !caught.byN.has(i.n)).slice(0, 5).map((i) => safeString(i.input)).join(' ')}`);
            await new Promise((resolve) => setTimeout(resolve, 200));

            const tally = { states: {}, errors: {} };
            for (const item of plan) {
                const where = `seed ${SEED}, message ${item.n} to ${item.node.id}: ${safeString(item.input)}`;
                const sent = out.byN.get(item.n) || [];
                const raised = caught.byN.get(item.n) || [];
                assert.strictEqual(sent.length + raised.length, 1, `${where}: ${sent.length} outputs, ${raised.length} catches`);
                const msg = sent[0] || raised[0];
                assert.strictEqual(msg._msgid, item.id, `${where}: _msgid`);
                const watcher = watchers[live.indexOf(item.node)];
                assert.strictEqual(watcher.completes.get(item.id)?.count, 1, `${where}: done() once`);
                let error;
                if (raised.length) {
                    assert.ok(!item.node.continueOnError, `${where}: raised with Continue On Error on`);
                    error = msg.error;
                } else if (msg.portCheck && msg.portCheck.error) {
                    assert.ok(item.node.continueOnError, `${where}: sent with an error, Continue On Error off`);
                    assert.strictEqual(msg.payload, false, `${where}: an error never yields true`);
                    error = msg.portCheck.error;
                }
                if (error) {
                    assertErrorText(error.message, error.code);
                    tally.errors[error.code] = (tally.errors[error.code] || 0) + 1;
                    continue;
                }
                assert.strictEqual(typeof msg.payload, 'boolean', `${where}: payload`);
                const reports = Array.isArray(msg.portCheck.results) ? msg.portCheck.results : [msg.portCheck];
                assert.ok(reports.length > 0, where);
                for (const r of reports) {
                    assert.ok(['open', 'closed', 'filtered'].includes(r.state), `${where}: state ${r.state}`);
                    tally.states[r.state] = (tally.states[r.state] || 0) + 1;
                    // The open and the refused port answer at once; a short timeout on a busy
                    // machine may still run out first (filtered), never the other state.
                    const short = attempt(ports.parseTimeout, item.input.t).value < 1000;
                    if (r.port === open.port && r.address === '127.0.0.1') {
                        assert.ok(r.state === 'open' || (short && r.state === 'filtered'), `${where}: the open port on ${r.address} is ${r.state}`);
                    }
                    if (r.port === refused && r.address === '127.0.0.1') {
                        assert.ok(r.state === 'closed' || (short && r.state === 'filtered'), `${where}: the refused port is ${r.state}`);
                    }
                }
                const expected = item.node.check === 'open'
                    ? reports.every((r) => r.state === 'open')
                    : reports.every((r) => r.state !== 'open');
                assert.strictEqual(msg.payload, expected, `${where}: payload for ${item.node.check}`);
            }
            for (const w of watchers) for (const [id, c] of w.sends) assert.strictEqual(c, 1, `sent ${c} times: ${id}`);

            console.log(`      seed ${SEED}: states ${JSON.stringify(tally.states)}, errors ${JSON.stringify(tally.errors)}; ` +
                `${dnsServer.stats.names.size} names answered by the test's DNS server`);
        });

        // Big inputs (a message from an `http in` node can be anything): host
        // lists of thousands, port arrays of 100,000, nested arrays. Each ends in
        // a result or a catalogue error (TOO_MANY_PROBES over the limit), never
        // a crash, a hang or an unhandled rejection.
        const loopbackIp = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }))
            .map(([a, b, c]) => `127.${a}.${b}.${c}`);
        const bigHosts = fc.oneof(
            fc.array(loopbackIp, { minLength: 1000, maxLength: 5000 }),
            fc.array(loopbackIp, { minLength: 1000, maxLength: 5000 }).map((list) => list.join(',')),
            fc.array(fc.oneof(loopbackIp, fc.constantFrom('localhost', 'no-such.invalid', '', 'a b', '[::1]', 7)), { minLength: 2000, maxLength: 4000 }),
            fc.constantFrom([['127.0.0.1']], [[[]]], [null, '127.0.0.1'], Array(3000).fill('127.0.0.1'), '127.0.0.1,'.repeat(5000) + '127.0.0.1'),
        );
        const bigPorts = fc.oneof(
            fc.array(fc.integer({ min: -5, max: 70000 }), { minLength: 100000, maxLength: 100000 }),
            fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 100000, maxLength: 100000 }),
            fc.constantFrom([[80]], [[[]]], ['1-65535', [22]], '1-65535', '1-30', [1, 2, 3], Array(100000).fill(7)),
        );

        it('big inputs (host lists of thousands, port arrays of 100,000, nested arrays): one result or one catalogue error each', async function () {
            const nodes = [{ id: 'fzBig', check: 'closed', continueOnError: false, concurrency: 256 }];
            const { messageDrivenFlow } = require('../lib/reliability-flows');
            await loadFlow(messageDrivenFlow(nodes));
            const node = helper.getNode('fzBig');
            const watcher = watchNode(node);
            const out = sink('out');
            const caught = sink('caught');
            const cases = [
                ...fc.sample(fc.tuple(bigHosts, fc.constantFrom(refused, `${refused},${open.port}`)), { numRuns: 6, seed: SEED + 2 }),
                ...fc.sample(fc.tuple(fc.constant('127.0.0.1'), bigPorts), { numRuns: 6, seed: SEED + 3 }),
                ...fc.sample(fc.tuple(bigHosts, bigPorts), { numRuns: 4, seed: SEED + 4 }),
            ];
            const tally = { results: 0, errors: {} };
            for (const [n, [h, p]] of cases.entries()) {
                // One at a time: each may be a whole range, and what is measured is that each ends.
                node.receive({ n, h: onLoopback(h), p, t: 0.5 });
                await waitUntil(() => out.total + caught.total > n, 30000, () => `case ${n} (${safeString(h)} × ${safeString(p)}) did not end`);
                const msg = (out.byN.get(n) || caught.byN.get(n))[0];
                const error = caught.byN.has(n) ? msg.error : undefined;
                if (error) {
                    assertErrorText(error.message, error.code);
                    tally.errors[error.code] = (tally.errors[error.code] || 0) + 1;
                } else {
                    assert.strictEqual(typeof msg.payload, 'boolean', `case ${n}`);
                    tally.results++;
                }
                resetHelperHistory(helper);
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
            assert.strictEqual(watcher.settledCount, cases.length, 'every message settled');
            for (const [id, c] of watcher.sends) assert.strictEqual(c, 1, `sent ${c} times: ${id}`);
            assert.ok(tally.errors.TOO_MANY_PROBES >= 1, `the limit was reached: ${JSON.stringify(tally)}`);
            assert.ok(tally.results >= 1, `some big inputs were checked: ${JSON.stringify(tally)}`);

            console.log(`      ${cases.length} big inputs: ${JSON.stringify(tally)}`);
        });

        const delayValue = fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(0, '0', '', ' ', 0.01, '0.05', 0.1, null, undefined) },
            { weight: 1, arbitrary: fc.constantFrom(5, '60', 1e3, 2147483, ' 3 ') }, // valid but long: settled by the redeploy
            { weight: 2, arbitrary: anyValue },
        );
        const configValue = fc.record({
            delayBefore: delayValue,
            delayAfter: delayValue,
            check: fc.oneof(fc.constantFrom('open', 'closed'), anyValue),
            continueOnError: fc.oneof(fc.boolean(), anyValue),
            concurrency: fc.oneof(fc.constantFrom(1, 2, 64, '16', '', undefined), anyValue),
        });

        it(`${CONFIG_RUNS} generated node configs (delays, check, Continue On Error, Max concurrent): every message settled exactly once`, async function () {
            const configs = fc.sample(configValue, { numRuns: CONFIG_RUNS, seed: SEED + 1 });
            const tally = { sent: 0, caught: 0, settledByRedeploy: 0, errors: {} };
            for (const [index, raw] of configs.entries()) {
                // Flow JSON holds what JSON can: the config goes through a JSON round trip as a saved flow would.
                let config;
                try {
                    config = JSON.parse(JSON.stringify(raw, (key, value) => (typeof value === 'bigint' ? String(value) : value)) ?? '{}');
                } catch {
                    config = {};
                }
                const { messageDrivenFlow } = require('../lib/reliability-flows');
                const flowJson = messageDrivenFlow([{ id: 'rel-cfg-5e1f', ...config }]);
                // What the node is deployed with (a key the JSON round trip dropped keeps the flow's default).
                const def = flowJson.find((n) => n.id === 'rel-cfg-5e1f');
                const deployed = {
                    delayBefore: def.delayBefore, delayAfter: def.delayAfter, check: def.check,
                    continueOnError: def.continueOnError, concurrency: def.concurrency,
                };
                const where = `seed ${SEED + 1}, config ${index}: ${safeString(deployed)}`;
                const delays = [attempt((v) => ports.parseDelay(v, 'before'), def.delayBefore),
                    attempt((v) => ports.parseDelay(v, 'after'), def.delayAfter)];
                // An invalid delay or Max concurrent fails every message at once (the node
                // falls back to no delays); with valid delays, a message waits out Delay
                // Before even when Check Port is invalid, so a long delay may hold any message
                // until the redeploy.
                const optionsError = delays.some((d) => d.error) || attempt(ports.parseConcurrency, def.concurrency).error;
                const validConfig = !optionsError && !attempt(ports.parseCheck, def.check).error;
                const shortDelays = !optionsError && delays[0].value + delays[1].value <= 300;
                const settlesSoon = optionsError || shortDelays;
                await loadFlow(flowJson);
                const node = helper.getNode('rel-cfg-5e1f');
                const inputs = [
                    { n: 0, h: '127.0.0.1', p: open.port, t: 1 },
                    { n: 1, h: 'localhost', p: refused, t: 1 },
                    { n: 2, h: '127.0.0.1', p: '80abc', t: 1 },
                ];
                const { out, caught, settledByRedeploy } = await settleThenRedeploy(node, inputs.map((msg) => ({ ...msg })),
                    { settlesSoon, soonMs: 5000, where });
                tally.settledByRedeploy += settledByRedeploy;
                for (const msg of inputs) {
                    const sent = out.byN.get(msg.n) || [];
                    const raised = caught.byN.get(msg.n) || [];
                    assert.ok(sent.length + raised.length <= 1, `${where}: message ${msg.n} came out twice`);
                    const result = sent[0] || raised[0];
                    if (!result) {
                        assert.ok(!settlesSoon, `${where}: message ${msg.n} was only settled by the redeploy`);
                        continue;
                    }
                    const error = raised.length ? result.error : result.portCheck && result.portCheck.error;
                    if (raised.length) tally.caught++;
                    else tally.sent++;
                    if (error) {
                        assertErrorText(error.message, error.code);
                        tally.errors[error.code] = (tally.errors[error.code] || 0) + 1;
                        // Continue On Error is a checkbox: only `true` turns it on.
                        assert.strictEqual(raised.length === 1, def.continueOnError !== true, `${where}: message ${msg.n} raised or sent on`);
                        if (validConfig) assert.strictEqual(msg.n, 2, `${where}: message ${msg.n} failed with ${error.message}`);
                        if (!raised.length) assert.strictEqual(result.payload, false, `${where}: an error never yields true`);
                    } else {
                        assert.ok(validConfig, `${where}: an invalid config gave a result`);
                        const expectedState = msg.n === 0 ? 'open' : 'closed';
                        assert.strictEqual(result.portCheck.state, expectedState, where);
                    }
                }
            }

            console.log(`      seed ${SEED + 1}: ${JSON.stringify(tally)}`);
        });
    });
});
