/**
 * The node's choices (Check Port, Mode) and the runtime's limit on the work
 * of one message. Pure: no sockets, no Node-RED.
 */
import { isIP } from 'net';
import { PortCheckError, describeValue } from '../errors';
import type { ParsedHosts } from './hosts';

export type ExpectedState = 'open' | 'closed';

export function parseCheck(value: unknown): ExpectedState {
    if (value === 'open' || value === 'closed') return value;
    throw new PortCheckError('EMPTY_CHECK', { value: describeValue(value) });
}

export type Mode = 'once' | 'wait';

export function parseMode(value: unknown): Mode {
    if (value === undefined || value === null || value === '' || value === 'once') return 'once';
    if (value === 'wait') return 'wait';
    throw new PortCheckError('INVALID_OPTION', { option: 'Mode', value: describeValue(value) });
}

/** IP version: every address (auto), one family, or each family on its own (a dual-stack audit). */
export type IpVersionOption = 'auto' | '4' | '6' | 'both';

export function parseIpVersion(value: unknown): 0 | 4 | 6 | 'both' {
    if (value === undefined || value === null || value === '' || value === 'auto') return 0;
    if (value === '4' || value === 4) return 4;
    if (value === '6' || value === 6) return 6;
    if (value === 'both') return 'both';
    throw new PortCheckError('INVALID_OPTION', { option: 'IP version', value: describeValue(value) });
}

/** Max rate: new connection attempts per second, above 0 and at most 100,000; empty: no limit (undefined). */
export function parseMaxRate(value: unknown): number | undefined {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
    const rate = typeof value === 'string' && /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value) ? Number(value) : value;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 100000) {
        throw new PortCheckError('INVALID_OPTION', { option: 'Max rate', value: describeValue(value) });
    }
    return rate;
}

/**
 * settings.js `portCheck.dnsServers`: the DNS servers the node asks instead
 * of those of resolv.conf, as c-ares takes them ('192.0.2.53',
 * '192.0.2.53:5353', '2001:db8::53', '[2001:db8::53]:5353').
 */
export function parseDnsServers(value: unknown): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    const invalid = (): PortCheckError => new PortCheckError('INVALID_OPTION', { option: 'portCheck.dnsServers', value: describeValue(value) });
    if (!Array.isArray(value) || value.length === 0) throw invalid();
    return value.map((server) => {
        if (typeof server !== 'string') throw invalid();
        const text = server.trim();
        const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
        const withPort = /^([\d.]+):(\d{1,5})$/.exec(text);
        const [address, port] = bracketed ? [bracketed[1], bracketed[2]] : withPort ? [withPort[1], withPort[2]] : [text, undefined];
        if (isIP(address) === 0 || (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))) throw invalid();
        return text;
    });
}

/** Default of settings.js `portCheck.maxProbesPerMessage`: one host's whole port range, and a little. */
export const DEFAULT_MAX_PROBES = 65536;

/**
 * Refuses a message whose hosts × ports exceed `limit`, before any lookup
 * or connection: one message must not take the runtime's memory or its
 * sockets for itself.
 */
export function checkProbeCount(hosts: ParsedHosts, portCount: number, limit: number): void {
    const count = hosts.hosts.length * portCount;
    if (count <= limit && !hosts.cut) return;
    const more = hosts.cut ? 'more than ' : '';
    throw new PortCheckError('TOO_MANY_PROBES', {
        hosts: `${more}${hosts.cut ? limit : hosts.hosts.length}`,
        ports: String(portCount),
        count: `${more}${hosts.cut ? limit : count}`,
        limit: String(limit),
    });
}
