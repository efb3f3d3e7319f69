'use strict';
// Service checks against real servers from Debian (test/lib/services.js),
// each started by the test on a loopback port with a throwaway
// configuration: OpenSSH's sshd, Redis, Dovecot (IMAP and POP3 with
// STARTTLS), PostgreSQL (with SSL), Postfix (SMTP with STARTTLS), vsftpd
// (FTP with AUTH TLS), MariaDB (the preset mysql), Mosquitto (mqtt) and
// Python's http.server (http). The TLS certificates are the test
// CA's (test/lib/certs.js), trusted through NODE_EXTRA_CA_CERTS in the
// child process the node runs in. A server that is not installed skips its
// tests with the reason, or fails them under CI=true (.ci/run installs them).
const assert = require('assert');
const net = require('net');
const { makeCertificates } = require('../lib/certs');
const { runFlow } = require('../lib/flow-run');
const services = require('../lib/services');

const { serverOr } = services;

/** The first packet a MySQL/MariaDB server sends (its Handshake), read here without the node. */
function greetingOf(port) {
    return new Promise((resolve, reject) => {
        let got = Buffer.alloc(0);
        const socket = net.connect(port, '127.0.0.1');
        socket.on('data', (chunk) => {
            got = Buffer.concat([got, chunk]);
            if (got.length >= 4 && got.length >= 4 + got.readUIntLE(0, 3)) {
                socket.destroy();
                resolve(got.subarray(0, 4 + got.readUIntLE(0, 3)));
            }
        });
        socket.on('error', reject);
    });
}

describe('service checks: real servers', function () {
    this.timeout(60000);
    let certs;
    before(function () {
        certs = makeCertificates();
    });
    after(function () {
        if (certs) certs.remove();
    });
    const run = (props, messages) => runFlow({
        props: { host: '127.0.0.1', port: 'p', portType: 'msg', timeout: '3', continueOnError: true, ...props },
        messages,
    }, { env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca } });

    describe('OpenSSH (sshd) and Redis', function () {
        let sshd;
        let redis;
        before(async function () {
            sshd = await serverOr(this, 'sshd', services.startSshd);
            redis = await serverOr(this, 'redis', services.startRedis);
        });
        after(async function () {
            if (sshd) await sshd.stop();
            if (redis) await redis.stop();
        });

        it('preset ssh: true against sshd, with its banner; false against Redis (UNEXPECTED_ANSWER or NO_ANSWER)', async function () {
            const { outcomes: [ssh, notSsh] } = await run({ preset: 'ssh' }, [{ p: sshd.port }, { p: redis.port }]);
            assert.strictEqual(ssh.payload, true, JSON.stringify(ssh.portCheck));
            assert.match(ssh.portCheck.service.banner, /^SSH-2\.0-OpenSSH/);
            assert.deepStrictEqual([notSsh.payload, notSsh.portCheck.state], [false, 'open']);
            assert.ok(['NO_ANSWER', 'UNEXPECTED_ANSWER'].includes(notSsh.portCheck.service.reason), notSsh.portCheck.service.reason);
        });

        it('preset redis: PING answered +PONG; a wrong expectation is false with UNEXPECTED_ANSWER', async function () {
            const { outcomes: [pong] } = await run({ preset: 'redis' }, [{ p: redis.port }]);
            assert.strictEqual(pong.payload, true, JSON.stringify(pong.portCheck));
            assert.strictEqual(pong.portCheck.service.banner, '+PONG');
            const { outcomes: [wrong] } = await run({ send: 'PING\\r\\n', expect: '^\\+HELLO' }, [{ p: redis.port }]);
            assert.deepStrictEqual([wrong.payload, wrong.portCheck.service.reason, wrong.portCheck.service.banner], [false, 'UNEXPECTED_ANSWER', '+PONG']);
        });
    });

    describe('Dovecot: IMAP and POP3 with STARTTLS', function () {
        let dovecot;
        before(async function () {
            dovecot = await serverOr(this, 'dovecot', () => services.startDovecot(certs.pair('valid')));
        });
        after(async function () {
            if (dovecot) await dovecot.stop();
        });

        it('STARTTLS imap and pop3: the upgrade, the handshake and the certificate', async function () {
            const imap = (await run({ tls: 'starttls', starttls: 'imap', host: 'localhost', certDays: 30 }, [{ p: dovecot.imap }])).outcomes[0];
            assert.strictEqual(imap.payload, true, JSON.stringify(imap.portCheck));
            assert.match(imap.portCheck.service.banner, /^\* OK .*Dovecot/);
            assert.strictEqual(imap.portCheck.service.tls.subject, 'localhost');
            const pop3 = (await run({ tls: 'starttls', starttls: 'pop3', host: 'localhost' }, [{ p: dovecot.pop3 }])).outcomes[0];
            assert.strictEqual(pop3.payload, true, JSON.stringify(pop3.portCheck));
            assert.match(pop3.portCheck.service.banner, /^\+OK Dovecot/);
        });

        it('STARTTLS of the wrong protocol fails with TLS_FAILED, saying what the server said', async function () {
            const { outcomes: [wrong] } = await run({ tls: 'starttls', starttls: 'smtp', host: 'localhost' }, [{ p: dovecot.imap }]);
            assert.deepStrictEqual([wrong.payload, wrong.portCheck.state, wrong.portCheck.service.reason], [false, 'open', 'TLS_FAILED']);
            assert.match(wrong.portCheck.service.detail, /did not greet with 220/);
        });
    });

    describe('PostgreSQL', function () {
        let postgres;
        before(async function () {
            this.timeout(60000);
            postgres = await serverOr(this, 'postgres', () => services.startPostgres(certs.pair('valid')));
        });
        after(async function () {
            if (postgres) await postgres.stop();
        });

        it('STARTTLS postgres (SSLRequest) and the certificate; the preset postgres too', async function () {
            const { outcomes: [tls] } = await run({ tls: 'starttls', starttls: 'postgres', host: 'localhost', certDays: 30 }, [{ p: postgres.port }]);
            assert.strictEqual(tls.payload, true, JSON.stringify(tls.portCheck));
            assert.strictEqual(tls.portCheck.service.tls.authorized, true);
            const { outcomes: [preset] } = await run({ preset: 'postgres' }, [{ p: postgres.port }]);
            assert.strictEqual(preset.payload, true, JSON.stringify(preset.portCheck));
        });
    });
    describe('Postfix: SMTP with STARTTLS', function () {
        let postfix;
        before(async function () {
            this.timeout(60000);
            postfix = await serverOr(this, 'postfix', () => services.startPostfix(certs.pair('valid')));
        });
        after(async function () {
            if (postfix) await postfix.stop();
        });

        it('STARTTLS smtp: EHLO, STARTTLS, the handshake and the certificate; the preset smtp without TLS', async function () {
            const { outcomes: [tls] } = await run({ tls: 'starttls', starttls: 'smtp', host: 'localhost', certDays: 30 }, [{ p: postfix.port }]);
            assert.strictEqual(tls.payload, true, JSON.stringify(tls.portCheck));
            assert.match(tls.portCheck.service.banner, /^220 localhost ESMTP Postfix/);
            assert.strictEqual(tls.portCheck.service.tls.authorized, true);
            assert.strictEqual(tls.portCheck.service.tls.subject, 'localhost');
            assert.ok(tls.portCheck.service.tls.daysLeft > 300, String(tls.portCheck.service.tls.daysLeft));
            const { outcomes: [preset] } = await run({ preset: 'smtp' }, [{ p: postfix.port }]);
            assert.strictEqual(preset.payload, true, JSON.stringify(preset.portCheck));
            assert.match(preset.portCheck.service.banner, /^220 localhost ESMTP Postfix/);
        });

        it('STARTTLS smtp against a Postfix without TLS: TLS_FAILED, the server refused STARTTLS (502)', async function () {
            const { outcomes: [plain] } = await run({ tls: 'starttls', starttls: 'smtp', host: 'localhost' }, [{ p: postfix.plain }]);
            assert.deepStrictEqual([plain.payload, plain.portCheck.state, plain.portCheck.service.reason], [false, 'open', 'TLS_FAILED']);
            // The EHLO answer lists no STARTTLS; the node sends it anyway and reports Postfix's answer.
            assert.match(plain.portCheck.service.detail, /^the server refused STARTTLS: 502 5\.5\.1 /);
            assert.strictEqual(plain.portCheck.service.tls, undefined);
        });
    });

    describe('vsftpd: FTP with AUTH TLS', function () {
        let vsftpd;
        before(async function () {
            vsftpd = await serverOr(this, 'vsftpd', () => services.startVsftpd(certs.pair('valid')));
        });
        after(async function () {
            if (vsftpd) await vsftpd.stop();
        });

        it('STARTTLS ftp: AUTH TLS, the handshake and the certificate; the preset ftp without TLS', async function () {
            const { outcomes: [tls] } = await run({ tls: 'starttls', starttls: 'ftp', host: 'localhost', certDays: 30 }, [{ p: vsftpd.port }]);
            assert.strictEqual(tls.payload, true, JSON.stringify(tls.portCheck));
            assert.match(tls.portCheck.service.banner, /^220 \(vsFTPd 3\./);
            assert.strictEqual(tls.portCheck.service.tls.subject, 'localhost');
            assert.strictEqual(tls.portCheck.service.tls.authorized, true);
            const { outcomes: [preset] } = await run({ preset: 'ftp' }, [{ p: vsftpd.port }]);
            assert.strictEqual(preset.payload, true, JSON.stringify(preset.portCheck));
            assert.match(preset.portCheck.service.banner, /^220 \(vsFTPd 3\./);
        });
    });

    describe('MariaDB: the preset mysql', function () {
        let mariadb;
        let http;
        before(async function () {
            mariadb = await serverOr(this, 'mariadb', services.startMariadb);
            http = await serverOr(this, 'http', services.startHttpServer);
        });
        after(async function () {
            if (mariadb) await mariadb.stop();
            if (http) await http.stop();
        });

        it('true against MariaDB: its Handshake (protocol 10); the banner is the server version', async function () {
            const greeting = await greetingOf(mariadb.port);
            // 3 bytes of length, the sequence number 0, protocol 10, the version (NUL-terminated).
            assert.strictEqual(greeting[4], 0x0a);
            const version = greeting.toString('latin1', 5, greeting.indexOf(0, 5));
            assert.match(version, /^5\.5\.5-10\.\d+\.\d+-MariaDB/);
            const { outcomes: [mysql] } = await run({ preset: 'mysql' }, [{ p: mariadb.port }]);
            assert.deepStrictEqual([mysql.payload, mysql.portCheck.state], [true, 'open'], JSON.stringify(mysql.portCheck));
            // The protocol byte 10 is a newline: the first line is the binary header, so the banner is the first run of text.
            assert.deepStrictEqual(mysql.portCheck.service, { ok: true, banner: version });
        });

        it('false against http.server, which waits for a request: NO_ANSWER at the timeout', async function () {
            const { outcomes: [notMysql] } = await run({ preset: 'mysql' }, [{ p: http.port }]);
            assert.deepStrictEqual([notMysql.payload, notMysql.portCheck.state], [false, 'open']);
            assert.deepStrictEqual(notMysql.portCheck.service, { ok: false, reason: 'NO_ANSWER', detail: 'no answer before the timeout' });
        });
    });

    describe('Mosquitto: the preset mqtt', function () {
        let mosquitto;
        let http;
        before(async function () {
            mosquitto = await serverOr(this, 'mosquitto', services.startMosquitto);
            http = await serverOr(this, 'http', services.startHttpServer);
        });
        after(async function () {
            if (mosquitto) await mosquitto.stop();
            if (http) await http.stop();
        });

        it('true against Mosquitto: CONNECT answered by a CONNACK (20 02 00 00, nothing printable: no banner)', async function () {
            const { outcomes: [mqtt] } = await run({ preset: 'mqtt' }, [{ p: mosquitto.port }]);
            assert.deepStrictEqual([mqtt.payload, mqtt.portCheck.state], [true, 'open'], JSON.stringify(mqtt.portCheck));
            assert.deepStrictEqual(mqtt.portCheck.service, { ok: true });
        });

        it('false against http.server: UNEXPECTED_ANSWER, its 400 page for the CONNECT read as a request', async function () {
            // http.server reads a line up to the CONNECT's 0x0a (the client id's length): a request of HTTP/0.9,
            // answered by an error page without a status line, and the connection closed.
            const { outcomes: [notMqtt] } = await run({ preset: 'mqtt' }, [{ p: http.port }]);
            assert.deepStrictEqual([notMqtt.payload, notMqtt.portCheck.state], [false, 'open']);
            assert.deepStrictEqual(notMqtt.portCheck.service,
                { ok: false, reason: 'UNEXPECTED_ANSWER', detail: 'closed without a match', banner: '<!DOCTYPE HTML>' });
        });
    });

    describe("Python's http.server: the preset http", function () {
        let http;
        let redis;
        let mosquitto;
        before(async function () {
            http = await serverOr(this, 'http', services.startHttpServer);
            redis = await serverOr(this, 'redis', services.startRedis);
            mosquitto = await serverOr(this, 'mosquitto', services.startMosquitto);
        });
        after(async function () {
            for (const server of [http, redis, mosquitto]) if (server) await server.stop();
        });

        it('true against http.server: HEAD / answered HTTP/1.0 200 OK', async function () {
            const { outcomes: [ok] } = await run({ preset: 'http' }, [{ p: http.port }]);
            assert.deepStrictEqual([ok.payload, ok.portCheck.state], [true, 'open'], JSON.stringify(ok.portCheck));
            assert.deepStrictEqual(ok.portCheck.service, { ok: true, banner: 'HTTP/1.0 200 OK' });
        });

        it('false against Redis (UNEXPECTED_ANSWER, its -ERR for HEAD) and Mosquitto (NO_ANSWER, a reset)', async function () {
            const { outcomes: [notHttp] } = await run({ preset: 'http' }, [{ p: redis.port }]);
            assert.deepStrictEqual([notHttp.payload, notHttp.portCheck.state], [false, 'open']);
            const { ok, reason, detail, banner } = notHttp.portCheck.service;
            assert.deepStrictEqual([ok, reason, detail], [false, 'UNEXPECTED_ANSWER', 'no match before the timeout']);
            assert.match(banner, /^-ERR unknown command 'HEAD'/);
            // Mosquitto reads one byte ("H", no packet type it accepts first) and closes with the rest unread: a reset.
            const { outcomes: [reset] } = await run({ preset: 'http' }, [{ p: mosquitto.port }]);
            assert.deepStrictEqual([reset.payload, reset.portCheck.state], [false, 'open']);
            assert.deepStrictEqual(reset.portCheck.service, { ok: false, reason: 'NO_ANSWER', detail: 'ECONNRESET' });
        });
    });
});
