'use strict';
// parseCheck (src/parse/options.ts): the expected state is "open" or
// "closed", nothing else.
const assert = require('assert');
const { parseCheck } = require('../../lib/parse/options.js');
const { throwsCode } = require('../lib/throws-code');

describe('parse/options.ts: parsing and validation', function () {
    describe('parseCheck', function () {
        it('knows only "open" and "closed" as the expected state', function () {
            assert.strictEqual(parseCheck('open'), 'open');
            assert.strictEqual(parseCheck('closed'), 'closed');
            for (const value of [undefined, '', 'OPEN', 'filtered', true]) throwsCode(() => parseCheck(value), 'EMPTY_CHECK');
        });
    });
});
