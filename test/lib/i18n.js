'use strict';
// The node's message catalogue, worded the way Node-RED's i18next does
// (`__name__` placeholders, no escaping). node-red-node-test-helper hands
// nodes a RED._ that returns the key itself; tests use this one instead so
// they see the texts users see, straight from nodes/locales/en-US.
const catalogue = require('../../nodes/locales/en-US/port-check.json');

function translate(key, params) {
    const text = key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), catalogue);
    if (typeof text !== 'string') return key;
    return text.replace(/__([a-zA-Z0-9_]+)__/g, (whole, name) =>
        params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

module.exports = { translate, catalogue };
