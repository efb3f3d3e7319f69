'use strict';
// One-off timing of ScanWorkers against a single-threaded ProbePool on
// 127.0.0.1 (not part of bench/run.js): a whole-range scan and smaller
// ranges, to choose the port count from which ProbePool uses threads
// (THREADED_SCAN_MIN_PORTS in src/probe/pool.ts).
// Run after `npm run build`: node bench/threads-threshold.js
// SKIP_PORTS=2024,… leaves out ports that must not be touched (a control
// service of the machine, say).
const { performance } = require('perf_hooks');
const { ProbePool } = require('../lib/probe/pool.js');
const { ScanWorkers } = require('../lib/threads/workers.js');
const { parseHost } = require('../lib/parse/hosts.js');
const { median } = require('./lib/stats');

const HOST = parseHost('127.0.0.1');
const TIMEOUT_MS = 1000;
const CONCURRENCY = 256;
const THREADS = 2;
const ROUNDS = 3;
const RANGES = [65535, 16384, 4096, 1024];
const SKIPPED_PORTS = new Set((process.env.SKIP_PORTS || '').split(',').filter(Boolean).map(Number));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portsUpTo(last) {
    return Array.from({ length: last }, (_, i) => i + 1).filter((port) => !SKIPPED_PORTS.has(port));
}

/** Runs `start(callback)` and resolves with its elapsed ms and how many ports it found open. */
function timed(start) {
    return new Promise((resolve) => {
        const started = performance.now();
        start((results) => {
            const elapsedMs = performance.now() - started;
            resolve({ elapsedMs, open: results.filter((r) => r.state === 'open').length });
        });
    });
}

const singleThread = (ports) => timed((done) => new ProbePool(CONCURRENCY).check({ hosts: [HOST], ports, timeoutMs: TIMEOUT_MS }, done));
const onWorkers = (workers, ports) => timed((done) => workers.scan({ host: HOST, ports, timeoutMs: TIMEOUT_MS, concurrency: CONCURRENCY }, done));

async function main() {
    const warm = new ScanWorkers(THREADS);
    await onWorkers(warm, portsUpTo(1024));
    if (SKIPPED_PORTS.size > 0) console.log(`skipped ports: ${[...SKIPPED_PORTS].join(', ')}`);
    console.log(`127.0.0.1, timeout ${TIMEOUT_MS} ms, concurrency ${CONCURRENCY}, ${THREADS} threads, median of ${ROUNDS} rounds (ms)`);
    console.log('ports  | one thread | workers, first scan (spawn incl.) | workers, warm | warm speed-up | open found (1 / cold / warm)');
    for (const last of RANGES) {
        const ports = portsUpTo(last);
        const times = { single: [], cold: [], warm: [] };
        let open;
        for (let round = 0; round < ROUNDS; round++) {
            const single = await singleThread(ports);
            await sleep(200);
            const coldWorkers = new ScanWorkers(THREADS);
            const cold = await onWorkers(coldWorkers, ports);
            await coldWorkers.close();
            await sleep(200);
            const hot = await onWorkers(warm, ports);
            await sleep(200);
            times.single.push(single.elapsedMs);
            times.cold.push(cold.elapsedMs);
            times.warm.push(hot.elapsedMs);
            open = `${single.open} / ${cold.open} / ${hot.open}`;
        }
        const [single, cold, hot] = [median(times.single), median(times.cold), median(times.warm)];
        console.log(`1-${last}`.padEnd(7) + `| ${single.toFixed(0).padStart(10)} | ${cold.toFixed(0).padStart(33)} | ${hot.toFixed(0).padStart(13)} | ${(single / hot).toFixed(2).padStart(12)}x | ${open}`);
    }
    await warm.close();
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
