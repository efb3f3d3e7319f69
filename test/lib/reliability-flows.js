'use strict';
// Flows and loopback targets for test/reliability: port check nodes whose
// IP, Port and Timeout come from the message, wired to one output and one
// Catch node, and an open port served by a child process (so that the
// accepted sockets do not count among this process's handles).
const assert = require('assert');
const { spawn } = require('child_process');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load } = require('./node-red');
const { closedPort, filteredPort } = require('./net-fixtures');
const { watchNode, waitUntil } = require('./reliability-harness');

// Node ids no generated property value will equal (Node-RED takes a
// property whose value is a node's id for a reference to that node).
const IDS = { tab: 'rel-tab-5e1f', out: 'rel-out-5e1f', catcher: 'rel-catch-5e1f', caught: 'rel-caught-5e1f' };

/**
 * `nodes`: [{ id, check, continueOnError, concurrency, ...props }]. Every
 * node reads msg.h / msg.p / msg.t and is wired to the output helper node
 * (`sink('out')`); one Catch node scoped to them all is wired to another
 * (`sink('caught')`).
 */
function messageDrivenFlow(nodes) {
    const flow = [{ id: IDS.tab, type: 'tab', label: 'reliability' }];
    for (const n of nodes) {
        flow.push({
            type: 'port-check', z: IDS.tab, name: '',
            host: 'h', hostType: 'msg', port: 'p', portType: 'msg', timeout: 't', timeoutType: 'msg',
            check: 'open', delayBefore: 0, delayAfter: 0, continueOnError: false, output: 'payload', concurrency: 64,
            ...n, wires: [[IDS.out]],
        });
    }
    flow.push({ id: IDS.out, type: 'helper', z: IDS.tab });
    flow.push({ id: IDS.catcher, type: 'catch', z: IDS.tab, scope: nodes.map((n) => n.id), uncaught: false, wires: [[IDS.caught]] });
    flow.push({ id: IDS.caught, type: 'helper', z: IDS.tab });
    return flow;
}

async function loadFlow(flow) {
    await load(flow, [catchNode]);
}

/** Records what reaches a helper node ('out' and 'caught' name those of messageDrivenFlow), by msg.n. */
function sink(id) {
    const node = (IDS[id] && helper.getNode(IDS[id])) || helper.getNode(id);
    const byN = new Map();
    let total = 0;
    node.on('input', (msg) => {
        total++;
        const list = byN.get(msg.n);
        if (list) list.push(msg);
        else byN.set(msg.n, [msg]);
    });
    return {
        byN,
        get total() {
            return total;
        },
    };
}

/**
 * An open port in a child process: it accepts and closes every connection
 * (`how`: 'destroy', a FIN; 'resetAndDestroy', a RST). Resolves with
 * { port, host, close }.
 */
function openPortProcess(host = '127.0.0.1', how = 'destroy') {
    const program = `
        const server = require('net').createServer((s) => { s.on('error', () => {}); s.${how}(); });
        server.listen({ host: ${JSON.stringify(host)}, port: 0, backlog: 4096 }, () => process.stdout.write(server.address().port + '\\n'));
        process.stdin.on('end', () => process.exit(0));
        process.stdin.resume();`;
    const child = spawn(process.execPath, ['-e', program], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`open port process exited with ${code}`)));
        child.stdout.once('data', (data) => {
            resolve({
                port: Number(String(data).trim()),
                host,
                close: () => new Promise((done) => {
                    if (child.exitCode !== null || child.signalCode !== null) return done();
                    child.once('exit', () => done());
                    child.kill('SIGKILL');
                }),
            });
        });
    });
}

/**
 * Registers the suite's before/after hooks for the three loopback targets:
 * an open port (in a child process), a refused one and a filtered one.
 * Returns an object whose `open`, `refused` and `filtered` are set once
 * `before` has run.
 */
function loopbackTargets() {
    const targets = {};
    before(async function () {
        targets.open = await openPortProcess();
        targets.refused = await closedPort();
        targets.filtered = await filteredPort();
    });
    after(async function () {
        targets.filtered?.close();
        await targets.open?.close();
    });
    return targets;
}

/**
 * One generated config's run (test/reliability/fuzz*.test.js): sends the
 * `messages` to `node` (of a flow of messageDrivenFlow), waits until all
 * are settled (at most `soonMs` when some may wait out a long valid delay or
 * rate: `settlesSoon` false) and delivered, then redeploys: nothing is sent
 * or done after it, each message is done once and sent at most once.
 * Resolves with the sinks and how many the redeploy settled.
 */
async function settleThenRedeploy(node, messages, { settlesSoon, soonMs, where }) {
    const watcher = watchNode(node);
    const out = sink('out');
    const caught = sink('caught');
    const ids = messages.map((msg) => {
        node.receive(msg);
        return msg._msgid;
    });
    const settled = () => watcher.settledCount >= messages.length;
    await waitUntil(settled, settlesSoon ? soonMs : 150, () => `${where}: ${watcher.settledCount} settled`).catch((err) => {
        if (settlesSoon) throw err;
    });
    // What was settled has reached the output or the Catch node (delivery is asynchronous).
    await waitUntil(() => out.total + caught.total >= watcher.settledCount, 3000,
        () => `${where}: ${watcher.settledCount} settled, ${out.total + caught.total} delivered`);
    // A redeploy: whatever still waits is settled now, and nothing is sent after.
    const before = watcher.settledCount;
    await helper.unload();
    watcher.markClosed();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepStrictEqual(watcher.late, [], `${where}: nothing sent or done after the redeploy`);
    for (const id of ids) assert.strictEqual(watcher.completes.get(id)?.count, 1, `${where}: message ${id} done once`);
    for (const [id, c] of watcher.sends) assert.strictEqual(c, 1, `${where}: ${id} sent ${c} times`);
    return { out, caught, settledByRedeploy: watcher.settledCount - before };
}

module.exports = { messageDrivenFlow, loadFlow, sink, settleThenRedeploy, openPortProcess, loopbackTargets, helper, IDS };
