'use strict';
// The node in a real Node-RED runtime (node-red-node-test-helper, set up as
// the tests do in test/lib/node-red.js): port-check → sink, and optionally
// bench-minimal-probe → sink (bench/lib/minimal-node.js) beside it.
//
// One change from the tests: the helper wraps Node.prototype.send/status/
// log/... in sinon spies that capture an Error (a stack trace) and keep the
// arguments of every call. With 50,000 messages that costs more than the node
// itself and keeps every message alive, which is no part of a real Node-RED,
// so the spies are removed once the flow is loaded.
const { helper, load, unspy } = require('../../test/lib/node-red');
const minimalNode = require('./minimal-node');

/** The flow: port-check (props override the defaults) → sink; with `minimal`, also the minimal node → its sink. */
function flowOf(props, minimal) {
    const flow = [
        { id: 'bench-tab', type: 'tab', label: 'bench' },
        {
            id: 'bench-pc', type: 'port-check', z: 'bench-tab', name: '',
            host: '127.0.0.1', hostType: 'str', port: 'port', portType: 'msg', check: 'open',
            timeout: '1', timeoutType: 'num', delayBefore: 0, delayAfter: 0,
            continueOnError: true, output: 'payload', concurrency: 256,
            ...props, wires: [['bench-sink']],
        },
        { id: 'bench-sink', type: 'helper', z: 'bench-tab' },
    ];
    if (minimal) {
        flow.push(
            { id: 'bench-min', type: 'bench-minimal-probe', z: 'bench-tab', concurrency: props.concurrency || 256, wires: [['bench-min-sink']] },
            { id: 'bench-min-sink', type: 'helper', z: 'bench-tab' },
        );
    }
    return flow;
}

/** Counts what reaches a helper node; `waitFor(n)` resolves once n have arrived in all. */
function sinkOf(nodeId, onMessage) {
    let count = 0;
    let target = Infinity;
    let wake = null;
    helper.getNode(nodeId).on('input', (msg, send, done) => {
        count++;
        if (onMessage) onMessage(msg);
        done();
        if (count >= target && wake) {
            const w = wake;
            wake = null;
            w();
        }
    });
    return {
        get count() { return count; },
        reset() { count = 0; },
        waitFor(n) {
            if (count >= n) return Promise.resolve();
            target = n;
            return new Promise((resolve) => { wake = resolve; });
        },
    };
}

/**
 * Loads the flow; resolves with { node, sink } for port-check and, with
 * `minimal`, { minimal: { node, sink } }. `onMessage(msg)` (optional) sees
 * every message at either sink.
 */
async function loadFlow(props = {}, onMessage, { minimal = false } = {}) {
    await load(flowOf(props, minimal), minimal ? [minimalNode] : []);
    // Remove the helper's spies (see above); unload() restores again, harmlessly.
    unspy(minimal ? ['bench-pc', 'bench-min'] : ['bench-pc']);
    const result = { node: helper.getNode('bench-pc'), sink: sinkOf('bench-sink', onMessage) };
    if (minimal) result.minimal = { node: helper.getNode('bench-min'), sink: sinkOf('bench-min-sink', onMessage) };
    return result;
}

function unloadFlow() {
    return helper.unload();
}

module.exports = { loadFlow, unloadFlow };
