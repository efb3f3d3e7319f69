/**
 * Big scans of one host spread over worker threads. A connect costs CPU in
 * the thread that makes it, so one thread caps a scan of thousands of ports;
 * here each thread runs its own `ProbePool` on an interleaved share of the
 * ports (so each gets low and high ports alike) and the shares are merged
 * back into the order of the request.
 *
 * The threads are made on the first scan and kept for the next ones; they
 * hold the process open only while a scan runs. A thread that dies mid-scan
 * fails the ports it had with a LOCAL_ERROR (system code EWORKER) rather
 * than retrying them (a crash that repeats would loop); the next scan starts
 * a fresh thread in its place.
 */
import os from 'os';
import path from 'path';
import { performance } from 'perf_hooks';
import { Worker } from 'worker_threads';
import { PortCheckError, internalError, warnFault, type FaultHandler } from '../errors';
import type { PortResult, ScanRequest, ScanTicket, Scanner, ScannerFactory } from '../probe/types';
import { roundMs } from '../util/time';
import { STATE_CODES, type ShardAnswer, type ShardCommand, type WorkerCommand } from './protocol';

const WORKER_SCRIPT = path.join(__dirname, 'worker.js');

export function defaultThreadCount(): number {
    return Math.min(4, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
}

/** One thread of the pool and the scans waiting for its shard. */
/**
 * A scan thread allocates a result per port and little else that lives: a
 * young generation of a few MB collects it as fast as the default one and
 * holds far less memory (whole range, 2 threads: peak RSS about 100 MB
 * lower, measured with bench section 5c).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

class ScanThread {
    readonly worker = new Worker(WORKER_SCRIPT, { resourceLimits: WORKER_LIMITS });
    readonly scans = new Map<number, Scan>();

    constructor(readonly slot: number, onExit: (thread: ScanThread) => void) {
        this.worker.unref();
        this.worker.on('message', (answer: ShardAnswer) => this.scans.get(answer.scanId)?.onShardAnswer(this, answer));
        // An uncaught error ends the thread; its 'exit' fails the shards it held.
        this.worker.on('error', () => undefined);
        this.worker.once('exit', () => onExit(this));
    }

    send(command: WorkerCommand, transfer: ArrayBuffer[] = []): void {
        this.worker.postMessage(command, transfer);
    }

    attach(scan: Scan): void {
        this.scans.set(scan.id, scan);
        this.worker.ref();
    }

    /** False when the scan was not waiting on this thread (any more). */
    detach(scan: Scan): boolean {
        const held = this.scans.delete(scan.id);
        if (this.scans.size === 0) this.worker.unref();
        return held;
    }
}

/** One scan: shard `slot` of `stride` holds the ports at indexes slot, slot + stride, … */
class Scan implements ScanTicket {
    private readonly results: PortResult[];
    private readonly threads: ScanThread[] = [];
    private readonly started = performance.now();
    private shardsLeft = 0;
    private finished = false;
    private emptyAnswer?: NodeJS.Immediate;

    constructor(
        readonly id: number,
        private readonly request: ScanRequest,
        private readonly stride: number,
        private readonly running: Set<Scan>,
        private readonly callback: (results: PortResult[]) => void,
        private readonly reportFault: FaultHandler,
    ) {
        this.results = new Array(request.ports.length);
        running.add(this);
    }

    startShard(thread: ScanThread, concurrency: number): void {
        const { host, ports, timeoutMs } = this.request;
        const shardPorts = new Uint16Array(Math.ceil((ports.length - thread.slot) / this.stride));
        for (let index = thread.slot, j = 0; index < ports.length; index += this.stride, j++) shardPorts[j] = ports[index];
        const command: ShardCommand = {
            type: 'scan',
            scanId: this.id,
            host: { host: host.host, target: host.target, ipFamily: host.ipFamily },
            ports: shardPorts,
            timeoutMs,
            concurrency,
        };
        this.threads.push(thread);
        this.shardsLeft++;
        thread.attach(this);
        thread.send(command, [shardPorts.buffer]);
    }

    /** No ports: answered on the next turn, as an empty list (cancellable like any scan). */
    answerEmpty(): void {
        this.emptyAnswer = setImmediate(() => this.finish());
    }

    cancel(): void {
        if (this.finished) return;
        this.finished = true;
        this.running.delete(this);
        if (this.emptyAnswer) clearImmediate(this.emptyAnswer);
        for (const thread of this.threads) {
            if (thread.detach(this)) thread.send({ type: 'cancel', scanId: this.id });
        }
    }

    onShardAnswer(thread: ScanThread, answer: ShardAnswer): void {
        if (!thread.detach(this)) return;
        try {
            this.decode(thread.slot, answer);
        } catch (fault) {
            // An answer that cannot be read fails its shard's ports; the scan and the other shards go on.
            this.reportFault(fault);
            this.failShard(thread.slot, () => internalError(fault));
        }
        this.onShardDone();
    }

    private decode(slot: number, answer: ShardAnswer): void {
        const { host, ports } = this.request;
        const { states, latencies, connections, address, family } = answer;
        for (let j = 0; j < states.length; j++) {
            const index = slot + j * this.stride;
            const result: PortResult = {
                host: host.host,
                port: ports[index],
                address,
                family,
                latencyMs: latencies[j],
                connections: connections[j],
                // Threads scan IP addresses only: nothing to resolve.
                dnsMs: 0,
            };
            const state = STATE_CODES[states[j]];
            if (state) result.state = state;
            this.results[index] = result;
        }
        for (const other of answer.otherAddresses) {
            const result = this.results[slot + other.index * this.stride];
            result.address = other.address;
            result.family = other.family;
        }
        for (const error of answer.errors) {
            this.results[slot + error.index * this.stride].error = new PortCheckError(error.code, error.params, error.systemCode);
        }
    }

    /** The thread died before answering: its ports fail as errors of this machine. */
    onShardLost(thread: ScanThread): void {
        if (!thread.detach(this)) return;
        const host = this.request.host.host;
        this.failShard(thread.slot, (port) => new PortCheckError('LOCAL_ERROR', { code: 'EWORKER', target: `${host}:${port}` }, 'EWORKER'));
        this.onShardDone();
    }

    /** Every port of shard `slot` answers with an error. */
    private failShard(slot: number, errorOf: (port: number) => PortCheckError): void {
        const { host, ports } = this.request;
        const latencyMs = roundMs(performance.now() - this.started);
        for (let index = slot; index < ports.length; index += this.stride) {
            const port = ports[index];
            this.results[index] = { host: host.host, port, address: '', family: 0, latencyMs, connections: 0, dnsMs: 0, error: errorOf(port) };
        }
    }

    private onShardDone(): void {
        if (--this.shardsLeft === 0) this.finish();
    }

    private finish(): void {
        if (this.finished) return;
        this.finished = true;
        this.running.delete(this);
        this.callback(this.results);
    }
}

function checkRequest(request: ScanRequest): void {
    if (!(request.concurrency >= 1)) throw new RangeError(`concurrency must be 1 or more, not ${request.concurrency}`);
    for (const port of request.ports) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`not a TCP port: ${port}`);
    }
}

/**
 * Scans one host's ports over up to `threads` worker threads. Each scan calls
 * back once, with one result per port in the order of its ports, as
 * `new ProbePool(concurrency).check({ hosts: [host], ports, timeoutMs })`
 * would, unless it is cancelled. `close()` ends every scan and thread; a
 * scan after that starts new threads.
 */
export class ScanWorkers implements Scanner {
    /** The thread of each shard slot; undefined until first needed, or after it died. */
    private readonly slots: Array<ScanThread | undefined> = [];
    private readonly running = new Set<Scan>();
    private nextScanId = 1;

    constructor(readonly threads = defaultThreadCount(), private readonly reportFault: FaultHandler = warnFault) {
        if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a whole number from 1, not ${threads}`);
    }

    /**
     * Port i goes to thread i % n, each thread probing at most
     * floor(concurrency / n) at a time; n is `threads`, or fewer when there
     * are fewer ports or a concurrency below it.
     */
    scan(request: ScanRequest, callback: (results: PortResult[]) => void): ScanTicket {
        checkRequest(request);
        const threadCount = Math.min(this.threads, Math.floor(request.concurrency), request.ports.length);
        const scan = new Scan(this.nextScanId++, request, threadCount, this.running, callback, this.reportFault);
        if (threadCount === 0) {
            scan.answerEmpty();
            return scan;
        }
        const concurrencyPerThread = Math.max(1, Math.floor(request.concurrency / threadCount));
        for (let slot = 0; slot < threadCount; slot++) scan.startShard(this.threadAt(slot), concurrencyPerThread);
        return scan;
    }

    /** Cancels every scan (no callbacks) and ends the threads; resolves once they have exited. */
    close(): Promise<void> {
        for (const scan of [...this.running]) scan.cancel();
        const threads = this.slots.filter((thread): thread is ScanThread => thread !== undefined);
        this.slots.length = 0;
        return Promise.all(threads.map((thread) => thread.worker.terminate())).then(() => undefined);
    }

    private threadAt(slot: number): ScanThread {
        return (this.slots[slot] ??= new ScanThread(slot, (thread) => this.onThreadExit(thread)));
    }

    private onThreadExit(thread: ScanThread): void {
        if (this.slots[thread.slot] === thread) this.slots[thread.slot] = undefined;
        for (const scan of [...thread.scans.values()]) scan.onShardLost(thread);
    }
}

/**
 * What the node hands its pool: scans over as many threads as this machine
 * has CPUs (up to 4), made on the first big scan. Inside a scan thread no
 * factory is given, so a thread never starts threads.
 */
export function scanThreads(onFault: FaultHandler = warnFault, threads = defaultThreadCount()): ScannerFactory {
    return { threads, create: () => new ScanWorkers(threads, onFault) };
}
