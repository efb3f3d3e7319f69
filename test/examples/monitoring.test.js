'use strict';
// The outcomes of the monitoring examples (01 web server, 02 database,
// 06 multi-port service, 07 server health, 11 health dashboard), each run
// in a Node-RED runtime against real sockets on loopback.
const assert = require('assert');
const { collect, sleep } = require('../lib/node-red');
const { listenOpen } = require('../lib/net-fixtures');
const { nodeOf, pointAt, setTabEnv, serveHttpNodes } = require('../lib/examples-flows');
const { start, plain, fire, nothingMore, openServers, outcomesSuite } = require('../lib/examples-harness');

describe('example flows', function () {
    this.timeout(15000);

    describe('outcomes', function () {
        const closed = outcomesSuite();

        describe('01 Web server is running', function () {
            let web;
            before(async function () {
                web = await listenOpen('127.0.0.1');
            });
            after(async function () {
                await web.close();
            });

            it('says UP with the response time when the port answers', async function () {
                await start('01', (f) => pointAt(f, 'ex01-check', web.port));
                const out = collect('ex01-debug');
                fire('ex01-inject');
                const [msg] = await out.waitFor(1);
                assert.match(msg.payload, new RegExp(`^UP: 127\\.0\\.0\\.1:${web.port} answered in \\d+ ms$`));
                assert.strictEqual(msg.portCheck.state, 'open');
            });

            it('says DOWN with the state when it does not', async function () {
                await start('01', (f) => pointAt(f, 'ex01-check', closed[0]));
                const out = collect('ex01-debug');
                fire('ex01-inject');
                const [msg] = await out.waitFor(1);
                assert.strictEqual(msg.payload, `DOWN: 127.0.0.1:${closed[0]} is closed`);
            });
        });

        it('02 Database availability: reports the first state, then only changes', async function () {
            const db = await listenOpen('127.0.0.1');
            try {
                await start('02', (f) => pointAt(f, 'ex02-check', db.port));
                const out = collect('ex02-debug');
                fire('ex02-inject');
                await out.waitFor(1);
                assert.match(out.messages[0].payload, new RegExp(`^MySQL on 127\\.0\\.0\\.1:${db.port} accepts connections \\(\\d+ ms\\)$`));
                assert.strictEqual(out.messages[0].topic, 'database up');
                fire('ex02-inject');
                await nothingMore(out, 1);
                await db.close();
                fire('ex02-inject');
                await out.waitFor(2);
                assert.strictEqual(out.messages[1].payload, `MySQL on 127.0.0.1:${db.port} is not reachable: port closed`);
                assert.strictEqual(out.messages[1].topic, 'database down');
                fire('ex02-inject');
                await nothingMore(out, 2);
            } finally {
                await db.close();
            }
        });

        describe('06 Multi-port service monitoring', function () {
            let servers;
            before(async function () {
                servers = await openServers(4);
            });
            after(async function () {
                await Promise.all(servers.map((s) => s.close()));
            });

            it('alerts with the list of ports that are down', async function () {
                const ports = [servers[0].port, closed[0], servers[1].port, closed[1]];
                await start('06', (f) => pointAt(f, 'ex06-check', ports.join(',')));
                const alert = collect('ex06-alert');
                const up = collect('ex06-up');
                fire('ex06-inject');
                const [msg] = await alert.waitFor(1);
                assert.deepStrictEqual(msg.down, [closed[0], closed[1]]);
                assert.strictEqual(msg.payload, `2 of 4 ports down on 127.0.0.1: ${closed[0]} (closed), ${closed[1]} (closed)`);
                await nothingMore(up, 0, 50);
            });

            it('says all up when all four answer', async function () {
                await start('06', (f) => pointAt(f, 'ex06-check', servers.map((s) => s.port).join(',')));
                const alert = collect('ex06-alert');
                const up = collect('ex06-up');
                fire('ex06-inject');
                const [msg] = await up.waitFor(1);
                assert.strictEqual(msg.payload, true);
                assert.deepStrictEqual([...msg.portCheck.open].sort(), servers.map((s) => s.port).sort());
                await nothingMore(alert, 0, 50);
            });
        });

        describe('07 Complete server health check', function () {
            let servers;
            before(async function () {
                servers = await openServers(4);
            });
            after(async function () {
                await Promise.all(servers.map((s) => s.close()));
            });
            const report = async (required, telnet) => {
                await start('07', (f) => {
                    setTabEnv(f, 'SERVER', '127.0.0.1');
                    nodeOf(f, 'ex07-services').port = required.join(',');
                    nodeOf(f, 'ex07-telnet').port = String(telnet);
                });
                const out = collect('ex07-debug');
                fire('ex07-inject');
                return (await out.waitFor(1))[0].payload;
            };

            it('reports a healthy server: three ports open, the fourth closed', async function () {
                const r = await report([servers[0].port, servers[1].port, servers[2].port], closed[0]);
                assert.strictEqual(r.server, '127.0.0.1');
                assert.strictEqual(r.healthy, true);
                assert.deepStrictEqual(plain(r.problems), []);
                assert.deepStrictEqual(Object.keys(r.ports).map(Number).sort(), [servers[0].port, servers[1].port, servers[2].port, closed[0]].sort());
                assert.deepStrictEqual(r.ports[closed[0]].state, 'closed');
                assert.deepStrictEqual([r.ports[servers[0].port].state, r.ports[servers[0].port].ok, r.ports[servers[0].port].expected], ['open', true, 'open']);
            });

            it('lists each problem of an unhealthy one', async function () {
                const r = await report([servers[0].port, closed[0], servers[1].port], servers[3].port);
                assert.strictEqual(r.healthy, false);
                assert.deepStrictEqual(plain(r.problems), [
                    `port ${closed[0]} should be open but is closed`,
                    `port ${servers[3].port} should be closed but is open`,
                ]);
            });
        });

        describe('11 Microservices health dashboard', function () {
            let servers;
            let site;
            before(async function () {
                servers = await openServers(3);
            });
            after(async function () {
                await Promise.all(servers.map((s) => s.close()));
            });
            afterEach(async function () {
                if (site) await site.close();
                site = undefined;
            });

            /** GETs the page until it has `rows` rows. */
            async function page(rows) {
                const deadline = Date.now() + 5000;
                for (;;) {
                    const res = await fetch(`${site.url}/port-check/health`);
                    const html = await res.text();
                    const found = [...html.matchAll(/<tr class="(up|down)">(.*?)<\/tr>/g)];
                    if (found.length >= rows || Date.now() > deadline) return { res, html, rows: found };
                    await sleep(50);
                }
            }

            it('serves a live HTML page at /port-check/health with green and red rows and latencies', async function () {
                const ports = [servers[0].port, closed[0], servers[1].port, servers[2].port];
                await start('11', (f) => ports.forEach((port, i) => pointAt(f, `ex11-check${i + 1}`, port)));
                site = await serveHttpNodes();

                const empty = await page(0);
                assert.strictEqual(empty.res.status, 200);
                assert.match(empty.html, /No results yet/);

                for (let i = 1; i <= 4; i++) fire(`ex11-inject${i}`);
                const { res, html, rows } = await page(4);
                assert.strictEqual(res.status, 200);
                assert.match(res.headers.get('content-type'), /^text\/html/);
                assert.match(html, /^<!DOCTYPE html>/);
                assert.match(html, /<meta http-equiv="refresh" content="10">/);
                assert.match(html, /<style>[\s\S]*tr\.up[\s\S]*<\/style>/);
                assert.match(html, /3 of 4 services up/);
                assert.doesNotMatch(html, /No results yet/);
                const cells = (row) => [...row[2].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
                const table = rows.map((row) => [row[1], ...cells(row)]);
                // Sorted by name: Auth, Notification, Payment, User.
                assert.deepStrictEqual(table.map((r) => [r[0], r[1], r[2], r[3]]), [
                    ['up', 'Auth Service', `127.0.0.1:${ports[0]}`, 'open'],
                    ['up', 'Notification Service', `127.0.0.1:${ports[3]}`, 'open'],
                    ['up', 'Payment Service', `127.0.0.1:${ports[2]}`, 'open'],
                    ['down', 'User Service', `127.0.0.1:${ports[1]}`, 'closed'],
                ]);
                for (const r of table.slice(0, 3)) assert.match(r[4], /^\d+\.\d ms$/);
                assert.strictEqual(table[3][4], '');
                for (const r of table) assert.match(r[5], /^\d\d:\d\d:\d\d UTC$/);
            });
        });
    });
});
