'use strict';
// Section 4 — how late a filtered port's answer comes after its timeout.
//
// What: 500 probes in flight at once to a filtered port (the filteredPort
// fixture: a listener whose full accept queue makes the kernel drop every
// SYN, as a firewall DROP rule would), with timeouts of 0.2 s and 1 s. For
// each probe, (answer time − timeout), where the answer time runs from the
// call to the callback (ProbePool: check() to its callback; the node: the
// message in to the message at the next node). Distribution over all probes
// of all rounds: p50, p90, p99, max.
// Why: docs/architecture.md promises an answer within the timeout plus a few ms; 500
// deadlines expiring together is the worst case for that promise (each
// waits for the ones handled before it). Target p99 <= 20 ms.
const { ProbePool } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { filteredPort } = require('../../test/lib/net-fixtures');
const { loadFlow, unloadFlow } = require('../lib/flow');
const { percentile, fmt, sleep } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const HOST = '127.0.0.1';
const IN_FLIGHT = 500;

/** One round through ProbePool: resolves with the lateness (ms) of each probe. */
function poolRound(port, timeoutMs) {
    const pool = new ProbePool(IN_FLIGHT);
    const host = parseHost(HOST);
    return new Promise((resolve, reject) => {
        const late = [];
        for (let i = 0; i < IN_FLIGHT; i++) {
            const started = performance.now();
            pool.check({ hosts: [host], ports: [port], timeoutMs }, (results) => {
                if (results[0].state !== 'filtered') return reject(new Error(`expected filtered, got ${results[0].state}`));
                late.push(performance.now() - started - timeoutMs);
                if (late.length === IN_FLIGHT) resolve(late);
            });
        }
    });
}

/** One round through the node: 500 messages in at once, lateness of each at the sink. */
async function nodeRound(flow, timeoutMs) {
    const late = [];
    flow.onMessage = (msg) => {
        if (msg.portCheck.state !== 'filtered') throw new Error(`expected filtered, got ${msg.portCheck.state}`);
        late.push(performance.now() - msg.sentAt - timeoutMs);
    };
    const arrived = flow.sink.waitFor(flow.sink.count + IN_FLIGHT);
    for (let i = 0; i < IN_FLIGHT; i++) flow.node.receive({ sentAt: performance.now(), timeout: timeoutMs / 1000 });
    await arrived;
    return late;
}

function distribution(samples) {
    const sorted = [...samples].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

sectionMain(async ({ quick }) => {
    const filtered = await filteredPort(HOST);
    let onMessage = () => {};
    const loaded = await loadFlow({
        port: String(filtered.port), portType: 'num', timeout: 'timeout', timeoutType: 'msg', concurrency: IN_FLIGHT,
    }, (msg) => onMessage(msg));
    const flow = { node: loaded.node, sink: loaded.sink, set onMessage(fn) { onMessage = fn; } };

    const rows = [];
    for (const timeoutMs of [200, 1000]) {
        const rounds = quick ? 1 : timeoutMs < 500 ? 6 : 3;
        for (const [name, label, round] of [
            ['pool', 'ProbePool', () => poolRound(filtered.port, timeoutMs)],
            ['node', 'node in a flow', () => nodeRound(flow, timeoutMs)],
        ]) {
            const samples = [];
            for (let r = 0; r < rounds; r++) {
                samples.push(...await round());
                await sleep(50);
            }
            const d = distribution(samples);
            log(`4 ${timeoutMs} ms ${name}: p50 ${fmt(d.p50)} p90 ${fmt(d.p90)} p99 ${fmt(d.p99)} max ${fmt(d.max)} ms`);
            rows.push({
                id: '4',
                measure: `Filtered port, ${IN_FLIGHT} probes in flight, timeout ${timeoutMs / 1000} s (${label}): answer time − timeout, p50 / p90 / p99 / max`,
                ours: `${fmt(d.p50)} / ${fmt(d.p90)} / ${fmt(d.p99)} / ${fmt(d.max)} ms`,
                baseline: '—',
                ratio: null,
                target: 'p99 ≤ 20 ms',
                met: d.p99 <= 20,
                runs: `${rounds} × ${IN_FLIGHT} probes`,
            });
        }
    }
    await unloadFlow();
    filtered.close();
    return { rows, notes: [] };
});
