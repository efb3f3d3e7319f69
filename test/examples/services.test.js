'use strict';
// The outcomes of the service-check examples: 17 (certificate expiry
// watch) against TLS servers with certificates openssl makes in the test,
// one of them Dovecot's IMAP after STARTTLS, and 18 (services answer, not
// just listen) against a real sshd, Redis and PostgreSQL on loopback ports
// (test/lib/services.js). Example 17 trusts the test's CA the way a user
// would, through NODE_EXTRA_CA_CERTS, so it runs in a child process.
const assert = require('assert');
const fs = require('fs');
const tls = require('tls');
const { helper, collect } = require('../lib/node-red');
const { listenOpen, closedPorts } = require('../lib/net-fixtures');
const { makeCertificates } = require('../lib/certs');
const { runExample } = require('../lib/example-run');
const { nodeOf, readExample, manualInjects, assertLoopbackOnly } = require('../lib/examples-flows');
const { start, plain, fire } = require('../lib/examples-harness');
const services = require('../lib/services');

/** A TLS server on 127.0.0.1 showing the certificate `name` of `certs`. */
async function tlsServer(certs, name) {
    const { cert, key } = certs.pair(name);
    const server = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (socket) => {
        socket.on('error', () => {});
        socket.end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
}

describe('example flows', function () {
    this.timeout(60000);

    describe('17 Certificate expiry watch', function () {
        let certs;
        let dovecot;
        const servers = {};
        before(async function () {
            certs = makeCertificates();
            for (const name of ['valid', 'expiring', 'expired']) servers[name] = await tlsServer(certs, name);
            dovecot = await services.serverOr(this, 'dovecot', () => services.startDovecot(certs.pair('valid')));
        });
        after(async function () {
            for (const server of Object.values(servers)) server.close();
            if (dovecot) await dovecot.stop();
            if (certs) certs.remove();
        });

        it('alerts for the certificate with 5 days left and the expired one, and passes the valid ones (TLS and STARTTLS IMAP)', async function () {
            const [closed] = await closedPorts(1);
            const flow = readExample('17');
            manualInjects(flow);
            const port = (name) => servers[name].address().port;
            nodeOf(flow, 'ex17-daily').payload = JSON.stringify([
                { host: 'localhost', port: port('valid') },
                { host: 'localhost', port: port('expiring') },
                { host: 'localhost', port: port('expired') },
                { host: 'localhost', port: dovecot.imap, starttls: 'imap' },
                { host: '127.0.0.1', port: closed },
            ]);
            for (const id of ['ex17-tls', 'ex17-starttls']) nodeOf(flow, id).timeout = '5';
            assertLoopbackOnly(flow);
            const { outputs } = await runExample({ flow, fire: ['ex17-daily'], outputs: ['ex17-alert', 'ex17-ok'], count: 5 },
                { env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca } });
            const byTarget = (list) => Object.fromEntries(list.map((msg) => [msg.payload.target, msg.payload]));
            const alerts = byTarget(outputs['ex17-alert']);
            const fine = byTarget(outputs['ex17-ok']);
            assert.deepStrictEqual(Object.keys(fine).sort(), [`localhost:${dovecot.imap}`, `localhost:${port('valid')}`].sort());
            assert.deepStrictEqual(Object.keys(alerts).sort(),
                [`127.0.0.1:${closed}`, `localhost:${port('expired')}`, `localhost:${port('expiring')}`].sort());
            const expiring = alerts[`localhost:${port('expiring')}`];
            assert.ok(expiring.daysLeft >= 4 && expiring.daysLeft <= 5, `days left ${expiring.daysLeft}`);
            assert.strictEqual(expiring.problem, `certificate expires in ${expiring.daysLeft} days (localhost)`);
            assert.match(alerts[`localhost:${port('expired')}`].problem, /^CERT_INVALID: CERT_HAS_EXPIRED/);
            assert.strictEqual(alerts[`127.0.0.1:${closed}`].problem, 'no certificate: the port is closed');
            for (const ok of Object.values(fine)) assert.ok(ok.daysLeft >= 399, `${ok.target}: ${ok.daysLeft} days`);
            const topics = outputs['ex17-alert'].map((msg) => msg.topic);
            assert.ok(topics.includes(`localhost:${port('expiring')}: ${expiring.problem}`), topics.join(' | '));
        });
    });

    describe('18 Services answer, not just listen', function () {
        let certs;
        let sshd;
        let redis;
        let postgres;
        before(async function () {
            certs = makeCertificates();
            sshd = await services.serverOr(this, 'sshd', services.startSshd);
            redis = await services.serverOr(this, 'redis', services.startRedis);
            postgres = await services.serverOr(this, 'postgres', () => services.startPostgres(certs.pair('valid')));
        });
        afterEach(async function () {
            await helper.unload();
        });
        after(async function () {
            for (const server of [sshd, redis, postgres]) if (server) await server.stop();
            if (certs) certs.remove();
        });

        const load = (ports) => start('18', (flow) => {
            for (const [id, port] of Object.entries(ports)) Object.assign(nodeOf(flow, id), { host: '127.0.0.1', port: String(port), timeout: '3' });
        });

        it('reports SSH, Redis and PostgreSQL answering, with the SSH banner', async function () {
            await load({ 'ex18-ssh': sshd.port, 'ex18-redis': redis.port, 'ex18-postgres': postgres.port });
            const ok = collect('ex18-ok');
            const alert = collect('ex18-alert');
            for (const id of ['ex18-every-ssh', 'ex18-every-redis', 'ex18-every-postgres']) fire(id);
            const answers = Object.fromEntries((await ok.waitFor(3)).map((msg) => [msg.payload.service, plain(msg.payload)]));
            assert.strictEqual(alert.messages.length, 0, alert.messages.map((m) => m.topic).join(' | '));
            assert.deepStrictEqual(Object.keys(answers).sort(), ['postgres', 'redis', 'ssh']);
            assert.match(answers.ssh.banner, /^SSH-2\.0-OpenSSH/);
            assert.match(answers.ssh.text, /^answers SSH-2\.0-OpenSSH.* in \d+ ms$/);
            assert.strictEqual(answers.redis.banner, '+PONG');
            assert.deepStrictEqual([answers.postgres.ok, answers.postgres.banner, answers.postgres.target], [true, 'S', `127.0.0.1:${postgres.port}`]);
        });

        it('alerts when another service holds the port (Redis pointed at sshd), or nothing listens, or it accepts and closes without a word', async function () {
            const [closed] = await closedPorts(1);
            const silent = await listenOpen('127.0.0.1'); // accepts, and closes without a word
            try {
                await load({ 'ex18-ssh': closed, 'ex18-redis': sshd.port, 'ex18-postgres': silent.port });
                const ok = collect('ex18-ok');
                const alert = collect('ex18-alert');
                for (const id of ['ex18-every-ssh', 'ex18-every-redis', 'ex18-every-postgres']) fire(id);
                const alerts = Object.fromEntries((await alert.waitFor(3, 10000)).map((msg) => [msg.payload.service, msg.topic]));
                assert.strictEqual(ok.messages.length, 0);
                assert.strictEqual(alerts.ssh, 'ssh: down: the port is closed');
                assert.match(alerts.redis, /^redis: listens, but does not answer as redis \(UNEXPECTED_ANSWER: SSH-2\.0-OpenSSH/);
                assert.strictEqual(alerts.postgres, 'postgres: listens, but does not answer as postgres (NO_ANSWER)');
            } finally {
                await silent.close();
            }
        });
    });
});
