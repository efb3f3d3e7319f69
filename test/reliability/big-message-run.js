'use strict';
// Run by big-messages.test.js in a child process with a small heap
// (`node --max-old-space-size=256 big-message-run.js SPEC`): one message,
// through the node in a Node-RED runtime (the helper's spies removed, as a
// real runtime has none), and one JSON line with what came of it: output or
// Catch, the time, the size of the answer, the peak RSS, and how many TCP
// sockets, DNS lookups and threads were started meanwhile (async_hooks sees
// every one this thread starts; the scan threads' own sockets are theirs).
//
// SPEC is JSON: { host, port, limit?, timeout? }. Under --expose-gc it also
// measures the heap the answer keeps (bench section 5c uses this script).
const asyncHooks = require('async_hooks');
const { performance } = require('perf_hooks');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load, unspy } = require('../lib/node-red');
const { runChild } = require('../lib/reliability-harness');

const spec = JSON.parse(process.argv[2]);
const mb = (kb) => Math.round(kb / 1024);

runChild(async () => {
    helper.settings(spec.limit ? { portCheck: { maxProbesPerMessage: spec.limit } } : {});
    await load([
        { id: 'bm', type: 'tab' },
        {
            id: 'pc', type: 'port-check', z: 'bm', host: spec.host, hostType: 'str', port: spec.port, portType: 'str',
            check: 'open', timeout: String(spec.timeout || 1), timeoutType: 'num', output: 'payload', wires: [['out']],
        },
        { id: 'out', type: 'helper', z: 'bm' },
        { id: 'catcher', type: 'catch', z: 'bm', scope: ['pc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'bm' },
    ], [catchNode]);
    unspy(['pc', 'catcher']);

    const started = {};
    let watching = false;
    const hook = asyncHooks.createHook({
        init(id, type) {
            if (watching) started[type] = (started[type] || 0) + 1;
        },
    }).enable();

    const gc = typeof global.gc === 'function' ? () => { global.gc(); global.gc(); } : undefined;
    if (gc) gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = mb(process.resourceUsage().maxRSS);
    const outcome = new Promise((resolve) => {
        helper.getNode('out').on('input', (msg) => resolve({ kind: 'output', msg }));
        helper.getNode('caught').on('input', (msg) => resolve({ kind: 'catch', msg }));
    });
    watching = true;
    const t0 = performance.now();
    helper.getNode('pc').receive({ payload: 'go' });
    const { kind, msg } = await outcome;
    const ms = Math.round(performance.now() - t0);
    watching = false;
    hook.disable();

    const report = msg.portCheck;
    let heap;
    if (gc && report.results) {
        // The last sockets' handles close on the next turns of the loop; until then they hold their probes.
        await new Promise((resolve) => setTimeout(resolve, 50));
        gc();
        const retained = process.memoryUsage().heapUsed - heapBefore;
        heap = {
            retainedMb: Math.round(retained / 1048576 * 10) / 10,
            bytesPerEntry: Math.round(retained / report.results.length),
            jsonBytesPerEntry: Math.round(JSON.stringify(report).length / report.results.length),
        };
    }
    return {
        heap,
        kind,
        ms,
        payload: msg.payload,
        error: kind === 'catch' ? { message: msg.error.message, code: report.error && report.error.code } : undefined,
        entries: report.results ? report.results.length : 0,
        open: Array.isArray(report.open) ? report.open.length : 0,
        hosts: Array.isArray(report.hosts) ? report.hosts.length : 0,
        errors: report.results ? report.results.filter((r) => r.error).length : 0,
        tcpSockets: started.TCPWRAP || 0,
        dnsLookups: started.GETADDRINFOREQWRAP || 0,
        threads: started.WORKER || 0,
        rssBeforeMb: rssBefore,
        peakRssMb: mb(process.resourceUsage().maxRSS),
    };
});
