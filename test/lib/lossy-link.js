'use strict';
// Two network namespaces joined by a link that loses and delays packets,
// which this kernel's missing netem cannot give: a TUN device in each
// namespace and test/lib/tun-relay.py between them, copying each packet
// across after `delayMs` unless it drops it (probability `loss`, each way).
// The client namespace reaches the target over IPv4 and IPv6 and nothing
// else (no default route): no test traffic can leave.
const path = require('path');
const { spawn } = require('child_process');
const { Namespace, run, uniqueName } = require('./netns');

const RELAY = path.join(__dirname, 'tun-relay.py');
const CLIENT = { v4: '10.77.0.1', v6: 'fd77::1' };
const TARGET = { v4: '10.77.0.2', v6: 'fd77::2' };

/** Waits for a line of the child's stdout that `test` accepts. */
function lineOf(child, test, ms = 10000) {
    return new Promise((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no such line from the relay in ${ms} ms: ${text}`)), ms);
        const onData = (data) => {
            text += data;
            const line = text.split('\n').find((l) => test(l));
            if (line === undefined) return;
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve(line);
        };
        child.stdout.on('data', onData);
        child.once('exit', (code) => reject(new Error(`the relay exited with ${code}: ${text}`)));
    });
}

/**
 * Makes the two namespaces and the link; `files` go to the client's
 * /etc/netns (hosts, resolv.conf). Resolves { client, target, addresses,
 * counts(), destroy() }.
 */
async function lossyLink({ delayMs = 20, loss = 0.1, seed, files = {} } = {}) {
    const client = new Namespace(uniqueName('pclc'), files);
    const target = new Namespace(uniqueName('pclt'));
    const name = uniqueName('tun');
    const [tunA, tunB] = [`${name}a`, `${name}b`];
    const args = [RELAY, tunA, tunB, '--delay-ms', String(delayMs), '--loss', String(loss)];
    if (seed !== undefined) args.push('--seed', String(seed));
    const relay = spawn('python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const destroy = () => {
        if (relay.exitCode === null) relay.kill('SIGKILL');
        client.destroy();
        target.destroy();
    };
    try {
        await lineOf(relay, (line) => line === 'ready');
        for (const [ns, dev, own, peer] of [[client, tunA, CLIENT, TARGET], [target, tunB, TARGET, CLIENT]]) {
            run('ip', ['link', 'set', dev, 'netns', ns.name]);
            run('ip', ['-n', ns.name, 'addr', 'add', `${own.v4}/32`, 'peer', `${peer.v4}/32`, 'dev', dev]);
            run('ip', ['-n', ns.name, 'addr', 'add', `${own.v6}/128`, 'peer', `${peer.v6}/128`, 'dev', dev, 'nodad']);
            run('ip', ['-n', ns.name, 'link', 'set', dev, 'up']);
            run('ip', ['-n', ns.name, '-6', 'route', 'replace', `${peer.v6}/128`, 'dev', dev]);
        }
    } catch (err) {
        destroy();
        throw err;
    }
    return {
        client,
        target,
        addresses: { client: CLIENT, target: TARGET },
        /** The relay's counts so far: packets each way, and those it dropped. */
        async counts() {
            const line = lineOf(relay, (l) => l.startsWith('{'));
            relay.kill('SIGUSR1');
            return JSON.parse(await line);
        },
        destroy,
    };
}

module.exports = { lossyLink, CLIENT, TARGET };
