#!/usr/bin/env node
'use strict';
// `npm run scorecard`: the Flow Library's scorecard for this package, as
// flows.nodered.org computes it when a package is added: `node-red-dev
// validate` (a devDependency). node-red-dev fetches the Flow Library
// catalogue, which this machine cannot reach, so it runs with
// scripts/scorecard-stub.js preloaded: that one request is answered with an
// empty catalogue, and the two checks that need it (P08, N01) are reported
// as not checked. node-red-dev never fails by itself (it only warns): this
// script reads the scorecard it writes, adds what the tool misses, prints a
// table and exits 1 when a check that is ours fails.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const STUB = path.join(__dirname, 'scorecard-stub.js');
const VALIDATE = path.join(path.dirname(require.resolve('node-red-dev/package.json')), 'bin', 'run');

const CHECKS = {
    P01: 'package has a license',
    P03: 'package has a repository or bugs URL',
    P04: 'package name follows the naming rules',
    P05: 'keywords contain "node-red"',
    P06: 'node-red.version is compatible with a current Node-RED',
    P07: 'engines.node is compatible with the current Node-RED',
    P08: 'no package with a similar name in the Flow Library',
    N00: 'node-red-dev can read every node definition (registerType with a literal)',
    N01: 'node types are not registered by another package',
    N02: 'examples use every node',
    D01: 'at most 6 dependencies',
    D02: 'no incompatible packages in the dependency tree',
    D03: 'dependencies at their latest versions',
};
/** Checks that compare with the Flow Library catalogue, which the stub answers empty. */
const NEEDS_CATALOGUE = new Set(['P08', 'N01']);

function validate(output) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--require', STUB, VALIDATE, 'validate', '--path', ROOT, '--output', output], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let log = '';
        for (const stream of [child.stdout, child.stderr]) {
            stream.on('data', (data) => {
                log += data;
                process.stdout.write(data);
            });
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 180000);
        child.on('error', reject);
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code: code ?? signal, log });
        });
    });
}

async function main() {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-scorecard-'));
    const output = path.join(outDir, 'scorecard.json');
    console.log(`[scorecard] node-red-dev validate --path ${ROOT}`);
    console.log('[scorecard] with scripts/scorecard-stub.js preloaded: the Flow Library catalogue cannot be reached from here,');
    console.log('[scorecard] so the stub answers it with an empty catalogue; P08 and N01 are therefore not checked.\n');
    let result;
    let card;
    try {
        result = await validate(output);
        card = JSON.parse(fs.readFileSync(output, 'utf8'));
    } catch (err) {
        console.error(`\n[scorecard] node-red-dev validate wrote no scorecard: ${err.message}`);
        process.exitCode = 1;
        return;
    } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
    }

    // node-red-dev marks P05 passed even when the keyword is missing: check it here.
    card.P05 = { test: Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red') };
    // A definition it cannot parse is skipped with a console line, leaving N01 and N02 vacuous.
    const unparsed = [...result.log.matchAll(/Unable to parse\s+(\S+)/g)].map((m) => m[1]);
    card.N00 = { test: unparsed.length === 0, files: unparsed };
    // Without the definitions node-red-dev passes N02 over an empty list of nodes:
    // check here that some example uses each node set (named like its type here).
    const types = Object.keys(pkg['node-red'].nodes || {});
    if (unparsed.length || !card.N02 || !card.N02.nodes || types.some((t) => !card.N02.nodes.includes(t))) {
        const dir = path.join(ROOT, 'examples');
        const used = new Set();
        for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
            try {
                for (const node of JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))) used.add(node.type);
            } catch {
                // node-red-dev warns about unreadable examples itself
            }
        }
        const missing = types.filter((t) => !used.has(t));
        card.N02 = { test: missing.length === 0, note: missing.length ? `no example uses ${missing.join(', ')}` : 'checked by scripts/scorecard.js' };
    }
    const warnings = [...result.log.matchAll(/Warning: (.+)/g)].map((m) => m[1].trim());

    const rows = [];
    let failed = 0;
    for (const [id, what] of Object.entries(CHECKS)) {
        const entry = card[id];
        let state;
        if (NEEDS_CATALOGUE.has(id)) state = 'not checked (stubbed catalogue)';
        else if (!entry) state = 'MISSING';
        else state = entry.test ? 'pass' : 'FAIL';
        if (state === 'FAIL' || state === 'MISSING') failed++;
        let detail = '';
        if (id === 'N00' && !entry.test) detail = `no registerType("<type>", { … }) it can read in ${entry.files.map((f) => f.replace(/\.js$/, '.html')).join(', ')}`;
        if (id === 'N02' && entry && entry.note) detail = entry.note;
        if (id === 'P06' && entry && entry.versions) detail = `Node-RED ${entry.versions.join(', ')}`;
        if (id === 'D01' && entry) detail = `${entry.total} dependencies`;
        rows.push([id, what, state, detail]);
    }
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    console.log(`\n[scorecard] ${pkg.name}@${pkg.version}`);
    for (const row of rows) {
        console.log(`  ${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2].padEnd(widths[2])}  ${row[3]}`.trimEnd());
    }
    for (const warning of warnings) {
        // P04 warns on every unscoped name, then passes a valid node-red-contrib- one.
        const note = /^P04 New Packages should use a scoped name/.test(warning) && card.P04 && card.P04.test
            ? ' (advice only: P04 passed, the name node-red-contrib-… is valid)' : '';
        console.log(`  warning: ${warning}${note}`);
    }
    if (result.code !== 0) {
        console.log(`[scorecard] node-red-dev exited with ${result.code}`);
        failed++;
    }
    console.log(failed ? `\n[scorecard] ${failed} check(s) of ours FAILED` : '\n[scorecard] every check of ours passed');
    process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
    console.error(`[scorecard] ${err.stack || err}`);
    process.exitCode = 1;
});
