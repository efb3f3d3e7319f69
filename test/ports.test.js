'use strict';
const assert = require('assert');
const { parseHost } = require('../lib/parse/hosts.js');
const { parsePorts } = require('../lib/parse/ports.js');
const { parseTimeout, parseDelay, parseConcurrency } = require('../lib/parse/numbers.js');
const { parseCheck } = require('../lib/parse/options.js');
const { PortCheckError } = require('../lib/errors.js');

function throwsCode(fn, code) {
    assert.throws(fn, (err) => {
        assert.ok(err instanceof PortCheckError, `not a PortCheckError: ${err}`);
        assert.strictEqual(err.code, code);
        return true;
    });
}

describe('ports.ts: parsing and validation', function () {
    describe('parsePorts', function () {
        it('takes a single port as a number or text', function () {
            assert.deepStrictEqual(parsePorts(80), { ports: [80], isList: false });
            assert.deepStrictEqual(parsePorts('443'), { ports: [443], isList: false });
            assert.deepStrictEqual(parsePorts(' 22 '), { ports: [22], isList: false });
            assert.deepStrictEqual(parsePorts(1), { ports: [1], isList: false });
            assert.deepStrictEqual(parsePorts(65535), { ports: [65535], isList: false });
            assert.deepStrictEqual(parsePorts(1e3), { ports: [1000], isList: false });
        });

        it('expands lists and ranges in order, without duplicates', function () {
            const parsed = parsePorts('22,80,443,8000-8003');
            assert.deepStrictEqual([...parsed.ports], [22, 80, 443, 8000, 8001, 8002, 8003]);
            assert.strictEqual(parsed.isList, true);
            assert.deepStrictEqual([...parsePorts('80, 22 ,80').ports], [80, 22]);
            assert.deepStrictEqual([...parsePorts('5-5').ports], [5]);
            assert.deepStrictEqual([...parsePorts([22, '80', '8000-8001']).ports], [22, 80, 8000, 8001]);
            assert.strictEqual(parsePorts('1-65535').ports.length, 65535);
        });

        it('hands out the same frozen list for the same text', function () {
            const a = parsePorts('1-1000');
            assert.strictEqual(parsePorts('1-1000'), a);
            assert.ok(Object.isFrozen(a.ports));
        });

        it('says "Port cannot be empty" for nothing at all', function () {
            for (const value of [undefined, null, '', '   ', []]) throwsCode(() => parsePorts(value), 'EMPTY_PORT');
        });

        it('rejects anything but whole numbers 1-65535, naming the bad value', function () {
            const bad = ['80abc', '0', '65536', '8.5', '-1', '0x50', '1e3', 'abc', '80,', ',80', '22,,80', '10-5',
                '1-70000', '80 81', '+80', 0, 65536, 8.5, -1, NaN, Infinity, true, {}, [[80]], [null], ['x']];
            for (const value of bad) {
                assert.throws(() => parsePorts(value), (err) => {
                    assert.strictEqual(err.code, 'INVALID_PORT', `for ${String(value)}`);
                    assert.ok(typeof err.params.value === 'string' && err.params.value.length > 0);
                    return true;
                });
            }
            assert.throws(() => parsePorts('22,80abc'), (err) => err.params.value === '"80abc" in "22,80abc"');
        });
    });

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

    describe('parseTimeout, parseDelay, parseCheck, parseConcurrency', function () {
        it('reads timeouts in seconds, decimals allowed', function () {
            assert.strictEqual(parseTimeout(60), 60000);
            assert.strictEqual(parseTimeout('0.25'), 250);
            assert.strictEqual(parseTimeout(' 10 '), 10000);
            assert.strictEqual(parseTimeout(0.0001), 1);
            for (const value of [0, -1, '', 'abc', NaN, Infinity, '1e3', '0x10', null, undefined, {}, 3e6]) {
                throwsCode(() => parseTimeout(value), 'INVALID_TIMEOUT');
            }
        });

        it('reads delays, empty meaning none', function () {
            assert.strictEqual(parseDelay(undefined, 'before'), 0);
            assert.strictEqual(parseDelay('', 'before'), 0);
            assert.strictEqual(parseDelay(0, 'after'), 0);
            assert.strictEqual(parseDelay('1.5', 'after'), 1500);
            for (const value of [-1, 'soon', NaN, Infinity]) throwsCode(() => parseDelay(value, 'after'), 'INVALID_DELAY');
        });

        it('knows only "open" and "closed" as the expected state', function () {
            assert.strictEqual(parseCheck('open'), 'open');
            assert.strictEqual(parseCheck('closed'), 'closed');
            for (const value of [undefined, '', 'OPEN', 'filtered', true]) throwsCode(() => parseCheck(value), 'EMPTY_CHECK');
        });

        it('takes a whole number of concurrent probes, 256 by default', function () {
            assert.strictEqual(parseConcurrency(undefined), 256);
            assert.strictEqual(parseConcurrency(''), 256);
            assert.strictEqual(parseConcurrency('16'), 16);
            for (const value of [0, -4, 2.5, 'many', 70000]) throwsCode(() => parseConcurrency(value), 'INVALID_CONCURRENCY');
        });
    });
});
