/**
 * The resolver's configuration files, as the system resolver reads them:
 * /etc/hosts (names answered before any DNS query), /etc/resolv.conf (the
 * search list and ndots, which Node's c-ares queries do not apply by
 * themselves) and the hosts line of /etc/nsswitch.conf (whether the system
 * resolver knows sources DNS does not: mDNS, LDAP, systemd's). Each file is
 * read again when it changes, looked at no more than once a second.
 */
import { readFileSync, statSync } from 'fs';
import { isIP } from 'net';
import type { DnsAddress } from './types';

const RECHECK_MS = 1000;

/** A file's parsed content, read again when its modification time or size changes. */
class Watched<T> {
    private value: T;
    private stamp = '';
    private checkedAt = -Infinity;

    constructor(private readonly path: string, private readonly parse: (text: string) => T, private readonly empty: T) {
        this.value = empty;
    }

    get(now: number): T {
        if (now - this.checkedAt < RECHECK_MS) return this.value;
        this.checkedAt = now;
        let stamp: string;
        try {
            const stat = statSync(this.path);
            stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
        } catch {
            stamp = 'missing';
        }
        if (stamp === this.stamp) return this.value;
        this.stamp = stamp;
        try {
            this.value = stamp === 'missing' ? this.empty : this.parse(readFileSync(this.path, 'utf8'));
        } catch {
            this.value = this.empty;
        }
        return this.value;
    }
}

/** The name as the files and the cache know it: lower case, without a final dot. */
export function canonicalName(name: string): string {
    return name.toLowerCase().replace(/\.$/, '');
}

export function parseHostsFile(text: string): Map<string, DnsAddress[]> {
    const names = new Map<string, DnsAddress[]>();
    for (const raw of text.split('\n')) {
        const [address, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
        // An IPv6 address may carry a zone (fe80::1%eth0); it is connected to as it is.
        const family = isIP(address ?? '');
        if (family !== 4 && family !== 6) continue;
        for (const alias of aliases) {
            const name = canonicalName(alias);
            const list = names.get(name) ?? [];
            if (!list.some((a) => a.address === address)) list.push({ address, family });
            names.set(name, list);
        }
    }
    return names;
}

export interface ResolvConf {
    /** The search list (`search`, or the `domain` line), in order. */
    search: string[];
    /** A name with at least this many dots is tried as it is first (`options ndots:N`, default 1). */
    ndots: number;
}

export function parseResolvConf(text: string): ResolvConf {
    let search: string[] = [];
    let ndots = 1;
    for (const raw of text.split('\n')) {
        const [keyword, ...values] = raw.replace(/[#;].*/, '').trim().split(/\s+/);
        if (keyword === 'search' || keyword === 'domain') {
            // The last search or domain line wins, as in glibc; "." means none.
            search = values.map(canonicalName).filter((domain) => domain !== '');
        } else if (keyword === 'options') {
            for (const option of values) {
                const match = /^ndots:(\d+)$/.exec(option);
                if (match) ndots = Math.min(15, Number(match[1]));
            }
        }
    }
    return { search, ndots };
}

/**
 * The names to ask DNS for, in order, as glibc's res_search tries them: a
 * name ending in a dot only as it is; one with at least `ndots` dots as it
 * is, then with each search domain; one with fewer, the search domains
 * first.
 */
export function searchNames(name: string, conf: ResolvConf): string[] {
    if (name.endsWith('.')) return [canonicalName(name)];
    const bare = canonicalName(name);
    const searched = conf.search.map((domain) => `${bare}.${domain}`);
    const dots = bare.split('.').length - 1;
    return dots >= conf.ndots ? [bare, ...searched] : [...searched, bare];
}

/** Whether the hosts line of nsswitch.conf names a source beyond the hosts file and DNS. */
export function parseNsswitchHosts(text: string): boolean {
    const line = text.split('\n').map((l) => l.replace(/#.*/, '').trim()).find((l) => /^hosts\s*:/.test(l));
    if (!line) return false;
    const sources = line.replace(/^hosts\s*:/, '').replace(/\[[^\]]*\]/g, ' ').trim().split(/\s+/).filter(Boolean);
    return sources.some((source) => source !== 'files' && source !== 'dns');
}

/** The three files of one machine (or of a network namespace, which mounts its own over /etc). */
export class ResolverFiles {
    private readonly hosts: Watched<Map<string, DnsAddress[]>>;
    private readonly resolv: Watched<ResolvConf>;
    private readonly nsswitch: Watched<boolean>;

    constructor(etc = '/etc') {
        this.hosts = new Watched(`${etc}/hosts`, parseHostsFile, new Map());
        this.resolv = new Watched(`${etc}/resolv.conf`, parseResolvConf, { search: [], ndots: 1 });
        this.nsswitch = new Watched(`${etc}/nsswitch.conf`, parseNsswitchHosts, false);
    }

    /** The hosts file's addresses for a name, in the file's order. */
    hostsEntry(name: string, now: number): DnsAddress[] | undefined {
        return this.hosts.get(now).get(canonicalName(name));
    }

    resolvConf(now: number): ResolvConf {
        return this.resolv.get(now);
    }

    /** True when the system resolver may know names DNS does not. */
    systemHasMoreSources(now: number): boolean {
        return this.nsswitch.get(now);
    }
}
