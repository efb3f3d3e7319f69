/**
 * The probe's vocabulary: what a check asks for and what each port answers.
 * Types only; every other part of the probe, the threads and the node
 * import them from here.
 */
import type { PortCheckError } from '../errors';
import type { TargetPolicy } from '../parse/allow';
import type { ParsedHost } from '../parse/hosts';

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

export type Classified = { state: PortState } | { error: PortCheckError };

/** A host's addresses once looked up, or why there are none. */
export type Resolution = { addresses: ResolvedAddress[] } | { error: PortCheckError };

/** A check's callback: its results, with the request they answer. */
export type CheckCallback<R extends CheckRequest> = (results: PortResult[], request: R) => void;

/** One host's ports, scanned over threads (threads/workers.ts). */
export interface ScanRequest {
    host: ParsedHost;
    ports: readonly number[];
    /** Deadline of each port's probe. */
    timeoutMs: number;
    /** Probes in flight over all threads together. */
    concurrency: number;
}

/** A handle on a started scan, to cancel it. */
export interface ScanTicket {
    cancel(): void;
}

/**
 * What spreads a big scan over threads. The pool is handed one (by the
 * node's wiring) rather than importing the threads: nothing in probe/
 * depends on threads/, and a scan thread's own pool simply has none.
 */
export interface Scanner {
    /** Answers once, with one result per port in the order of its ports, unless cancelled. */
    scan(request: ScanRequest, callback: (results: PortResult[]) => void): ScanTicket;
    /** Cancels every scan and ends the threads. */
    close(): Promise<void>;
}

export interface ScannerFactory {
    /** Threads a scan would be spread over; 1 or fewer: never worth it. */
    readonly threads: number;
    create(): Scanner;
}
