'use strict';
// Open ports for the benches, served by a separate child process so that the
// process being measured spends its CPU on probing only (the accepting side
// runs on the other core). Each server accepts and drops every connection;
// the prober's reset (or FIN) ends it, so no TIME_WAIT piles up here.
const fs = require('fs');
const { spawn } = require('child_process');

/** In `wanted`: a free port below the ephemeral range, as services use. */
const SERVICE_PORT = -1;

const SERVER_PROGRAM = `
const net = require('net');
const [host, wanted, below] = JSON.parse(process.argv[1]);
const ports = [];
const serviceRequests = new Set(wanted.flatMap((port, i) => (port === -1 ? [i] : [])));
const randomServicePort = () => 1024 + Math.floor(Math.random() * (below - 1024));
for (const i of serviceRequests) wanted[i] = randomServicePort();
function listenOne(i) {
    if (i === wanted.length) { process.stdout.write(JSON.stringify(ports) + '\\n'); return; }
    const server = net.createServer({ noDelay: true }, (socket) => {
        socket.on('error', () => {});
        socket.destroy();
    });
    server.on('error', (err) => {
        // A service port somebody else holds: try another one.
        if (err.code === 'EADDRINUSE' && serviceRequests.has(i)) { wanted[i] = randomServicePort(); return listenOne(i); }
        // A fixed port somebody else holds: let the kernel choose one instead.
        if (err.code === 'EADDRINUSE' && wanted[i] !== 0) { wanted[i] = 0; return listenOne(i); }
        throw err;
    });
    server.listen({ host, port: wanted[i], backlog: 4096, exclusive: true }, () => {
        ports.push(server.address().port);
        listenOne(i + 1);
    });
}
listenOne(0);
process.stdin.on('end', () => process.exit(0)); // the parent went away
process.stdin.resume();
`;

/** The first port of the range the kernel takes connections' local ports from (Linux; 32768 elsewhere). */
function ephemeralLow() {
    try {
        return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
    } catch {
        return 32768;
    }
}

/**
 * Starts a child process listening on `wanted` ports of `host` (0 = the
 * kernel's choice, which lies in the ephemeral range; SERVICE_PORT = a free
 * port below that range, where services listen; a fixed port already taken
 * falls back to 0). Resolves with { host, ports (sorted), close() }.
 */
function startListeners(wanted, host = '127.0.0.1') {
    return startServerProcess(SERVER_PROGRAM, [host, wanted, ephemeralLow()], host);
}

/**
 * Runs `program` (node -e) with `args` as JSON in argv[1]: it listens, then
 * prints its ports as one JSON line. Resolves with { host, ports (sorted),
 * pid, close() }.
 */
function startServerProcess(program, args, host) {
    const child = spawn(process.execPath, ['-e', program, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
        let out = '';
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`listener process exited (${code}) before listening`)));
        child.stdout.on('data', (chunk) => {
            out += chunk;
            if (!out.includes('\n')) return;
            child.removeAllListeners('exit');
            const ports = JSON.parse(out).sort((a, b) => a - b);
            resolve({
                host,
                ports,
                pid: child.pid,
                close: () => new Promise((done) => {
                    if (child.exitCode !== null) return done();
                    child.once('exit', () => done());
                    child.kill('SIGKILL');
                }),
            });
        });
    });
}

module.exports = { startListeners, startServerProcess, SERVICE_PORT };
