'use strict';
// parseHost (src/parse/hosts.ts): IPv4, IPv6, names and localhost, and the
// errors for empty and malformed hosts.
const assert = require('assert');
const { parseHost } = require('../../lib/parse/hosts.js');
const { throwsCode } = require('../lib/throws-code');

describe('parse/hosts.ts: parsing and validation', function () {
    describe('parseHost', function () {
        it('accepts IPv4, IPv6 (bare or bracketed), names and localhost', function () {
            assert.deepStrictEqual(parseHost('192.168.1.10'), { host: '192.168.1.10', target: '192.168.1.10', ipFamily: 4 });
            assert.deepStrictEqual(parseHost(' ::1 '), { host: '::1', target: '::1', ipFamily: 6 });
            assert.deepStrictEqual(parseHost('[::1]'), { host: '::1', target: '::1', ipFamily: 6 });
            assert.deepStrictEqual(parseHost('localhost'), { host: 'localhost', target: 'localhost', ipFamily: 0 });
            assert.strictEqual(parseHost('db-01.example.com.').target, 'db-01.example.com.');
            assert.strictEqual(parseHost('my_service').target, 'my_service');
            assert.strictEqual(parseHost('bücher.example').target, 'xn--bcher-kva.example');
        });

        it('says "IP cannot be empty" for nothing or blanks', function () {
            for (const value of [undefined, null, '', '   ', '\t']) throwsCode(() => parseHost(value), 'EMPTY_HOST');
        });

        it('rejects URLs, host:port pairs, spaces, bad characters and long names', function () {
            const bad = ['http://example.com', 'https://example.com/x', 'example.com:80', '127.0.0.1:80', '[::1]:80',
                'exa mple.com', 'a..b', '999.1.1.1', '1.2.3', 'user@host', 'a/b', '[example.com]',
                'x'.repeat(254), `${'a'.repeat(64)}.com`, 42, {}, ['127.0.0.1'],
                // IPv4 in forms the URL parser reads but nobody checks by eye
                '0x7f.1', '0x7f000001', '１２７．０．０．１', '0xa.0x1'];
            for (const value of bad) throwsCode(() => parseHost(value), 'INVALID_HOST');
        });
    });
});
