'use strict';
// Run by netns-filtered.test.js inside the client network namespace it made
// (`ip netns exec NS node netns-run.js TARGET OPEN DROP REJECT CLOSED RST`):
// probes the target's ports with the probe pool (src/probe/) and through the port check node
// ("Port is open" and "Port is closed", timeout 1 s), and prints one JSON
// line with what each gave.
const { performance } = require('perf_hooks');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load } = require('../lib/node-red');
const { probePort } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');
const { runChild } = require('../lib/reliability-harness');

const [target, ...portArgs] = process.argv.slice(2);
const names = ['open', 'drop', 'reject', 'closed', 'rst'];
const ports = Object.fromEntries(names.map((name, i) => [name, Number(portArgs[i])]));
const TIMEOUT_S = 1;

runChild(async () => {
    const probes = {};
    for (const name of names) {
        const started = performance.now();
        const r = await probePort(parseHost(target), ports[name], TIMEOUT_S * 1000);
        probes[name] = {
            state: r.state, error: r.error && { code: r.error.code, systemCode: r.error.systemCode },
            ms: Math.round(performance.now() - started),
        };
    }

    const flow = [{ id: 'nf', type: 'tab' }];
    for (const check of ['open', 'closed']) {
        flow.push({
            id: `pc-${check}`, type: 'port-check', z: 'nf', host: target, hostType: 'str', port: 'p', portType: 'msg',
            check, timeout: String(TIMEOUT_S), timeoutType: 'num', continueOnError: false, output: 'payload', wires: [['out']],
        });
    }
    flow.push({ id: 'out', type: 'helper', z: 'nf' });
    flow.push({ id: 'catcher', type: 'catch', z: 'nf', scope: ['pc-open', 'pc-closed'], uncaught: false, wires: [['caught']] });
    flow.push({ id: 'caught', type: 'helper', z: 'nf' });
    await load(flow, [catchNode]);
    const outcomes = [];
    let expected = 0;
    helper.getNode('out').on('input', (msg) => outcomes.push({
        key: msg.key, payload: msg.payload, state: msg.portCheck.state,
        results: msg.portCheck.results && msg.portCheck.results.map((r) => ({ port: r.port, state: r.state })),
    }));
    helper.getNode('caught').on('input', (msg) => outcomes.push({ key: msg.key, error: msg.error.message }));
    for (const check of ['open', 'closed']) {
        for (const name of names) {
            helper.getNode(`pc-${check}`).receive({ key: `${check}/${name}`, p: ports[name] });
            expected++;
        }
        helper.getNode(`pc-${check}`).receive({ key: `${check}/list`, p: names.map((n) => ports[n]).join(',') });
        expected++;
    }
    const deadline = Date.now() + 10000;
    while (outcomes.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { probes, outcomes, expected };
});
