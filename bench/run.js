#!/usr/bin/env node
'use strict';
// `npm run bench`: how the port-check node performs against baselines
// measured in the same run, on loopback only (127.0.0.1; section 6 also
// inside network namespaces of its own, with no route out). Not part of
// `npm test`. Prints one markdown table and writes it, with the machine it
// ran on, to bench/results.md.
//
//   node bench/run.js            the full bench (about 7 minutes)
//   node bench/run.js --quick    small counts, for trying changes; writes nothing
//   node bench/run.js --only=1,3 some sections only; writes nothing
//   node bench/threads-threshold.js   (apart) threads against one thread, by scan size
//
// Sections (each in its own child process, see bench/sections/*.js):
//   1   one probe, open and refused: the node's probe vs bare net.connect
//   2   50,000 messages through a Node-RED flow vs a bare connect loop
//   3   the full range 1-65535 vs nmap, portscanner, is-port-reachable
//   4   filtered port: how late the answer comes after the timeout
//   5a  memory of 100,000 messages queued behind the cap
//   5b  memory and handles before/after 1,000,000 probes
//   5c  memory of one big message: a whole port range, 256 hosts × 256 ports
//   6   real networks: a lossy link (vs nmap) and a clean one between network
//       namespaces, a DNS burst (vs a bare dns.Resolver), a silent DNS
//       server, IP version "both", Max rate (needs root for the namespaces)
//   7   200 TLS ports through the node (TLS service check) vs a bare tls.connect loop
//
// Garbage collection is forced only in the memory sections (5a, 5b, 5c). The
// speed sections let V8 collect as it would in a running Node-RED: a forced
// full GC shrinks the young generation, and the next few thousand probes of
// whichever side ran next were 20-40% slower (measured in section 1).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { nmapVersion } = require('./lib/nmap');
const { runSection } = require('./lib/section');
const { fmt } = require('./lib/stats');

const SECTIONS = [
    { id: '1', name: '1-single-probe', title: 'One probe, loopback' },
    { id: '2', name: '2-flow-throughput', title: 'Messages through a flow' },
    { id: '3', name: '3-full-range', title: 'Full range 1-65535' },
    { id: '4', name: '4-filtered-timeout', title: 'Filtered port: lateness' },
    { id: '5a', name: '5a-memory-queue', title: 'Memory: queued messages' },
    { id: '5b', name: '5b-memory-million', title: 'Memory: a million probes' },
    { id: '5c', name: '5c-memory-one-message', title: 'Memory: one big message' },
    { id: '6', name: '6-real-networks', title: 'Real networks' },
    { id: '7', name: '7-service-tls', title: 'TLS service checks' },
];
// Every section may collect garbage between runs (and 5a/5b must, to measure memory).
const EXEC_ARGV = ['--expose-gc'];

function parseArgs(argv) {
    const quick = argv.includes('--quick');
    const only = (argv.find((a) => a.startsWith('--only=')) || '').slice('--only='.length);
    return { quick, only: only ? only.split(',') : null };
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

function cell(text) {
    return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The one table: a row per measure, ratios against the baseline of the same run. */
function table(rows) {
    const lines = [
        '| # | Measure | port-check (median) | Baseline (median) | Ratio | Target | Met | Runs |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const r of rows) {
        const met = r.met === true ? 'yes' : r.met === false ? '**NO**' : '—';
        const ratio = typeof r.ratio === 'number' ? `${fmt(r.ratio)}×` : '—';
        lines.push(`| ${[r.id, r.measure, r.ours, r.baseline, ratio, r.target, met, r.runs].map(cell).join(' | ')} |`);
    }
    return lines.join('\n');
}

async function main() {
    const { quick, only } = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const loadAtStart = loadavg();
    if (os.loadavg()[0] > 1) {
        process.stderr.write(`warning: the 1-minute load is ${os.loadavg()[0].toFixed(2)}; timings will be noisy\n`);
    }
    const rows = [];
    const notes = [];
    for (const section of SECTIONS) {
        if (only && !only.includes(section.id)) continue;
        process.stderr.write(`section ${section.id}: ${section.title}\n`);
        const t0 = Date.now();
        try {
            const result = await runSection(section.name, { execArgv: EXEC_ARGV, options: { quick }, timeoutMs: 240000 });
            rows.push(...result.rows);
            notes.push(...result.notes.map((n) => `(${section.id}) ${n}`));
        } catch (err) {
            rows.push({ id: section.id, measure: `${section.title}: FAILED`, ours: err.message, baseline: '—', ratio: null, target: '—', met: false, runs: 0 });
        }
        process.stderr.write(`section ${section.id} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const elapsedS = (Date.now() - started) / 1000;
    const cpus = os.cpus();
    const nmap = nmapVersion();

    const text = [
        '# port-check benchmark results',
        '',
        `- Date: ${new Date().toISOString()}`,
        `- Machine: ${cpus.length} × ${cpus[0] ? cpus[0].model.trim() : 'unknown CPU'}, ${Math.round(os.totalmem() / 1073741824)} GB RAM, ${os.type()} ${os.release()}`,
        `- Node.js ${process.version}; nmap ${nmap || 'not installed (its comparison skipped)'}`,
        `- Load average (1/5/15 min): ${loadAtStart} at the start, ${loadavg()} at the end`,
        `- Repetitions: the Runs column (each row's values are medians over its runs; ratios are the median of per-run ratios where a run measures both sides back to back)`,
        `- Mode: ${quick ? 'QUICK (small counts, not for comparison)' : 'full'}; the whole bench took ${fmt(elapsedS)} s`,
        '- Traffic: loopback only (127.0.0.1; section 6 also between network namespaces of its own, with no route out); every section in its own `node --expose-gc` child process; garbage collection forced only in the memory sections (5a, 5b, 5c)',
        '',
        table(rows),
        '',
        ...(notes.length ? ['Notes:', '', ...notes.map((n) => `- ${n}`), ''] : []),
    ].join('\n');

    process.stdout.write(`${text}\n`);
    if (!quick && !only) {
        fs.writeFileSync(path.join(__dirname, 'results.md'), `${text}\n`);
        process.stderr.write('written to bench/results.md\n');
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
