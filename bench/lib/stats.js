'use strict';
// Small statistics and formatting helpers shared by the bench sections.

/** The median of a list of numbers (the mean of the two middle ones for an even count). */
function median(values) {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0-100), nearest-rank method: always one of the samples. */
function percentile(sortedValues, p) {
    if (sortedValues.length === 0) return NaN;
    const rank = Math.ceil((p / 100) * sortedValues.length);
    return sortedValues[Math.min(sortedValues.length, Math.max(1, rank)) - 1];
}

/** A number with a sensible count of significant digits for a table cell. */
function fmt(value, digits = 3) {
    if (value === undefined || value === null || Number.isNaN(value)) return '—';
    const abs = Math.abs(value);
    if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
    if (abs >= 100) return value.toFixed(0);
    return Number(value.toPrecision(digits)).toString();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets pending I/O callbacks and timers run (a few turns of the event loop). */
const settleLoop = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/** Full garbage collection when the process runs with --expose-gc; true if it ran. */
function collectGarbage() {
    if (typeof global.gc !== 'function') return false;
    global.gc();
    global.gc();
    return true;
}

/** RSS and heap in MB. */
function memoryMb() {
    const m = process.memoryUsage();
    return { rss: m.rss / 1048576, heapUsed: m.heapUsed / 1048576, external: m.external / 1048576 };
}

/** process.getActiveResourcesInfo() as counts by kind, e.g. { TCPSocketWrap: 2, Timeout: 1 }. */
function activeResources() {
    const counts = {};
    for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] || 0) + 1;
    return counts;
}

function describeResources(counts) {
    const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
    return entries.length ? entries.map(([kind, n]) => `${kind}×${n}`).join(', ') : 'none';
}

module.exports = { median, percentile, fmt, sleep, settleLoop, collectGarbage, memoryMb, activeResources, describeResources };
