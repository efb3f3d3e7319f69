/**
 * Target allow- and deny-lists: which addresses, host names and ports a node
 * may connect to. Rules are applied to the addresses a name resolves to, so
 * a flow fed from outside (an `http in` node, say) cannot be turned into a
 * scanner of the internal network. Pure: no sockets, no Node-RED.
 *
 * A rule is `HOST` or `HOST:PORTS`, where HOST is `*`, an IP address, a CIDR
 * block (`10.0.0.0/8`, `fd00::/8`), a host name (`db.example.com`) or a
 * domain wildcard (`*.example.com`), and PORTS a port list (`22,80,8000-8010`).
 * An IPv6 address or block takes brackets when ports follow: `[fd00::/8]:443`.
 */
import { BlockList, isIP } from 'net';
import { PortCheckError } from '../errors';
import { parsePorts } from './ports';

interface Rule {
    text: string;
    /** Addresses the rule covers; undefined when it names hosts instead. */
    addresses?: BlockList;
    /** Lower-case host name, or `.suffix` for a wildcard, or '*' for any host. */
    name?: string;
    /** Ports the rule covers; undefined for every port. */
    ports?: ReadonlySet<number>;
}

export interface TargetPolicy {
    /** True when the host (as given), one of its addresses and the port may be connected to. */
    permits(hostname: string, address: string, family: 4 | 6, port: number): boolean;
}

function invalidRule(text: string, reason: string): PortCheckError {
    return new PortCheckError('INVALID_ALLOW_LIST', { value: JSON.stringify(text), reason });
}

function splitHostAndPorts(text: string): [string, string | undefined] {
    const bracketed = /^\[([^\]]+)\](?::(.+))?$/.exec(text);
    if (bracketed) return [bracketed[1], bracketed[2]];
    const colons = text.split(':').length - 1;
    if (colons === 1) {
        const at = text.indexOf(':');
        return [text.slice(0, at), text.slice(at + 1)];
    }
    // No colon, or a bare IPv6 address or block (no ports).
    return [text, undefined];
}

function addressBlock(host: string): BlockList | undefined {
    const [address, prefixText, extra] = host.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const list = new BlockList();
    if (prefixText === undefined) {
        list.addAddress(address, type);
        return list;
    }
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
    if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
    list.addSubnet(address, prefix, type);
    return list;
}

export function parseRule(raw: unknown): Rule {
    if (typeof raw !== 'string' || raw.trim() === '') throw invalidRule(String(raw), 'not a rule');
    const text = raw.trim();
    const [host, portText] = splitHostAndPorts(text);
    const rule: Rule = { text };
    if (portText !== undefined) {
        try {
            rule.ports = new Set(parsePorts(portText).ports);
        } catch {
            throw invalidRule(text, 'bad ports');
        }
    }
    if (host === '*') {
        rule.name = '*';
        return rule;
    }
    if (/^[\d.]+(\/\d+)?$/.test(host) || host.includes(':')) {
        rule.addresses = addressBlock(host);
        if (!rule.addresses) throw invalidRule(text, 'bad address or block');
        return rule;
    }
    const wildcard = host.startsWith('*.');
    const name = (wildcard ? host.slice(2) : host).toLowerCase().replace(/\.$/, '');
    if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name)) {
        throw invalidRule(text, 'bad host name');
    }
    rule.name = wildcard ? `.${name}` : name;
    return rule;
}

/** Rules from a settings array or from a node's text (one rule per line, or separated by spaces). */
export function parseRules(value: unknown): Rule[] {
    if (value === undefined || value === null || value === '') return [];
    const items = typeof value === 'string' ? value.split(/\s+/).filter((item) => item !== '') : value;
    if (!Array.isArray(items)) throw invalidRule(String(value), 'not a list of rules');
    return items.map(parseRule);
}

function matches(rule: Rule, hostname: string, address: string, family: 4 | 6, port: number): boolean {
    if (rule.ports && !rule.ports.has(port)) return false;
    if (rule.addresses) return rule.addresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (rule.name === '*') return true;
    if (rule.name?.startsWith('.')) return name.endsWith(rule.name);
    return name === rule.name;
}

/**
 * A policy from the runtime's settings (allow and deny) and a node's own
 * allow-list: a target passes when no deny rule matches it, and it matches a
 * settings allow rule (if there are any) and a node allow rule (if there are
 * any). Undefined when there are no rules at all.
 */
export function makePolicy(settings: { allow?: unknown; deny?: unknown } | undefined, nodeAllow: unknown): TargetPolicy | undefined {
    const allow = parseRules(settings?.allow);
    const deny = parseRules(settings?.deny);
    const own = parseRules(nodeAllow);
    if (allow.length === 0 && deny.length === 0 && own.length === 0) return undefined;
    return {
        permits(hostname, address, family, port) {
            const hit = (rule: Rule): boolean => matches(rule, hostname, address, family, port);
            if (deny.some(hit)) return false;
            if (allow.length > 0 && !allow.some(hit)) return false;
            return own.length === 0 || own.some(hit);
        },
    };
}
