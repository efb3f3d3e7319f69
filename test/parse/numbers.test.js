'use strict';
// parseTimeout, parseDelay and parseConcurrency (src/parse/numbers.ts):
// seconds with decimals, empty delays, and the number of concurrent probes.
const assert = require('assert');
const { parseTimeout, parseDelay, parseConcurrency } = require('../../lib/parse/numbers.js');
const { throwsCode } = require('../lib/throws-code');

describe('parse/numbers.ts: parsing and validation', function () {
    describe('parseTimeout, parseDelay, parseConcurrency', function () {
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

        it('takes a whole number of concurrent probes, 256 by default', function () {
            assert.strictEqual(parseConcurrency(undefined), 256);
            assert.strictEqual(parseConcurrency(''), 256);
            assert.strictEqual(parseConcurrency('16'), 16);
            for (const value of [0, -4, 2.5, 'many', 70000]) throwsCode(() => parseConcurrency(value), 'INVALID_CONCURRENCY');
        });
    });
});
