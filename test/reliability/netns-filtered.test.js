'use strict';
// Reliability: filtered ports for real. As root, with `ip netns` and
// iptables (or nft): two network namespaces of our own joined by a veth pair
// (10.213.0.1/30 <-> 10.213.0.2/30; the client namespace has no other route,
// so nothing can leave it), a server on the target side, and on the target's
// INPUT a DROP rule, a REJECT --reject-with icmp-host-prohibited rule and a
// REJECT --reject-with tcp-reset rule. From the client namespace: DROP and
// host-prohibited are `filtered`, a plain closed port and tcp-reset are
// `closed`, the server's port is `open`. Without root the test says why and
// skips; under CI=true a missing firewall tool is a failure (test/lib/netns.js).
const assert = require('assert');
const path = require('path');
const { execFile } = require('child_process');
const { CI, run, have, requireRoot, uniqueName, Namespace, link } = require('../lib/netns');

const CLIENT_ADDRESS = '10.213.0.1';
const TARGET_ADDRESS = '10.213.0.2';
const PORTS = { open: 7001, drop: 7002, reject: 7003, closed: 7004, rst: 7005 };

/** Firewall rules for the target namespace, with the first tool that works there. */
function addFirewallRules(ns) {
    const errors = [];
    for (const tool of ['iptables', 'iptables-legacy']) {
        if (!have(tool)) continue;
        try {
            const rule = (...args) => run('ip', ['netns', 'exec', ns, tool, '-w', '-A', 'INPUT', '-p', 'tcp', ...args]);
            rule('--dport', String(PORTS.drop), '-j', 'DROP');
            rule('--dport', String(PORTS.reject), '-j', 'REJECT', '--reject-with', 'icmp-host-prohibited');
            rule('--dport', String(PORTS.rst), '-j', 'REJECT', '--reject-with', 'tcp-reset');
            return tool;
        } catch (err) {
            errors.push(`${tool}: ${String(err.stderr || err.message).trim()}`);
            try {
                run('ip', ['netns', 'exec', ns, tool, '-w', '-F', 'INPUT']);
            } catch {
                // nothing to flush
            }
        }
    }
    if (have('nft')) {
        try {
            const nft = (...args) => run('ip', ['netns', 'exec', ns, 'nft', ...args]);
            nft('add', 'table', 'ip', 'portcheck');
            nft('add', 'chain', 'ip', 'portcheck', 'in', '{ type filter hook input priority 0; }');
            nft('add', 'rule', 'ip', 'portcheck', 'in', 'tcp', 'dport', String(PORTS.drop), 'drop');
            nft('add', 'rule', 'ip', 'portcheck', 'in', 'tcp', 'dport', String(PORTS.reject), 'reject', 'with', 'icmp', 'type', 'host-prohibited');
            nft('add', 'rule', 'ip', 'portcheck', 'in', 'tcp', 'dport', String(PORTS.rst), 'reject', 'with', 'tcp', 'reset');
            return 'nft';
        } catch (err) {
            errors.push(`nft: ${String(err.stderr || err.message).trim()}`);
        }
    }
    throw new Error(errors.length ? errors.join('; ') : 'neither iptables nor nft is installed (apt-get install iptables)');
}

describe('reliability: filtered ports for real (network namespaces and a firewall)', function () {
    this.timeout(60000);
    let client;
    let target;
    let server;
    let firewall;

    before(async function () {
        requireRoot(this);
        client = new Namespace(uniqueName('pcrc'));
        target = new Namespace(uniqueName('pcrt'));
        link(client, target, { a: [`${CLIENT_ADDRESS}/30`], b: [`${TARGET_ADDRESS}/30`] });
        try {
            firewall = addFirewallRules(target.name);
        } catch (err) {
            if (CI) throw new Error(`CI=true, yet no working firewall tool in a network namespace (${err.message})`, { cause: err });
            console.log(`      skipped: no working firewall tool in a network namespace (${err.message})`);
            this.skip();
        }
        // Safety: the client namespace reaches the target's /30 and nothing else.
        const routes = client.exec('ip', ['-4', 'route', 'show']).trim().split('\n').filter(Boolean);
        assert.deepStrictEqual(routes.map((r) => r.split(' ')[0]), ['10.213.0.0/30'], `client namespace routes: ${routes.join('; ')}`);
        assert.strictEqual(client.exec('ip', ['-6', 'route', 'show']).split('\n').filter((l) => l.startsWith('default')).length, 0);

        const program = `require('net').createServer((s) => { s.on('error', () => {}); s.destroy(); })
            .listen(${PORTS.open}, ${JSON.stringify(TARGET_ADDRESS)}, () => process.stdout.write('ready\\n'));`;
        server = target.spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.once('exit', (code) => reject(new Error(`target server exited with ${code}`)));
            server.stdout.once('data', () => resolve());
        });
    });

    after(function () {
        for (const ns of [client, target]) if (ns) ns.destroy(); // each takes its end of the veth pair with it
    });

    it('DROP and REJECT host-prohibited are filtered, a closed port and REJECT tcp-reset are closed, the server is open', async function () {
        const script = path.join(__dirname, 'netns-run.js');
        const args = ['netns', 'exec', client.name, process.execPath, script, TARGET_ADDRESS,
            PORTS.open, PORTS.drop, PORTS.reject, PORTS.closed, PORTS.rst].map(String);
        const stdout = await new Promise((resolve, reject) => {
            execFile('ip', args, { timeout: 40000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
        });
        const report = JSON.parse(stdout.trim().split('\n').pop());
        const expected = { open: 'open', drop: 'filtered', reject: 'filtered', closed: 'closed', rst: 'closed' };

        // the probe pool alone (src/probe/)
        for (const [name, state] of Object.entries(expected)) {
            const probe = report.probes[name];
            assert.strictEqual(probe.state, state, `${name} (port ${PORTS[name]}): ${JSON.stringify(probe)}`);
        }
        assert.ok(report.probes.drop.ms >= 990 && report.probes.drop.ms < 1300, `DROP answered after ${report.probes.drop.ms} ms (timeout 1 s)`);
        assert.ok(report.probes.reject.ms < 900, `host-prohibited answered at once, not at the timeout (${report.probes.reject.ms} ms)`);

        // through the node
        assert.strictEqual(report.outcomes.length, report.expected, JSON.stringify(report.outcomes));
        const byKey = Object.fromEntries(report.outcomes.map((o) => [o.key, o]));
        for (const check of ['open', 'closed']) {
            for (const [name, state] of Object.entries(expected)) {
                const outcome = byKey[`${check}/${name}`];
                assert.ok(outcome && !outcome.error, `${check}/${name}: ${JSON.stringify(outcome)}`);
                assert.strictEqual(outcome.state, state, `${check}/${name}`);
                assert.strictEqual(outcome.payload, check === 'open' ? state === 'open' : state !== 'open', `${check}/${name} payload`);
            }
            const list = byKey[`${check}/list`];
            assert.deepStrictEqual(list.results, Object.keys(expected).map((name) => ({ port: PORTS[name], state: expected[name] })));
            assert.strictEqual(list.payload, false, 'a list that mixes states matches neither check');
        }

        console.log(`      ${firewall} in ${target.name}: ${Object.entries(report.probes).map(([n, p]) => `${n} ${p.state} (${p.ms} ms)`).join(', ')}`);
    });
});
