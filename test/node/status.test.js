'use strict';
// The status words (src/node/status.ts), pure: what the node shows under
// it for each kind of answer, service checks included
// (docs/architecture.md, "Status").
const assert = require('assert');
const { singleStatus, listStatus } = require('../../lib/node/status.js');
const { translate } = require('../lib/i18n');

const t = (key, params) => translate(key, params);
const tls = (daysLeft) => ({ authorized: true, daysLeft });

describe('node/status.ts: the status words', function () {
    it('an open port: green "open · N ms"; slow: yellow; closed: red ring; filtered: yellow ring', function () {
        assert.deepStrictEqual(singleStatus(t, { state: 'open', latencyMs: 3.14 }), { fill: 'green', shape: 'dot', text: 'open · 3.1 ms' });
        assert.deepStrictEqual(singleStatus(t, { state: 'open', latencyMs: 820, slow: true }), { fill: 'yellow', shape: 'dot', text: 'open · 820 ms (slow)' });
        assert.deepStrictEqual(singleStatus(t, { state: 'closed', latencyMs: 1 }), { fill: 'red', shape: 'ring', text: 'closed' });
        assert.deepStrictEqual(singleStatus(t, { state: 'filtered', latencyMs: 1 }), { fill: 'yellow', shape: 'ring', text: 'filtered' });
    });

    it('a service with a certificate: "open · TLS 41 d · 12 ms"; expiring: a yellow dot; failed: a red ring with why', function () {
        assert.deepStrictEqual(singleStatus(t, { state: 'open', latencyMs: 12, service: { ok: true, tls: tls(41) } }),
            { fill: 'green', shape: 'dot', text: 'open · TLS 41 d · 12 ms' });
        assert.deepStrictEqual(singleStatus(t, { state: 'open', latencyMs: 12, service: { ok: false, reason: 'CERT_EXPIRING', tls: tls(5) } }),
            { fill: 'yellow', shape: 'dot', text: 'open · TLS 5 d left · 12 ms' });
        assert.deepStrictEqual(singleStatus(t, { state: 'open', latencyMs: 12, service: { ok: false, reason: 'CERT_INVALID', tls: tls(-2) } }),
            { fill: 'red', shape: 'ring', text: 'open · certificate invalid' });
        assert.deepStrictEqual(singleStatus(t, { state: 'open', latencyMs: 12, service: { ok: false, reason: 'UNEXPECTED_ANSWER' } }),
            { fill: 'red', shape: 'ring', text: 'open · unexpected answer' });
    });

    it('a list: red ring when a service failed, yellow dot when a certificate is expiring, green when all answered', function () {
        const entry = (service) => ({ state: 'open', service });
        assert.strictEqual(listStatus(t, [entry({ ok: true }), entry({ ok: false, reason: 'NO_ANSWER' })]).shape, 'ring');
        assert.deepStrictEqual(listStatus(t, [entry({ ok: true }), entry({ ok: false, reason: 'CERT_EXPIRING', tls: tls(3) })]),
            { fill: 'yellow', shape: 'dot', text: '2 open · 0 closed · 0 filtered' });
        assert.strictEqual(listStatus(t, [entry({ ok: true }), entry({ ok: true })]).fill, 'green');
    });
});
