'use strict';
// The unspecified address is never a target (docs/architecture.md,
// "Security"). Linux connects 0.0.0.0 and :: to this machine itself, so a
// deny rule for 127.0.0.0/8 and ::1 was bypassed: `0.0.0.0` answered
// `true` for a service here. Typed in, these addresses are an invalid
// host; resolved from a name (a DNS block list answers 0.0.0.0), they are
// dropped, and a name with no other address is an invalid host too. A
// listener on 0.0.0.0 counts the connections it gets: none.
const assert = require('assert');
const path = require('path');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load, collect, sleep, caughtCode } = require('../lib/node-red');
const { countingServer } = require('../lib/net-fixtures');
const { parseHost, parseHosts, isUnspecifiedAddress } = require('../../lib/parse/hosts.js');
const { probePort } = require('../../lib/probe/pool.js');
const { Namespace, requireRoot, uniqueName } = require('../lib/netns');

const LITERALS = ['0.0.0.0', '0.1.2.3', '::', '[::]', '0::0', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0', '::ffff:0:0', '::ffff:0.255.1.1', '::%lo'];
const NOT_UNSPECIFIED = ['1.0.0.0', '127.0.0.1', '::1', '::ffff:1.0.0.0', '::0.1.2.3', '::ffff:127.0.0.1'];
const FLOW_RUN = path.join(__dirname, '..', 'lib', 'flow-run.js');

describe('the unspecified address is not a target', function () {
    it('parseHost refuses 0.0.0.0/8 and :: in every form, and only those', function () {
        for (const text of LITERALS) {
            assert.throws(() => parseHost(text), (err) => err.code === 'INVALID_HOST' && /unspecified address/.test(err.params.reason), text);
            assert.throws(() => parseHosts(`127.0.0.1,${text}`), (err) => err.code === 'INVALID_HOST', `${text} in a list`);
        }
        for (const text of NOT_UNSPECIFIED) {
            assert.strictEqual(isUnspecifiedAddress(text), false, text);
            assert.doesNotThrow(() => parseHost(text), text);
        }
    });

    it('a name that resolves to 0.0.0.0 or :: only is an invalid host, and nothing is connected to', async function () {
        const server = await countingServer('0.0.0.0');
        try {
            for (const answer of [[{ address: '0.0.0.0', family: 4 }], [{ address: '::', family: 6 }, { address: '0.0.0.0', family: 4 }]]) {
                // A resolver of the test's own (the pool's lookup is injectable); the netns case below uses a real hosts file.
                const result = await probePort(parseHost('blocked.example'), server.port, 1000, (name, cb) => cb(null, answer));
                assert.strictEqual(result.error && result.error.code, 'INVALID_HOST', JSON.stringify(result));
                assert.ok(result.error.params.reason.startsWith(`resolves to ${answer[0].address}, the unspecified address`), result.error.params.reason);
            }
            const mixed = await probePort(parseHost('mixed.example'), server.port, 1000,
                (name, cb) => cb(null, [{ address: '0.0.0.0', family: 4 }, { address: '127.0.0.1', family: 4 }]));
            assert.strictEqual(mixed.state, 'open');
            assert.strictEqual(mixed.address, '127.0.0.1', 'its other address is checked');
            await sleep(50);
            assert.strictEqual(server.seen(), 1, 'only the 127.0.0.1 check connected');
        } finally {
            await server.close();
        }
    });

    describe('through the node, with settings.js denying 127.0.0.0/8 and ::1', function () {
        afterEach(async function () {
            helper.settings({});
            await helper.unload();
        });

        it('0.0.0.0, :: and [::] fail with "Invalid host", never open', async function () {
            const server = await countingServer('0.0.0.0');
            try {
                helper.settings({ portCheck: { deny: ['127.0.0.0/8', '::1'] } });
                await load([
                    { id: 'ut', type: 'tab' },
                    {
                        id: 'pc', type: 'port-check', z: 'ut', host: 'h', hostType: 'msg', port: String(server.port),
                        portType: 'num', check: 'open', timeout: '1', timeoutType: 'num', output: 'payload', wires: [['out']],
                    },
                    { id: 'out', type: 'helper', z: 'ut' },
                    { id: 'catcher', type: 'catch', z: 'ut', scope: ['pc'], uncaught: false, wires: [['caught']] },
                    { id: 'caught', type: 'helper', z: 'ut' },
                ], [catchNode]);
                const caught = collect('caught');
                const out = collect('out');
                const targets = ['0.0.0.0', '::', '[::]', '::ffff:0.0.0.0', '127.0.0.1', '::ffff:127.0.0.1', 'localhost'];
                for (const h of targets) helper.getNode('pc').receive({ h });
                const msgs = await caught.waitFor(targets.length);
                const byHost = Object.fromEntries(msgs.map((m) => [m.h, caughtCode(m)]));
                assert.deepStrictEqual(byHost, {
                    '0.0.0.0': 'INVALID_HOST', '::': 'INVALID_HOST', '[::]': 'INVALID_HOST', '::ffff:0.0.0.0': 'INVALID_HOST',
                    '127.0.0.1': 'TARGET_NOT_ALLOWED', '::ffff:127.0.0.1': 'TARGET_NOT_ALLOWED', localhost: 'TARGET_NOT_ALLOWED',
                });
                assert.ok(msgs.find((m) => m.h === '0.0.0.0').error.message.startsWith('Invalid host: "0.0.0.0" (the unspecified address'));
                await sleep(50);
                assert.strictEqual(out.messages.length, 0);
                assert.strictEqual(server.seen(), 0, 'nothing was connected to');
            } finally {
                await server.close();
            }
        });
    });

    describe('a name the hosts file maps to 0.0.0.0 (a network namespace with its own /etc/hosts)', function () {
        this.timeout(30000);
        let ns;
        before(function () {
            requireRoot(this);
            ns = new Namespace(uniqueName('pcu'), {
                hosts: '127.0.0.1 localhost\n0.0.0.0 blocked.test\n:: blocked6.test\n127.0.0.1 fine.test\n',
            });
        });
        after(function () {
            if (ns) ns.destroy();
        });

        it('fails with "Invalid host" naming 0.0.0.0, with and without deny rules; a normal name still works', async function () {
            for (const settings of [{}, { portCheck: { deny: ['127.0.0.0/8', '::1'] } }]) {
                const report = await ns.runNode(FLOW_RUN, [JSON.stringify({
                    listen: { host: '0.0.0.0' },
                    settings,
                    props: { host: 'h', hostType: 'msg', port: '$LISTEN', portType: 'num' },
                    messages: [{ h: 'blocked.test' }, { h: 'blocked6.test' }, { h: 'fine.test' }],
                })]);
                const [v4, v6, fine] = report.outcomes;
                assert.strictEqual(report.outcomes.length, 3, JSON.stringify(report));
                assert.strictEqual(v4.code, 'INVALID_HOST', JSON.stringify(v4));
                assert.ok(v4.message.startsWith('Invalid host: "blocked.test" (resolves to 0.0.0.0, the unspecified address'), v4.message);
                assert.strictEqual(v6.code, 'INVALID_HOST', JSON.stringify(v6));
                assert.ok(v6.message.includes('resolves to ::,'), v6.message);
                if (settings.portCheck) {
                    assert.strictEqual(fine.code, 'TARGET_NOT_ALLOWED', JSON.stringify(fine));
                    assert.strictEqual(report.accepted, 0, 'nothing was connected to');
                } else {
                    assert.strictEqual(fine.kind, 'output');
                    assert.strictEqual(fine.payload, true, 'fine.test (127.0.0.1) is open');
                    assert.strictEqual(report.accepted, 1, 'only fine.test connected');
                }
            }
        });
    });
});
