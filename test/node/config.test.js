'use strict';
// The node's configuration has a version, and one migrations table
// (resources/port-check-config.js) that the editor and the runtime both
// use (docs/architecture.md, "Configuration and versions"). Flows saved
// before the version existed, such as every example of this package, must
// read the same as they always did: a migration fills only what the node
// always assumed for a missing key, and keeps every value the user set.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const shared = require('../../resources/port-check-config.js');
const { CONFIG_VERSION, migrate, readOptions } = require('../../lib/node/config.js');

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
/** The service keys of version 2, off: a node from before checks the TCP handshake alone. */
const SERVICE_OFF = { tls: 'off', starttls: 'smtp', servername: '', tlsVerify: true, certDays: '', preset: 'none', send: '', expect: '' };

function exampleNodes() {
    return fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).flatMap((file) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'))
        .filter((n) => n.type === 'port-check')
        .map((node) => ({ file, node })));
}

describe('node configuration: version and migrations', function () {
    it('the runtime reads the table the editor loads, and the editor saves its version', function () {
        assert.strictEqual(CONFIG_VERSION, shared.VERSION);
        assert.strictEqual(shared.VERSION, 2);
        const html = fs.readFileSync(path.join(__dirname, '..', '..', 'nodes', 'port-check.html'), 'utf8');
        assert.ok(html.includes('src="resources/node-red-contrib-port-check/port-check-config.js"'), 'the editor loads the table');
        assert.ok(/version: \{ value: PortCheckConfig\.VERSION \}/.test(html), 'a new node gets the current version');
        // One migration per version step, in order.
        assert.deepStrictEqual(shared.migrations.map((m) => m.from), Array.from({ length: shared.VERSION }, (_, i) => i));
    });

    it('a node without a version (as saved before it existed) gets the values the node always assumed', function () {
        const migrated = migrate({ id: 'n', type: 'port-check', host: 'h', port: 80, check: 'open', timeout: 5 });
        assert.deepStrictEqual(migrated, {
            id: 'n', type: 'port-check', host: 'h', port: 80, check: 'open', timeout: 5, version: 2,
            hostType: 'str', portType: 'num', timeoutType: 'num', output: 'payload', continueOnError: false,
            delayBefore: 0, delayAfter: 0, concurrency: 256, mode: 'once', retries: 0, retryDelay: 1,
            waitInterval: 1, waitTimeout: 60, slowAbove: '', allow: '', ipVersion: 'auto', maxRate: '', ...SERVICE_OFF,
        });
        // A node of version 1 gets only what version 2 added.
        assert.deepStrictEqual(migrate({ id: 'n', type: 'port-check', version: 1, retries: 3 }),
            { id: 'n', type: 'port-check', version: 2, retries: 3, ipVersion: 'auto', maxRate: '', ...SERVICE_OFF });
        // Check Port and Timeout are not guessed: such a node fails each message, as it always did.
        const bare = migrate({ id: 'n', type: 'port-check' });
        assert.strictEqual(bare.check, undefined);
        assert.strictEqual(bare.timeout, undefined);
        assert.strictEqual(readOptions(bare, undefined).error.code, 'EMPTY_CHECK');
    });

    it('keeps every value of every example flow and reads the same options; the examples saved by version 2 are current', function () {
        const nodes = exampleNodes();
        const old = nodes.filter(({ node }) => node.version === undefined);
        assert.ok(old.length >= 14, `${old.length} port-check nodes in the examples from before the version key`);
        for (const { file, node } of nodes.filter((n) => n.node.version !== undefined)) {
            assert.deepStrictEqual(migrate(node), node, `${file} ${node.id}: already at version ${shared.VERSION}`);
        }
        for (const { file, node } of old) {
            const migrated = migrate(node);
            assert.strictEqual(migrated.version, shared.VERSION, file);
            for (const [key, value] of Object.entries(node)) {
                if (value === '' || value === null) continue; // an empty value is read as the default, before and after
                assert.deepStrictEqual(migrated[key], value, `${file} ${node.id}: ${key} kept`);
            }
            const before = readOptions({ ...node, hostType: node.hostType || 'str', portType: node.portType || 'num', timeoutType: node.timeoutType || 'num', output: node.output || 'payload' }, undefined);
            const after = readOptions(migrated, undefined);
            // The allow-list is a function of its rules; the examples' rules are compared as text above.
            const comparable = ({ options: { policy, ...rest }, error }) => ({ rest, policy: Boolean(policy), error: error && error.code });
            assert.deepStrictEqual(comparable(after), comparable(before), `${file} ${node.id}: the same options`);
        }
    });

    it('does not change its argument, and leaves a config of a later version as it is', function () {
        const node = { id: 'n', type: 'port-check', hostType: '' };
        migrate(node);
        assert.deepStrictEqual(node, { id: 'n', type: 'port-check', hostType: '' });
        const future = { id: 'n', type: 'port-check', version: 7, something: 'new' };
        assert.deepStrictEqual(shared.migrate(future), future);
    });
});
