'use strict';
// The node's inputs in a Node-RED runtime, against real sockets on loopback:
// TypedInputs read for each message, port lists and ranges, and localhost
// (a service on 127.0.0.1 only or on ::1 only).
const assert = require('assert');
const { listenOpen, closedPorts } = require('../lib/net-fixtures');
const { start, checkOnce, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(15000);
    let open;
    let refused;
    loopbackSuite((targets) => ({ open, refused } = targets));

    describe('TypedInputs, evaluated for each message', function () {
        it('reads IP and Port from msg', async function () {
            const t = await start({ host: 'target.host', hostType: 'msg', port: 'target.port', portType: 'msg' });
            t.node.receive({ target: { host: '127.0.0.1', port: open.port } });
            t.node.receive({ target: { host: '127.0.0.1', port: refused } });
            await t.out.waitFor(2);
            const byPort = Object.fromEntries(t.out.messages.map((m) => [m.portCheck.port, m.payload]));
            assert.deepStrictEqual(byPort, { [open.port]: true, [refused]: false });
        });

        it('reads Port from flow context and Timeout from global context', async function () {
            const t = await start({ port: 'svcPort', portType: 'flow', timeout: 'probeTimeout', timeoutType: 'global' });
            t.node.context().flow.set('svcPort', String(open.port));
            t.node.context().global.set('probeTimeout', 0.5);
            t.node.receive({});
            await t.out.waitFor(1);
            assert.strictEqual(t.out.messages[0].payload, true);
            t.node.context().global.set('probeTimeout', 0);
            t.node.receive({});
            await t.caught.waitFor(1);
            assert.ok(t.caught.messages[0].error.message.startsWith('Invalid timeout'));
        });

        it('reads IP and Port from env', async function () {
            process.env.PORT_CHECK_TEST_HOST = '127.0.0.1';
            process.env.PORT_CHECK_TEST_PORT = String(open.port);
            try {
                const t = await checkOnce({ host: 'PORT_CHECK_TEST_HOST', hostType: 'env', port: 'PORT_CHECK_TEST_PORT', portType: 'env' });
                assert.strictEqual(t.out.messages[0].payload, true);
            } finally {
                delete process.env.PORT_CHECK_TEST_HOST;
                delete process.env.PORT_CHECK_TEST_PORT;
            }
        });

        it('takes a port list as an array from msg', async function () {
            const t = await checkOnce({ port: 'ports', portType: 'msg' }, { ports: [open.port, refused] });
            const pc = t.out.messages[0].portCheck;
            assert.deepStrictEqual(pc.open, [open.port]);
            assert.deepStrictEqual(pc.closed, [refused]);
        });
    });

    describe('port lists and ranges', function () {
        it('checks every port of a list, true only when all match', async function () {
            const t = await checkOnce({ port: `${open.port},${refused}`, portType: 'str' });
            const msg = t.out.messages[0];
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.match, false);
            assert.deepStrictEqual(msg.portCheck.results.map((r) => [r.port, r.state, r.match]),
                [[open.port, 'open', true], [refused, 'closed', false]]);
            assert.deepStrictEqual(msg.portCheck.open, [open.port]);
            assert.deepStrictEqual(msg.portCheck.closed, [refused]);
            assert.deepStrictEqual(msg.portCheck.filtered, []);
            assert.strictEqual(msg.portCheck.attempts, 1, 'one round of checks');
            assert.strictEqual(msg.portCheck.connections, 2, 'one connection per port');
        });

        it('answers true for a list when every port matches (all closed for "Port is closed")', async function () {
            const ports = await closedPorts(3);
            const t = await checkOnce({ port: ports.join(','), portType: 'str', check: 'closed' });
            assert.strictEqual(t.out.messages[0].payload, true);
            assert.strictEqual(t.out.messages[0].portCheck.results.length, 3);
        });

        it('expands a range around an open port', async function () {
            const first = Math.max(1, open.port - 2);
            const t = await checkOnce({ port: `${first}-${open.port + 2}`, portType: 'str' });
            const pc = t.out.messages[0].portCheck;
            assert.strictEqual(pc.results.length, open.port + 2 - first + 1);
            assert.ok(pc.open.includes(open.port));
            assert.strictEqual(pc.results.find((r) => r.port === open.port).state, 'open');
        });
    });

    describe('localhost', function () {
        for (const host of ['127.0.0.1', '::1']) {
            it(`finds a service listening on ${host} only`, async function () {
                const server = await listenOpen(host);
                try {
                    const t = await checkOnce({ host: 'localhost', port: String(server.port) });
                    assert.strictEqual(t.out.messages[0].payload, true);
                    assert.strictEqual(t.out.messages[0].portCheck.address, host);
                } finally {
                    await server.close();
                }
            });
        }
    });
});
