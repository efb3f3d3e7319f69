/**
 * The service presets of the port check node: what to send and what the
 * answer must match, for the services users check most, written as a
 * user would type them into Send and Expect (escapes for bytes, a
 * regular expression over the answer read one byte a character). One
 * table for both sides: the editor fills Send and Expect from it, the
 * runtime (src/parse/presets.ts) uses it for a node whose Send and Expect
 * are empty. `goodbye` is sent before closing, so the server logs a polite
 * client rather than a dropped one. Plain ES5.
 */
(function (root, factory) {
    "use strict";
    if (typeof module === "object" && module.exports) {
        module.exports = factory();
    } else {
        root.PortCheckPresets = factory();
    }
}(this, function () {
    "use strict";
    return {
        ssh: { send: "", expect: "^SSH-\\d\\.\\d+-", goodbye: "" },
        smtp: { send: "", expect: "^220[ -]", goodbye: "QUIT\\r\\n" },
        ftp: { send: "", expect: "^220[ -]", goodbye: "QUIT\\r\\n" },
        pop3: { send: "", expect: "^\\+OK", goodbye: "QUIT\\r\\n" },
        imap: { send: "", expect: "^\\* (OK|PREAUTH)", goodbye: "a1 LOGOUT\\r\\n" },
        // A server that wants a password still answers PING, with -NOAUTH.
        redis: { send: "PING\\r\\n", expect: "^(\\+PONG|-NOAUTH)", goodbye: "QUIT\\r\\n" },
        // The server speaks first: a packet of protocol 10 (or an error packet, 0xff, that names a MySQL server too).
        mysql: { send: "", expect: "^[\\s\\S]{3}\\x00(\\x0a[0-9]|\\xff)", goodbye: "" },
        // An SSLRequest: a PostgreSQL server answers one byte, S or N, and nothing else does.
        postgres: { send: "\\x00\\x00\\x00\\x08\\x04\\xd2\\x16\\x2f", expect: "^[SN]$", goodbye: "" },
        http: { send: "HEAD / HTTP/1.0\\r\\n\\r\\n", expect: "^HTTP/1\\.[01] [1-5]\\d\\d", goodbye: "" },
        // MQTT 3.1.1 CONNECT with client id "port-check", answered by a CONNACK.
        mqtt: { send: "\\x10\\x16\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x0aport-check", expect: "^\\x20\\x02", goodbye: "\\xe0\\x00" }
    };
}));
