'use strict';
// The target allow- and deny-lists through the node (docs/architecture.md,
// "Security"), in a Node-RED runtime against real sockets on loopback: a
// blocked target gets no connection, rules apply to resolved addresses, a
// node's list narrows the settings' one, and names match as given.
const assert = require('assert');
const { helper, sleep, caughtCode } = require('../lib/node-red');
const { closedPort, countingServer } = require('../lib/net-fixtures');
const { startWithStatuses: start, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(20000);
    let open;
    loopbackSuite((targets) => ({ open } = targets));

    describe('target allow-list', function () {
        it('blocks a denied address before any connection: "Target not allowed"', async function () {
            const server = await countingServer('127.0.0.2');
            try {
                helper.settings({ portCheck: { deny: ['127.0.0.2/32'] } });
                const t = await start({ host: '127.0.0.2', port: String(server.port) });
                t.node.receive({});
                const [caught] = await t.caught.waitFor(1);
                assert.ok(caught.error.message.startsWith('Target not allowed'), caught.error.message);
                assert.strictEqual(caughtCode(caught), 'TARGET_NOT_ALLOWED');
                await sleep(100);
                assert.strictEqual(server.seen(), 0, 'no connection was attempted');
                assert.strictEqual(t.out.messages.length, 0);
            } finally {
                await server.close();
            }
        });

        it('applies rules to the addresses a name resolves to', async function () {
            // localhost is 127.0.0.1 and ::1; with 127.0.0.0/8 denied only ::1 may be tried.
            helper.settings({ portCheck: { deny: ['127.0.0.0/8'] } });
            const t = await start({ host: 'localhost', port: String(open.port) });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            assert.strictEqual(msg.portCheck.address, '::1');
            assert.strictEqual(msg.portCheck.state, 'closed', 'the service on 127.0.0.1 was not reached');
            await helper.unload();
            helper.settings({ portCheck: { deny: ['127.0.0.0/8', '::1'] } });
            const both = await start({ host: 'localhost', port: String(open.port), continueOnError: true });
            both.node.receive({});
            const [blocked] = await both.out.waitFor(1);
            assert.strictEqual(blocked.payload, false);
            assert.strictEqual(blocked.portCheck.error.code, 'TARGET_NOT_ALLOWED');
        });

        it('with a settings allow-list, only listed targets pass; a node allow-list narrows it further', async function () {
            const refused = await closedPort();
            helper.settings({ portCheck: { allow: [`127.0.0.1:${open.port},${refused}`] } });
            const t = await start({ port: 'p', portType: 'msg', continueOnError: true });
            t.node.receive({ p: open.port });
            t.node.receive({ p: refused });
            t.node.receive({ p: 1 });
            const msgs = await t.out.waitFor(3);
            const byPort = Object.fromEntries(msgs.map((m) => [m.portCheck.port, m.portCheck.state || m.portCheck.error.code]));
            assert.deepStrictEqual(byPort, { [open.port]: 'open', [refused]: 'closed', 1: 'TARGET_NOT_ALLOWED' });
            await helper.unload();
            const narrowed = await start({ port: 'p', portType: 'msg', continueOnError: true, allow: `127.0.0.1:${open.port}` });
            narrowed.node.receive({ p: refused });
            const [msg] = await narrowed.out.waitFor(1);
            assert.strictEqual(msg.portCheck.error.code, 'TARGET_NOT_ALLOWED');
        });

        it('matches host names and *.domain wildcards by the name given', async function () {
            helper.settings({ portCheck: { allow: ['*.localhost', 'localhost'] } });
            const t = await start({ host: 'h', hostType: 'msg', port: String(open.port), continueOnError: true });
            t.node.receive({ h: 'localhost' });
            t.node.receive({ h: 'api.localhost' });
            t.node.receive({ h: '127.0.0.1' });
            const msgs = await t.out.waitFor(3);
            const byHost = Object.fromEntries(msgs.map((m) => [m.portCheck.host, m.payload]));
            assert.deepStrictEqual(byHost, { localhost: true, 'api.localhost': true, '127.0.0.1': false });
        });

        it('a bad rule fails each message with "Invalid allow-list rule"', async function () {
            const t = await start({ port: String(open.port), allow: '10.0.0.0/99' });
            t.node.receive({});
            const [caught] = await t.caught.waitFor(1);
            assert.ok(caught.error.message.startsWith('Invalid allow-list rule'), caught.error.message);
        });
    });
});
