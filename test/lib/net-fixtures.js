'use strict';
// Real sockets on loopback for the tests: an open port, a closed port and a
// filtered one. Nothing here mocks `net`.
const net = require('net');
const { spawn } = require('child_process');

/** A server that accepts and drops every connection. */
function listenOpen(host = '127.0.0.1', port = 0) {
    return new Promise((resolve, reject) => {
        const sockets = new Set();
        const server = net.createServer((socket) => {
            sockets.add(socket);
            socket.on('error', () => {});
            socket.on('close', () => sockets.delete(socket));
            socket.destroy();
        });
        server.once('error', reject);
        server.listen({ host, port, exclusive: true }, () => {
            resolve({
                port: server.address().port,
                host,
                server,
                close: () => new Promise((done) => {
                    for (const socket of sockets) socket.destroy();
                    server.close(() => done());
                }),
            });
        });
    });
}

/** A port nobody listens on: bound once by the kernel's choice, then released. */
async function closedPort(host = '127.0.0.1') {
    const open = await listenOpen(host);
    await open.close();
    return open.port;
}

/** Several distinct closed ports at once (held together so they differ). */
async function closedPorts(count, host = '127.0.0.1') {
    const servers = [];
    for (let i = 0; i < count; i++) servers.push(await listenOpen(host));
    await Promise.all(servers.map((s) => s.close()));
    return servers.map((s) => s.port);
}

// A blocked child cannot notice its parent's death: kill those left on our way out.
const blockedChildren = new Set();
process.once('exit', () => {
    for (const child of blockedChildren) child.kill('SIGKILL');
});

/**
 * A filtered port without root: a child process listens with a backlog of 1
 * and then blocks its event loop, so it never accepts. Once the accept queue
 * is full the kernel drops new SYNs, as a firewall DROP rule would.
 */
function filteredPort(host = '127.0.0.1', wakeAfterMs = 0) {
    // Atomics.wait blocks the child's event loop, so it never accepts. It wakes
    // once a second to see whether its parent is gone (then it exits: no orphan
    // listener outlives a killed test run), and for good after `wakeAfterMs`.
    const program = `
        const server = require('net').createServer((socket) => socket.destroy());
        const parent = process.ppid;
        const wakeAt = ${wakeAfterMs > 0 ? `Date.now() + ${Number(wakeAfterMs)}` : 'Infinity'};
        server.listen({ port: 0, host: ${JSON.stringify(host)}, backlog: 1 }, () => {
            process.stdout.write(server.address().port + '\\n');
            setTimeout(() => {
                const cell = new Int32Array(new SharedArrayBuffer(4));
                while (Date.now() < wakeAt) {
                    Atomics.wait(cell, 0, 0, Math.max(1, Math.min(1000, wakeAt - Date.now())));
                    if (process.ppid !== parent) process.exit(0);
                }
            }, 20);
        });`;
    const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
    const fillers = [];
    blockedChildren.add(child);
    const close = () => {
        for (const socket of fillers) socket.destroy();
        child.kill('SIGKILL');
        blockedChildren.delete(child);
    };
    return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.stdout.once('data', async (data) => {
            const port = Number(String(data).trim());
            await new Promise((r) => setTimeout(r, 100));
            // Fill the accept queue until a connection attempt goes unanswered.
            for (let i = 0; i < 16; i++) {
                const socket = net.connect({ host, port });
                socket.on('error', () => {});
                fillers.push(socket);
                const answered = await new Promise((r) => {
                    const timer = setTimeout(() => r(false), 300);
                    socket.once('connect', () => { clearTimeout(timer); r(true); });
                    socket.once('error', () => { clearTimeout(timer); r(true); });
                });
                if (!answered) return resolve({ port, host, close });
            }
            close();
            reject(new Error('could not fill the accept queue to make a filtered port'));
        });
    });
}

/**
 * A port that opens slowly: like filteredPort, but the child wakes up after
 * `sleepMs` and accepts everything, so a probe whose SYN was dropped gets in
 * on the kernel's retransmission (about 1 s, then 3 s after the first try).
 */
function slowPort(sleepMs, host = '127.0.0.1') {
    return filteredPort(host, sleepMs);
}

/**
 * A server on `host` that counts the connections it gets, to prove none was
 * attempted; resolves { port, seen(), close }.
 */
function countingServer(host) {
    return new Promise((resolve, reject) => {
        let seen = 0;
        const server = net.createServer((socket) => {
            seen++;
            socket.on('error', () => {});
            socket.destroy();
        });
        server.once('error', reject);
        server.listen({ host, port: 0, exclusive: true }, () => resolve({
            port: server.address().port,
            seen: () => seen,
            close: () => new Promise((done) => server.close(() => done())),
        }));
    });
}

module.exports = { listenOpen, closedPort, closedPorts, filteredPort, slowPort, countingServer };
