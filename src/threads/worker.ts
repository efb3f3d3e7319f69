/**
 * A scan thread: probes the shards `ScanWorkers` sends it, each with
 * its own `ProbePool`, and answers each shard once, compactly encoded.
 */
import { parentPort, type MessagePort } from 'worker_threads';
import { ProbePool } from '../probe/pool';
import type { PortResult } from '../probe/types';
import { STATE_CODES, type ShardAnswer, type ShardCommand, type WorkerCommand } from './protocol';

function parentOrFail(): MessagePort {
    if (!parentPort) throw new Error('threads/worker.js runs as a worker thread of ScanWorkers');
    return parentPort;
}

const parent = parentOrFail();

/** The shards in progress: each one's pool, to cancel it. */
const running = new Map<number, ProbePool>();

function encode(scanId: number, results: readonly PortResult[]): ShardAnswer {
    const count = results.length;
    const answer: ShardAnswer = {
        scanId,
        states: new Uint8Array(count),
        latencies: new Float64Array(count),
        connections: new Uint16Array(count),
        address: count > 0 ? results[0].address : '',
        family: count > 0 ? results[0].family : 0,
        otherAddresses: [],
        errors: [],
    };
    for (let index = 0; index < count; index++) {
        const result = results[index];
        answer.states[index] = result.state === undefined ? 0 : STATE_CODES.indexOf(result.state);
        answer.latencies[index] = result.latencyMs;
        answer.connections[index] = result.connections;
        if (result.address !== answer.address || result.family !== answer.family) {
            answer.otherAddresses.push({ index, address: result.address, family: result.family });
        }
        const error = result.error;
        if (error) answer.errors.push({ index, code: error.code, params: error.params, systemCode: error.systemCode });
    }
    return answer;
}

function startShard(command: ShardCommand): void {
    const { scanId } = command;
    const pool = new ProbePool(command.concurrency);
    const request = { hosts: [command.host], ports: Array.from(command.ports), timeoutMs: command.timeoutMs };
    running.set(scanId, pool);
    pool.check(request, (results) => {
        running.delete(scanId);
        const answer = encode(scanId, results);
        parent.postMessage(answer, [answer.states.buffer, answer.latencies.buffer, answer.connections.buffer]);
    });
}

parent.on('message', (command: WorkerCommand) => {
    if (command.type === 'scan') return startShard(command);
    running.get(command.scanId)?.cancelAll();
    running.delete(command.scanId);
});
