/**
 * The TCP probe: resolve a host with a deadline, connect to each of its
 * addresses (happy eyeballs), classify the answer, time it. Knows nothing of
 * Node-RED. `ProbePool` runs the probes of many checks under one cap on
 * probes in flight and cancels them all on demand.
 */
import { Socket } from 'net';
import { lookup as dnsLookup } from 'dns';
import { performance } from 'perf_hooks';
import { PortCheckError } from './errors';
import type { ParsedHost } from './ports';
import type { TargetPolicy } from './allow';

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

    constructor(readonly host: ParsedHost, private readonly lookup: Lookup) {
        if (host.ipFamily !== 0) {
            this.result = { addresses: [{ address: host.target, family: host.ipFamily }] };
        } else if (isLocalhost(host.target)) {
            this.result = { addresses: LOOPBACK_ADDRESSES };
        }
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
        const settle = (result: Resolution): void => {
            this.result = result;
            const waiters = [...(this.waiters ?? [])];
            this.waiters?.clear();
            for (const waiter of waiters) waiter(result);
        };
        try {
            this.lookup(this.host.target, (err, addresses) => {
                if (err) return settle({ error: classifyLookupError(err, this.host.host) });
                if (!addresses || addresses.length === 0) {
                    return settle({ error: new PortCheckError('CANNOT_RESOLVE', { host: this.host.host, code: 'ENODATA' }, 'ENODATA') });
                }
                settle({ addresses: interleaveFamilies(addresses) });
            });
        } catch (err) {
            settle({ error: classifyLookupError(err, this.host.host) });
        }
    }
}

function noop(): void {
    // nothing to cancel
}

/**
 * True when a connection's two ends are the same socket. The probed address
 * and port are known, so one getsockname() tells it.
 */
export function isSelfConnect(socket: Socket, address: string, port: number): boolean {
    return socket.localPort === port && socket.localAddress === address;
}

/**
 * One port of one host: waits for the host's addresses, then connects to
 * them in turn (staggered, RFC 8305) until one answers open or all have
 * answered, all within one deadline. Calls back exactly once unless cancelled.
 */
class PortProbe {
    private readonly started = performance.now();
    private readonly deadline: NodeJS.Timeout;
    private staggerTimer?: NodeJS.Timeout;
    private verdict?: NodeJS.Immediate;
    private cancelLookup: () => void = noop;
    /** Connections in flight, with the address each one tries. */
    private attempts: Array<{ socket: Socket; address: ResolvedAddress }> = [];
    private addresses: ResolvedAddress[] = [];
    private next = 0;
    private connections = 0;
    private selfConnects = 0;
    /** What each finished attempt said; `absent` marks a loopback this machine does not have. */
    private answers: Array<{ outcome: Classified; item: ResolvedAddress; absent: boolean }> = [];
    private finished = false;

    constructor(
        private readonly port: number,
        private readonly timeoutMs: number,
        private readonly resolution: HostResolution,
        private readonly policy: TargetPolicy | undefined,
        private readonly callback: (result: PortResult) => void,
    ) {
        // The verdict waits one turn of the loop past the deadline: a connection
        // the kernel completed in time, but a busy loop has not yet reported,
        // is open, not filtered.
        this.deadline = setTimeout(() => {
            this.verdict = setImmediate(() => this.onDeadline());
        }, timeoutMs);
        this.cancelLookup = resolution.get((result) => this.onResolved(result));
    }

    cancel(): void {
        if (this.finished) return;
        this.finished = true;
        this.cleanUp();
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
        this.connections++;
        this.connect(address);
        if (this.next < this.addresses.length) {
            this.staggerTimer = setTimeout(
                () => this.startNextAttempt(),
                attemptDelayMs(this.timeoutMs, this.addresses.length),
            );
        }
    }

    private connect(address: ResolvedAddress): void {
        const socket = new Socket();
        const attempt = { socket, address };
        this.attempts.push(attempt);
        socket.once('connect', () => {
            this.forget(attempt);
            const selfConnect = isSelfConnect(socket, address.address, this.port);
            // A reset rather than a FIN: no TIME_WAIT left behind on long scans.
            socket.resetAndDestroy();
            if (selfConnect) {
                // The kernel picked the probed port itself as our local port and
                // the socket met itself (TCP simultaneous open): nobody listens
                // there. Try again from another local port.
                if (this.selfConnects++ === 0) {
                    this.connections++;
                    return this.connect(address);
                }
                return this.onAttemptFailed(CLOSED, address);
            }
            this.finish(OPEN, address);
        });
        socket.on('error', (err: NodeJS.ErrnoException) => {
            if (!this.forget(attempt)) return;
            socket.destroy();
            const outcome = err.code === 'ECONNREFUSED' ? CLOSED : classifyConnectError(err, `${address.address}:${this.port}`);
            this.onAttemptFailed(outcome, address);
        });
        socket.connect({ host: address.address, port: this.port, family: address.family });
    }

    /** Takes an attempt off the in-flight list; false when it was no longer there. */
    private forget(attempt: { socket: Socket; address: ResolvedAddress }): boolean {
        const index = this.attempts.indexOf(attempt);
        if (index === -1) return false;
        this.attempts.splice(index, 1);
        return true;
    }

    private onAttemptFailed(outcome: Classified, address: ResolvedAddress): void {
        if (this.finished) return;
        const absent = address.optional === true && 'error' in outcome && ADDRESS_MISSING_CODES.has(outcome.error.systemCode ?? '');
        this.answers.push({ outcome, item: address, absent });
        if (this.next < this.addresses.length) return this.startNextAttempt();
        if (this.attempts.length === 0) this.settleAnswers();
    }

    private onDeadline(): void {
        if (this.finished) return;
        if (this.addresses.length === 0) {
            // Still waiting for DNS: no address, so no port state either.
            const host = this.resolution.host.host;
            const error = new PortCheckError('CANNOT_RESOLVE', { host, code: 'ETIMEOUT' }, 'ETIMEOUT');
            return this.finish({ error }, undefined);
        }
        // The attempts still in flight had no answer: filtered.
        for (const { address } of this.attempts) this.answers.push({ outcome: FILTERED, item: address, absent: false });
        this.settleAnswers();
    }

    private settleAnswers(): void {
        // A loopback this machine does not have is left out, unless it is all there is.
        const present = this.answers.filter((answer) => !answer.absent);
        const { outcome, item } = combineOutcomes(present.length > 0 ? present : this.answers);
        this.finish(outcome, item);
    }

    private finish(outcome: Classified, address: ResolvedAddress | undefined): void {
        if (this.finished) return;
        this.finished = true;
        this.cleanUp();
        const latencyMs = Math.round((performance.now() - this.started) * 100) / 100;
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
        this.callback(result);
    }

    private cleanUp(): void {
        clearTimeout(this.deadline);
        if (this.verdict) clearImmediate(this.verdict);
        if (this.staggerTimer) clearTimeout(this.staggerTimer);
        this.cancelLookup();
        for (const { socket } of this.attempts) socket.destroy();
        this.attempts = [];
    }
}

/** One check: hosts × ports, probed under the pool's cap. */
class Check implements CheckTicket {
    readonly results: PortResult[];
    readonly size: number;
    nextProbe = 0;
    private remaining: number;
    /** Probes in flight; made when the first one starts (queued checks are many, and small). */
    active?: Set<PortProbe>;
    private readonly resolutions: HostResolution[];
    cancelled = false;

    constructor(
        readonly request: CheckRequest,
        resolve: (host: ParsedHost) => HostResolution,
        private readonly pool: PoolHooks,
        readonly callback: (results: PortResult[]) => void,
    ) {
        this.size = request.hosts.length * request.ports.length;
        this.results = new Array(this.size);
        this.remaining = this.size;
        this.resolutions = request.hosts.map(resolve);
    }

    cancel(): void {
        this.pool.cancel(this);
    }

    hasProbesToStart(): boolean {
        return !this.cancelled && this.nextProbe < this.size;
    }

    portOf(index: number): number {
        return this.request.ports[index % this.request.ports.length];
    }

    resolutionOf(index: number): HostResolution {
        return this.resolutions[Math.floor(index / this.request.ports.length)];
    }

    onResult(index: number, result: PortResult): void {
        this.results[index] = result;
        if (--this.remaining === 0) this.pool.done(this);
    }
}

/** What a check tells its pool: shared functions, not closures per check. */
interface PoolHooks {
    cancel(check: Check): void;
    done(check: Check): void;
}

/** A handle on a started check, to cancel it. */
export interface CheckTicket {
    cancel(): void;
}

/**
 * Runs checks with at most `concurrency` port probes in flight; the rest
 * wait in a first-in first-out queue. Each check calls back once with one
 * result per port, in the order of its ports, unless it is cancelled.
 */
export class ProbePool {
    /** Waiting checks from queueHead on; started ones are cleared to undefined. */
    private readonly queue: Array<Check | undefined> = [];
    private queueHead = 0;
    private inFlight = 0;
    private readonly checks = new Set<Check>();

    constructor(
        readonly concurrency: number,
        private readonly lookup: Lookup = systemLookup,
    ) {}

    get activeProbes(): number {
        return this.inFlight;
    }

    /** Starts a check; the callback gets one result per host and port, host by host. */
    check(request: CheckRequest, callback: (results: PortResult[]) => void): CheckTicket {
        const check = new Check(request, this.resolutionOf, this.hooks, callback);
        this.checks.add(check);
        this.queue.push(check);
        this.pump();
        return check;
    }

    private readonly hooks: PoolHooks = {
        cancel: (check) => this.cancelCheck(check),
        done: (check) => {
            this.checks.delete(check);
            check.callback(check.results);
        },
    };

    /**
     * A host's addresses. Literal IPs and localhost need no lookup and never
     * change, so their resolutions are shared by every check of the pool.
     */
    private readonly resolutionOf = (host: ParsedHost): HostResolution => {
        if (host.ipFamily === 0 && !isLocalhost(host.target)) return new HostResolution(host, this.lookup);
        const key = `${host.host}\0${host.target}`;
        let resolution = this.fixedResolutions.get(key);
        if (!resolution) {
            resolution = new HostResolution(host, this.lookup);
            if (this.fixedResolutions.size >= 1024) this.fixedResolutions.clear();
            this.fixedResolutions.set(key, resolution);
        }
        return resolution;
    };

    private readonly fixedResolutions = new Map<string, HostResolution>();

    /** Cancels every check: sockets destroyed, timers cleared, no callback. */
    cancelAll(): void {
        for (const check of this.checks) this.stopCheck(check);
        this.checks.clear();
        this.queue.length = 0;
        this.queueHead = 0;
    }

    private cancelCheck(check: Check): void {
        if (!this.checks.delete(check)) return;
        this.stopCheck(check);
        this.pump();
    }

    private stopCheck(check: Check): void {
        check.cancelled = true;
        if (!check.active) return;
        for (const probe of check.active) probe.cancel();
        this.inFlight -= check.active.size;
        check.active.clear();
    }

    private pump(): void {
        while (this.inFlight < this.concurrency) {
            const check = this.headOfQueue();
            if (!check) return;
            this.startProbe(check, check.nextProbe++);
        }
    }

    /**
     * The first check with a port left to start. Checks that have started all
     * their ports leave the queue at once, so a queue that never empties
     * under steady traffic holds only the waiting ones.
     */
    private headOfQueue(): Check | undefined {
        const queue = this.queue;
        while (this.queueHead < queue.length) {
            const check = queue[this.queueHead];
            if (check && check.hasProbesToStart()) {
                // Drop the used front of the array now and then: O(1) amortised.
                if (this.queueHead >= 1024 && this.queueHead * 2 >= queue.length) {
                    queue.splice(0, this.queueHead);
                    this.queueHead = 0;
                }
                return check;
            }
            queue[this.queueHead++] = undefined;
        }
        queue.length = 0;
        this.queueHead = 0;
        return undefined;
    }

    private startProbe(check: Check, index: number): void {
        const { timeoutMs, policy } = check.request;
        let probe: PortProbe | undefined;
        let answeredAtOnce: PortResult | undefined;
        const onResult = (result: PortResult): void => {
            if (!probe) {
                // Answered inside the constructor (a known DNS failure): no
                // socket was opened, and the caller's loop goes on, so no
                // recursion into pump() however many ports the check has.
                answeredAtOnce = result;
                return;
            }
            check.active?.delete(probe);
            this.inFlight--;
            check.onResult(index, result);
            this.pump();
        };
        probe = new PortProbe(check.portOf(index), timeoutMs, check.resolutionOf(index), policy, onResult);
        if (answeredAtOnce) {
            check.onResult(index, answeredAtOnce);
            return;
        }
        this.inFlight++;
        (check.active ??= new Set()).add(probe);
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
