'use strict';
// Several hosts in one message, in a Node-RED runtime against real sockets
// on loopback: every host on every port, a summary per host, a blocked
// host's error in its summary, and the cap across hosts x ports.
const assert = require('assert');
const { helper } = require('../lib/node-red');
const { listenOpen, closedPort } = require('../lib/net-fixtures');
const { startWithStatuses: start, loopbackSuite } = require('../lib/node-flow');

describe('port-check node', function () {
    this.timeout(20000);
    let open;
    loopbackSuite((targets) => ({ open } = targets));

    describe('several hosts in one message', function () {
        it('checks every host on every port, with a summary per host', async function () {
            const refused = await closedPort();
            const t = await start({ host: '127.0.0.1, ::1', port: `${open.port},${refused}`, portType: 'str' });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1);
            const pc = msg.portCheck;
            assert.strictEqual(msg.payload, false);
            assert.deepStrictEqual(pc.results.map((r) => [r.host, r.port, r.state]), [
                ['127.0.0.1', open.port, 'open'], ['127.0.0.1', refused, 'closed'],
                ['::1', open.port, 'closed'], ['::1', refused, 'closed'],
            ]);
            assert.deepStrictEqual(pc.open, [`127.0.0.1:${open.port}`]);
            assert.deepStrictEqual(pc.closed, [`127.0.0.1:${refused}`, `[::1]:${open.port}`, `[::1]:${refused}`]);
            assert.deepStrictEqual(pc.hosts.map((h) => [h.host, h.match, h.open]), [
                ['127.0.0.1', false, [open.port]], ['::1', false, []],
            ]);
        });

        it('takes an array of hosts from msg and is true only when every pair matches', async function () {
            const v6 = await listenOpen('::1', open.port).catch(() => null);
            if (!v6) this.skip();
            try {
                const t = await start({ host: 'pool', hostType: 'msg', port: String(open.port) });
                t.node.receive({ pool: ['127.0.0.1', '::1', 'localhost'] });
                const [msg] = await t.out.waitFor(1);
                assert.strictEqual(msg.payload, true);
                assert.strictEqual(msg.portCheck.results.length, 3);
                assert.ok(msg.portCheck.hosts.every((h) => h.match));
            } finally {
                await v6.close();
            }
        });

        it('reports per host for a list of one, and names a blocked host\'s error in its summary', async function () {
            helper.settings({ portCheck: { allow: ['127.0.0.1/32'] } });
            const t = await start({ host: 'h', hostType: 'msg', port: String(open.port), continueOnError: true });
            t.node.receive({ h: ['127.0.0.1'] });
            t.node.receive({ h: ['127.0.0.1', '127.0.0.2'] });
            const [one, two] = await t.out.waitFor(2);
            assert.deepStrictEqual(one.portCheck.hosts, [{ host: '127.0.0.1', match: true, open: [open.port], closed: [], filtered: [] }]);
            assert.deepStrictEqual(one.portCheck.open, [`127.0.0.1:${open.port}`]);
            assert.strictEqual(two.payload, false);
            assert.strictEqual(two.portCheck.hosts[1].error.code, 'TARGET_NOT_ALLOWED');
            assert.strictEqual(two.portCheck.hosts[0].error, undefined);
        });

        it('keeps the cap across hosts x ports', async function () {
            const t = await start({ host: '127.0.0.1,127.0.0.2,127.0.0.3', port: '1-300', portType: 'str', concurrency: 8, timeout: '1' });
            let peak = 0;
            // The node's pool is private: count the sockets this process holds instead.
            const watcher = setInterval(() => {
                const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
                peak = Math.max(peak, sockets);
            }, 1);
            const baseline = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
            t.node.receive({});
            const [msg] = await t.out.waitFor(1, 15000);
            clearInterval(watcher);
            assert.strictEqual(msg.portCheck.results.length, 900);
            assert.ok(peak - baseline <= 8 + 2, `peak ${peak - baseline} sockets above baseline with a cap of 8`);
        });
    });
});
