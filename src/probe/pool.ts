/**
 * Runs checks (hosts × ports) under one cap on probes in flight, queueing
 * the rest in arrival order, and cancels them all on demand. The probes'
 * deadlines share one timer; a scan of thousands of ports of one IP goes to
 * the scanner it was given (threads/workers.ts), if any. Knows nothing of
 * Node-RED.
 */
import type { Socket } from 'net';
import { performance } from 'perf_hooks';
import { sharedResolver } from '../dns/resolver';
import { PortCheckError, warnFault, type FaultHandler } from '../errors';
import type { ParsedHost } from '../parse/hosts';
import { BoundedCache } from '../util/cache';
import { PortProbe, type ProbeOwner } from './attempt';
import type { Attempt } from './connection';
import { Check } from './check';
import { Deadlines } from './deadlines';
import { Pacer } from './pacing';
import { HostResolution, isLocalhost } from './resolve';
import { RttEstimator } from './rtt';
import type { CheckCallback, CheckRequest, Lookup, PortResult, ResolvedAddress, ScanTicket, Scanner, ScannerFactory } from './types';

/** Options of a pool beyond its cap. */
export interface PoolOptions {
    /** Threads for big scans (the node's wiring gives them; a scan thread's pool has none). */
    scanners?: ScannerFactory;
    /** Told of every fault the pool contained. */
    onFault?: FaultHandler;
    /** New connection attempts per second, at most (Max rate); none: no limit. */
    maxRate?: number;
}

/** A re-send waiting for a place under the cap. */
interface ResendRequest {
    probe: PortProbe;
    address: ResolvedAddress;
    tryNumber: number;
}

/** The longest an answered probe's leftover connection waits to be closed (see ProbePool.closeSoon). */
const CLOSE_DELAY_MAX_MS = 20;

/** From this many ports of one IP, a check is spread over threads (see ProbePool). */
export const THREADED_SCAN_MIN_PORTS = 8192;

/**
 * Runs checks with at most `concurrency` port probes in flight; the rest
 * wait in a first-in first-out queue. Each check calls back once with one
 * result per port, in the order of its ports, unless it is cancelled. The
 * probes' deadlines share one timer; a scan of thousands of ports of one IP
 * is handed to the scanner, when the pool has one.
 */
export class ProbePool implements ProbeOwner {
    /** Waiting checks, from queueHead on: each one's request and callback (undefined once gone). */
    private readonly queuedRequests: Array<CheckRequest | undefined> = [];
    private readonly queuedCallbacks: Array<CheckCallback<CheckRequest> | undefined> = [];
    private queueHead = 0;
    /** The check whose probes are being started: it has left the queue. */
    private current?: Check;
    private inFlight = 0;
    private readonly active = new Set<PortProbe>();
    readonly deadlines = new Deadlines<PortProbe>();
    readonly resends = new Deadlines<Attempt>();
    readonly rtt = new RttEstimator();
    /** Re-sent connections in flight: each holds a place under the cap, as a probe does. */
    private extraSockets = 0;
    /** Re-sends due while the cap was full; served before new probes. */
    private resendQueue: ResendRequest[] = [];
    private readonly pacer?: Pacer;
    /** Set while the pool waits for the pacer to allow the next attempt. */
    private pacingTimer?: NodeJS.Timeout;
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

    /** Threads for big scans, made on the first one (the node's wiring hands the pool a factory). */
    private scanner?: Scanner;
    private readonly scanners?: ScannerFactory;
    /** A check spread over threads: it holds every place under the cap until it answers. */
    private scan?: ScanTicket;
    /** Told of every fault the pool contained (each also failed its probe or check). */
    readonly reportFault: FaultHandler;

    constructor(
        readonly concurrency: number,
        private readonly lookup: Lookup = sharedResolver().lookup,
        { scanners, onFault = warnFault, maxRate }: PoolOptions = {},
    ) {
        this.scanners = scanners;
        this.reportFault = onFault;
        if (maxRate !== undefined && maxRate > 0) this.pacer = new Pacer(maxRate);
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
        const resolution = this.fixedResolutions.get(`${host.host}\0${host.target}`, () => new HostResolution(host, this.lookup, this.reportFault));
        this.lastFixed = resolution;
        return resolution;
    };

    private readonly fixedResolutions = new BoundedCache<string, HostResolution>(1024);
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
        this.resends.clear();
        this.resendQueue = [];
        this.extraSockets = 0;
        if (this.pacingTimer) clearTimeout(this.pacingTimer);
        this.pacingTimer = undefined;
        this.closeAll();
        this.scan?.cancel();
        this.scan = undefined;
        // The threads end with the checks (a node's close): nothing is left running.
        void this.scanner?.close();
        this.scanner = undefined;
    }

    /** From a probe: its one answer. */
    onProbeResult(probe: PortProbe, result: PortResult): void {
        this.active.delete(probe);
        this.inFlight--;
        probe.check.onResult(probe.index, result);
        this.pump();
    }

    requestResend(probe: PortProbe, address: ResolvedAddress, tryNumber: number): void {
        this.resendQueue.push({ probe, address, tryNumber });
        this.pump();
    }

    resendEnded(): void {
        this.extraSockets--;
        this.pump();
    }

    spendConnect(): void {
        this.pacer?.spend(performance.now());
    }

    /** Places under the cap: probes in flight, their re-sends, and answered probes' sockets not yet closed. */
    private get used(): number {
        return this.inFlight + this.extraSockets + this.closing.length;
    }

    /** True when the pacer lets a connection start now; else the pool comes back when it will. */
    private paced(): boolean {
        if (!this.pacer) return true;
        if (this.pacingTimer) return false;
        const wait = this.pacer.take(performance.now());
        if (wait === 0) return true;
        this.pacingTimer = setTimeout(() => {
            this.pacingTimer = undefined;
            this.pump();
        }, Math.ceil(wait));
        return false;
    }

    private pump(): void {
        // Re-sends first: they are for probes already under way, whose deadlines run.
        while (!this.scan && this.resendQueue.length > 0 && this.used < this.concurrency) {
            const { probe, address, tryNumber } = this.resendQueue[0];
            if (!probe.wantsResend(address)) {
                this.resendQueue.shift();
                continue;
            }
            if (!this.paced()) return;
            this.resendQueue.shift();
            this.extraSockets++;
            if (!probe.resend(address, tryNumber)) this.extraSockets--;
        }
        while (!this.scan && this.used < this.concurrency) {
            const check = this.nextCheck();
            if (!check) return;
            if (check.nextProbe === 0 && this.spreadsOverThreads(check)) {
                // It takes every place under the cap, once the probes before it are done.
                if (this.used === 0) this.startScan(check);
                return;
            }
            if (!this.paced()) return;
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
        const { hosts, ipVersion } = check.request;
        // A paced sweep gains nothing from threads; a dual-stack check needs names, which threads do not resolve.
        return (this.scanners?.threads ?? 0) > 1 && this.concurrency >= 2 && !this.pacer && ipVersion !== 'both' && !this.followUps.has(check.request)
            && hosts.length === 1 && hosts[0].ipFamily !== 0 && check.entries >= THREADED_SCAN_MIN_PORTS;
    }

    private startScan(check: Check): void {
        const { hosts: [host], ports: grid, only, timeoutMs, policy } = check.request;
        // One host: the entries `only` picks are a list of ports of its own.
        const ports = only ? only.map((index) => grid[index]) : grid;
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
                host: host.host, port, address: '', family: 0, latencyMs: 0, connections: 0, dnsMs: 0,
                error: new PortCheckError('TARGET_NOT_ALLOWED', { target: `${host.host}:${port}` }),
            };
        });
        const scanner = (this.scanner ??= (this.scanners as ScannerFactory).create());
        const ticket = scanner.scan({ host, ports: allowed, timeoutMs, concurrency: this.concurrency }, (scanned) => {
            this.scan = undefined;
            scanned.forEach((result, i) => { results[allowedAt[i]] = result; });
            if (check.request.service) this.checkServices(check, results);
            else check.complete(results);
            this.pump();
        });
        this.scan = ticket;
    }

    /** Requests of the services of a threaded scan's open ports: never spread over threads again. */
    private readonly followUps = new WeakSet<CheckRequest>();

    /**
     * A threaded scan has found its open ports: their services are checked
     * now, each on a connection of its own, before the scan answers.
     */
    private checkServices(check: Check, results: PortResult[]): void {
        const { hosts, timeoutMs, policy, service } = check.request;
        const openAt = results.flatMap((result, index) => (result.state === 'open' ? [index] : []));
        if (openAt.length === 0) return check.complete(results);
        const followUp: CheckRequest = { hosts, ports: openAt.map((index) => results[index].port), timeoutMs, policy, service };
        this.followUps.add(followUp);
        this.check(followUp, (checked) => {
            checked.forEach((result, i) => { results[openAt[i]] = result; });
            check.complete(results);
        });
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
        const probe = new PortProbe(this, check, index, check.portOf(index), timeoutMs, check.resolutionOf(index), policy,
            check.familyOf(index), check.request.service);
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
    lookup: Lookup = sharedResolver().lookup,
): Promise<PortResult> {
    return new Promise((resolve) => {
        new ProbePool(1, lookup).check({ hosts: [host], ports: [port], timeoutMs }, (results) => resolve(results[0]));
    });
}
