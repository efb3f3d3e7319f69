'use strict';
// The node in a Node-RED runtime (node-red-node-test-helper), against real
// sockets on loopback.
const assert = require('assert');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const { helper, load, collect, sleep } = require('./lib/node-red');
const { listenOpen, closedPort, closedPorts, filteredPort } = require('./lib/net-fixtures');

const NODE_RED_MAJOR = Number(require('node-red/package.json').version.split('.')[0]);

const PHRASES = {
    EMPTY_HOST: 'IP cannot be empty',
    EMPTY_PORT: 'Port cannot be empty',
    EMPTY_CHECK: 'Status check cannot be empty',
    INVALID_PORT: 'Invalid port number',
    INVALID_TIMEOUT: 'Invalid timeout',
    INVALID_HOST: 'Invalid host',
    CANNOT_RESOLVE: 'Cannot resolve host',
    LOCAL_ERROR: 'Local error',
};

/** A flow: port check → out, with a Catch and a Complete node scoped to it. */
function portCheckFlow(props) {
    return [
        { id: 'f1', type: 'tab', label: 'test' },
        {
            id: 'pc', type: 'port-check', z: 'f1', name: '',
            host: '127.0.0.1', hostType: 'str', port: '', portType: 'num', check: 'open',
            timeout: '2', timeoutType: 'num', delayBefore: 0, delayAfter: 0,
            continueOnError: false, output: 'payload', concurrency: 256,
            ...props, wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: ['pc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
        { id: 'completer', type: 'complete', z: 'f1', scope: ['pc'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper', z: 'f1' },
    ];
}

/** Loads the flow and watches every way a message can leave the node. */
async function start(props) {
    await load(portCheckFlow(props), [catchNode, completeNode]);
    const node = helper.getNode('pc');
    const settled = [];
    // Every send() and done() the node makes, counted at the source.
    const originalComplete = node._complete;
    node._complete = function (msg, err) {
        settled.push({ id: msg._msgid, err });
        return originalComplete.call(this, msg, err);
    };
    return { node, out: collect('out'), caught: collect('caught'), completed: collect('completed'), settled };
}

/** Sends one message and waits for its one outcome: the output, or the Catch. */
async function checkOnce(props, msg = {}) {
    const t = await start(props);
    t.node.receive({ payload: 'go', ...msg });
    await Promise.race([t.out.waitFor(1), t.caught.waitFor(1)]);
    await sleep(30); // room for a wrong second outcome to show up
    return t;
}

describe('port-check node', function () {
    this.timeout(15000);
    let open;
    let refused;

    before(async function () {
        open = await listenOpen('127.0.0.1');
        refused = await closedPort();
    });
    after(async function () {
        await open.close();
    });
    afterEach(async function () {
        await helper.unload();
    });

    it('is registered as "port-check" and keeps its flow JSON keys', async function () {
        await load(portCheckFlow({ port: '80', color: '#ff0000', name: 'web' }), [catchNode, completeNode]);
        const node = helper.getNode('pc');
        assert.strictEqual(node.type, 'port-check');
        assert.strictEqual(node.name, 'web');
    });

    it('answers true for an open port, with msg.portCheck in full, sent once and done once', async function () {
        const t = await checkOnce({ port: String(open.port) });
        assert.strictEqual(t.out.messages.length, 1);
        const msg = t.out.messages[0];
        assert.strictEqual(msg.payload, true);
        const { host, port, address, family, state, expected, match, latencyMs, attempts, connections } = msg.portCheck;
        assert.deepStrictEqual({ host, port, address, family, state, expected, match, attempts, connections },
            { host: '127.0.0.1', port: open.port, address: '127.0.0.1', family: 4, state: 'open', expected: 'open', match: true, attempts: 1, connections: 1 });
        assert.ok(typeof latencyMs === 'number' && latencyMs >= 0 && latencyMs < 1000);
        assert.strictEqual(t.caught.messages.length, 0);
        assert.strictEqual(t.completed.messages.length, 1);
        assert.deepStrictEqual(t.settled.map((s) => s.err), [undefined]);
    });

    /** The node's status once one message has gone through (the status is throttled, so wait past it). */
    async function statusAfterOneMessage(props) {
        const t = await start(props);
        const statuses = [];
        t.node.on('call:status', (call) => statuses.push(call.args[0]));
        t.node.receive({});
        await t.out.waitFor(1);
        await sleep(150);
        await helper.unload();
        return statuses[statuses.length - 1];
    }

    it('shows the result as the node status: green dot "open · N ms", red ring "closed"', async function () {
        const open1 = await statusAfterOneMessage({ port: String(open.port) });
        assert.strictEqual(open1.fill, 'green');
        assert.strictEqual(open1.shape, 'dot');
        assert.match(open1.text, /^open · [\d.]+ ms$/);
        const closed1 = await statusAfterOneMessage({ port: String(refused) });
        assert.deepStrictEqual(closed1, { fill: 'red', shape: 'ring', text: 'closed' });
    });

    it('writes the boolean to the Output property', async function () {
        const t = await checkOnce({ port: String(open.port), output: 'result.ok' });
        assert.strictEqual(t.out.messages[0].payload, 'go');
        assert.strictEqual(t.out.messages[0].result.ok, true);
    });

    describe('Check Port against each state', function () {
        let filtered;
        before(async function () {
            filtered = await filteredPort();
        });
        after(function () {
            filtered.close();
        });

        const table = [
            ['open', 'open', true], ['open', 'closed', false], ['open', 'filtered', false],
            ['closed', 'open', false], ['closed', 'closed', true], ['closed', 'filtered', true],
        ];
        for (const [check, state, expected] of table) {
            it(`"Port is ${check}" on a ${state} port gives ${expected}`, async function () {
                const port = { open: open.port, closed: refused, filtered: filtered.port }[state];
                const t = await checkOnce({ port: String(port), check, timeout: '0.3' });
                const msg = t.out.messages[0];
                assert.strictEqual(msg.portCheck.state, state);
                assert.strictEqual(msg.payload, expected);
                assert.strictEqual(msg.portCheck.match, expected);
                assert.strictEqual(t.settled.length, 1);
            });
        }

        it('answers a filtered port within the timeout plus a small margin', async function () {
            const t = await start({ port: String(filtered.port), timeout: '0.25' });
            const started = performance.now();
            t.node.receive({});
            await t.out.waitFor(1);
            const elapsed = performance.now() - started;
            assert.strictEqual(t.out.messages[0].portCheck.state, 'filtered');
            assert.ok(elapsed >= 245 && elapsed < 350, `answered after ${elapsed} ms`);
        });
    });

    describe('errors', function () {
        const cases = [
            ['EMPTY_HOST', { host: '' }],
            ['EMPTY_HOST', { host: '   ' }],
            ['EMPTY_HOST', { host: 'target', hostType: 'msg' }],
            ['EMPTY_PORT', { port: '' }],
            ['EMPTY_PORT', { port: 'nothing', portType: 'msg' }],
            ['EMPTY_CHECK', { port: '80', check: '' }],
            ['EMPTY_CHECK', { port: '80', check: 'maybe' }],
            ['INVALID_PORT', { port: '80abc' }],
            ['INVALID_PORT', { port: '0' }],
            ['INVALID_PORT', { port: '65536' }],
            ['INVALID_PORT', { port: '8.5' }],
            ['INVALID_PORT', { port: '-1' }],
            ['INVALID_PORT', { port: '0x50' }],
            ['INVALID_PORT', { port: '8010-8000', portType: 'str' }],
            ['INVALID_TIMEOUT', { port: '80', timeout: '0' }],
            ['INVALID_TIMEOUT', { port: '80', timeout: '-2' }],
            ['INVALID_TIMEOUT', { port: '80', timeout: 'soon' }],
            ['INVALID_TIMEOUT', { port: '80', timeout: '' }],
            ['INVALID_HOST', { port: '80', host: 'http://example.com' }],
            ['INVALID_HOST', { port: '80', host: 'example.com:80' }],
            ['INVALID_HOST', { port: '80', host: 'exa mple.com' }],
            ['INVALID_HOST', { port: '80', host: 'a'.repeat(254) }],
            ['CANNOT_RESOLVE', { port: '80', host: 'no-such-host.invalid' }],
        ];
        for (const [code, props] of cases) {
            it(`raises "${PHRASES[code]}" for ${JSON.stringify(props).slice(0, 70)}`, async function () {
                const t = await checkOnce(props);
                assert.strictEqual(t.out.messages.length, 0, 'nothing is sent');
                assert.strictEqual(t.caught.messages.length, 1, 'Catch sees it once');
                assert.strictEqual(t.completed.messages.length, 0, 'Complete fires only for handled messages');
                const error = t.caught.messages[0].error;
                assert.ok(error.message.startsWith(PHRASES[code]), error.message);
                // Node-RED 4 copies err.code onto msg.error; 3.x does not (msg.portCheck.error has it everywhere).
                if (NODE_RED_MAJOR >= 4) assert.strictEqual(error.code, code);
                assert.strictEqual(t.caught.messages[0].portCheck.error.code, code);
                assert.strictEqual(t.settled.length, 1);
                assert.ok(t.settled[0].err instanceof Error);
            });
        }

        it('names the bad value in the message', async function () {
            const t = await checkOnce({ port: '22,80abc', portType: 'str' });
            assert.strictEqual(t.caught.messages[0].error.message.split(' (')[0], 'Invalid port number: "80abc" in "22,80abc"');
        });

        it('raises "Local error", never closed, when this machine is out of file descriptors', async function () {
            // A child process: Node-RED with the node loaded, every fd used up, then one
            // message through it (see lib/node-with-no-fds.js).
            const { execFile } = require('child_process');
            const script = require('path').join(__dirname, 'lib', 'node-with-no-fds.js');
            const stdout = await new Promise((resolve, reject) => {
                execFile('/bin/sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${script}" ${open.port}`],
                    { timeout: 20000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
            });
            const report = JSON.parse(stdout.trim().split('\n').pop());
            assert.strictEqual(report.sent, 0, 'nothing sent while out of fds');
            assert.ok(report.caught.message.startsWith('Local error: EMFILE'), report.caught.message);
            assert.strictEqual(report.caught.code, 'LOCAL_ERROR');
            assert.strictEqual(report.afterFreeing.payload, true, 'with fds back, the node answers open');
        });

        it('with Continue On Error: sends false with msg.portCheck.error, no Catch', async function () {
            const t = await checkOnce({ port: '70000', continueOnError: true });
            assert.strictEqual(t.caught.messages.length, 0);
            assert.strictEqual(t.out.messages.length, 1);
            assert.strictEqual(t.completed.messages.length, 1);
            const msg = t.out.messages[0];
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.match, false);
            assert.strictEqual(msg.portCheck.error.code, 'INVALID_PORT');
            assert.ok(msg.portCheck.error.message.startsWith('Invalid port number: "70000"'), msg.portCheck.error.message);
        });

        it('with Continue On Error an error never yields true, even with "Port is closed"', async function () {
            const t = await checkOnce({ port: '80', host: 'no-such-host.invalid', check: 'closed', continueOnError: true });
            const msg = t.out.messages[0];
            assert.strictEqual(msg.payload, false);
            assert.strictEqual(msg.portCheck.error.code, 'CANNOT_RESOLVE');
            assert.strictEqual(msg.portCheck.state, undefined);
        });

        it('with Continue On Error the status shows the error (red dot)', async function () {
            const t = await start({ port: 'abc', continueOnError: true });
            const statuses = [];
            t.node.on('call:status', (call) => statuses.push(call.args[0]));
            t.node.receive({});
            await t.out.waitFor(1);
            await sleep(150);
            const last = statuses[statuses.length - 1];
            assert.strictEqual(last.fill, 'red');
            assert.strictEqual(last.shape, 'dot');
            assert.ok(last.text.startsWith('Invalid port number'), last.text);
        });
    });

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

    describe('timing', function () {
        it('Delay Before and Delay After are timers: messages do not queue behind each other', async function () {
            const t = await start({ port: String(open.port), delayBefore: 0.3, delayAfter: 0.2 });
            const started = performance.now();
            for (let i = 0; i < 5; i++) t.node.receive({ n: i });
            await t.out.waitFor(5);
            const elapsed = performance.now() - started;
            assert.ok(elapsed >= 495 && elapsed < 900, `5 messages with 0.5 s of delays each took ${elapsed} ms`);
        });

        it('a filtered probe does not hold up an open one sent after it', async function () {
            const filtered = await filteredPort();
            try {
                const t = await start({ port: 'target', portType: 'msg', timeout: '2' });
                t.node.receive({ target: filtered.port });
                t.node.receive({ target: open.port });
                await t.out.waitFor(1);
                assert.strictEqual(t.out.messages[0].portCheck.port, open.port);
                await t.out.waitFor(2, 3000);
                assert.strictEqual(t.out.messages[1].portCheck.state, 'filtered');
            } finally {
                filtered.close();
            }
        });
    });

    describe('close', function () {
        it('cancels pending delays and probes: nothing sent, every message settled, no handle left', async function () {
            const filtered = await filteredPort();
            try {
                const t = await start({ port: 'target', portType: 'msg', timeout: '5', delayAfter: 5 });
                const count = (names) => process.getActiveResourcesInfo().filter((r) => names.includes(r)).length;
                await sleep(200); // let the flow's own start-up timers settle
                const baseline = { sockets: count(['TCPSocketWrap']), timers: count(['Timeout']) };
                let sentAfterClose = 0;
                let closed = false;
                const originalSend = t.node.send;
                t.node.send = function (...args) {
                    if (closed) sentAfterClose++;
                    return originalSend.apply(this, args);
                };
                for (let i = 0; i < 10; i++) t.node.receive({ target: filtered.port }); // probes in flight
                for (let i = 0; i < 10; i++) t.node.receive({ target: open.port }); // then waiting in Delay After
                await sleep(300);
                assert.ok(count(['TCPSocketWrap']) >= baseline.sockets + 10, 'probes are in flight');
                assert.strictEqual(t.out.messages.length, 0);
                const closeStarted = performance.now();
                closed = true;
                await t.node.close(false);
                assert.ok(performance.now() - closeStarted < 1000);
                await sleep(50);
                assert.ok(count(['TCPSocketWrap']) <= baseline.sockets, `sockets ${count(['TCPSocketWrap'])} > ${baseline.sockets}`);
                assert.ok(count(['Timeout']) <= baseline.timers, `timers ${count(['Timeout'])} > ${baseline.timers}`);
                assert.strictEqual(t.settled.length, 20, 'each message settled once');
                assert.ok(t.settled.every((s) => s.err === undefined));
                await sleep(300);
                assert.strictEqual(sentAfterClose, 0);
                assert.strictEqual(t.out.messages.length, 0);
            } finally {
                filtered.close();
            }
        });
    });

    describe('load', function () {
        it('answers a burst of 1,000 messages exactly once each with the cap at 16', async function () {
            this.timeout(30000);
            const t = await start({ port: 'target', portType: 'msg', concurrency: 16 });
            const ids = new Set();
            for (let i = 0; i < 1000; i++) {
                const msg = { target: i % 2 ? open.port : refused, n: i };
                t.node.receive(msg);
            }
            await t.out.waitFor(1000, 20000);
            await sleep(100);
            assert.strictEqual(t.out.messages.length, 1000);
            for (const msg of t.out.messages) {
                ids.add(msg._msgid);
                assert.strictEqual(msg.payload, msg.n % 2 === 1, `message ${msg.n}`);
            }
            assert.strictEqual(ids.size, 1000, 'no message twice');
            assert.strictEqual(t.settled.length, 1000);
            assert.strictEqual(new Set(t.settled.map((s) => s.id)).size, 1000);
            assert.strictEqual(t.caught.messages.length, 0);
        });
    });
});
