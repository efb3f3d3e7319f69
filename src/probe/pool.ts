/**
 * Runs checks (hosts × ports) under one cap on probes in flight, queueing
 * the rest in arrival order, and cancels them all on demand. The probes'
 * deadlines share one timer; a scan of thousands of ports of one IP goes to
 * the scanner it was given (threads/workers.ts), if any. Knows nothing of
 * Node-RED.
 */
import type { Socket } from 'net';
import { performance } from 'perf_hooks';
import { PortCheckError, warnFault, type FaultHandler } from '../errors';
import type { ParsedHost } from '../parse/hosts';
import { BoundedCache } from '../util/cache';
import { PortProbe, type ProbeOwner } from './attempt';
import { Deadlines } from './deadlines';
import { HostResolution, isLocalhost, systemLookup } from './resolve';
import type { CheckCallback, CheckRequest, Lookup, PortResult, ScanTicket, Scanner, ScannerFactory } from './types';

/** The longest an answered probe's leftover connection waits to be closed (see ProbePool.closeSoon). */
const CLOSE_DELAY_MAX_MS = 20;

/** From this many ports of one IP, a check is spread over threads (see ProbePool). */
export const THREADED_SCAN_MIN_PORTS = 8192;

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
        private readonly lookup: Lookup = systemLookup,
        { scanners, onFault = warnFault }: { scanners?: ScannerFactory; onFault?: FaultHandler } = {},
    ) {
        this.scanners = scanners;
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
        return (this.scanners?.threads ?? 0) > 1 && this.concurrency >= 2 && hosts.length === 1 && hosts[0].ipFamily !== 0
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
        const scanner = (this.scanner ??= (this.scanners as ScannerFactory).create());
        const ticket = scanner.scan({ host, ports: allowed, timeoutMs, concurrency: this.concurrency }, (scanned) => {
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
