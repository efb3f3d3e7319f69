'use strict';
// Section 6's rows on a link between two network namespaces (lossy, clean,
// and IP version "both"): see bench/sections/6-real-networks.js.
const { lossyLink, TARGET } = require('../../test/lib/lossy-link');
const { median, fmt } = require('./stats');
const { log } = require('./section');
const { nmapVersion, nmapScan } = require('./nmap');
const { FLOW_RUN, PORT_BASE, PORT_COUNT, PORTS, DUAL_PORT, LATE_MS, range, pct } = require('./real-networks-common');

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

/** nmap's connect scan from the client namespace: its wall time and open ports. */
function nmapIn(ns, ports, host, timeoutMs) {
    return nmapScan(['-sT', '-Pn', '-n', '--max-rtt-timeout', `${timeoutMs}ms`, '-p', ports, '-oG', '-', host], (command, argv) => ns.spawn(command, argv));
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

module.exports = { lossRows, lanRow, bothRow };
