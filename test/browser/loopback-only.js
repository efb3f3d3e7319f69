'use strict';
// Preloaded (node --require) into the Node-RED processes of the browser and
// packed-install tests: they deploy flows the tests did not write (the
// package's examples), and tests here may only reach loopback addresses.
// Host names other than localhost do not resolve, and a TCP connection to
// an address outside 127.0.0.0/8 and ::1 fails at once with EACCES, before
// any packet leaves. Printed once at start so the log says it is in force.
const dns = require('dns');
const net = require('net');
require('../lib/dns-guard'); // c-ares too: every DNS query goes to 127.0.0.1:9, where nothing answers

function isLoopback(address) {
    const text = String(address).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    if (net.isIPv4(text)) return text.startsWith('127.');
    if (net.isIPv6(text)) {
        const lower = text.toLowerCase();
        return lower === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(lower) || /^::ffff:127\./.test(lower);
    }
    return false;
}

function isLocalName(hostname) {
    const name = String(hostname).toLowerCase().replace(/\.$/, '');
    return name === 'localhost' || name.endsWith('.localhost');
}

function refused(what) {
    const err = new Error(`loopback-only (test guard): refused ${what}`);
    err.code = 'EACCES';
    err.errno = -13;
    err.syscall = 'connect';
    return err;
}

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
    if (typeof options === 'function') {
        callback = options;
        options = {};
    }
    if (typeof hostname !== 'string' || hostname === '' || net.isIP(hostname) || isLocalName(hostname)) {
        return originalLookup.call(dns, hostname, options, callback);
    }
    const err = new Error(`getaddrinfo ENOTFOUND ${hostname} (loopback-only test guard)`);
    err.code = 'ENOTFOUND';
    err.errno = -3008;
    err.syscall = 'getaddrinfo';
    err.hostname = hostname;
    process.nextTick(callback, err);
    return {};
};

const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = function lookup(hostname, options) {
    if (typeof hostname !== 'string' || hostname === '' || net.isIP(hostname) || isLocalName(hostname)) {
        return originalPromisesLookup.call(dns.promises, hostname, options);
    }
    const err = new Error(`getaddrinfo ENOTFOUND ${hostname} (loopback-only test guard)`);
    err.code = 'ENOTFOUND';
    err.hostname = hostname;
    return Promise.reject(err);
};

/** The host of a Socket#connect call, whichever of its forms was used; undefined for a unix socket. */
function targetHost(args) {
    let options = args[0];
    if (Array.isArray(options)) options = options[0]; // net.connect's normalized arguments
    if (options === null || options === undefined) return 'localhost';
    if (typeof options === 'object') {
        if (options.path) return undefined;
        return options.host || 'localhost';
    }
    if (typeof options === 'string' && !/^\d+$/.test(options)) return undefined; // a pipe path
    return typeof args[1] === 'string' ? args[1] : 'localhost';
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
    const host = targetHost(args);
    if (host !== undefined && net.isIP(String(host).replace(/%.*$/, '')) && !isLoopback(host)) {
        const err = refused(`a connection to ${host}`);
        process.nextTick(() => this.destroy(err));
        return this;
    }
    return originalConnect.apply(this, args);
};

process.stdout.write('[loopback-only] test guard on: only localhost and loopback addresses can be reached\n');
