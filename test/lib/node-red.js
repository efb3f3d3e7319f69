'use strict';
// node-red-node-test-helper set up for the compiled node, with the real
// message catalogue (see i18n.js).
const helper = require('node-red-node-test-helper');
const portCheckModule = require('../../nodes/port-check.js');
const { translate } = require('./i18n');

helper.init(require.resolve('node-red'));

function portCheckNode(RED) {
    RED._ = translate;
    return portCheckModule(RED);
}

/** Loads a flow and resolves when it runs. */
function load(flow, extraNodes = []) {
    return new Promise((resolve, reject) => {
        helper.load([portCheckNode, ...extraNodes], flow, (err) => (err ? reject(err) : resolve()));
    });
}

/** Collects what reaches a helper node: msg events in order. */
function collect(nodeId) {
    const node = helper.getNode(nodeId);
    const messages = [];
    const waiters = [];
    node.on('input', (msg) => {
        messages.push(msg);
        for (const waiter of [...waiters]) waiter();
    });
    return {
        messages,
        /** Resolves once `count` messages have arrived, or rejects after `ms`. */
        waitFor(count, ms = 5000) {
            return new Promise((resolve, reject) => {
                const check = () => {
                    if (messages.length >= count) {
                        clearTimeout(timer);
                        waiters.splice(waiters.indexOf(check), 1);
                        resolve(messages);
                    }
                };
                const timer = setTimeout(() => {
                    waiters.splice(waiters.indexOf(check), 1);
                    reject(new Error(`expected ${count} message(s) at ${nodeId}, got ${messages.length}`));
                }, ms);
                waiters.push(check);
                check();
            });
        },
    };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Removes the helper's sinon spies from a loaded flow. They wrap
 * Node.prototype.send/status/log/... and keep every call's arguments and a
 * stack trace: with tens of thousands of messages (or one message holding
 * a whole port range) that costs more memory than the node itself and
 * keeps it alive, which no real Node-RED does. For measuring memory and
 * speed; `ids` are the nodes whose send Node-RED copied from the spy.
 */
function unspy(ids) {
    if (helper._logSpy) helper._logSpy.restore();
    helper._sandbox.restore();
    for (const id of ids) {
        const node = helper.getNode(id);
        if (node && node.send !== helper._NodePrototype.send) node.send = helper._NodePrototype.send;
    }
}

const NODE_RED_MAJOR = Number(require('node-red/package.json').version.split('.')[0]);

/**
 * The error code of a message a Catch node got: msg.portCheck.error.code,
 * which every Node-RED version carries; from Node-RED 4 on, the Catch node's
 * msg.error.code must say the same (Node-RED 3 does not copy it).
 */
function caughtCode(msg) {
    const code = msg.portCheck && msg.portCheck.error && msg.portCheck.error.code;
    if (NODE_RED_MAJOR >= 4 && msg.error.code !== code) {
        throw new Error(`msg.error.code ${msg.error.code} but msg.portCheck.error.code ${code}`);
    }
    return code;
}

module.exports = { helper, load, collect, sleep, portCheckNode, unspy, caughtCode, NODE_RED_MAJOR };
