'use strict';
// Debian's chromium for the browser tests (playwright-core drives it; it
// cannot download a browser of its own here): where it is, the flags every
// test starts it with, and where screenshots go. Not a test file itself.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, artifactName, isOwnArtifact } = require('./node-red-process');

const CHROMIUM = process.env.PORT_CHECK_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // The editor asks the Flow Library for its catalogue: keep the browser on loopback.
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/**
 * In a mocha test or hook: true when chromium is there; otherwise skips
 * (saying why), or fails under CI=true, where .ci/run installs it.
 */
function chromiumOrSkip(context) {
    if (fs.existsSync(CHROMIUM)) return true;
    const why = `no chromium at ${CHROMIUM} (apt-get install -y chromium)`;
    if (process.env.CI === 'true') throw new Error(`browser tests cannot run in CI: ${why}`);
    console.log(`      SKIPPED: ${why}`);
    context.skip();
    return false;
}

/**
 * Chromium in a profile of its own, headless: resolves { context, page,
 * errors, close() }. `lang` starts it in that language (--lang and the
 * page's locale, as a user's system would); `errors` collects the page's
 * uncaught errors; close() also removes the profile.
 */
async function openBrowser({ lang, viewport = { width: 1280, height: 1100 }, timeoutMs = 30000 } = {}) {
    const { chromium } = require('playwright-core');
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: lang ? [...CHROMIUM_ARGS, `--lang=${lang}`] : CHROMIUM_ARGS,
        ...(lang ? { locale: lang } : {}),
        viewport,
        timeout: 60000,
    });
    context.setDefaultTimeout(timeoutMs);
    const page = context.pages()[0] || await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    return {
        context,
        page,
        errors,
        close: async () => {
            await context.close().catch(() => {});
            fs.rmSync(profile, { recursive: true, force: true });
        },
    };
}

/** The path of a screenshot or log of this run in test/artifacts/ (named for the Node-RED it ran on). */
function artifact(file) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    return path.join(ARTIFACTS, artifactName(file));
}

/**
 * Brings a sidebar tab (debug, help) of the editor on `page` to the front
 * with a click, as a user does. Node-RED 3 and 4: its link in the
 * sidebar's tab row. Node-RED 5 has a tab bar of buttons instead (and shows
 * the debug tab from the start, below the info tab); a click on the button
 * of the tab already shown hides it there, so it is clicked only when not
 * selected.
 */
async function showSidebarTab(page, id, wait = { timeout: 30000 }) {
    const link = page.locator(`#red-ui-tab-${id}-link-button`);
    if (await link.count()) return link.click();
    const button = page.locator(`.red-ui-sidebar-tab-bar button[data-tab-id="${id}"]`);
    if (!(await button.evaluate((el) => el.classList.contains('selected')))) await button.click();
    await page.waitForFunction((sel) => document.querySelector(sel).classList.contains('selected'),
        `.red-ui-sidebar-tab-bar button[data-tab-id="${id}"]`, wait);
}

/**
 * For a suite whose tests are steps of one session, in order: once a step
 * fails, the rest say so and skip, and the failed step leaves a screenshot
 * and Node-RED's log in test/artifacts/ (failed-PREFIX..., the last run's
 * removed first). `current()`
 * gives the suite's { page, red } as they are at that moment.
 */
function stepsInOrder(prefix, current) {
    let failedStep;
    before(function () {
        // The last run's failures of this suite (on this Node-RED) are not this run's.
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        for (const file of fs.readdirSync(ARTIFACTS)) {
            if (file.startsWith(`failed-${prefix}`) && isOwnArtifact(file)) fs.rmSync(path.join(ARTIFACTS, file));
        }
    });
    beforeEach(function () {
        if (!failedStep) return;
        console.log(`      skipped: the earlier step "${failedStep}" failed`);
        this.skip();
    });
    afterEach(async function () {
        if (this.currentTest.state !== 'failed') return;
        failedStep = this.currentTest.title;
        const { page, red } = current();
        const name = `failed-${prefix}${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`;
        if (page) await page.screenshot({ path: artifact(`${name}.png`) }).catch(() => {});
        if (red) fs.writeFileSync(artifact(`${name}.node-red.log`), red.log);
    });
}

module.exports = { CHROMIUM, CHROMIUM_ARGS, ARTIFACTS, chromiumOrSkip, openBrowser, artifact, showSidebarTab, stepsInOrder };
