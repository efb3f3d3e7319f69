/**
 * Max rate: new connection attempts per second for one pool (a node), so a
 * sweep does not trip intrusion detection or flood a slow link. Attempts
 * are spaced evenly, 1000/rate ms apart, on a schedule that a late timer
 * does not push back (a thousand attempts at 100 per second take ten
 * seconds, not ten seconds plus a thousand timer delays). Attempts the pool
 * cannot hold back (happy eyeballs' second address, a self-connect's retry)
 * are spent all the same and delay the next ones.
 */
export class Pacer {
    private readonly spacingMs: number;
    private nextAt = -Infinity;

    constructor(perSecond: number) {
        this.spacingMs = 1000 / perSecond;
    }

    /** 0 when an attempt may start now (and it is counted); else the ms to wait. */
    take(now: number): number {
        if (now < this.nextAt) return this.nextAt - now;
        this.spend(now);
        return 0;
    }

    /** Counts an attempt that starts now whatever the schedule says. */
    spend(now: number): void {
        // A timer a little late keeps the schedule; after a pause it starts
        // again from now, with no burst of saved-up attempts.
        const slot = now - this.nextAt < this.spacingMs ? Math.max(this.nextAt, now - this.spacingMs) : now;
        this.nextAt = slot + this.spacingMs;
    }
}
