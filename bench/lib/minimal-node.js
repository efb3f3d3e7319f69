'use strict';
// A reference for section 2: the least a Node-RED node can do to check a
// port for each message. Type `bench-minimal-probe`: reads msg.port, does a
// bare connect with a 1 s timer (bench/lib/bare.js's probe, inlined), at
// most `concurrency` at once (a plain FIFO queue), sets msg.payload and
// sends. No validation, no report, no status. What port-check costs on top
// of this is what its features cost; what this costs on top of the bare
// loop is Node-RED's share.
const net = require('net');

module.exports = function (RED) {
    function MinimalProbeNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        const cap = Number(config.concurrency) || 256;
        const queue = [];
        let head = 0;
        let inFlight = 0;

        function probe(msg, send, done) {
            inFlight++;
            const socket = new net.Socket();
            let answered = false;
            const answer = (open) => {
                answered = true;
                clearTimeout(timer);
                msg.payload = open;
                send(msg);
                done();
                inFlight--;
                if (head < queue.length) {
                    const next = queue[head];
                    queue[head++] = undefined;
                    if (head === queue.length) { queue.length = 0; head = 0; }
                    probe(next.msg, next.send, next.done);
                }
            };
            const timer = setTimeout(() => { socket.destroy(); answer(false); }, 1000);
            socket.once('connect', () => { socket.resetAndDestroy(); answer(true); });
            socket.on('error', () => { if (!answered) { socket.destroy(); answer(false); } });
            socket.connect({ host: '127.0.0.1', port: msg.port, family: 4 });
        }

        node.on('input', (msg, send, done) => {
            if (inFlight < cap) probe(msg, send, done);
            else queue.push({ msg, send, done });
        });
    }
    RED.nodes.registerType('bench-minimal-probe', MinimalProbeNode);
};
