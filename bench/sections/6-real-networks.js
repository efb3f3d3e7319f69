'use strict';
// Section 6 — real networks.
//
// What: the node on conditions that loopback alone does not give.
//  - loss: two network namespaces joined by test/lib/lossy-link.js (a TUN
//    device in each and a relay that delays and drops packets: this kernel
//    has no netem), 20 ms and 10 % loss each way; 100 open ports in the
//    target namespace; one message asking for all 100 (timeout 1 s) per
//    round, 5 rounds. The node runs in the client namespace, in a Node-RED
//    runtime of its own each round (test/lib/flow-run.js: a cold node that
//    has learned nothing of the link yet), back to back with
//    `nmap -sT -Pn -n --max-rtt-timeout 1000ms` from the same namespace, in
//    turn first: the open ports each reports not open, the node's slowest
//    answer (latencyMs) and its re-sends (entries with connections > 1).
//  - lan: the same link with no loss and 0.5 ms each way, 10 messages ×
//    100 ports at once: re-sends (a probe answered at once is never re-sent).
//  - dns burst: on this machine's loopback, in this process: a DNS server
//    (test/lib/reliability-dns.js) answering every query 200 ms late, 256
//    messages at once each with a name of its own (all resolve to
//    127.0.0.1, one open port), timeout 2 s, Max concurrent 256, the node
//    pointed at the server with settings.js portCheck.dnsServers: the wall
//    time until all are answered, against a bare `new dns.Resolver()`
//    asking the same server for A and AAAA of the same names, all at once,
//    alone, in the same round (in turn first), and, as a reference, the
//    same bare resolver held to 256 queries in flight as the node is; the
//    UDP datagrams each burst lost to full socket receive buffers
//    (/proc/net/udp drops); and dns.lookup('localhost') (getaddrinfo,
//    libuv's thread pool) timed during and after the node's burst.
//  - silent dns: the same server swallowing queries: the node's answer
//    time at timeout 0.5 s (messages one after another, names of their
//    own) and its error text; and a name the server says does not exist.
//  - both: IP version "both" on a name of the client namespace's hosts
//    file, IPv4 open and IPv6 blackholed by ip6tables DROP in the target.
//  - rate: Max rate 100 over 1,000 closed ports of 127.0.0.1, one message:
//    the wall time against 1,000 ÷ 100/s.
// Why: the targets of the issue on real networks (docs/architecture.md,
// "On real networks"): open ports found open through loss, by re-sending
// within the timeout, and never answered late; no re-send where nothing is
// lost; DNS bursts and silent servers that neither hold the thread pool
// nor outlive the timeout; "both" saying each family's own state; a rate
// limit that holds. test/reliability/real-network.test.js holds the same
// behaviours; this measures them.
//
// Needs root and iproute2 (namespaces), python3 and /dev/net/tun (the
// relay), ip6tables (the "both" row only), nmap (the loss row's comparison
// only). Without them the namespace rows give one row "skipped: <why>";
// the loopback rows (dns burst, silent dns, rate) run anyway. Traffic stays
// on loopback or inside the namespaces made here, which have no route out;
// the node and the bare resolver ask only this section's own DNS server,
// and the client namespace's resolv.conf names its own loopback.
const fs = require('fs');
const dns = require('dns');
const path = require('path');
const { performance } = require('perf_hooks');
const { whyNot, have } = require('../../test/lib/netns');
const { lossyLink, TARGET } = require('../../test/lib/lossy-link');
const { startDnsServer } = require('../../test/lib/reliability-dns');
const { helper } = require('../../test/lib/node-red');
const { ResolverFiles } = require('../../lib/dns/files.js');
const { startListeners } = require('../lib/listeners');
const { loadFlow, unloadFlow } = require('../lib/flow');
const { median, fmt, sleep } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const FLOW_RUN = path.join(__dirname, '..', '..', 'test', 'lib', 'flow-run.js');
const PORT_BASE = 7100;
const PORT_COUNT = 100;
const PORTS = `${PORT_BASE}-${PORT_BASE + PORT_COUNT - 1}`;
const DUAL_PORT = 7300;
/** How late past its timeout an answer may come (the issue's target). */
const LATE_MS = 20;
const DNS_DELAY_MS = 200;
/** The node's cap on DNS queries in flight (src/dns/resolver.ts MAX_QUERIES_IN_FLIGHT), for the reference baseline. */
const NODE_QUERIES_IN_FLIGHT = 256;
/** Closed ports for the rate row: below the ephemeral range, where nothing of the bench listens. */
const RATE_FIRST_PORT = 21000;
const RATE = 100;

const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);
const since = (started) => performance.now() - started;
const pct = (part, whole) => (whole ? (100 * part) / whole : NaN);

/** Links made and not yet destroyed: taken down however the section ends (short of SIGKILL). */
const liveLinks = new Set();
process.on('exit', () => {
    for (const link of liveLinks) link.destroy();
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

async function makeLink(options) {
    const link = await lossyLink(options);
    liveLinks.add(link);
    return {
        ...link,
        destroy() {
            liveLinks.delete(link);
            link.destroy();
        },
    };
}

/** A node process in `ns` listening on `ports` of every address (IPv4 and IPv6); resolves once it listens. Killed with the namespace. */
async function serveIn(ns, ports) {
    const program = `
        const net = require('net');
        let pending = 0;
        for (const host of ['0.0.0.0', '::']) for (const port of ${JSON.stringify(ports)}) {
            pending++;
            net.createServer((s) => { s.on('error', () => {}); s.destroy(); })
                .listen({ host, port, ipv6Only: host === '::', backlog: 1024 }, () => { if (--pending === 0) process.stdout.write('ready\\n'); });
        }`;
    const child = ns.spawn(process.execPath, ['-e', program]);
    await new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the servers in ${ns.name} exited with ${code}`)));
        child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    });
    return child;
}

/** The environment of a node in a namespace: the tests' DNS guard, if inherited, left out (no route out there anyway). */
function namespaceEnv() {
    const env = { ...process.env, PORT_CHECK_DNS_GUARD: 'off' };
    env.NODE_OPTIONS = (env.NODE_OPTIONS || '').replace(/--require "[^"]*dns-guard\.js"/, '');
    return env;
}

/** One run of the node (test/lib/flow-run.js) in the client namespace; its outcomes, each checked to be an output. */
async function nodeIn(link, spec) {
    const report = await link.client.runNode(FLOW_RUN, [JSON.stringify({ timeoutMs: 30000, ...spec })], { env: namespaceEnv(), timeoutMs: 40000 });
    if (report.outcomes.length !== spec.messages.length) {
        throw new Error(`flow-run: ${report.outcomes.length} of ${spec.messages.length} messages came out: ${JSON.stringify(report.outcomes.map((o) => o.kind))}`);
    }
    for (const o of report.outcomes) {
        if (o.kind !== 'output') throw new Error(`flow-run: ${JSON.stringify(o)}`);
    }
    return report.outcomes;
}

function nmapVersion() {
    try {
        return /Nmap version (\S+)/.exec(require('child_process').execFileSync('nmap', ['--version'], { encoding: 'utf8' }))[1];
    } catch {
        return null;
    }
}

/** nmap's connect scan from the client namespace: its wall time and open ports (grepable output). */
function nmapIn(ns, ports, host, timeoutMs) {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = ns.spawn('nmap', ['-sT', '-Pn', '-n', '--max-rtt-timeout', `${timeoutMs}ms`, '-p', ports, '-oG', '-', host]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { err += d; });
        child.once('error', reject);
        child.once('exit', (code) => {
            const elapsedMs = since(started);
            if (code !== 0) return reject(new Error(`nmap exited ${code}: ${err}`));
            const open = new Set();
            const line = out.split('\n').find((l) => l.includes('Ports:')) || '';
            for (const m of line.matchAll(/(\d+)\/open\/tcp/g)) open.add(Number(m[1]));
            resolve({ elapsedMs, open });
        });
    });
}

function skippedRow(id, what, why) {
    return { id, measure: `Real networks: ${what}: skipped: ${why}`, ours: `skipped: ${why}`, baseline: '—', ratio: null, target: '—', met: null, runs: 0 };
}

function failedRow(id, what, err) {
    log(`${id} FAILED: ${err && err.stack ? err.stack : err}`);
    return { id, measure: `Real networks: ${what}: FAILED`, ours: String(err && err.message ? err.message : err), baseline: '—', ratio: null, target: '—', met: false, runs: 0 };
}

// ---- 6 loss, 6 lan -------------------------------------------------------

async function lossRows({ quick }, notes) {
    const rounds = quick ? 1 : 5;
    const timeoutMs = 1000;
    const version = nmapVersion();
    const link = await makeLink({ delayMs: 20, loss: 0.1, seed: 7 });
    try {
        await serveIn(link.target, range(PORT_BASE, PORT_COUNT));
        const entries = [];
        const nmapRuns = [];
        for (let round = 0; round < rounds; round++) {
            const order = round % 2 && version ? ['nmap', 'node'] : ['node', 'nmap'];
            for (const tool of order) {
                if (tool === 'nmap') {
                    if (!version) continue;
                    const scan = await nmapIn(link.client, PORTS, TARGET.v4, timeoutMs);
                    nmapRuns.push(scan);
                    log(`6 loss round ${round} nmap: ${fmt(scan.elapsedMs)} ms, ${scan.open.size} of ${PORT_COUNT} open`);
                } else {
                    const [outcome] = await nodeIn(link, {
                        props: { host: TARGET.v4, port: PORTS, portType: 'str', timeout: String(timeoutMs / 1000) },
                        messages: [{}],
                    });
                    const results = outcome.portCheck.results;
                    if (results.length !== PORT_COUNT) throw new Error(`node: ${results.length} results`);
                    entries.push(...results);
                    const slowest = Math.max(...results.map((r) => r.latencyMs));
                    log(`6 loss round ${round} node: ${results.filter((r) => r.state === 'open').length} of ${PORT_COUNT} open, ` +
                        `${results.filter((r) => r.connections > 1).length} re-sent, slowest ${slowest} ms`);
                }
            }
        }
        const counts = await link.counts();
        const probes = entries.length;
        const notOpen = entries.filter((r) => r.state !== 'open');
        const resent = entries.filter((r) => r.connections > 1);
        const slowest = Math.max(...entries.map((r) => r.latencyMs));
        const latencies = entries.map((r) => r.latencyMs);
        const nodePct = pct(notOpen.length, probes);
        const nmapNotOpen = nmapRuns.reduce((sum, s) => sum + (PORT_COUNT - s.open.size), 0);
        const nmapPct = pct(nmapNotOpen, nmapRuns.length * PORT_COUNT);
        const byState = {};
        for (const r of notOpen) byState[r.state] = (byState[r.state] || 0) + 1;
        const rows = [{
            id: '6 loss',
            measure: `Lossy link (20 ms and 10 % loss each way, namespaces): ${PORT_COUNT} open ports, one message a round (timeout 1 s): open ports reported not open, vs nmap in the same rounds`,
            ours: `${fmt(nodePct)} % not open (${notOpen.length}/${probes}${notOpen.length ? `: ${Object.entries(byState).map(([s, n]) => `${n} ${s}`).join(', ')}` : ''})`,
            baseline: version
                ? `${fmt(nmapPct)} % not open (${nmapNotOpen}/${nmapRuns.length * PORT_COUNT}; nmap ${version} -sT, ${fmt(median(nmapRuns.map((s) => s.elapsedMs)) / 1000)} s a scan)`
                : 'nmap not installed (comparison skipped)',
            ratio: version && nmapNotOpen > 0 ? nodePct / nmapPct : null,
            target: '≤ 0.5 % not open',
            met: nodePct <= 0.5,
            runs: rounds,
        }, {
            id: '6 loss',
            measure: 'Lossy link: the slowest answer of any probe (latencyMs; timeout 1 s), and the probes re-sent (connections > 1)',
            ours: `slowest ${fmt(slowest)} ms (median ${fmt(median(latencies))} ms); ${resent.length}/${probes} re-sent`,
            baseline: `link: ${counts.a_to_b} packets out, ${counts.dropped_a_to_b} dropped; ${counts.b_to_a} back, ${counts.dropped_b_to_a} dropped`,
            ratio: null,
            target: `≤ ${fmt(timeoutMs + LATE_MS)} ms`,
            met: slowest <= timeoutMs + LATE_MS,
            runs: rounds,
        }];
        if (nodePct > 0.5) {
            notes.push(`6 loss: ${notOpen.length} of ${probes} open ports came out not open: ${JSON.stringify(notOpen.slice(0, 5))}.`);
        }
        if (slowest > timeoutMs + LATE_MS) {
            const late = entries.filter((r) => r.latencyMs > timeoutMs + LATE_MS);
            notes.push(`6 loss: ${late.length} of ${probes} answers came more than ${LATE_MS} ms after the 1 s timeout: ${JSON.stringify(late.slice(0, 5))}.`);
        }
        if (!version) notes.push('6 loss: nmap is not installed: its comparison was skipped.');
        return rows;
    } finally {
        link.destroy();
    }
}

async function lanRow({ quick }, notes) {
    const runs = quick ? 1 : 3;
    const messages = 10;
    const link = await makeLink({ delayMs: 0.5, loss: 0 });
    try {
        await serveIn(link.target, range(PORT_BASE, PORT_COUNT));
        const resentPerRun = [];
        const notOpenPerRun = [];
        const latencies = [];
        for (let run = 0; run < runs; run++) {
            const outcomes = await nodeIn(link, {
                props: { host: TARGET.v4, port: PORTS, portType: 'str', timeout: '1' },
                messages: range(0, messages).map(() => ({})),
            });
            const entries = outcomes.flatMap((o) => o.portCheck.results);
            if (entries.length !== messages * PORT_COUNT) throw new Error(`node: ${entries.length} results`);
            const resent = entries.filter((r) => r.connections !== 1);
            resentPerRun.push(resent.length);
            notOpenPerRun.push(entries.filter((r) => r.state !== 'open').length);
            latencies.push(...entries.map((r) => r.latencyMs));
            log(`6 lan run ${run}: ${resent.length} of ${entries.length} with connections ≠ 1, ${notOpenPerRun[run]} not open`);
            if (resent.length) notes.push(`6 lan run ${run + 1}: probes with connections ≠ 1: ${JSON.stringify(resent.slice(0, 5))}.`);
        }
        const counts = await link.counts();
        const total = resentPerRun.reduce((a, b) => a + b, 0);
        return {
            id: '6 lan',
            measure: `No-loss link (0.5 ms each way, namespaces): ${messages} messages × ${PORT_COUNT} open ports at once (timeout 1 s): probes re-sent (connections ≠ 1)`,
            ours: `${total} of ${runs * messages * PORT_COUNT} re-sent; ${notOpenPerRun.reduce((a, b) => a + b, 0)} not open; latency median ${fmt(median(latencies))} ms, max ${fmt(Math.max(...latencies))} ms`,
            baseline: `link: ${counts.a_to_b} packets out, ${counts.b_to_a} back, none dropped`,
            ratio: null,
            target: '0 re-sends',
            met: total === 0,
            runs,
        };
    } finally {
        link.destroy();
    }
}

// ---- 6 both --------------------------------------------------------------

async function bothRow({ quick }, notes) {
    const messages = quick ? 3 : 7;
    const timeoutMs = 500;
    const link = await makeLink({
        delayMs: 1,
        loss: 0,
        files: {
            hosts: `127.0.0.1 localhost\n${TARGET.v4} dual.test\n${TARGET.v6} dual.test\n`,
            'resolv.conf': 'nameserver 127.0.0.1\n', // the namespace's own loopback, should anything ask
        },
    });
    try {
        await serveIn(link.target, [DUAL_PORT]);
        link.target.exec('ip6tables', ['-w', '-A', 'INPUT', '-p', 'tcp', '--dport', String(DUAL_PORT), '-j', 'DROP']);
        const outcomes = await nodeIn(link, {
            props: { host: 'dual.test', port: String(DUAL_PORT), timeout: String(timeoutMs / 1000), ipVersion: 'both' },
            messages: range(0, messages).map(() => ({})),
            sequential: true,
        });
        const wrong = outcomes.filter((o) => {
            const f = o.portCheck.families || {};
            return o.payload !== false || !f[4] || f[4].state !== 'open' || !f[6] || f[6].state !== 'filtered';
        });
        const latencies = outcomes.map((o) => o.portCheck.latencyMs);
        const slowest = Math.max(...latencies);
        log(`6 both: latencies ${latencies.join(', ')} ms; ${wrong.length} wrong`);
        if (wrong.length) notes.push(`6 both: answers not false with 4 open and 6 filtered: ${JSON.stringify(wrong.slice(0, 2).map((o) => [o.payload, o.portCheck]))}.`);
        const f = outcomes[0].portCheck.families || {};
        return {
            id: '6 both',
            measure: `IP version "both" on a name (hosts file), IPv4 open, IPv6 dropped by ip6tables (timeout 0.5 s): answer and its time (latencyMs)`,
            ours: `${outcomes.length - wrong.length}/${outcomes.length} false with 4 ${f[4] && f[4].state}, 6 ${f[6] && f[6].state}; ${fmt(median(latencies))} ms (slowest ${fmt(slowest)} ms)`,
            baseline: `timeout ${timeoutMs} ms`,
            ratio: median(latencies) / timeoutMs,
            target: `false, 4 open, 6 filtered; ≤ ${timeoutMs + LATE_MS} ms`,
            met: wrong.length === 0 && slowest <= timeoutMs + LATE_MS,
            runs: outcomes.length,
        };
    } finally {
        link.destroy();
    }
}

// ---- 6 dns burst, 6 silent dns (loopback, this process) ------------------

/** The names of the DNS server: `*.late.test` answered 200 ms late, `*.silent.test` never, anything else "no such name". */
function answerOf(name) {
    if (name.endsWith('.late.test')) return { addresses: ['127.0.0.1'], delayMs: DNS_DELAY_MS };
    if (name.endsWith('.silent.test')) return 'swallow';
    return 'nxdomain';
}

/** dns.lookup('localhost') (getaddrinfo, on libuv's thread pool): its time in ms. */
function timeLocalhost() {
    const started = performance.now();
    return new Promise((resolve) => dns.lookup('localhost', () => resolve(since(started))));
}

/**
 * A bare c-ares resolver asking `server` for A and AAAA of every name: wall
 * time until every answer. All at once, or at most `maxInFlight` queries in
 * flight (a name's two queries go together), as the node keeps them.
 */
function bareBurst(server, names, maxInFlight = Infinity) {
    const resolver = new dns.Resolver();
    resolver.setServers([server]);
    const started = performance.now();
    let pending = names.length;
    let next = 0;
    let inFlight = 0;
    let failed = 0;
    return new Promise((resolve) => {
        const ask = (name) => {
            inFlight += 2;
            let parts = 2;
            const done = (err) => {
                if (err && err.code !== 'ENODATA') failed++;
                if (--parts > 0) return;
                inFlight -= 2;
                if (--pending === 0) return resolve({ elapsedMs: since(started), failed });
                while (next < names.length && inFlight + 2 <= maxInFlight) ask(names[next++]);
            };
            resolver.resolve4(name, done);
            resolver.resolve6(name, done);
        };
        while (next < names.length && inFlight + 2 <= maxInFlight) ask(names[next++]);
    });
}

/** Datagrams each UDP socket of this machine's namespace has dropped (/proc/net/udp*: a full receive buffer), by local port and inode. */
function udpDrops() {
    const drops = new Map();
    for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
        let text;
        try {
            text = fs.readFileSync(file, 'utf8');
        } catch {
            continue;
        }
        for (const line of text.split('\n').slice(1)) {
            const c = line.trim().split(/\s+/);
            if (c.length < 13) continue;
            drops.set(`${parseInt(c[1].split(':')[1], 16)}/${c[9]}`, Number(c[12]));
        }
    }
    return drops;
}

/** Drops since `before`: at the socket of local port `port`, and at all others. */
function dropsSince(before, port) {
    const result = { server: 0, others: 0 };
    for (const [key, count] of udpDrops()) {
        const more = count - (before.get(key) || 0);
        if (more > 0) result[key.startsWith(`${port}/`) ? 'server' : 'others'] += more;
    }
    return result;
}

/** Flow messages into the loaded flow; resolves with the messages that came out, in order. */
function makeDriver(flow, outputs) {
    return {
        async burst(messages) {
            outputs.length = 0;
            const before = flow.sink.count;
            const started = performance.now();
            for (const msg of messages) flow.node.receive(msg);
            const during = timeLocalhost();
            await flow.sink.waitFor(before + messages.length);
            return { elapsedMs: since(started), duringMs: await during, outputs: [...outputs] };
        },
        async one(msg) {
            outputs.length = 0;
            const before = flow.sink.count;
            const started = performance.now();
            flow.node.receive(msg);
            await flow.sink.waitFor(before + 1);
            return { elapsedMs: since(started), msg: outputs[0] };
        },
    };
}

async function dnsBurstRows({ quick }, server, openPort, notes) {
    const count = quick ? 100 : 256;
    const rounds = quick ? 1 : 5;
    const outputs = [];
    const flow = await loadFlow({ host: 'host', hostType: 'msg', port: openPort, portType: 'num', timeout: '2', concurrency: 256 }, (msg) => outputs.push(msg));
    try {
        const drive = makeDriver(flow, outputs);
        // Warm-up: a few names through the node and the bare resolver.
        await drive.burst(range(0, 8).map((i) => ({ host: `warm-${i}.late.test` })));
        await bareBurst(server.server, range(0, 8).map((i) => `warm-bare-${i}.late.test`));
        const times = { node: [], bare: [], capped: [] };
        const ratios = [];
        const during = [];
        const after = [];
        const openCounts = [];
        const drops = { node: [], bare: [], capped: [] };
        for (let round = 0; round < rounds; round++) {
            const order = round % 2 ? ['bare', 'node', 'capped'] : ['node', 'bare', 'capped'];
            const results = {};
            for (const tool of order) {
                // Names of their own each round and each side: nothing comes from a cache.
                const names = range(0, count).map((i) => `r${round}-${tool}-${i}.late.test`);
                const dropsBefore = udpDrops();
                if (tool === 'node') {
                    const r = await drive.burst(names.map((host) => ({ host })));
                    results.node = r.elapsedMs;
                    during.push(r.duringMs);
                    after.push(await timeLocalhost());
                    const open = r.outputs.filter((m) => m.payload === true && m.portCheck.state === 'open').length;
                    openCounts.push(open);
                    if (open !== count) {
                        const wrong = r.outputs.filter((m) => m.payload !== true);
                        notes.push(`6 dns burst round ${round + 1}: ${count - open} of ${count} not open: ${JSON.stringify(wrong.slice(0, 3).map((m) => m.portCheck))}.`);
                    }
                } else {
                    const r = await bareBurst(server.server, names, tool === 'capped' ? NODE_QUERIES_IN_FLIGHT : Infinity);
                    results[tool] = r.elapsedMs;
                    if (r.failed) notes.push(`6 dns burst round ${round + 1}: the bare resolver (${tool}) failed ${r.failed} of ${count * 2} queries.`);
                }
                drops[tool].push(dropsSince(dropsBefore, server.port));
                // Let the server's late answers and any retry settle before the next side.
                await sleep(DNS_DELAY_MS + 100);
            }
            for (const tool of Object.keys(times)) times[tool].push(results[tool]);
            ratios.push(results.node / results.bare);
            const d = (tool) => `${drops[tool][round].server}+${drops[tool][round].others}`;
            log(`6 dns burst round ${round}: node ${fmt(results.node)} ms (${openCounts[round]} open, localhost ${fmt(during[round])} ms during, ${fmt(after[round])} after), ` +
                `bare ${fmt(results.bare)} ms, bare at most ${NODE_QUERIES_IN_FLIGHT} in flight ${fmt(results.capped)} ms; ` +
                `UDP datagrams dropped (at the DNS server + elsewhere): node ${d('node')}, bare ${d('bare')}, capped ${d('capped')}`);
        }
        const ratio = median(ratios);
        const sum = (list, key) => list.reduce((a, b) => a + b[key], 0);
        const dropText = (tool) => `${sum(drops[tool], 'server')} at the DNS server's socket, ${sum(drops[tool], 'others')} elsewhere`;
        if (sum(drops.bare, 'server') + sum(drops.bare, 'others') > 0) {
            notes.push(`6 dns burst: the bare resolver, with all ${count * 2} queries in flight at once, lost UDP datagrams to full socket receive buffers ` +
                `(over ${rounds} rounds: ${dropText('bare')}; /proc/net/udp drops), each lost one waiting for c-ares' retry; its wall time includes those waits, ` +
                `which is why the node, keeping at most ${NODE_QUERIES_IN_FLIGHT} queries in flight (src/dns/resolver.ts MAX_QUERIES_IN_FLIGHT), comes out faster. ` +
                `Against a bare resolver held to the same ${NODE_QUERIES_IN_FLIGHT} in flight (the reference row), which loses none, ` +
                `the node takes ${fmt(median(times.node) / median(times.capped))}×.`);
        }
        if (sum(drops.node, 'server') + sum(drops.node, 'others') > 0) notes.push(`6 dns burst: datagrams dropped during the node's bursts: ${dropText('node')}.`);
        const maxDuring = Math.max(...during);
        const maxAfter = Math.max(...after);
        return [{
            id: '6 dns burst',
            measure: `DNS burst: ${count} names at once, each answered ${DNS_DELAY_MS} ms late (loopback DNS server), timeout 2 s, Max concurrent 256: wall time until all answered, vs bare dns.Resolver (A and AAAA of the same names, all at once)`,
            ours: `${fmt(median(times.node))} ms; ${Math.min(...openCounts)}/${count} open (worst round)`,
            baseline: `${fmt(median(times.bare))} ms (bare dns.Resolver; ${sum(drops.bare, 'server') + sum(drops.bare, 'others')} datagrams dropped in ${rounds} rounds)`,
            ratio,
            target: `≤ 1.5×; ${count}/${count} open`,
            met: ratio <= 1.5 && openCounts.every((n) => n === count),
            runs: rounds,
        }, {
            id: '6 dns burst',
            measure: `DNS burst: the node vs a bare dns.Resolver held to at most ${NODE_QUERIES_IN_FLIGHT} queries in flight, as the node is (reference)`,
            ours: `${fmt(median(times.node))} ms`,
            baseline: `${fmt(median(times.capped))} ms (bare dns.Resolver, ≤ ${NODE_QUERIES_IN_FLIGHT} in flight; ${sum(drops.capped, 'server') + sum(drops.capped, 'others')} datagrams dropped)`,
            ratio: median(times.node.map((t, i) => t / times.capped[i])),
            target: '—',
            met: null,
            runs: rounds,
        }, {
            id: '6 dns burst',
            measure: 'DNS burst: dns.lookup(\'localhost\') (the thread pool) started during the burst, and after it',
            ours: `${fmt(median(during))} ms during (max ${fmt(maxDuring)}), ${fmt(median(after))} ms after (max ${fmt(maxAfter)})`,
            baseline: '—',
            ratio: null,
            target: '< 100 ms',
            met: maxDuring < 100 && maxAfter < 100,
            runs: rounds,
        }];
    } finally {
        await unloadFlow();
    }
}

async function silentDnsRows({ quick }, openPort, moreSources, notes) {
    const count = quick ? 5 : 10;
    const timeoutMs = 500;
    const outputs = [];
    const flow = await loadFlow({ host: 'host', hostType: 'msg', port: openPort, portType: 'num', timeout: String(timeoutMs / 1000) }, (msg) => outputs.push(msg));
    try {
        const drive = makeDriver(flow, outputs);
        const silent = [];
        for (let i = 0; i < count; i++) silent.push(await drive.one({ host: `s${i}.silent.test` }));
        // Not when the system resolver has sources beyond files and DNS (mDNS,
        // LDAP): the node would ask it for a name DNS does not know, which
        // could send the name off this machine.
        const gone = [];
        for (let i = 0; i < (moreSources ? 0 : 3); i++) gone.push(await drive.one({ host: `g${i}.gone.test` }));
        const text = (r) => (r.msg.portCheck.error ? r.msg.portCheck.error.message : `no error: ${JSON.stringify(r.msg.portCheck)}`);
        const times = silent.map((r) => r.elapsedMs);
        const silentWrong = silent.filter((r) => !text(r).includes('did not answer') || r.msg.payload === true);
        const goneWrong = gone.filter((r) => !text(r).includes('no such name') || r.msg.payload === true);
        log(`6 silent dns: ${times.map((t) => fmt(t)).join(', ')} ms; "${text(silent[0])}"; "${text(gone[0])}"`);
        if (silentWrong.length) notes.push(`6 silent dns: answers without "did not answer": ${JSON.stringify(silentWrong.slice(0, 2).map(text))}.`);
        if (goneWrong.length) notes.push(`6 silent dns: NXDOMAIN answers without "no such name": ${JSON.stringify(goneWrong.slice(0, 2).map(text))}.`);
        const slowest = Math.max(...times);
        if (slowest > timeoutMs + LATE_MS) notes.push(`6 silent dns: the slowest answer came ${fmt(slowest)} ms after its message (${times.map((t) => fmt(t)).join(', ')} ms).`);
        const goneTimes = gone.map((r) => r.elapsedMs);
        const goneRow = moreSources ? skippedRow('6 silent dns', 'NXDOMAIN', 'nsswitch.conf names host sources beyond files and dns, which the node would ask for an unknown name') : {
            id: '6 silent dns',
            measure: 'A name the DNS server says does not exist (NXDOMAIN): the error text',
            ours: `"${text(gone[0])}" in ${fmt(median(goneTimes))} ms`,
            baseline: '—',
            ratio: null,
            target: '"no such name"',
            met: goneWrong.length === 0,
            runs: gone.length,
        };
        return [{
            id: '6 silent dns',
            measure: `A DNS server that never answers (loopback), ${count} names one after another, timeout 0.5 s: time from the message to its answer, and the error text`,
            ours: `${fmt(median(times))} ms (slowest ${fmt(slowest)} ms); "${text(silent[0])}"`,
            baseline: `timeout ${timeoutMs} ms`,
            ratio: median(times) / timeoutMs,
            target: `≤ ${timeoutMs + LATE_MS} ms; "did not answer"`,
            met: median(times) <= timeoutMs + LATE_MS && silentWrong.length === 0,
            runs: count,
        }, goneRow];
    } finally {
        await unloadFlow();
    }
}

// ---- 6 rate (loopback, this process) -------------------------------------

async function rateRow({ quick }, notes) {
    const count = quick ? 100 : 1000;
    const runs = quick ? 1 : 3;
    const expectedMs = (count / RATE) * 1000;
    const outputs = [];
    const flow = await loadFlow({ maxRate: String(RATE), timeout: '1' }, (msg) => outputs.push(msg));
    try {
        const drive = makeDriver(flow, outputs);
        const port = `${RATE_FIRST_PORT}-${RATE_FIRST_PORT + count - 1}`;
        const times = [];
        for (let run = 0; run < runs; run++) {
            const r = await drive.one({ port });
            const pc = r.msg.portCheck;
            if (pc.error || pc.results.length !== count) throw new Error(`rate: ${JSON.stringify(pc.error || pc.results.length)}`);
            const states = {};
            for (const e of pc.results) states[e.state] = (states[e.state] || 0) + 1;
            times.push(r.elapsedMs);
            log(`6 rate run ${run}: ${fmt(r.elapsedMs)} ms, ${JSON.stringify(states)}`);
            if (run === 0 && states.closed !== count) notes.push(`6 rate: the ports ${port} of 127.0.0.1 were not all closed: ${JSON.stringify(states)}.`);
        }
        const ms = median(times);
        const ratio = ms / expectedMs;
        return {
            id: '6 rate',
            measure: `Max rate ${RATE}/s over ${count.toLocaleString('en-US')} closed ports of 127.0.0.1, one message: wall time`,
            ours: `${fmt(ms / 1000)} s (${times.map((t) => fmt(t / 1000)).join(', ')})`,
            baseline: `${fmt(expectedMs / 1000)} s (${count.toLocaleString('en-US')} ÷ ${RATE}/s)`,
            ratio,
            target: `${fmt(expectedMs / 1000)} s ± 5 %`,
            met: Math.abs(ratio - 1) <= 0.05,
            runs,
        };
    } finally {
        await unloadFlow();
    }
}

// ---- the section ---------------------------------------------------------

/** Runs one part; a failure becomes a FAILED row, so that the other parts still run. */
async function part(id, what, fn) {
    try {
        const rows = await fn();
        return Array.isArray(rows) ? rows : [rows];
    } catch (err) {
        return [failedRow(id, what, err)];
    }
}

sectionMain(async (options) => {
    const notes = [];
    const byId = {};

    // The namespace rows.
    const why = [whyNot(['python3']), fs.existsSync('/dev/net/tun') ? '' : 'no /dev/net/tun'].filter(Boolean).join(', ');
    if (why) {
        byId.namespaces = [skippedRow('6', 'lossy link, no-loss link, IP version "both" (network namespaces)', why)];
    } else {
        byId.loss = await part('6 loss', 'lossy link', () => lossRows(options, notes));
        byId.lan = await part('6 lan', 'no-loss link', () => lanRow(options, notes));
        byId.both = have('ip6tables')
            ? await part('6 both', 'IP version "both"', () => bothRow(options, notes))
            : [skippedRow('6 both', 'IP version "both"', 'no `ip6tables`')];
    }

    // The loopback rows, in this process.
    const listeners = await startListeners([0]);
    const openPort = listeners.ports[0];
    const server = await startDnsServer(answerOf);
    try {
        helper.settings({ portCheck: { dnsServers: [server.server] } });
        const moreSources = new ResolverFiles().systemHasMoreSources(performance.now());
        byId.burst = await part('6 dns burst', 'DNS burst', () => dnsBurstRows(options, server, openPort, notes));
        byId.silent = await part('6 silent dns', 'silent DNS', () => silentDnsRows(options, openPort, moreSources, notes));
        byId.rate = await part('6 rate', 'Max rate', () => rateRow(options, notes));
    } finally {
        await server.close();
        await listeners.close();
    }

    const rows = ['namespaces', 'loss', 'lan', 'burst', 'silent', 'both', 'rate'].flatMap((k) => byId[k] || []);
    notes.push('6: the namespace rows run the node through test/lib/flow-run.js in a fresh Node-RED runtime each run; "latencyMs" is the node\'s own time from a probe\'s start to its answer.');
    return { rows, notes };
});
