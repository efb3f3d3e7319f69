'use strict';
// The editor's validators (resources/port-check-rules.js and
// port-check-editor.js, which nodes/port-check.html loads) must accept
// exactly what the runtime accepts, so a field marked valid in the dialog
// never fails at run time, and the reverse. The tests require the same
// files the editor loads, and run the html's own registerType in a VM with
// the little of RED and jQuery it touches at load time.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const fc = require('fast-check');

/** The property tests' seed: fixed, so that a run can be repeated (PORT_CHECK_FUZZ_SEED picks another). */
const SEED = Number(process.env.PORT_CHECK_FUZZ_SEED) || 0x5eed;
const { parseHosts } = require('../../lib/parse/hosts.js');
const { parsePorts } = require('../../lib/parse/ports.js');
const { parseTimeout } = require('../../lib/parse/numbers.js');
const { parseRules } = require('../../lib/parse/allow.js');
const { parseService } = require('../../lib/parse/service.js');
const { translate } = require('../lib/i18n');
const PortCheckConfig = require('../../resources/port-check-config.js');
const PortCheckEditor = require('../../resources/port-check-editor.js');

/** The inline scripts of the editor html (those without a src): the node's registration. */
function inlineScripts() {
    const html = fs.readFileSync(path.join(__dirname, '..', '..', 'nodes', 'port-check.html'), 'utf8');
    return [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

function loadEditorDefinition() {
    let definition;
    const noElement = { length: 0, val: () => undefined };
    const RED = {
        nodes: { registerType: (type, def) => { definition = def; }, getType: () => definition },
        _: (key, params) => translate(key.replace(/^[^:]*:/, ''), params),
        validators: { typedInput: () => () => true },
        utils: { validatePropertyExpression: () => true },
        hooks: { add() {}, has: () => false },
    };
    const scripts = inlineScripts();
    assert.strictEqual(scripts.length, 1, 'one inline script: the registration');
    vm.runInNewContext(scripts[0], { RED, $: () => noElement, console, PortCheckEditor, PortCheckConfig });
    definition._ = (key, params) => translate(key, params);
    return { definition };
}

const accepts = (fn) => { try { fn(); return true; } catch { return false; } };

describe('editor validators agree with the runtime', function () {
    const { definition } = loadEditorDefinition();
    const validate = (property, value, extra = {}) => definition.defaults[property].validate.call({ ...extra }, value, {}) === true;

    it('registers the node in the network category with every flow JSON key', function () {
        assert.strictEqual(definition.category, 'network');
        for (const key of ['version', 'name', 'color', 'host', 'hostType', 'port', 'portType', 'check', 'timeout', 'timeoutType',
            'delayBefore', 'delayAfter', 'continueOnError', 'output', 'concurrency',
            'mode', 'retries', 'retryDelay', 'waitInterval', 'waitTimeout', 'slowAbove', 'allow']) {
            assert.ok(key in definition.defaults, key);
        }
        assert.strictEqual(definition.defaults.timeout.value, '60');
        assert.strictEqual(definition.defaults.concurrency.value, 256);
        assert.strictEqual(definition.defaults.check.value, 'open');
    });

    it('Port: the same verdict as parsePorts for listed and generated texts', function () {
        const cases = ['80', '0', '65535', '65536', '80abc', '8.5', '-1', '0x50', '1e3', '22,80,443', '8000-8010', '10-5',
            '22,,80', '80,', ' 22 , 80 ', '1-65535', '+80', '', '   '];
        const check = (text) => {
            const runtime = accepts(() => parsePorts(text));
            assert.strictEqual(validate('port', text, { portType: 'str' }), runtime, `port ${JSON.stringify(text)}`);
        };
        cases.forEach(check);
        fc.assert(fc.property(fc.stringMatching(/^[0-9, \-x.]{0,12}$/), (text) => { check(text); }), { numRuns: 3000, seed: SEED });
    });

    it('IP: the same verdict as parseHosts, host lists included', function () {
        const cases = ['127.0.0.1', '::1', '[::1]', 'localhost', 'db.example.com', 'http://x', 'x:80', 'a b', '999.1.1.1',
            '127.0.0.1, ::1', 'a,,b', 'a,', 'bücher.example', 'x'.repeat(254), '', ' ', 'db.8', 'my_host',
            '0.0.0.0', '0.1.2.3', '::', '[::]', '0::0', '::ffff:0.0.0.0', '::ffff:0:0', '::0.1.2.3', '::ffff:1.0.0.0', '127.0.0.1,0.0.0.0',
            '0x7f.1', '0x7f000001', '１２７．０．０．１', '１２３', '0xa.0x1', 'ｅｘａｍｐｌｅ.com'];
        const check = (text) => {
            const runtime = accepts(() => parseHosts(text));
            assert.strictEqual(validate('host', text, { hostType: 'str' }), runtime, `host ${JSON.stringify(text)}`);
        };
        cases.forEach(check);
        fc.assert(fc.property(fc.stringMatching(/^[a-z0-9.:, \-[\]/]{0,16}$/), (text) => { check(text); }), { numRuns: 3000, seed: SEED });
    });

    it('Timeout: the same verdict as parseTimeout', function () {
        for (const text of ['60', '0.25', '0', '-1', 'abc', '', '1e3', '2147483', '2147484', '.5']) {
            assert.strictEqual(validate('timeout', text, { timeoutType: 'num' }), accepts(() => parseTimeout(text)), `timeout ${text}`);
        }
    });

    it('Allow only: the same verdict as the runtime rules', function () {
        for (const text of ['', '10.0.0.0/8', '10.0.0.0/8:22,80', '[fd00::/8]:443', 'fd00::/8', '*.example.com', '*', 'db:5432',
            '10.0.0.0/99', 'a b', 'x:0', 'http://x', '1.2.3', '[::1]:70000', '::1']) {
            assert.strictEqual(validate('allow', text), accepts(() => parseRules(text)), `allow ${JSON.stringify(text)}`);
        }
    });

    it('numeric options: retries, delays, wait, slow above, max concurrent', function () {
        assert.ok(validate('retries', '3') && !validate('retries', '-1') && !validate('retries', '1.5'));
        assert.ok(validate('waitInterval', '0.5') && !validate('waitInterval', '0'));
        assert.ok(validate('slowAbove', '') && validate('slowAbove', '500') && !validate('slowAbove', 'fast'));
        assert.ok(validate('concurrency', '16') && !validate('concurrency', '0'));
        assert.ok(validate('delayBefore', '') && validate('delayBefore', '0.5') && !validate('delayBefore', '-1'));
    });

    it('service settings: Send\'s escapes, Expect\'s pattern, Certificate days and the rest, as the runtime reads them', function () {
        const runtime = (props) => accepts(() => parseService({ tls: 'on', ...props }));
        // \xA\\A: a bad \xA before an escaped backslash (the editor once dropped the \\ first and read \xAA).
        const sends = ['PING\\r\\n', '\\x00\\xff', 'a\\\\b', '\\q', '\\x4', 'end\\', '\\\\\\', 'é \\t', '', '\\xA\\\\A', '\\\\xAA'];
        for (const send of sends) assert.strictEqual(validate('send', send), runtime({ send }), `send ${JSON.stringify(send)}`);
        fc.assert(fc.property(fc.stringMatching(/^[a-z\\xrnt0-9A-F]{0,8}$/), (send) => {
            assert.strictEqual(validate('send', send), runtime({ send }), `send ${JSON.stringify(send)}`);
        }), { numRuns: 5000, seed: SEED });
        for (const expect of ['^SSH-', '(unclosed', '[a-', '^\\+PONG', '', '(?<n>x)\\k<n>', '*']) {
            assert.strictEqual(validate('expect', expect), runtime({ expect }), `expect ${JSON.stringify(expect)}`);
        }
        for (const certDays of ['', '30', '0', '-1', '1.5', 'soon', 36500, 36501]) {
            assert.strictEqual(validate('certDays', certDays), runtime({ certDays }), `certDays ${JSON.stringify(certDays)}`);
        }
        for (const servername of ['', 'db.example.com', 'a b', 'x'.repeat(254)]) {
            assert.strictEqual(validate('servername', servername), runtime({ servername }), `servername ${JSON.stringify(servername)}`);
        }
        for (const [key, good, bad] of [['tls', 'starttls', 'ssl'], ['starttls', 'postgres', 'gopher'], ['preset', 'redis', 'telnet']]) {
            assert.ok(validate(key, good) && !validate(key, bad), key);
        }
    });

    it('labels the node by name, else host:port, else "port check"', function () {
        assert.strictEqual(definition.label.call({ name: 'web' }), 'web');
        assert.strictEqual(definition.label.call({ host: '::1', hostType: 'str', port: '80', portType: 'num' }), '[::1]:80');
        assert.strictEqual(definition.label.call({ host: '', port: '' }), 'port check');
    });
});
