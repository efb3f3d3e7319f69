/**
 * The deadlines of a pool's probes under one timer. Probes are kept in a
 * list per timeout, in start order (so in deadline order): adding, removing
 * and finding the expired ones is O(1) each, and a probe answered before its
 * deadline costs no timer of its own. The verdict of expired probes waits
 * one turn of the loop: a connection the kernel completed in time, but a
 * busy loop has not yet reported, is open, not filtered.
 */
import { performance } from 'perf_hooks';
import { IntrusiveList, type Linked } from '../util/list';

/** What waits for a deadline: told once when it passes (or of a fault in its own handling). */
export interface Due extends Linked<Due> {
    deadlineAt: number;
    onDeadline(): void;
    fault(err: unknown): void;
}

export class Deadlines<T extends Due> {
    private readonly lists = new Map<number, IntrusiveList<Due>>();
    private waiting = 0;
    private timer?: NodeJS.Timeout;
    private timerAt = Infinity;
    private expired: Due[] = [];
    private verdict?: NodeJS.Immediate;

    add(item: T, timeoutMs: number, now: number): void {
        let list = this.lists.get(timeoutMs);
        if (!list) {
            list = new IntrusiveList<Due>();
            this.lists.set(timeoutMs, list);
        }
        item.deadlineAt = now + timeoutMs;
        list.add(item);
        // The timer keeps the process alive only while some probe waits for it.
        if (this.waiting++ === 0) this.timer?.ref();
        if (item.deadlineAt < this.timerAt) this.arm(item.deadlineAt, now);
    }

    /** Takes the item off its deadline; nothing when it has none (any more). */
    remove(item: T): void {
        // Its links are ours alone: an item in a list is in one of these.
        if (!item.listOwner?.remove(item)) return;
        if (--this.waiting === 0) this.timer?.unref();
    }

    /** Forgets every item and stops the timer: nothing is called back. */
    clear(): void {
        for (const list of this.lists.values()) list.drain(() => undefined);
        this.lists.clear();
        this.waiting = 0;
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.timerAt = Infinity;
        if (this.verdict) clearImmediate(this.verdict);
        this.verdict = undefined;
        this.expired = [];
    }

    private arm(at: number, now: number): void {
        if (this.timer) clearTimeout(this.timer);
        this.timerAt = at;
        this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(at - now)));
    }

    private readonly onTimer = (): void => {
        this.timer = undefined;
        this.timerAt = Infinity;
        const now = performance.now();
        let nextAt = Infinity;
        for (const [timeoutMs, list] of this.lists) {
            let item = list.head;
            while (item && item.deadlineAt <= now) {
                const next = item.listNext;
                list.remove(item);
                this.waiting--;
                this.expired.push(item);
                item = next;
            }
            if (item) nextAt = Math.min(nextAt, item.deadlineAt);
            else this.lists.delete(timeoutMs);
        }
        if (nextAt !== Infinity) this.arm(nextAt, now);
        if (this.expired.length > 0) this.verdict ??= setImmediate(this.onVerdict);
    };

    private readonly onVerdict = (): void => {
        this.verdict = undefined;
        const expired = this.expired;
        this.expired = [];
        for (const item of expired) {
            try {
                item.onDeadline();
            } catch (fault) {
                item.fault(fault);
            }
        }
    };
}
