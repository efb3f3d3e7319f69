'use strict';
// nmap for the bench's comparisons (sections 3 and 6, and the header of
// bench/results.md): its version, and a connect scan's wall time and port
// states read from its grepable output (-oG -).
const { performance } = require('perf_hooks');
const { spawn, execFileSync } = require('child_process');

/** nmap's version, or null when it is not installed. */
function nmapVersion() {
    try {
        return /Nmap version (\S+)/.exec(execFileSync('nmap', ['--version'], { encoding: 'utf8' }))[1];
    } catch {
        return null;
    }
}

/**
 * Runs nmap with `args` (which must include `-oG -`), through `spawnIt`
 * (a namespace's spawn, say); resolves with its wall time and the ports it
 * found open and filtered.
 */
function nmapScan(args, spawnIt = (command, argv) => spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] })) {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawnIt('nmap', args);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { err += d; });
        child.once('error', reject);
        child.once('exit', (code) => {
            const elapsedMs = performance.now() - started;
            if (code !== 0) return reject(new Error(`nmap exited ${code}: ${err}`));
            const open = new Set();
            const filtered = new Set();
            const line = out.split('\n').find((l) => l.includes('Ports:')) || '';
            for (const m of line.matchAll(/(\d+)\/(open|filtered|closed)\/tcp/g)) {
                if (m[2] === 'open') open.add(Number(m[1]));
                if (m[2] === 'filtered') filtered.add(Number(m[1]));
            }
            resolve({ elapsedMs, open, filtered });
        });
    });
}

module.exports = { nmapVersion, nmapScan };
