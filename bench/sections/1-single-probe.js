'use strict';
// Section 1 — the cost of one probe, on loopback, open and refused.
//
// What: per-probe time of the node's probe (a check of one port through a
// reused ProbePool(1), which is what the node runs for a message) against a
// bare `net.connect` + destroy (resetAndDestroy for an open port) in the
// same process, both run back to back, sequentially (one probe in flight).
// Why: everything the probe adds to a connect (timers, bookkeeping, the
// result object, the pool) shows up here undiluted; target ratio <= 1.10.
//
// The listening side runs in another process (bench/lib/listeners.js), so
// the accepts do not share this event loop. Rounds alternate the order
// (node first, then bare first) to cancel drift; the ratio is the median of
// the per-round ratios. No garbage collection is forced between runs: a
// forced full GC shrinks V8's young generation, and the next few thousand
// probes of either side then ran 20-40% slower (measured), which no running
// Node-RED sees. Each side pays for the garbage it makes, as in production.
const { ProbePool } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { closedPort } = require('../../test/lib/net-fixtures');
const { startListeners, SERVICE_PORT } = require('../lib/listeners');
const { bareConnect } = require('../lib/bare');
const { median, fmt, sleep } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const HOST = '127.0.0.1';

/**
 * Runs `count` probes one after the other; resolves with the elapsed ns per
 * probe. The listener (another process) accepts no faster than we connect,
 * and a busy machine can leave it behind: each run first gives it 100 ms to
 * empty its accept queue (4,096 deep, more than a run's probes), so that it
 * never overflows and drops a SYN (which a probe rightly reports filtered).
 */
async function sequential(count, probeOnce, expected) {
    await sleep(100);
    return new Promise((resolve, reject) => {
        let left = count;
        const started = process.hrtime.bigint();
        const onAnswer = (state) => {
            if (state !== expected) return reject(new Error(`expected ${expected}, got ${state}`));
            if (--left === 0) return resolve(Number(process.hrtime.bigint() - started) / count);
            probeOnce(onAnswer);
        };
        probeOnce(onAnswer);
    });
}

sectionMain(async ({ quick }) => {
    const probes = quick ? 300 : 2000;
    const rounds = quick ? 3 : 15;
    // A service's port lies below the ephemeral range; a port the kernel
    // picks for listen(0) lies inside it, where a probe also rules out a
    // self-connect (one getsockname() more): that case is a reference row.
    const listeners = await startListeners([SERVICE_PORT]);
    const ephemeralListeners = await startListeners([0]);
    const openPort = listeners.ports[0];
    const refusedPort = await closedPort(HOST);
    const pool = new ProbePool(1);
    const host = parseHost(HOST);

    const variants = {
        node: (port) => (cb) => pool.check({ hosts: [host], ports: [port], timeoutMs: 1000 }, (r) => cb(r[0].state)),
        bare: (port) => (cb) => bareConnect(HOST, port, cb),
    };
    const cases = [
        { key: 'open', port: openPort, expected: 'open', label: `open port (${openPort}, below the ephemeral range)` },
        { key: 'refused', port: refusedPort, expected: 'closed', label: 'refused port' },
        {
            key: 'open, ephemeral',
            port: ephemeralListeners.ports[0],
            expected: 'open',
            label: `open port inside the ephemeral range (${ephemeralListeners.ports[0]}; one getsockname() more, to rule out a self-connect) (reference)`,
            reference: true,
        },
    ];

    const rows = [];
    for (const c of cases) {
        // Warm-up: the probe's path takes some 10,000 probes to be fully
        // optimized by the JIT (measured), so five full runs of each first.
        for (let i = 0; i < 5; i++) {
            for (const v of Object.values(variants)) await sequential(probes, v(c.port), c.expected);
        }
        const times = { node: [], bare: [] };
        const ratios = [];
        for (let round = 0; round < rounds; round++) {
            const order = round % 2 ? ['bare', 'node'] : ['node', 'bare'];
            const t = {};
            for (const name of order) {
                t[name] = await sequential(probes, variants[name](c.port), c.expected);
                times[name].push(t[name]);
            }
            ratios.push(t.node / t.bare);
        }
        const nodeUs = median(times.node) / 1000;
        const bareUs = median(times.bare) / 1000;
        const ratio = median(ratios);
        log(`1 ${c.key}: node ${fmt(nodeUs)} µs, bare ${fmt(bareUs)} µs, ratio ${ratio.toFixed(3)}`);
        rows.push({
            id: `1 ${c.key}`,
            measure: `One probe, loopback, ${c.label}: time per probe (${probes} sequential probes per run)`,
            ours: `${fmt(nodeUs)} µs`,
            baseline: `${fmt(bareUs)} µs (bare net.connect)`,
            ratio,
            target: c.reference ? '—' : '≤ 1.10',
            met: c.reference ? null : ratio <= 1.10,
            runs: rounds,
        });
    }
    await listeners.close();
    await ephemeralListeners.close();
    return { rows, notes: [] };
});
