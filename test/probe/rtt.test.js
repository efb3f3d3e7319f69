'use strict';
// The re-send interval and the number of re-sends (src/probe/rtt.ts), and
// the pacing of Max rate (src/probe/pacing.ts): pure, so their rules are
// checked here number by number.
const assert = require('assert');
const { RttEstimator, MIN_RESEND_MS, MAX_RESEND_MS, INITIAL_RESEND_MS, MAX_RESENDS } = require('../../lib/probe/rtt.js');
const { Pacer } = require('../../lib/probe/pacing.js');

describe('probe/rtt.ts: when to connect again, and how often', function () {
    it('starts at the initial interval and one re-send', function () {
        const rtt = new RttEstimator();
        assert.strictEqual(rtt.intervalMs(), INITIAL_RESEND_MS);
        assert.strictEqual(rtt.allowedResends, 1);
    });

    it('follows smoothed RTT + 4 deviations (RFC 6298), in 10 ms steps, within bounds', function () {
        const wan = new RttEstimator();
        wan.answered(200, 1); // srtt 200, rttvar 100: 600
        assert.strictEqual(wan.intervalMs(), 600);
        for (let i = 0; i < 50; i++) wan.answered(200, 1);
        assert.ok(wan.intervalMs() >= 200 && wan.intervalMs() < 260, `${wan.intervalMs()} after steady 200 ms round trips`);
        const lan = new RttEstimator();
        for (let i = 0; i < 10; i++) lan.answered(0.3, 1);
        assert.strictEqual(lan.intervalMs(), MIN_RESEND_MS, 'a fast LAN: the lower bound');
        const far = new RttEstimator();
        far.answered(900, 1);
        assert.strictEqual(far.intervalMs(), MAX_RESEND_MS, 'a slow WAN: the upper bound');
    });

    it('ignores answers that came from the kernel\'s own SYN retransmission (1 s and later)', function () {
        const rtt = new RttEstimator();
        rtt.answered(20, 1);
        const before = rtt.intervalMs();
        rtt.answered(1030, 1);
        assert.strictEqual(rtt.intervalMs(), before);
    });

    it('allows one re-send more than the most an answer has needed, at most MAX_RESENDS', function () {
        const rtt = new RttEstimator();
        rtt.answered(40, 2);
        assert.strictEqual(rtt.allowedResends, 2);
        rtt.answered(40, 1);
        assert.strictEqual(rtt.allowedResends, 2, 'learned, not forgotten');
        rtt.answered(40, 9);
        assert.strictEqual(rtt.allowedResends, MAX_RESENDS);
    });
});

describe('probe/pacing.ts: Max rate', function () {
    it('spaces attempts 1000/rate ms apart, from the first one on', function () {
        const pacer = new Pacer(100);
        assert.strictEqual(pacer.take(0), 0);
        assert.strictEqual(pacer.take(0), 10);
        assert.strictEqual(pacer.take(4), 6);
        assert.strictEqual(pacer.take(10), 0);
    });

    it('keeps its schedule when the timer that wakes it comes late, and does not burst after a pause', function () {
        const pacer = new Pacer(100);
        const starts = [];
        let now = 0;
        while (starts.length < 100) {
            const wait = pacer.take(now);
            if (wait === 0) starts.push(now);
            now += wait === 0 ? 0 : wait + 1.5; // every timer 1.5 ms late
        }
        // 100 attempts: the last at 99 × 10 ms plus one timer's lateness, not 99 × 11.5.
        assert.ok(starts[99] <= 990 + 1.5, `the 100th attempt at ${starts[99]} ms`);
        assert.strictEqual(pacer.take(5000), 0);
        assert.strictEqual(pacer.take(5000), 10, 'after a pause, one attempt now and the next in 10 ms');
    });

    it('counts attempts it could not hold back', function () {
        const pacer = new Pacer(10);
        pacer.spend(0);
        pacer.spend(0);
        assert.strictEqual(pacer.take(0), 200);
    });
});
