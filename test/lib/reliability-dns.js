'use strict';
// DNS for the tests, on this machine (or inside a network namespace of the
// test's own) only: a tiny DNS server (UDP and TCP) that answers NXDOMAIN,
// answers with the addresses it is told, late if asked, or swallows the
// query and never answers; and a `Lookup` (the probe's injectable
// resolver) built on `dns.Resolver` pointed at it. The node itself is
// pointed at such a server with settings.js `portCheck.dnsServers`.
const dgram = require('dgram');
const dns = require('dns');
const net = require('net');

const TYPE_A = 1;
const TYPE_AAAA = 28;

/** The question of a DNS query: its name (lower case), type, and where it ends. */
function parseQuestion(packet) {
    let offset = 12;
    const labels = [];
    while (offset < packet.length) {
        const length = packet[offset];
        if (length === 0) break;
        labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
        offset += 1 + length;
    }
    offset += 1;
    const type = packet.readUInt16BE(offset);
    return { name: labels.join('.').toLowerCase(), type, end: offset + 4 };
}

/** The 16 bytes of an IPv6 address (no zone, no embedded IPv4). */
function ipv6Bytes(address) {
    const [head, tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
    const headGroups = head ? head.split(':') : [];
    const tailGroups = tail ? tail.split(':') : [];
    const groups = [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
    const bytes = Buffer.alloc(16);
    groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), 2 * i));
    return bytes;
}

function answerPacket(query, question, rcode, addresses, ttl = 60) {
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    const rd = query[2] & 0x01;
    header[2] = 0x80 | rd; // QR, RD copied
    header[3] = 0x80 | rcode; // RA, RCODE
    header.writeUInt16BE(1, 4); // QDCOUNT
    header.writeUInt16BE(addresses.length, 6); // ANCOUNT
    const questionBytes = query.subarray(12, question.end);
    const answers = addresses.map((address) => {
        const data = question.type === TYPE_A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
        const record = Buffer.alloc(12);
        record.writeUInt16BE(0xc00c, 0); // name: pointer to the question
        record.writeUInt16BE(question.type, 2);
        record.writeUInt16BE(1, 4); // class IN
        record.writeUInt32BE(ttl, 6); // TTL
        record.writeUInt16BE(data.length, 10);
        return Buffer.concat([record, data]);
    });
    return Buffer.concat([header, questionBytes, ...answers]);
}

/**
 * A DNS server of the test's own, on `host` (127.0.0.1 unless told; an
 * address inside a network namespace when started there), UDP and TCP on
 * one port. `answer(name, type)` says what to do with a query:
 * `{ addresses: ['127.0.0.1', '::1'], delayMs, ttl }` (answer, `delayMs`
 * later), `'nxdomain'`, or `'swallow'` (never answer).
 */
function startDnsServer(answer, { host = '127.0.0.1', port = 0 } = {}) {
    const stats = { queries: 0, swallowed: 0, answered: 0, names: new Set() };
    const late = new Set();
    const tcpSockets = new Set();

    /** The reply to one query packet, and when to send it; undefined: swallowed. */
    function replyTo(packet) {
        stats.queries++;
        let question;
        try {
            question = parseQuestion(packet);
        } catch {
            return undefined;
        }
        stats.names.add(question.name);
        const what = answer(question.name, question.type);
        if (what === 'swallow') {
            stats.swallowed++;
            return undefined;
        }
        let reply;
        if (what === 'nxdomain') {
            reply = answerPacket(packet, question, 3, []);
        } else {
            const family = question.type === TYPE_A ? 4 : question.type === TYPE_AAAA ? 6 : 0;
            const addresses = (what.addresses || []).filter((a) => (a.includes(':') ? 6 : 4) === family);
            reply = answerPacket(packet, question, 0, addresses, what.ttl);
        }
        stats.answered++;
        return { reply, delayMs: typeof what === 'object' && what.delayMs ? what.delayMs : 0 };
    }

    function later(delayMs, send) {
        if (delayMs <= 0) return send();
        const timer = setTimeout(() => {
            late.delete(timer);
            send();
        }, delayMs);
        late.add(timer);
    }

    function makeUdp() {
        const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
        udp.on('message', (packet, remote) => {
            const out = replyTo(packet);
            if (out) later(out.delayMs, () => udp.send(out.reply, remote.port, remote.address));
        });
        return udp;
    }
    // TCP: each message is preceded by its length (RFC 1035, 4.2.2).
    const tcp = net.createServer((socket) => {
        tcpSockets.add(socket);
        socket.on('close', () => tcpSockets.delete(socket));
        socket.on('error', () => {});
        let buffered = Buffer.alloc(0);
        socket.on('data', (data) => {
            buffered = Buffer.concat([buffered, data]);
            while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
                const length = buffered.readUInt16BE(0);
                const out = replyTo(buffered.subarray(2, 2 + length));
                buffered = buffered.subarray(2 + length);
                if (out) {
                    const framed = Buffer.concat([Buffer.from([out.reply.length >> 8, out.reply.length & 0xff]), out.reply]);
                    later(out.delayMs, () => socket.writable && socket.write(framed));
                }
            }
        });
    });
    // A free UDP port may be taken on TCP (another process's connection or
    // listener): with no port asked for, try another UDP port.
    const bindBoth = (triesLeft) => new Promise((resolve, reject) => {
        const udp = makeUdp();
        udp.once('error', reject);
        udp.bind(port, host, () => {
            const bound = udp.address().port;
            const onError = (err) => {
                udp.close();
                if (err.code !== 'EADDRINUSE' || port !== 0 || triesLeft === 0) return reject(err);
                bindBoth(triesLeft - 1).then(resolve, reject);
            };
            tcp.once('error', onError);
            tcp.listen(bound, host, () => {
                tcp.off('error', onError);
                resolve(udp);
            });
        });
    });
    return bindBoth(10).then((udp) => {
        const bound = udp.address().port;
        return {
            port: bound,
            server: host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`,
            stats,
            close: () => new Promise((done) => {
                for (const timer of late) clearTimeout(timer);
                for (const socket of tcpSockets) socket.destroy();
                tcp.close();
                udp.close(() => done());
            }),
        };
    });
}

function resolverLookup(resolver) {
    return (hostname, callback) => {
        let pending = 2;
        const addresses = [];
        const errors = [];
        const settle = () => {
            if (--pending > 0) return;
            if (addresses.length > 0) return callback(null, addresses);
            const noData = errors.find((e) => e.code !== 'ENODATA') || errors[0]
                || Object.assign(new Error(`${hostname} has no address`), { code: 'ENODATA' });
            callback(noData);
        };
        resolver.resolve4(hostname, (err, list) => {
            if (err) errors.push(err);
            else addresses.push(...list.map((address) => ({ address, family: 4 })));
            settle();
        });
        resolver.resolve6(hostname, (err, list) => {
            if (err) errors.push(err);
            else addresses.push(...list.map((address) => ({ address, family: 6 })));
            settle();
        });
    };
}

/** A resolver that asks only the given server (`127.0.0.1:PORT`). */
function localResolver(server, options = { timeout: 2000, tries: 1 }) {
    const resolver = new dns.Resolver(options);
    resolver.setServers([server]);
    return resolver;
}

module.exports = { startDnsServer, resolverLookup, localResolver };
