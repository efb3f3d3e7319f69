'use strict';
// Section 6's DNS rows on this machine's loopback (a burst of names, a
// silent server): see bench/sections/6-real-networks.js.
const fs = require('fs');
const dns = require('dns');
const { performance } = require('perf_hooks');
const { loadFlow, unloadFlow } = require('./flow');
const { median, fmt, sleep } = require('./stats');
const { log } = require('./section');
const { LATE_MS, DNS_DELAY_MS, NODE_QUERIES_IN_FLIGHT, range, since, skippedRow } = require('./real-networks-common');

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

module.exports = { answerOf, makeDriver, dnsBurstRows, silentDnsRows };
