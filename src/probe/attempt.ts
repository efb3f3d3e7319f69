/**
 * One port of one host: wait for the host's addresses, connect to them in
 * turn (happy eyeballs, RFC 8305) until one answers open or all have
 * answered, within one deadline; rule out a socket that met itself. Tells
 * its owner (the pool) exactly once, unless cancelled.
 */
import { Socket } from 'net';
import { readFileSync } from 'fs';
import { performance } from 'perf_hooks';
import { PortCheckError, internalError, type FaultHandler } from '../errors';
import type { TargetPolicy } from '../parse/allow';
import { roundMs } from '../util/time';
import { ADDRESS_MISSING_CODES, CLOSED, FILTERED, OPEN, classifyConnectError, combineOutcomes } from './classify';
import type { Deadlines, Due } from './deadlines';
import type { HostResolution } from './resolve';
import type { Classified, PortResult, Resolution, ResolvedAddress } from './types';

/** The pool, as a probe sees it. */
export interface ProbeOwner {
    readonly deadlines: Deadlines<PortProbe>;
    /** Closes an answered probe's leftover connection soon (see ProbePool). */
    closeSoon(socket: Socket): void;
    /** A probe's one answer. */
    onProbeResult(probe: PortProbe, result: PortResult): void;
    reportFault: FaultHandler;
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
export class PortProbe implements Due {
    // Its place in the pool's deadline lists (see Deadlines).
    deadlineAt = 0;
    listPrevious?: Due;
    listNext?: Due;
    listOwner?: { remove(item: Due): boolean };

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
        private readonly pool: ProbeOwner,
        /** Which check, and which of its probes, this is: the pool's business. */
        readonly check: { onResult(index: number, result: PortResult): void },
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
