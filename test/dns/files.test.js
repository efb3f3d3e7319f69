'use strict';
// The resolver's files (src/dns/files.ts), read as the system resolver
// reads them: the hosts file, resolv.conf's search list and ndots, and
// whether nsswitch.conf names sources beyond files and DNS.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseHostsFile, parseResolvConf, searchNames, parseNsswitchHosts, ResolverFiles } = require('../../lib/dns/files.js');

describe('dns/files.ts: hosts, resolv.conf, nsswitch.conf', function () {
    it('reads the hosts file: every alias, both families, comments and blank lines skipped, case and final dot ignored', function () {
        const hosts = parseHostsFile([
            '# a comment',
            '127.0.0.1   localhost',
            '10.0.0.5    db.corp.test   DB   # the database',
            'fd00::5     db.corp.test',
            '',
            'not-an-ip   nothing.test',
            '10.0.0.6    db.corp.test',
        ].join('\n'));
        assert.deepStrictEqual(hosts.get('db.corp.test'), [
            { address: '10.0.0.5', family: 4 }, { address: 'fd00::5', family: 6 }, { address: '10.0.0.6', family: 4 },
        ]);
        assert.deepStrictEqual(hosts.get('db'), [{ address: '10.0.0.5', family: 4 }]);
        assert.strictEqual(hosts.has('nothing.test'), false);
    });

    it('reads the search list (the last search or domain line wins) and ndots (at most 15)', function () {
        assert.deepStrictEqual(parseResolvConf('nameserver 10.0.0.53\nsearch corp.test lab.test\noptions ndots:2 timeout:1\n'),
            { search: ['corp.test', 'lab.test'], ndots: 2 });
        assert.deepStrictEqual(parseResolvConf('domain old.test\nsearch new.test\n'), { search: ['new.test'], ndots: 1 });
        assert.deepStrictEqual(parseResolvConf('search .\noptions ndots:99\n'), { search: [], ndots: 15 });
        assert.deepStrictEqual(parseResolvConf(''), { search: [], ndots: 1 });
    });

    it('orders the names to ask as glibc does: enough dots, as is first; fewer, the search list first; a final dot, as is only', function () {
        const conf = { search: ['corp.test', 'lab.test'], ndots: 1 };
        assert.deepStrictEqual(searchNames('db', conf), ['db.corp.test', 'db.lab.test', 'db']);
        assert.deepStrictEqual(searchNames('db.eu', conf), ['db.eu', 'db.eu.corp.test', 'db.eu.lab.test']);
        assert.deepStrictEqual(searchNames('db.eu', { ...conf, ndots: 2 }), ['db.eu.corp.test', 'db.eu.lab.test', 'db.eu']);
        assert.deepStrictEqual(searchNames('db.example.', conf), ['db.example']);
        assert.deepStrictEqual(searchNames('DB', { search: [], ndots: 1 }), ['db']);
    });

    it('knows when the system resolver has sources beyond the hosts file and DNS', function () {
        assert.strictEqual(parseNsswitchHosts('passwd: files\nhosts:          files dns\n'), false);
        assert.strictEqual(parseNsswitchHosts('hosts: files mdns4_minimal [NOTFOUND=return] dns\n'), true);
        assert.strictEqual(parseNsswitchHosts('hosts: files resolve [!UNAVAIL=return] dns myhostname\n'), true);
        assert.strictEqual(parseNsswitchHosts('# hosts: files mdns\n'), false);
    });

    it('reads the files of a directory again when they change', function () {
        const etc = fs.mkdtempSync(path.join(os.tmpdir(), 'port-check-etc-'));
        try {
            fs.writeFileSync(path.join(etc, 'hosts'), '10.0.0.1 one.test\n');
            const files = new ResolverFiles(etc);
            assert.deepStrictEqual(files.hostsEntry('one.test', 0), [{ address: '10.0.0.1', family: 4 }]);
            assert.deepStrictEqual(files.resolvConf(0), { search: [], ndots: 1 }, 'no resolv.conf: the defaults');
            fs.writeFileSync(path.join(etc, 'hosts'), '10.0.0.2 one.test two.test\n');
            assert.deepStrictEqual(files.hostsEntry('one.test', 500), [{ address: '10.0.0.1', family: 4 }], 'looked at once a second at most');
            assert.deepStrictEqual(files.hostsEntry('two.test', 2000), [{ address: '10.0.0.2', family: 4 }]);
        } finally {
            fs.rmSync(etc, { recursive: true, force: true });
        }
    });
});
