'use strict';
// Section 5a — memory of messages queued behind the concurrency cap.
//
// What: RSS (and heap) growth while 100,000 messages wait in the node's
// queue: the node in a Node-RED flow with Max concurrent 16, every message
// to a filtered port with a 60 s timeout, so 16 probes hang and the rest
// queue. Measured after a full GC, before the first message and once all
// have been received; then the node is closed (as on a redeploy) and the
// memory measured again, and no message may come out.
// Why: a flood of messages must queue without losing any and without the
// queue costing more than its messages; target growth <= 150 MB. The close
// shows whether the queue is released.
//
// Runs in its own process with --expose-gc (run.js passes the flag).
const { filteredPort } = require('../../test/lib/net-fixtures');
const { loadFlow, unloadFlow } = require('../lib/flow');
const { fmt, collectGarbage, memoryMb, sleep } = require('../lib/stats');
const { sectionMain, log } = require('../lib/section');

const HOST = '127.0.0.1';
const CAP = 16;

async function settledMemory() {
    await sleep(100);
    collectGarbage();
    return memoryMb();
}

sectionMain(async ({ quick }) => {
    const count = quick ? 10000 : 100000;
    const filtered = await filteredPort(HOST);
    const { node, sink } = await loadFlow({
        host: HOST, port: String(filtered.port), portType: 'num', timeout: '60', concurrency: CAP,
    });
    // The messages themselves exist before the node sees them (an inject
    // node would have made them): only what the node adds is measured.
    const msgs = Array.from({ length: count }, (_, i) => ({ payload: i, topic: 'bench' }));
    const before = await settledMemory();

    const started = process.hrtime.bigint();
    for (const msg of msgs) node.receive(msg);
    const receiveMs = Number(process.hrtime.bigint() - started) / 1e6;
    const queued = await settledMemory();
    log(`5a ${count} received in ${fmt(receiveMs)} ms; rss ${fmt(before.rss)} → ${fmt(queued.rss)} MB, heap ${fmt(before.heapUsed)} → ${fmt(queued.heapUsed)} MB`);
    if (sink.count !== 0) throw new Error(`${sink.count} messages came out early`);

    const closeStarted = process.hrtime.bigint();
    await unloadFlow();
    const closeMs = Number(process.hrtime.bigint() - closeStarted) / 1e6;
    msgs.length = 0;
    const closed = await settledMemory();
    await sleep(200);
    const after = sink.count;
    log(`5a closed in ${fmt(closeMs)} ms; rss ${fmt(closed.rss)} MB, heap ${fmt(closed.heapUsed)} MB; ${after} sent after close`);
    filtered.close();

    const growth = queued.rss - before.rss;
    return {
        rows: [{
            id: '5a',
            measure: `Memory: ${count.toLocaleString('en-US')} messages queued behind Max concurrent ${CAP} (filtered port, 60 s timeout): RSS growth once all are received`,
            ours: `+${fmt(growth)} MB RSS (heap +${fmt(queued.heapUsed - before.heapUsed)} MB, ${fmt((queued.heapUsed - before.heapUsed) * 1048576 / count)} B/msg)`,
            baseline: `RSS ${fmt(before.rss)} → ${fmt(queued.rss)} MB; after close ${fmt(closed.rss)} MB (heap ${fmt(closed.heapUsed)} MB), ${after} msgs sent after close, close took ${fmt(closeMs)} ms`,
            ratio: null,
            target: '≤ 150 MB',
            met: growth <= 150 && after === 0,
            runs: 1,
        }],
        notes: [],
    };
});
