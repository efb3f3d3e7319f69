'use strict';
// Certificates made by openssl for the service-check tests, in a
// directory of the test's own: a throwaway CA (trusted the way a user
// would, through NODE_EXTRA_CA_CERTS), an intermediate CA, and leaves that
// are valid, expiring in 5 days, expired, for another name, self-signed,
// or signed by an intermediate that expires first. `openssl ca` sets the
// start and end dates of the expired one.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

function openssl(args, cwd) {
    return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** YYMMDDHHMMSSZ, as `openssl ca -startdate/-enddate` takes it. */
function asn1Time(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${pad(date.getUTCFullYear() % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`
        + `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
}

const CA_CONFIG = `
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = index.txt
serial = serial
new_certs_dir = issued
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = CA:false
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
[ intermediate ]
basicConstraints = critical, CA:true
keyUsage = keyCertSign, cRLSign
`;

/**
 * Makes the certificates; resolves to their file paths, plus `dir` and
 * `remove()`. Each leaf is for `localhost` and 127.0.0.1, but `otherName`.
 */
function makeCertificates() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-certs-'));
    fs.mkdirSync(path.join(dir, 'issued'));
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
    fs.writeFileSync(path.join(dir, 'ca.cnf'), CA_CONFIG);
    const run = (args) => openssl(args, dir);
    const key = (name) => run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);

    key('ca');
    run(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=port-check test CA', '-days', '30',
        '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=keyCertSign,cRLSign', '-out', 'ca.pem']);

    /** A leaf signed by `issuer` (ca or intermediate) from `start` to `end`. */
    const leaf = (name, { cn = 'localhost', san = 'DNS:localhost,IP:127.0.0.1', start, end, issuer = 'ca', extensions = 'leaf' }) => {
        key(name);
        run(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-out', `${name}.csr`]);
        run(['ca', '-batch', '-config', 'ca.cnf', '-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`, '-extensions', extensions,
            '-startdate', asn1Time(start), '-enddate', asn1Time(end), '-in', `${name}.csr`, '-out', `${name}.pem`]);
    };
    const now = Date.now();
    const day = 86_400_000;
    leaf('valid', { start: new Date(now - day), end: new Date(now + 400 * day) });
    leaf('expiring', { start: new Date(now - day), end: new Date(now + 5 * day) });
    leaf('expired', { start: new Date(now - 30 * day), end: new Date(now - 2 * day) });
    leaf('other', { cn: 'other.test', san: 'DNS:other.test', start: new Date(now - day), end: new Date(now + 400 * day) });
    // An intermediate CA that expires in 10 days, and a leaf under it valid for a year.
    leaf('intermediate', { cn: 'port-check test intermediate', san: 'DNS:intermediate.invalid', start: new Date(now - day), end: new Date(now + 10 * day), extensions: 'intermediate' });
    leaf('chained', { start: new Date(now - day), end: new Date(now + 365 * day), issuer: 'intermediate' });
    fs.writeFileSync(path.join(dir, 'chained-chain.pem'), fs.readFileSync(path.join(dir, 'chained.pem'), 'utf8') + fs.readFileSync(path.join(dir, 'intermediate.pem'), 'utf8'));
    key('self');
    run(['req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days', '100', '-out', 'self.pem']);

    const file = (name) => path.join(dir, name);
    return {
        dir,
        ca: file('ca.pem'),
        pair: (name) => ({ cert: file(name === 'chained' ? 'chained-chain.pem' : `${name}.pem`), key: file(`${name}.key`) }),
        /** What `openssl x509 -enddate` says of a certificate: its notAfter, as a Date. */
        endDate: (name) => new Date(run(['x509', '-noout', '-enddate', '-in', `${name}.pem`]).trim().replace(/^notAfter=/, '')),
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

module.exports = { makeCertificates };
