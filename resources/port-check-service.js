/**
 * The Service section of the port check node's dialog: collapsed while
 * there is nothing to check; the STARTTLS protocol and the certificate rows
 * only where TLS asks for them; a preset fills Send and Expect (which may
 * then be changed) and the summary says what will be checked. Loaded by
 * port-check.html with the editor; plain ES5.
 */
(function (root, factory) {
    "use strict";
    if (typeof module === "object" && module.exports) {
        module.exports = factory();
    } else {
        root.PortCheckServiceDialog = factory();
    }
}(this, function () {
    "use strict";

    /**
     * The Service section: collapsed while there is nothing to check; the
     * STARTTLS protocol and the certificate rows only where TLS asks for
     * them; a preset fills Send and Expect, and the tip says what it does.
     */
    function prepare($, t, presets, node) {
        var section = $("#port-check-service");
        var summary = $("#port-check-service-summary");
        var caret = $("#port-check-service-toggle i");
        function describeService() {
            var tls = $("#node-input-tls").val();
            var preset = $("#node-input-preset").val();
            var parts = [];
            if (tls === "on") { parts.push("TLS"); }
            if (tls === "starttls") { parts.push("STARTTLS " + $("#node-input-starttls").val()); }
            if (preset && preset !== "none") { parts.push(preset); } else if ($("#node-input-send").val() || $("#node-input-expect").val()) { parts.push(t("port-check.label.send") + "/" + t("port-check.label.expect")); }
            summary.text(parts.length ? parts.join(" · ") : t("port-check.tls.off"));
        }
        function open(show) {
            section.toggle(show);
            caret.toggleClass("fa-caret-right", !show).toggleClass("fa-caret-down", show);
        }
        $("#port-check-service-toggle").on("click", function (evt) {
            evt.preventDefault();
            open(!section.is(":visible"));
        });
        $("#node-input-tls").on("change", function () {
            var tls = $(this).val();
            $(".port-check-starttls-row").toggle(tls === "starttls");
            $(".port-check-tls-row").toggle(tls !== "off");
            describeService();
        }).trigger("change");
        $("#node-input-starttls, #node-input-send, #node-input-expect").on("change input", describeService);
        $("#node-input-preset").on("change", function () {
            var chosen = presets[$(this).val()];
            // Choosing a preset fills Send and Expect with its own, which may then be changed.
            if (chosen && $(this).data("port-check-ready")) {
                $("#node-input-send").val(chosen.send);
                $("#node-input-expect").val(chosen.expect);
            }
            $(this).data("port-check-ready", true);
            describeService();
        }).trigger("change");
        var checking = (node.tls && node.tls !== "off") || (node.preset && node.preset !== "none") || node.send || node.expect;
        open(Boolean(checking));
    }

    return { prepare: prepare };
}));
