/**
 * The probe's vocabulary: what a check asks for and what each port answers.
 * Types only; every other part of the probe, the threads and the node
 * import them from here.
 */
import type { DnsAddress } from '../dns/types';
import type { ServiceSpec } from '../parse/service';
import type { ServiceResult } from '../service/types';
import type { PortCheckError } from '../errors';
import type { TargetPolicy } from '../parse/allow';
import type { ParsedHost } from '../parse/hosts';

export type PortState = 'open' | 'closed' | 'filtered';

export type { Lookup } from '../dns/types';

export interface ResolvedAddress extends DnsAddress {
    /**
     * An address added by the node, not by DNS (localhost's other loopback):
     * when this machine lacks it, it is skipped rather than failing the probe.
     */
    optional?: boolean;
}

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
    /** Connections attempted: one per address tried, and one per re-send. */
    connections: number;
    /** Time spent waiting for the host's addresses (0 for an IP literal or a cached name). */
    dnsMs?: number;
    /** With `ipVersion: 'both'`: each family's own answer. */
    families?: { 4: FamilyResult; 6: FamilyResult };
    /** Set by the node for a list: the checks this entry had (a retry re-checks only what did not match). */
    attempts?: number;
    /** With a service check, for an open port: what the service said. */
    service?: ServiceResult;
    error?: PortCheckError;
}

/** One family's answer in a dual-stack check. */
export type FamilyResult = { state?: PortState; address: string; latencyMs: number } | { error: PortCheckError };

/** Which addresses of a host a check uses: all (in the runtime's order), one family, or each family on its own. */
export type IpVersion = 0 | 4 | 6 | 'both';

export interface CheckRequest {
    /** Each host is checked on each port: results come host by host, port by port. */
    hosts: readonly ParsedHost[];
    ports: readonly number[];
    /** Deadline of each port's probe, DNS and connect together. */
    timeoutMs: number;
    /** Which addresses may be connected to; a target with none left is not connected to at all. */
    policy?: TargetPolicy;
    /**
     * Only these entries of the hosts × ports grid (host index × ports.length
     * + port index), in this order; results come in the same order.
     */
    only?: readonly number[];
    /** 0 (or absent): every address; 4 or 6: that family only; 'both': each family on its own, joined. */
    ipVersion?: IpVersion;
    /** What to check on an open port before it counts (TLS, send/expect); none: the handshake is enough. */
    service?: ServiceSpec;
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
