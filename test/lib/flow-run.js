'use strict';
// A child process's run of the node: used where a test needs another
// process (a network namespace of its own, a small heap, a hosts file).
// `node flow-run.js SPEC` prints one JSON line with what each message gave.
//
// SPEC is JSON:
//   props     the port-check node's properties (flow JSON keys); the text
//             "$LISTEN" in host or port is replaced by the listener's port
//   settings  Node-RED settings (e.g. { portCheck: { deny: [...] } })
//   listen    optional { host }: a server this process starts first, which
//             counts the connections it accepts (reported as `accepted`)
//   messages  the messages to send, in order
//   sequential send each once the one before has come out (default: all at once)
//   timeoutMs how long to wait for all of them (default 10 s)
const net = require('net');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load } = require('./node-red');
const { runChild } = require('./reliability-harness');

const spec = require.main === module ? JSON.parse(process.argv[2]) : undefined;

function listen(host) {
    return new Promise((resolve, reject) => {
        const server = net.createServer((socket) => {
            server.accepted++;
            socket.on('error', () => {});
            socket.destroy();
        });
        server.accepted = 0;
        server.once('error', reject);
        server.listen(0, host, () => resolve(server));
    });
}

function substitute(value, port) {
    return typeof value === 'string' ? value.replace('$LISTEN', String(port)) : value;
}

/** Runs this script with `spec` in a child process (env as given); resolves with its report. */
function runFlow(specToRun, { env = process.env, timeoutMs = 60000 } = {}) {
    const { execFile } = require('child_process');
    return new Promise((resolve, reject) => {
        execFile(process.execPath, [__filename, JSON.stringify(specToRun)], { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            if (err) return reject(new Error(`flow-run ended with ${err.code ?? err.signal}: ${stderr}`));
            resolve(JSON.parse(stdout.trim().split('\n').pop()));
        });
    });
}

if (require.main !== module) {
    module.exports = { runFlow };
    return;
}

runChild(async () => {
    const server = spec.listen ? await listen(spec.listen.host) : undefined;
    const port = server ? server.address().port : 0;
    const props = Object.fromEntries(Object.entries(spec.props).map(([key, value]) => [key, substitute(value, port)]));
    helper.settings(spec.settings || {});
    await load([
        { id: 'fr', type: 'tab' },
        {
            id: 'pc', type: 'port-check', z: 'fr', hostType: 'str', portType: 'num', check: 'open', timeout: '1',
            timeoutType: 'num', output: 'payload', ...props, wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'fr' },
        { id: 'catcher', type: 'catch', z: 'fr', scope: ['pc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'fr' },
    ], [catchNode]);
    const outcomes = [];
    helper.getNode('out').on('input', (msg) => outcomes.push({ kind: 'output', id: msg.id, payload: msg.payload, portCheck: msg.portCheck }));
    helper.getNode('caught').on('input', (msg) => outcomes.push({
        kind: 'catch', id: msg.id, message: msg.error.message, code: msg.portCheck && msg.portCheck.error && msg.portCheck.error.code,
        portCheck: msg.portCheck,
    }));
    const messages = spec.messages.map((msg) => Object.fromEntries(Object.entries(msg).map(([key, value]) => [key, substitute(value, port)])));
    const deadline = Date.now() + (spec.timeoutMs || 10000);
    const waitFor = async (count) => {
        while (outcomes.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    for (const [id, msg] of messages.entries()) {
        helper.getNode('pc').receive({ id, ...msg });
        if (spec.sequential) await waitFor(id + 1);
    }
    await waitFor(messages.length);
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything more would show up now
    if (server) server.close();
    return { outcomes: outcomes.sort((a, b) => a.id - b.id), sent: messages.length, accepted: server ? server.accepted : 0, port };
});
