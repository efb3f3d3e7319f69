'use strict';
// What this process holds, as Linux's /proc tells it: all threads together,
// so sockets opened by worker threads count too.
const fs = require('fs');

/** Sockets open in this process. */
function openSockets() {
    let count = 0;
    for (const fd of fs.readdirSync('/proc/self/fd')) {
        try {
            if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) count++;
        } catch {
            // the readdir's own descriptor, gone by now
        }
    }
    return count;
}

/** Operating-system threads of this process. */
function osThreads() {
    return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
}

/** Resolves once `condition()` holds; rejects after `timeoutMs`, naming `what`. */
async function waitFor(condition, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}

module.exports = { openSockets, osThreads, waitFor };
