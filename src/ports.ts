/**
 * Parsing and validation of what a user types or a message carries: hosts,
 * ports (single, lists, ranges), timeouts, delays, the expected state.
 * Pure: no sockets, no Node-RED. Every failure is a PortCheckError from the
 * error table in DESIGN.md.
 */
import { BlockList, isIP, isIPv4 } from 'net';
import { domainToASCII } from 'url';
import { PortCheckError, describeValue } from './errors';

export type ExpectedState = 'open' | 'closed';

export interface ParsedHost {
    /** The host as the user gave it, trimmed, without IPv6 brackets. */
    host: string;
    /** What to resolve or connect to: an IP literal, or an ASCII host name. */
    target: string;
    /** 4 or 6 for an IP literal, 0 for a name that needs DNS. */
    ipFamily: 0 | 4 | 6;
}

export interface ParsedPorts {
    ports: readonly number[];
    /** True for a list or range (even of one port): results come per port. */
    isList: boolean;
}

const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** setTimeout cannot wait longer than 2^31-1 ms; beyond it Node fires at once. */
export const MAX_SECONDS = Math.floor(0x7fffffff / 1000);
export const DEFAULT_CONCURRENCY = 256;

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
    // eslint-disable-next-line no-control-regex
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

function toPort(text: string, whole: unknown): number {
    if (!/^\d{1,5}$/.test(text)) throw invalidPort(text, whole);
    const port = Number(text);
    if (port < 1 || port > 65535) throw invalidPort(text, whole);
    return port;
}

function invalidPort(item: unknown, whole: unknown): PortCheckError {
    const value = item === whole ? describeValue(item) : `${describeValue(item)} in ${describeValue(whole)}`;
    return new PortCheckError('INVALID_PORT', { value });
}

/** Adds the ports of one list item ("80", "8000-8010") to `into`. */
function addPortItem(item: string, whole: unknown, into: Set<number>): void {
    const text = item.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
    if (range) {
        const first = toPort(range[1], whole);
        const last = toPort(range[2], whole);
        if (first > last) throw invalidPort(text, whole);
        for (let port = first; port <= last; port++) into.add(port);
        return;
    }
    into.add(toPort(text, whole));
}

function parsePortText(text: string, whole: unknown): ParsedPorts {
    const trimmed = text.trim();
    const isList = /[,-]/.test(trimmed);
    if (!isList) return { ports: [toPort(trimmed, whole)], isList };
    const ports = new Set<number>();
    for (const item of trimmed.split(',')) addPortItem(item, whole, ports);
    return { ports: Object.freeze([...ports]), isList };
}

// Flows send the same port text again and again; a parsed list is immutable,
// so it is kept and handed out again (a 1-65535 range is 65535 numbers).
const parsedTexts = new Map<string, ParsedPorts>();
const MAX_PARSED_TEXTS = 512;
const parsedNumbers = new Map<number, ParsedPorts>();
const MAX_PARSED_NUMBERS = 4096;

/**
 * A port, a list ("22,80,443"), a range ("8000-8010") or a mix, from a number,
 * a string or an array of those. Duplicates are dropped, order is kept.
 */
export function parsePorts(value: unknown): ParsedPorts {
    if (value === undefined || value === null) throw new PortCheckError('EMPTY_PORT');
    if (typeof value === 'number') {
        if (!Number.isInteger(value) || value < 1 || value > 65535) throw invalidPort(value, value);
        let parsed = parsedNumbers.get(value);
        if (!parsed) {
            parsed = Object.freeze({ ports: Object.freeze([value]), isList: false });
            if (parsedNumbers.size >= MAX_PARSED_NUMBERS) parsedNumbers.clear();
            parsedNumbers.set(value, parsed);
        }
        return parsed;
    }
    if (typeof value === 'string') {
        if (value.trim() === '') throw new PortCheckError('EMPTY_PORT');
        const known = parsedTexts.get(value);
        if (known) return known;
        const parsed = parsePortText(value, value);
        if (parsedTexts.size >= MAX_PARSED_TEXTS) parsedTexts.clear();
        parsedTexts.set(value, parsed);
        return parsed;
    }
    if (Array.isArray(value)) {
        if (value.length === 0) throw new PortCheckError('EMPTY_PORT');
        const ports = new Set<number>();
        for (const item of value) {
            if (typeof item === 'number') {
                if (!Number.isInteger(item) || item < 1 || item > 65535) throw invalidPort(item, value);
                ports.add(item);
            } else if (typeof item === 'string') {
                for (const part of item.split(',')) addPortItem(part, value, ports);
            } else {
                throw invalidPort(item, value);
            }
        }
        return { ports: Object.freeze([...ports]), isList: true };
    }
    throw invalidPort(value, value);
}

/** A number of seconds from a number or a decimal string; undefined if not one. */
function toSeconds(value: unknown): number | undefined {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value)) return Number(value);
    return undefined;
}

/** Timeout in seconds (decimals allowed) to milliseconds. */
export function parseTimeout(value: unknown): number {
    const seconds = toSeconds(value);
    if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SECONDS) {
        throw new PortCheckError('INVALID_TIMEOUT', { value: describeValue(value) });
    }
    return Math.max(1, Math.round(seconds * 1000));
}

/** Delay Before / Delay After in seconds to milliseconds; empty means 0. */
export function parseDelay(value: unknown, which: 'before' | 'after'): number {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return 0;
    const seconds = toSeconds(value);
    if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
        throw new PortCheckError('INVALID_DELAY', { value: describeValue(value), which });
    }
    return Math.round(seconds * 1000);
}

export function parseCheck(value: unknown): ExpectedState {
    if (value === 'open' || value === 'closed') return value;
    throw new PortCheckError('EMPTY_CHECK', { value: describeValue(value) });
}

export function parseConcurrency(value: unknown): number {
    try {
        return parseWholeNumber(value, 'Max concurrent', 1, 65535, DEFAULT_CONCURRENCY);
    } catch {
        throw new PortCheckError('INVALID_CONCURRENCY', { value: describeValue(value) });
    }
}

export type Mode = 'once' | 'wait';

export function parseMode(value: unknown): Mode {
    if (value === undefined || value === null || value === '' || value === 'once') return 'once';
    if (value === 'wait') return 'wait';
    throw new PortCheckError('INVALID_OPTION', { option: 'Mode', value: describeValue(value) });
}

/** A whole number from `min` to `max`, from a number or digits; `fallback` when empty. */
export function parseWholeNumber(value: unknown, option: string, min: number, max: number, fallback: number): number {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
        throw new PortCheckError('INVALID_OPTION', { option, value: describeValue(value) });
    }
    return number;
}

/** A number of seconds (decimals allowed) to milliseconds; `fallbackMs` when empty. */
export function parseSecondsOption(value: unknown, option: string, allowZero: boolean, fallbackMs: number): number {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallbackMs;
    const seconds = toSeconds(value);
    if (seconds === undefined || !Number.isFinite(seconds) || seconds > MAX_SECONDS || (allowZero ? seconds < 0 : seconds <= 0)) {
        throw new PortCheckError('INVALID_OPTION', { option, value: describeValue(value) });
    }
    return Math.round(seconds * 1000);
}
