'use strict';
// For child processes started with a low fd limit (ulimit -n): opens
// /dev/null until the process is out of file descriptors, and gives back a
// function that closes them all again. It fills up again until nothing more
// frees up for a while: Node 22 may still hold an fd of its start-up (the
// extra CA certificates, read off the main thread) and close it a moment
// later, which a probe would then get.
const fs = require('fs');

/** Opens /dev/null into `held` until EMFILE; returns how many it opened. */
function fill(held) {
    let opened = 0;
    for (;;) {
        try {
            held.push(fs.openSync('/dev/null', 'r'));
            opened++;
        } catch (err) {
            if (err.code !== 'EMFILE') throw err;
            return opened;
        }
    }
}

module.exports = async function useUpFileDescriptors() {
    const held = [];
    fill(held);
    // Three quiet rounds of 10 ms in a row: nothing of the start-up is left to free an fd.
    for (let quiet = 0; quiet < 3;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        quiet = fill(held) === 0 ? quiet + 1 : 0;
    }
    return () => {
        for (const fd of held) fs.closeSync(fd);
    };
};
