'use strict';
// DNS for the reliability tests, on this machine only: a tiny DNS server on
// 127.0.0.1 (UDP) that answers NXDOMAIN, answers with loopback addresses, or
// swallows the query and never answers; a `Lookup` (probe.ts's injectable
// resolver) built on `dns.Resolver` pointed at it; and a guard around
// `dns.lookup`, so that host names going through the node (which uses the
// system resolver) are answered here and never reach a resolver outside.
const dgram = require('dgram');
const dns = require('dns');

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

function ipv6Bytes(address) {
    // Only the loopback forms this helper hands out.
    if (address !== '::1') throw new Error(`reliability-dns answers ::1 only, not ${address}`);
    const bytes = Buffer.alloc(16);
    bytes[15] = 1;
    return bytes;
}

function answerPacket(query, question, rcode, addresses) {
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
        record.writeUInt32BE(60, 6); // TTL
        record.writeUInt16BE(data.length, 10);
        return Buffer.concat([record, data]);
    });
    return Buffer.concat([header, questionBytes, ...answers]);
}

/**
 * A DNS server on 127.0.0.1. `answer(name)` says what to do with a name:
 * `{ addresses: ['127.0.0.1', '::1'], delayMs }` (answer, `delayMs` later),
 * `'nxdomain'` or `'swallow'` (never answer).
 */
function startDnsServer(answer) {
    const socket = dgram.createSocket('udp4');
    const stats = { queries: 0, swallowed: 0, answered: 0 };
    const late = new Set();
    socket.on('message', (packet, remote) => {
        stats.queries++;
        let question;
        try {
            question = parseQuestion(packet);
        } catch {
            return;
        }
        const what = answer(question.name);
        if (what === 'swallow') {
            stats.swallowed++;
            return;
        }
        let reply;
        if (what === 'nxdomain') {
            reply = answerPacket(packet, question, 3, []);
        } else {
            const family = question.type === TYPE_A ? 4 : question.type === TYPE_AAAA ? 6 : 0;
            const addresses = (what.addresses || []).filter((a) => (a.includes(':') ? 6 : 4) === family);
            reply = answerPacket(packet, question, 0, addresses);
        }
        stats.answered++;
        const delayMs = typeof what === 'object' && what.delayMs ? what.delayMs : 0;
        if (delayMs > 0) {
            const timer = setTimeout(() => {
                late.delete(timer);
                socket.send(reply, remote.port, remote.address);
            }, delayMs);
            late.add(timer);
        } else {
            socket.send(reply, remote.port, remote.address);
        }
    });
    return new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => {
            const { port } = socket.address();
            resolve({
                port,
                server: `127.0.0.1:${port}`,
                stats,
                close: () => new Promise((done) => {
                    for (const timer of late) clearTimeout(timer);
                    socket.close(() => done());
                }),
            });
        });
    });
}

/**
 * probe.ts's `Lookup` on top of a `dns.Resolver`: A and AAAA together, the
 * addresses of both; the first error when neither has any.
 */
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

/**
 * Replaces `dns.lookup` (which the node's system lookup calls) for the
 * duration of a test: `route(hostname)` returns a probe.ts `Lookup` to answer
 * that name with, or undefined for the default: a local ENOTFOUND. No name
 * reaches the system resolver. Returns `restore()` and the names seen.
 */
function guardDnsLookup(route = () => undefined) {
    const original = dns.lookup;
    const seen = { count: 0, names: new Map() };
    const notFound = (hostname, callback) => setImmediate(() => {
        const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        callback(err);
    });
    dns.lookup = function guardedLookup(hostname, options, callback) {
        if (typeof options === 'function') {
            callback = options;
            options = {};
        }
        if (typeof options === 'number') options = { family: options };
        seen.count++;
        if (seen.names.size < 10000) seen.names.set(hostname, (seen.names.get(hostname) || 0) + 1);
        const lookup = route(String(hostname)) || notFound;
        lookup(String(hostname), (err, addresses) => {
            if (err) return callback(err);
            const list = options && options.family ? addresses.filter((a) => a.family === options.family) : addresses;
            if (options && options.all) return callback(null, list.map((a) => ({ address: a.address, family: a.family })));
            if (list.length === 0) return callback(Object.assign(new Error('no address'), { code: 'ENODATA' }));
            callback(null, list[0].address, list[0].family);
        });
    };
    return {
        seen,
        restore() {
            dns.lookup = original;
        },
    };
}

/** A lookup that answers the given loopback addresses (for names mapped to this machine). */
function loopbackLookup(addresses = [{ address: '127.0.0.1', family: 4 }]) {
    return (hostname, callback) => setImmediate(() => callback(null, addresses.slice()));
}

module.exports = { startDnsServer, resolverLookup, localResolver, guardDnsLookup, loopbackLookup };
