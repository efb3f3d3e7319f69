'use strict';
// The package as the palette manager installs it: `npm pack`, the tarball
// installed into a fresh Node-RED user directory with the palette manager's
// npm options (offline: the package has no runtime dependencies), then a
// real Node-RED process, checked through its admin API and an HTTP flow.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile } = require('child_process');
const { ROOT, PACKAGE_NAME, makeUserDir, startNodeRed, removeDir } = require('../browser/node-red-process');
const { listenOpen, closedPort } = require('../lib/net-fixtures');

const pkg = require(path.join(ROOT, 'package.json'));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, options) {
    return new Promise((resolve, reject) => {
        execFile(command, args, { maxBuffer: 16 * 1024 * 1024, ...options }, (err, stdout, stderr) => {
            if (err) {
                err.message += `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
                return reject(err);
            }
            resolve({ stdout, stderr });
        });
    });
}

/**
 * The package's own files that `entry` loads, directly or not: relative
 * require() calls (plain or with path.join(__dirname, …)) followed through
 * the built lib/, plus the worker script of the scan threads.
 */
function runtimeFiles(entry) {
    const seen = new Set();
    const visit = (file) => {
        const relative = path.relative(ROOT, file);
        if (seen.has(relative) || !fs.existsSync(file)) return;
        seen.add(relative);
        const text = fs.readFileSync(file, 'utf8');
        const dir = path.dirname(file);
        for (const [, target] of text.matchAll(/require\(["'](\.{1,2}\/[^"']+)["']\)/g)) {
            visit(path.resolve(dir, target.endsWith('.js') ? target : `${target}.js`));
        }
        for (const [, parts] of text.matchAll(/join\)?\(__dirname, ([^)]+)\)/g)) {
            const segments = [...parts.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]);
            visit(path.resolve(dir, ...segments));
        }
    };
    visit(entry);
    for (const needed of ['lib/threads/worker.js', 'resources/port-check-config.js']) {
        assert.ok(seen.has(needed), `the require graph misses ${needed}: ${[...seen].join(', ')}`);
    }
    return [...seen];
}

describe('packed install: npm pack, installed like the palette manager does, in a real Node-RED', function () {
    this.timeout(60000);
    this.slow(30000);

    let packDir;
    let tarball;
    let files;
    let userDir;
    let red;
    let openServer;

    before(async function () {
        this.timeout(180000);
        packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-pack-'));
        // As `npm publish` would: the prepare script builds lib/ first.
        const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT });
        const [info] = JSON.parse(stdout.slice(stdout.search(/^\[/m))); // after any lifecycle script output
        tarball = path.join(packDir, info.filename);
        files = info.files.map((f) => f.path);
        assert.ok(fs.existsSync(tarball), `npm pack wrote no ${tarball}`);
    });

    after(async function () {
        this.timeout(30000);
        if (red) await red.stop();
        if (openServer) await openServer.close();
        removeDir(userDir);
        removeDir(packDir);
    });

    it('packs what Node-RED needs and none of the sources or tests', function () {
        const required = [
            'package.json', 'README.md', 'LICENSE',
            'nodes/port-check.js', 'nodes/port-check.html', 'nodes/icons/port-check.svg',
            'nodes/locales/en-US/port-check.json', 'nodes/locales/en-US/port-check.html',
        ];
        for (const file of required) assert.ok(files.includes(file), `the tarball lacks ${file}`);
        // Every file the node loads at run time is there too: the require graph from the entry.
        for (const file of runtimeFiles(path.join(ROOT, 'nodes', 'port-check.js'))) {
            assert.ok(files.includes(file), `the tarball lacks ${file}, which the node loads`);
        }
        assert.ok(files.some((f) => /^examples\/.+\.json$/.test(f)), 'the tarball has no examples/*.json');
        const forbidden = files.filter((f) => /^(src|test|scripts|bench|docs|\.ci|\.node-red|\.matrix|node_modules)\//.test(f) || /^tsconfig|\.ts$|\.tgz$/.test(f));
        assert.deepStrictEqual(forbidden, [], 'the tarball carries files users do not need');
    });

    it('installs into a fresh user dir with the palette manager\'s npm options, offline', async function () {
        this.timeout(120000);
        userDir = makeUserDir('port-check-packed-');
        fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({
            name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true,
        }, null, 4));
        // The palette manager runs: npm install --no-audit --no-update-notifier --no-fund
        // --save --save-prefix=~ --omit=dev --engine-strict <module>
        await run(NPM, ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~',
            '--omit=dev', '--engine-strict', '--offline', tarball], { cwd: userDir });
        const installed = path.join(userDir, 'node_modules', PACKAGE_NAME);
        assert.ok(fs.existsSync(path.join(installed, 'nodes', 'port-check.js')));
        assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'installed as a copy, not a link');
        const deps = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8')).dependencies;
        assert.ok(deps && deps[PACKAGE_NAME], 'the user dir lists the package');
        // No runtime dependencies: nothing but the package itself was installed.
        const modules = fs.readdirSync(path.join(userDir, 'node_modules')).filter((m) => !m.startsWith('.'));
        assert.deepStrictEqual(modules, [PACKAGE_NAME]);
    });

    describe('in a running Node-RED', function () {
        before(async function () {
            if (!userDir) this.skip();
            this.timeout(90000);
            openServer = await listenOpen();
            red = await startNodeRed({ userDir });
        });

        it('lists port-check in GET /nodes, loaded from the installed package', async function () {
            const res = await red.request('/nodes', { headers: { Accept: 'application/json' } });
            assert.strictEqual(res.status, 200);
            const sets = JSON.parse(res.body);
            const ours = sets.find((set) => set.module === PACKAGE_NAME);
            assert.ok(ours, `GET /nodes has no ${PACKAGE_NAME}`);
            assert.deepStrictEqual(ours.types, ['port-check']);
            assert.strictEqual(ours.enabled, true);
            assert.strictEqual(ours.err, undefined, `failed to load: ${ours.err}`);
            assert.strictEqual(ours.version, pkg.version);
            assert.doesNotMatch(red.log, /Failed to register|Error loading|\[error\]/, 'Node-RED reported a load error');
        });

        it('serves the editor and the help in GET /nodes/<module>/port-check', async function () {
            const res = await red.request(`/nodes/${PACKAGE_NAME}/port-check`, { headers: { Accept: 'text/html' } });
            assert.strictEqual(res.status, 200);
            assert.match(res.body, /RED\.nodes\.registerType\(TYPE, definition\)|registerType\(/);
            assert.match(res.body, /data-template-name="port-check"/);
            assert.match(res.body, /data-help-name="port-check"/);
            assert.match(res.body, /<h3>Inputs<\/h3>/);
            assert.match(res.body, /<h3>Outputs<\/h3>/);
            assert.match(res.body, /<h3>Errors<\/h3>/);
        });

        it('serves the en-US message catalogue in GET /locales/<module>/port-check', async function () {
            const res = await red.request(`/locales/${PACKAGE_NAME}/port-check?lng=en-US`, { headers: { Accept: 'application/json' } });
            assert.strictEqual(res.status, 200);
            const catalogue = JSON.parse(res.body);
            assert.strictEqual(catalogue['port-check'].paletteLabel, 'port check');
            assert.match(catalogue['port-check'].errors.INVALID_PORT, /^Invalid port number/);
            assert.strictEqual(catalogue['port-check'].status.closed, 'closed');
        });

        it('runs a flow posted to /flows: http in -> port check (host and port from the query) -> http response', async function () {
            const flow = [
                { id: 'pk-tab', type: 'tab', label: 'packed' },
                { id: 'pk-in', type: 'http in', z: 'pk-tab', url: '/probe', method: 'get', upload: false, wires: [['pk-check']] },
                {
                    id: 'pk-check', type: 'port-check', z: 'pk-tab', name: '', color: '',
                    host: 'req.query.host', hostType: 'msg', port: 'req.query.port', portType: 'msg',
                    check: 'open', timeout: '5', timeoutType: 'num', delayBefore: 0, delayAfter: 0,
                    continueOnError: true, output: 'payload', concurrency: 256, wires: [['pk-shape']],
                },
                {
                    id: 'pk-shape', type: 'change', z: 'pk-tab', wires: [['pk-out']],
                    rules: [
                        { t: 'set', p: 'portCheck.result', pt: 'msg', to: 'payload', tot: 'msg' },
                        { t: 'set', p: 'payload', pt: 'msg', to: 'portCheck', tot: 'msg' },
                    ],
                },
                { id: 'pk-out', type: 'http response', z: 'pk-tab', statusCode: '', headers: {}, wires: [] },
            ];
            const deployed = await red.request('/flows', {
                method: 'POST',
                headers: { 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' },
                body: flow,
            });
            assert.strictEqual(deployed.status, 204, `POST /flows: ${deployed.status} ${deployed.body}`);

            // The deploy answers before the http in route is in place: wait for it.
            const deadline = Date.now() + 30000;
            for (;;) {
                const res = await red.request('/probe');
                if (res.status !== 404) break;
                if (Date.now() > deadline) assert.fail('GET /probe never left 404 after the deploy');
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            const probe = async (port) => {
                const res = await red.request(`/probe?host=127.0.0.1&port=${encodeURIComponent(port)}`, { headers: { Accept: 'application/json' } });
                assert.strictEqual(res.status, 200, `GET /probe: ${res.status} ${res.body}`);
                return JSON.parse(res.body);
            };
            const open = await probe(openServer.port);
            assert.strictEqual(open.result, true);
            assert.strictEqual(open.state, 'open');
            assert.strictEqual(open.port, openServer.port);

            const closed = await probe(await closedPort());
            assert.strictEqual(closed.result, false);
            assert.strictEqual(closed.state, 'closed');

            // An error, with Continue On Error: false and the catalogue's text.
            const invalid = await probe('80abc');
            assert.strictEqual(invalid.result, false);
            assert.strictEqual(invalid.error.code, 'INVALID_PORT');
            assert.match(invalid.error.message, /^Invalid port number: "80abc"/);

            assert.doesNotMatch(red.log, /\[error\]/, 'Node-RED logged an error');
        });
    });
});
