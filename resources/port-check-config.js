/**
 * The port check node's configuration version, and the migrations that bring
 * a node saved by an earlier version of this package up to it. One table
 * for both sides: the editor loads this file from
 * resources/node-red-contrib-port-check/ (port-check.html), the runtime
 * requires it (lib/node/config.js), so an old flow reads the same in both.
 * Plain ES5, for every browser Node-RED 3 supports.
 *
 * To change the flow JSON: add a migration { from: N, what, migrate } that
 * turns a config of version N into one of N + 1, and raise VERSION to N + 1.
 * A migration changes its argument (a copy) and returns nothing; it must
 * keep every value the user set.
 */
(function (root, factory) {
    "use strict";
    if (typeof module === "object" && module.exports) {
        module.exports = factory();
    } else {
        root.PortCheckConfig = factory();
    }
}(this, function () {
    "use strict";

    var VERSION = 2;

    /** Sets each key of `values` that `config` lacks (missing, null or an empty text). */
    function fill(config, values) {
        Object.keys(values).forEach(function (key) {
            if (config[key] === undefined || config[key] === null || config[key] === "") {
                config[key] = values[key];
            }
        });
    }

    var MIGRATIONS = [
        {
            from: 0,
            what: "Flows saved before the version key existed (0.1.x). Keys added after the first " +
                "flows were written get the values the node has always assumed when they were " +
                "missing. Check Port and Timeout are left as they are: a node without them fails " +
                "each message, as it always did.",
            migrate: function (config) {
                fill(config, {
                    hostType: "str",
                    portType: "num",
                    timeoutType: "num",
                    output: "payload",
                    continueOnError: false,
                    delayBefore: 0,
                    delayAfter: 0,
                    concurrency: 256,
                    mode: "once",
                    retries: 0,
                    retryDelay: 1,
                    waitInterval: 1,
                    waitTimeout: 60,
                    slowAbove: "",
                    allow: ""
                });
            }
        },
        {
            from: 1,
            what: "IP version, Max rate and the service checks came in version 2: a node from " +
                "before checks every address of a host, without a rate limit, and the TCP " +
                "handshake alone.",
            migrate: function (config) {
                fill(config, {
                    ipVersion: "auto",
                    maxRate: "",
                    tls: "off",
                    starttls: "smtp",
                    servername: "",
                    tlsVerify: true,
                    certDays: "",
                    preset: "none",
                    send: "",
                    expect: ""
                });
            }
        }
    ];

    /**
     * A copy of `config` at VERSION. A config without a version is version
     * 0; one from a later version of this package than this one is left as
     * it is (nothing here knows what it means).
     */
    function migrate(config) {
        var copy = {};
        Object.keys(config || {}).forEach(function (key) { copy[key] = config[key]; });
        var version = typeof copy.version === "number" && copy.version >= 0 ? Math.floor(copy.version) : 0;
        MIGRATIONS.forEach(function (step) {
            if (step.from >= version && step.from < VERSION) { step.migrate(copy); }
        });
        copy.version = Math.max(version, VERSION);
        return copy;
    }

    return { VERSION: VERSION, migrations: MIGRATIONS, migrate: migrate };
}));
