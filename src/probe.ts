/**
 * The TCP probe: resolve a host with a deadline, connect to each of its
 * addresses (happy eyeballs), classify the answer, time it. Knows nothing of
 * Node-RED. `ProbePool` runs the probes of many checks under one cap on
 * probes in flight and cancels them all on demand.
 */
import { Socket } from 'net';
import { readFileSync } from 'fs';
import { isMainThread } from 'worker_threads';
import { lookup as dnsLookup } from 'dns';
import { performance } from 'perf_hooks';
import { PortCheckError, describeValue, internalError, warnFault, type FaultHandler } from './errors';
import { roundMs } from './time';
import { UNSPECIFIED_REASON, isUnspecifiedAddress, type ParsedHost } from './ports';
import type { TargetPolicy } from './allow';
import { ScanWorkers, defaultThreadCount, type ScanTicket } from './scan-workers';

export type PortState = 'open' | 'closed' | 'filtered';

export interface ResolvedAddress {
    address: string;
    family: 4 | 6;
    /**
     * An address added by the node, not by DNS (localhost's other loopback):
     * when this machine lacks it, it is skipped rather than failing the probe.
     */
    optional?: boolean;
}

/** Resolves a host name to its addresses; injectable for tests and benches. */
export type Lookup = (
    hostname: string,
    callback: (err: NodeJS.ErrnoException | null, addresses?: ResolvedAddress[]) => void,
) => void;

export interface PortResult {
    /** The host as the user gave it. */
    host: string;
    port: number;
    /** Absent when the probe ended in an error. */
    state?: PortState;
    /** The address that gave the answer ('' when none did). */
    address: string;
    family: 4 | 6 | 0;
    /** From the start of this port's probe (DNS included) to its answer. */
    latencyMs: number;
    /** Connections attempted (one per address tried). */
    connections: number;
    error?: PortCheckError;
}

export interface CheckRequest {
    /** Each host is checked on each port: results come host by host, port by port. */
    hosts: readonly ParsedHost[];
    ports: readonly number[];
    /** Deadline of each port's probe, DNS and connect together. */
    timeoutMs: number;
    /** Which addresses may be connected to; a target with none left is not connected to at all. */
    policy?: TargetPolicy;
}

// Connect error codes and what they say about the port. Codes in none of
// these sets are reported as CONNECTION_FAILED, never guessed as a state.
const CLOSED_CODES = new Set(['ECONNREFUSED']);
/**
 * A reset after the handshake: something accepted the connection and dropped
 * it at once (a server at its limit, tcpwrappers) before the probe saw the
 * connect. A SYN answered by a reset is ECONNREFUSED, so this is open.
 */
const OPEN_CODES = new Set(['ECONNRESET']);
const FILTERED_CODES = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);
/** Failures of this machine, not of the target: reporting them as a state would be a lie. */
const LOCAL_CODES = new Set([
    'EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'EADDRINUSE', 'ENOBUFS', 'ENOMEM',
    'EPERM', 'EACCES', 'EAFNOSUPPORT', 'ENETDOWN',
]);

export type Classified = { state: PortState } | { error: PortCheckError };



// Shared outcomes, so the hot path allocates none (they are never mutated).
const OPEN: Classified = Object.freeze({ state: 'open' });
const CLOSED: Classified = Object.freeze({ state: 'closed' });
const FILTERED: Classified = Object.freeze({ state: 'filtered' });

function errorCode(err: unknown): string {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
}

/** This machine has no such address (no IPv6 loopback, say): nothing can listen there either. */
const ADDRESS_MISSING_CODES = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/**
 * One answer for a host from the answers of its addresses. Open wins: one
 * open address is a reachable service. A negative answer (closed, filtered)
 * needs every address to be checked, so an address that failed with an
 * error makes the whole probe that error: a service behind it was never
 * looked for. Closed wins over filtered (the host did answer).
 */
export function combineOutcomes<T>(answers: ReadonlyArray<{ outcome: Classified; item: T }>): { outcome: Classified; item: T } {
    if (answers.length === 1) return answers[0];
    const find = (test: (o: Classified) => boolean) => answers.find((a) => test(a.outcome));
    return find((o) => 'state' in o && o.state === 'open')
        ?? find((o) => 'error' in o && o.error.code === 'LOCAL_ERROR')
        ?? find((o) => 'error' in o)
        ?? find((o) => 'state' in o && o.state === 'closed')
        ?? answers[0];
}

/**
 * What a connect error says: a port state, or an error that must not be
 * mistaken for one. An AggregateError (Node's own happy eyeballs) is
 * unpacked and its answers combined as for several addresses.
 */
export function classifyConnectError(err: unknown, target: string): Classified {
    const inner = (err as { errors?: unknown } | undefined)?.errors;
    if (Array.isArray(inner) && inner.length > 0) {
        return combineOutcomes(inner.map((e) => ({ outcome: classifyConnectError(e, target), item: e }))).outcome;
    }
    const code = errorCode(err);
    if (CLOSED_CODES.has(code)) return CLOSED;
    if (OPEN_CODES.has(code)) return OPEN;
    if (FILTERED_CODES.has(code)) return FILTERED;
    if (LOCAL_CODES.has(code)) return { error: new PortCheckError('LOCAL_ERROR', { code, target }, code) };
    return { error: new PortCheckError('CONNECTION_FAILED', { code, target }, code) };
}

/** What a DNS error means: no address (CANNOT_RESOLVE), or a failure here. */
export function classifyLookupError(err: unknown, host: string): PortCheckError {
    const code = errorCode(err);
    if (LOCAL_CODES.has(code)) return new PortCheckError('LOCAL_ERROR', { code, target: host }, code);
    return new PortCheckError('CANNOT_RESOLVE', { host, code }, code);
}

export const systemLookup: Lookup = (hostname, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
        if (err) return callback(err);
        callback(null, addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
};

/** Alternates the families, first family first (RFC 8305 section 4). */
export function interleaveFamilies(addresses: readonly ResolvedAddress[]): ResolvedAddress[] {
    if (addresses.length < 2) return addresses.slice();
    const first = addresses[0].family;
    const same = addresses.filter((a) => a.family === first);
    const other = addresses.filter((a) => a.family !== first);
    const ordered: ResolvedAddress[] = [];
    for (let i = 0; i < Math.max(same.length, other.length); i++) {
        if (i < same.length) ordered.push(same[i]);
        if (i < other.length) ordered.push(other[i]);
    }
    return ordered;
}

/**
 * How long an attempt runs alone before the next address is tried too: the
 * RFC's 250 ms, shortened for short timeouts so that every address gets a
 * chance within the deadline.
 */
export function attemptDelayMs(timeoutMs: number, addressCount: number): number {
    return Math.min(250, Math.max(10, Math.floor(timeoutMs / (2 * addressCount))));
}

/**
 * `localhost` is the loopback interface on both families (RFC 6761), as
 * browsers and curl treat it, whatever the hosts file lists: a service on
 * 127.0.0.1 only or on ::1 only is found either way.
 */
const LOOPBACK_ADDRESSES: ResolvedAddress[] = [
    { address: '127.0.0.1', family: 4, optional: true },
    { address: '::1', family: 6, optional: true },
];

export function isLocalhost(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    return name === 'localhost' || name.endsWith('.localhost');
}

type Resolution = { addresses: ResolvedAddress[] } | { error: PortCheckError };

/**
 * One host's addresses, looked up once for all the ports of a check. Waiters
 * come and go with their own deadlines; the lookup itself cannot be
 * cancelled, so a late answer is kept for whoever asks next.
 */
class HostResolution {
    private result?: Resolution;
    /** Created on the first wait: literal IPs, the common case, never wait. */
    private waiters?: Set<(result: Resolution) => void>;
    private started = false;

    constructor(readonly host: ParsedHost, private readonly lookup: Lookup, private readonly reportFault: FaultHandler) {
        if (host.ipFamily !== 0) {
            this.result = { addresses: [{ address: host.target, family: host.ipFamily }] };
        } else if (isLocalhost(host.target)) {
            this.result = { addresses: LOOPBACK_ADDRESSES };
        }
    }

    /** The addresses (or the error) once known. */
    get known(): Resolution | undefined {
        return this.result;
    }

    /** Calls back at once when known, else when the lookup answers. Returns a canceller. */
    get(callback: (result: Resolution) => void): () => void {
        if (this.result) {
            callback(this.result);
            return noop;
        }
        const waiters = (this.waiters ??= new Set());
        waiters.add(callback);
        this.start();
        return () => waiters.delete(callback);
    }

    private start(): void {
        if (this.started) return;
        this.started = true;
        try {
            this.lookup(this.host.target, (err, addresses) => this.onLookup(err, addresses));
        } catch (err) {
            // The lookup itself refused the name (it threw rather than calling back).
            this.settle({ error: classifyLookupError(err, this.host.host) });
        }
    }

    private onLookup(err: NodeJS.ErrnoException | null, addresses: ResolvedAddress[] | undefined): void {
        let result: Resolution;
        try {
            result = this.resolutionOf(err, addresses);
        } catch (fault) {
            // An answer this code cannot read is its own fault, not the name's.
            this.reportFault(fault);
            result = { error: internalError(fault) };
        }
        this.settle(result);
    }

    private resolutionOf(err: NodeJS.ErrnoException | null, addresses: ResolvedAddress[] | undefined): Resolution {
        const host = this.host.host;
        if (err) return { error: classifyLookupError(err, host) };
        if (!addresses || addresses.length === 0) return { error: new PortCheckError('CANNOT_RESOLVE', { host, code: 'ENODATA' }, 'ENODATA') };
        const usable = addresses.filter((a) => !isUnspecifiedAddress(a.address));
        if (usable.length === 0) return { error: unspecifiedAnswer(host, addresses[0].address) };
        return { addresses: interleaveFamilies(usable) };
    }

    private settle(result: Resolution): void {
        if (this.result) return;
        this.result = result;
        const waiters = [...(this.waiters ?? [])];
        this.waiters?.clear();
        // Each waiter guards itself (PortProbe.onResolved): one fault cannot skip the others.
        for (const waiter of waiters) waiter(result);
    }
}

function noop(): void {
    // nothing to cancel
}

/** A name whose only addresses are 0.0.0.0 or :: (a DNS block list's answer) names no host to check. */
function unspecifiedAnswer(host: string, address: string): PortCheckError {
    return new PortCheckError('INVALID_HOST', { value: describeValue(host), reason: `resolves to ${address}, ${UNSPECIFIED_REASON}` });
}


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

/** Probes waiting for their deadline that share one timeout, in start order (so in deadline order). */
interface DueList {
    head?: PortProbe;
    tail?: PortProbe;
}

/**
 * The deadlines of a pool's probes under one timer: probes are kept in a
 * list per timeout, in start order, so adding, removing and finding the
 * expired ones is O(1) each, and a probe answered before its deadline costs
 * no timer of its own. The verdict of expired probes waits one turn of the
 * loop: a connection the kernel completed in time, but a busy loop has not
 * yet reported, is open, not filtered.
 */
class Deadlines {
    private readonly lists = new Map<number, DueList>();
    private waiting = 0;
    private timer?: NodeJS.Timeout;
    private timerAt = Infinity;
    private expired: PortProbe[] = [];
    private verdict?: NodeJS.Immediate;

    add(probe: PortProbe, timeoutMs: number, now: number): void {
        let list = this.lists.get(timeoutMs);
        if (!list) {
            list = {};
            this.lists.set(timeoutMs, list);
        }
        probe.deadlineAt = now + timeoutMs;
        probe.dueList = list;
        probe.previousDue = list.tail;
        if (list.tail) list.tail.nextDue = probe;
        else list.head = probe;
        list.tail = probe;
        // The timer keeps the process alive only while some probe waits for it.
        if (this.waiting++ === 0) this.timer?.ref();
        if (probe.deadlineAt < this.timerAt) this.arm(probe.deadlineAt, now);
    }

    remove(probe: PortProbe): void {
        const list = probe.dueList;
        if (!list) return;
        const { previousDue, nextDue } = probe;
        if (previousDue) previousDue.nextDue = nextDue;
        else list.head = nextDue;
        if (nextDue) nextDue.previousDue = previousDue;
        else list.tail = previousDue;
        probe.dueList = probe.previousDue = probe.nextDue = undefined;
        if (--this.waiting === 0) this.timer?.unref();
    }

    /** Forgets every probe and stops the timer: nothing is called back. */
    clear(): void {
        for (const list of this.lists.values()) {
            for (let probe = list.head; probe; probe = probe.nextDue) probe.dueList = undefined;
        }
        this.lists.clear();
        this.waiting = 0;
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.timerAt = Infinity;
        if (this.verdict) clearImmediate(this.verdict);
        this.verdict = undefined;
        this.expired = [];
    }

    private arm(at: number, now: number): void {
        if (this.timer) clearTimeout(this.timer);
        this.timerAt = at;
        this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(at - now)));
    }

    private readonly onTimer = (): void => {
        this.timer = undefined;
        this.timerAt = Infinity;
        const now = performance.now();
        let nextAt = Infinity;
        for (const [timeoutMs, list] of this.lists) {
            let probe = list.head;
            while (probe && probe.deadlineAt <= now) {
                const next = probe.nextDue;
                this.remove(probe);
                this.expired.push(probe);
                probe = next;
            }
            if (probe) nextAt = Math.min(nextAt, probe.deadlineAt);
            else this.lists.delete(timeoutMs);
        }
        if (nextAt !== Infinity) this.arm(nextAt, now);
        if (this.expired.length > 0) this.verdict ??= setImmediate(this.onVerdict);
    };

    private readonly onVerdict = (): void => {
        this.verdict = undefined;
        const expired = this.expired;
        this.expired = [];
        for (const probe of expired) {
            try {
                probe.onDeadline();
            } catch (fault) {
                probe.fault(fault);
            }
        }
    };
}

/** One connection attempt of a probe: the socket knows its probe, so its listeners are shared functions. */
class Attempt extends Socket {
    constructor(readonly probe: PortProbe, readonly target: ResolvedAddress) {
        super();
    }
}

function onAttemptConnect(this: Attempt): void {
    const probe = this.probe;
    try {
        probe.onConnect(this);
    } catch (fault) {
        probe.fault(fault);
    }
}

function onAttemptError(this: Attempt, err: NodeJS.ErrnoException): void {
    const probe = this.probe;
    try {
        probe.onError(this, err);
    } catch (fault) {
        probe.fault(fault);
    }
}

function destroyNow(socket: Socket): void {
    socket.destroy();
}

/** What a finished attempt said; `absent` marks a loopback this machine does not have. */
interface Answer {
    outcome: Classified;
    item: ResolvedAddress;
    absent: boolean;
}

/**
 * One port of one host: waits for the host's addresses, then connects to
 * them in turn (staggered, RFC 8305) until one answers open or all have
 * answered, all within one deadline. Tells its pool exactly once unless
 * cancelled.
 */
class PortProbe {
    // Links of the pool's deadline lists (see Deadlines).
    deadlineAt = 0;
    dueList?: DueList;
    previousDue?: PortProbe;
    nextDue?: PortProbe;

    private readonly started = performance.now();
    private staggerTimer?: NodeJS.Timeout;
    private cancelLookup?: () => void;
    /** Connections in flight: usually one, so the rest (happy eyeballs) go in an array made when needed. */
    private attempt?: Attempt;
    private moreAttempts?: Attempt[];
    private addresses: ResolvedAddress[] = [];
    private next = 0;
    private connections = 0;
    private selfConnects = 0;
    /** Made when a host has several addresses: a single one answers alone. */
    private answers?: Answer[];
    private finished = false;
    /** Set while start() runs: an answer then (a known DNS failure) is returned, not reported. */
    private starting = false;
    private answeredAtStart?: PortResult;

    constructor(
        private readonly pool: ProbePool,
        readonly check: Check,
        readonly index: number,
        private readonly port: number,
        private readonly timeoutMs: number,
        private readonly resolution: HostResolution,
        private readonly policy: TargetPolicy | undefined,
    ) {}

    /** Starts the probe; returns the result when it is known at once (no socket opened). */
    start(): PortResult | undefined {
        this.starting = true;
        this.pool.deadlines.add(this, this.timeoutMs, this.started);
        const known = this.resolution.known;
        if (known) this.onResolved(known);
        else this.cancelLookup = this.resolution.get((result) => this.guarded(() => this.onResolved(result)));
        this.starting = false;
        return this.answeredAtStart;
    }

    /**
     * A fault in this probe's own code (a bug, or a lookup that broke its
     * promise): the probe answers INTERNAL_ERROR, the pool goes on. Once it
     * has answered, the fault came after (from the pool or its caller) and
     * is only reported.
     */
    fault(err: unknown): void {
        this.pool.reportFault(err);
        if (this.finished) return;
        this.finish({ error: internalError(err) }, undefined);
    }

    /** The answer of a probe whose start() threw: nothing of it is in flight. */
    faultResult(err: unknown): PortResult {
        return {
            host: this.resolution.host.host, port: this.port, address: '', family: 0,
            latencyMs: roundMs(performance.now() - this.started), connections: this.connections, error: internalError(err),
        };
    }

    private guarded(step: () => void): void {
        try {
            step();
        } catch (fault) {
            this.fault(fault);
        }
    }

    cancel(): void {
        if (this.finished) return;
        this.finished = true;
        this.cleanUp(false);
    }

    private onResolved(result: Resolution): void {
        if (this.finished) return;
        if ('error' in result) return this.finish({ error: result.error }, undefined);
        this.addresses = this.permitted(result.addresses);
        if (this.addresses.length === 0) {
            const host = this.resolution.host.host;
            const error = new PortCheckError('TARGET_NOT_ALLOWED', { target: `${host}:${this.port}` });
            return this.finish({ error }, undefined);
        }
        this.startNextAttempt();
    }

    private permitted(addresses: ResolvedAddress[]): ResolvedAddress[] {
        const policy = this.policy;
        if (!policy) return addresses;
        const hostname = this.resolution.host.target;
        return addresses.filter((a) => policy.permits(hostname, a.address, a.family, this.port));
    }

    private startNextAttempt(): void {
        if (this.staggerTimer) {
            clearTimeout(this.staggerTimer);
            this.staggerTimer = undefined;
        }
        if (this.next >= this.addresses.length) return;
        const address = this.addresses[this.next++];
        this.connect(address);
        if (this.next < this.addresses.length) {
            this.staggerTimer = setTimeout(
                () => this.guarded(() => this.startNextAttempt()),
                attemptDelayMs(this.timeoutMs, this.addresses.length),
            );
        }
    }

    private connect(address: ResolvedAddress): void {
        this.connections++;
        const attempt = new Attempt(this, address);
        if (!this.attempt) this.attempt = attempt;
        else (this.moreAttempts ??= []).push(attempt);
        attempt.on('connect', onAttemptConnect);
        attempt.on('error', onAttemptError);
        attempt.connect({ host: address.address, port: this.port, family: address.family });
    }

    onConnect(attempt: Attempt): void {
        this.forget(attempt);
        const address = attempt.target;
        const selfConnect = mayBeLocalPort(this.port) && isSelfConnect(attempt, address.address, this.port);
        // A reset rather than a FIN: no TIME_WAIT left behind on long scans.
        attempt.resetAndDestroy();
        if (this.finished) return;
        if (selfConnect) {
            // The kernel picked the probed port itself as our local port and
            // the socket met itself (TCP simultaneous open): nobody listens
            // there. Try again from another local port.
            if (this.selfConnects++ === 0) return this.connect(address);
            return this.onAttemptFailed(CLOSED, address);
        }
        this.finish(OPEN, address);
    }

    onError(attempt: Attempt, err: NodeJS.ErrnoException): void {
        if (!this.forget(attempt)) return;
        attempt.destroy();
        const address = attempt.target;
        const outcome = err.code === 'ECONNREFUSED' ? CLOSED : classifyConnectError(err, `${address.address}:${this.port}`);
        this.onAttemptFailed(outcome, address);
    }

    /** Takes an attempt off the in-flight list; false when it was no longer there. */
    private forget(attempt: Attempt): boolean {
        if (this.attempt === attempt) {
            this.attempt = this.moreAttempts?.shift();
            return true;
        }
        const index = this.moreAttempts?.indexOf(attempt) ?? -1;
        if (index === -1) return false;
        this.moreAttempts?.splice(index, 1);
        return true;
    }

    private onAttemptFailed(outcome: Classified, address: ResolvedAddress): void {
        if (this.finished) return;
        // A single address answers alone, even a loopback this machine lacks.
        if (this.addresses.length === 1) return this.finish(outcome, address);
        const absent = address.optional === true && 'error' in outcome && ADDRESS_MISSING_CODES.has(outcome.error.systemCode ?? '');
        (this.answers ??= []).push({ outcome, item: address, absent });
        if (this.next < this.addresses.length) return this.startNextAttempt();
        if (!this.attempt) this.settleAnswers();
    }

    private inFlight(): Attempt[] {
        return this.attempt ? [this.attempt, ...(this.moreAttempts ?? [])] : [];
    }

    onDeadline(): void {
        if (this.finished) return;
        if (this.addresses.length === 0) {
            // Still waiting for DNS: no address, so no port state either.
            const host = this.resolution.host.host;
            const error = new PortCheckError('CANNOT_RESOLVE', { host, code: 'ETIMEOUT' }, 'ETIMEOUT');
            return this.finish({ error }, undefined);
        }
        // The attempts still in flight had no answer: filtered.
        if (this.addresses.length === 1) return this.finish(FILTERED, this.addresses[0]);
        const answers = (this.answers ??= []);
        for (const { target } of this.inFlight()) answers.push({ outcome: FILTERED, item: target, absent: false });
        this.settleAnswers();
    }

    private settleAnswers(): void {
        const answers = this.answers ?? [];
        // A loopback this machine does not have is left out, unless it is all there is.
        const present = answers.filter((answer) => !answer.absent);
        const { outcome, item } = combineOutcomes(present.length > 0 ? present : answers);
        this.finish(outcome, item);
    }

    private finish(outcome: Classified, address: ResolvedAddress | undefined): void {
        if (this.finished) return;
        this.finished = true;
        this.cleanUp(true);
        const latencyMs = roundMs(performance.now() - this.started);
        const result: PortResult = {
            host: this.resolution.host.host,
            port: this.port,
            address: address?.address ?? '',
            family: address?.family ?? 0,
            latencyMs,
            connections: this.connections,
        };
        if ('state' in outcome) result.state = outcome.state;
        else result.error = outcome.error;
        if (this.starting) this.answeredAtStart = result;
        else this.pool.onProbeResult(this, result);
    }

    /**
     * Stops what is left of the probe. Once it has answered, its remaining
     * connections (a filtered port's, happy eyeballs' other ones) are closed
     * after the answer is out: a batch of expired probes answers first and
     * pays for its close() calls afterwards.
     */
    private cleanUp(answered: boolean): void {
        this.pool.deadlines.remove(this);
        if (this.staggerTimer) clearTimeout(this.staggerTimer);
        this.cancelLookup?.();
        const close = answered ? this.pool.closeSoon : destroyNow;
        if (this.attempt) close(this.attempt);
        if (this.moreAttempts) for (const attempt of this.moreAttempts) close(attempt);
        this.attempt = this.moreAttempts = undefined;
    }
}

/** The longest an answered probe's leftover connection waits to be closed (see ProbePool.closeSoon). */
const CLOSE_DELAY_MAX_MS = 20;

/** From this many ports of one IP, a check is spread over threads (see ProbePool). */
export const THREADED_SCAN_MIN_PORTS = 8192;

/** A check's callback: its results, with the request they answer. */
export type CheckCallback<R extends CheckRequest> = (results: PortResult[], request: R) => void;

/**
 * One check: hosts × ports, probed under the pool's cap. Made when it
 * leaves the queue (messages can queue by the hundred thousand, and a
 * queued one is only its request and callback).
 */
class Check {
    nextProbe = 0;
    private results?: PortResult[];
    private remaining = 0;
    /** One per host; a single host's is kept alone (the common case needs no array). */
    private resolutions?: HostResolution | HostResolution[];

    constructor(
        readonly request: CheckRequest,
        private readonly callback: CheckCallback<CheckRequest>,
        private readonly reportFault: FaultHandler,
    ) {}

    get size(): number {
        return this.request.hosts.length * this.request.ports.length;
    }

    hasProbesToStart(): boolean {
        return this.nextProbe < this.size;
    }

    /** Called before the first probe starts. */
    begin(resolve: (host: ParsedHost) => HostResolution): void {
        const hosts = this.request.hosts;
        this.results = new Array(this.size);
        this.remaining = this.size;
        this.resolutions = hosts.length === 1 ? resolve(hosts[0]) : hosts.map(resolve);
    }

    portOf(index: number): number {
        const ports = this.request.ports;
        return ports.length === 1 ? ports[0] : ports[index % ports.length];
    }

    resolutionOf(index: number): HostResolution {
        const resolutions = this.resolutions as HostResolution | HostResolution[];
        return Array.isArray(resolutions) ? resolutions[Math.floor(index / this.request.ports.length)] : resolutions;
    }

    /** All results at once (a scan spread over threads). */
    complete(results: PortResult[]): void {
        this.answer(results);
    }

    onResult(index: number, result: PortResult): void {
        const results = this.results as PortResult[];
        results[index] = result;
        if (--this.remaining === 0) this.answer(results);
    }

    /** The caller's callback runs inside the pool's loops: a throw there must not stop them. */
    private answer(results: PortResult[]): void {
        try {
            this.callback(results, this.request);
        } catch (fault) {
            this.reportFault(fault);
        }
    }
}

/**
 * Runs checks with at most `concurrency` port probes in flight; the rest
 * wait in a first-in first-out queue. Each check calls back once with one
 * result per port, in the order of its ports, unless it is cancelled. The
 * probes' deadlines share one timer; a scan of thousands of ports of one IP
 * is spread over worker threads (ScanWorkers).
 */
export class ProbePool {
    /** Waiting checks, from queueHead on: each one's request and callback (undefined once gone). */
    private readonly queuedRequests: Array<CheckRequest | undefined> = [];
    private readonly queuedCallbacks: Array<CheckCallback<CheckRequest> | undefined> = [];
    private queueHead = 0;
    /** The check whose probes are being started: it has left the queue. */
    private current?: Check;
    private inFlight = 0;
    private readonly active = new Set<PortProbe>();
    readonly deadlines = new Deadlines();
    /**
     * Connections of answered probes (a filtered port's), closed once the
     * answers stop coming: when a millisecond passes with no new one, or at
     * most CLOSE_DELAY_MAX_MS after the first. Hundreds of deadlines expire
     * together; their answers (and Node-RED's delivery of them) go out
     * first, and the close() calls, which cost as much again, come after.
     * Until then each keeps its probe's place under the cap, so the sockets
     * open never outnumber Max concurrent.
     */
    private closing: Socket[] = [];
    private closingSince = 0;
    private closingAdded = false;
    private closingTimer?: NodeJS.Timeout;

    readonly closeSoon = (socket: Socket): void => {
        if (this.closing.length === 0) this.closingSince = performance.now();
        this.closing.push(socket);
        this.closingAdded = true;
        this.closingTimer ??= setTimeout(this.closeWhenQuiet, 1);
    };

    private readonly closeWhenQuiet = (): void => {
        this.closingTimer = undefined;
        if (this.closingAdded && performance.now() - this.closingSince < CLOSE_DELAY_MAX_MS) {
            this.closingAdded = false;
            this.closingTimer = setTimeout(this.closeWhenQuiet, 1);
            return;
        }
        this.closeAll();
    };

    private readonly closeAll = (): void => {
        if (this.closingTimer) clearTimeout(this.closingTimer);
        this.closingTimer = undefined;
        this.closingAdded = false;
        const closing = this.closing;
        this.closing = [];
        for (const socket of closing) socket.destroy();
        this.pump();
    };

    /** Threads for big scans, made on the first one; none inside a thread. */
    private workers?: ScanWorkers;
    private readonly scanThreads: number;
    /** A check spread over threads: it holds every place under the cap until it answers. */
    private scan?: ScanTicket;

    /** Told of every fault the pool contained (each also failed its probe or check). */
    readonly reportFault: FaultHandler;

    constructor(
        readonly concurrency: number,
        private readonly lookup: Lookup = systemLookup,
        { scanThreads = isMainThread ? defaultThreadCount() : 1, onFault = warnFault }: { scanThreads?: number; onFault?: FaultHandler } = {},
    ) {
        this.scanThreads = scanThreads;
        this.reportFault = onFault;
    }

    get activeProbes(): number {
        return this.scan ? this.concurrency : this.inFlight;
    }

    /**
     * Starts a check; the callback gets one result per host and port, host
     * by host, and the request itself (so that one function can serve many
     * checks). A check of no host or no port calls back at once.
     */
    check<R extends CheckRequest>(request: R, callback: CheckCallback<R>): void {
        if (request.hosts.length === 0 || request.ports.length === 0) return callback([], request);
        this.queuedRequests.push(request);
        this.queuedCallbacks.push(callback as CheckCallback<CheckRequest>);
        this.pump();
    }

    /**
     * A host's addresses. Literal IPs and localhost need no lookup and never
     * change, so their resolutions are shared by every check of the pool.
     */
    private readonly resolutionOf = (host: ParsedHost): HostResolution => {
        // A node's fixed host is the same parsed object message after message.
        if (host === this.lastFixed?.host) return this.lastFixed;
        if (host.ipFamily === 0 && !isLocalhost(host.target)) return new HostResolution(host, this.lookup, this.reportFault);
        const key = `${host.host}\0${host.target}`;
        let resolution = this.fixedResolutions.get(key);
        if (!resolution) {
            resolution = new HostResolution(host, this.lookup, this.reportFault);
            if (this.fixedResolutions.size >= 1024) this.fixedResolutions.clear();
            this.fixedResolutions.set(key, resolution);
        }
        this.lastFixed = resolution;
        return resolution;
    };

    private readonly fixedResolutions = new Map<string, HostResolution>();
    private lastFixed?: HostResolution;

    /** Cancels every check: sockets destroyed, timers cleared, no callback. */
    cancelAll(): void {
        this.queuedRequests.length = 0;
        this.queuedCallbacks.length = 0;
        this.queueHead = 0;
        this.current = undefined;
        for (const probe of this.active) probe.cancel();
        this.active.clear();
        this.inFlight = 0;
        this.deadlines.clear();
        this.closeAll();
        this.scan?.cancel();
        this.scan = undefined;
        // The threads end with the checks (a node's close): nothing is left running.
        void this.workers?.close();
        this.workers = undefined;
    }

    /** From a probe: its one answer. */
    onProbeResult(probe: PortProbe, result: PortResult): void {
        this.active.delete(probe);
        this.inFlight--;
        probe.check.onResult(probe.index, result);
        this.pump();
    }

    private pump(): void {
        while (!this.scan && this.inFlight + this.closing.length < this.concurrency) {
            const check = this.nextCheck();
            if (!check) return;
            if (check.nextProbe === 0 && this.spreadsOverThreads(check)) {
                // It takes every place under the cap, once the probes before it are done.
                if (this.inFlight + this.closing.length === 0) this.startScan(check);
                return;
            }
            this.startProbe(check, check.nextProbe++);
        }
    }

    /**
     * A scan of thousands of ports of one IP spends its time making
     * connections, which one thread can only make one after another: it is
     * split over threads, each with its share of the cap. Below this size,
     * starting the threads costs more than they save (measured).
     */
    private spreadsOverThreads(check: Check): boolean {
        const { hosts, ports } = check.request;
        return this.scanThreads > 1 && this.concurrency >= 2 && hosts.length === 1 && hosts[0].ipFamily !== 0
            && ports.length >= THREADED_SCAN_MIN_PORTS;
    }

    private startScan(check: Check): void {
        const { hosts: [host], ports, timeoutMs, policy } = check.request;
        check.nextProbe = check.size;
        // The allow-list is applied here, as a probe would: a port not allowed is never connected to.
        const results: PortResult[] = new Array(ports.length);
        const allowed: number[] = [];
        const allowedAt: number[] = [];
        ports.forEach((port, index) => {
            if (!policy || policy.permits(host.target, host.target, host.ipFamily as 4 | 6, port)) {
                allowed.push(port);
                allowedAt.push(index);
                return;
            }
            results[index] = {
                host: host.host, port, address: '', family: 0, latencyMs: 0, connections: 0,
                error: new PortCheckError('TARGET_NOT_ALLOWED', { target: `${host.host}:${port}` }),
            };
        });
        const workers = (this.workers ??= new ScanWorkers(this.scanThreads, this.reportFault));
        const ticket = workers.scan({ host, ports: allowed, timeoutMs, concurrency: this.concurrency }, (scanned) => {
            this.scan = undefined;
            scanned.forEach((result, i) => { results[allowedAt[i]] = result; });
            check.complete(results);
            this.pump();
        });
        this.scan = ticket;
    }

    /** The check with a port left to start: the current one, or the next from the queue. */
    private nextCheck(): Check | undefined {
        if (this.current?.hasProbesToStart()) return this.current;
        this.current = undefined;
        const requests = this.queuedRequests;
        const callbacks = this.queuedCallbacks;
        while (this.queueHead < requests.length) {
            const request = requests[this.queueHead];
            const callback = callbacks[this.queueHead];
            requests[this.queueHead] = callbacks[this.queueHead] = undefined;
            this.queueHead++;
            if (request && callback) {
                // Drop the used front of the arrays now and then: O(1) amortised.
                if (this.queueHead >= 1024 && this.queueHead * 2 >= requests.length) {
                    requests.splice(0, this.queueHead);
                    callbacks.splice(0, this.queueHead);
                    this.queueHead = 0;
                }
                return (this.current = new Check(request, callback, this.reportFault));
            }
        }
        requests.length = 0;
        callbacks.length = 0;
        this.queueHead = 0;
        return undefined;
    }

    private startProbe(check: Check, index: number): void {
        if (index === 0) check.begin(this.resolutionOf);
        const { timeoutMs, policy } = check.request;
        const probe = new PortProbe(this, check, index, check.portOf(index), timeoutMs, check.resolutionOf(index), policy);
        let answeredAtOnce: PortResult | undefined;
        try {
            answeredAtOnce = probe.start();
        } catch (fault) {
            // Nothing of it is in flight yet: it answers here, as a probe answered at once.
            probe.cancel();
            this.reportFault(fault);
            answeredAtOnce = probe.faultResult(fault);
        }
        // Answered at once (a known DNS failure, a target not allowed): no
        // socket was opened, and the caller's loop goes on, so no recursion
        // into pump() however many ports the check has.
        if (answeredAtOnce) return check.onResult(index, answeredAtOnce);
        this.inFlight++;
        this.active.add(probe);
    }
}

/** One port, one host, no pool: for scripts and benchmarks. */
export function probePort(
    host: ParsedHost,
    port: number,
    timeoutMs: number,
    lookup: Lookup = systemLookup,
): Promise<PortResult> {
    return new Promise((resolve) => {
        new ProbePool(1, lookup).check({ hosts: [host], ports: [port], timeoutMs }, (results) => resolve(results[0]));
    });
}
