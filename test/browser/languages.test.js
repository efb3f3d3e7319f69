'use strict';
// The node in other languages, as a Japanese or German user meets it: a
// real Node-RED whose runtime speaks the language (settings.js `lang`, as a
// system with LANG=ja_JP.UTF-8 would give it), and the real editor in
// Debian's chromium started with --lang. The dialog's labels and the help
// follow the browser's language; the status under the node and the error
// texts are worded by the runtime. What the page shows is compared with the
// node's own catalogue and help of that language (nodes/locales/<lang>/).
// Screenshots: test/artifacts/dialog-<lang>.png and help-<lang>.png.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { ROOT, makeUserDir, linkPackage, startNodeRed, removeDir } = require('./node-red-process');
const { chromiumOrSkip, openBrowser, artifact, showSidebarTab } = require('./chromium');
const { closedPort } = require('../lib/net-fixtures');

const catalogueOf = (lang) => JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, 'port-check.json'), 'utf8'))['port-check'];
const helpOf = (lang) => fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, 'port-check.html'), 'utf8');
const headingsOf = (html) => [...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1].trim());
const withoutUnit = (label) => label.replace(/\s*[(（][^()（）]*[)）]$/, '');
const fill = (text, params) => text.replace(/__([a-z]+)__/g, (whole, name) => (name in params ? String(params[name]) : whole));

/** Deploys `flow` through the admin API, and waits for the http in routes it names. */
async function deploy(red, flow, routes = []) {
    const deployed = await red.request('/flows', {
        method: 'POST',
        headers: { 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' },
        body: flow,
    });
    assert.strictEqual(deployed.status, 204, `POST /flows: ${deployed.status} ${deployed.body}`);
    for (const route of routes) {
        const deadline = Date.now() + 30000;
        while ((await red.request(route)).status === 404) {
            if (Date.now() > deadline) assert.fail(`GET ${route} never left 404 after the deploy`);
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }
}

/** inject -> port check (a refused port) -> debug; http in -> port check (a bad setting) -> the error's text. */
function languageFlow(closed) {
    const check = (id, props, wires) => ({
        id, type: 'port-check', z: 'lang-tab', name: '', color: '', host: '127.0.0.1', hostType: 'str', port: String(closed), portType: 'num',
        check: 'open', timeout: '2', timeoutType: 'num', delayBefore: 0, delayAfter: 0, continueOnError: true, output: 'payload',
        concurrency: 256, x: 320, y: 80, wires, ...props,
    });
    const errorText = (id, url, props, y) => [
        { id: `${id}-in`, type: 'http in', z: 'lang-tab', url, method: 'get', upload: false, x: 120, y, wires: [[`${id}-check`]] },
        check(`${id}-check`, { y, ...props }, [[`${id}-text`]]),
        {
            id: `${id}-text`, type: 'change', z: 'lang-tab', x: 520, y, wires: [[`${id}-out`]],
            rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'portCheck.error.message', tot: 'msg' }],
        },
        { id: `${id}-out`, type: 'http response', z: 'lang-tab', statusCode: '', headers: {}, x: 700, y, wires: [] },
    ];
    return [
        { id: 'lang-tab', type: 'tab', label: 'languages' },
        { id: 'lang-inject', type: 'inject', z: 'lang-tab', name: '', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 120, y: 80, wires: [['lang-check']] },
        check('lang-check', {}, [['lang-debug']]),
        { id: 'lang-debug', type: 'debug', z: 'lang-tab', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 520, y: 80, wires: [] },
        ...errorText('lang-port', '/lang/port', { port: '80abc', portType: 'str' }, 200),
        ...errorText('lang-delay', '/lang/delay', { delayBefore: 'bald' }, 280),
    ];
}

for (const lang of ['de', 'ja']) {
    describe(`in ${lang}: a runtime with lang "${lang}" and chromium with --lang=${lang}`, function () {
        this.timeout(120000);
        const words = catalogueOf(lang);
        let red;
        let browser;
        let page;
        let closed;
        let portError;
        let delayError;
        let pageErrors;

        before(async function () {
            closed = await closedPort();
            const userDir = makeUserDir(`port-check-${lang}-`);
            linkPackage(userDir);
            red = await startNodeRed({ userDir, settings: { lang } });
            await deploy(red, languageFlow(closed), ['/lang/port', '/lang/delay']);
        });

        after(async function () {
            if (browser) await browser.close();
            if (red) {
                await red.stop();
                removeDir(red.userDir);
            }
        });

        it('raises its errors in the runtime\'s language, naming a setting by its translated label', async function () {
            const port = await red.request('/lang/port');
            portError = port.body;
            assert.strictEqual(port.status, 200);
            const phrase = words.errors.INVALID_PORT.split(/[:：]/)[0].trim();
            assert.ok(port.body.startsWith(phrase), `${port.body} starts with "${phrase}"`);
            assert.ok(port.body.includes('80abc'), port.body);
            const delay = await red.request('/lang/delay');
            assert.strictEqual(delay.body, fill(words.errors.INVALID_DELAY, { which: withoutUnit(words.label.delayBefore), value: '"bald"' }));
            delayError = delay.body;
        });

        it('shows the palette, the dialog, the status and the help in that language', async function () {
            if (!chromiumOrSkip(this)) return;
            browser = await openBrowser({ lang });
            ({ page, errors: pageErrors } = browser);
            await page.goto(red.url + '/', { waitUntil: 'domcontentloaded', timeout: 60000 });
            await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.node('lang-check') && $('#red-ui-loading-progress').is(':hidden'), null, { timeout: 60000 });
            assert.strictEqual(await page.evaluate(() => RED.i18n.lang()), lang, 'the editor speaks the browser\'s language');
            // The editor marks the two bad settings with the very texts the runtime raises.
            const invalid = await page.evaluate(() => Object.fromEntries(RED.nodes.filterNodes({ z: 'lang-tab' })
                .filter((n) => !n.valid).map((n) => [n.id, String(n.validationErrors)])));
            assert.deepStrictEqual(invalid, { 'lang-port-check': portError, 'lang-delay-check': delayError });

            // The palette.
            const paletteLabel = await page.locator('.red-ui-palette-node[data-palette-type="port-check"] .red-ui-palette-label').textContent();
            assert.strictEqual(paletteLabel.replace(/\s+/g, ' ').trim(), words.paletteLabel);

            // The status, worded by the runtime: the port refuses.
            const injected = await red.request('/inject/lang-inject', { method: 'POST' });
            assert.strictEqual(injected.status, 200, `POST /inject: ${injected.status}`);
            const status = page.locator('#red-ui-workspace-chart [id="lang-check"] .red-ui-flow-node-status-label');
            await page.waitForFunction(([sel, text]) => {
                const el = document.querySelector(sel);
                return el && el.textContent === text;
            }, ['#red-ui-workspace-chart [id="lang-check"] .red-ui-flow-node-status-label', words.status.closed]);
            assert.strictEqual(await status.textContent(), words.status.closed);

            // The dialog.
            await page.locator('#red-ui-workspace-chart [id="lang-check"] rect.red-ui-flow-node').dblclick();
            await page.locator('#node-input-port + .red-ui-typedInput-container').waitFor({ state: 'visible' });
            const labelOf = (key) => page.locator(`.red-ui-tray [data-i18n="node-red-contrib-port-check/port-check:port-check.label.${key}"]`).first().textContent();
            for (const key of ['host', 'port', 'check', 'timeout', 'output', 'mode', 'ipVersion', 'service']) {
                assert.strictEqual((await labelOf(key)).trim(), words.label[key], `the label of ${key}`);
            }
            const checkOptions = await page.locator('#node-input-check option').allTextContents();
            assert.deepStrictEqual(checkOptions.map((o) => o.trim()), [words.check.open, words.check.closed]);
            await page.screenshot({ path: artifact(`dialog-${lang}.png`) });
            await page.locator('#node-dialog-cancel').click();
            await page.locator('.red-ui-tray').waitFor({ state: 'detached' });

            // The help, in the sidebar.
            await page.locator('#red-ui-workspace-chart [id="lang-check"] rect.red-ui-flow-node').click();
            await showSidebarTab(page, 'help');
            const help = page.locator('.red-ui-help');
            const expected = headingsOf(helpOf(lang));
            await help.locator('h3', { hasText: expected[0] }).first().waitFor({ state: 'visible' });
            const shown = (await help.locator('h3').allTextContents()).map((h) => h.trim());
            for (const heading of expected) assert.ok(shown.includes(heading), `the help shows "${heading}" (${shown.join(', ')})`);
            const table = await help.locator('table').nth(1).textContent();
            assert.ok(table.includes(words.errors.INVALID_PORT.split(/[:：]/)[0].trim()), 'the error table names the translated phrase');
            await page.screenshot({ path: artifact(`help-${lang}.png`) });
            assert.deepStrictEqual(pageErrors, []);
        });
    });
}
