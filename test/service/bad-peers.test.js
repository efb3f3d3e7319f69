'use strict';
// Service checks against peers that misbehave, on loopback, through the
// node in a Node-RED runtime: one that sends a megabyte (reading stops at
// 4096 bytes), one that never answers (NO_ANSWER at the deadline), one that
// resets in the middle of the TLS handshake (TLS_FAILED), one that sends
// binary garbage (the banner keeps printable characters only), and an
// Expect that cannot compile (Invalid option for each message, no crash).
// Also: the status words, a list with a verdict per open entry, "Port is
// closed" (no service to check), and a threaded scan that checks its open
// ports after the scan.
const assert = require('assert');
const net = require('net');
const { helper, sleep } = require('../lib/node-red');
const { startWithStatuses: start, loopbackSuite } = require('../lib/node-flow');

/** A TCP server whose every connection gets `onConnection(socket)`. */
async function peer(onConnection) {
    const sockets = new Set();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
        onConnection(socket);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        port: server.address().port,
        seen: () => sockets.size,
        close: () => new Promise((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        }),
    };
}

async function checkOne(props, port, msg = {}) {
    const t = await start({ port: String(port), timeout: 1, ...props });
    t.node.receive(msg);
    const [out] = await t.out.waitFor(1, 5000);
    // The status shows at most ten times a second: the answer's comes within 100 ms.
    await sleep(150);
    return { msg: out, statuses: t.statuses };
}

describe('service checks: misbehaving peers, and the node around them', function () {
    this.timeout(20000);
    let open;
    let refused;
    loopbackSuite((targets) => ({ open, refused } = targets));

    it('a peer that sends a megabyte: reading stops at 4096 bytes, the answer does not match', async function () {
        let written = 0;
        const flood = await peer((socket) => {
            const chunk = Buffer.alloc(64 * 1024, 0x41);
            const more = () => {
                while (written < 1 << 20 && socket.write(chunk)) written += chunk.length;
                if (written < 1 << 20) socket.once('drain', more);
            };
            more();
        });
        try {
            const started = Date.now();
            const { msg } = await checkOne({ expect: '^SSH-' }, flood.port);
            assert.deepStrictEqual([msg.payload, msg.portCheck.state, msg.portCheck.service.reason], [false, 'open', 'UNEXPECTED_ANSWER']);
            assert.match(msg.portCheck.service.detail, /4096 bytes/);
            assert.strictEqual(msg.portCheck.service.banner.length, 200, 'the banner is cut at 200');
            assert.ok(Date.now() - started < 900, 'answered once 4096 bytes had come, not at the timeout');
        } finally {
            await flood.close();
        }
    });

    it('a peer that never answers: NO_ANSWER at the deadline (one Timeout for connect and service)', async function () {
        const silent = await peer(() => {});
        try {
            const { msg, statuses } = await checkOne({ preset: 'ssh', timeout: 0.5 }, silent.port);
            assert.deepStrictEqual([msg.payload, msg.portCheck.state, msg.portCheck.service.reason], [false, 'open', 'NO_ANSWER']);
            assert.ok(msg.portCheck.latencyMs >= 495 && msg.portCheck.latencyMs < 600, `${msg.portCheck.latencyMs} ms`);
            const last = statuses[statuses.length - 1];
            assert.deepStrictEqual([last.fill, last.shape, last.text], ['red', 'ring', 'open · no answer']);
        } finally {
            await silent.close();
        }
    });

    it('a peer that resets in the middle of the TLS handshake: TLS_FAILED', async function () {
        const rude = await peer((socket) => socket.once('data', () => socket.resetAndDestroy()));
        try {
            const { msg } = await checkOne({ tls: 'on' }, rude.port);
            assert.deepStrictEqual([msg.payload, msg.portCheck.state, msg.portCheck.service.reason], [false, 'open', 'TLS_FAILED']);
            assert.match(msg.portCheck.service.detail, /ECONNRESET|socket disconnected/);
        } finally {
            await rude.close();
        }
    });

    it('binary garbage: the banner keeps printable characters only', async function () {
        const garbage = await peer((socket) => socket.end(Buffer.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe, 0x48, 0x69, 0x07, 0x0a, 0x41])));
        try {
            const { msg } = await checkOne({ expect: '^SSH-' }, garbage.port);
            assert.strictEqual(msg.portCheck.service.banner, '[2JHi');
            assert.strictEqual(msg.portCheck.service.reason, 'UNEXPECTED_ANSWER');
        } finally {
            await garbage.close();
        }
    });

    it('a binary greeting: the banner is its first run of text, not the header before it', async function () {
        // A header of binary bytes, a newline among them, then text: as a MySQL server greets.
        const greeting = Buffer.concat([Buffer.from([0x2a, 0x00, 0x00, 0x00, 0x0a]), Buffer.from('8.0.36-test\0'), Buffer.from([0x01, 0x02, 0x0a])]);
        const binary = await peer((socket) => socket.end(greeting));
        try {
            const { msg } = await checkOne({ expect: '^[\\s\\S]{3}\\x00\\x0a' }, binary.port);
            assert.deepStrictEqual([msg.payload, msg.portCheck.service], [true, { ok: true, banner: '8.0.36-test' }]);
        } finally {
            await binary.close();
        }
    });

    it('an Expect that cannot compile: "Invalid option" for each message, and the node goes on', async function () {
        const t = await start({ port: String(open.port), expect: '(unclosed' });
        t.node.receive({});
        t.node.receive({});
        const caught = await t.caught.waitFor(2);
        for (const msg of caught) assert.match(msg.error.message, /^Invalid option: Expect is "\(unclosed"/);
    });

    it('the status of a certificate-free service that answered: green "open · N ms"; with "Port is closed" nothing is checked', async function () {
        const hello = await peer((socket) => socket.end('+PONG\r\n'));
        try {
            const { msg, statuses } = await checkOne({ preset: 'redis' }, hello.port);
            assert.deepStrictEqual([msg.payload, msg.portCheck.service.ok, msg.portCheck.service.banner], [true, true, '+PONG']);
            assert.strictEqual(statuses[statuses.length - 1].fill, 'green');
            await helper.unload();
            const closedCheck = await checkOne({ preset: 'redis', check: 'closed' }, hello.port);
            assert.strictEqual(closedCheck.msg.portCheck.service, undefined, 'no service to check for "Port is closed"');
            assert.strictEqual(closedCheck.msg.payload, false);
        } finally {
            await hello.close();
        }
    });

    it('a list: a verdict per open entry, true only when every service answered', async function () {
        const good = await peer((socket) => socket.end('SSH-2.0-test\r\n'));
        const bad = await peer((socket) => socket.end('220 not ssh\r\n'));
        try {
            const { msg, statuses } = await checkOne({ preset: 'ssh', port: `${good.port},${bad.port},${refused}`, portType: 'str' });
            assert.strictEqual(msg.payload, false);
            const byPort = Object.fromEntries(msg.portCheck.results.map((r) => [r.port, [r.state, r.match, r.service && r.service.ok]]));
            assert.deepStrictEqual(byPort, { [good.port]: ['open', true, true], [bad.port]: ['open', false, false], [refused]: ['closed', false, undefined] });
            assert.strictEqual(statuses[statuses.length - 1].shape, 'ring', 'a failed service: red ring');
        } finally {
            await good.close();
            await bad.close();
        }
    });

    it('a threaded scan (8,192 ports) checks the services of the open ports it found, after the scan', async function () {
        this.timeout(60000);
        const first = 20000;
        const good = await peer((socket) => socket.end('SSH-2.0-test\r\n'));
        try {
            const ports = `${first}-${first + 8190},${good.port}`;
            const t = await start({ port: ports, portType: 'str', preset: 'ssh', timeout: 2 });
            t.node.receive({});
            const [msg] = await t.out.waitFor(1, 30000);
            const entry = msg.portCheck.results.find((r) => r.port === good.port);
            assert.deepStrictEqual([entry.state, entry.service.ok, entry.service.banner], ['open', true, 'SSH-2.0-test']);
            assert.strictEqual(msg.portCheck.results.length, 8192);
            assert.ok(msg.portCheck.results.every((r) => r.state !== 'open' || r.service), 'every open port has a verdict');
        } finally {
            await good.close();
        }
        await sleep(10);
    });
});
