/**
 * Hosts as a user types them or a message carries them: an IPv4 or IPv6
 * address (bare or in brackets), a host name, `localhost`, or a list of
 * them. Pure: no sockets, no Node-RED. Every failure is a PortCheckError of
 * the error table (docs/architecture.md, "Errors").
 */
import { BlockList, isIP, isIPv4 } from 'net';
import { domainToASCII } from 'url';
import { PortCheckError, describeValue } from '../errors';

export interface ParsedHost {
    /** The host as the user gave it, trimmed, without IPv6 brackets. */
    host: string;
    /** What to resolve or connect to: an IP literal, or an ASCII host name. */
    target: string;
    /** 4 or 6 for an IP literal, 0 for a name that needs DNS. */
    ipFamily: 0 | 4 | 6;
}

const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

function invalidHost(value: string, reason: string): PortCheckError {
    return new PortCheckError('INVALID_HOST', { value: describeValue(value), reason });
}

/**
 * 0.0.0.0/8 ("this network") and ::, with their IPv4-mapped forms: they
 * name no host, yet Linux connects them to this machine, past any rule
 * written for 127.0.0.0/8 or ::1. So they are never a target: typed in,
 * they are an invalid host; resolved from a name (a DNS block list answers
 * 0.0.0.0), they are dropped from its addresses.
 */
const UNSPECIFIED = new BlockList();
UNSPECIFIED.addSubnet('0.0.0.0', 8, 'ipv4');
UNSPECIFIED.addAddress('::', 'ipv6');

export const UNSPECIFIED_REASON = 'the unspecified address, which names no host; to check this machine, use 127.0.0.1, ::1 or localhost';

/** True for an address of 0.0.0.0/8 or :: (an IPv6 zone is ignored). */
export function isUnspecifiedAddress(address: string): boolean {
    const bare = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
    const family = isIP(bare);
    return family !== 0 && UNSPECIFIED.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export function parseHost(value: unknown): ParsedHost {
    if (value === undefined || value === null) throw new PortCheckError('EMPTY_HOST');
    if (typeof value !== 'string') {
        throw new PortCheckError('INVALID_HOST', { value: describeValue(value), reason: 'not text' });
    }
    let host = value.trim();
    if (host === '') throw new PortCheckError('EMPTY_HOST');

    const bracketed = /^\[([^\]]*)\]$/.exec(host);
    if (bracketed) {
        if (isIP(bracketed[1]) !== 6) throw invalidHost(value, 'only an IPv6 address goes in brackets');
        host = bracketed[1];
    }
    const family = isIP(host);
    if (family === 4 || family === 6) {
        if (isUnspecifiedAddress(host)) throw invalidHost(value, UNSPECIFIED_REASON);
        return { host, target: host, ipFamily: family };
    }

    if (host.length > MAX_HOST_LENGTH) throw invalidHost(value, `longer than ${MAX_HOST_LENGTH} characters`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) throw invalidHost(value, 'a URL; give the host name only');
    if (/\s/.test(host)) throw invalidHost(value, 'contains spaces');
    if (host.includes(':')) throw invalidHost(value, 'a host:port pair; put the port in the Port field');
    // eslint-disable-next-line no-control-regex -- control characters are among what no host name has
    const bad = /[\x00-\x1f\x7f/\\@?#[\]<>"'`%,;{}|^=+*!$&()~]/.exec(host);
    if (bad) throw invalidHost(value, `contains ${JSON.stringify(bad[0])}`);
    if (/^[0-9.]+$/.test(host) && !isIPv4(host)) throw invalidHost(value, 'not a valid IPv4 address');

    const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
    if (labels.some((label) => label === '')) throw invalidHost(value, 'an empty label between dots');
    // International names are looked up in their ASCII (punycode) form.
    const target = domainToASCII(host);
    if (target === '') throw invalidHost(value, 'not a valid host name');
    // "0x7f.1" or full-width digits: an IPv4 address in a form nobody checks by eye.
    if (isIP(target)) throw invalidHost(value, `an IP address in an unusual form; write it as ${target}`);
    if (target.split('.').some((label) => label.length > MAX_LABEL_LENGTH)) {
        throw invalidHost(value, `a label longer than ${MAX_LABEL_LENGTH} characters`);
    }
    if (target.length > MAX_HOST_LENGTH) throw invalidHost(value, `longer than ${MAX_HOST_LENGTH} characters`);
    return { host, target, ipFamily: 0 };
}

export interface ParsedHosts {
    hosts: readonly ParsedHost[];
    /** True for a list (a text with commas, or an array), even of one host. */
    isList: boolean;
    /** Parsing stopped after `maxHosts` + 1 distinct hosts: there are more than `maxHosts`. */
    cut?: boolean;
}

/**
 * One host, a comma-separated list of hosts, or an array of them; duplicates
 * dropped. Parsing stops once there are more than `maxHosts` distinct hosts
 * (the message is refused as too big anyway), so a huge list costs no more
 * than the limit allows.
 */
export function parseHosts(value: unknown, maxHosts = Infinity): ParsedHosts {
    if (Array.isArray(value)) {
        if (value.length === 0) throw new PortCheckError('EMPTY_HOST');
        return uniqueHosts(value, parseHost, maxHosts);
    }
    if (typeof value === 'string' && value.includes(',')) {
        return uniqueHosts(value.split(','), parseListedHost, maxHosts);
    }
    return { hosts: [parseHost(value)], isList: false };
}

function parseListedHost(item: unknown): ParsedHost {
    if (typeof item === 'string' && item.trim() === '') throw invalidHost(item, 'an empty item in the list');
    return parseHost(item);
}

function uniqueHosts(items: readonly unknown[], parse: (item: unknown) => ParsedHost, maxHosts: number): ParsedHosts {
    const seen = new Set<string>();
    const hosts: ParsedHost[] = [];
    for (const item of items) {
        const host = parse(item);
        if (seen.has(host.target)) continue;
        seen.add(host.target);
        hosts.push(host);
        if (hosts.length > maxHosts) return { hosts, isList: true, cut: true };
    }
    return { hosts, isList: true };
}
