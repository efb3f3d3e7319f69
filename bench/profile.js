#!/usr/bin/env node
'use strict';
// Where the time goes: runs the node's side of bench sections 2 and 3 under
// `node --cpu-prof` and sums the profile up.
//
//   node bench/profile.js                 both scenarios (run `npm run build` first)
//   node bench/profile.js flow            50,000 messages through a flow (section 2)
//   node bench/profile.js range           the full range in one message (section 3)
//   node bench/profile.js --keep          keep the .cpuprofile files (open them in Chrome DevTools)
//
// For each scenario: time by kind of code (ours in nodes/ and lib/, the compiled src/; Node-RED; Node's
// own net/streams, GC, idle), then our functions by self time and by total
// (inclusive) time. The profiles go to a temporary directory.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const SCENARIOS = ['flow', 'range'];

// ---- child side: one scenario, nothing else -------------------------------

async function scenario(name) {
    const { startListeners } = require('./lib/listeners');
    const { loadFlow, unloadFlow } = require('./lib/flow');
    const { closedPort } = require('../test/lib/net-fixtures');
    if (name === 'flow') {
        const listeners = await startListeners([0]);
        const refused = await closedPort();
        const { node, sink } = await loadFlow({ concurrency: 256, timeout: '1' });
        for (let round = 0; round < 2; round++) {
            const target = sink.count + 50000;
            const arrived = sink.waitFor(target);
            for (let i = 0; i < 50000; i += 1000) {
                for (let j = i; j < i + 1000; j++) node.receive({ port: j % 2 ? refused : listeners.ports[0] });
                await new Promise((resolve) => setImmediate(resolve));
            }
            await arrived;
        }
        await unloadFlow();
        await listeners.close();
    } else {
        const listeners = await startListeners([1, 65535, 0, 0]);
        const { node, sink } = await loadFlow({ concurrency: 256, timeout: '1' });
        for (let round = 0; round < 2; round++) {
            node.receive({ port: '1-65535' });
            await sink.waitFor(round + 1);
        }
        await unloadFlow();
        await listeners.close();
    }
}

// ---- parent side: run, then read the profile -------------------------------

/** Self and inclusive time per function, and time per kind of code. */
function summarize(file) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);

    const keyOf = (n) => {
        const { functionName, url, lineNumber } = n.callFrame;
        const file = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
        return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
    };
    const kindOf = (n) => {
        const url = n.callFrame.url;
        if (!url) return n.callFrame.functionName; // (garbage collector), (idle), (program), native
        if (url.includes(`${ROOT}/nodes/`) || url.includes(`${ROOT}/lib/`)) return 'ours (nodes/, lib/)';
        if (url.includes('node_modules/@node-red/') || url.includes('node_modules/node-red')) return 'Node-RED runtime';
        if (url.startsWith('node:')) return 'Node.js core (net, streams, timers)';
        if (url.includes(`${ROOT}/bench/`)) return 'the bench itself';
        return 'other';
    };

    const self = new Map();
    const total = new Map();
    const kinds = new Map();
    let all = 0;
    profile.samples.forEach((id, i) => {
        const dt = profile.timeDeltas[i] || 0;
        all += dt;
        const n = nodes.get(id);
        const key = keyOf(n);
        self.set(key, (self.get(key) || 0) + dt);
        kinds.set(kindOf(n), (kinds.get(kindOf(n)) || 0) + dt);
        const seen = new Set();
        for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
            const k = keyOf(nodes.get(cur));
            if (seen.has(k)) continue;
            seen.add(k);
            total.set(k, (total.get(k) || 0) + dt);
        }
    });
    return { all, self, total, kinds };
}

function report(name, summary, top = 20) {
    const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / summary.all).toFixed(1).padStart(5)}%`;
    const ours = (k) => k.includes(' nodes/') || k.includes(' lib/');
    const lines = [`## ${name}: ${(summary.all / 1000).toFixed(0)} ms of samples`, '', 'By kind of code (self time):'];
    for (const [k, v] of [...summary.kinds].sort((a, b) => b[1] - a[1])) lines.push(`  ${ms(v)}  ${k}`);
    lines.push('', 'Our functions by self time:');
    for (const [k, v] of [...summary.self].filter(([k]) => ours(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(v)}  ${k}`);
    lines.push('', 'Our functions by total time (callees included):');
    for (const [k, v] of [...summary.total].filter(([k]) => ours(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(v)}  ${k}`);
    lines.push('', 'Everything by self time:');
    for (const [k, v] of [...summary.self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(v)}  ${k}`);
    return lines.join('\n');
}

function main() {
    const args = process.argv.slice(2);
    const keep = args.includes('--keep');
    const chosen = args.filter((a) => SCENARIOS.includes(a));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-prof-'));
    for (const name of chosen.length ? chosen : SCENARIOS) {
        const out = path.join(dir, name);
        const run = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${out}`, __filename, '--scenario', name], { stdio: 'inherit' });
        if (run.status !== 0) throw new Error(`scenario ${name} failed`);
        const file = path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.cpuprofile')));
        console.log(report(name, summarize(file)));
        console.log(keep ? `\nprofile: ${file}\n` : '');
    }
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--scenario') {
    scenario(process.argv[3]).then(() => process.exit(0), (err) => {
        console.error(err);
        process.exit(1);
    });
} else {
    main();
}
