'use strict';
// No DNS query leaves this machine during the tests. The node resolves
// names through dns.Resolver (c-ares), which asks the servers of
// /etc/resolv.conf: here every Resolver, and the default one, is pointed
// at 127.0.0.1:9, where nothing listens, so a query that no test meant to
// answer fails at once with ECONNREFUSED ("no DNS server could be
// reached"). A test that wants answers starts a DNS server of its own on
// loopback (test/lib/reliability-dns.js) and hands it to the node with
// settings.js `portCheck.dnsServers`, which the node sets on its resolver
// after this. Loaded by .mocharc.json and the matrix (--require); it puts
// itself into NODE_OPTIONS so that the child processes the tests start get
// it too. A child in a network namespace of a test's own (no route out)
// may turn it off with PORT_CHECK_DNS_GUARD=off, to test resolv.conf.
const dns = require('dns');

const NOWHERE = ['127.0.0.1:9'];
const Original = dns.Resolver;

class LoopbackResolver extends Original {
    constructor(...args) {
        super(...args);
        super.setServers(NOWHERE);
    }
}

const off = process.env.PORT_CHECK_DNS_GUARD === 'off';
if (!off && !dns.Resolver.portCheckGuard) {
    LoopbackResolver.portCheckGuard = true;
    dns.Resolver = LoopbackResolver;
    dns.promises.Resolver = class extends dns.promises.Resolver {
        constructor(...args) {
            super(...args);
            super.setServers(NOWHERE);
        }
    };
    dns.setServers(NOWHERE);
    const preload = `--require ${JSON.stringify(__filename)}`;
    if (!(process.env.NODE_OPTIONS || '').includes(__filename)) {
        process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS || ''} ${preload}`.trim();
    }
}

module.exports = { NOWHERE };
