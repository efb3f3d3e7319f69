/**
 * A socket that met itself: on loopback, the kernel may hand a connection
 * the very port it connects to as its local port, and the socket
 * "connects" to itself (TCP simultaneous open) though nobody listens.
 */
import type { Socket } from 'net';
import { readFileSync } from 'fs';
import { performance } from 'perf_hooks';

/**
 * Linux takes a connection's local port from ip_local_port_range, so a
 * socket can only meet itself on a port inside it (read again every 10 s,
 * in case an administrator changes it). Elsewhere every port is checked.
 */
const PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const PORT_RANGE_REFRESH_MS = 10000;
let localPortRange = { low: 1, high: 65535, readAt: -Infinity };

function readLocalPortRange(now: number): typeof localPortRange {
    try {
        const [low, high] = readFileSync(PORT_RANGE_FILE, 'latin1').trim().split(/\s+/).map(Number);
        if (low >= 1 && high <= 65535 && low <= high) return { low, high, readAt: now };
    } catch {
        // not Linux: any port may be a local port
    }
    return { low: 1, high: 65535, readAt: now };
}

/** Whether the kernel may pick `port` as a connection's local port. */
export function mayBeLocalPort(port: number, now = performance.now()): boolean {
    if (now - localPortRange.readAt > PORT_RANGE_REFRESH_MS) localPortRange = readLocalPortRange(now);
    return port >= localPortRange.low && port <= localPortRange.high;
}

/**
 * True when a connection's two ends are the same socket. The probed address
 * and port are known, so one getsockname() tells it.
 */
export function isSelfConnect(socket: Socket, address: string, port: number): boolean {
    return socket.localPort === port && socket.localAddress === address;
}
