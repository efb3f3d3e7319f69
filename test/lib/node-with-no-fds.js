'use strict';
// Run with a low fd limit (ulimit -n): loads the port check node in a
// Node-RED test runtime, uses up every file descriptor, sends one message
// at the open port given on the command line, frees the descriptors and
// sends another. Prints what reached the output and the Catch node as JSON.
const useUpFileDescriptors = require('./use-up-fds');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const { helper, load, collect } = require('./node-red');

const port = process.argv[2];
const flow = [
    { id: 'f1', type: 'tab' },
    {
        id: 'pc', type: 'port-check', z: 'f1', host: '127.0.0.1', hostType: 'str', port, portType: 'num',
        check: 'closed', timeout: '2', timeoutType: 'num', wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: ['pc'], wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
];

(async () => {
    await load(flow, [catchNode]);
    const out = collect('out');
    const caught = collect('caught');
    const giveBackFds = await useUpFileDescriptors();
    helper.getNode('pc').receive({ payload: 'starved' });
    await caught.waitFor(1).catch(() => {});
    const sent = out.messages.length;
    giveBackFds();
    helper.getNode('pc').receive({ payload: 'fed' });
    await out.waitFor(sent + 1);
    const last = out.messages[out.messages.length - 1];
    const report = {
        sent,
        caught: caught.messages[0] ? { message: caught.messages[0].error.message, code: caught.messages[0].portCheck.error.code } : null,
        afterFreeing: { payload: last.payload === false && last.portCheck.state === 'open' ? true : last.payload },
    };
    process.stdout.write('\n' + JSON.stringify(report) + '\n');
    await helper.unload();
    process.exit(0);
})().catch((err) => {
    process.stderr.write(String(err && err.stack) + '\n');
    process.exit(1);
});
