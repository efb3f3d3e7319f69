'use strict';
// One message must not take Node-RED down (docs/architecture.md, "Runtime
// rules"). Each case runs one message through the node in a child process
// with a 256 MB heap, a Raspberry Pi's kind of Node-RED, over loopback:
//  - two hosts × 1-65535 is over the default limit of 65,536 probes: it
//    fails at once with "Too many probes", and no socket, lookup or thread
//    is started for it;
//  - with settings.js portCheck.maxProbesPerMessage at 131,072 the same
//    message completes (it crashed the process with a stack overflow in the
//    list report before), within the peak RSS the bench measures for it;
//  - 256 hosts × 256 ports completes, one summary per host.
const assert = require('assert');
const path = require('path');
const { execFile } = require('child_process');
const { assertErrorText } = require('../lib/reliability-harness');

const SCRIPT = path.join(__dirname, 'big-message-run.js');
const TWO_HOSTS = '127.0.0.1,127.0.0.2';
const HOSTS_256 = Array.from({ length: 256 }, (_, i) => `127.0.1.${i}`).join(',');
/**
 * Peak RSS a whole-range message may reach in the child: Node-RED at rest
 * is about 80 MB here, and bench section 5c measures the message's own
 * growth at 40-80 MB; the margin is for slower machines' heaps.
 */
const PEAK_RSS_LIMIT_MB = 240;

function runBig(spec, timeoutMs = 60000) {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ['--max-old-space-size=256', SCRIPT, JSON.stringify(spec)], { timeout: timeoutMs, maxBuffer: 1 << 20 },
            (err, stdout, stderr) => {
                if (err) return reject(new Error(`child ended with ${err.code ?? err.signal}: ${stderr}`));
                resolve(JSON.parse(stdout.trim().split('\n').pop()));
            });
    });
}

describe('reliability: one big message, a 256 MB heap', function () {
    this.timeout(90000);

    it('2 hosts × 1-65535 over the default limit: "Too many probes" at once, nothing started', async function () {
        const r = await runBig({ host: TWO_HOSTS, port: '1-65535' });
        assert.strictEqual(r.kind, 'catch', JSON.stringify(r));
        assert.strictEqual(r.error.code, 'TOO_MANY_PROBES');
        assertErrorText(r.error.message, 'TOO_MANY_PROBES');
        for (const named of ['131070', '65536', 'portCheck.maxProbesPerMessage']) {
            assert.ok(r.error.message.includes(named), `${JSON.stringify(r.error.message)} names ${named}`);
        }
        assert.ok(r.ms < 200, `answered in ${r.ms} ms`);
        assert.deepStrictEqual({ tcp: r.tcpSockets, dns: r.dnsLookups, threads: r.threads }, { tcp: 0, dns: 0, threads: 0 });
    });

    it('with portCheck.maxProbesPerMessage 131072 the same message completes, within the peak RSS measured by the bench', async function () {
        const r = await runBig({ host: TWO_HOSTS, port: '1-65535', limit: 131072 });
        assert.strictEqual(r.kind, 'output', JSON.stringify(r));
        assert.strictEqual(r.entries, 131070);
        assert.strictEqual(r.hosts, 2);
        assert.strictEqual(r.errors, 0, 'every port answered with a state');
        assert.ok(r.peakRssMb < PEAK_RSS_LIMIT_MB, `peak RSS ${r.peakRssMb} MB (at rest ${r.rssBeforeMb} MB)`);

        console.log(`      2 × 65,535 probes in ${r.ms} ms; peak RSS ${r.peakRssMb} MB (at rest ${r.rssBeforeMb} MB)`);
    });

    it('256 hosts × 256 ports completes, with a summary per host', async function () {
        const r = await runBig({ host: HOSTS_256, port: '1-256' });
        assert.strictEqual(r.kind, 'output', JSON.stringify(r));
        assert.strictEqual(r.entries, 65536);
        assert.strictEqual(r.hosts, 256);
        assert.ok(r.peakRssMb < PEAK_RSS_LIMIT_MB, `peak RSS ${r.peakRssMb} MB`);

        console.log(`      256 × 256 probes in ${r.ms} ms; peak RSS ${r.peakRssMb} MB (at rest ${r.rssBeforeMb} MB)`);
    });

    it('one host × 1-65535 (at the limit) completes over the scan threads', async function () {
        const r = await runBig({ host: '127.0.0.1', port: '1-65535' });
        assert.strictEqual(r.kind, 'output', JSON.stringify(r));
        assert.strictEqual(r.entries, 65535);
        assert.ok(r.threads >= 1 || require('os').availableParallelism() === 1, 'the scan went over threads');
        assert.ok(r.peakRssMb < PEAK_RSS_LIMIT_MB, `peak RSS ${r.peakRssMb} MB`);

        console.log(`      1 × 65,535 probes in ${r.ms} ms; peak RSS ${r.peakRssMb} MB (at rest ${r.rssBeforeMb} MB)`);
    });
});
