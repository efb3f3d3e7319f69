/**
 * The rules of the port check node's inputs, as the editor needs them to
 * mark a field the moment it would fail at run time: ports, hosts, seconds,
 * whole numbers, allow-list rules, colours. The same rules as the runtime's
 * src/parse/ (which uses Node's own address parsing, not available in a
 * browser); test/editor/validators.test.js holds the two to the same
 * verdicts over generated inputs. Pure: no RED, no jQuery. Plain ES5.
 */
(function (root, factory) {
    "use strict";
    if (typeof module === "object" && module.exports) {
        module.exports = factory();
    } else {
        root.PortCheckRules = factory();
    }
}(this, function () {
    "use strict";

    /** setTimeout cannot wait longer than 2^31-1 ms: the same bound as src/parse/numbers.ts. */
    var MAX_SECONDS = 2147483;
    var MAX_HOST_LENGTH = 253;
    var MAX_LABEL_LENGTH = 63;

    /**
     * One port, a list ("22,80,443"), a range ("8000-8010") or a mix, as the
     * runtime reads the text of a num or str Port (src/parse/ports.ts).
     */
    function isValidPortSpec(text) {
        function isPort(item) {
            if (!/^\d{1,5}$/.test(item)) { return false; }
            var port = Number(item);
            return port >= 1 && port <= 65535;
        }
        if (typeof text === "number") {
            return Math.floor(text) === text && text >= 1 && text <= 65535;
        }
        if (typeof text !== "string") { return false; }
        var trimmed = text.trim();
        if (trimmed === "") { return false; }
        if (!/[,-]/.test(trimmed)) { return isPort(trimmed); }
        var items = trimmed.split(",");
        for (var i = 0; i < items.length; i++) {
            var item = items[i].trim();
            var range = /^(\d+)\s*-\s*(\d+)$/.exec(item);
            if (range) {
                if (!isPort(range[1]) || !isPort(range[2]) || Number(range[1]) > Number(range[2])) { return false; }
            } else if (!isPort(item)) {
                return false;
            }
        }
        return true;
    }

    /** Seconds from a number or a decimal text, as src/parse/numbers.ts reads timeouts and delays. */
    function isValidSeconds(value, allowZero) {
        var seconds;
        if (typeof value === "number") {
            seconds = value;
        } else if (typeof value === "string" && /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value)) {
            seconds = Number(value);
        } else {
            return false;
        }
        if (!isFinite(seconds)) { return false; }
        return (allowZero ? seconds >= 0 : seconds > 0) && seconds <= MAX_SECONDS;
    }

    /** Max rate: connections per second above 0, at most 100000 (src/parse/options.ts, parseMaxRate). */
    function isValidRate(value) {
        var rate;
        if (typeof value === "number") {
            rate = value;
        } else if (typeof value === "string" && /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value)) {
            rate = Number(value);
        } else {
            return false;
        }
        return isFinite(rate) && rate > 0 && rate <= 100000;
    }

    /** Send's escapes: a backslash goes before r, n, t, 0, another backslash, or x and two hex digits (src/parse/service.ts). */
    function isValidEscapes(text) {
        if (typeof text !== "string") { return false; }
        // Read from left to right, as the runtime does: in \xA\\A the \xA is bad (one hex digit); dropping the \\ first would make it \xAA.
        var escape = /\\(x[0-9a-fA-F]{2}|[rnt0\\])?/g;
        var match;
        while ((match = escape.exec(text)) !== null) {
            if (match[1] === undefined) { return false; }
        }
        return true;
    }

    /** Expect: a regular expression that compiles. */
    function isValidRegex(text) {
        if (typeof text !== "string") { return false; }
        try {
            new RegExp(text);
            return true;
        } catch (err) {
            return false;
        }
    }

    /** Server name: a DNS name as SNI takes it. */
    function isValidServername(text) {
        return typeof text === "string" && /^[A-Za-z0-9.-]{1,253}$/.test(text);
    }

    function isEmpty(value) {
        return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
    }

    var IPV4_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
    var IPV4_RE = new RegExp("^" + IPV4_OCTET + "(?:\\." + IPV4_OCTET + "){3}$");

    function isIPv4(text) {
        return IPV4_RE.test(text);
    }

    /**
     * The eight 16-bit groups of an IPv6 literal (with an optional %zone), or
     * null when Node's net.isIP would not take it as one.
     */
    function ipv6Groups(text) {
        var zone = text.indexOf("%");
        if (zone !== -1) {
            if (!/^%[0-9a-zA-Z.:-]+$/.test(text.slice(zone))) { return null; }
            text = text.slice(0, zone);
        }
        var halves = text.split("::");
        if (halves.length > 2) { return null; }
        var head = halves[0] === "" ? [] : halves[0].split(":");
        var tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
        var parts = head.concat(tail);
        var groups = [];
        for (var i = 0; i < parts.length; i++) {
            var group = parts[i];
            // An embedded IPv4 address may only end the address.
            var last = i === parts.length - 1 && (halves.length === 1 || tail.length > 0);
            if (last && group.indexOf(".") !== -1) {
                if (!isIPv4(group)) { return null; }
                var octets = group.split(".").map(Number);
                groups.push(octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]);
            } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
                groups.push(parseInt(group, 16));
            } else {
                return null;
            }
        }
        if (halves.length === 2 ? groups.length > 7 : groups.length !== 8) { return null; }
        var headCount = head.length;
        var zeros = [];
        for (var z = groups.length; z < 8; z++) { zeros.push(0); }
        // The groups of the head, the zeros "::" stands for, then the tail's.
        return groups.slice(0, headCount).concat(zeros, groups.slice(headCount));
    }

    function isIPv6(text) {
        return ipv6Groups(text) !== null;
    }

    /**
     * 0.0.0.0/8 and ::, and their IPv4-mapped forms (src/ports.ts,
     * isUnspecifiedAddress): no host, though Linux connects them to itself.
     */
    function isUnspecified(text) {
        if (isIPv4(text)) { return text.split(".")[0] === "0"; }
        var groups = ipv6Groups(text);
        if (!groups) { return false; }
        for (var i = 0; i < 5; i++) {
            if (groups[i] !== 0) { return false; }
        }
        if (groups[5] === 0) { return groups[6] === 0 && groups[7] === 0; }
        return groups[5] === 0xffff && groups[6] < 256;
    }

    /**
     * A host name whose last label is a number is read as an IPv4 address by
     * the URL rules the runtime uses for names (WHATWG "ends in a number"):
     * "0x7f.1" is 127.0.0.1, and "db.8" is no valid host at all.
     */
    function parseIPv4Number(part) {
        if (part === "") { return NaN; }
        if (/^0[xX]/.test(part)) {
            var hex = part.slice(2);
            return hex === "" ? 0 : (/^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : NaN);
        }
        if (part.length > 1 && part.charAt(0) === "0") {
            return /^[0-7]+$/.test(part) ? parseInt(part, 8) : NaN;
        }
        return /^[0-9]+$/.test(part) ? parseInt(part, 10) : NaN;
    }

    function endsInNumber(host) {
        var parts = host.split(".");
        if (parts[parts.length - 1] === "") {
            if (parts.length === 1) { return false; }
            parts.pop();
        }
        var last = parts[parts.length - 1];
        return /^[0-9]+$/.test(last) || !isNaN(parseIPv4Number(last));
    }

    function isUrlIPv4(host) {
        var parts = host.split(".");
        if (parts[parts.length - 1] === "" && parts.length > 1) { parts.pop(); }
        if (parts.length > 4) { return false; }
        var numbers = parts.map(parseIPv4Number);
        for (var i = 0; i < numbers.length; i++) {
            if (isNaN(numbers[i])) { return false; }
            if (i < numbers.length - 1 && numbers[i] > 255) { return false; }
        }
        return numbers[numbers.length - 1] < Math.pow(256, 5 - numbers.length);
    }

    /**
     * What is wrong with the text of a str IP (src/parse/hosts.ts, parseHost), as
     * [reason key, params], or null when the runtime would accept it.
     */
    function hostProblem(text) {
        var host = text.trim();
        var bracketed = /^\[([^\]]*)\]$/.exec(host);
        if (bracketed) {
            if (!isIPv6(bracketed[1])) { return ["brackets"]; }
            return isUnspecified(bracketed[1]) ? ["unspecified"] : null;
        }
        if (isIPv4(host) || isIPv6(host)) { return isUnspecified(host) ? ["unspecified"] : null; }
        // Names are judged as the runtime's domainToASCII() sees them: full-width
        // digits and dots count as ASCII ones ("１２７．０．０．１" is an odd IPv4).
        var folded = typeof host.normalize === "function" ? host.normalize("NFKC") : host;
        if (folded !== host && !/[\u0080-\uffff]/.test(folded)) {
            if (isIPv4(folded)) { return ["oddIPv4"]; }
            host = folded;
        }
        if (host.length > MAX_HOST_LENGTH) { return ["tooLong"]; }
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) { return ["url"]; }
        if (/\s/.test(host)) { return ["spaces"]; }
        if (host.indexOf(":") !== -1) { return ["hostPort"]; }
        // eslint-disable-next-line no-control-regex -- control characters are among what no host name has
        var bad = /[\x00-\x1f\x7f/\\@?#[\]<>"'`%,;{}|^=+*!$&()~]/.exec(host);
        if (bad) { return ["character", { "char": JSON.stringify(bad[0]) }]; }
        if (/^[0-9.]+$/.test(host)) { return ["badIPv4"]; }
        var labels = (/\.$/.test(host) ? host.slice(0, -1) : host).split(".");
        for (var i = 0; i < labels.length; i++) {
            if (labels[i] === "") { return ["emptyLabel"]; }
            // International labels grow when turned to punycode; the runtime checks those.
            if (/^[\x21-\x7e]*$/.test(labels[i]) && labels[i].length > MAX_LABEL_LENGTH) { return ["longLabel"]; }
        }
        if (endsInNumber(host)) { return isUrlIPv4(host) ? ["oddIPv4"] : ["invalidName"]; }
        return null;
    }

    function normaliseColor(value) {
        if (typeof value !== "string") { return ""; }
        var color = value.trim().toLowerCase();
        var short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(color);
        if (short) { return "#" + short[1] + short[1] + short[2] + short[2] + short[3] + short[3]; }
        return /^#[0-9a-f]{6}$/.test(color) ? color : "";
    }

    /** A value as error texts name it: text quoted, cut to a readable length, safe in a tooltip. */
    function describe(value) {
        var text;
        if (typeof value === "string") {
            text = JSON.stringify(value.length > 80 ? value.slice(0, 77) + "..." : value);
        } else if (value === undefined) {
            text = "undefined";
        } else {
            try { text = JSON.stringify(value); } catch (err) { text = String(value); }
            if (text === undefined) { text = String(value); }
        }
        return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }

    /** A whole number from min to max, from a number or digits; empty passes when allowed. */
    function isWholeNumber(v, min, max, allowEmpty) {
        if (isEmpty(v)) { return allowEmpty; }
        var number = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
        return typeof number === "number" && Math.floor(number) === number && number >= min && number <= max;
    }

    /** Rules of an allow-list, as src/parse/allow.ts reads them: HOST or HOST:PORTS, separated by spaces. */
    function isValidAllowRule(rule) {
        var host = rule;
        var ports;
        var bracketed = /^\[([^\]]+)\](?::(.+))?$/.exec(rule);
        if (bracketed) {
            host = bracketed[1];
            ports = bracketed[2];
        } else if (rule.split(":").length === 2) {
            host = rule.split(":")[0];
            ports = rule.split(":")[1];
        }
        if (ports !== undefined && !isValidPortSpec(ports)) { return false; }
        if (host === "*") { return true; }
        var cidr = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(host);
        if (cidr && (isIPv4(cidr[1]) || isIPv6(cidr[1]))) {
            return cidr[2] === undefined || Number(cidr[2]) <= (isIPv4(cidr[1]) ? 32 : 128);
        }
        if (/^[\d./]+$/.test(host) || host.indexOf(":") !== -1) { return false; }
        var name = (host.indexOf("*.") === 0 ? host.slice(2) : host).toLowerCase().replace(/\.$/, "");
        return /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name);
    }

    function hostPortLabel(node) {
        var hostType = node.hostType || "str";
        var portType = node.portType || "num";
        if (hostType !== "str" || (portType !== "num" && portType !== "str")) { return ""; }
        var host = isEmpty(node.host) ? "" : String(node.host).trim();
        var port = isEmpty(node.port) ? "" : String(node.port).trim();
        if (!host || !port) { return ""; }
        if (host.indexOf(",") !== -1) { return host + " · " + port; }
        if (host.indexOf(":") !== -1 && host.charAt(0) !== "[") { host = "[" + host + "]"; }
        return host + ":" + port;
    }

    return {
        isValidPortSpec: isValidPortSpec,
        isValidSeconds: isValidSeconds,
        isValidRate: isValidRate,
        isValidEscapes: isValidEscapes,
        isValidRegex: isValidRegex,
        isValidServername: isValidServername,
        isEmpty: isEmpty,
        isIPv4: isIPv4,
        isIPv6: isIPv6,
        isUnspecified: isUnspecified,
        hostProblem: hostProblem,
        normaliseColor: normaliseColor,
        describe: describe,
        isWholeNumber: isWholeNumber,
        isValidAllowRule: isValidAllowRule,
        hostPortLabel: hostPortLabel
    };
}));
