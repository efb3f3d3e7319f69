'use strict';
// Network namespaces of a test's own, for what loopback cannot show: a
// hosts file or resolv.conf of the test's choosing (`ip netns exec` mounts
// /etc/netns/NAME/* over /etc/*), links between namespaces (veth pairs),
// firewall rules. Needs root, Linux and iproute2. `requireRoot()` skips a
// suite with the reason, or fails it under CI=true, where .ci/run has
// installed what is missing.
const fs = require('fs');
const path = require('path');
const { execFileSync, spawn } = require('child_process');

const CI = /^(1|true|yes)$/i.test(process.env.CI || '');

function run(command, args, options = {}) {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000, ...options });
}

function have(command) {
    try {
        execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

/**
 * Why namespaces cannot be made here ('' when they can). `tools` are the
 * other commands the suite needs (iptables, ip6tables, …).
 */
function whyNot(tools = []) {
    const why = [];
    if (process.platform !== 'linux') why.push('not Linux');
    if (typeof process.getuid === 'function' && process.getuid() !== 0) why.push('not root');
    for (const tool of ['ip', ...tools]) if (!have(tool)) why.push(`no \`${tool}\``);
    return why.join(', ');
}

/**
 * In a mocha `before`: skips the suite with the reason when namespaces or
 * tools are missing; under CI=true, where .ci/run installs them, the
 * missing tool is a failure. Not being root stays a skip everywhere.
 */
function requireRoot(context, tools = []) {
    const why = whyNot(tools);
    if (!why) return;
    if (CI && !/not root|not Linux/.test(why)) throw new Error(`CI=true, yet: ${why} (.ci/run should have installed it)`);

    console.log(`      skipped: ${why}`);
    context.skip();
}

let counter = 0;

/** A fresh name, short enough for interface names too (15 characters). */
function uniqueName(prefix) {
    counter += 1;
    return `${prefix}${process.pid % 100000}${counter}`.slice(0, 12);
}

/** One namespace, with lo up; `files` go to /etc/netns/NAME/ (hosts, resolv.conf, …). */
class Namespace {
    constructor(name, files = {}) {
        this.name = name;
        this.etc = path.join('/etc/netns', name);
        run('ip', ['netns', 'add', name]);
        run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
        if (Object.keys(files).length > 0) {
            fs.mkdirSync(this.etc, { recursive: true });
            for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(this.etc, file), text);
        }
        this.children = new Set();
    }

    /** Runs a command inside; its stdout. */
    exec(command, args, options) {
        return run('ip', ['netns', 'exec', this.name, command, ...args], options);
    }

    /** Starts a process inside; killed by destroy(). */
    spawn(command, args, options = {}) {
        const child = spawn('ip', ['netns', 'exec', this.name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
        this.children.add(child);
        child.once('exit', () => this.children.delete(child));
        return child;
    }

    /** Runs a node script inside; resolves with the last line of its stdout, parsed as JSON. */
    runNode(script, args = [], { nodeArgs = [], env = process.env, timeoutMs = 60000 } = {}) {
        return new Promise((resolve, reject) => {
            const child = this.spawn(process.execPath, [...nodeArgs, script, ...args.map(String)], { env });
            let out = '';
            let err = '';
            child.stdout.on('data', (chunk) => { out += chunk; });
            child.stderr.on('data', (chunk) => { err += chunk; });
            const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
            child.once('exit', (code, signal) => {
                clearTimeout(timer);
                const last = out.trim().split('\n').pop();
                if (code !== 0) return reject(new Error(`${path.basename(script)} in ${this.name} ended with ${code ?? signal}\n${err}${out}`));
                try {
                    resolve(JSON.parse(last));
                } catch {
                    reject(new Error(`${path.basename(script)} printed no JSON line: ${out}\n${err}`));
                }
            });
        });
    }

    destroy() {
        for (const child of this.children) child.kill('SIGKILL');
        try {
            run('ip', ['netns', 'del', this.name]); // takes its ends of veth pairs with it
        } catch {
            // already gone
        }
        fs.rmSync(this.etc, { recursive: true, force: true });
    }
}

/**
 * Joins two namespaces with a veth pair. `a` and `b` are the addresses with
 * their prefix ('10.1.0.1/30'); IPv6 ones ('fd00::1/64') may be added too.
 * No default route is set: nothing can leave either namespace.
 */
function link(nsA, nsB, { a = [], b = [] } = {}) {
    const name = uniqueName('v');
    const [devA, devB] = [`${name}a`, `${name}b`];
    run('ip', ['link', 'add', devA, 'netns', nsA.name, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB.name]);
    for (const [ns, dev, addresses] of [[nsA, devA, a], [nsB, devB, b]]) {
        for (const address of addresses) {
            // nodad: an IPv6 address is usable at once, not after duplicate detection.
            const extra = address.includes(':') ? ['nodad'] : [];
            run('ip', ['-n', ns.name, 'addr', 'add', address, 'dev', dev, ...extra]);
        }
        run('ip', ['-n', ns.name, 'link', 'set', dev, 'up']);
    }
    return { devA, devB };
}

module.exports = { CI, run, have, whyNot, requireRoot, uniqueName, Namespace, link };
