'use strict';
// For child processes started with a low fd limit (ulimit -n): opens
// /dev/null until the process is out of file descriptors, and gives back a
// function that closes them all again.
const fs = require('fs');

module.exports = function useUpFileDescriptors() {
    const held = [];
    for (;;) {
        try {
            held.push(fs.openSync('/dev/null', 'r'));
        } catch (err) {
            if (err.code !== 'EMFILE') throw err;
            break;
        }
    }
    return () => {
        for (const fd of held) fs.closeSync(fd);
    };
};
