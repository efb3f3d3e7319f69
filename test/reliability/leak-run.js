'use strict';
// Run by leaks.test.js in a fresh process (node --expose-gc leak-run.js
// PROBES OPEN FILTERED CLOSED1,CLOSED2,...): the port check node in a
// Node-RED test runtime, fed messages whose ports are lists (10 probes each)
// and single ports, mixing open, refused, filtered, localhost (two sockets
// per probe), invalid and unresolvable inputs, with Continue On Error off
// and on. Takes a baseline after a warm-up, runs PROBES probes in batches,
// and prints one JSON line: baseline and final fds, handles and memory.
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load } = require('../lib/node-red');
const { runChild, snapshot, resourcesAbove, collectGarbage, resetHelperHistory, waitUntil, mb } = require('../lib/reliability-harness');
const { startDnsServer } = require('../lib/reliability-dns');

const PROBES = Number(process.argv[2]);
const OPEN = Number(process.argv[3]);
const FILTERED = Number(process.argv[4]);
const CLOSED = process.argv[5].split(',').map(Number);
const BATCH_MESSAGES = 1000;
const WARM_UP_MIN = Number(process.env.PORT_CHECK_LEAK_WARM_UP) || 20000;

const flow = [
    { id: 'lf', type: 'tab' },
    ...['strict', 'lenient'].map((id) => ({
        id, type: 'port-check', z: 'lf', host: 'h', hostType: 'msg', port: 'p', portType: 'msg', timeout: 't', timeoutType: 'msg',
        check: 'open', continueOnError: id === 'lenient', output: 'payload', concurrency: 64, wires: [['out']],
    })),
    { id: 'out', type: 'helper', z: 'lf' },
    { id: 'catcher', type: 'catch', z: 'lf', scope: ['strict', 'lenient'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'lf' },
];

/** Message n of a run: its inputs and how many probes it makes. */
function message(n) {
    const list = [OPEN, ...CLOSED.slice(0, 8), FILTERED].join(',');
    switch (n % 10) {
        case 0: case 1: case 2: case 3: case 4:
            return [{ h: '127.0.0.1', p: list, t: 0.05 }, 10];
        case 5:
            return [{ h: 'localhost', p: `${OPEN},${CLOSED.slice(0, 9).join(',')}`, t: 1 }, 10];
        case 6:
            return [{ h: '127.0.0.1', p: OPEN, t: 1 }, 1];
        case 7:
            return [{ h: '::1', p: CLOSED[n % CLOSED.length], t: 1 }, 1];
        case 8:
            return [{ h: `leak${n}.no-such-host.test`, p: 80, t: 1 }, 1];
        default:
            return [{ h: '127.0.0.1', p: 'nope', t: 1 }, 0];
    }
}

runChild(async () => {
    // The node asks a DNS server of the test's own (portCheck.dnsServers), which knows no name.
    const dnsServer = await startDnsServer((name) => (name.endsWith('.no-such-host.test') ? 'nxdomain' : 'swallow'));
    helper.settings({ portCheck: { dnsServers: [dnsServer.server] } });
    await load(flow, [catchNode]);
    const nodes = [helper.getNode('strict'), helper.getNode('lenient')];
    let outcomes = 0;
    helper.getNode('out').on('input', () => outcomes++);
    helper.getNode('caught').on('input', () => outcomes++);

    let n = 0;
    let probes = 0;
    let sent = 0;
    /** Sends messages until `count` probes are made, in batches, each awaited to its last outcome. */
    async function run(count) {
        const target = probes + count;
        while (probes < target) {
            for (let i = 0; i < BATCH_MESSAGES && probes < target; i++, n++) {
                const [input, probeCount] = message(n);
                nodes[n % 2].receive({ n, ...input });
                probes += probeCount;
                sent++;
            }
            await waitUntil(() => outcomes >= sent, 60000, () => `outcomes ${outcomes} of ${sent}`, 5);
            resetHelperHistory(helper);
        }
    }

    const started = Date.now();
    const quiet = async (baseline) => {
        // Handles may close a tick after the last outcome: wait for them.
        if (baseline) {
            await waitUntil(() => snapshot().fds <= baseline.fds && Object.keys(resourcesAbove(baseline.resources)).length === 0,
                5000, () => JSON.stringify({ fds: snapshot().fds, above: resourcesAbove(baseline.resources) })).catch(() => {});
        } else {
            await new Promise((resolve) => setTimeout(resolve, 300));
        }
        collectGarbage();
        return snapshot();
    };
    // Warm-up: the runtime, the JIT and the allocator's pools reach their working size.
    await run(Math.max(WARM_UP_MIN, Math.round(PROBES / 5)));
    const warmUp = probes;
    const baseline = await quiet();
    const samples = [];
    const runStarted = Date.now();
    const chunk = Math.max(10000, Math.round(PROBES / 10));
    while (probes - warmUp < PROBES) {
        await run(Math.min(chunk, PROBES - (probes - warmUp)));
        const memory = process.memoryUsage();
        samples.push({ probes: probes - warmUp, rssMB: mb(memory.rss), heapMB: mb(memory.heapUsed) });
    }
    const runMs = Date.now() - runStarted;
    const final = await quiet(baseline);
    const report = {
        probes: probes - warmUp, messages: sent, warmUpProbes: warmUp, runMs, totalMs: Date.now() - started,
        baseline, final, above: resourcesAbove(baseline.resources, final.resources), samples,
        dnsQueries: dnsServer.stats.queries,
    };
    return report;
});
