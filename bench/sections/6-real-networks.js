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
const { performance } = require('perf_hooks');
const { whyNot, have } = require('../../test/lib/netns');
const { startDnsServer } = require('../../test/lib/reliability-dns');
const { helper } = require('../../test/lib/node-red');
const { ResolverFiles } = require('../../lib/dns/files.js');
const { startListeners } = require('../lib/listeners');
const { loadFlow, unloadFlow } = require('../lib/flow');
const { median, fmt } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');
const { RATE_FIRST_PORT, RATE, skippedRow, failedRow } = require('../lib/real-networks-common');
const { lossRows, lanRow, bothRow } = require('../lib/real-networks-namespaces');
const { answerOf, makeDriver, dnsBurstRows, silentDnsRows } = require('../lib/real-networks-dns');

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
