'use strict';
// Issue 6, part 7: filtered ports for real. As root, with `ip netns` and
// iptables (or nft): two network namespaces of our own joined by a veth pair
// (10.213.0.1/30 <-> 10.213.0.2/30; the client namespace has no other route,
// so nothing can leave it), a server on the target side, and on the target's
// INPUT a DROP rule, a REJECT --reject-with icmp-host-prohibited rule and a
// REJECT --reject-with tcp-reset rule. From the client namespace: DROP and
// host-prohibited are `filtered`, a plain closed port and tcp-reset are
// `closed`, the server's port is `open`. Without root, ip netns or a firewall
// tool, the test says why and skips.
const assert = require('assert');
const path = require('path');
const { execFileSync, execFile, spawn } = require('child_process');

const CLIENT_ADDRESS = '10.213.0.1';
const TARGET_ADDRESS = '10.213.0.2';
const PORTS = { open: 7001, drop: 7002, reject: 7003, closed: 7004, rst: 7005 };
const tag = `pcr${process.pid % 1000000}`;
const CLIENT_NS = `${tag}c`;
const TARGET_NS = `${tag}t`;
const CLIENT_LINK = `${tag}a`;
const TARGET_LINK = `${tag}b`;

function run(command, args) {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
}

function have(command) {
    try {
        execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

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
    let server;
    let created = false;
    let firewall;

    before(async function () {
        const why = [];
        if (process.platform !== 'linux') why.push('not Linux');
        if (typeof process.getuid === 'function' && process.getuid() !== 0) why.push('not root');
        if (!have('ip')) why.push('no `ip` (iproute2)');
        if (why.length) {

            console.log(`      skipped: ${why.join(', ')}`);
            this.skip();
        }
        try {
            run('ip', ['netns', 'add', CLIENT_NS]);
            created = true;
            run('ip', ['netns', 'add', TARGET_NS]);
            run('ip', ['link', 'add', CLIENT_LINK, 'netns', CLIENT_NS, 'type', 'veth', 'peer', 'name', TARGET_LINK, 'netns', TARGET_NS]);
            run('ip', ['-n', CLIENT_NS, 'addr', 'add', `${CLIENT_ADDRESS}/30`, 'dev', CLIENT_LINK]);
            run('ip', ['-n', TARGET_NS, 'addr', 'add', `${TARGET_ADDRESS}/30`, 'dev', TARGET_LINK]);
            for (const [ns, link] of [[CLIENT_NS, CLIENT_LINK], [TARGET_NS, TARGET_LINK]]) {
                run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
                run('ip', ['-n', ns, 'link', 'set', link, 'up']);
            }
        } catch (err) {

            console.log(`      skipped: cannot make network namespaces with a veth pair here (${String(err.stderr || err.message).trim().split('\n')[0]})`);
            this.skip();
        }
        try {
            firewall = addFirewallRules(TARGET_NS);
        } catch (err) {

            console.log(`      skipped: no working firewall tool in a network namespace (${err.message})`);
            this.skip();
        }
        // Safety: the client namespace reaches the target's /30 and nothing else.
        const routes = run('ip', ['-n', CLIENT_NS, '-4', 'route', 'show']).trim().split('\n').filter(Boolean);
        assert.deepStrictEqual(routes.map((r) => r.split(' ')[0]), ['10.213.0.0/30'], `client namespace routes: ${routes.join('; ')}`);
        assert.strictEqual(run('ip', ['-n', CLIENT_NS, '-6', 'route', 'show']).split('\n').filter((l) => l.startsWith('default')).length, 0);

        const program = `require('net').createServer((s) => { s.on('error', () => {}); s.destroy(); })
            .listen(${PORTS.open}, ${JSON.stringify(TARGET_ADDRESS)}, () => process.stdout.write('ready\\n'));`;
        server = spawn('ip', ['netns', 'exec', TARGET_NS, process.execPath, '-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.once('exit', (code) => reject(new Error(`target server exited with ${code}`)));
            server.stdout.once('data', () => resolve());
        });
    });

    after(function () {
        if (server && server.exitCode === null) server.kill('SIGKILL');
        if (created) {
            for (const ns of [CLIENT_NS, TARGET_NS]) {
                try {
                    run('ip', ['netns', 'del', ns]); // takes its end of the veth pair with it
                } catch {
                    // not made
                }
            }
        }
    });

    it('DROP and REJECT host-prohibited are filtered, a closed port and REJECT tcp-reset are closed, the server is open', async function () {
        const script = path.join(__dirname, 'netns-run.js');
        const args = ['netns', 'exec', CLIENT_NS, process.execPath, script, TARGET_ADDRESS,
            PORTS.open, PORTS.drop, PORTS.reject, PORTS.closed, PORTS.rst].map(String);
        const stdout = await new Promise((resolve, reject) => {
            execFile('ip', args, { timeout: 40000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
        });
        const report = JSON.parse(stdout.trim().split('\n').pop());
        const expected = { open: 'open', drop: 'filtered', reject: 'filtered', closed: 'closed', rst: 'closed' };

        // probe.ts alone
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

        console.log(`      ${firewall} in ${TARGET_NS}: ${Object.entries(report.probes).map(([n, p]) => `${n} ${p.state} (${p.ms} ms)`).join(', ')}`);
    });
});
