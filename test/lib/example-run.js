'use strict';
// An example flow run in a child process: for an example whose test needs
// an environment the test process cannot have, such as NODE_EXTRA_CA_CERTS
// naming a CA the test made (Node reads it once, at start).
// `node example-run.js SPEC` prints one JSON line with what reached each
// output node.
//
// SPEC is JSON:
//   flow      the example's flow, already pointed at loopback
//   fire      the inject nodes to click, in order
//   outputs   the nodes whose messages are reported
//   count     how many messages, over all outputs, to wait for
//   timeoutMs how long to wait for them (default 10 s)
const path = require('path');
const { helper, load, collect, sleep } = require('./node-red');
const { runChild } = require('./reliability-harness');

/** Runs `spec` in a child process with `env`; resolves with { outputs: { id: [{ payload, topic, portCheck }] } }. */
function runExample(spec, { env = process.env, timeoutMs = 60000 } = {}) {
    const { execFile } = require('child_process');
    return new Promise((resolve, reject) => {
        execFile(process.execPath, [__filename, JSON.stringify(spec)], { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            if (err) return reject(new Error(`example-run ended with ${err.code ?? err.signal}: ${stderr}`));
            resolve(JSON.parse(stdout.trim().split('\n').pop()));
        });
    });
}

if (require.main !== module) {
    module.exports = { runExample };
    return;
}

runChild(async () => {
    const spec = JSON.parse(process.argv[2]);
    // Loaded here, not above: the parent only needs runExample.
    const { coreModules } = require(path.join(__dirname, 'examples-flows'));
    await load(spec.flow, coreModules());
    const collectors = Object.fromEntries(spec.outputs.map((id) => [id, collect(id)]));
    for (const id of spec.fire) helper.getNode(id).receive({});
    const deadline = Date.now() + (spec.timeoutMs || 10000);
    const total = () => Object.values(collectors).reduce((sum, c) => sum + c.messages.length, 0);
    while (total() < spec.count && Date.now() < deadline) await sleep(5);
    await sleep(100); // anything more would show up now
    return {
        outputs: Object.fromEntries(Object.entries(collectors).map(([id, c]) => [id, c.messages.map((msg) => ({
            payload: msg.payload, topic: msg.topic, portCheck: msg.portCheck,
        }))])),
    };
});
