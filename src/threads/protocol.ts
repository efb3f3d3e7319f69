/**
 * The messages between `ScanWorkers` (main thread, workers.ts) and its
 * scan threads (worker.ts). Results travel as typed arrays plus sparse lists, so a shard of
 * tens of thousands of ports is a few transferred buffers, not as many
 * cloned objects.
 */
import type { ErrorCode, ErrorParams } from '../errors';
import type { ParsedHost } from '../parse/hosts';
import type { PortState } from '../probe/types';

/** Probe the shard's ports of one host, at most `concurrency` at a time. */
export interface ShardCommand {
    type: 'scan';
    scanId: number;
    host: ParsedHost;
    ports: Uint16Array<ArrayBuffer>;
    timeoutMs: number;
    concurrency: number;
}

export interface CancelCommand {
    type: 'cancel';
    scanId: number;
}

export type WorkerCommand = ShardCommand | CancelCommand;

/** A port whose answer came from another address than the shard's usual one. */
export interface OtherAddress {
    index: number;
    address: string;
    family: 4 | 6 | 0;
}

export interface ShardError {
    index: number;
    code: ErrorCode;
    params: ErrorParams;
    systemCode?: string;
}

/** One shard's results, index by index in the order of its ports. */
export interface ShardAnswer {
    scanId: number;
    /** `STATE_CODES` index; 0 for a port that ended in an error. */
    states: Uint8Array<ArrayBuffer>;
    latencies: Float64Array<ArrayBuffer>;
    connections: Uint16Array<ArrayBuffer>;
    /** The address and family of the shard's first result, and of every port not in `otherAddresses`. */
    address: string;
    family: 4 | 6 | 0;
    otherAddresses: OtherAddress[];
    errors: ShardError[];
}

export const STATE_CODES: ReadonlyArray<PortState | undefined> = [undefined, 'open', 'closed', 'filtered'];
