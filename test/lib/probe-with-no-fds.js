'use strict';
// Run with a low fd limit (ulimit -n): uses up every descriptor, then probes
// the port given on the command line and prints the result as JSON; then
// frees the descriptors and probes again.
const useUpFileDescriptors = require('./use-up-fds');
const { probePort } = require('../../lib/probe/pool.js');
const { parseHost } = require('../../lib/parse/hosts.js');

const port = Number(process.argv[2]);
(async () => {
    const giveBackFds = await useUpFileDescriptors();
    const result = await probePort(parseHost('127.0.0.1'), port, 2000);
    giveBackFds();
    const afterFreeing = await probePort(parseHost('127.0.0.1'), port, 2000);
    const error = result.error && { code: result.error.code, systemCode: result.error.systemCode };
    process.stdout.write(JSON.stringify({ state: result.state, error, afterFreeing: { state: afterFreeing.state } }));
})();
