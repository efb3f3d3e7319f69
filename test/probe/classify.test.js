'use strict';
// Classifying errors (src/probe/classify.ts): each connect and lookup error
// code to a state or an error, and the answers of several addresses combined.
const assert = require('assert');
const net = require('net');
const { classifyConnectError, classifyLookupError, combineOutcomes } = require('../../lib/probe/classify.js');
const { closedPort } = require('../lib/net-fixtures');

/** A real connect error from the kernel, for the classifier. */
function realConnectError(port, host = '127.0.0.1') {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        socket.on('error', (err) => resolve(err));
        socket.on('connect', () => { socket.destroy(); resolve(null); });
    });
}

describe('probe/classify.ts', function () {
    describe('classifying errors', function () {
        it('reads real kernel errors: ECONNREFUSED is closed', async function () {
            const err = await realConnectError(await closedPort());
            assert.strictEqual(err.code, 'ECONNREFUSED');
            assert.deepStrictEqual(classifyConnectError(err, 'x'), { state: 'closed' });
        });

        it('maps each code to a state or an error, never lumping them together', function () {
            const errorOf = (code) => Object.assign(new Error(`connect ${code}`), { code, syscall: 'connect' });
            for (const code of ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']) {
                assert.deepStrictEqual(classifyConnectError(errorOf(code), 'x'), { state: 'filtered' }, code);
            }
            for (const code of ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EPERM', 'EACCES']) {
                const outcome = classifyConnectError(errorOf(code), '10.0.0.1:80');
                assert.strictEqual(outcome.error.code, 'LOCAL_ERROR', code);
                assert.strictEqual(outcome.error.systemCode, code);
                assert.strictEqual(outcome.error.params.target, '10.0.0.1:80');
            }
            for (const err of [errorOf('EPROTO'), new Error('no code'), undefined]) {
                assert.strictEqual(classifyConnectError(err, 'x').error.code, 'CONNECTION_FAILED');
            }
        });

        it('combines the answers of several addresses: open wins; an error beats a negative answer', function () {
            const local = { error: { code: 'LOCAL_ERROR' } };
            const failed = { error: { code: 'CONNECTION_FAILED' } };
            const pick = (...outcomes) => combineOutcomes(outcomes.map((outcome, item) => ({ outcome, item }))).item;
            assert.strictEqual(pick({ state: 'closed' }, { state: 'open' }), 1, 'one open address is a reachable service');
            assert.strictEqual(pick(local, { state: 'open' }), 1);
            assert.strictEqual(pick({ state: 'closed' }, local), 1, 'an address never checked forbids "closed"');
            assert.strictEqual(pick({ state: 'filtered' }, failed), 1);
            assert.strictEqual(pick(failed, local), 1, 'a local error is named first');
            assert.strictEqual(pick({ state: 'filtered' }, { state: 'closed' }), 1, 'the host did answer');
            assert.strictEqual(pick({ state: 'filtered' }, { state: 'filtered' }), 0);
        });

        it("unpacks Node's AggregateError and keeps the best answer", function () {
            const errorOf = (code) => Object.assign(new Error(code), { code });
            const refusedAndUnreachable = new AggregateError([errorOf('ENETUNREACH'), errorOf('ECONNREFUSED')]);
            assert.deepStrictEqual(classifyConnectError(refusedAndUnreachable, 'x'), { state: 'closed' });
            const localOnly = new AggregateError([errorOf('EADDRNOTAVAIL'), errorOf('EPROTO')]);
            assert.strictEqual(classifyConnectError(localOnly, 'x').error.code, 'LOCAL_ERROR');
        });

        it('tells DNS failures from local ones', function () {
            const errorOf = (code) => Object.assign(new Error(code), { code });
            assert.strictEqual(classifyLookupError(errorOf('ENOTFOUND'), 'h').code, 'CANNOT_RESOLVE');
            assert.strictEqual(classifyLookupError(errorOf('EAI_AGAIN'), 'h').code, 'CANNOT_RESOLVE');
            assert.strictEqual(classifyLookupError(errorOf('EMFILE'), 'h').code, 'LOCAL_ERROR');
        });
    });
});
