'use strict';
// Run with a low fd limit (ulimit -n): uses up every descriptor, then probes
// the port given on the command line and prints the result as JSON; then
// frees the descriptors and probes again.
const fs = require('fs');
const { probePort } = require('../../nodes/probe.js');
const { parseHost } = require('../../nodes/ports.js');

const port = Number(process.argv[2]);
const held = [];
for (;;) {
    try {
        held.push(fs.openSync('/dev/null', 'r'));
    } catch (err) {
        if (err.code !== 'EMFILE') throw err;
        break;
    }
}
probePort(parseHost('127.0.0.1'), port, 2000).then((result) => {
    for (const fd of held) fs.closeSync(fd);
    return probePort(parseHost('127.0.0.1'), port, 2000).then((afterFreeing) => {
        const error = result.error && { code: result.error.code, systemCode: result.error.systemCode };
        process.stdout.write(JSON.stringify({ state: result.state, error, afterFreeing: { state: afterFreeing.state } }));
    });
});
