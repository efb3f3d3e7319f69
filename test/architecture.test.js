'use strict';
// The layout of src/ as docs/architecture.md draws it ("How the modules
// depend on each other"), read from the imports of every source file
// (type-only imports included): no import cycle, each folder imports only
// the folders below it, and no source file grows past 400 lines.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const SRC = path.join(__dirname, '..', 'src');

/** What each part of src/ may import (besides itself). */
const MAY_IMPORT = {
    'port-check.ts': ['node', 'probe', 'threads', 'dns', 'parse', 'util', 'errors.ts'],
    node: ['parse', 'probe', 'dns', 'service', 'util', 'errors.ts'],
    threads: ['probe', 'parse', 'util', 'errors.ts'],
    probe: ['dns', 'service', 'parse', 'util', 'errors.ts'],
    service: ['parse', 'util', 'errors.ts'],
    dns: ['util', 'errors.ts'],
    parse: ['util', 'errors.ts'],
    util: [],
    'errors.ts': [],
};

function sourceFiles(dir = SRC) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(full);
        return entry.name.endsWith('.ts') ? [full] : [];
    });
}

/** The src/ files a file imports, relative to src/. */
function importsOf(file) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]);
    return targets.map((target) => path.relative(SRC, path.resolve(path.dirname(file), `${target}.ts`)));
}

/** The part of src/ a file belongs to: its folder, or its own name at the top. */
const partOf = (relative) => (relative.includes(path.sep) ? relative.split(path.sep)[0] : relative);

describe('architecture: the modules of src/ and how they depend on each other', function () {
    const files = sourceFiles().map((file) => path.relative(SRC, file));
    const graph = new Map(files.map((file) => [file, importsOf(path.join(SRC, file))]));

    it('every import names a file of src/', function () {
        for (const [file, imports] of graph) {
            for (const target of imports) assert.ok(graph.has(target), `${file} imports ${target}, which does not exist`);
        }
    });

    it('has no import cycle, type-only imports included', function () {
        const state = new Map();
        const visit = (file, trail) => {
            if (state.get(file) === 'done') return;
            if (state.get(file) === 'open') assert.fail(`import cycle: ${[...trail.slice(trail.indexOf(file)), file].join(' -> ')}`);
            state.set(file, 'open');
            for (const target of graph.get(file) || []) visit(target, [...trail, file]);
            state.set(file, 'done');
        };
        for (const file of graph.keys()) visit(file, []);
    });

    it('each part imports only the parts below it (probe/ knows nothing of Node-RED or threads)', function () {
        for (const [file, imports] of graph) {
            const part = partOf(file);
            assert.ok(part in MAY_IMPORT, `${file} is in no part of the layout`);
            for (const target of imports) {
                const other = partOf(target);
                if (other === part) continue;
                assert.ok(MAY_IMPORT[part].includes(other), `${file} (${part}) imports ${target} (${other})`);
            }
        }
        for (const file of files.filter((f) => partOf(f) === 'probe')) {
            assert.ok(!/from 'node-red'|worker_threads/.test(fs.readFileSync(path.join(SRC, file), 'utf8')), `${file} uses Node-RED or threads`);
        }
    });

    it('no source file is over 400 lines', function () {
        for (const file of files) {
            const lines = fs.readFileSync(path.join(SRC, file), 'utf8').split('\n').length;
            assert.ok(lines <= 400, `${file}: ${lines} lines`);
        }
    });
});

describe('architecture: the test groups', function () {
    it('test:unit, test:reliability and test:browser together run every test file npm test runs, each with the DNS guard', function () {
        const scripts = require('../package.json').scripts;
        const groups = ['test:unit', 'test:reliability', 'test:browser'].map((name) => scripts[name]);
        for (const group of groups) assert.match(group, /--require test\/lib\/dns-guard\.js/, group);
        const dirs = new Set();
        for (const group of groups) {
            for (const [, list] of group.matchAll(/'test\/\{([^}]+)\}\/\*\*\/\*\.test\.js'/g)) list.split(',').forEach((d) => dirs.add(d));
            for (const [, dir] of group.matchAll(/'test\/([a-z]+)\/\*\*\/\*\.test\.js'/g)) dirs.add(dir);
        }
        const TEST = path.join(__dirname);
        const withTests = fs.readdirSync(TEST, { withFileTypes: true })
            .filter((entry) => entry.isDirectory() && fs.readdirSync(path.join(TEST, entry.name), { recursive: true }).some((f) => String(f).endsWith('.test.js')))
            .map((entry) => entry.name);
        for (const dir of withTests) assert.ok(dirs.has(dir), `test/${dir}/ is in no group`);
    });
});
