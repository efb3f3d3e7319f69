'use strict';
// The service-check settings (src/parse/service.ts, presets.ts): Send's
// escapes, Expect's regular expression, the presets, and what makes a node
// check a service at all.
const assert = require('assert');
const { parseEscapes, parseExpect, parseService } = require('../../lib/parse/service.js');
const { PRESETS } = require('../../lib/parse/presets.js');

const code = (fn) => {
    try {
        fn();
    } catch (err) {
        return err.code;
    }
    return undefined;
};

describe('parse/service.ts: what a service check sends and expects', function () {
    it('reads Send\'s escapes: \\r \\n \\t \\0 \\\\ \\xNN; other text as UTF-8', function () {
        assert.deepStrictEqual(parseEscapes('PING\\r\\n'), Buffer.from('PING\r\n'));
        assert.deepStrictEqual(parseEscapes('\\x00\\xff\\t\\0\\\\'), Buffer.from([0, 255, 9, 0, 0x5c]));
        assert.deepStrictEqual(parseEscapes('é'), Buffer.from([0xc3, 0xa9]));
        for (const bad of ['\\q', '\\x4', '\\xZZ', 'end\\']) assert.strictEqual(code(() => parseEscapes(bad)), 'INVALID_OPTION', bad);
    });

    it('takes Expect as a regular expression, and refuses one that does not compile', function () {
        assert.ok(parseExpect('^\\+PONG').test('+PONG\r\n'));
        assert.strictEqual(code(() => parseExpect('(unclosed')), 'INVALID_OPTION');
    });

    it('checks nothing beyond the handshake when TLS is off and there is nothing to send or expect', function () {
        assert.strictEqual(parseService({}), undefined);
        assert.strictEqual(parseService({ tls: 'off', certDays: 30, servername: 'x.test' }), undefined);
    });

    it('a preset fills Send and Expect unless they are written; the written ones win', function () {
        const redis = parseService({ preset: 'redis' });
        assert.deepStrictEqual(redis.send, Buffer.from('PING\r\n'));
        assert.ok(redis.expect.test('+PONG\r\n') && redis.expect.test('-NOAUTH Authentication required.\r\n'));
        assert.deepStrictEqual(redis.goodbye, Buffer.from('QUIT\r\n'));
        const own = parseService({ preset: 'redis', expect: '^\\+OK' });
        assert.ok(own.expect.test('+OK') && !own.expect.test('+PONG'));
        for (const name of Object.keys(PRESETS)) {
            const spec = parseService({ preset: name });
            assert.ok(spec.expect instanceof RegExp, `${name}: an expectation`);
        }
    });

    it('every preset recognises its service\'s first answer, and not another\'s', function () {
        const answers = {
            ssh: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n',
            smtp: '220 mail.example ESMTP Postfix\r\n',
            ftp: '220 (vsFTPd 3.0.3)\r\n',
            pop3: '+OK Dovecot ready.\r\n',
            imap: '* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n',
            redis: '+PONG\r\n',
            mysql: Buffer.from([0x4a, 0, 0, 0, 0x0a, 0x38, 0x2e, 0x30]).toString('latin1'),
            postgres: 'N',
            http: 'HTTP/1.1 200 OK\r\n',
            mqtt: Buffer.from([0x20, 0x02, 0x00, 0x00]).toString('latin1'),
        };
        for (const [name, answer] of Object.entries(answers)) {
            const { expect } = parseService({ preset: name });
            assert.ok(expect.test(answer), `${name} accepts its own answer`);
            for (const [other, otherAnswer] of Object.entries(answers)) {
                // SMTP's and FTP's greetings are both "220": those two cannot be told apart by a banner.
                if (other === name || (['smtp', 'ftp'].includes(name) && ['smtp', 'ftp'].includes(other))) continue;
                assert.ok(!expect.test(otherAnswer), `${name} refuses ${other}'s answer`);
            }
        }
    });

    it('refuses settings it cannot use: TLS, STARTTLS, Preset, Server name, Certificate days', function () {
        assert.strictEqual(code(() => parseService({ tls: 'maybe' })), 'INVALID_OPTION');
        assert.strictEqual(code(() => parseService({ tls: 'starttls', starttls: 'gopher' })), 'INVALID_OPTION');
        assert.strictEqual(code(() => parseService({ preset: 'telnet' })), 'INVALID_OPTION');
        assert.strictEqual(code(() => parseService({ tls: 'on', servername: 'a b' })), 'INVALID_OPTION');
        for (const days of [-1, 1.5, 'soon', 40000]) assert.strictEqual(code(() => parseService({ tls: 'on', certDays: days })), 'INVALID_OPTION', String(days));
        const spec = parseService({ tls: 'on', certDays: '30', tlsVerify: false, servername: 'db.example' });
        assert.deepStrictEqual([spec.tls, spec.certDays, spec.verify, spec.servername], ['on', 30, false, 'db.example']);
    });
});
