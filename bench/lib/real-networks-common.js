'use strict';
// Section 6's shared parts (bench/sections/6-real-networks.js): its constants,
// small helpers and the rows it reports when a part is skipped or fails.
const path = require('path');
const { performance } = require('perf_hooks');
const { log } = require('./section');

const FLOW_RUN = path.join(__dirname, '..', '..', 'test', 'lib', 'flow-run.js');
const PORT_BASE = 7100;
const PORT_COUNT = 100;
const PORTS = `${PORT_BASE}-${PORT_BASE + PORT_COUNT - 1}`;
const DUAL_PORT = 7300;
/** How late past its timeout an answer may come (the target). */
const LATE_MS = 20;
const DNS_DELAY_MS = 200;
/** The node's cap on DNS queries in flight, for the reference baseline: the node's own constant, not a copy. */
const { MAX_QUERIES_IN_FLIGHT: NODE_QUERIES_IN_FLIGHT } = require('../../lib/dns/resolver.js');
/** Closed ports for the rate row: below the ephemeral range, where nothing of the bench listens. */
const RATE_FIRST_PORT = 21000;
const RATE = 100;

const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);
const since = (started) => performance.now() - started;
const pct = (part, whole) => (whole ? (100 * part) / whole : NaN);

function skippedRow(id, what, why) {
    return { id, measure: `Real networks: ${what}: skipped: ${why}`, ours: `skipped: ${why}`, baseline: '—', ratio: null, target: '—', met: null, runs: 0 };
}

function failedRow(id, what, err) {
    log(`${id} FAILED: ${err && err.stack ? err.stack : err}`);
    return { id, measure: `Real networks: ${what}: FAILED`, ours: String(err && err.message ? err.message : err), baseline: '—', ratio: null, target: '—', met: false, runs: 0 };
}

module.exports = {
    FLOW_RUN, PORT_BASE, PORT_COUNT, PORTS, DUAL_PORT, LATE_MS, DNS_DELAY_MS, NODE_QUERIES_IN_FLIGHT, RATE_FIRST_PORT, RATE,
    range, since, pct, skippedRow, failedRow,
};
