'use strict';
// Example 19 (Status board, Dashboard 2.0) as people meet it: a real
// Node-RED process whose user dir has this package and
// @flowfuse/node-red-dashboard installed (both linked in, as npm start does),
// the example deployed through the admin API against four loopback servers
// the test owns, checked every second instead of every 10 s, and the
// dashboard page in Debian's chromium (headless, driven by playwright-core).
// A row per service, open with a latency; one server stops, its row turns
// closed, its last check moves on, a notification says so. Screenshot:
// test/artifacts/dashboard.png.
//
// Without chromium the suite is skipped with a message, except in CI
// (CI=true), where a missing browser fails it. PORT_CHECK_CHROMIUM points
// at another chromium binary.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { makeUserDir, linkPackage, startNodeRed, removeDir, RED } = require('./node-red-process');
const { chromiumOrSkip, openBrowser, artifact, stepsInOrder } = require('./chromium');
const { listenOpen } = require('../lib/net-fixtures');
const { readExample, pointAt, nodeOf, assertLoopbackOnly, DASHBOARD_NAME, DASHBOARD_DIR } = require('../lib/examples-flows');

/** Every wait on the page: generous, since other test runs share the 2 cores. */
const WAIT = { timeout: 30000 };
const SERVICES = ['Auth Service', 'User Service', 'Payment Service', 'Notification Service'];
const STOPPED = 'Payment Service';

/**
 * Installs Dashboard 2.0 into a user dir the way `npm install` of a linked
 * package does (and scripts/start.js): node_modules/@flowfuse/node-red-dashboard
 * is a link to this project's devDependency, listed in the user dir's
 * package.json dependencies beside this package (linkPackage wrote it).
 */
function linkDashboard(userDir) {
    const link = path.join(userDir, 'node_modules', DASHBOARD_NAME);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(DASHBOARD_DIR, link, 'dir');
    const file = path.join(userDir, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    pkg.dependencies = { ...pkg.dependencies, [DASHBOARD_NAME]: `file:${DASHBOARD_DIR}` };
    fs.writeFileSync(file, JSON.stringify(pkg, null, 4));
}

describe(`Dashboard 2.0 status board (example 19) in a real browser (chromium, ${RED.label})`, function () {
    this.timeout(60000);
    this.slow(15000);

    let red;
    let browser;
    let page;
    const servers = new Map(); // service name -> loopback server
    let pageErrors = [];

    before(async function () {
        chromiumOrSkip(this);
        this.timeout(120000);
        for (const name of SERVICES) servers.set(name, await listenOpen('127.0.0.1'));

        const userDir = makeUserDir('port-check-dashboard-');
        linkPackage(userDir);
        linkDashboard(userDir);
        red = await startNodeRed({ userDir });

        browser = await openBrowser({ viewport: { width: 1280, height: 720 }, timeoutMs: WAIT.timeout });
        ({ page, errors: pageErrors } = browser);
    });

    after(async function () {
        this.timeout(30000);
        if (browser) await browser.close();
        if (red) {
            await red.stop();
            removeDir(red.userDir);
        }
        for (const server of servers.values()) await server.close().catch(() => {});
    });

    // The steps build on each other: after a failure the rest are skipped, not failed again.
    stepsInOrder('dashboard-', () => ({ page, red }));

    /** The board's address on Node-RED: the ui-base's path and the ui-page's (/dashboard/port-check). */
    function dashboardPath() {
        const flow = readExample('19');
        return nodeOf(flow, 'ex19-base').path + nodeOf(flow, 'ex19-page').path;
    }

    /** The rows of the status board's table as the page shows them: { service, state, latency, checked } each. */
    function rows() {
        return page.evaluate(() => [...document.querySelectorAll('#nrdb-ui-widget-ex19-table table tbody tr')].map((tr) => {
            const cell = (key) => {
                const td = tr.querySelector(`td[data-column-key="${key}"]`);
                return td ? td.textContent.trim() : null;
            };
            return { service: cell('service'), state: cell('state'), latency: cell('latency'), checked: cell('checked') };
        }));
    }

    /** Waits until `test(rows)` holds for the table's rows; fails with the last rows seen. */
    async function waitForRows(test, what) {
        const deadline = Date.now() + WAIT.timeout;
        let seen = [];
        while (Date.now() < deadline) {
            seen = await rows();
            if (test(seen)) return seen;
            await page.waitForTimeout(200);
        }
        throw new Error(`the table never showed ${what}; last rows: ${JSON.stringify(seen)}`);
    }

    it(`loads ${DASHBOARD_NAME} from the user dir, beside port-check`, async function () {
        const res = await red.request('/nodes', { headers: { Accept: 'application/json' } });
        assert.strictEqual(res.status, 200);
        const sets = JSON.parse(res.body);
        const types = new Set(sets.filter((s) => s.module === DASHBOARD_NAME && s.enabled && !s.err).flatMap((s) => s.types));
        for (const type of ['ui-base', 'ui-page', 'ui-group', 'ui-theme', 'ui-table', 'ui-notification']) assert.ok(types.has(type), `${type} loaded`);
        assert.ok(sets.some((s) => s.types.includes('port-check') && !s.err), 'port-check loaded');
    });

    it('deploys example 19 pointed at four loopback servers, checked every second', async function () {
        const flow = readExample('19');
        SERVICES.forEach((name, i) => {
            const check = pointAt(flow, `ex19-check${i + 1}`, servers.get(name).port);
            assert.strictEqual(check.name, name);
            Object.assign(nodeOf(flow, `ex19-inject${i + 1}`), { repeat: '1', once: true, onceDelay: 0.1 });
        });
        assertLoopbackOnly(flow);
        const res = await red.request('/flows', { method: 'POST', body: flow, headers: { 'Node-RED-Deployment-Type': 'full' } });
        assert.strictEqual(res.status, 204, res.body);
        const deployed = JSON.parse((await red.request('/flows', { headers: { Accept: 'application/json' } })).body);
        assert.ok(deployed.some((n) => n.id === 'ex19-table' && n.type === 'ui-table'));
        // POST /flows answers before the new flows have started: the dashboard's
        // routes come with its ui-base node, so wait until the page is served.
        const deadline = Date.now() + WAIT.timeout;
        let status;
        while (Date.now() < deadline && status !== 200) {
            ({ status } = await red.request(dashboardPath(), { headers: { Accept: 'text/html' } }));
            if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.strictEqual(status, 200, `GET ${dashboardPath()} once the flows have started`);
    });

    it('opens the dashboard page: a row per service, open, with a latency and a last check', async function () {
        await page.goto(red.url + dashboardPath(), { waitUntil: 'domcontentloaded', timeout: 60000 });
        const shown = await waitForRows((r) => r.length === SERVICES.length && r.every((row) => row.state === 'open'), 'four open services');
        assert.deepStrictEqual(shown.map((r) => r.service), [...SERVICES].sort((a, b) => a.localeCompare(b)));
        for (const row of shown) {
            assert.match(row.latency, /^\d+\.\d ms$/, row.service);
            assert.match(row.checked, /^\d\d:\d\d:\d\d UTC$/, row.service);
        }
        // The page is the dashboard's own: its title bar shows the page's name.
        assert.match(await page.locator('#app').textContent(), /Port check/);
    });

    it(`turns the row of ${STOPPED} closed when its server stops, its last check moving on, with a notification`, async function () {
        const before = (await rows()).find((r) => r.service === STOPPED);
        await servers.get(STOPPED).close();
        servers.delete(STOPPED);
        const shown = await waitForRows((r) => {
            const row = r.find((x) => x.service === STOPPED);
            return row && row.state === 'closed' && row.checked !== before.checked;
        }, `${STOPPED} closed with a new last check`);
        const row = shown.find((r) => r.service === STOPPED);
        assert.strictEqual(row.latency, '');
        assert.match(row.checked, /^\d\d:\d\d:\d\d UTC$/);
        for (const other of shown.filter((r) => r.service !== STOPPED)) assert.strictEqual(other.state, 'open', other.service);
        await page.getByText(`${STOPPED} is down: closed`).waitFor({ state: 'visible', ...WAIT });
        // And it goes on being checked: the last check keeps moving.
        const later = await waitForRows((r) => r.find((x) => x.service === STOPPED).checked !== row.checked, 'a later check');
        assert.strictEqual(later.find((r) => r.service === STOPPED).state, 'closed');
        await page.screenshot({ path: artifact('dashboard.png') });
        assert.deepStrictEqual(pageErrors, [], 'the dashboard page raised errors');
    });
});
