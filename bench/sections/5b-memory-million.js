'use strict';
// Section 5b — no leak over a million probes.
//
// What: 1,000,000 probes of a refused port through one ProbePool (cap 256),
// straight to the pool for speed (no Node-RED). RSS, heap and the process's
// active resources (process.getActiveResourcesInfo(): sockets, timers) are
// taken after a warm-up of 100,000 probes (by then V8's young generation and
// the allocator have grown to their working size: after 20,000 the RSS was
// still 10-15 MB short of it) and after the last probe, each time
// after a full GC. The heap is also taken every tenth of the probes, after
// a full GC, while the probes go on: memory given back only once the pool
// falls idle is a leak for a node that never falls idle (a steady stream of
// messages), and only shows up there.
// Why: every socket destroyed, every timer cleared, nothing kept per probe:
// the "after" must equal the "before", and the heap stay flat along the
// way, within noise (target: flat).
//
// Checks are fed through a window of 1,024 outstanding ones (one new check
// as each one answers), so the pool always has work queued and never idles.
// Runs in its own process with --expose-gc (run.js passes the flag).
const { ProbePool } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { closedPort } = require('../../test/lib/net-fixtures');
const { fmt, collectGarbage, memoryMb, activeResources, describeResources, sleep } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const HOST = '127.0.0.1';
const CAP = 256;
const WINDOW = 1024;

/** Runs `count` probes; `onProgress(done)` every `every` (and not at the end, once all are done). Resolves with the elapsed ms. */
function probeMany(pool, port, count, onProgress, every = 100000) {
    const host = parseHost(HOST);
    const request = { hosts: [host], ports: [port], timeoutMs: 1000 };
    return new Promise((resolve, reject) => {
        let started = 0;
        let done = 0;
        const t0 = process.hrtime.bigint();
        const onResults = (results) => {
            if (results[0].state !== 'closed') return reject(new Error(`expected closed, got ${results[0].state || results[0].error.code}`));
            done++;
            if (onProgress && done % every === 0 && done < count) onProgress(done);
            if (done === count) return resolve(Number(process.hrtime.bigint() - t0) / 1e6);
            if (started < count) { started++; pool.check(request, onResults); }
        };
        while (started < Math.min(WINDOW, count)) { started++; pool.check(request, onResults); }
    });
}

async function snapshot() {
    await sleep(200); // let closing handles finish closing
    collectGarbage();
    return { ...memoryMb(), resources: activeResources() };
}

/** The whole bench must stay under 10 minutes: at most this long for the million. */
const BUDGET_S = 150;

sectionMain(async ({ quick }) => {
    const wanted = quick ? 100000 : 1000000;
    const port = await closedPort(HOST);
    const pool = new ProbePool(CAP);

    const warmUp = quick ? 20000 : 100000;
    const warmUpMs = await probeMany(pool, port, warmUp);
    // On a slow (or busy) machine, as many whole 100,000s as fit in the budget.
    const affordable = Math.floor((warmUp / warmUpMs) * 1000 * BUDGET_S / 100000) * 100000;
    const count = Math.max(100000, Math.min(wanted, affordable));
    if (count < wanted) log(`5b ${fmt(warmUp / warmUpMs * 1000)} probes/s: ${count} probes instead of ${wanted}, to stay in the budget`);
    const before = await snapshot();
    // Heap after a full GC every tenth of the probes, without stopping them.
    const every = count / 10;
    const samples = [];
    let gcMs = 0;
    const elapsedMs = await probeMany(pool, port, count, () => {
        const t0 = process.hrtime.bigint();
        collectGarbage();
        gcMs += Number(process.hrtime.bigint() - t0) / 1e6;
        samples.push(memoryMb().heapUsed);
    }, every);
    const after = await snapshot();
    const rate = count / ((elapsedMs - gcMs) / 1000);
    log(`5b ${count} probes in ${fmt(elapsedMs)} ms (${fmt(rate)}/s); rss ${fmt(before.rss)} → ${fmt(after.rss)} MB; ` +
        `heap ${fmt(before.heapUsed)} → ${fmt(after.heapUsed)} MB; heap along the way ${samples.map((s) => fmt(s)).join(' ')}`);

    const sameResources = describeResources(before.resources) === describeResources(after.resources);
    const rssGrowth = after.rss - before.rss;
    const heapGrowth = after.heapUsed - before.heapUsed;
    const heapAlongTheWay = Math.max(...samples) - before.heapUsed;
    // "Noise": a few MB of RSS (allocator and JIT pages come and go), a couple of MB of heap after GC
    // (the probes in flight and the queue of 1,024 checks at a checkpoint).
    const flat = sameResources && rssGrowth <= 10 && heapGrowth <= 1 && heapAlongTheWay <= 3;
    return {
        rows: [{
            id: '5b',
            measure: `Memory: ${count.toLocaleString('en-US')} probes of a refused port through ProbePool (cap ${CAP}; ${fmt(rate)} probes/s): before → after, after GC`,
            ours: `RSS ${fmt(before.rss)} → ${fmt(after.rss)} MB (${rssGrowth >= 0 ? '+' : ''}${fmt(rssGrowth)}), heap ${fmt(before.heapUsed)} → ${fmt(after.heapUsed)} MB; heap while probing, every ${fmt(every)} probes, after GC: ${samples.map((s) => fmt(s)).join(', ')} MB`,
            baseline: `active resources ${describeResources(before.resources)} → ${describeResources(after.resources)}`,
            ratio: null,
            target: 'flat (before → after: RSS ≤ +10 MB, heap ≤ +1 MB, same handles; heap while probing ≤ +3 MB)',
            met: flat,
            runs: 1,
        }],
        notes: count < wanted
            ? [`Section 5b ran ${count.toLocaleString('en-US')} probes instead of ${wanted.toLocaleString('en-US')}: at the warm-up's rate the million would not fit the bench's ${BUDGET_S} s budget for it.`]
            : [],
    };
});
