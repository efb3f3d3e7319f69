'use strict';
// The assertion the parser tests share: a call throws a PortCheckError with
// a given code (the codes of docs/architecture.md, "Errors").
const assert = require('assert');
const { PortCheckError } = require('../../lib/errors.js');

function throwsCode(fn, code) {
    assert.throws(fn, (err) => {
        assert.ok(err instanceof PortCheckError, `not a PortCheckError: ${err}`);
        assert.strictEqual(err.code, code);
        return true;
    });
}

module.exports = { throwsCode };
