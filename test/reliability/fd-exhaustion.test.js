'use strict';
// Reliability: fd exhaustion. In a child process limited to 128 fds
// (`ulimit -n 128`), a burst larger than the limit through four port check
// nodes with Max concurrent 256: every result is the right state or the
// "Local error" error, never `closed`, `filtered` or `true` caused by the
// local failure; every message settles exactly once, and Node-RED keeps
// running and answers correctly once the burst is over. With the cap below
// the limit, every result is the right state.
const assert = require('assert');
const path = require('path');
const { loopbackTargets } = require('../lib/reliability-flows');
const { scale, runWithFdLimit, assertErrorText } = require('../lib/reliability-harness');

const LIMIT = 128;
const BURST = scale(600, 3000);
const SCRIPT = path.join(__dirname, 'fd-burst-run.js');

/** Checks every outcome of a run; returns counts by kind. */
function checkOutcomes(report, { allowLocalError }) {
    const tally = { right: 0, localError: 0 };
    for (const item of report.plan) {
        const list = report.outcomes[item.n] || [];
        const where = `message ${item.n} (${item.phase}, ${item.node}, ${item.target} port on ${item.host}): ${JSON.stringify(list)}`;
        assert.strictEqual(list.length, 1, `${where}: one outcome`);
        const outcome = list[0];
        let error;
        if (outcome.kind === 'caught') {
            assert.ok(!item.continueOnError, `${where}: raised although Continue On Error is on`);
            error = { code: outcome.code, message: outcome.message };
        } else if (outcome.error) {
            assert.ok(item.continueOnError, `${where}: sent with an error although Continue On Error is off`);
            assert.strictEqual(outcome.payload, false, `${where}: an error never yields true`);
            error = outcome.error;
        }
        if (error) {
            assert.ok(allowLocalError && item.phase === 'burst', `${where}: no error expected here`);
            assert.strictEqual(error.code, 'LOCAL_ERROR', `${where}: out of fds is a "Local error", not ${error.code}`);
            assertErrorText(error.message, 'LOCAL_ERROR');
            assert.ok(/EMFILE|ENFILE/.test(error.message), `${where}: names EMFILE`);
            assert.strictEqual(outcome.state, undefined, `${where}: a local error is not a state`);
            tally.localError++;
            continue;
        }
        assert.strictEqual(outcome.state, item.target, `${where}: the state is the port's own`);
        const match = item.check === 'open' ? item.target === 'open' : item.target !== 'open';
        assert.strictEqual(outcome.payload, match, `${where}: payload`);
        tally.right++;
    }
    return tally;
}

describe('reliability: fd exhaustion', function () {
    this.timeout(scale(90000, 300000));
    const targets = loopbackTargets();

    it(`a burst of ${BURST} messages with the cap (256) above a ${LIMIT}-fd limit: right states or "Local error", never a false state`, async function () {
        const { open, refused, filtered } = targets;
        const { report } = await runWithFdLimit(LIMIT, SCRIPT, [BURST, 256, open.port, refused, filtered.port], 80000);
        assert.strictEqual(report.limit, LIMIT, 'the child runs under the limit');
        assert.deepStrictEqual(report.failures, [], 'no uncaught exception or unhandled rejection');
        assert.strictEqual(report.doubled, 0, 'no message sent or done twice');
        assert.strictEqual(report.settled, BURST + 20, 'every message done once');
        const tally = checkOutcomes(report, { allowLocalError: true });

        console.log(`      limit ${report.limit} fds (${report.baselineFds} used at rest, peak ${report.peakFds}): ` +
            `${tally.right} right states, ${tally.localError} "Local error"; burst answered in ${report.burstMs} ms`);
        assert.ok(tally.localError > 0, 'the burst did run out of fds (else this test proves nothing)');
    });

    it(`with the cap below the limit (4 nodes x 8, two sockets a localhost probe) every result is right`, async function () {
        const { open, refused, filtered } = targets;
        const { report } = await runWithFdLimit(LIMIT, SCRIPT, [BURST, 8, open.port, refused, filtered.port], 80000);
        assert.strictEqual(report.limit, LIMIT);
        assert.deepStrictEqual(report.failures, []);
        assert.strictEqual(report.doubled, 0);
        assert.strictEqual(report.settled, BURST + 20);
        const tally = checkOutcomes(report, { allowLocalError: false });

        console.log(`      limit ${report.limit} fds (${report.baselineFds} used at rest, peak ${report.peakFds}): ` +
            `${tally.right} right states; burst answered in ${report.burstMs} ms`);
    });
});
