'use strict';
// Section 5c — memory of one big message.
//
// What: one message asking for a host's whole port range (1 × 65,535,
// which goes over the scan threads), for 256 hosts × 256 ports, and for two
// hosts' whole range (2 × 65,535, over the default limit: run with
// portCheck.maxProbesPerMessage at 131,072). Each in a fresh child process
// with a 256 MB heap, through the node in a Node-RED runtime
// (test/reliability/big-message-run.js, the test helper's spies removed):
// the process's peak RSS against its RSS at rest just before the message,
// the time to the answer, and the heap the answer keeps per entry of
// `results` against the bytes of that entry in JSON.
// Why: one message must not take the memory of a small Node-RED (a
// Raspberry Pi's) for itself; its report should cost about what it says.
// The reliability suite (test/reliability/big-messages.test.js) holds the
// peak under 240 MB.
const path = require('path');
const { execFile } = require('child_process');
const { fmt, median } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const SCRIPT = path.join(__dirname, '..', '..', 'test', 'reliability', 'big-message-run.js');
const HOSTS_256 = Array.from({ length: 256 }, (_, i) => `127.0.1.${i}`).join(',');

const CASES = [
    { label: '1 host × 1-65535 (scan threads)', spec: { host: '127.0.0.1', port: '1-65535' } },
    { label: '256 hosts × 256 ports', spec: { host: HOSTS_256, port: '1-256' } },
    { label: '2 hosts × 1-65535 (limit raised to 131,072)', spec: { host: '127.0.0.1,127.0.0.2', port: '1-65535', limit: 131072 } },
];

function runOnce(spec) {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ['--expose-gc', '--max-old-space-size=256', SCRIPT, JSON.stringify(spec)], { timeout: 120000, maxBuffer: 1 << 20 },
            (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()))));
    });
}

sectionMain(async ({ quick }) => {
    const runs = quick ? 1 : 3;
    const rows = [];
    for (const { label, spec } of CASES) {
        const results = [];
        for (let i = 0; i < runs; i++) {
            const r = await runOnce(spec);
            if (r.kind !== 'output') throw new Error(`${label}: ${JSON.stringify(r.error)}`);
            results.push(r);
            log(`5c ${label}: ${r.ms} ms, RSS ${r.rssBeforeMb} → peak ${r.peakRssMb} MB, ${r.heap.bytesPerEntry} B/entry kept (JSON ${r.heap.jsonBytesPerEntry})`);
        }
        const m = (pick) => median(results.map(pick));
        const peak = m((r) => r.peakRssMb);
        const rest = m((r) => r.rssBeforeMb);
        const kept = m((r) => r.heap.bytesPerEntry);
        const json = m((r) => r.heap.jsonBytesPerEntry);
        rows.push({
            id: '5c',
            measure: `Memory: one message, ${label}, 256 MB heap: peak RSS, time, heap kept by msg.portCheck per entry of results`,
            ours: `peak ${fmt(peak)} MB RSS (+${fmt(peak - rest)} MB), ${fmt(m((r) => r.ms) / 1000)} s, ${fmt(kept)} B/entry kept (${fmt(m((r) => r.heap.retainedMb))} MB)`,
            baseline: `${fmt(rest)} MB RSS at rest; ${fmt(json)} B/entry as JSON`,
            ratio: kept / json,
            target: 'peak < 240 MB; kept ≤ 1.5 × JSON',
            met: peak < 240 && kept <= 1.5 * json,
            runs,
        });
    }
    return { rows, notes: ['5c: "kept" is the heap still used, after a full GC, while the answered message is held; the ratio is kept ÷ JSON bytes per entry.'] };
});
