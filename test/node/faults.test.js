'use strict';
// No exception escapes a socket, DNS, timer or worker callback
// (docs/architecture.md, "Runtime rules"): a fault fails the message it hit
// with "Internal error", once, the stack goes to the log, and the node (and
// Node-RED) keep working. The fault used here is a real one a user can
// make: an Output of `payload[msg.key]` on a message without `key`, which
// Node-RED refuses to set with an exception. Before the fix it was thrown
// from the socket callback that delivered the answer and ended the process.
const assert = require('assert');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load, collect, sleep, caughtCode } = require('../lib/node-red');
const { listenOpen, closedPort, filteredPort } = require('../lib/net-fixtures');
const { ProbePool } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');

function flow(props) {
    return [
        { id: 'ft', type: 'tab' },
        {
            id: 'pc', type: 'port-check', z: 'ft', host: '127.0.0.1', hostType: 'str', port: 'p', portType: 'msg',
            check: 'open', timeout: '1', timeoutType: 'num', delayBefore: 0, delayAfter: 0, continueOnError: false,
            output: 'payload[msg.key]', concurrency: 256, ...props, wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'ft' },
        { id: 'catcher', type: 'catch', z: 'ft', scope: ['pc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'ft' },
    ];
}

async function start(props) {
    await load(flow(props), [catchNode]);
    const node = helper.getNode('pc');
    const logged = [];
    node.on('call:error', (call) => logged.push(call.args));
    return { node, out: collect('out'), caught: collect('caught'), logged };
}

describe('faults: a throw in the node\'s callbacks fails one message, never the process', function () {
    this.timeout(10000);
    let open;
    let uncaught;
    const onUncaught = (err) => { uncaught = err; };
    before(async function () {
        open = await listenOpen('127.0.0.1');
        process.on('uncaughtException', onUncaught);
    });
    after(async function () {
        process.removeListener('uncaughtException', onUncaught);
        await open.close();
    });
    beforeEach(function () {
        uncaught = undefined;
    });
    afterEach(async function () {
        await helper.unload();
        assert.strictEqual(uncaught, undefined, `an exception escaped: ${uncaught && uncaught.stack}`);
    });

    /** One message that hits the fault, then one that does not: each ends once, the second normally. */
    async function faultThenNormal(t, faulty, normal) {
        t.node.receive({ _msgid: 'faulty', ...faulty });
        const [caught] = await t.caught.waitFor(1);
        assert.strictEqual(caught._msgid, 'faulty');
        assert.strictEqual(caughtCode(caught), 'INTERNAL_ERROR');
        assert.ok(caught.error.message.startsWith('Internal error: '), caught.error.message);
        assert.ok(/expression/i.test(caught.error.message), caught.error.message);
        assert.strictEqual(caught.portCheck.error.code, 'INTERNAL_ERROR');
        t.node.receive({ _msgid: 'normal', key: 'up', ...normal });
        const [msg] = await t.out.waitFor(1);
        assert.strictEqual(msg._msgid, 'normal');
        await sleep(50);
        assert.strictEqual(t.caught.messages.length, 1, 'the faulty message was raised once');
        assert.strictEqual(t.out.messages.length, 1, 'and never sent');
        // Logged with its stack, without a message (so Catch nodes see it once, from done()).
        const stacks = t.logged.filter(([text, msg]) => msg === undefined && /Internal error contained/.test(text) && /\n\s+at /.test(text));
        assert.strictEqual(stacks.length, 1, JSON.stringify(t.logged.map(([text]) => String(text).slice(0, 80))));
        return msg;
    }

    it('from the socket callback that answers an open port', async function () {
        const t = await start({});
        const msg = await faultThenNormal(t, { p: open.port }, { p: open.port });
        assert.deepStrictEqual(msg.payload, { up: true });
    });

    it('from the socket callback of a refused port', async function () {
        const refused = await closedPort();
        const t = await start({});
        const msg = await faultThenNormal(t, { p: refused }, { p: refused });
        assert.deepStrictEqual(msg.payload, { up: false });
    });

    it('from the deadline timer of a filtered port', async function () {
        const filtered = await filteredPort('127.0.0.1');
        try {
            const t = await start({ timeout: '0.2' });
            const msg = await faultThenNormal(t, { p: filtered.port }, { p: filtered.port });
            assert.deepStrictEqual(msg.payload, { up: false });
            assert.strictEqual(msg.portCheck.state, 'filtered');
        } finally {
            filtered.close();
        }
    });

    it('from the DNS callback of a name that does not resolve (Continue On Error sends it on)', async function () {
        const t = await start({ host: 'p-host', hostType: 'msg', continueOnError: true, port: String(open.port), portType: 'num' });
        // .invalid never resolves (RFC 6761), so the answer comes from the lookup's callback.
        t.node.receive({ _msgid: 'faulty', 'p-host': 'no-such-host.invalid' });
        const [caught] = await t.caught.waitFor(1);
        assert.strictEqual(caughtCode(caught), 'INTERNAL_ERROR', caught.error.message);
        t.node.receive({ _msgid: 'normal', 'p-host': '127.0.0.1', key: 'up' });
        const [msg] = await t.out.waitFor(1);
        assert.deepStrictEqual(msg.payload, { up: true });
    });

    it('from the Delay After timer', async function () {
        const t = await start({ delayAfter: 0.05 });
        await faultThenNormal(t, { p: open.port }, { p: open.port });
    });

    it('with Continue On Error the fault is still raised: the output it would send on cannot be set', async function () {
        const t = await start({ continueOnError: true });
        await faultThenNormal(t, { p: open.port }, { p: open.port });
    });

    it('over a threaded scan of 8,192 ports (the answer comes from a worker thread\'s message)', async function () {
        this.timeout(30000);
        const t = await start({ port: '20000-28191', portType: 'str', timeout: '2' });
        t.node.receive({ _msgid: 'faulty' });
        const [caught] = await t.caught.waitFor(1, 20000);
        assert.strictEqual(caughtCode(caught), 'INTERNAL_ERROR');
        assert.strictEqual(caught.portCheck.attempts, 1);
    });
});

describe('faults: the probe pool contains faults of its own callers and lookups', function () {
    it('a callback that throws does not stop the pool: the next check is answered, the fault reported', async function () {
        const faults = [];
        const pool = new ProbePool(4, undefined, { onFault: (err) => faults.push(err) });
        const refused = await closedPort();
        const request = { hosts: [parseHost('127.0.0.1')], ports: [refused], timeoutMs: 1000 };
        pool.check(request, () => { throw new Error('a broken caller'); });
        const answer = await new Promise((resolve) => pool.check(request, (results) => resolve(results)));
        assert.strictEqual(answer[0].state, 'closed');
        assert.strictEqual(faults.length, 1);
        assert.strictEqual(faults[0].message, 'a broken caller');
        pool.cancelAll();
    });

    it('a lookup that answers nonsense fails its probes with INTERNAL_ERROR; other hosts go on', async function () {
        const faults = [];
        // Injected lookups are part of the pool's API (the node passes none); this one breaks its contract.
        const brokenLookup = (name, callback) => callback(null, [null]);
        const pool = new ProbePool(4, brokenLookup, { onFault: (err) => faults.push(err) });
        const results = await new Promise((resolve) => pool.check({
            hosts: [parseHost('broken.example'), parseHost('127.0.0.1')], ports: [open().port], timeoutMs: 1000,
        }, resolve));
        assert.strictEqual(results[0].error && results[0].error.code, 'INTERNAL_ERROR', JSON.stringify(results[0]));
        assert.ok(results[0].error.params.message.startsWith('TypeError'), results[0].error.params.message);
        assert.strictEqual(results[1].state, 'open');
        assert.ok(faults.length >= 1);
        pool.cancelAll();
    });

    let server;
    const open = () => server.address();
    before(async function () {
        server = await new Promise((resolve) => {
            const s = require('net').createServer((socket) => socket.destroy());
            s.listen(0, '127.0.0.1', () => resolve(s));
        });
    });
    after(function () {
        server.close();
    });
});
