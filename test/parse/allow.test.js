'use strict';
// parseRule, parseRules and makePolicy (src/parse/allow.ts): the forms of a
// target rule, the errors for bad ones, and how the settings' allow and deny
// lists and a node's own allow-list combine (docs/architecture.md, "Security").
const assert = require('assert');
const { isIP } = require('net');
const { parseRule, parseRules, makePolicy } = require('../../lib/parse/allow.js');
const { throwsCode } = require('../lib/throws-code');

/** Whether a policy lets `hostname` (as given), resolved to `address`, be connected to on `port`. */
function permits(policy, hostname, address, port = 80) {
    return policy.permits(hostname, address, isIP(address), port);
}

/** The policy of a settings allow-list alone. */
function allowing(...rules) {
    return makePolicy({ allow: rules }, undefined);
}

/** Asserts `fn` fails with "Invalid allow-list rule", naming `text` and the reason. */
function invalidRule(fn, text, reason) {
    throwsCode(fn, 'INVALID_ALLOW_LIST');
    assert.throws(fn, (err) => {
        assert.deepStrictEqual(err.params, { value: JSON.stringify(text), reason }, `for ${JSON.stringify(text)}`);
        return true;
    });
}

describe('parse/allow.ts: target allow- and deny-lists', function () {
    describe('parseRule: the forms of a rule', function () {
        it('"*" is any host on any port, "*:PORTS" any host on those ports', function () {
            const any = parseRule('*');
            assert.deepStrictEqual({ ...any }, { text: '*', name: '*' });
            assert.strictEqual(permits(allowing('*'), 'db.example.com', '192.0.2.1', 5432), true);
            assert.strictEqual(permits(allowing('*'), '::1', '::1', 1), true);
            assert.deepStrictEqual([...parseRule('*:22,80').ports], [22, 80]);
            const some = allowing('*:22,80');
            assert.strictEqual(permits(some, 'a.example', '198.51.100.7', 22), true);
            assert.strictEqual(permits(some, '::1', '::1', 80), true);
            assert.strictEqual(permits(some, 'a.example', '198.51.100.7', 443), false);
        });

        it('an IPv4 address covers that address only, on every port', function () {
            const rule = parseRule(' 192.0.2.10 ');
            assert.strictEqual(rule.text, '192.0.2.10');
            assert.strictEqual(rule.name, undefined);
            assert.strictEqual(rule.ports, undefined);
            const policy = allowing('192.0.2.10');
            assert.strictEqual(permits(policy, '192.0.2.10', '192.0.2.10', 1), true);
            assert.strictEqual(permits(policy, '192.0.2.10', '192.0.2.10', 65535), true);
            assert.strictEqual(permits(policy, '192.0.2.11', '192.0.2.11'), false);
            assert.strictEqual(permits(policy, '192.0.2.1', '192.0.2.1'), false);
        });

        it('an IPv6 address, bare or in brackets, covers that address in any spelling', function () {
            for (const text of ['2001:db8::1', '[2001:db8::1]', '2001:DB8:0:0:0:0:0:1']) {
                const policy = allowing(text);
                assert.strictEqual(permits(policy, 'h', '2001:db8::1'), true, text);
                assert.strictEqual(permits(policy, 'h', '2001:db8:0:0:0:0:0:1'), true, text);
                assert.strictEqual(permits(policy, 'h', '2001:db8::2'), false, text);
                assert.strictEqual(permits(policy, 'h', '::1'), false, text);
            }
        });

        it('an IPv4 CIDR block covers its addresses and no others', function () {
            const eight = allowing('10.0.0.0/8');
            assert.strictEqual(permits(eight, 'h', '10.0.0.0'), true);
            assert.strictEqual(permits(eight, 'h', '10.255.255.255'), true);
            assert.strictEqual(permits(eight, 'h', '11.0.0.0'), false);
            assert.strictEqual(permits(eight, 'h', '9.255.255.255'), false);
            const one = allowing('192.0.2.8/32');
            assert.strictEqual(permits(one, 'h', '192.0.2.8'), true);
            assert.strictEqual(permits(one, 'h', '192.0.2.9'), false);
            const block = allowing('192.0.2.0/30');
            assert.deepStrictEqual([0, 1, 2, 3, 4].map((n) => permits(block, 'h', `192.0.2.${n}`)), [true, true, true, true, false]);
            assert.strictEqual(permits(allowing('0.0.0.0/0'), 'h', '203.0.113.200'), true);
        });

        it('an IPv6 CIDR block covers its addresses and no others, and does not cover IPv4', function () {
            const ula = allowing('fd00::/8');
            assert.strictEqual(permits(ula, 'h', 'fd00::1'), true);
            assert.strictEqual(permits(ula, 'h', 'fdff:ffff::1'), true);
            assert.strictEqual(permits(ula, 'h', 'fe00::1'), false);
            assert.strictEqual(permits(ula, 'h', 'fc00::1'), false);
            const net64 = allowing('2001:db8:1:2::/64');
            assert.strictEqual(permits(net64, 'h', '2001:db8:1:2:ffff:ffff:ffff:ffff'), true);
            assert.strictEqual(permits(net64, 'h', '2001:db8:1:3::'), false);
            assert.strictEqual(permits(allowing('::/0'), 'h', '2001:db8::1'), true);
            assert.strictEqual(permits(ula, 'h', '10.0.0.1'), false);
        });

        it('"[v6/64]:443" is an IPv6 block on port 443 only', function () {
            const rule = parseRule('[2001:db8::/64]:443');
            assert.deepStrictEqual([...rule.ports], [443]);
            assert.strictEqual(rule.name, undefined);
            const policy = allowing('[2001:db8::/64]:443');
            assert.strictEqual(permits(policy, 'h', '2001:db8::ffff', 443), true);
            assert.strictEqual(permits(policy, 'h', '2001:db8::ffff', 80), false);
            assert.strictEqual(permits(policy, 'h', '2001:db8:0:1::1', 443), false);
            const single = allowing('[::1]:8080');
            assert.strictEqual(permits(single, 'localhost', '::1', 8080), true);
            assert.strictEqual(permits(single, 'localhost', '::1', 8081), false);
        });

        it('a host name covers that name whatever it resolves to, and no other name', function () {
            const rule = parseRule('DB.Example.com.');
            assert.strictEqual(rule.name, 'db.example.com');
            assert.strictEqual(rule.addresses, undefined);
            const policy = allowing('db.example.com');
            assert.strictEqual(permits(policy, 'db.example.com', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, 'db.example.com', '2001:db8::5'), true);
            assert.strictEqual(permits(policy, 'www.example.com', '192.0.2.1'), false);
            assert.strictEqual(permits(policy, 'api.db.example.com', '192.0.2.1'), false);
            assert.strictEqual(permits(allowing('my_service'), 'my_service', '10.1.1.1'), true);
        });

        it('"*.domain" covers every name below the domain, not the domain itself', function () {
            assert.strictEqual(parseRule('*.Example.COM.').name, '.example.com');
            const policy = allowing('*.example.com');
            assert.strictEqual(permits(policy, 'api.example.com', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, 'a.b.example.com', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, 'example.com', '192.0.2.1'), false);
            assert.strictEqual(permits(policy, 'badexample.com', '192.0.2.1'), false);
            assert.strictEqual(permits(policy, 'example.com.evil.test', '192.0.2.1'), false);
        });

        it('HOST:PORTS takes a port list with ranges, and only those ports pass', function () {
            const rule = parseRule('127.0.0.1:22,80,8000-8002');
            assert.deepStrictEqual([...rule.ports].sort((a, b) => a - b), [22, 80, 8000, 8001, 8002]);
            const policy = allowing('127.0.0.1:22,80,8000-8002');
            assert.deepStrictEqual([21, 22, 80, 81, 7999, 8000, 8001, 8002, 8003].map((port) => permits(policy, '127.0.0.1', '127.0.0.1', port)),
                [false, true, true, false, false, true, true, true, false]);
            assert.strictEqual(permits(policy, '127.0.0.2', '127.0.0.2', 22), false, 'the host still has to match');
            const byName = allowing('db.example.com:5432');
            assert.strictEqual(permits(byName, 'db.example.com', '192.0.2.1', 5432), true);
            assert.strictEqual(permits(byName, 'db.example.com', '192.0.2.1', 5433), false);
            const block = allowing('10.0.1.0/24:80,443');
            assert.strictEqual(permits(block, 'h', '10.0.1.9', 443), true);
            assert.strictEqual(permits(block, 'h', '10.0.1.9', 22), false);
            assert.strictEqual(permits(block, 'h', '10.0.2.9', 443), false);
        });
    });

    describe('invalid rules: "Invalid allow-list rule"', function () {
        it('names the rule and the reason for anything that is not a rule', function () {
            for (const value of ['', '   ', 42, null, undefined, {}]) invalidRule(() => parseRule(value), String(value), 'not a rule');
        });

        it('rejects bad ports', function () {
            for (const text of ['db.example.com:abc', 'host:', '10.0.0.1:0', '10.0.0.1:70000', '10.0.0.1:80-70', '[::1]:x', '*:']) {
                invalidRule(() => parseRule(text), text, 'bad ports');
            }
        });

        it('rejects bad addresses and blocks', function () {
            for (const text of ['10.0.0.0/33', '::/129', '1.2.3', '999.1.1.1', 'fd00::/x', 'a:b:c', '[fd00::/200]:443', '10.0.0.0/999']) {
                invalidRule(() => parseRule(text), text, 'bad address or block');
            }
        });

        it('rejects bad host names and wildcards', function () {
            for (const text of ['-bad', 'bad-', 'a..b', '*.', '**.example.com', '*.*.example.com', 'exa$mple.com', 'a/b']) {
                invalidRule(() => parseRule(text), text, 'bad host name');
            }
        });

        it('parseRules: text split at blanks and lines, arrays as they are, nothing as no rules', function () {
            assert.deepStrictEqual(parseRules(' 10.0.0.0/8\n db.example.com\t*.example.org  ').map((r) => r.text),
                ['10.0.0.0/8', 'db.example.com', '*.example.org']);
            assert.deepStrictEqual(parseRules(['127.0.0.1', '[::1]:22']).map((r) => r.text), ['127.0.0.1', '[::1]:22']);
            for (const value of [undefined, null, '', []]) assert.deepStrictEqual(parseRules(value), [], JSON.stringify(value));
            for (const value of [42, true, {}]) invalidRule(() => parseRules(value), String(value), 'not a list of rules');
            invalidRule(() => parseRules(['127.0.0.1', '10.0.0.0/40']), '10.0.0.0/40', 'bad address or block');
            invalidRule(() => parseRules(['127.0.0.1', '']), '', 'not a rule');
        });

        it('makePolicy fails on a bad rule in the settings allow or deny list, or in the node\'s list', function () {
            throwsCode(() => makePolicy({ allow: ['10.0.0.0/33'] }, undefined), 'INVALID_ALLOW_LIST');
            throwsCode(() => makePolicy({ deny: ['a..b'] }, undefined), 'INVALID_ALLOW_LIST');
            throwsCode(() => makePolicy({ deny: [42] }, undefined), 'INVALID_ALLOW_LIST');
            throwsCode(() => makePolicy(undefined, '127.0.0.1:0'), 'INVALID_ALLOW_LIST');
            throwsCode(() => makePolicy({ allow: ['127.0.0.1'] }, '127.0.0.1 -x'), 'INVALID_ALLOW_LIST');
        });
    });

    describe('makePolicy: how the lists combine', function () {
        it('is undefined when there are no rules at all', function () {
            assert.strictEqual(makePolicy(undefined, undefined), undefined);
            assert.strictEqual(makePolicy({}, ''), undefined);
            assert.strictEqual(makePolicy({ allow: [], deny: [] }, '  \n '), undefined);
            assert.strictEqual(makePolicy({ allow: null, deny: '' }, null), undefined);
            assert.notStrictEqual(makePolicy({ deny: ['10.0.0.1'] }, ''), undefined);
            assert.notStrictEqual(makePolicy(undefined, '10.0.0.1'), undefined);
        });

        it('with deny rules only, everything else passes', function () {
            const policy = makePolicy({ deny: ['10.0.0.0/8', 'metadata.internal'] }, '');
            assert.strictEqual(permits(policy, 'h', '10.1.2.3'), false);
            assert.strictEqual(permits(policy, 'metadata.internal', '192.0.2.1'), false);
            assert.strictEqual(permits(policy, 'h', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, 'h', '::1', 22), true);
        });

        it('deny wins over the settings allow-list and over the node\'s', function () {
            const policy = makePolicy({ allow: ['10.0.0.0/8'], deny: ['10.0.0.5', '10.0.0.6:22'] }, '10.0.0.0/24');
            assert.strictEqual(permits(policy, 'h', '10.0.0.4'), true);
            assert.strictEqual(permits(policy, 'h', '10.0.0.5'), false);
            assert.strictEqual(permits(policy, 'h', '10.0.0.6', 22), false);
            assert.strictEqual(permits(policy, 'h', '10.0.0.6', 80), true);
            const both = makePolicy({ allow: ['*'], deny: ['*.internal'] }, '*');
            assert.strictEqual(permits(both, 'db.internal', '192.0.2.1'), false);
            assert.strictEqual(permits(both, 'db.example.com', '192.0.2.1'), true);
        });

        it('with a settings allow-list, a target must match one of its rules', function () {
            const policy = makePolicy({ allow: ['127.0.0.1:8080', '192.0.2.0/24'] }, undefined);
            assert.strictEqual(permits(policy, '127.0.0.1', '127.0.0.1', 8080), true);
            assert.strictEqual(permits(policy, '127.0.0.1', '127.0.0.1', 8081), false);
            assert.strictEqual(permits(policy, 'h', '192.0.2.200', 1), true);
            assert.strictEqual(permits(policy, 'h', '198.51.100.1'), false);
            assert.strictEqual(permits(policy, 'h', '::1', 8080), false);
        });

        it('a node allow-list narrows the settings allow-list further, never widens it', function () {
            const policy = makePolicy({ allow: ['10.0.0.0/8'] }, '10.0.0.1:80 192.0.2.1');
            assert.strictEqual(permits(policy, 'h', '10.0.0.1', 80), true);
            assert.strictEqual(permits(policy, 'h', '10.0.0.1', 443), false);
            assert.strictEqual(permits(policy, 'h', '10.0.0.2', 80), false);
            assert.strictEqual(permits(policy, 'h', '192.0.2.1', 80), false, 'outside the settings allow-list');
            const alone = makePolicy(undefined, '10.0.0.1:80');
            assert.strictEqual(permits(alone, 'h', '10.0.0.1', 80), true);
            assert.strictEqual(permits(alone, 'h', '10.0.0.1', 81), false);
            assert.strictEqual(permits(alone, 'h', '10.0.0.9', 80), false);
        });

        it('matches names and wildcards against the host name as given: any case, a trailing dot ignored', function () {
            const policy = allowing('db.example.com', '*.example.org');
            assert.strictEqual(permits(policy, 'DB.Example.COM', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, 'db.example.com.', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, 'API.Example.Org.', '192.0.2.1'), true);
            assert.strictEqual(permits(policy, '192.0.2.1', '192.0.2.1'), false, 'the address a name resolves to is not the name');
            const denied = makePolicy({ deny: ['Blocked.Example.com.'] }, undefined);
            assert.strictEqual(permits(denied, 'BLOCKED.example.COM.', '192.0.2.1'), false);
            assert.strictEqual(permits(denied, 'open.example.com', '192.0.2.1'), true);
        });

        it('address rules look at the address, whatever name was given', function () {
            const policy = allowing('127.0.0.0/8', '::1');
            assert.strictEqual(permits(policy, 'localhost', '127.0.0.1'), true);
            assert.strictEqual(permits(policy, 'localhost', '::1'), true);
            assert.strictEqual(permits(policy, 'localhost', '192.0.2.1'), false);
        });

        it('an IPv4 rule matches the IPv4-mapped IPv6 form of its addresses (::ffff:127.0.0.1)', function () {
            const allowed = allowing('127.0.0.0/8');
            assert.strictEqual(permits(allowed, 'h', '::ffff:127.0.0.1'), true);
            assert.strictEqual(permits(allowed, 'h', '::ffff:7f00:2'), true);
            assert.strictEqual(permits(allowed, 'h', '::ffff:10.0.0.1'), false);
            const denied = makePolicy({ deny: ['127.0.0.1'] }, undefined);
            assert.strictEqual(permits(denied, 'h', '::ffff:127.0.0.1'), false);
            assert.strictEqual(permits(denied, 'h', '::ffff:127.0.0.2'), true);
        });
    });
});
