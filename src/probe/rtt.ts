/**
 * How long a connection attempt waits for an answer before the probe
 * connects to the same address again (docs/architecture.md, "On real
 * networks"). Linux re-sends an unanswered SYN only after 1 s, so with a
 * timeout near a second one lost SYN or SYN-ACK would make an open port
 * look filtered. The interval follows the round trips the pool has seen,
 * as TCP's retransmission timer does (RFC 6298: smoothed RTT plus four
 * deviations), within bounds, so a fast LAN re-sends early and a slow WAN
 * is not flooded. How many re-sends a probe may make is learned as nmap
 * does for its connect scan: one more than the most an answer has ever
 * needed, so a clean network costs a filtered port one extra connection
 * and a lossy one gets up to three.
 */

/** The interval never goes below this (a fast LAN) nor above that (a slow WAN). */
export const MIN_RESEND_MS = 100;
export const MAX_RESEND_MS = 1000;
/** Before any round trip is measured. */
export const INITIAL_RESEND_MS = 250;
/** The most re-sends a probe makes to one address. */
export const MAX_RESENDS = 3;
/**
 * An answer later than this after its connect() came from the kernel's own
 * SYN retransmission (1 s on Linux): not a round trip.
 */
const MAX_SAMPLE_MS = 1000;

export class RttEstimator {
    private srtt = 0;
    private rttvar = 0;
    private samples = 0;
    /** The highest try number an answer came on (1: the first connection). */
    private answeredOnTry = 1;
    private interval = INITIAL_RESEND_MS;

    /** Re-sends a probe may make to one address now. */
    get allowedResends(): number {
        return Math.min(MAX_RESENDS, this.answeredOnTry);
    }

    /** The re-send interval now, in whole ms (the pool's lists group attempts by it). */
    intervalMs(): number {
        return this.interval;
    }

    /** An attempt answered (open, or refused) after `ms`, on its `tryNumber`th connection. */
    answered(ms: number, tryNumber: number): void {
        if (tryNumber > this.answeredOnTry) this.answeredOnTry = tryNumber;
        if (!(ms >= 0 && ms < MAX_SAMPLE_MS)) return;
        if (this.samples++ === 0) {
            this.srtt = ms;
            this.rttvar = ms / 2;
        } else {
            this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
            this.srtt = 0.875 * this.srtt + 0.125 * ms;
        }
        // Rounded to 10 ms: attempts started under one interval share a list.
        const rto = Math.round((this.srtt + 4 * this.rttvar) / 10) * 10;
        this.interval = Math.min(MAX_RESEND_MS, Math.max(MIN_RESEND_MS, rto));
    }

    /** The smoothed round trip, for reports and benchmarks. */
    get smoothedMs(): number {
        return this.srtt;
    }
}
