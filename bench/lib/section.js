'use strict';
// Each bench section runs in its own child process (fresh heap, its own
// event loop, the node flags it needs such as --expose-gc). This is the
// plumbing on both sides: `runSection` in the parent, `sectionMain` in the
// child. A section resolves with { rows, notes } (see run.js for the row
// fields); the child sends it over IPC and exits.
const path = require('path');
const { fork } = require('child_process');

/**
 * In the parent: runs bench/sections/<name>.js with `execArgv` flags and
 * resolves with its result; rejects if it fails or outlives `timeoutMs`.
 */
function runSection(name, { execArgv = [], options = {}, timeoutMs = 300000 } = {}) {
    const file = path.join(__dirname, '..', 'sections', `${name}.js`);
    return new Promise((resolve, reject) => {
        const child = fork(file, [], {
            execArgv,
            env: { ...process.env, BENCH_OPTIONS: JSON.stringify(options) },
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        let result;
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`section ${name} took longer than ${timeoutMs / 1000} s`));
        }, timeoutMs);
        child.on('message', (message) => {
            if (message && message.type === 'result') result = message.result;
        });
        child.once('error', (err) => { clearTimeout(timer); reject(err); });
        child.once('exit', (code, signal) => {
            clearTimeout(timer);
            if (result) resolve(result);
            else reject(new Error(`section ${name} exited (${signal || code}) without a result`));
        });
    });
}

/**
 * In the child: runs `main(options)` and hands its result to the parent (or
 * prints it, when the section is run on its own with `node bench/sections/x.js`).
 */
function sectionMain(main) {
    const options = JSON.parse(process.env.BENCH_OPTIONS || '{}');
    main(options).then((result) => {
        if (process.send) {
            process.send({ type: 'result', result }, () => process.exit(0));
        } else {
            console.log(JSON.stringify(result, null, 2));
            process.exit(0);
        }
    }, (err) => {
        console.error(err && err.stack ? err.stack : err);
        process.exit(1);
    });
}

/** Progress on stderr, so that stdout stays the table. */
function log(...args) {
    if (process.env.BENCH_QUIET) return;
    process.stderr.write(`  ${args.join(' ')}\n`);
}

module.exports = { runSection, sectionMain, log };
