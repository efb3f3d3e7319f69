'use strict';
// Reliability: redeploy under load. With 10,000 probes in flight (each a
// socket to a port that drops SYNs), 1,000 messages waiting in Delay Before
// and 1,000 in Delay After, the flow is stopped as a redeploy stops it:
// stopping takes under 1 s; every message was settled exactly once (sent
// before the stop, or done() by the stop); nothing is sent once the stop has
// begun and nothing done once it is over; fds and handles are back to the
// baseline. Then the same flow is deployed again and answers at once.
const assert = require('assert');
const { loadFlow, sink, loopbackTargets, helper } = require('../lib/reliability-flows');
const {
    scale, snapshot, resourcesAbove, activeResources, waitUntil, resetHelperHistory, watchProcessFailures, collectGarbage,
} = require('../lib/reliability-harness');

const IN_FLIGHT = scale(10000, 15000);
const DELAYED = scale(1000, 3000);
/** Probe timeout and delays: long enough to be in flight at the stop, short enough that a leaked timer would fire while we watch. */
const HOLD_S = 3;

function flow() {
    const common = {
        type: 'port-check', z: 'rd', host: 'h', hostType: 'msg', port: 'p', portType: 'msg', timeout: 't', timeoutType: 'msg',
        check: 'open', continueOnError: false, output: 'payload', wires: [['out']],
    };
    return [
        { id: 'rd', type: 'tab' },
        { ...common, id: 'probing', concurrency: IN_FLIGHT },
        { ...common, id: 'before', delayBefore: HOLD_S, concurrency: 256 },
        { ...common, id: 'after', delayAfter: HOLD_S, concurrency: 256 },
        { id: 'out', type: 'helper', z: 'rd' },
        { id: 'catcher', type: 'catch', z: 'rd', scope: ['probing', 'before', 'after'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'rd' },
    ];
}

/** Records each send() and done() of a node with the phase it happened in. */
function watchPhases(node, phase) {
    const events = [];
    const originalSend = node.send;
    const originalComplete = node._complete;
    node.send = function (msg) {
        events.push({ kind: 'send', id: msg && msg._msgid, phase: phase.now });
        return originalSend.apply(this, arguments);
    };
    node._complete = function (msg, err) {
        events.push({ kind: 'done', id: msg && msg._msgid, err, phase: phase.now });
        return originalComplete.apply(this, arguments);
    };
    return events;
}

describe('reliability: redeploy under load', function () {
    this.timeout(scale(60000, 180000));
    const targets = loopbackTargets();
    after(async function () {
        await helper.unload();
    });

    it(`stops within 1 s with ${IN_FLIGHT.toLocaleString('en-US')} probes and ${2 * DELAYED} delays in flight, loses nothing, sends nothing after, and redeploys`, async function () {
        const { open, refused, filtered } = targets;
        const failures = watchProcessFailures();
        try {
            await new Promise((resolve) => setTimeout(resolve, 100));
            const baseline = snapshot();
            await loadFlow(flow());
            const phase = { now: 'running' };
            const ids = { probing: 'probing', before: 'before', after: 'after' };
            const events = {};
            for (const id of Object.keys(ids)) events[id] = watchPhases(helper.getNode(id), phase);
            const out = sink('out');
            const caught = sink('caught');

            const sent = [];
            const probing = helper.getNode('probing');
            for (let n = 0; n < IN_FLIGHT; n++) {
                const msg = { n, h: '127.0.0.1', p: filtered.port, t: HOLD_S };
                probing.receive(msg);
                sent.push(msg._msgid);
                if (n % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
            }
            for (let n = 0; n < DELAYED; n++) {
                const a = { n: IN_FLIGHT + n, h: '127.0.0.1', p: open.port, t: HOLD_S };
                helper.getNode('before').receive(a);
                const b = { n: IN_FLIGHT + DELAYED + n, h: '127.0.0.1', p: open.port, t: HOLD_S };
                helper.getNode('after').receive(b);
                sent.push(a._msgid, b._msgid);
            }
            resetHelperHistory(helper);
            // Every probe in flight (one socket each), and the Delay After messages past their probe.
            const sockets = () => (activeResources().TCPSocketWrap || 0) - (baseline.resources.TCPSocketWrap || 0);
            await waitUntil(() => sockets() >= IN_FLIGHT, 20000, () => `${sockets()} sockets in flight`);
            await waitUntil(() => events.after.length === 0 && sockets() >= IN_FLIGHT, 5000, () => 'Delay After messages settled early');
            const inFlight = sockets();
            assert.strictEqual(out.total + caught.total, 0, 'nothing has come out yet');

            // The test's own garbage (10,000 messages, the helper's spies) is
            // collected first, so that the stop is timed on the node's work.
            collectGarbage();
            phase.now = 'stopping';
            const stopStarted = performance.now();
            const cpuStarted = process.cpuUsage();
            await helper.unload();
            const stopMs = performance.now() - stopStarted;
            const stopCpu = process.cpuUsage(cpuStarted);
            const stopCpuMs = Math.round((stopCpu.user + stopCpu.system) / 1000);
            phase.now = 'stopped';

            // Any timer or probe that survived would fire within HOLD_S: watch a little longer.
            await new Promise((resolve) => setTimeout(resolve, HOLD_S * 1000 + 500));
            const all = Object.values(events).flat();
            const sendsAfterStop = all.filter((e) => e.kind === 'send' && e.phase !== 'running');
            const donesAfterStop = all.filter((e) => e.kind === 'done' && e.phase === 'stopped');
            assert.deepStrictEqual(sendsAfterStop, [], 'nothing sent once the stop began');
            assert.deepStrictEqual(donesAfterStop, [], 'nothing done once the stop was over');
            const doneCount = new Map();
            for (const e of all.filter((x) => x.kind === 'done')) doneCount.set(e.id, (doneCount.get(e.id) || 0) + 1);
            for (const id of sent) assert.strictEqual(doneCount.get(id), 1, `message ${id} settled ${doneCount.get(id) || 0} times`);
            assert.strictEqual(doneCount.size, sent.length);
            assert.ok(all.filter((e) => e.kind === 'done').every((e) => e.err === undefined), 'a message cut short by the stop is settled without error');
            // Wall time, as a user sees it; the CPU time and the load average tell a slow node from a busy machine.
            assert.ok(stopMs < 1000, `the stop took ${Math.round(stopMs)} ms (${stopCpuMs} ms of CPU in this process; ` +
                `load average ${require('os').loadavg().map((l) => l.toFixed(1)).join(' ')} on ${require('os').cpus().length} cores)`);

            await waitUntil(() => snapshot().fds <= baseline.fds && Object.keys(resourcesAbove(baseline.resources)).length === 0,
                3000, () => `fds ${baseline.fds} -> ${snapshot().fds}, above baseline: ${JSON.stringify(resourcesAbove(baseline.resources))}`);
            const afterStop = snapshot();

            // Deploy again: it answers at once.
            const redeployStarted = performance.now();
            await loadFlow(flow());
            const again = sink('out');
            helper.getNode('probing').receive({ n: 'open', h: '127.0.0.1', p: open.port, t: 2 });
            helper.getNode('probing').receive({ n: 'refused', h: '127.0.0.1', p: refused, t: 2 });
            await waitUntil(() => again.total >= 2, 2000, () => `${again.total} answers after the redeploy`);
            const redeployMs = performance.now() - redeployStarted;
            assert.strictEqual(again.byN.get('open')[0].portCheck.state, 'open');
            assert.strictEqual(again.byN.get('open')[0].payload, true);
            assert.strictEqual(again.byN.get('refused')[0].portCheck.state, 'closed');
            assert.deepStrictEqual(failures.failures, []);

            console.log(`      ${inFlight} sockets in flight; stop took ${Math.round(stopMs)} ms (${stopCpuMs} ms CPU); ` +
                `fds ${baseline.fds} before, ${afterStop.fds} after the stop; redeployed and answered in ${Math.round(redeployMs)} ms`);
        } finally {
            failures.restore();
        }
    });
});
