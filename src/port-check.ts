/**
 * The Node-RED glue of the port check node: reads the node's properties,
 * evaluates its TypedInputs for each message, runs Delay Before, the check
 * (again, for retries or "wait until"), and Delay After, and settles every
 * message exactly once: `send` then `done()`, or `done(err)`. Knows nothing
 * of sockets (see probe.ts).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { performance } from 'perf_hooks';
import { PortCheckError, type ErrorCode } from './errors';
import {
    parseCheck, parseConcurrency, parseDelay, parseHosts, parseMode, parsePorts, parseSecondsOption,
    parseTimeout, parseWholeNumber, type ExpectedState, type Mode, type ParsedHosts, type ParsedPorts,
} from './ports';
import { makePolicy, type TargetPolicy } from './allow';
import { ProbePool, type PortResult, type PortState } from './probe';

/** The node's flow JSON: its keys are part of the public contract (DESIGN.md, README). */
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
    mode?: string;
    retries?: string | number;
    retryDelay?: string | number;
    waitInterval?: string | number;
    waitTimeout?: string | number;
    slowAbove?: string | number;
    allow?: string;
}

/** The optional `portCheck` block of Node-RED's settings.js. */
interface PortCheckSettings {
    allow?: unknown;
    deny?: unknown;
}

type Send = (msg: NodeMessage) => void;
type Done = (err?: Error) => void;

interface ErrorReport {
    code: ErrorCode;
    message: string;
    systemCode?: string;
}

/** One host and port of msg.portCheck (or of its `results`). */
interface PortReport {
    host: string;
    port: number;
    address: string;
    family: 4 | 6 | 0;
    state?: PortState;
    expected: ExpectedState;
    match: boolean;
    latencyMs: number;
    connections: number;
    slow?: boolean;
    error?: ErrorReport;
}

/** Settings fixed at deploy. */
interface Options {
    delayBeforeMs: number;
    delayAfterMs: number;
    concurrency: number;
    mode: Mode;
    retries: number;
    retryDelayMs: number;
    waitIntervalMs: number;
    waitTimeoutMs: number;
    /** 0 when no threshold is set. */
    slowAboveMs: number;
    policy?: TargetPolicy;
}

/** A message between its arrival and its settling. */
interface Pending {
    msg: NodeMessage;
    send: Send;
    done: Done;
    timer?: NodeJS.Timeout;
}

/** TypedInput values as evaluated, for msg.portCheck when they do not pass. */
interface RawInput {
    host?: unknown;
    port?: unknown;
}

interface CheckInput {
    hosts: ParsedHosts;
    ports: ParsedPorts;
    raw: RawInput;
    timeoutMs: number;
    expected: ExpectedState;
}

/** One message's checks: the first, and any retries or re-checks. */
interface Run {
    input: CheckInput;
    attempts: number;
    startedAt: number;
    /** Wait-until mode: no new attempt starts after this (performance.now()). */
    deadline: number;
}

/** Literal TypedInput types, read from the flow JSON as typed (a port list lives in a "num" field too). */
const LITERAL_TYPES = new Set(['str', 'num', '']);
/** Status updates at most this often; a burst of thousands shows its last result. */
const STATUS_INTERVAL_MS = 100;
/** Errors worth another attempt: the network may answer differently next time. */
const RETRYABLE = new Set<ErrorCode>(['CANNOT_RESOLVE', 'LOCAL_ERROR', 'CONNECTION_FAILED']);

function readOptions(config: PortCheckNodeDef, settings: PortCheckSettings | undefined): Options {
    parseCheck(config.check);
    return {
        delayBeforeMs: parseDelay(config.delayBefore, 'before'),
        delayAfterMs: parseDelay(config.delayAfter, 'after'),
        concurrency: parseConcurrency(config.concurrency),
        mode: parseMode(config.mode),
        retries: parseWholeNumber(config.retries, 'Retries', 0, 100, 0),
        retryDelayMs: parseSecondsOption(config.retryDelay, 'Retry delay', true, 1000),
        waitIntervalMs: parseSecondsOption(config.waitInterval, 'Check every', false, 1000),
        waitTimeoutMs: parseSecondsOption(config.waitTimeout, 'Wait up to', false, 60000),
        slowAboveMs: parseWholeNumber(config.slowAbove, 'Slow above', 0, 0x7fffffff, 0),
        policy: makePolicy(settings, config.allow),
    };
}

/** `read()` the first time, then the same value (or the same error) again. */
function once<T>(read: () => T): () => T {
    let outcome: { value: T } | { error: unknown } | undefined;
    return () => {
        if (!outcome) {
            try {
                outcome = { value: read() };
            } catch (error) {
                outcome = { error };
            }
        }
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
    };
}

function formatMs(ms: number): string {
    return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

function hostPort(report: PortReport): string {
    return report.host.includes(':') ? `[${report.host}]:${report.port}` : `${report.host}:${report.port}`;
}

export = function (RED: NodeAPI): void {
    function errorText(error: PortCheckError): string {
        return RED._(`port-check.errors.${error.code}`, error.params);
    }

    function errorReport(error: PortCheckError): ErrorReport {
        const report: ErrorReport = { code: error.code, message: errorText(error) };
        if (error.systemCode) report.systemCode = error.systemCode;
        return report;
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

        // An invalid setting (only possible in a hand-edited flow) fails each message with its error.
        let options: Options;
        let configError: PortCheckError | undefined;
        try {
            options = readOptions(config, (RED.settings as { portCheck?: PortCheckSettings }).portCheck);
        } catch (err) {
            if (!(err instanceof PortCheckError)) throw err;
            configError = err;
            options = readOptions({ id: config.id, type: config.type, name: '', z: config.z, check: 'open' }, undefined);
            node.status({ fill: 'red', shape: 'dot', text: errorText(err) });
        }

        const pool = new ProbePool(options.concurrency);
        const pending = new Set<Pending>();
        let closed = false;

        // The status is worded only when it is shown: under a burst, most
        // messages' statuses are replaced before anyone could see them.
        let statusTimer: NodeJS.Timeout | undefined;
        let nextStatus: (() => NodeStatus) | undefined;
        function showStatus(status: () => NodeStatus): void {
            if (statusTimer) {
                nextStatus = status;
                return;
            }
            node.status(status());
            statusTimer = setTimeout(function flushStatus() {
                statusTimer = undefined;
                if (nextStatus) {
                    const status = nextStatus;
                    nextStatus = undefined;
                    showStatus(status);
                }
            }, STATUS_INTERVAL_MS);
        }

        /** A fixed IP or Timeout is read once, not per message; its error is raised per message all the same. */
        const literalHosts = once(() => parseHosts(config.host));
        const literalTimeout = once(() => parseTimeout(config.timeout));

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
                            const hosts = hostType === 'str' ? literalHosts() : parseHosts(host);
                            const ports = parsePorts(port);
                            const expected = config.check as ExpectedState;
                            const timeoutMs = timeoutType === 'num' ? literalTimeout() : parseTimeout(timeout);
                            input = { hosts, ports, raw, timeoutMs, expected };
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

        function toReport(expected: ExpectedState, result: PortResult): PortReport {
            const report: PortReport = {
                host: result.host,
                port: result.port,
                address: result.address,
                family: result.family,
                expected,
                match: false,
                latencyMs: result.latencyMs,
                connections: result.connections,
            };
            if (result.state) {
                report.state = result.state;
                // "closed" is met by filtered too: no service can be reached there.
                report.match = expected === 'open' ? result.state === 'open' : result.state !== 'open';
                if (options.slowAboveMs > 0 && result.state === 'open') report.slow = result.latencyMs > options.slowAboveMs;
            }
            if (result.error) report.error = errorReport(result.error);
            return report;
        }

        function singleStatus(report: PortReport): NodeStatus {
            switch (report.state) {
                case 'open':
                    return report.slow
                        ? { fill: 'yellow', shape: 'dot', text: RED._('port-check.status.slow', { ms: formatMs(report.latencyMs) }) }
                        : { fill: 'green', shape: 'dot', text: RED._('port-check.status.open', { ms: formatMs(report.latencyMs) }) };
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
            if (open === reports.length) {
                return reports.some((r) => r.slow) ? { fill: 'yellow', shape: 'dot', text } : { fill: 'green', shape: 'dot', text };
            }
            return filtered > 0 ? { fill: 'yellow', shape: 'ring', text } : { fill: 'red', shape: 'ring', text };
        }

        const checkingStatus = (): NodeStatus => ({ fill: 'grey', shape: 'dot', text: RED._('port-check.status.checking') });

        function errorStatus(message: string): NodeStatus {
            return { fill: 'red', shape: 'dot', text: message.length > 60 ? message.slice(0, 57) + '...' : message };
        }

        /** Writes the result onto the message and sends it on, or raises the error. */
        function finish(item: Pending, portCheck: object, error: PortCheckError | undefined, result: boolean): void {
            (item.msg as NodeMessage & { portCheck?: object }).portCheck = portCheck;
            if (error) showStatus(() => errorStatus(errorText(error)));
            if (error && !continueOnError) {
                if (settle(item)) item.done(toNodeError(error));
                return;
            }
            after(options.delayAfterMs, item, () => {
                if (!settle(item)) return;
                RED.util.setMessageProperty(item.msg, output, result, true);
                item.send(item.msg);
                item.done();
            });
        }

        function failBeforeCheck(item: Pending, raw: RawInput, error: PortCheckError): void {
            const portCheck = {
                host: typeof raw.host === 'string' ? raw.host.trim() : raw.host,
                port: raw.port,
                expected: config.check === 'open' || config.check === 'closed' ? config.check : undefined,
                match: false,
                attempts: 0,
                error: errorReport(error),
            };
            finish(item, portCheck, error, false);
        }

        /** msg.portCheck for a list of ports or hosts: one entry per host and port, and summaries. */
        function listReport(run: Run, reports: PortReport[], match: boolean): Record<string, unknown> {
            // A host list (even of one) reports per host; a single host, per port.
        const severalHosts = run.input.hosts.isList;
            const inState = (state: PortState): Array<number | string> =>
                reports.filter((r) => r.state === state).map((r) => (severalHosts ? hostPort(r) : r.port));
            const summary: Record<string, unknown> = {
                host: run.input.raw.host,
                port: run.input.raw.port,
                expected: run.input.expected,
                match,
                latencyMs: Math.max(...reports.map((r) => r.latencyMs)),
                attempts: run.attempts,
                connections: reports.reduce((sum, r) => sum + r.connections, 0),
                elapsedMs: Math.round((performance.now() - run.startedAt) * 100) / 100,
                open: inState('open'),
                closed: inState('closed'),
                filtered: inState('filtered'),
                results: reports,
            };
            if (options.slowAboveMs > 0) summary.slow = reports.some((r) => r.slow);
            if (severalHosts) {
                summary.hosts = run.input.hosts.hosts.map(({ host }) => {
                    const own = reports.filter((r) => r.host === host);
                    const ports = (state: PortState): number[] => own.filter((r) => r.state === state).map((r) => r.port);
                    const error = own.find((r) => r.error)?.error;
                    return {
                        host,
                        match: own.every((r) => r.match),
                        open: ports('open'),
                        closed: ports('closed'),
                        filtered: ports('filtered'),
                        ...(error ? { error } : {}),
                    };
                });
            }
            return summary;
        }

        function onChecked(item: Pending, run: Run, results: PortResult[]): void {
            const { input } = run;
            const reports = results.map((result) => toReport(input.expected, result));
            const firstError = results.find((result) => result.error)?.error;
            const match = !firstError && reports.every((report) => report.match);

            if (!match && (!firstError || RETRYABLE.has(firstError.code))) {
                const retry = options.mode === 'wait'
                    ? performance.now() + options.waitIntervalMs < run.deadline
                    : run.attempts <= options.retries;
                if (retry) {
                    const delay = options.mode === 'wait' ? options.waitIntervalMs : options.retryDelayMs;
                    const key = options.mode === 'wait' ? 'port-check.status.waiting' : 'port-check.status.retrying';
                    const attempt = String(run.attempts + 1);
                    showStatus(() => ({ fill: 'grey', shape: 'ring', text: RED._(key, { attempt }) }));
                    after(delay, item, () => runCheck(item, run));
                    return;
                }
            }

            const list = input.hosts.isList || input.ports.isList;
            let portCheck: object;
            if (list) {
                portCheck = listReport(run, reports, match);
                if (firstError) (portCheck as { error?: ErrorReport }).error = errorReport(firstError);
            } else {
                const elapsedMs = Math.round((performance.now() - run.startedAt) * 100) / 100;
                portCheck = { ...reports[0], match, attempts: run.attempts, elapsedMs };
            }
            if (!firstError) showStatus(() => (list ? listStatus(reports) : singleStatus(reports[0])));
            finish(item, portCheck, firstError, match);
        }

        function runCheck(item: Pending, run: Run): void {
            run.attempts++;
            const { hosts, ports, timeoutMs } = run.input;
            // On close, pool.cancelAll() stops this check with every other one.
            pool.check(
                { hosts: hosts.hosts, ports: ports.ports, timeoutMs, policy: options.policy },
                (results) => onChecked(item, run, results),
            );
        }

        node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
            const item: Pending = { msg, send, done };
            pending.add(item);
            // A node whose settings are broken fails each message at once.
            after(configError ? 0 : options.delayBeforeMs, item, () => {
                if (closed) return;
                showStatus(checkingStatus);
                readInput(msg, (raw, input) => {
                    if (closed || !pending.has(item)) return;
                    if (input instanceof PortCheckError) return failBeforeCheck(item, raw, input);
                    const startedAt = performance.now();
                    runCheck(item, { input, attempts: 0, startedAt, deadline: startedAt + options.waitTimeoutMs });
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
