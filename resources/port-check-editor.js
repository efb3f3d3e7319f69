/**
 * The editor side of the port check node: the validators that tell, as the
 * user types, whether the runtime would accept a value and why not (with
 * the rules of port-check-rules.js), the labels, the dialog's set-up and
 * the per-node colour. port-check.html loads this
 * file from resources/node-red-contrib-port-check/ and registers the node
 * type with what `PortCheckEditor.create(RED, $)` returns; the tests
 * require the same file. Plain ES5, for every browser Node-RED 3 supports.
 */
(function (root, factory) {
    "use strict";
    if (typeof module === "object" && module.exports) {
        module.exports = factory(function () {
            return {
                config: require("./port-check-config.js"),
                rules: require("./port-check-rules.js"),
                presets: require("./port-check-presets.js"),
                serviceDialog: require("./port-check-service.js")
            };
        });
    } else {
        // The editor loads the three files of resources/ in any order (as
        // they arrive), then runs the node's registration: the other two are
        // looked up when create() is called, not now.
        root.PortCheckEditor = factory(function () {
            return {
                config: root.PortCheckConfig,
                rules: root.PortCheckRules,
                presets: root.PortCheckPresets,
                serviceDialog: root.PortCheckServiceDialog
            };
        });
    }
}(this, function (dependencies) {
    // The factory is the module's scope (the UMD pattern), not one function to split.
    "use strict";

    var TYPE = "port-check";
    var NAMESPACE = "node-red-contrib-port-check/port-check";
    var PALETTE_COLOR = "#C0DEED";

    /** Set by create(): the editor's RED and jQuery, and the other files of resources/. */
    var RED;
    var $;
    var config;
    var rules;
    var presets;

    /** Paints one drawn node in its own colour, or gives it back its palette colour. */
    function paintNode(evt) {
        if (!evt || !evt.node || evt.node.type !== TYPE || !evt.el || typeof evt.el.querySelector !== "function") {
            return;
        }
        var rect = evt.el.querySelector("rect.red-ui-flow-node");
        if (!rect) { return; }
        rect.style.fill = rules.normaliseColor(evt.node.color);
    }

    /** A text of this node's catalogue (port-check.json). */
    function t(key, params) {
        var definition = RED.nodes.getType(TYPE);
        if (definition && typeof definition._ === "function") {
            return definition._(key, params);
        }
        return RED._(NAMESPACE + ":" + key, params);
    }

    /**
     * "Invalid" for a validator: the reason when the editor asks for one
     * (3.1 and later pass `opt`), a plain false for older editors.
     */
    function invalid(opt, key, params) {
        return opt ? t(key, params) : false;
    }

    /**
     * The type chosen for a TypedInput: the dialog's hidden type field while
     * it is open, else the node's own, else the type old flows imply.
     */
    function typeOf(node, field, fallback) {
        var input = $("#node-input-" + field);
        return (input.length && input.val()) || (node && node[field]) || fallback;
    }

    /** msg/flow/global/env values are checked as Node-RED checks any TypedInput. */
    function validateTyped(node, typeField, value, opt) {
        if (RED.validators && typeof RED.validators.typedInput === "function") {
            return RED.validators.typedInput(typeField).call(node, value, opt);
        }
        return true;
    }

    /** A TypedInput type's label from the editor's own catalogue. */
    function typeLabel(type, fallback) {
        var key = "typedInput.type." + type;
        var label = RED._(key);
        return label && label !== key ? label : fallback;
    }

    /** The text of a str IP (one host, or several separated by commas): true, or why the runtime would refuse it. */
    function checkHostText(v, opt) {
        if (rules.isEmpty(v)) { return invalid(opt, "port-check.errors.EMPTY_HOST"); }
        if (typeof v !== "string") {
            return invalid(opt, "port-check.errors.INVALID_HOST", { value: rules.describe(v), reason: t("port-check.tip.host.notText") });
        }
        var items = v.split(",");
        for (var i = 0; i < items.length; i++) {
            var problem = items.length > 1 && items[i].trim() === "" ? ["emptyItem"] : rules.hostProblem(items[i]);
            if (problem) {
                return invalid(opt, "port-check.errors.INVALID_HOST", {
                    value: rules.describe(items[i]),
                    reason: t("port-check.tip.host." + problem[0], problem[1])
                });
            }
        }
        return true;
    }

    /**
     * A validator for a TypedInput: a literal (num or str) is checked by this
     * node's rule `checkLiteral`, the other types as Node-RED checks them.
     */
    function typedInputValidator(typeField, fallbackType, checkLiteral) {
        return function (v, opt) {
            var type = typeOf(this, typeField, fallbackType);
            if (type !== "num" && type !== "str") { return validateTyped(this, typeField, v, opt); }
            return checkLiteral(v, opt);
        };
    }

    /** The dialog's label of a property, without its unit, as the runtime's errors name it. */
    function labelOf(property) {
        return t("port-check.label." + property).replace(/\s*[(\uff08][^()\uff08\uff09]*[)\uff09]$/, "");
    }

    /** A validator for Delay Before or Delay After: seconds from 0, empty meaning none. */
    function delayValidator(which) {
        return function (v, opt) {
            if (rules.isEmpty(v) || rules.isValidSeconds(v, true)) { return true; }
            return invalid(opt, "port-check.errors.INVALID_DELAY", { which: labelOf(which === "before" ? "delayBefore" : "delayAfter"), value: rules.describe(v) });
        };
    }

    /** A validator for a numeric option; `option` names it in the message. */
    function optionValidator(option, valid) {
        return function (v, opt) {
            if (valid(v)) { return true; }
            return invalid(opt, "port-check.errors.INVALID_OPTION", { option: labelOf(option), value: rules.describe(v) });
        };
    }

    /** The text of a num or str Port: true, or why the runtime would refuse it. */
    function checkPortText(v, opt) {
        if (rules.isEmpty(v)) { return invalid(opt, "port-check.errors.EMPTY_PORT"); }
        if (rules.isValidPortSpec(v)) { return true; }
        return invalid(opt, "port-check.errors.INVALID_PORT", { value: rules.describe(v) });
    }

    /** The text of a num Timeout: true, or why the runtime would refuse it. */
    function checkTimeoutText(v, opt) {
        if (rules.isValidSeconds(v, false)) { return true; }
        return invalid(opt, "port-check.errors.INVALID_TIMEOUT", { value: rules.describe(v) });
    }

    /**
     * A literal TypedInput type checked with this node's rule, so that the
     * field turns red (with the reason, on 3.1 and later) as the user types;
     * the built-in "num" would refuse a port list and accept 0x50.
     */
    function literalType(type, check) {
        return {
            value: type,
            label: typeLabel(type, type === "num" ? "number" : "string"),
            icon: type === "num" ? "red/images/typedInput/09.svg" : "red/images/typedInput/az.svg",
            validate: function (v, opt) { return check(v, opt); }
        };
    }

    function paletteLabel() {
        var label = t("port-check.paletteLabel");
        return label && label !== "port-check.paletteLabel" ? label : "port check";
    }

    /** The labels the node shows, as Node-RED asks for them (`this` is the node). */
    function label() {
        return this.name || rules.hostPortLabel(this) || paletteLabel();
    }

    function labelStyle() {
        return this.name ? "node_label_italic" : "";
    }

    function inputLabels() {
        return t("port-check.label.inputLabel");
    }

    function outputLabels() {
        var output = typeof this.output === "string" && this.output ? this.output : "payload";
        return t("port-check.label.outputLabel", { property: "msg." + output });
    }

    /** A validator for a choice: one of `values` (or empty, for a node saved before the property existed). */
    function oneOf(option, values) {
        return function (v, opt) {
            if (v === undefined || v === "" || values.indexOf(v) !== -1) { return true; }
            return invalid(opt, "port-check.errors.INVALID_OPTION", { option: labelOf(option), value: rules.describe(v) });
        };
    }

    /** The validator of each property of the node (the `defaults` of registerType). */
    function validators() {
        return {
            color: function (v, opt) {
                if (rules.isEmpty(v) || rules.normaliseColor(v)) { return true; }
                return invalid(opt, "port-check.tip.color");
            },
            host: typedInputValidator("hostType", "str", checkHostText),
            port: typedInputValidator("portType", "num", checkPortText),
            check: function (v, opt) {
                if (v === "open" || v === "closed") { return true; }
                return invalid(opt, "port-check.errors.EMPTY_CHECK", { value: rules.describe(v) });
            },
            timeout: typedInputValidator("timeoutType", "num", checkTimeoutText),
            delayBefore: delayValidator("before"),
            delayAfter: delayValidator("after"),
            output: function (v, opt) {
                if (!rules.isEmpty(v) && typeof v === "string" && RED.utils.validatePropertyExpression(v) === true) {
                    return true;
                }
                return invalid(opt, "port-check.tip.output");
            },
            mode: function (v, opt) {
                if (v === undefined || v === "" || v === "once" || v === "wait") { return true; }
                return invalid(opt, "port-check.errors.INVALID_OPTION", { option: labelOf("mode"), value: rules.describe(v) });
            },
            retries: optionValidator("retries", function (v) { return rules.isWholeNumber(v, 0, 100, true); }),
            retryDelay: optionValidator("retryDelay", function (v) { return rules.isEmpty(v) || rules.isValidSeconds(v, true); }),
            waitInterval: optionValidator("waitInterval", function (v) { return rules.isEmpty(v) || rules.isValidSeconds(v, false); }),
            waitTimeout: optionValidator("waitTimeout", function (v) { return rules.isEmpty(v) || rules.isValidSeconds(v, false); }),
            slowAbove: optionValidator("slowAbove", function (v) { return rules.isWholeNumber(v, 0, 2147483647, true); }),
            allow: function (v, opt) {
                if (rules.isEmpty(v)) { return true; }
                var listed = String(v).split(/\s+/).filter(function (rule) { return rule !== ""; });
                for (var i = 0; i < listed.length; i++) {
                    if (!rules.isValidAllowRule(listed[i])) {
                        return invalid(opt, "port-check.errors.INVALID_ALLOW_LIST", { value: rules.describe(listed[i]), reason: t("port-check.tip.badRule") });
                    }
                }
                return true;
            },
            ipVersion: function (v, opt) {
                if (v === undefined || v === "" || v === "auto" || v === "4" || v === "6" || v === "both") { return true; }
                return invalid(opt, "port-check.errors.INVALID_OPTION", { option: labelOf("ipVersion"), value: rules.describe(v) });
            },
            maxRate: optionValidator("maxRate", function (v) { return rules.isEmpty(v) || rules.isValidRate(v); }),
            tls: oneOf("tls", ["off", "on", "starttls"]),
            starttls: oneOf("starttls", ["smtp", "imap", "pop3", "ftp", "postgres"]),
            servername: optionValidator("servername", function (v) { return rules.isEmpty(v) || rules.isValidServername(v); }),
            certDays: optionValidator("certDays", function (v) { return rules.isWholeNumber(v, 0, 36500, true); }),
            preset: oneOf("preset", ["none"].concat(Object.keys(presets))),
            send: optionValidator("send", function (v) { return v === undefined || v === "" || rules.isValidEscapes(v); }),
            expect: optionValidator("expect", function (v) { return v === undefined || v === "" || rules.isValidRegex(v); }),
            concurrency: function (v, opt) {
                // Flows from before the property existed run with the default.
                if (v === undefined) { return true; }
                if (rules.isWholeNumber(v, 1, 65535, false)) { return true; }
                return invalid(opt, "port-check.errors.INVALID_CONCURRENCY", { value: rules.describe(v) });
            }
        };
    }

    /**
     * The dialog: a node saved by an earlier version shows the values the
     * runtime reads for it (the shared migrations of port-check-config.js),
     * and a Check Port, Timeout or Mode it cannot use shows the default.
     */
    function oneditprepare() {
        var node = this;
        var migrated = config.migrate(node);
        Object.keys(migrated).forEach(function (key) {
            if (key !== "version" && migrated[key] !== node[key]) { $("#node-input-" + key).val(migrated[key]); }
        });
        if (node.check !== "open" && node.check !== "closed") { $("#node-input-check").val("open"); }
        if (node.timeout === undefined) { $("#node-input-timeout").val("60"); }
        if (node.mode !== "wait") { $("#node-input-mode").val("once"); }

        dependencies().serviceDialog.prepare($, t, presets, node);

        // Retries belong to "check once"; the interval and deadline to "wait until".
        $("#node-input-mode").on("change", function () {
            var wait = $(this).val() === "wait";
            $(".port-check-once-row").toggle(!wait);
            $(".port-check-wait-row").toggle(wait);
        }).trigger("change");

        $("#node-input-host").typedInput({
            default: "str",
            typeField: "#node-input-hostType",
            types: [literalType("str", checkHostText), "msg", "flow", "global", "env"]
        });
        $("#node-input-port").typedInput({
            default: "num",
            typeField: "#node-input-portType",
            types: [literalType("num", checkPortText), literalType("str", checkPortText), "msg", "flow", "global", "env"]
        });
        $("#node-input-timeout").typedInput({
            default: "num",
            typeField: "#node-input-timeoutType",
            types: [literalType("num", checkTimeoutText), "msg", "flow", "global", "env"]
        });
        $("#node-input-output").typedInput({ default: "msg", types: ["msg"] });

        // Color: the hidden input holds what is saved ("" = palette colour).
        var stored = $("#node-input-color");
        var picker = $("#port-check-color-picker");
        var usePalette = $("#port-check-color-palette");
        var current = rules.normaliseColor(node.color);
        stored.val(current);
        picker.val(current || PALETTE_COLOR.toLowerCase());
        usePalette.prop("checked", !current);
        picker.on("input change", function () {
            usePalette.prop("checked", false);
            stored.val(rules.normaliseColor(picker.val()));
        });
        usePalette.on("change", function () {
            stored.val(usePalette.prop("checked") ? "" : rules.normaliseColor(picker.val()));
        });
    }

    /** A node saved from the dialog is of the current version. */
    function oneditsave() {
        this.version = config.VERSION;
    }

    /** Once registered: field names for the editor's own messages, and the colour hooks. */
    function registered(definition) {
        // Field names for the editor's own messages ("Port: Invalid property
        // expression"), from this node's catalogue once it is registered.
        ["host", "port", "timeout", "output"].forEach(function (property) {
            definition.defaults[property].label = t("port-check.label." + property);
        });

        // The view hooks arrived in Node-RED 3.1; older editors keep the palette colour.
        if (RED.hooks && typeof RED.hooks.add === "function") {
            ["viewAddNode", "viewRedrawNode"].forEach(function (hook) {
                var id = hook + "." + TYPE;
                try {
                    if (typeof RED.hooks.has === "function" && RED.hooks.has(id)) { return; }
                    RED.hooks.add(id, paintNode);
                } catch (err) {
                    // Already registered by an earlier load of this file.
                }
            });
        }
    }

    /**
     * The node's editor, bound to the editor's RED and jQuery (one of each
     * per page, so they are kept here): the validators of its defaults, its
     * labels and its dialog, for port-check.html to register.
     */
    function create(red, jquery) {
        RED = red;
        $ = jquery;
        config = dependencies().config;
        rules = dependencies().rules;
        presets = dependencies().presets;
        return {
            validate: validators(),
            paletteLabel: paletteLabel,
            label: label,
            labelStyle: labelStyle,
            inputLabels: inputLabels,
            outputLabels: outputLabels,
            oneditprepare: oneditprepare,
            oneditsave: oneditsave,
            registered: registered
        };
    }

    return {
        TYPE: TYPE,
        PALETTE_COLOR: PALETTE_COLOR,
        create: create
    };
}));
