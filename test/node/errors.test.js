'use strict';
// The node's errors in a Node-RED runtime: each input error and its phrase
// at the Catch node (docs/architecture.md, "Errors"), a machine out of
// file descriptors, and Continue On Error.
const assert = require('assert');
const { helper, sleep } = require('../lib/node-red');
const { start, checkOnce, loopbackSuite } = require('../lib/node-flow');

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

describe('port-check node', function () {
    this.timeout(15000);
    let open;
    loopbackSuite((targets) => ({ open } = targets));

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

        it('names a bad setting by its label in the dialog, without its unit', async function () {
            for (const [props, text] of [
                [{ delayBefore: 'soon' }, 'Invalid delay: Delay Before is "soon"'],
                [{ retryDelay: -1 }, 'Invalid option: Retry delay is -1'],
                [{ mode: 'wait', waitInterval: 'x' }, 'Invalid option: Check every is "x"'],
                [{ expect: '(' }, 'Invalid option: Expect is "("'],
            ]) {
                const t = await checkOnce({ port: String(open.port), ...props });
                assert.strictEqual(t.caught.messages[0].error.message.split(' (')[0], text);
                await helper.unload();
            }
        });

        it('raises "Local error", never closed, when this machine is out of file descriptors', async function () {
            // A child process: Node-RED with the node loaded, every fd used up, then one
            // message through it (see lib/node-with-no-fds.js).
            const { execFile } = require('child_process');
            const script = require('path').join(__dirname, '..', 'lib', 'node-with-no-fds.js');
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
});
