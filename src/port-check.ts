/**
 * The Node-RED glue of the port check node: reads the node's properties,
 * evaluates its TypedInputs for each message, runs Delay Before, the check
 * and Delay After, and settles every message exactly once: `send` then
 * `done()`, or `done(err)`. Knows nothing of sockets (see probe.ts).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { PortCheckError, type ErrorCode } from './errors';
import {
    parseCheck, parseConcurrency, parseDelay, parseHost, parsePorts, parseTimeout,
    type ExpectedState, type ParsedHost, type ParsedPorts,
} from './ports';
import { ProbePool, type CheckTicket, type PortResult, type PortState } from './probe';

/** The node's flow JSON: its keys are part of the public contract (DESIGN.md). */
interface PortCheckNodeDef extends NodeDef {
    color?: string;
    host?: string;
    hostType?: string;
    port?: string | number;
    portType?: string;
    check?: string;
    timeout?: string | number;
    timeoutType?: string;
    delayBefore?: string | number;
    delayAfter?: string | number;
    continueOnError?: boolean;
    output?: string;
    concurrency?: string | number;
}

type Send = (msg: NodeMessage) => void;
type Done = (err?: Error) => void;

/** One entry of msg.portCheck (or of its `results`). */
interface PortReport {
    host: string;
    port: number;
    address: string;
    family: 4 | 6 | 0;
    state?: PortState;
    expected: ExpectedState;
    match: boolean;
    latencyMs: number;
    attempts: number;
    error?: { code: ErrorCode; message: string; systemCode?: string };
}

/** A message between its arrival and its settling. */
interface Pending {
    done: Done;
    timer?: NodeJS.Timeout;
    ticket?: CheckTicket;
}

/** TypedInput values as evaluated, for msg.portCheck when they do not pass. */
interface RawInput {
    host?: unknown;
    port?: unknown;
}

interface CheckInput {
    host: ParsedHost;
    ports: ParsedPorts;
    portValue: unknown;
    timeoutMs: number;
}

/** Literal TypedInput types, read from the flow JSON as typed (a port list lives in a "num" field too). */
const LITERAL_TYPES = new Set(['str', 'num', '']);
/** Status updates at most this often; a burst of thousands shows its last result. */
const STATUS_INTERVAL_MS = 100;

export = function (RED: NodeAPI): void {
    function errorText(error: PortCheckError): string {
        return RED._(`port-check.errors.${error.code}`, error.params);
    }

    /** The Error handed to done(): Catch nodes see the text as is, and the code. */
    function toNodeError(error: PortCheckError): Error {
        const err = new Error(errorText(error));
        Object.defineProperty(err, 'code', { value: error.code, enumerable: true });
        err.toString = () => err.message;
        return err;
    }

    function PortCheckNode(this: Node, config: PortCheckNodeDef): void {
        RED.nodes.createNode(this, config);
        const node = this;

        const hostType = config.hostType || 'str';
        const portType = config.portType || 'num';
        const timeoutType = config.timeoutType || 'num';
        const output = config.output || 'payload';
        const continueOnError = config.continueOnError === true;

        // Settings fixed at deploy; an invalid one fails each message with its error.
        let configError: PortCheckError | undefined;
        let delayBeforeMs = 0;
        let delayAfterMs = 0;
        let concurrency = 1;
        try {
            delayBeforeMs = parseDelay(config.delayBefore, 'before');
            delayAfterMs = parseDelay(config.delayAfter, 'after');
            concurrency = parseConcurrency(config.concurrency);
        } catch (err) {
            configError = err as PortCheckError;
            node.status({ fill: 'red', shape: 'dot', text: errorText(configError) });
        }

        const pool = new ProbePool(concurrency);
        const pending = new Set<Pending>();
        let closed = false;

        let statusTimer: NodeJS.Timeout | undefined;
        let nextStatus: NodeStatus | undefined;
        function showStatus(status: NodeStatus): void {
            if (statusTimer) {
                nextStatus = status;
                return;
            }
            node.status(status);
            statusTimer = setTimeout(function flushStatus() {
                statusTimer = undefined;
                if (nextStatus) {
                    const status = nextStatus;
                    nextStatus = undefined;
                    showStatus(status);
                }
            }, STATUS_INTERVAL_MS);
        }

        /** A TypedInput's value for this message; an expression that fails to evaluate is reported as `invalid`. */
        function evaluate(
            value: unknown, type: string, msg: NodeMessage,
            invalid: (expression: string, reason: string) => PortCheckError,
            callback: (err: PortCheckError | null, result?: unknown) => void,
        ): void {
            if (LITERAL_TYPES.has(type)) return callback(null, value);
            const expression = String(value ?? '');
            RED.util.evaluateNodeProperty(expression, type, node, msg, (err, result) => {
                callback(err ? invalid(`${type}.${expression}`, err.message) : null, result);
            });
        }

        /** Evaluates and checks host, port and timeout; calls back once with the input or the first error. */
        function readInput(msg: NodeMessage, callback: (raw: RawInput, result: CheckInput | PortCheckError) => void): void {
            const raw: RawInput = {};
            const fail = (err: PortCheckError): void => callback(raw, err);
            evaluate(config.host, hostType, msg, (value, reason) => new PortCheckError('INVALID_HOST', { value, reason }), (err, host) => {
                raw.host = host;
                if (err) return fail(err);
                evaluate(config.port, portType, msg, (value) => new PortCheckError('INVALID_PORT', { value }), (err, port) => {
                    raw.port = port;
                    if (err) return fail(err);
                    evaluate(config.timeout, timeoutType, msg, (value) => new PortCheckError('INVALID_TIMEOUT', { value }), (err, timeout) => {
                        if (err) return fail(err);
                        let input: CheckInput;
                        try {
                            if (configError) throw configError;
                            const parsedHost = parseHost(host);
                            const ports = parsePorts(port);
                            parseCheck(config.check);
                            input = { host: parsedHost, ports, portValue: port, timeoutMs: parseTimeout(timeout) };
                        } catch (err) {
                            if (!(err instanceof PortCheckError)) throw err;
                            return fail(err);
                        }
                        callback(raw, input);
                    });
                });
            });
        }

        /** Runs `step` after `ms` (at once for 0), unless the node closes first. */
        function after(ms: number, item: Pending, step: () => void): void {
            if (ms === 0) return step();
            item.timer = setTimeout(() => {
                item.timer = undefined;
                step();
            }, ms);
        }

        /** True the one time a message may be settled; false once closed or settled. */
        function settle(item: Pending): boolean {
            return !closed && pending.delete(item);
        }

        function toReport(host: ParsedHost, expected: ExpectedState, result: PortResult): PortReport {
            const report: PortReport = {
                host: host.host,
                port: result.port,
                address: result.address,
                family: result.family,
                expected,
                match: false,
                latencyMs: result.latencyMs,
                attempts: result.attempts,
            };
            if (result.state) {
                report.state = result.state;
                // "closed" is met by filtered too: no service can be reached there.
                report.match = expected === 'open' ? result.state === 'open' : result.state !== 'open';
            }
            if (result.error) report.error = errorReport(result.error);
            return report;
        }

        function errorReport(error: PortCheckError): NonNullable<PortReport['error']> {
            const report: NonNullable<PortReport['error']> = { code: error.code, message: errorText(error) };
            if (error.systemCode) report.systemCode = error.systemCode;
            return report;
        }

        function singleStatus(report: PortReport): NodeStatus {
            switch (report.state) {
                case 'open': {
                    const ms = report.latencyMs < 10 ? report.latencyMs.toFixed(1) : String(Math.round(report.latencyMs));
                    return { fill: 'green', shape: 'dot', text: RED._('port-check.status.open', { ms }) };
                }
                case 'closed':
                    return { fill: 'red', shape: 'ring', text: RED._('port-check.status.closed') };
                default:
                    return { fill: 'yellow', shape: 'ring', text: RED._('port-check.status.filtered') };
            }
        }

        function listStatus(reports: PortReport[]): NodeStatus {
            const count = (state: PortState): number => reports.filter((r) => r.state === state).length;
            const open = count('open');
            const closedCount = count('closed');
            const filtered = count('filtered');
            const text = RED._('port-check.status.list', {
                open: String(open), closed: String(closedCount), filtered: String(filtered),
            });
            if (open === reports.length) return { fill: 'green', shape: 'dot', text };
            return filtered > 0 ? { fill: 'yellow', shape: 'ring', text } : { fill: 'red', shape: 'ring', text };
        }

        function errorStatus(message: string): NodeStatus {
            return { fill: 'red', shape: 'dot', text: message.length > 60 ? message.slice(0, 57) + '...' : message };
        }

        /** Writes the result onto the message and sends it on, or raises the error. */
        function finish(item: Pending, msg: NodeMessage, send: Send, portCheck: object, error: PortCheckError | undefined, result: boolean): void {
            const withPortCheck = msg as NodeMessage & { portCheck?: object };
            withPortCheck.portCheck = portCheck;
            if (error) showStatus(errorStatus(errorText(error)));
            if (error && !continueOnError) {
                if (settle(item)) item.done(toNodeError(error));
                return;
            }
            after(delayAfterMs, item, () => {
                if (!settle(item)) return;
                RED.util.setMessageProperty(msg, output, result, true);
                send(msg);
                item.done();
            });
        }

        function failBeforeCheck(item: Pending, msg: NodeMessage, send: Send, raw: RawInput, error: PortCheckError): void {
            const portCheck = {
                host: typeof raw.host === 'string' ? raw.host.trim() : raw.host,
                port: raw.port,
                expected: config.check === 'open' || config.check === 'closed' ? config.check : undefined,
                match: false,
                error: errorReport(error),
            };
            finish(item, msg, send, portCheck, error, false);
        }

        function onChecked(item: Pending, msg: NodeMessage, send: Send, input: CheckInput, expected: ExpectedState, results: PortResult[]): void {
            const reports = results.map((result) => toReport(input.host, expected, result));
            const firstError = results.find((result) => result.error)?.error;
            const match = !firstError && reports.every((report) => report.match);
            let portCheck: object;
            if (input.ports.isList) {
                portCheck = {
                    host: input.host.host,
                    port: input.portValue,
                    expected,
                    match,
                    latencyMs: Math.max(...reports.map((r) => r.latencyMs)),
                    attempts: reports.reduce((sum, r) => sum + r.attempts, 0),
                    open: reports.filter((r) => r.state === 'open').map((r) => r.port),
                    closed: reports.filter((r) => r.state === 'closed').map((r) => r.port),
                    filtered: reports.filter((r) => r.state === 'filtered').map((r) => r.port),
                    results: reports,
                    ...(firstError ? { error: errorReport(firstError) } : {}),
                };
            } else {
                portCheck = { ...reports[0], match };
            }
            if (!firstError) showStatus(input.ports.isList ? listStatus(reports) : singleStatus(reports[0]));
            finish(item, msg, send, portCheck, firstError, match);
        }

        node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
            const item: Pending = { done };
            pending.add(item);
            after(delayBeforeMs, item, () => {
                if (closed) return;
                showStatus({ fill: 'grey', shape: 'dot', text: RED._('port-check.status.checking') });
                readInput(msg, (raw, input) => {
                    if (closed || !pending.has(item)) return;
                    if (input instanceof PortCheckError) return failBeforeCheck(item, msg, send, raw, input);
                    const expected = config.check as ExpectedState;
                    item.ticket = pool.check(
                        { host: input.host, ports: input.ports.ports, timeoutMs: input.timeoutMs },
                        (results) => {
                            item.ticket = undefined;
                            onChecked(item, msg, send, input, expected, results);
                        },
                    );
                });
            });
        });

        node.on('close', (_removed: boolean, done: () => void) => {
            closed = true;
            pool.cancelAll();
            // Like the delay node: a message cut short by a redeploy is settled, not sent.
            for (const item of pending) {
                if (item.timer) clearTimeout(item.timer);
                item.done();
            }
            pending.clear();
            if (statusTimer) clearTimeout(statusTimer);
            statusTimer = undefined;
            node.status({});
            done();
        });
    }

    RED.nodes.registerType('port-check', PortCheckNode);
};
