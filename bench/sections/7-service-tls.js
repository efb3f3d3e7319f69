'use strict';
// Section 7 — TLS service checks.
//
// What: 200 TLS servers on 200 ports of 127.0.0.1 (the kernel's choice, in
// the ephemeral range), served by a child process of their own
// (bench/lib/tls-listeners.js: the server side's handshakes run on the
// other core), all showing one self-signed EC P-256 certificate made by
// openssl for this run. The node: one message asking for all 200 ports (a
// comma list in msg.port), host 127.0.0.1, TLS on, Verify certificate off
// (the certificate is self-signed; the node still reads and reports it,
// whole chain), no Send/Expect, timeout 10 s, Max concurrent 256, in a real
// Node-RED runtime (port-check → sink, bench/lib/flow.js); every port must
// come out open with service.ok true, or the section fails. Handshakes/s =
// 200 ÷ the time from the message in to the message out at the sink.
// Baseline: a bare loop in the same process, `tls.connect({ host, port,
// rejectUnauthorized: false })` to the same 200 ports, all at once (≤ 256 in
// flight), each waiting for 'secureConnect', reading getPeerCertificate()
// and destroying the socket; handshakes/s = 200 ÷ the time until all are
// done. The two sides run back to back, in turn first, for several rounds;
// the ratio is the median of the per-round ratios. A reference row: the
// same bare loop reading getPeerCertificate(true), the whole chain built as
// objects, which is what the node did before it walked the chain as
// X509Certificate objects (src/service/certificate.ts): 0.75-0.88x then.
// Then the process's sockets and handles (process.getActiveResourcesInfo()
// counts, and open descriptors in /proc/self/fd) before the first run and
// after the last, once the flow is closed and 200 ms have passed.
// Why: a TLS check costs a handshake; the node's own share on top of it
// (the probe, the certificate report, the message) should stay small:
// target ≥ 0.8× the bare loop's handshakes/s; and nothing left open.
const fs = require('fs');
const tls = require('tls');
const { startTlsListeners, selfSignedCertificate } = require('../lib/tls-listeners');
const { loadFlow, unloadFlow } = require('../lib/flow');
const { median, fmt, sleep, activeResources, describeResources } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const HOST = '127.0.0.1';
const PORT_COUNT = 200;
const CONCURRENCY = 256;
const TIMEOUT_S = 10;
/**
 * The kinds of active resource that are sockets. A TLS socket shows as the
 * TCPSocketWrap under it: process.getActiveResourcesInfo() lists no TLSWrap.
 */
const SOCKET_KINDS = ['TCPSocketWrap', 'TCPServerWrap'];
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const CLK_TCK = 100;

/** Open descriptors of this process: all of them, and those that are sockets. */
function openFds() {
    let all = 0;
    let sockets = 0;
    for (const fd of fs.readdirSync('/proc/self/fd')) {
        try {
            const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
            all++;
            if (target.startsWith('socket:')) sockets++;
        } catch {
            // the readdir's own descriptor, gone by now
        }
    }
    return { all, sockets };
}

/** CPU time (user + system) of process `pid` so far, in ms, from /proc (10 ms resolution); NaN where there is none. */
function processCpuMs(pid) {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    } catch {
        return NaN;
    }
}

/** Runs `run()`; resolves with its result plus the CPU ms this process and the servers' process spent meanwhile. */
async function withCpu(serverPid, run) {
    const ours = process.cpuUsage();
    const servers = processCpuMs(serverPid);
    const result = await run();
    const used = process.cpuUsage(ours);
    return { ...result, cpuMs: (used.user + used.system) / 1000, serverCpuMs: processCpuMs(serverPid) - servers };
}

function handles() {
    const resources = activeResources();
    const sockets = Object.fromEntries(SOCKET_KINDS.map((kind) => [kind, resources[kind] || 0]));
    return { resources, sockets, fds: openFds() };
}

const describeHandles = (h) =>
    `${SOCKET_KINDS.map((kind) => `${kind} ${h.sockets[kind]}`).join(', ')}; fds ${h.fds.all} (sockets ${h.fds.sockets})`;

/**
 * The bare loop: every port at once (at most `concurrency` in flight),
 * reading the certificate (`detailed`: with its chain); resolves with { elapsedMs }.
 */
function bareTls(ports, concurrency, detailed = false) {
    return new Promise((resolve, reject) => {
        let next = 0;
        let remaining = ports.length;
        let failed = false;
        const started = process.hrtime.bigint();
        function handshake(port) {
            const socket = tls.connect({ host: HOST, port, rejectUnauthorized: false });
            socket.once('secureConnect', () => {
                const cert = socket.getPeerCertificate(detailed);
                socket.destroy();
                if (!cert || !cert.subject || cert.subject.CN !== 'localhost') {
                    failed = true;
                    return reject(new Error(`bare loop: port ${port}: no certificate for localhost: ${JSON.stringify(cert && cert.subject)}`));
                }
                if (--remaining === 0) return resolve({ elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 });
                if (next < ports.length && !failed) handshake(ports[next++]);
            });
            socket.once('error', (err) => {
                socket.destroy();
                failed = true;
                reject(new Error(`bare loop: port ${port}: ${err.code || err.message}`));
            });
        }
        while (next < Math.min(concurrency, ports.length)) handshake(ports[next++]);
    });
}

/** One message for all the ports through the node; resolves with { elapsedMs } once every port is checked and passed. */
async function throughNode(flow, outputs, ports) {
    outputs.length = 0;
    const before = flow.sink.count;
    const arrived = flow.sink.waitFor(before + 1);
    const started = process.hrtime.bigint();
    flow.node.receive({ port: ports.join(',') });
    await arrived;
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const pc = outputs[0] && outputs[0].portCheck;
    if (!pc || pc.error) throw new Error(`node: ${JSON.stringify(pc ? pc.error : outputs[0])}`);
    const results = pc.results || [];
    if (results.length !== ports.length) throw new Error(`node: ${results.length} results for ${ports.length} ports`);
    const bad = results.filter((r) => r.state !== 'open' || !r.service || r.service.ok !== true || !r.service.tls || r.service.tls.subject !== 'localhost');
    if (bad.length) {
        throw new Error(`node: ${bad.length} of ${ports.length} ports not open with service.ok true, e.g. ` +
            JSON.stringify(bad.slice(0, 2).map((r) => ({
                port: r.port, state: r.state, error: r.error,
                service: r.service && { ok: r.service.ok, reason: r.service.reason, detail: r.service.detail },
            }))));
    }
    if (outputs[0].payload !== true) throw new Error(`node: msg.payload ${JSON.stringify(outputs[0].payload)} with every port passed`);
    return { elapsedMs };
}

sectionMain(async ({ quick }) => {
    const rounds = quick ? 3 : 15;
    const certificate = selfSignedCertificate();
    const listeners = await startTlsListeners(PORT_COUNT, certificate, HOST);
    const notes = [];
    try {
        const { ports } = listeners;
        // process.stderr, when it is a pipe, is a PipeWrap made on first use (the progress lines): made before the count.
        void process.stderr;
        const before = handles();
        log(`7 before: ${describeHandles(before)}; active resources ${describeResources(before.resources)}`);

        const outputs = [];
        const flow = await loadFlow({
            version: 2, check: 'open', timeout: String(TIMEOUT_S), concurrency: CONCURRENCY,
            tls: 'on', tlsVerify: false, certDays: '', preset: 'none', send: '', expect: '',
        }, (msg) => outputs.push(msg));
        const runners = {
            node: () => throughNode(flow, outputs, ports),
            bare: () => bareTls(ports, CONCURRENCY),
            detailed: () => bareTls(ports, CONCURRENCY, true),
        };
        const names = Object.keys(runners);

        // Warm-up: a run of each.
        for (const name of names) await runners[name]();

        const rates = Object.fromEntries(names.map((n) => [n, []]));
        const cpu = Object.fromEntries(names.map((n) => [n, []]));
        const serverCpu = Object.fromEntries(names.map((n) => [n, []]));
        const ratios = [];
        const detailedRatios = [];
        for (let round = 0; round < rounds; round++) {
            const order = round % 2 ? [...names].reverse() : names;
            const rate = {};
            for (const name of order) {
                const { elapsedMs, cpuMs, serverCpuMs } = await withCpu(listeners.pid, runners[name]);
                rate[name] = PORT_COUNT / (elapsedMs / 1000);
                rates[name].push(rate[name]);
                cpu[name].push(cpuMs);
                serverCpu[name].push(serverCpuMs);
                log(`7 round ${round} ${name}: ${fmt(rate[name])} handshakes/s (${fmt(elapsedMs)} ms; CPU ${fmt(cpuMs)} ms here, ${fmt(serverCpuMs)} ms in the servers' process)`);
            }
            ratios.push(rate.node / rate.bare);
            detailedRatios.push(rate.node / rate.detailed);
        }
        await unloadFlow();
        await sleep(200);
        const after = handles();
        log(`7 after: ${describeHandles(after)}; active resources ${describeResources(after.resources)}`);

        const back = SOCKET_KINDS.every((kind) => after.sockets[kind] <= before.sockets[kind]) &&
            after.fds.all <= before.fds.all && after.fds.sockets <= before.fds.sockets;
        if (describeResources(before.resources) !== describeResources(after.resources)) {
            notes.push(`7: active resources before the first run: ${describeResources(before.resources)}; after the last: ${describeResources(after.resources)}.`);
        }
        const ratio = median(ratios);
        notes.push(`7: CPU per run (medians): the node ${fmt(median(cpu.node))} ms in the measured process and ${fmt(median(serverCpu.node))} ms in the servers' process, ` +
            `the bare loop ${fmt(median(cpu.bare))} ms and ${fmt(median(serverCpu.bare))} ms, ` +
            `the bare loop with getPeerCertificate(true) ${fmt(median(cpu.detailed))} ms and ${fmt(median(serverCpu.detailed))} ms (the servers' from /proc, 10 ms resolution); ` +
            `wall time per run: the node ${fmt(PORT_COUNT / median(rates.node) * 1000)} ms, the bare loop ${fmt(PORT_COUNT / median(rates.bare) * 1000)} ms, ` +
            `with getPeerCertificate(true) ${fmt(PORT_COUNT / median(rates.detailed) * 1000)} ms.`);
        return {
            rows: [{
                id: '7',
                measure: `TLS service check: ${PORT_COUNT} TLS ports of 127.0.0.1 (self-signed EC P-256 certificate, servers in a child process), one message, TLS on, Verify certificate off, timeout ${TIMEOUT_S} s, Max concurrent ${CONCURRENCY}: handshakes/s, all ${PORT_COUNT} open with service.ok true`,
                ours: `${fmt(median(rates.node))} handshakes/s`,
                baseline: `${fmt(median(rates.bare))} handshakes/s (bare tls.connect loop, all ${PORT_COUNT} at once, getPeerCertificate(), destroy)`,
                ratio,
                target: '≥ 0.80',
                met: ratio >= 0.8,
                runs: rounds,
            }, {
                id: '7',
                measure: 'The same, against the bare loop reading getPeerCertificate(true) (the whole chain as objects, as the node read it before) (reference)',
                ours: `${fmt(median(rates.node))} handshakes/s`,
                baseline: `${fmt(median(rates.detailed))} handshakes/s (bare tls.connect loop, getPeerCertificate(true), destroy)`,
                ratio: median(detailedRatios),
                target: '—',
                met: null,
                runs: rounds,
            }, {
                id: '7',
                measure: 'TLS service check: sockets and handles before the first run → after the last (flow closed, 200 ms later): back to baseline',
                ours: `${describeHandles(before)} → ${describeHandles(after)}`,
                baseline: '—',
                ratio: null,
                target: 'back to baseline',
                met: back,
                runs: 1,
            }],
            notes,
        };
    } finally {
        await listeners.close();
        certificate.remove();
    }
});
