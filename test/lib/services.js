'use strict';
// Real servers from Debian for the service-check tests, each started on a
// free loopback port with a throwaway configuration in a directory of the
// test's own, and stopped (and its directory removed) by `stop()`:
// OpenSSH's sshd, redis-server, Dovecot (IMAP and POP3 with STARTTLS),
// PostgreSQL (with SSL), Postfix (SMTP with STARTTLS), vsftpd (FTP with
// AUTH TLS), MariaDB, Mosquitto (MQTT) and Python's http.server.
// `missing(name)` says why one cannot run here (a
// test skips with that reason, or fails under CI=true, where .ci/run
// installs them).
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const { CI } = require('./netns');

const BINARIES = {
    sshd: '/usr/sbin/sshd',
    redis: '/usr/bin/redis-server',
    dovecot: '/usr/sbin/dovecot',
    postgres: '/usr/lib/postgresql/15/bin/postgres',
    postfix: '/usr/sbin/postfix',
    vsftpd: '/usr/sbin/vsftpd',
    mariadb: '/usr/sbin/mariadbd',
    mosquitto: '/usr/sbin/mosquitto',
    http: '/usr/bin/python3',
};
/** Servers that only root can start (Postfix's master, vsftpd's listener: both drop privileges per connection). */
const ROOT_ONLY = new Set(['sshd', 'postgres', 'postfix', 'vsftpd']);

function which(file) {
    if (fs.existsSync(file)) return file;
    try {
        return execFileSync('/bin/sh', ['-c', `command -v ${path.basename(file)}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
        return undefined;
    }
}

/** The PostgreSQL server and initdb of this machine (any version of Debian's layout). */
function postgresBin() {
    const root = '/usr/lib/postgresql';
    if (!fs.existsSync(root)) return undefined;
    const version = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)).find((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres')));
    return version && path.join(root, version, 'bin');
}

/** Why `name` cannot be started here, or '' when it can. */
function missing(name) {
    if (typeof process.getuid === 'function' && process.getuid() !== 0 && ROOT_ONLY.has(name)) return 'not root';
    if (name === 'postgres') return postgresBin() ? '' : 'no PostgreSQL server (apt-get install postgresql)';
    return which(BINARIES[name]) ? '' : `no ${BINARIES[name]} (.ci/run installs it)`;
}

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

/** Resolves once something accepts connections on 127.0.0.1:port, or rejects after `ms`. */
async function listening(port, child, ms = 15000) {
    const started = Date.now();
    for (;;) {
        if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${child.output}`);
        const ok = await new Promise((resolve) => {
            const socket = net.connect(port, '127.0.0.1');
            socket.once('connect', () => { socket.destroy(); resolve(true); });
            socket.once('error', () => resolve(false));
        });
        if (ok) return;
        if (Date.now() - started > ms) throw new Error(`nothing listens on ${port} after ${ms} ms: ${child.output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function startProcess(command, args, options = {}) {
    // A process group of its own: stop() ends the server and whatever it started (runuser's child, Dovecot's).
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
    child.output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (d) => { child.output += d; });
    return child;
}

function stopper(child, dir) {
    return async () => {
        const signal = (name) => {
            try {
                process.kill(-child.pid, name);
            } catch {
                // already gone
            }
        };
        if (child.exitCode === null) {
            signal('SIGTERM');
            await new Promise((resolve) => {
                const timer = setTimeout(() => { signal('SIGKILL'); resolve(); }, 3000);
                child.once('exit', () => { clearTimeout(timer); resolve(); });
            });
        }
        signal('SIGKILL'); // what is left of the group
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    };
}

const tempDir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `port-check-${name}-`));

async function startSshd() {
    const dir = tempDir('sshd');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
    const port = await freePort();
    const child = startProcess(which(BINARIES.sshd), ['-D', '-e', '-f', '/dev/null', '-h', path.join(dir, 'host_key'), '-p', String(port),
        '-o', 'ListenAddress=127.0.0.1', '-o', `PidFile=${path.join(dir, 'pid')}`]);
    await listening(port, child);
    return { port, stop: stopper(child, dir) };
}

async function startRedis() {
    const dir = tempDir('redis');
    const port = await freePort();
    const child = startProcess(which(BINARIES.redis), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
    await listening(port, child);
    return { port, stop: stopper(child, dir) };
}

/** Dovecot with IMAP and POP3 (STARTTLS) on ports of their own, with the certificate `pair`. */
async function startDovecot(pair) {
    const dir = tempDir('dovecot');
    const [imap, pop3] = [await freePort(), await freePort()];
    for (const sub of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, sub));
    const config = path.join(dir, 'dovecot.conf');
    fs.writeFileSync(config, `protocols = imap pop3
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/log
ssl = yes
ssl_cert = <${pair.cert}
ssl_key = <${pair.key}
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/home
}
service imap-login {
  inet_listener imap {
    port = ${imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
`);
    const child = startProcess(which(BINARIES.dovecot), ['-F', '-c', config]);
    await listening(imap, child);
    await listening(pop3, child);
    return { imap, pop3, stop: stopper(child, dir) };
}

/** A PostgreSQL of its own (initdb in a temporary directory, as the postgres user) with SSL and `pair`. */
async function startPostgres(pair) {
    const bin = postgresBin();
    const dir = tempDir('postgres');
    const data = path.join(dir, 'data');
    // The server refuses to run as root, and wants its key readable by itself only.
    for (const [from, to] of [[pair.cert, 'server.crt'], [pair.key, 'server.key']]) fs.copyFileSync(from, path.join(dir, to));
    fs.chmodSync(path.join(dir, 'server.key'), 0o600);
    execFileSync('chown', ['-R', 'postgres', dir]);
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres'], { stdio: 'ignore' });
    const port = await freePort();
    const child = startProcess('runuser', ['-u', 'postgres', '--', path.join(bin, 'postgres'), '-D', data, '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'ssl=on',
        '-c', `ssl_cert_file=${path.join(dir, 'server.crt')}`, '-c', `ssl_key_file=${path.join(dir, 'server.key')}`]);
    await listening(port, child);
    return { port, stop: stopper(child, dir) };
}

/**
 * Postfix's smtpd on two loopback ports: `port` with STARTTLS
 * (smtpd_tls_security_level = may) and the certificate `pair`, `plain`
 * without TLS (the same smtpd with `-o smtpd_tls_security_level=none` in
 * master.cf: no STARTTLS in its EHLO answer). A throwaway instance: main.cf
 * and master.cf in DIR/etc, the queue and data directories beside it (not
 * inside: the start-up check wants all of the configuration directory owned
 * by root), the log in DIR/maillog (there is no syslog here, and Postfix
 * writes to stderr only on a terminal). master.cf holds the smtpds (not
 * chrooted), tlsmgr (without it smtpd has "no entropy" and answers STARTTLS
 * with 454) and postlogd: no pickup, qmgr or cleanup, as nothing is
 * delivered. `postfix -c DIR/etc start-fg` (Postfix >= 3.3) creates the
 * missing queue directories with their owners (post-install create-missing)
 * and runs `master -s` in the foreground; the master makes a session of its
 * own (setsid), so stop() signals it by its pid file, then the group of
 * postfix-script.
 */
async function startPostfix(pair) {
    const dir = tempDir('postfix');
    fs.chmodSync(dir, 0o755); // the daemons run as the postfix user
    const [etc, queue, data, log] = ['etc', 'queue', 'data', 'maillog'].map((name) => path.join(dir, name));
    fs.mkdirSync(etc);
    fs.mkdirSync(queue); // the postfix command chdirs there before post-install could create it
    const [port, plain] = [await freePort(), await freePort()];
    fs.writeFileSync(path.join(etc, 'main.cf'), `compatibility_level = 3.6
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
queue_directory = ${queue}
data_directory = ${data}
maillog_file = ${log}
maillog_file_prefixes = ${dir}
# Nothing that needs proxymap (smtpd waits for it at its start) or cleanup (the postmaster's notices).
local_recipient_maps =
alias_maps =
alias_database =
notify_classes =
biff = no
smtpd_tls_cert_file = ${pair.cert}
smtpd_tls_key_file = ${pair.key}
smtpd_tls_security_level = may
`);
    fs.writeFileSync(path.join(etc, 'master.cf'), `127.0.0.1:${port} inet n - n - - smtpd
127.0.0.1:${plain} inet n - n - - smtpd -o smtpd_tls_security_level=none
tlsmgr unix - - n 1000? 1 tlsmgr
postlog unix-dgram n - n - 1 postlogd
`);
    const child = startProcess(which(BINARIES.postfix), ['-c', etc, 'start-fg']);
    const masterPid = () => Number(fs.readFileSync(path.join(queue, 'pid', 'master.pid'), 'utf8').trim());
    const stopGroup = stopper(child, dir);
    const stop = async () => {
        try {
            process.kill(masterPid(), 'SIGTERM'); // the master ends its children, then postfix-script (its parent) exits
        } catch {
            // not started, or gone
        }
        if (child.exitCode === null) {
            await new Promise((resolve) => {
                const timer = setTimeout(resolve, 3000);
                child.once('exit', () => { clearTimeout(timer); resolve(); });
            });
        }
        try {
            process.kill(-masterPid(), 'SIGKILL'); // whatever is left of the master's group
        } catch {
            // gone
        }
        await stopGroup();
    };
    try {
        await listening(port, child);
        await listening(plain, child);
    } catch (err) {
        err.message += `\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '(no maillog)'}`;
        await stop();
        throw err;
    }
    return { port, plain, log, stop };
}

/**
 * vsftpd (the real one: it runs here) with FTPS by AUTH TLS (RFC 4217), on a
 * loopback port, in the foreground (background=NO), with the certificate
 * `pair`; anonymous logins into an empty directory. seccomp_sandbox=NO, as
 * containers want; ftp_username=nobody, so the ftp user is not needed;
 * ssl_ciphers=HIGH, since vsftpd 3.0.3's default (DES-CBC3-SHA) is none a
 * TLS 1.2 client of today accepts (TLS 1.3 would not care).
 */
async function startVsftpd(pair) {
    const dir = tempDir('vsftpd');
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty, { mode: 0o755 });
    const port = await freePort();
    const config = path.join(dir, 'vsftpd.conf');
    fs.writeFileSync(config, `listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=${port}
background=NO
anonymous_enable=YES
no_anon_password=YES
ftp_username=nobody
anon_root=${empty}
local_enable=NO
write_enable=NO
secure_chroot_dir=${empty}
seccomp_sandbox=NO
ssl_enable=YES
ssl_ciphers=HIGH
rsa_cert_file=${pair.cert}
rsa_private_key_file=${pair.key}
vsftpd_log_file=${path.join(dir, 'log')}
`);
    const child = startProcess(which(BINARIES.vsftpd), [config]);
    await listening(port, child);
    return { port, stop: stopper(child, dir) };
}

const asRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * MariaDB with a data directory of its own (mariadb-install-db, the default
 * grant tables), its socket and pid file beside it, TCP on a loopback port.
 * --no-defaults: nothing of /etc/mysql. As root it runs as root (--user=root).
 */
async function startMariadb() {
    const dir = tempDir('mariadb');
    const data = path.join(dir, 'data');
    const user = asRoot() ? ['--user=root'] : [];
    execFileSync(which('/usr/bin/mariadb-install-db') || which('/usr/bin/mysql_install_db'),
        ['--no-defaults', `--datadir=${data}`, '--skip-test-db', ...user], { stdio: 'ignore' });
    const port = await freePort();
    const child = startProcess(which(BINARIES.mariadb), ['--no-defaults', `--datadir=${data}`, `--socket=${path.join(dir, 'sock')}`,
        `--pid-file=${path.join(dir, 'pid')}`, `--port=${port}`, '--bind-address=127.0.0.1', '--skip-networking=0', ...user]);
    await listening(port, child, 30000);
    return { port, stop: stopper(child, dir) };
}

/** Mosquitto (MQTT 3.1.1 and 5) on a loopback port, anonymous clients allowed, nothing kept on disk. */
async function startMosquitto() {
    const dir = tempDir('mosquitto');
    const port = await freePort();
    const config = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    const child = startProcess(which(BINARIES.mosquitto), ['-c', config]);
    await listening(port, child);
    return { port, stop: stopper(child, dir) };
}

/** Python's http.server on a loopback port, serving an empty directory. */
async function startHttpServer() {
    const dir = tempDir('http');
    const port = await freePort();
    const child = startProcess(which(BINARIES.http), ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', dir, String(port)]);
    await listening(port, child);
    return { port, stop: stopper(child, dir) };
}

/** In a mocha `before`: starts the server, or skips (fails under CI=true) with why it cannot run here. */
async function serverOr(context, name, start) {
    const why = missing(name);
    if (why) {
        if (CI && why !== 'not root') throw new Error(`CI=true, yet ${why}`);
        console.log(`      skipped: ${why}`);
        context.skip();
    }
    return start();
}

module.exports = { missing, freePort, serverOr, startSshd, startRedis, startDovecot, startPostgres, startPostfix, startVsftpd,
    startMariadb, startMosquitto, startHttpServer };
