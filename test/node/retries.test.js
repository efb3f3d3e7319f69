'use strict';
// Wait-until mode and retries, in a Node-RED runtime against real sockets
// on loopback: re-checking until the port answers as expected or the
// deadline passes, and retrying a mismatch.
const assert = require('assert');
const { helper, sleep } = require('../lib/node-red');
const { listenOpen, closedPort } = require('../lib/net-fixtures');
const { startWithStatuses: start, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(20000);
    let open;
    loopbackSuite((targets) => ({ open } = targets));

    describe('wait-until mode', function () {
        it('re-checks until the port opens, then answers with attempts and the time it took', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), mode: 'wait', waitInterval: 0.3, waitTimeout: 10 });
            t.node.receive({});
            let server;
            setTimeout(async () => { server = await listenOpen('127.0.0.1', port); }, 1000);
            const [msg] = await t.out.waitFor(1, 8000);
            await server.close();
            assert.strictEqual(msg.payload, true);
            assert.strictEqual(msg.portCheck.state, 'open');
            assert.ok(msg.portCheck.attempts >= 3, `attempts ${msg.portCheck.attempts}`);
            assert.ok(msg.portCheck.elapsedMs >= 900 && msg.portCheck.elapsedMs < 3000, `elapsed ${msg.portCheck.elapsedMs}`);
            assert.ok(t.statuses.some((s) => /^waiting · attempt \d+$/.test(s.text)), 'status shows the waiting');
        });

        it('gives up at the deadline with the last state and false', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), mode: 'wait', waitInterval: 0.2, waitTimeout: 1 });
            const started = performance.now();
            t.node.receive({});
            const [msg] = await t.out.waitFor(1, 5000);
            const elapsed = performance.now() - started;
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.state, 'closed');
            assert.ok(msg.portCheck.attempts >= 4 && msg.portCheck.attempts <= 6, `attempts ${msg.portCheck.attempts}`);
            assert.ok(elapsed >= 750 && elapsed < 1600, `gave up after ${elapsed} ms`);
        });

        it('waits for "closed" too: answers at once when the port is already closed', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), check: 'closed', mode: 'wait', waitInterval: 0.5, waitTimeout: 5 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.payload, true);
            assert.strictEqual(msg.portCheck.attempts, 1);
        });

        it('is cancelled by close: nothing is sent afterwards', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), mode: 'wait', waitInterval: 0.2, waitTimeout: 30 });
            let sent = 0;
            const send = t.node.send;
            t.node.send = function (...args) { sent++; return send.apply(this, args); };
            t.node.receive({});
            await sleep(500);
            await t.node.close(false);
            await sleep(600);
            assert.strictEqual(sent, 0);
        });
    });

    describe('retries', function () {
        it('retries a mismatch and reports only the last result, with the number of attempts', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), retries: 2, retryDelay: 0.2 });
            const started = performance.now();
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            const elapsed = performance.now() - started;
            assert.strictEqual(t.out.messages.length, 1);
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.attempts, 3);
            assert.ok(elapsed >= 380, `retries waited ${elapsed} ms in all`);
            assert.ok(t.statuses.some((s) => s.text === 'retrying · attempt 2'));
        });

        it('a port that comes up between attempts is reported open', async function () {
            const port = await closedPort();
            const t = await start({ port: String(port), retries: 3, retryDelay: 0.4 });
            t.node.receive({});
            const server = await listenOpen('127.0.0.1', port);
            try {
                const [msg] = await t.out.waitFor(1);
                assert.strictEqual(msg.payload, true);
                assert.strictEqual(msg.portCheck.attempts, 2);
            } finally {
                await server.close();
            }
        });

        it('does not retry a match, nor an input error', async function () {
            const t = await start({ port: String(open.port), retries: 3, retryDelay: 0.2 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.portCheck.attempts, 1);
            await helper.unload();
            const bad = await start({ port: '0', retries: 3, retryDelay: 0.2 });
            const started = performance.now();
            bad.node.receive({});
            await bad.caught.waitFor(1);
            assert.ok(performance.now() - started < 150);
        });
    });
});
