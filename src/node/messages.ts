/**
 * The messages a node holds between their arrival and their end: each is
 * settled exactly once (sent on, or raised), its timers (Delay Before and
 * After, the wait between attempts) are the node's to cancel, and a close
 * ends every one of them with done() and nothing sent, as Node-RED's delay
 * node does. Also the rule for another attempt (Retries, Wait until), which
 * re-checks only what did not match.
 */
import type { NodeMessage } from 'node-red';
import type { ErrorCode, PortCheckError } from '../errors';
import type { CheckRequest, PortResult } from '../probe/types';
import { IntrusiveList, type Linked } from '../util/list';
import type { Options } from './config';
import type { Target } from './inputs';

export type Send = (msg: NodeMessage) => void;
export type Done = (err?: Error) => void;

/**
 * A message between its arrival and its settling. Once its host, port and
 * timeout are read, it is also the request handed to the pool for each of
 * its checks (the first, and any retries): one record per message, however
 * many wait behind Max concurrent, linked into the node's list through
 * itself.
 */
export interface Pending extends Target, Linked<Pending> {
    msg: NodeMessage;
    send: Send;
    done: Done;
    timer: NodeJS.Timeout | undefined;
    attempts: number;
    startedAt: number;
    /** Wait-until mode: no new attempt starts after this (performance.now()). */
    deadline: number;
    /** Every entry's latest answer, once checked (see mergeAnswers). */
    answers: PortResult[] | undefined;
}

const NOTHING: readonly never[] = Object.freeze([]);

/** Runs one step of a message's way so that a throw fails that message only. */
export type Guard = (item: Pending, step: () => void) => void;

export class PendingMessages {
    private readonly list = new IntrusiveList<Pending>();
    private closed = false;

    constructor(private readonly guard: Guard) {}

    /** A new message: pending until settled or until the node closes. */
    add(msg: NodeMessage, send: Send, done: Done, request: Pick<CheckRequest, 'policy' | 'ipVersion' | 'service'>): Pending {
        const { policy, ipVersion, service } = request;
        const item: Pending = {
            msg, send, done, timer: undefined,
            hosts: NOTHING, ports: NOTHING, timeoutMs: 0, policy, only: undefined, ipVersion, service,
            rawHost: undefined, rawPort: undefined, parsedHosts: undefined, isList: false,
            attempts: 0, startedAt: 0, deadline: 0, answers: undefined,
            listPrevious: undefined, listNext: undefined, listOwner: undefined,
        };
        this.list.add(item);
        return item;
    }

    /** True while the message may still be settled. */
    isPending(item: Pending): boolean {
        return !this.closed && this.list.has(item);
    }

    /** True the one time a message may be settled; false once closed or settled. */
    settle(item: Pending): boolean {
        return !this.closed && this.list.remove(item);
    }

    /** Runs `step` (guarded) after `ms`, at once for 0, unless the node closes first. */
    after(ms: number, item: Pending, step: () => void): void {
        if (ms === 0) return this.guard(item, step);
        item.timer = setTimeout(() => {
            item.timer = undefined;
            this.guard(item, step);
        }, ms);
    }

    /** The node closes: every pending message is settled with done(), none is sent; no timer is left. */
    closeAll(): void {
        this.closed = true;
        this.list.drain((item) => {
            if (item.timer) clearTimeout(item.timer);
            item.timer = undefined;
            item.done();
        });
    }
}

/** Errors worth another attempt: the network may answer differently next time. */
const RETRYABLE = new Set<ErrorCode>(['CANNOT_RESOLVE', 'LOCAL_ERROR', 'CONNECTION_FAILED']);

/** An error another check cannot mend (an input error, a target not allowed): the answer stands. */
export function isFinal(error: PortCheckError): boolean {
    return !RETRYABLE.has(error.code);
}

/**
 * When the next attempt of a message starts, in ms from now, or undefined
 * when Retries or Wait up to are spent. The caller asks only when some
 * entries did not match and no error is final.
 */
export function nextAttemptIn(
    options: Pick<Options, 'mode' | 'retries' | 'retryDelayMs' | 'waitIntervalMs'>,
    item: Pick<Pending, 'attempts' | 'deadline'>,
    now: number,
): number | undefined {
    if (options.mode === 'wait') return now + options.waitIntervalMs < item.deadline ? options.waitIntervalMs : undefined;
    return item.attempts <= options.retries ? options.retryDelayMs : undefined;
}

/**
 * The message's answers so far, over the whole hosts × ports grid: the
 * first check's, with the entries a retry re-checked replaced by their new
 * answer (an entry that matched stays as it was). Each entry counts the
 * checks it had.
 */
export function mergeAnswers(item: Pending, results: PortResult[]): PortResult[] {
    for (const result of results) result.attempts = item.attempts;
    const only = item.only;
    if (!only || !item.answers) return (item.answers = results);
    const answers = item.answers;
    for (let i = 0; i < only.length; i++) answers[only[i]] = results[i];
    return answers;
}
