/**
 * The service presets: what to send and what the answer must match, for
 * the services users check most. Send and Expect are written as a user
 * would type them (escapes for bytes, a regular expression over the
 * answer read as latin1), so the editor shows them as they are and a user
 * can start from one and change it. `goodbye` is sent before closing, so
 * the server logs a polite client rather than a dropped one.
 */
export const PRESETS = {
    ssh: { send: undefined, expect: '^SSH-\\d\\.\\d+-', goodbye: undefined },
    smtp: { send: undefined, expect: '^220[ -]', goodbye: 'QUIT\\r\\n' },
    ftp: { send: undefined, expect: '^220[ -]', goodbye: 'QUIT\\r\\n' },
    pop3: { send: undefined, expect: '^\\+OK', goodbye: 'QUIT\\r\\n' },
    imap: { send: undefined, expect: '^\\* (OK|PREAUTH)', goodbye: 'a1 LOGOUT\\r\\n' },
    // A server that wants a password still answers PING, with -NOAUTH.
    redis: { send: 'PING\\r\\n', expect: '^(\\+PONG|-NOAUTH)', goodbye: 'QUIT\\r\\n' },
    // The server speaks first: a packet of protocol 10 (or an error packet, 0xff, that names a MySQL server too).
    mysql: { send: undefined, expect: '^[\\s\\S]{3}\\x00(\\x0a[0-9]|\\xff)', goodbye: undefined },
    // An SSLRequest: a PostgreSQL server answers one byte, S or N, and nothing else does.
    postgres: { send: '\\x00\\x00\\x00\\x08\\x04\\xd2\\x16\\x2f', expect: '^[SN]$', goodbye: undefined },
    http: { send: 'HEAD / HTTP/1.0\\r\\n\\r\\n', expect: '^HTTP/1\\.[01] [1-5]\\d\\d', goodbye: undefined },
    // MQTT 3.1.1 CONNECT with client id "port-check", answered by a CONNACK.
    mqtt: {
        send: '\\x10\\x16\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x0aport-check',
        expect: '^\\x20\\x02',
        goodbye: '\\xe0\\x00',
    },
} as const;

export type PresetName = keyof typeof PRESETS;
