'use strict';
// The order of a name's addresses (interleaveFamilies, src/probe/resolve.ts)
// and the stagger between attempts it feeds (attemptDelayMs, which lives in
// src/probe/attempt.ts but is tested here, with the order it staggers).
const assert = require('assert');
const { interleaveFamilies } = require('../../lib/probe/resolve.js');
const { attemptDelayMs } = require('../../lib/probe/attempt.js');

describe('probe/resolve.ts: address order and stagger', function () {
    it('orders addresses by alternating families and derives the stagger from the timeout', function () {
        const a = (address, family) => ({ address, family });
        assert.deepStrictEqual(
            interleaveFamilies([a('::1', 6), a('::2', 6), a('1.1.1.1', 4), a('2.2.2.2', 4)]).map((x) => x.address),
            ['::1', '1.1.1.1', '::2', '2.2.2.2']);
        assert.strictEqual(attemptDelayMs(60000, 2), 250);
        assert.strictEqual(attemptDelayMs(200, 2), 50);
        assert.strictEqual(attemptDelayMs(10, 4), 10);
    });
});
