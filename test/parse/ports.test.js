'use strict';
// parsePorts (src/parse/ports.ts): single ports, lists and ranges, and the
// errors for anything that is not a whole number 1-65535.
const assert = require('assert');
const { parsePorts } = require('../../lib/parse/ports.js');
const { throwsCode } = require('../lib/throws-code');

describe('parse/ports.ts: parsing and validation', function () {
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
});
