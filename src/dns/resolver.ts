/**
 * Host names to addresses without holding libuv's thread pool: the hosts
 * file first, then DNS through Node's c-ares resolver (which runs on the
 * event loop and whose queries cost a socket, not a thread), with the
 * search list and ndots of resolv.conf applied here (c-ares queries do not
 * apply them), a deadline per lookup, one query per name however many
 * messages ask for it, answers kept for their TTL and failures for a few
 * seconds. The system resolver (getaddrinfo) is asked only for names DNS
 * does not know when the system has other sources (mDNS `.local`, LDAP,
 * systemd), a few at a time: a burst of such names must not fill the thread
 * pool that the rest of Node-RED needs (docs/architecture.md, "On real
 * networks").
 */
import { Resolver, getDefaultResultOrder, lookup as dnsLookup } from 'dns';
import { performance } from 'perf_hooks';
import { ResolverFiles, canonicalName, searchNames } from './files';
import type { DnsAddress, Lookup } from './types';

export interface DnsResolverOptions {
    /** The files of the system resolver (a network namespace mounts its own over /etc). */
    files?: ResolverFiles;
    /** DNS servers to ask ('192.0.2.53' or '[2001:db8::53]:5353'); default: those of resolv.conf. */
    servers?: readonly string[];
    /** c-ares: how long a server has to answer a try, and how many tries. */
    queryTimeoutMs?: number;
    tries?: number;
    /** The system resolver, for names DNS does not know (getaddrinfo by default). */
    systemLookup?: Lookup;
    /** System lookups at once; the rest wait. */
    systemConcurrency?: number;
    /** The longest a lookup runs before it fails as "the DNS server did not answer" (LOOKUP_DEADLINE_MS). */
    deadlineMs?: number;
}

/**
 * The longest a lookup runs before it fails as "the DNS server did not
 * answer", unless a waiter's Timeout is longer: then it runs that long,
 * asking again when c-ares gives up on a silent server before then.
 */
const LOOKUP_DEADLINE_MS = 5000;
/** A silent server is asked again only after this long waiting, and only with this long left. */
const REASK_AFTER_MS = 250;
/** How long an answer is kept, within its TTL. */
const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 3600_000;
/** How long a failure is kept: "no such name" a little, "no answer" less (the server may be back). */
const NOT_FOUND_TTL_MS = 5000;
const FAILURE_TTL_MS = 1000;
const MAX_CACHE_ENTRIES = 10_000;
/**
 * DNS queries in flight at once; more wait their turn. A burst of 512 sent
 * at once lost half of them to the receiving socket's buffer (here the DNS
 * server's, net.core.rmem_default 212992, measured on loopback with bench
 * section 6), each lost one then waiting for c-ares' retry 2 s later; 256
 * never lost one. A real DNS server's socket fills the same way.
 */
export const MAX_QUERIES_IN_FLIGHT = 256;

/** What DNS said of a name, kept until `expiresAt`. */
type Answer = { addresses: DnsAddress[]; expiresAt: number } | { code: string; expiresAt: number };

/** A lookup under way: who waits for it, and until when it goes on. */
interface Waiting {
    callbacks: Array<Parameters<Lookup>[1]>;
    deadlineAt: number;
}

/** Codes that mean "this name (of this type) does not exist": the next search name is tried. */
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

function failure(code: string, name: string): NodeJS.ErrnoException {
    return Object.assign(new Error(`${code} ${name}`), { code, hostname: name });
}

/**
 * The runtime's order of families (dns.setDefaultResultOrder; Node-RED sets
 * ipv4first): a stable sort, so each family keeps the order it came in. For
 * 'verbatim', IPv6 first, as getaddrinfo's default policy (RFC 6724) would.
 */
export function preferredOrder(addresses: readonly DnsAddress[], order = getDefaultResultOrder()): DnsAddress[] {
    const first = order === 'ipv4first' ? 4 : 6;
    return [...addresses.filter((a) => a.family === first), ...addresses.filter((a) => a.family !== first)];
}

/** RFC 6761: `.invalid` never exists, and is answered here without asking anyone. */
function isInvalidName(name: string): boolean {
    const bare = canonicalName(name);
    return bare === 'invalid' || bare.endsWith('.invalid');
}

const systemLookupAll: Lookup = (name, callback) => {
    dnsLookup(name, { all: true, order: 'verbatim' }, (err, addresses) => {
        if (err) return callback(err);
        callback(null, addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
};

export class DnsResolver {
    private readonly files: ResolverFiles;
    private readonly resolver: Resolver;
    private readonly systemLookup: Lookup;
    private readonly systemConcurrency: number;
    private readonly deadlineMs: number;
    private readonly cache = new Map<string, Answer>();
    private readonly waiting = new Map<string, Waiting>();
    private systemRunning = 0;
    private readonly systemQueue: Array<() => void> = [];
    private queriesInFlight = 0;
    private readonly queryQueue: Array<() => void> = [];

    constructor(options: DnsResolverOptions = {}) {
        this.files = options.files ?? new ResolverFiles();
        this.resolver = new Resolver({ timeout: options.queryTimeoutMs ?? 2000, tries: options.tries ?? 2 });
        if (options.servers && options.servers.length > 0) this.resolver.setServers([...options.servers]);
        this.systemLookup = options.systemLookup ?? systemLookupAll;
        this.systemConcurrency = options.systemConcurrency ?? 2;
        this.deadlineMs = options.deadlineMs ?? LOOKUP_DEADLINE_MS;
    }

    /** The probe's Lookup: calls back once, with the addresses in the runtime's order, or an error with a code. */
    readonly lookup: Lookup = (name, callback, timeoutMs = 0) => {
        const now = performance.now();
        const fromFile = this.files.hostsEntry(name, now);
        if (fromFile) return callback(null, getDefaultResultOrder() === 'verbatim' ? fromFile.slice() : preferredOrder(fromFile));
        if (isInvalidName(name)) return callback(failure('ENOTFOUND', name));
        const key = canonicalName(name);
        const known = this.cache.get(key);
        if (known && known.expiresAt > now) return this.answer(known, name, callback);
        const deadlineAt = now + Math.max(this.deadlineMs, timeoutMs);
        const waiting = this.waiting.get(key);
        if (waiting) {
            waiting.callbacks.push(callback);
            waiting.deadlineAt = Math.max(waiting.deadlineAt, deadlineAt);
            return;
        }
        const started: Waiting = { callbacks: [callback], deadlineAt };
        this.waiting.set(key, started);
        this.resolve(name, now, started);
    };

    private answer(known: Answer, name: string, callback: Parameters<Lookup>[1]): void {
        if ('code' in known) return callback(failure(known.code, name));
        callback(null, preferredOrder(known.addresses));
    }

    /**
     * One lookup of `name` for everyone waiting on it, ended by its answer
     * or its deadline (the latest a waiter asked for), whichever comes first.
     */
    private resolve(name: string, startedAt: number, waiting: Waiting): void {
        const key = canonicalName(name);
        let done = false;
        let deadline: NodeJS.Timeout | undefined;
        const expireAt = (at: number): void => {
            deadline = setTimeout(() => {
                // A waiter that came later may have moved the deadline.
                if (waiting.deadlineAt > performance.now() + 1) return expireAt(waiting.deadlineAt);
                finish({ code: 'ETIMEOUT', expiresAt: 0 }, FAILURE_TTL_MS);
            }, Math.max(1, at - performance.now()));
            deadline.unref();
        };
        const finish = (answer: Answer, keepMs: number): void => {
            if (done) return;
            done = true;
            clearTimeout(deadline);
            answer.expiresAt = performance.now() + keepMs;
            this.remember(key, answer);
            this.waiting.delete(key);
            for (const callback of waiting.callbacks) this.answer(answer, name, callback);
        };
        expireAt(waiting.deadlineAt);
        const now = startedAt;
        const viaSystem = (): void => this.askSystem(name, finish, () => done);
        // mDNS names belong to the system resolver where it has mDNS; unicast DNS would only leak them.
        if (key.endsWith('.local') && this.files.systemHasMoreSources(now)) return viaSystem();
        const names = searchNames(name, this.files.resolvConf(now));
        const ask = (): void => {
            const askedAt = performance.now();
            this.askDns(names, (answer, keepMs, notFound) => {
                const now = performance.now();
                if (notFound && this.files.systemHasMoreSources(now)) return viaSystem();
                // c-ares waited out a silent server while a waiter still waits: ask again while there is time.
                // (c-ares shortens its tries for a server that used to answer fast: 1.7 s, not 2 + 4 s, measured;
                // a timeout at once says nothing was waited for, and is not asked again.)
                const waitedOut = 'code' in answer && answer.code === 'ETIMEOUT' && now - askedAt >= REASK_AFTER_MS;
                if (waitedOut && !done && waiting.deadlineAt - now > REASK_AFTER_MS) return ask();
                finish(answer, keepMs);
            });
        };
        ask();
    }

    /** Asks DNS for each search name in turn, until one has addresses, or one fails otherwise than "not found". */
    private askDns(names: string[], done: (answer: Answer, keepMs: number, notFound: boolean) => void): void {
        const [name, ...rest] = names;
        this.queryBoth(name, (answer, keepMs) => {
            const notFound = 'code' in answer && NOT_FOUND.has(answer.code);
            if (notFound && rest.length > 0) return this.askDns(rest, done);
            done(answer, notFound ? NOT_FOUND_TTL_MS : keepMs, notFound);
        });
    }

    /** A and AAAA of one name, once there is room for two more queries in flight. */
    private queryBoth(name: string, done: (answer: Answer, keepMs: number) => void): void {
        const run = (): void => {
            this.queriesInFlight += 2;
            this.askBoth(name, (answer, keepMs) => {
                this.queriesInFlight -= 2;
                const next = this.queryQueue.shift();
                if (next) next();
                done(answer, keepMs);
            });
        };
        if (this.queriesInFlight + 2 <= MAX_QUERIES_IN_FLIGHT) return run();
        this.queryQueue.push(run);
    }

    /** A and AAAA of one name, asked together; addresses of either family make an answer. */
    private askBoth(name: string, done: (answer: Answer, keepMs: number) => void): void {
        type Part = { addresses: DnsAddress[]; ttl: number } | { code: string };
        const parts: Part[] = [];
        const onPart = (part: Part): void => {
            parts.push(part);
            if (parts.length < 2) return;
            const found = parts.filter((p): p is { addresses: DnsAddress[]; ttl: number } => 'addresses' in p && p.addresses.length > 0);
            if (found.length > 0) {
                const addresses = found.flatMap((p) => p.addresses);
                const ttlMs = found.reduce((least, p) => Math.min(least, p.ttl), MAX_TTL_MS / 1000) * 1000;
                // A family whose query failed may have addresses after all: such an answer is kept briefly.
                const complete = found.length === 2 || parts.some((p) => 'code' in p && NOT_FOUND.has(p.code));
                const keepMs = complete ? Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, ttlMs)) : FAILURE_TTL_MS;
                return done({ addresses, expiresAt: 0 }, keepMs);
            }
            const codes = parts.map((p) => ('code' in p ? p.code : 'ENODATA'));
            // "No such name" from either query is the name's answer; else the failure that is not "no data".
            const code = codes.find((c) => c === 'ENOTFOUND') ?? codes.find((c) => !NOT_FOUND.has(c)) ?? 'ENODATA';
            done({ code, expiresAt: 0 }, NOT_FOUND.has(code) ? NOT_FOUND_TTL_MS : FAILURE_TTL_MS);
        };
        const ask = (family: 4 | 6): void => {
            const method = family === 4 ? this.resolver.resolve4.bind(this.resolver) : this.resolver.resolve6.bind(this.resolver);
            try {
                method(name, { ttl: true }, (err, records) => {
                    if (err) return onPart({ code: err.code ?? 'EUNKNOWN' });
                    const ttl = records.reduce((least, r) => Math.min(least, r.ttl), MAX_TTL_MS / 1000);
                    onPart({ addresses: records.map((r) => ({ address: r.address, family })), ttl });
                });
            } catch (err) {
                // A name c-ares refuses outright (too long, bad characters).
                onPart({ code: (err as NodeJS.ErrnoException).code ?? 'EBADNAME' });
            }
        };
        ask(4);
        ask(6);
    }

    /** The system resolver, a few lookups at a time; one that waits past the deadline gives up. */
    private askSystem(name: string, finish: (answer: Answer, keepMs: number) => void, abandoned: () => boolean): void {
        const run = (): void => {
            // Its deadline passed while it waited: nobody wants the answer any more.
            if (abandoned()) return this.nextSystem();
            this.systemRunning++;
            this.systemLookup(name, (err, addresses) => {
                this.systemRunning--;
                this.nextSystem();
                if (err || !addresses || addresses.length === 0) {
                    const code = err?.code ?? 'ENODATA';
                    return finish({ code, expiresAt: 0 }, NOT_FOUND.has(code) || code === 'EAI_NONAME' ? NOT_FOUND_TTL_MS : FAILURE_TTL_MS);
                }
                finish({ addresses, expiresAt: 0 }, MIN_TTL_MS * 5);
            });
        };
        if (this.systemRunning < this.systemConcurrency) return run();
        this.systemQueue.push(run);
    }

    private nextSystem(): void {
        const next = this.systemQueue.shift();
        if (next) next();
    }

    private remember(key: string, answer: Answer): void {
        this.cache.delete(key);
        if (this.cache.size >= MAX_CACHE_ENTRIES) {
            // The oldest entries first (a Map keeps insertion order).
            let drop = this.cache.size - MAX_CACHE_ENTRIES + 1;
            for (const old of this.cache.keys()) {
                if (drop-- <= 0) break;
                this.cache.delete(old);
            }
        }
        this.cache.set(key, answer);
    }
}

let shared: DnsResolver | undefined;
const byServers = new Map<string, DnsResolver>();

/**
 * The resolver of this process, made on first use: every node shares its
 * queries and its cache. With `servers` (settings.js portCheck.dnsServers),
 * the one that asks those servers instead of the system's.
 */
export function sharedResolver(servers?: readonly string[]): DnsResolver {
    if (!servers || servers.length === 0) return (shared ??= new DnsResolver());
    const key = servers.join(' ');
    let resolver = byServers.get(key);
    if (!resolver) {
        resolver = new DnsResolver({ servers });
        byServers.set(key, resolver);
    }
    return resolver;
}
