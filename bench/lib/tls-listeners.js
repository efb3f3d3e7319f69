'use strict';
// TLS servers for the benches (section 7), served by a separate child
// process, as bench/lib/listeners.js serves plain ports: the server side's
// handshakes (key exchange, signing) run on the other core, not in the
// process being measured. Each server completes the handshake, sends
// nothing and keeps the connection until the client ends or drops it.
// `selfSignedCertificate` makes the certificate they show: a throwaway
// self-signed EC P-256 one for localhost and 127.0.0.1, by openssl, in a
// temporary directory of its own.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { startServerProcess } = require('./listeners');

const SERVER_PROGRAM = `
const fs = require('fs');
const tls = require('tls');
const [host, count, certFile, keyFile] = JSON.parse(process.argv[1]);
const cert = fs.readFileSync(certFile);
const key = fs.readFileSync(keyFile);
const ports = [];
function listenOne(i) {
    if (i === count) { process.stdout.write(JSON.stringify(ports) + '\\n'); return; }
    const server = tls.createServer({ cert, key }, (socket) => {
        socket.on('error', () => {});
    });
    // A client that drops the connection during the handshake: nothing to report.
    server.on('tlsClientError', () => {});
    server.listen({ host, port: 0, backlog: 4096, exclusive: true }, () => {
        ports.push(server.address().port);
        listenOne(i + 1);
    });
}
listenOne(0);
process.stdin.on('end', () => process.exit(0)); // the parent went away
process.stdin.resume();
`;

/** A self-signed EC P-256 certificate for localhost and 127.0.0.1: { cert, key } (PEM file paths), `dir`, `remove()`. */
function selfSignedCertificate() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-bench-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { dir, cert, key, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a child process with `count` TLS servers on ports of `host` the
 * kernel chooses, showing `cert`/`key` (PEM file paths). Resolves with
 * { host, ports (sorted), pid, close() }.
 */
function startTlsListeners(count, { cert, key }, host = '127.0.0.1') {
    return startServerProcess(SERVER_PROGRAM, [host, count, cert, key], host);
}

module.exports = { startTlsListeners, selfSignedCertificate };
