/**
 * One port of one host: wait for the host's addresses, connect to them in
 * turn (happy eyeballs, RFC 8305) until one answers open or all have
 * answered, within one deadline; connect to an address again when it has
 * not answered for a while (a lost SYN or SYN-ACK is not a firewall); rule
 * out a socket that met itself. Tells its owner (the pool) exactly once,
 * unless cancelled.
 */
import type { Socket } from 'net';
import { performance } from 'perf_hooks';
import { PortCheckError, internalError, type FaultHandler } from '../errors';
import type { TargetPolicy } from '../parse/allow';
import { roundMs } from '../util/time';
import { ADDRESS_MISSING_CODES, CLOSED, FILTERED, OPEN, cannotResolve, classifyConnectError, combineOutcomes } from './classify';
import { Attempt, destroyNow, onAttemptConnect, onAttemptError, type AttemptOwner } from './connection';
import type { Deadlines, Due } from './deadlines';
import type { HostResolution } from './resolve';
import type { ServiceSpec } from '../parse/service';
import { ServiceCheck } from '../service/check';
import type { ServiceResult } from '../service/types';
import { MAX_RESENDS, type RttEstimator } from './rtt';
import { isSelfConnect, mayBeLocalPort } from './self-connect';
import type { Classified, PortResult, Resolution, ResolvedAddress } from './types';

/** The pool, as a probe sees it. */
export interface ProbeOwner {
    readonly deadlines: Deadlines<PortProbe>;
    /** When each connection attempt is due for a re-send (see Resends). */
    readonly resends: Deadlines<Attempt>;
    readonly rtt: RttEstimator;
    /** Closes an answered probe's leftover connection soon (see ProbePool). */
    closeSoon(socket: Socket): void;
    /** A probe's one answer. */
    onProbeResult(probe: PortProbe, result: PortResult): void;
    /** Asks for a place under the cap (and the rate) for a re-send; `probe.resend(address, tryNumber)` is called when there is one. */
    requestResend(probe: PortProbe, address: ResolvedAddress, tryNumber: number): void;
    /** A re-sent connection has ended: its place under the cap is free. */
    resendEnded(): void;
    /** A connection attempt outside the pool's pacing (happy eyeballs, a self-connect's retry). */
    spendConnect(): void;
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

/** What a finished attempt said; `absent` marks a loopback this machine does not have. */
interface Answer {
    outcome: Classified;
    item: ResolvedAddress;
    absent: boolean;
}

/**
 * One port of one host: waits for the host's addresses, then connects to
 * them in turn (staggered, RFC 8305) until one answers open or all have
 * answered, all within one deadline. An address that has not answered for
 * a re-send interval is connected to again (the first answer wins). Tells
 * its pool exactly once unless cancelled.
 */
export class PortProbe implements Due, AttemptOwner {
    // Its place in the pool's deadline lists (see Deadlines).
    deadlineAt = 0;
    listPrevious?: Due;
    listNext?: Due;
    listOwner?: { remove(item: Due): boolean };

    private readonly started = performance.now();
    private staggerTimer?: NodeJS.Timeout;
    private cancelLookup?: () => void;
    /** Connections in flight: usually one, so the rest (happy eyeballs, re-sends) go in an array made when needed. */
    private attempt?: Attempt;
    private moreAttempts?: Attempt[];
    private addresses: ResolvedAddress[] = [];
    private next = 0;
    private connections = 0;
    private selfConnects = 0;
    /** From the start to the addresses being known; 0 when they were known at once. */
    private dnsMs = 0;
    /** Made when a host has several addresses: a single one answers alone. */
    private answers?: Answer[];
    private finished = false;
    /** Set while start() runs: an answer then (a known DNS failure) is returned, not reported. */
    private starting = false;
    private answeredAtStart?: PortResult;
    /** Running once the port is open and has a service to check. */
    private serviceCheck?: ServiceCheck;

    constructor(
        private readonly pool: ProbeOwner,
        /** Which check, and which of its probes, this is: the pool's business. */
        readonly check: { onResult(index: number, result: PortResult): void },
        readonly index: number,
        private readonly port: number,
        private readonly timeoutMs: number,
        private readonly resolution: HostResolution,
        private readonly policy: TargetPolicy | undefined,
        /** 4 or 6: that family's addresses only (IP version); 0: all of them. */
        private readonly family: 0 | 4 | 6 = 0,
        /** What an open port's service must answer before the probe answers. */
        private readonly service?: ServiceSpec,
    ) {}

    /** Starts the probe; returns the result when it is known at once (no socket opened). */
    start(): PortResult | undefined {
        this.starting = true;
        this.pool.deadlines.add(this, this.timeoutMs, this.started);
        const known = this.resolution.known;
        if (known) this.onResolved(known);
        else this.cancelLookup = this.resolution.get((result) => this.guarded(() => this.onResolved(result)), this.timeoutMs);
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
        this.serviceCheck?.cancel();
        this.finish({ error: internalError(err) }, undefined);
    }

    /** The answer of a probe whose start() threw: nothing of it is in flight. */
    faultResult(err: unknown): PortResult {
        return {
            host: this.resolution.host.host, port: this.port, address: '', family: 0,
            latencyMs: roundMs(performance.now() - this.started), connections: this.connections, dnsMs: this.dnsMs, error: internalError(err),
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
        this.serviceCheck?.cancel();
        this.cleanUp(false);
    }

    private onResolved(result: Resolution): void {
        if (this.finished) return;
        if (!this.starting) this.dnsMs = roundMs(performance.now() - this.started);
        if ('error' in result) return this.finish({ error: result.error }, undefined);
        const host = this.resolution.host.host;
        const inFamily = this.family === 0 ? result.addresses : result.addresses.filter((a) => a.family === this.family);
        if (inFamily.length === 0) return this.finish({ error: cannotResolve(host, 'ENODATA', `family${this.family}`) }, undefined);
        this.addresses = this.permitted(inFamily);
        if (this.addresses.length === 0) {
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
        // The first address came with the probe's place under the rate; the others spend their own.
        if (this.next > 1) this.pool.spendConnect();
        this.connect(address, 1);
        if (this.next < this.addresses.length) {
            this.staggerTimer = setTimeout(
                () => this.guarded(() => this.startNextAttempt()),
                attemptDelayMs(this.timeoutMs, this.addresses.length),
            );
        }
    }

    private connect(address: ResolvedAddress, tryNumber: number, granted = false): void {
        this.connections++;
        const attempt = new Attempt(this, address, tryNumber, granted);
        if (!this.attempt) this.attempt = attempt;
        else (this.moreAttempts ??= []).push(attempt);
        attempt.on('connect', onAttemptConnect);
        attempt.on('error', onAttemptError);
        attempt.connect({ host: address.address, port: this.port, family: address.family });
        // Whether it may be re-sent is decided when it is due: what the pool has learned by then counts.
        if (tryNumber <= MAX_RESENDS) this.pool.resends.add(attempt, this.pool.rtt.intervalMs(), attempt.startedAt);
    }

    /** From the pool's re-send lists: `attempt` has had no answer for a re-send interval. */
    onResendDue(attempt: Attempt): void {
        if (this.finished || !this.isInFlight(attempt) || attempt.tryNumber > this.pool.rtt.allowedResends) return;
        // Too late to be answered before the deadline: not worth a socket.
        if (this.deadlineAt - performance.now() < this.pool.rtt.intervalMs() / 2) return;
        this.pool.requestResend(this, attempt.target, attempt.tryNumber + 1);
    }

    /**
     * From the pool, once there is a place for it: a fresh connection to an
     * address that has not answered. False when it is no longer wanted (the
     * probe or the address has answered meanwhile).
     */
    resend(address: ResolvedAddress, tryNumber: number): boolean {
        if (!this.wantsResend(address)) return false;
        this.connect(address, tryNumber, true);
        return true;
    }

    /** True while `address` is still being waited for. */
    wantsResend(address: ResolvedAddress): boolean {
        return !this.finished && this.inFlight().some((a) => a.target === address);
    }

    onConnect(attempt: Attempt): void {
        this.forget(attempt);
        const address = attempt.target;
        const selfConnect = mayBeLocalPort(this.port) && isSelfConnect(attempt, address.address, this.port);
        if (!selfConnect && this.service && !this.finished && !this.serviceCheck) return this.checkService(attempt, this.service);
        // A reset rather than a FIN: no TIME_WAIT left behind on long scans.
        attempt.resetAndDestroy();
        if (this.finished) return;
        if (selfConnect) {
            // The kernel picked the probed port itself as our local port and
            // the socket met itself (TCP simultaneous open): nobody listens
            // there. Try again from another local port.
            if (this.selfConnects++ === 0) {
                this.pool.spendConnect();
                return this.connect(address, attempt.tryNumber);
            }
            return this.onAttemptFailed(CLOSED, address);
        }
        this.pool.rtt.answered(performance.now() - attempt.startedAt, attempt.tryNumber);
        this.finish(OPEN, address);
    }

    /**
     * The port is open and its service is to be checked, on this very
     * connection, within what is left of the deadline: the other
     * connections are not needed any more.
     */
    private checkService(attempt: Attempt, service: ServiceSpec): void {
        this.pool.rtt.answered(performance.now() - attempt.startedAt, attempt.tryNumber);
        for (const other of this.inFlight()) {
            this.forget(other);
            other.destroy();
        }
        if (this.staggerTimer) clearTimeout(this.staggerTimer);
        this.staggerTimer = undefined;
        this.next = this.addresses.length;
        const check = new ServiceCheck(attempt, service, this.resolution.host.target, (result, socket) => {
            this.serviceCheck = undefined;
            this.pool.closeSoon(socket);
            this.finish(OPEN, attempt.target, result);
        });
        this.serviceCheck = check;
        check.start();
    }

    onError(attempt: Attempt, err: NodeJS.ErrnoException): void {
        if (!this.forget(attempt)) return;
        attempt.destroy();
        const address = attempt.target;
        const outcome = err.code === 'ECONNREFUSED' ? CLOSED : classifyConnectError(err, `${address.address}:${this.port}`);
        // A re-send that failed here (out of sockets, say) says nothing while an earlier try may still answer.
        if ('error' in outcome && attempt.tryNumber > 1 && this.inFlight().some((a) => a.target === address)) return;
        if (outcome === CLOSED) this.pool.rtt.answered(performance.now() - attempt.startedAt, attempt.tryNumber);
        this.onAttemptFailed(outcome, address);
    }

    private isInFlight(attempt: Attempt): boolean {
        return this.attempt === attempt || (this.moreAttempts?.includes(attempt) ?? false);
    }

    /** Takes an attempt off the in-flight list (and its re-send off the pool's); false when it was no longer there. */
    private forget(attempt: Attempt): boolean {
        if (this.attempt === attempt) {
            this.attempt = this.moreAttempts?.shift();
        } else {
            const index = this.moreAttempts?.indexOf(attempt) ?? -1;
            if (index === -1) return false;
            this.moreAttempts?.splice(index, 1);
        }
        this.pool.resends.remove(attempt);
        if (attempt.granted) this.pool.resendEnded();
        return true;
    }

    /** An address has answered: its other tries are not needed any more. */
    private dropTriesOf(address: ResolvedAddress): void {
        for (const other of this.inFlight()) {
            if (other.target !== address) continue;
            this.forget(other);
            other.destroy();
        }
    }

    private onAttemptFailed(outcome: Classified, address: ResolvedAddress): void {
        if (this.finished) return;
        // A single address answers alone, even a loopback this machine lacks.
        if (this.addresses.length === 1) return this.finish(outcome, address);
        this.dropTriesOf(address);
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
        // The port is open; its service has not finished answering: it ends with what it waited for.
        if (this.serviceCheck) return this.serviceCheck.expire();
        if (this.addresses.length === 0) {
            // Still waiting for DNS: no address, so no port state either.
            const host = this.resolution.host.host;
            const error = cannotResolve(host, 'ETIMEOUT');
            return this.finish({ error }, undefined);
        }
        // The attempts still in flight had no answer: filtered.
        if (this.addresses.length === 1) return this.finish(FILTERED, this.addresses[0]);
        const answers = (this.answers ??= []);
        const silent = new Set(this.inFlight().map((attempt) => attempt.target));
        for (const target of silent) answers.push({ outcome: FILTERED, item: target, absent: false });
        this.settleAnswers();
    }

    private settleAnswers(): void {
        const answers = this.answers ?? [];
        // A loopback this machine does not have is left out, unless it is all there is.
        const present = answers.filter((answer) => !answer.absent);
        const { outcome, item } = combineOutcomes(present.length > 0 ? present : answers);
        this.finish(outcome, item);
    }

    private finish(outcome: Classified, address: ResolvedAddress | undefined, service?: ServiceResult): void {
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
            dnsMs: this.dnsMs,
        };
        if ('state' in outcome) result.state = outcome.state;
        else result.error = outcome.error;
        if (service) result.service = service;
        if (this.starting) this.answeredAtStart = result;
        else this.pool.onProbeResult(this, result);
    }

    /**
     * Stops what is left of the probe. Once it has answered, its remaining
     * connections (a filtered port's, happy eyeballs' other ones, re-sends)
     * are closed after the answer is out: a batch of expired probes answers
     * first and pays for its close() calls afterwards.
     */
    private cleanUp(answered: boolean): void {
        this.pool.deadlines.remove(this);
        if (this.staggerTimer) clearTimeout(this.staggerTimer);
        this.cancelLookup?.();
        const close = answered ? this.pool.closeSoon : destroyNow;
        for (const attempt of this.inFlight()) {
            this.pool.resends.remove(attempt);
            if (attempt.granted) this.pool.resendEnded();
            close(attempt);
        }
        this.attempt = this.moreAttempts = undefined;
    }
}
