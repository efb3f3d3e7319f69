'use strict';
// Section 2 — messages through a Node-RED flow.
//
// What: N messages (50,000) through port-check → sink in a real Node-RED
// runtime (node-red-node-test-helper), node set to host 127.0.0.1, port from
// msg.port, timeout 1 s, Max concurrent 256; half the messages go to an open
// port, half to a refused one. Probes/s from the first message in to the
// last message out at the sink. Baseline: a bare net.connect loop over the
// same port mix with the same 256 in flight (and a 1 s timer per probe, as
// any probe needs one).
// Why: the node's whole per-message path (TypedInput evaluation, parsing,
// the pool's queue, the report, Node-RED's routing) against the floor that
// the sockets alone set; target >= 0.8x the bare loop.
//
// Messages are fed in batches of 1,000 per event-loop turn, as a busy flow
// would deliver them, rather than 50,000 in one synchronous burst; most of
// them wait in the node's queue. Two reference rows split the gap:
//   - the same messages fed 512 at a time (the next sent as one comes out),
//     so none wait in the queue: the queue's cost is the difference;
//   - a minimal Node-RED node (bench/lib/minimal-node.js: bare connect, cap,
//     send; no validation, no report) in the same runtime, fed like the
//     first row: Node-RED's own share of the gap.
const { closedPort } = require('../../test/lib/net-fixtures');
const { startListeners, SERVICE_PORT } = require('../lib/listeners');
const { bareScan } = require('../lib/bare');
const { loadFlow, unloadFlow } = require('../lib/flow');
const { median, fmt } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const HOST = '127.0.0.1';
const CONCURRENCY = 256;
const BATCH = 1000;
/** Messages outstanding in the windowed variant: twice the cap, so the cap is always full. */
const WINDOW = 2 * CONCURRENCY;

/**
 * Sends one message per port to `target` ({ node, sink }); resolves with
 * { elapsedMs, trues }. Window 0: all at once, BATCH per event-loop turn.
 * Window n: n outstanding, the next sent as each one comes out.
 */
async function throughFlow(target, ports, window, counters) {
    const { node, sink } = target;
    sink.reset();
    counters.trues = 0;
    const msgs = ports.map((port) => ({ port }));
    const arrived = sink.waitFor(msgs.length);
    const started = process.hrtime.bigint();
    if (window > 0) {
        let sent = 0;
        counters.onArrival = () => { if (sent < msgs.length) node.receive(msgs[sent++]); };
        while (sent < Math.min(window, msgs.length)) node.receive(msgs[sent++]);
    } else {
        counters.onArrival = null;
        for (let i = 0; i < msgs.length; i += BATCH) {
            for (let j = i; j < Math.min(i + BATCH, msgs.length); j++) node.receive(msgs[j]);
            await new Promise((resolve) => setImmediate(resolve));
        }
    }
    await arrived;
    return { elapsedMs: Number(process.hrtime.bigint() - started) / 1e6, trues: counters.trues };
}

sectionMain(async ({ quick }) => {
    const count = quick ? 5000 : 50000;
    const rounds = quick ? 2 : 7;
    const listeners = await startListeners([SERVICE_PORT]);
    const openPort = listeners.ports[0];
    const refusedPort = await closedPort(HOST);
    // Half open, half refused, interleaved.
    const mix = Array.from({ length: count }, (_, i) => (i % 2 ? refusedPort : openPort));

    const counters = { trues: 0, onArrival: null };
    const flow = await loadFlow({ concurrency: CONCURRENCY, timeout: '1' }, (msg) => {
        if (msg.payload === true) counters.trues++;
        if (msg.portCheck && msg.portCheck.error) throw new Error(`probe error: ${JSON.stringify(msg.portCheck.error)}`);
        if (counters.onArrival) counters.onArrival();
    }, { minimal: true });
    const runners = {
        node: (ports) => throughFlow(flow, ports, 0, counters),
        windowed: (ports) => throughFlow(flow, ports, WINDOW, counters),
        minimal: (ports) => throughFlow(flow.minimal, ports, 0, counters),
        bare: (ports) => bareScan({ host: HOST, ports, concurrency: CONCURRENCY, timeoutMs: 1000 }),
    };
    const names = Object.keys(runners);

    // Warm-up on a tenth of the messages.
    for (const name of names) await runners[name](mix.slice(0, count / 10));

    const rates = Object.fromEntries(names.map((n) => [n, []]));
    const ratios = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
        const order = round % 2 ? [...names].reverse() : names;
        const rate = {};
        for (const name of order) {
            const result = await runners[name](mix);
            if (name !== 'bare' && result.trues !== count / 2) {
                throw new Error(`${name}: ${result.trues} messages true, expected ${count / 2}`);
            }
            if (name === 'bare' && result.open.size !== 1) throw new Error('bare loop: open port not seen');
            rate[name] = count / (result.elapsedMs / 1000);
            rates[name].push(rate[name]);
            log(`2 round ${round} ${name}: ${fmt(rate[name])} probes/s (${fmt(result.elapsedMs)} ms)`);
        }
        for (const name of names) ratios[name].push(rate[name] / rate.bare);
    }
    await unloadFlow();
    await listeners.close();

    const bare = `${fmt(median(rates.bare))} probes/s (bare net.connect loop, 256 in flight)`;
    const row = (name, measure, target, met) => ({
        id: '2',
        measure,
        ours: `${fmt(median(rates[name]))} probes/s`,
        baseline: bare,
        ratio: median(ratios[name]),
        target,
        met,
        runs: rounds,
    });
    const n = count.toLocaleString('en-US');
    return {
        rows: [
            row('node', `${n} messages through a Node-RED flow (Max concurrent 256, half open, half refused, all sent at once): throughput`,
                '≥ 0.80', median(ratios.node) >= 0.8),
            row('windowed', `The same, fed ${WINDOW} at a time (the next sent as one comes out, so none queue) (reference)`, '—', null),
            row('minimal', `The same flow with a minimal Node-RED node instead (bare connect + cap + send; bench/lib/minimal-node.js) (reference: Node-RED's share)`, '—', null),
        ],
        notes: [],
    };
});
