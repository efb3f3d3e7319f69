'use strict';
// Run by fd-exhaustion.test.js under a low fd limit (`ulimit -n`):
//   node fd-burst-run.js BURST CAP OPEN REFUSED FILTERED
// loads four port check nodes ("Port is open"/"Port is closed" x Continue On
// Error off/on, each with Max concurrent CAP) in a Node-RED test runtime,
// sends a burst of BURST messages mixing an open, a refused and a filtered
// port on 127.0.0.1 and `localhost` (two sockets per probe), waits for every
// outcome, then sends a few more once the burst is over. Prints one JSON
// line: each message's outcome, the process's fd limit and peak fds.
const fs = require('fs');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load } = require('../lib/node-red');
const { runChild, watchNode, waitUntil, watchProcessFailures, openFds } = require('../lib/reliability-harness');

const [BURST, CAP, OPEN, REFUSED, FILTERED] = process.argv.slice(2).map(Number);
const NODES = [
    { id: 'openStrict', check: 'open', continueOnError: false },
    { id: 'closedStrict', check: 'closed', continueOnError: false },
    { id: 'openLenient', check: 'open', continueOnError: true },
    { id: 'closedLenient', check: 'closed', continueOnError: true },
];
const TARGETS = [
    { name: 'open', h: '127.0.0.1', p: OPEN, t: 3 },
    { name: 'closed', h: '127.0.0.1', p: REFUSED, t: 3 },
    { name: 'filtered', h: '127.0.0.1', p: FILTERED, t: 0.3 },
    { name: 'open', h: 'localhost', p: OPEN, t: 3 },
    { name: 'closed', h: 'localhost', p: REFUSED, t: 3 },
];

function fdLimit() {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    return line ? Number(line.split(/\s+/)[3]) : undefined;
}

runChild(async () => {
    const failures = watchProcessFailures();
    const flow = [{ id: 'ff', type: 'tab' }];
    for (const n of NODES) {
        flow.push({
            ...n, type: 'port-check', z: 'ff', host: 'h', hostType: 'msg', port: 'p', portType: 'msg', timeout: 't',
            timeoutType: 'msg', output: 'payload', concurrency: CAP, wires: [['out']],
        });
    }
    flow.push({ id: 'out', type: 'helper', z: 'ff' });
    flow.push({ id: 'catcher', type: 'catch', z: 'ff', scope: NODES.map((n) => n.id), uncaught: false, wires: [['caught']] });
    flow.push({ id: 'caught', type: 'helper', z: 'ff' });
    await load(flow, [catchNode]);
    const nodes = NODES.map((n) => ({ ...n, node: helper.getNode(n.id) }));
    const watchers = nodes.map((n) => watchNode(n.node));
    const outcomes = new Map();
    const record = (kind) => (msg) => {
        const list = outcomes.get(msg.n) || [];
        list.push(kind === 'out'
            ? { kind, payload: msg.payload, state: msg.portCheck.state, error: msg.portCheck.error }
            : { kind, message: msg.error.message, code: msg.error.code, state: msg.portCheck && msg.portCheck.state });
        outcomes.set(msg.n, list);
    };
    helper.getNode('out').on('input', record('out'));
    helper.getNode('caught').on('input', record('caught'));

    const baselineFds = openFds();
    let peakFds = baselineFds;
    const sampler = setInterval(() => {
        try {
            peakFds = Math.max(peakFds, openFds());
        } catch {
            // out of fds for readdir itself: the limit is reached
        }
    }, 2);
    const plan = [];
    const send = (n, phase) => {
        const node = nodes[n % nodes.length];
        const target = TARGETS[Math.floor(n / nodes.length) % TARGETS.length];
        plan.push({ n, phase, node: node.id, check: node.check, continueOnError: node.continueOnError, target: target.name, host: target.h });
        node.node.receive({ n, h: target.h, p: target.p, t: target.t });
    };
    const started = Date.now();
    for (let n = 0; n < BURST; n++) send(n, 'burst');
    await waitUntil(() => outcomes.size >= BURST, 60000, () => `${outcomes.size} of ${BURST} outcomes`);
    const burstMs = Date.now() - started;
    // The burst is over: the same node answers as usual.
    for (let n = BURST; n < BURST + 20; n++) send(n, 'after');
    await waitUntil(() => outcomes.size >= BURST + 20, 20000, () => `${outcomes.size} of ${BURST + 20} outcomes`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    clearInterval(sampler);
    const doubled = watchers.flatMap((w) => [...w.completes.values()].filter((e) => e.count !== 1)).length
        + watchers.flatMap((w) => [...w.sends.values()].filter((c) => c !== 1)).length;
    const report = {
        limit: fdLimit(), baselineFds, peakFds, burstMs, doubled,
        settled: watchers.reduce((sum, w) => sum + w.settledCount, 0),
        plan, outcomes: Object.fromEntries(outcomes), failures: failures.failures,
    };
    return report;
});
