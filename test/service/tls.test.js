'use strict';
// TLS service checks (docs/architecture.md, "Service checks") against TLS
// servers with certificates openssl makes in the test (test/lib/certs.js):
// a throwaway CA trusted the way a user would trust it, through
// NODE_EXTRA_CA_CERTS, so the node runs in a child process that has it
// (test/lib/flow-run.js). Valid, expiring in 5 days, expired, for another
// name, self-signed, and under an intermediate that expires first; daysLeft
// agrees with `openssl x509 -enddate` of the same file within a day.
const assert = require('assert');
const tls = require('tls');
const { makeCertificates } = require('../lib/certs');
const { runFlow } = require('../lib/flow-run');

describe('service checks: TLS certificates', function () {
    this.timeout(60000);
    let certs;
    const servers = {};
    before(async function () {
        certs = makeCertificates();
        for (const name of ['valid', 'expiring', 'expired', 'other', 'self', 'chained']) {
            const { cert, key } = certs.pair(name);
            const server = tls.createServer({ cert: require('fs').readFileSync(cert), key: require('fs').readFileSync(key) }, (socket) => {
                socket.on('error', () => {});
                socket.end('hello over TLS\r\n');
            });
            await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
            servers[name] = server;
        }
    });
    after(function () {
        for (const server of Object.values(servers)) server.close();
        if (certs) certs.remove();
    });

    /** One check per server named, through the node in a child process that trusts the test CA. */
    async function check(names, props = {}) {
        const report = await runFlow({
            props: { host: 'localhost', port: 'p', portType: 'msg', timeout: '2', tls: 'on', continueOnError: true, ...props },
            messages: names.map((name) => ({ name, p: servers[name].address().port })),
        }, { env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca } });
        return Object.fromEntries(report.outcomes.map((o) => [o.id === undefined ? '?' : names[o.id], o]));
    }

    it('a valid certificate: true, open, with what it says of itself', async function () {
        const { valid } = await check(['valid']);
        assert.strictEqual(valid.payload, true, JSON.stringify(valid.portCheck));
        assert.strictEqual(valid.portCheck.state, 'open');
        const { service } = valid.portCheck;
        assert.strictEqual(service.ok, true);
        assert.strictEqual(service.reason, undefined);
        const t = service.tls;
        assert.strictEqual(t.authorized, true);
        assert.strictEqual(t.subject, 'localhost');
        assert.strictEqual(t.issuer, 'port-check test CA');
        assert.deepStrictEqual(t.altNames, ['DNS:localhost', 'IP Address:127.0.0.1']);
        assert.match(t.protocol, /^TLSv1\.[23]$/);
        assert.ok(t.cipher.length > 0 && /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(t.fingerprint256), t.fingerprint256);
        const byOpenssl = (certs.endDate('valid') - Date.now()) / 86_400_000;
        assert.ok(Math.abs(t.daysLeft - byOpenssl) <= 1, `daysLeft ${t.daysLeft}, openssl says ${byOpenssl.toFixed(2)}`);
        assert.strictEqual(new Date(t.validTo).getTime(), certs.endDate('valid').getTime());
    });

    it('Certificate days: one expiring in 5 days fails a 30-day check with CERT_EXPIRING, and passes a 3-day one', async function () {
        const strict = await check(['expiring'], { certDays: 30 });
        const { service } = strict.expiring.portCheck;
        assert.deepStrictEqual([strict.expiring.payload, strict.expiring.portCheck.state, service.ok, service.reason], [false, 'open', false, 'CERT_EXPIRING']);
        const byOpenssl = (certs.endDate('expiring') - Date.now()) / 86_400_000;
        assert.ok(Math.abs(service.tls.daysLeft - byOpenssl) <= 1, `daysLeft ${service.tls.daysLeft}, openssl ${byOpenssl.toFixed(2)}`);
        const lenient = await check(['expiring'], { certDays: 3 });
        assert.strictEqual(lenient.expiring.payload, true);
    });

    it('an expired, another name\'s and a self-signed certificate fail with CERT_INVALID, saying why', async function () {
        const r = await check(['expired', 'other', 'self']);
        const why = (name) => [r[name].payload, r[name].portCheck.state, r[name].portCheck.service.reason, r[name].portCheck.service.tls.authorizationError];
        assert.deepStrictEqual(why('expired'), [false, 'open', 'CERT_INVALID', 'CERT_HAS_EXPIRED']);
        assert.deepStrictEqual(why('other'), [false, 'open', 'CERT_INVALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);
        assert.deepStrictEqual(why('self'), [false, 'open', 'CERT_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
        assert.ok(r.expired.portCheck.service.tls.daysLeft < 0, 'an expired one has days left below 0');
    });

    it('with Verify certificate off, a self-signed certificate passes; Certificate days still applies', async function () {
        const off = await check(['self', 'expired'], { tlsVerify: false, certDays: 1 });
        assert.strictEqual(off.self.payload, true, JSON.stringify(off.self.portCheck.service));
        assert.strictEqual(off.self.portCheck.service.tls.authorized, false);
        assert.deepStrictEqual([off.expired.payload, off.expired.portCheck.service.reason], [false, 'CERT_EXPIRING']);
    });

    it('the whole chain counts: an intermediate that expires in 10 days fails a 30-day check, and is named', async function () {
        const r = await check(['chained'], { certDays: 30 });
        const { service } = r.chained.portCheck;
        assert.deepStrictEqual([r.chained.payload, service.reason, service.tls.expiresFirst], [false, 'CERT_EXPIRING', 'port-check test intermediate']);
        assert.ok(service.tls.daysLeft <= 10 && service.tls.daysLeft >= 8, `daysLeft ${service.tls.daysLeft}`);
    });

    it('Server name: the name the certificate must match (SNI) instead of the host; an IP address sends none', async function () {
        const named = await check(['other'], { servername: 'other.test' });
        assert.strictEqual(named.other.payload, true, JSON.stringify(named.other.portCheck.service));
        const byAddress = await check(['valid'], { host: '127.0.0.1' });
        // The leaf names 127.0.0.1 too: with no SNI, the address is what is matched.
        assert.strictEqual(byAddress.valid.payload, true, JSON.stringify(byAddress.valid.portCheck.service));
    });

    it('TLS and an expectation: the answer after the handshake must match', async function () {
        const r = await check(['valid', 'expiring'], { expect: '^hello over TLS' });
        assert.strictEqual(r.valid.payload, true);
        assert.strictEqual(r.valid.portCheck.service.banner, 'hello over TLS');
        const wrong = await check(['valid'], { expect: '^goodbye' });
        assert.deepStrictEqual([wrong.valid.payload, wrong.valid.portCheck.service.reason], [false, 'UNEXPECTED_ANSWER']);
    });
});
