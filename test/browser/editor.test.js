'use strict';
// The node as people meet it: a real Node-RED process, the real editor in
// Debian's chromium (headless, driven by playwright-core), real key presses
// and mouse drags. One editor session, steps in order: each `it` builds on
// the state the one before left.
//
// Without chromium the suite is skipped with a message, except in CI
// (CI=true), where a missing browser fails it. PORT_CHECK_CHROMIUM points
// at another chromium binary. PORT_CHECK_BROWSER_RED=5 (npm run
// test:browser:nr5) runs it on Node-RED 5 on Node 22 (node-red-process.js);
// the title names the Node-RED, the screenshots get its suffix (flow-nr5.png).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { ROOT, PACKAGE_NAME, RED, makeUserDir, linkPackage, startNodeRed, removeDir } = require('./node-red-process');
const { chromiumOrSkip, openBrowser, artifact, showSidebarTab: showTab, stepsInOrder } = require('./chromium');
const { listenOpen, closedPort } = require('../lib/net-fixtures');

const README_IMAGE = path.join(ROOT, 'docs', 'images', 'port-check-flow.png');
/** Every wait on the editor: generous, since other test runs share the 2 cores. */
const WAIT = { timeout: 30000 };
const PICKED_COLOR = '#e6a23c';
const PICKED_RGB = 'rgb(230, 162, 60)';
const PALETTE_RGB = 'rgb(192, 222, 237)'; // #C0DEED, the type's colour

/** The properties of docs/architecture.md, as the edit dialog shows them. */
const LABELS = ['Name', 'Color', 'IP', 'Port', 'Check Port', 'Timeout (s)', 'Delay Before (s)',
    'Delay After (s)', 'Continue On Error', 'Output', 'Max concurrent'];

describe(`editor in a real browser (chromium, ${RED.label})`, function () {
    this.timeout(60000);
    this.slow(20000);

    let red;
    let browser;
    let page;
    let openServer;
    let closed;
    let pcId;
    let injectId;
    let debugId;
    let consoleErrors = [];

    before(async function () {
        chromiumOrSkip(this);
        this.timeout(120000);
        openServer = await listenOpen();
        closed = await closedPort();

        const userDir = makeUserDir('port-check-editor-');
        linkPackage(userDir);
        red = await startNodeRed({ userDir });
        // The Node-RED the title names is the one that answers ("-git": Node-RED's
        // own mark when a .git lies four folders above its runtime, as this
        // checkout's does above node_modules/@node-red/runtime/lib).
        const settings = JSON.parse((await red.request('/settings', { headers: { Accept: 'application/json' } })).body);
        assert.strictEqual(settings.version.replace(/-git$/, ''), RED.version, `the started Node-RED is ${settings.version}, not ${RED.label}`);

        // 1280 × 1100: tall enough for the whole edit dialog.
        browser = await openBrowser({ viewport: { width: 1280, height: 1100 }, timeoutMs: WAIT.timeout });
        ({ page, errors: consoleErrors } = browser);
        await openEditor();
    });

    after(async function () {
        this.timeout(30000);
        if (browser) await browser.close();
        if (red) {
            await red.stop();
            removeDir(red.userDir);
        }
        if (openServer) await openServer.close();
    });

    // The steps build on each other: after a failure the rest are skipped, not failed again.
    stepsInOrder('editor-', () => ({ page, red }));

    async function openEditor() {
        await page.goto(red.url + '/', { waitUntil: 'domcontentloaded', timeout: 60000 });
        await editorReady();
    }

    /** The editor has loaded its nodes and the flows. */
    async function editorReady() {
        await page.waitForFunction(() => window.RED && window.$ && RED.nodes && RED.nodes.getType && RED.nodes.getType('port-check')
            && RED.workspaces && RED.workspaces.active() && $('#red-ui-loading-progress').is(':hidden')
            && $('#red-ui-palette-search input').is(':visible'), null, { timeout: 60000 });
    }

    const squash = (text) => String(text).replace(/\s+/g, ' ').trim();
    const nodeSel = (id) => `#red-ui-workspace-chart [id="${id}"]`;

    async function fillOf(id) {
        return page.evaluate((sel) => getComputedStyle(document.querySelector(sel)).fill, `${nodeSel(id)} rect.red-ui-flow-node`);
    }

    /**
     * Clicks Deploy and waits for the runtime to accept the flows; fails on
     * the editor's "confirm deploy" warning (unknown or invalid nodes).
     */
    async function deploy() {
        const posted = page.waitForResponse((res) => new URL(res.url()).pathname === '/flows' && res.request().method() === 'POST', WAIT);
        const warning = page.locator('.red-ui-notification', { has: page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy') });
        const confirm = warning.waitFor({ state: 'visible', timeout: WAIT.timeout });
        await page.locator('#red-ui-header-button-deploy').click();
        const first = await Promise.race([posted.then((res) => ({ res })), confirm.then(() => ({ confirm: true }))]);
        posted.catch(() => {});
        confirm.catch(() => {});
        if (first.confirm) {
            throw new Error(`Deploy asked for confirmation: ${squash(await warning.textContent())}`);
        }
        assert.strictEqual(first.res.status(), 200, `POST /flows answered ${first.res.status()}`);
        // Until the runtime has answered the editor shades it: the header (Node-RED 3, 4), the whole page (5, for 300 ms at least).
        await page.waitForFunction(() => !RED.nodes.dirty() && $('#red-ui-header-shade').is(':hidden') && $('#red-ui-full-shade').is(':hidden')
            && $('.red-ui-deploy-button-spinner').is(':hidden'), null, WAIT);
    }

    async function openDialog(id) {
        await page.locator(`${nodeSel(id)} rect.red-ui-flow-node`).dblclick();
        await page.locator('#node-input-port + .red-ui-typedInput-container').waitFor({ state: 'visible' });
        await page.locator('.red-ui-tray').last().waitFor({ state: 'visible' });
    }

    async function closeDialog() {
        await page.locator('#node-dialog-ok').click();
        await page.locator('#node-input-port').waitFor({ state: 'detached' });
    }

    /** Replaces the text of a dialog field by key presses, as a user would. */
    async function typeInto(selector, text) {
        // A TypedInput hides its own <input> and shows another one in its container.
        const typed = page.locator(`${selector}.red-ui-typedInput + .red-ui-typedInput-container input.red-ui-typedInput-input`);
        const input = (await typed.count()) ? typed : page.locator(selector);
        await input.click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('Backspace');
        if (text !== '') await page.keyboard.type(String(text), { delay: 10 });
    }

    async function hasError(selector) {
        return page.locator(selector).evaluate((el) => el.classList.contains('input-error'));
    }

    async function waitForError(selector, expected) {
        await page.waitForFunction(([sel, want]) => document.querySelector(sel).classList.contains('input-error') === want,
            [selector, expected], WAIT);
    }

    /** Brings a sidebar tab (debug, help) to the front with a click (chromium.js says how, per Node-RED). */
    const showSidebarTab = (id) => showTab(page, id, WAIT);

    /** A drag with the mouse, in small steps, between two points. */
    async function drag(from, to) {
        await page.mouse.move(from.x, from.y);
        await page.mouse.down();
        await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
        await page.mouse.move(to.x, to.y, { steps: 8 });
        await page.mouse.up();
    }

    async function centre(locator) {
        await locator.waitFor({ state: 'visible' });
        const box = await locator.boundingBox();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    }

    /** Draws a wire with the mouse from one node's output to another's input. */
    async function wire(fromId, toId) {
        const before = await page.evaluate(() => RED.nodes.filterLinks({}).length);
        await drag(
            await centre(page.locator(`${nodeSel(fromId)} .red-ui-flow-port-output .red-ui-flow-port`)),
            await centre(page.locator(`${nodeSel(toId)} .red-ui-flow-port-input .red-ui-flow-port`)),
        );
        await page.waitForFunction(([from, to]) => RED.nodes.filterLinks({ source: { id: from }, target: { id: to } }).length === 1,
            [fromId, toId], WAIT);
        assert.strictEqual(await page.evaluate(() => RED.nodes.filterLinks({}).length), before + 1);
    }

    async function statusOf(id) {
        return page.evaluate((sel) => {
            const group = document.querySelector(`${sel} .red-ui-flow-node-status-group`);
            if (!group || group.style.display === 'none') return null;
            const label = group.querySelector('.red-ui-flow-node-status-label');
            const shape = group.querySelector('.red-ui-flow-node-status');
            return { text: label ? label.textContent : '', shape: shape ? shape.getAttribute('class') : '' };
        }, nodeSel(id));
    }

    async function debugMessages() {
        return page.locator('.red-ui-debug-content-list .red-ui-debug-msg').allTextContents();
    }

    /** Clicks an inject node's button and waits for one more debug message and a settled status. */
    async function injectAndWait(statusPattern) {
        const before = (await debugMessages()).length;
        await page.locator(`${nodeSel(injectId)} .red-ui-flow-node-button rect.red-ui-flow-node-button-button`).click();
        await page.waitForFunction(([n]) => document.querySelectorAll('.red-ui-debug-content-list .red-ui-debug-msg').length > n, [before], WAIT);
        await page.waitForFunction(([sel, source]) => {
            const label = document.querySelector(`${sel} .red-ui-flow-node-status-label`);
            return label && new RegExp(source).test(label.textContent);
        }, [nodeSel(pcId), statusPattern.source], WAIT);
        const messages = await debugMessages();
        return messages[messages.length - 1];
    }

    it('finds "port check" under network by typing in the palette filter, and drags it onto the canvas', async function () {
        const filter = page.locator('#red-ui-palette-search input');
        await filter.click();
        await page.keyboard.type('port check', { delay: 40 });
        // The filter applies after a short debounce: wait for it, not for a time.
        await page.waitForFunction(() => {
            const inject = document.querySelector('.red-ui-palette-node[data-palette-type="inject"]');
            const ours = document.querySelector('.red-ui-palette-node[data-palette-type="port-check"]');
            return inject && inject.getAttribute('data-filter') === 'true' && ours && !ours.hasAttribute('data-filter');
        }, null, WAIT);
        const entry = page.locator('#red-ui-palette-container-network .red-ui-palette-node[data-palette-type="port-check"]');
        await entry.waitFor({ state: 'visible' });
        assert.strictEqual(squash(await entry.locator('.red-ui-palette-label').textContent()), 'port check');
        const visible = await page.locator('#red-ui-palette-container .red-ui-palette-node:visible').evaluateAll(
            (els) => els.map((el) => el.getAttribute('data-palette-type')));
        assert.deepStrictEqual(visible, ['port-check']);
        assert.strictEqual(await page.locator('#red-ui-palette-container-network .red-ui-palette-header span').first().textContent(), 'network');
        await entry.hover(); // waits until the category has finished opening
        await page.screenshot({ path: artifact('palette.png') });

        const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
        await drag(await centre(entry), { x: chart.x + 380, y: chart.y + 160 });
        await page.waitForFunction(() => RED.nodes.filterNodes({ type: 'port-check' }).length === 1, null, WAIT);
        pcId = await page.evaluate(() => RED.nodes.filterNodes({ type: 'port-check' })[0].id);
        const label = page.locator(`${nodeSel(pcId)} .red-ui-flow-node-label`);
        await label.waitFor({ state: 'visible' });
        assert.strictEqual(squash(await label.textContent()), 'port check');
        assert.strictEqual(await fillOf(pcId), PALETTE_RGB);

        // Clear the filter (Escape in the search box), so that the palette is whole again.
        await filter.click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('Backspace');
        await page.waitForFunction(() => !document.querySelector('.red-ui-palette-node[data-palette-type="inject"]').hasAttribute('data-filter'), null, WAIT);
    });

    it('opens the edit dialog with every property of docs/architecture.md at its default', async function () {
        await openDialog(pcId);
        const labels = await page.locator('.red-ui-tray .form-row > label:first-child').allTextContents();
        const shown = labels.map((text) => text.trim());
        for (const label of LABELS) assert.ok(shown.includes(label), `no "${label}" in the dialog (${shown.join(', ')})`);
        const values = await page.evaluate(() => {
            const value = (id) => { const el = document.getElementById(id); return el.type === 'checkbox' ? el.checked : el.value; };
            return {
                name: value('node-input-name'),
                color: value('node-input-color'),
                usePaletteColor: value('port-check-color-palette'),
                picker: value('port-check-color-picker'),
                host: value('node-input-host'),
                hostType: value('node-input-hostType'),
                port: value('node-input-port'),
                portType: value('node-input-portType'),
                check: value('node-input-check'),
                checkText: document.getElementById('node-input-check').selectedOptions[0].textContent,
                timeout: value('node-input-timeout'),
                timeoutType: value('node-input-timeoutType'),
                delayBefore: value('node-input-delayBefore'),
                delayAfter: value('node-input-delayAfter'),
                continueOnError: value('node-input-continueOnError'),
                output: value('node-input-output'),
                concurrency: value('node-input-concurrency'),
            };
        });
        assert.deepStrictEqual(values, {
            name: '',
            color: '',
            usePaletteColor: true,
            picker: '#c0deed',
            host: '',
            hostType: 'str',
            port: '',
            portType: 'num',
            check: 'open',
            checkText: 'Port is open',
            timeout: '60',
            timeoutType: 'num',
            delayBefore: '0',
            delayAfter: '0',
            continueOnError: false,
            output: 'payload',
            concurrency: '256',
        });
        await page.screenshot({ path: artifact('dialog.png') });
    });

    it('shows the options beyond the seed: mode with retries or waiting, slow above, allow-list, IP version, Max rate', async function () {
        const values = await page.evaluate(() => {
            const value = (id) => document.getElementById(id).value;
            return {
                mode: value('node-input-mode'),
                modeText: document.getElementById('node-input-mode').selectedOptions[0].textContent,
                retries: value('node-input-retries'),
                retryDelay: value('node-input-retryDelay'),
                waitInterval: value('node-input-waitInterval'),
                waitTimeout: value('node-input-waitTimeout'),
                slowAbove: value('node-input-slowAbove'),
                allow: value('node-input-allow'),
                ipVersion: value('node-input-ipVersion'),
                ipVersions: [...document.getElementById('node-input-ipVersion').options].map((o) => `${o.value}: ${o.textContent}`),
                maxRate: value('node-input-maxRate'),
            };
        });
        assert.deepStrictEqual(values, {
            mode: 'once', modeText: 'Check once', retries: '0', retryDelay: '1',
            waitInterval: '1', waitTimeout: '60', slowAbove: '', allow: '',
            ipVersion: 'auto',
            ipVersions: ['auto: auto: every address', '4: IPv4 only', '6: IPv6 only', 'both: both: each family on its own'],
            maxRate: '',
        });
        // Max rate: connections per second above 0; empty for no limit.
        await typeInto('#node-input-maxRate', 'fast');
        await waitForError('#node-input-maxRate', true);
        await typeInto('#node-input-maxRate', '20');
        await waitForError('#node-input-maxRate', false);
        await typeInto('#node-input-maxRate', '');
        // Retries belong to "check once", the interval and deadline to "wait until".
        assert.ok(await page.locator('#node-input-retries').isVisible());
        assert.ok(!(await page.locator('#node-input-waitInterval').isVisible()));
        await page.selectOption('#node-input-mode', 'wait');
        await page.locator('#node-input-waitInterval').waitFor({ state: 'visible' });
        assert.ok(!(await page.locator('#node-input-retries').isVisible()));
        await page.selectOption('#node-input-mode', 'once');
        await page.locator('#node-input-retries').waitFor({ state: 'visible' });
        // An allow-list rule the runtime cannot read is marked before deploy.
        await typeInto('#node-input-allow', '10.0.0.0/99');
        await waitForError('#node-input-allow', true);
        await typeInto('#node-input-allow', '10.0.0.0/8:22,80 *.example.com');
        await waitForError('#node-input-allow', false);
        await typeInto('#node-input-allow', '');
        await typeInto('#node-input-retries', '1.5');
        await waitForError('#node-input-retries', true);
        await typeInto('#node-input-retries', '0');
        await waitForError('#node-input-retries', false);
    });

    it('keeps the Service section collapsed while off; a preset fills Send and Expect; a bad pattern is marked', async function () {
        assert.ok(!(await page.locator('#node-input-preset').isVisible()), 'collapsed');
        await page.locator('#port-check-service-toggle').click();
        await page.locator('#node-input-preset').waitFor({ state: 'visible' });
        assert.ok(!(await page.locator('#node-input-starttls').isVisible()), 'no STARTTLS protocol while TLS is off');
        assert.ok(!(await page.locator('#node-input-certDays').isVisible()), 'no certificate rows while TLS is off');
        await page.selectOption('#node-input-preset', 'redis');
        assert.deepStrictEqual([await page.inputValue('#node-input-send'), await page.inputValue('#node-input-expect')],
            ['PING\\r\\n', '^(\\+PONG|-NOAUTH)']);
        assert.match(await page.locator('#port-check-service-summary').textContent(), /redis/);
        await page.selectOption('#node-input-tls', 'starttls');
        await page.locator('#node-input-starttls').waitFor({ state: 'visible' });
        await page.locator('#node-input-certDays').waitFor({ state: 'visible' });
        await typeInto('#node-input-expect', '(unclosed');
        await waitForError('#node-input-expect', true);
        await typeInto('#node-input-send', 'bad\\q');
        await waitForError('#node-input-send', true);
        await typeInto('#node-input-certDays', '1.5');
        await waitForError('#node-input-certDays', true);
        await page.screenshot({ path: artifact('dialog-service.png') });
        // Back to no service check, as the steps after this one expect.
        for (const id of ['#node-input-send', '#node-input-expect', '#node-input-certDays']) {
            await typeInto(id, '');
            await waitForError(id, false);
        }
        await page.selectOption('#node-input-preset', 'none');
        await page.selectOption('#node-input-tls', 'off');
        assert.ok(!(await page.locator('#node-input-certDays').isVisible()), 'the certificate rows go with TLS');
        assert.match(await page.locator('#port-check-service-summary').textContent(), /off/);
    });

    it('marks an invalid port or timeout as invalid as it is typed, and clears the mark for valid ones', async function () {
        const port = '#node-input-port + .red-ui-typedInput-container';
        const timeout = '#node-input-timeout + .red-ui-typedInput-container';
        assert.strictEqual(await hasError(port), true, 'an empty port is invalid');
        for (const bad of ['0', '70000', '80abc']) {
            await typeInto('#node-input-port', '8080');
            await waitForError(port, false);
            await typeInto('#node-input-port', bad);
            await waitForError(port, true);
        }
        for (const good of ['22', '22,80,443', '8000-8010', '65535']) {
            await typeInto('#node-input-port', '0');
            await waitForError(port, true);
            await typeInto('#node-input-port', good);
            await waitForError(port, false);
        }
        assert.strictEqual(await hasError(timeout), false, 'the default timeout is valid');
        for (const bad of ['0', 'abc', '-1']) {
            await typeInto('#node-input-timeout', bad);
            await waitForError(timeout, true);
            await typeInto('#node-input-timeout', '60');
            await waitForError(timeout, false);
        }
        await typeInto('#node-input-timeout', '0.25');
        await waitForError(timeout, false);
    });

    it('offers msg, flow, global and env in the TypedInput type menus', async function () {
        const expected = {
            host: ['str', 'msg', 'flow', 'global', 'env'],
            port: ['num', 'str', 'msg', 'flow', 'global', 'env'],
            timeout: ['num', 'msg', 'flow', 'global', 'env'],
        };
        for (const [field, types] of Object.entries(expected)) {
            const current = await page.locator(`#node-input-${field}Type`).inputValue();
            await page.locator(`#node-input-${field} + .red-ui-typedInput-container button.red-ui-typedInput-type-select`).click();
            const menu = page.locator('.red-ui-typedInput-options:visible');
            await menu.waitFor({ state: 'visible' });
            const offered = await menu.locator('a').evaluateAll((els) => els.map((el) => el.getAttribute('value')));
            assert.deepStrictEqual(offered, types, `${field} offers ${offered.join(', ')}`);
            // Close the menu by picking the type already chosen.
            await menu.locator(`a[value="${current}"]`).click();
            await menu.waitFor({ state: 'hidden' });
            assert.strictEqual(await page.locator(`#node-input-${field}Type`).inputValue(), current);
        }
    });

    it('paints the node in the picked colour on the canvas', async function () {
        await typeInto('#node-input-host', '127.0.0.1');
        await typeInto('#node-input-port', String(openServer.port));
        await typeInto('#node-input-timeout', '5');
        // A native colour chooser cannot be clicked through in headless chromium:
        // fill() sets the <input type=color> and fires its input/change events.
        await page.locator('#port-check-color-picker').fill(PICKED_COLOR);
        assert.strictEqual(await page.locator('#port-check-color-palette').isChecked(), false, 'picking a colour unticks "use the palette color"');
        assert.strictEqual(await page.locator('#node-input-color').inputValue(), PICKED_COLOR);
        await closeDialog();
        await page.waitForFunction(([sel, rgb]) => getComputedStyle(document.querySelector(sel)).fill === rgb,
            [`${nodeSel(pcId)} rect.red-ui-flow-node`, PICKED_RGB], WAIT);
        assert.strictEqual(await page.evaluate((id) => RED.nodes.node(id).color, pcId), PICKED_COLOR);
        assert.strictEqual(squash(await page.locator(`${nodeSel(pcId)} .red-ui-flow-node-label`).textContent()), `127.0.0.1:${openServer.port}`);
    });

    it('runs inject -> port check -> debug against an open port: status "open · N ms", true in the debug sidebar', async function () {
        // inject and debug come in through the Import dialog (Ctrl+I), the wires are drawn with the mouse.
        // Their x/y place them, once dropped, left and right of the port check node on its row.
        const flow = [
            { id: 'bt-inject', type: 'inject', name: 'check now', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, topic: '', x: 120, y: 60, wires: [[]] },
            { id: 'bt-debug', type: 'debug', name: 'result', active: true, tosidebar: true, console: false, complete: 'payload', targetType: 'msg', x: 560, y: 60, wires: [] },
        ];
        const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
        await page.mouse.click(chart.x + 100, chart.y + 500); // focus the canvas, on empty space
        await page.keyboard.press('ControlOrMeta+I');
        const text = page.locator('#red-ui-clipboard-dialog-import-text');
        await text.waitFor({ state: 'visible' });
        await text.fill(JSON.stringify(flow));
        await text.press('End'); // the dialog validates on keyup
        await page.locator('#red-ui-clipboard-dialog-ok:not([disabled])').click();
        await text.waitFor({ state: 'hidden' });
        // The imported nodes hang on the mouse (by the first one) until a click drops them.
        const pc = await centre(page.locator(`${nodeSel(pcId)} rect.red-ui-flow-node`));
        const drop = { x: pc.x - 220, y: pc.y };
        await page.mouse.move(drop.x - 20, drop.y + 20, { steps: 5 });
        await page.mouse.move(drop.x, drop.y, { steps: 5 });
        await page.mouse.click(drop.x, drop.y);
        await page.waitForFunction(() => RED.nodes.filterNodes({ type: 'inject' }).length === 1 && RED.nodes.filterNodes({ type: 'debug' }).length === 1
            && RED.view.state() === RED.state.DEFAULT, null, WAIT);
        injectId = await page.evaluate(() => RED.nodes.filterNodes({ type: 'inject' })[0].id);
        debugId = await page.evaluate(() => RED.nodes.filterNodes({ type: 'debug' })[0].id);

        await wire(injectId, pcId);
        await wire(pcId, debugId);
        await deploy();
        // A node made in this editor is saved with the configuration's current version.
        const saved = JSON.parse((await red.request('/flows', { headers: { Accept: 'application/json', 'Node-RED-API-Version': 'v1' } })).body);
        assert.strictEqual(saved.find((n) => n.id === pcId).version, require('../../resources/port-check-config.js').VERSION);

        // The debug sidebar.
        await showSidebarTab('debug');
        await page.locator('.red-ui-debug-content-list').waitFor({ state: 'visible' });

        const message = await injectAndWait(/^open/);
        const status = await statusOf(pcId);
        assert.match(status.text, /^open · \d+(\.\d+)? ms$/);
        assert.match(status.shape, /red-ui-flow-node-status-dot-green/);
        assert.match(message, /msg\.payload : boolean\s*true/);
        // The picture for the README: no tooltip, no notification over the flow.
        // The mouse rests on empty canvas (where the canvas was clicked above): in
        // Node-RED 5 the chart's box runs on under the right sidebar, and its
        // bottom right corner is the sidebar's toggle button, with a tooltip.
        await page.mouse.move(chart.x + 100, chart.y + 500);
        await page.locator('.red-ui-notification').first().waitFor({ state: 'detached', timeout: 30000 }).catch(() => {});
        // The flow's part of the editor: header, canvas top and the debug message.
        await page.screenshot({ path: artifact('flow.png'), clip: { x: 0, y: 0, width: 1280, height: 420 } });
        // docs/images/ is committed: refreshed only when missing or asked for, so
        // that a test run does not leave a changed picture behind each time.
        // The picture is the default Node-RED's, never another run's (RED.suffix).
        if (!RED.suffix && (!fs.existsSync(README_IMAGE) || process.env.PORT_CHECK_UPDATE_IMAGES === '1')) {
            fs.mkdirSync(path.dirname(README_IMAGE), { recursive: true });
            fs.copyFileSync(artifact('flow.png'), README_IMAGE);
        }
    });

    it('keeps the picked colour after deploy and a page reload', async function () {
        assert.strictEqual(await fillOf(pcId), PICKED_RGB);
        await page.reload({ waitUntil: 'domcontentloaded' });
        await editorReady();
        await page.locator(`${nodeSel(pcId)} rect.red-ui-flow-node`).waitFor({ state: 'attached' });
        assert.strictEqual(await fillOf(pcId), PICKED_RGB);
        // The other nodes keep their own colours.
        assert.notStrictEqual(await fillOf(injectId), PICKED_RGB);
    });

    it('shows the red ring "closed" and false for a closed port', async function () {
        await openDialog(pcId);
        await typeInto('#node-input-port', String(closed));
        await closeDialog();
        await deploy();
        await showSidebarTab('debug');
        await page.locator('.red-ui-debug-content-list').waitFor({ state: 'visible' });
        const message = await injectAndWait(/^closed$/);
        const status = await statusOf(pcId);
        assert.strictEqual(status.text, 'closed');
        assert.match(status.shape, /red-ui-flow-node-status-ring-red/);
        assert.match(message, /msg\.payload : boolean\s*false/);
        await page.screenshot({ path: artifact('flow-closed.png') });
    });

    it('shows the help with its Inputs, Outputs and Errors sections in the help sidebar', async function () {
        await page.locator(`${nodeSel(pcId)} rect.red-ui-flow-node`).click();
        await showSidebarTab('help');
        const help = page.locator('.red-ui-help');
        await help.locator('h3', { hasText: 'Inputs' }).first().waitFor({ state: 'visible' });
        const headings = (await help.locator('h3').allTextContents()).map((h) => h.trim());
        for (const heading of ['Inputs', 'Outputs', 'Errors']) {
            assert.ok(headings.includes(heading), `no "${heading}" heading in the help (${headings.join(', ')})`);
        }
        const errors = await help.locator('h3', { hasText: 'Errors' }).locator('xpath=following-sibling::table[1]').textContent();
        for (const phrase of ['IP cannot be empty', 'Invalid port number', 'Invalid timeout', 'Cannot resolve host', 'Local error']) {
            assert.ok(errors.includes(phrase), `the Errors table does not name "${phrase}"`);
        }
        await page.screenshot({ path: artifact('help.png') });
    });

    it('imports the first example from Import > Examples and deploys it without unknown nodes', async function () {
        const examples = fs.existsSync(path.join(ROOT, 'examples'))
            ? fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')) : [];
        assert.ok(examples.length > 0, 'the package has no examples/*.json to import');
        const before = await page.evaluate(() => RED.nodes.filterNodes({}).length);
        const tabsBefore = await page.evaluate(() => { const ids = []; RED.nodes.eachWorkspace((ws) => ids.push(ws.id)); return ids; });

        await page.locator('#red-ui-header-button-sidemenu').click();
        await page.locator('#menu-item-import').click();
        await page.locator('#red-ui-clipboard-dialog-import-tabs').waitFor({ state: 'visible' });
        await page.locator('#red-ui-clipboard-dialog-import-tabs a', { hasText: 'Examples' }).click();
        const library = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
        await library.waitFor({ state: 'visible' });
        const folder = library.locator('.red-ui-treeList-label').filter({
            has: page.locator('.red-ui-treeList-label-text', { hasText: new RegExp(`^${PACKAGE_NAME}$`) }),
        });
        await folder.click();
        // The first file listed under this package (the folder's children follow its label).
        const first = folder.locator('xpath=following-sibling::div[contains(@class, "red-ui-editableList")]')
            .locator('.red-ui-treeList-label').first();
        await first.waitFor({ state: 'visible' });
        const exampleName = squash(await first.textContent());
        assert.ok(examples.includes(`${exampleName}.json`), `"${exampleName}" is not one of examples/*.json (${examples.join(', ')})`);
        await first.click();
        await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
        await page.screenshot({ path: artifact('examples.png') });
        await page.locator('#red-ui-clipboard-dialog-ok:not([disabled])').click();
        const imported = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${exampleName}.json`), 'utf8'));
        const importedNodes = imported.filter((n) => n.type !== 'tab');
        assert.ok(importedNodes.some((n) => n.type === 'port-check'), `"${exampleName}" has no port check node`);
        await page.waitForFunction((n) => RED.nodes.filterNodes({}).length > n, before, WAIT);
        // It lands on a flow tab of its own.
        const newTab = await page.evaluate((old) => {
            const ids = [];
            RED.nodes.eachWorkspace((ws) => ids.push(ws.id));
            return ids.filter((id) => !old.includes(id));
        }, tabsBefore);
        assert.strictEqual(newTab.length, 1, 'the example came in on one new flow tab');
        const exampleNodes = await page.evaluate((z) => RED.nodes.filterNodes({ z }).map((n) => n.id), newTab[0]);
        assert.strictEqual(await page.evaluate((z) => RED.nodes.filterNodes({ z, type: 'port-check' }).length, newTab[0]),
            importedNodes.filter((n) => n.type === 'port-check').length);
        // Show it: a click on its tab.
        await page.locator(`#red-ui-workspace-tabs li[id="red-ui-tab-${newTab[0]}"]`).click();
        await page.waitForFunction((z) => RED.workspaces.active() === z, newTab[0], WAIT);
        for (const id of exampleNodes) await page.locator(nodeSel(id)).waitFor({ state: 'attached' });

        const unknown = await page.evaluate(() => RED.nodes.filterNodes({}).filter((n) => !RED.nodes.getType(n.type) || n.type === 'unknown')
            .map((n) => n.type));
        assert.deepStrictEqual(unknown, [], 'the example uses node types this Node-RED does not know');
        const notices = await page.locator('.red-ui-notification').allTextContents();
        assert.ok(!notices.some((text) => /unrecogni[sz]ed|unknown/i.test(text)), `import warned: ${notices.join(' | ')}`);
        await deploy();
        assert.ok(!/Waiting for missing types|Missing node types/i.test(red.log), 'the runtime is missing node types');
        await page.screenshot({ path: artifact('example-deployed.png') });
        assert.deepStrictEqual(consoleErrors, [], 'the editor raised page errors');
    });
});
