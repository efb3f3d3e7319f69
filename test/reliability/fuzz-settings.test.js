'use strict';
// Reliability: bad settings of the real-network and service-check
// properties (IP version, Max rate, TLS, STARTTLS, Server name, Verify
// certificate, Certificate days, Preset, Send, Expect, with Check Port and
// Continue On Error), of every JS type, as a hand-edited or imported flow
// may hold them: 60 flows (600 under soak) through helper.load, each sent
// three messages (a plain peer that greets and answers, a TLS peer with a
// self-signed certificate, a refused port). Each message is settled exactly
// once; an invalid setting fails every message with the error readOptions
// names; a valid one gives each port its TCP state, a service verdict from
// the catalogue, and `true` only when the port matched and its service
// passed; a redeploy leaves nothing sent or done after it. No unhandled
// rejection or uncaught exception fires meanwhile, and nothing connects
// outside loopback.
const assert = require('assert');
const net = require('net');
const tls = require('tls');
const fs = require('fs');
const fc = require('fast-check');
const { helper, loadFlow, messageDrivenFlow, settleThenRedeploy } = require('../lib/reliability-flows');
const { closedPort } = require('../lib/net-fixtures');
const { makeCertificates } = require('../lib/certs');
const { migrate, readOptions } = require('../../lib/node/config.js');
const {
    scale, assertErrorText, guardConnects, watchProcessFailures, SOAK,
} = require('../lib/reliability-harness');

const CONFIG_RUNS = scale(60, 600);
const SEED = Number(process.env.PORT_CHECK_FUZZ_SEED) || (SOAK ? Date.now() % 0x7fffffff : 0x5e77);
const NODE_ID = 'rel-svc-5e1f';
const SERVICE_REASONS = new Set(['TLS_FAILED', 'CERT_INVALID', 'CERT_EXPIRING', 'NO_ANSWER', 'UNEXPECTED_ANSWER']);

/** Values of every JS type, with the strings that trip these settings' parsers. */
const anyValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('', ' ', 'null', 'true', '0', '-1', '1e3', '0x10', 'NaN', '\u0000', '😀', 'a'.repeat(300)) },
    { weight: 2, arbitrary: fc.constantFrom(0, -1, 1.5, 1e9, NaN, Infinity, null, true, false, [], {}, ['on']) },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);
/** Each setting's values a user can save, and values only a hand-edited flow holds. */
const SETTINGS = {
    check: { good: ['open', 'open', 'closed'], bad: ['Open', 'filtered'] },
    ipVersion: { good: ['auto', '4', 'both', '6', ''], bad: ['5', 'ipv4'] },
    // Slow but valid rates (a message every few seconds) are settled by the redeploy.
    maxRate: { good: ['', '', 50, '1000', '0.2', 100000], bad: [0, '0', -5, 100001, '10/s'] },
    tls: { good: ['off', 'on', 'on', 'starttls', ''], bad: ['ON', 'tls'] },
    starttls: { good: ['smtp', 'imap', 'pop3', 'ftp', 'postgres'], bad: ['telnet', 'SMTP'] },
    servername: { good: ['', 'localhost', 'other.test', '127.0.0.1'], bad: ['x'.repeat(254), 'bad name', 'a_b'] },
    tlsVerify: { good: [true, false], bad: ['false', 0] },
    certDays: { good: ['', 0, 30, '30', ' 7 '], bad: [-1, 1.5, 36501, '30 days'] },
    preset: { good: ['none', '', 'ssh', 'smtp', 'ftp', 'pop3', 'imap', 'redis', 'mysql', 'postgres', 'http', 'mqtt'], bad: ['nosuch', 'SSH'] },
    send: { good: ['', '', 'PING\\r\\n', '\\x00\\xff', '\\u{1F600}\\n', 'a'.repeat(5000)], bad: ['\\x', '\\x4', '\\q', '\\u{110000}'] },
    expect: { good: ['', '', '^SSH-', '^\\+PONG', '.*', '(a+)+$', '^[\\s\\S]{3}\\x00', 'hello'], bad: ['(', '[', '\\', 'a{2,1}'] },
};
const goodSettings = fc.record({
    continueOnError: fc.boolean(),
    ...Object.fromEntries(Object.entries(SETTINGS).map(([key, { good }]) => [key, fc.constantFrom(...good)])),
});
/** A config a user could save, or one with a single setting broken (by a value of its own kind, or of any type). */
const settingsValue = fc.tuple(
    goodSettings,
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...Object.keys(SETTINGS)) }),
    fc.boolean(),
    fc.nat(),
    anyValue,
).map(([settings, broken, ownKind, pick, any]) => {
    if (!broken) return settings;
    const bad = SETTINGS[broken].bad;
    return { ...settings, [broken]: ownKind ? bad[pick % bad.length] : any };
});

/** A peer that greets like SSH and answers every chunk with +PONG; each connection closes after 3 s. */
function plainPeer() {
    return listen(net.createServer((socket) => {
        socket.on('error', () => {});
        socket.write('SSH-2.0-fuzz\r\n');
        socket.on('data', () => socket.write('+PONG\r\n'));
        setTimeout(() => socket.destroy(), 3000).unref();
    }));
}

/** A TLS peer with a self-signed certificate that says hello after the handshake. */
function tlsPeer(pair) {
    const server = tls.createServer({ cert: fs.readFileSync(pair.cert), key: fs.readFileSync(pair.key) }, (socket) => {
        socket.on('error', () => {});
        socket.write('hello over TLS\r\n');
        setTimeout(() => socket.destroy(), 3000).unref();
    });
    server.on('tlsClientError', () => {});
    return listen(server);
}

function listen(server) {
    const sockets = new Set();
    server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
        port: server.address().port,
        close: () => new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
        }),
    })));
}

function safeString(value) {
    try {
        return JSON.stringify(value, (key, v) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 300);
    } catch {
        return String(value);
    }
}

describe('reliability: bad service and network settings (property-based)', function () {
    this.timeout(SOAK ? 3600000 : 300000);
    let processFailures;
    let connects;
    let certs;
    let plain;
    let secure;
    let refused;
    before(async function () {
        processFailures = watchProcessFailures();
        connects = guardConnects();
        certs = makeCertificates();
        plain = await plainPeer();
        secure = await tlsPeer(certs.pair('self'));
        refused = await closedPort('127.0.0.1');
    });
    after(async function () {
        await helper.unload();
        if (plain) await plain.close();
        if (secure) await secure.close();
        if (certs) certs.remove();
        connects.restore();
        processFailures.restore();
        assert.deepStrictEqual(processFailures.failures, [], 'no unhandled rejection or uncaught exception');
        assert.deepStrictEqual(connects.violations, [], 'nothing connected outside loopback');
    });

    it(`${CONFIG_RUNS} generated node configs: every message settled once, a catalogue error or a verdict that follows its settings`, async function () {
        const configs = fc.sample(settingsValue, { numRuns: CONFIG_RUNS, seed: SEED });
        const tally = { invalid: 0, valid: 0, true: 0, false: 0, redeploy: 0, errors: {}, reasons: {} };
        for (const [index, raw] of configs.entries()) {
            // A saved flow holds what JSON can: the generated settings go through a JSON round trip.
            let settings;
            try {
                settings = JSON.parse(JSON.stringify(raw, (key, value) => (typeof value === 'bigint' ? String(value) : value)) ?? '{}');
            } catch {
                settings = {};
            }
            const flowJson = messageDrivenFlow([{ id: NODE_ID, ...settings }]);
            const def = flowJson.find((n) => n.id === NODE_ID);
            const where = `seed ${SEED}, config ${index}: ${safeString(settings)}`;
            const { options, error: configError } = readOptions(migrate(def), undefined);
            const settlesSoon = configError !== undefined || options.maxRate === undefined || options.maxRate >= 5;

            await loadFlow(flowJson);
            const node = helper.getNode(NODE_ID);
            const inputs = [
                { n: 0, h: '127.0.0.1', p: plain.port, t: 1, state: 'open' },
                { n: 1, h: '127.0.0.1', p: secure.port, t: 1, state: 'open' },
                { n: 2, h: '127.0.0.1', p: refused, t: 1, state: 'closed' },
            ];
            const { out, caught, settledByRedeploy } = await settleThenRedeploy(node, inputs.map(({ n, h, p, t }) => ({ n, h, p, t })),
                { settlesSoon, soonMs: 8000, where });
            tally.redeploy += settledByRedeploy;
            tally[configError ? 'invalid' : 'valid']++;

            for (const input of inputs) {
                const sent = out.byN.get(input.n) || [];
                const raised = caught.byN.get(input.n) || [];
                assert.ok(sent.length + raised.length <= 1, `${where}: message ${input.n} came out twice`);
                const result = sent[0] || raised[0];
                if (!result) {
                    assert.ok(!settlesSoon, `${where}: message ${input.n} was only settled by the redeploy`);
                    continue;
                }
                const report = result.portCheck;
                const error = raised.length ? result.error : report && report.error;
                assert.strictEqual(raised.length === 1, error !== undefined && def.continueOnError !== true, `${where}: message ${input.n} raised or sent on`);
                if (configError) {
                    assert.ok(error, `${where}: an invalid setting gave message ${input.n} a result`);
                    assert.strictEqual(report.error.code, configError.code, `${where}: message ${input.n}`);
                }
                if (error) {
                    assertErrorText(error.message, error.code);
                    tally.errors[error.code] = (tally.errors[error.code] || 0) + 1;
                    // A valid node fails only where IPv6 is asked of an IPv4 address.
                    if (!configError) assert.deepStrictEqual([report.error.code, options.ipVersion], ['CANNOT_RESOLVE', 6], where);
                    if (!raised.length) assert.strictEqual(result.payload, false, `${where}: an error never yields true`);
                    continue;
                }
                assert.strictEqual(report.state, input.state, `${where}: message ${input.n}`);
                assert.strictEqual(typeof result.payload, 'boolean', where);
                tally[result.payload]++;
                const service = report.service;
                if (service) {
                    assert.strictEqual(report.state, 'open', `${where}: a service verdict on a port that is not open`);
                    assert.strictEqual(typeof service.ok, 'boolean', where);
                    if (!service.ok) {
                        assert.ok(SERVICE_REASONS.has(service.reason), `${where}: reason ${service.reason}`);
                        tally.reasons[service.reason] = (tally.reasons[service.reason] || 0) + 1;
                    }
                    if (service.banner !== undefined) assert.match(service.banner, /^[\x20-\x7e]{1,200}$/, where);
                }
                if (options.expected === 'open') {
                    const passed = report.state === 'open' && (!service || service.ok);
                    if (result.payload) assert.ok(passed, `${where}: true for message ${input.n} without an open port and a passed service`);
                    if (options.ipVersion !== 'both' && passed) assert.strictEqual(result.payload, true, `${where}: message ${input.n}`);
                } else {
                    assert.strictEqual(service, undefined, `${where}: Port is closed checks no service`);
                    assert.strictEqual(result.payload, report.state !== 'open', `${where}: message ${input.n}`);
                }
            }
        }
        assert.ok(tally.invalid > 0 && tally.valid > 0, `both kinds of config were generated: ${JSON.stringify(tally)}`);
        assert.ok(tally.true > 0 && Object.keys(tally.reasons).length > 1, `the verdicts vary: ${JSON.stringify(tally)}`);
        console.log(`      seed ${SEED}: ${JSON.stringify(tally)}`);
    });
});
