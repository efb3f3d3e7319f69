/**
 * The Node-RED glue of the port check node: reads the node's properties,
 * evaluates its TypedInputs for each message, runs Delay Before, the check
 * (again, for retries or "wait until"), and Delay After, and settles every
 * message exactly once: `send` then `done()`, or `done(err)`. Knows nothing
 * of sockets (see probe.ts).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { performance } from 'perf_hooks';
import { PortCheckError, internalError, type ErrorCode } from './errors';
import {
    DEFAULT_MAX_PROBES, checkProbeCount, parseCheck, parseConcurrency, parseDelay, parseHosts, parseMode, parsePorts,
    parseSecondsOption, parseTimeout, parseWholeNumber, type ExpectedState, type Mode, type ParsedHost, type ParsedHosts,
} from './ports';
import { roundMs } from './time';
import { makePolicy, type TargetPolicy } from './allow';
import { ProbePool, type CheckRequest, type PortResult, type PortState } from './probe';

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
    maxProbesPerMessage?: unknown;
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
    /** Hosts × ports one message may ask for (settings.js portCheck.maxProbesPerMessage). */
    maxProbes: number;
}

/**
 * A message between its arrival and its settling. Once its host, port and
 * timeout are read, it is also the request handed to the pool for each of
 * its checks (the first, and any retries or re-checks): one record per
 * message, however many wait behind Max concurrent.
 */
interface Pending extends CheckRequest {
    msg: NodeMessage;
    send: Send;
    done: Done;
    timer: NodeJS.Timeout | undefined;
    /** The TypedInput values as evaluated, for msg.portCheck. */
    rawHost: unknown;
    rawPort: unknown;
    parsedHosts: ParsedHosts | undefined;
    /** Several hosts or ports: msg.portCheck gets `results` and summaries. */
    isList: boolean;
    attempts: number;
    startedAt: number;
    /** Wait-until mode: no new attempt starts after this (performance.now()). */
    deadline: number;
    /** Links of the node's list of pending messages (see PendingList). */
    previous: Pending | undefined;
    next: Pending | undefined;
    listed: boolean;
}

/**
 * The messages a node has not yet settled, linked through themselves: with
 * thousands queued, a list costs the garbage collector far less than a Set
 * (one big table that every new message is written into).
 */
class PendingList {
    private head?: Pending;
    private tail?: Pending;

    add(item: Pending): void {
        item.listed = true;
        item.previous = this.tail;
        if (this.tail) this.tail.next = item;
        else this.head = item;
        this.tail = item;
    }

    has(item: Pending): boolean {
        return item.listed;
    }

    /** Takes the item off the list; false when it was not on it. */
    delete(item: Pending): boolean {
        if (!item.listed) return false;
        item.listed = false;
        const { previous, next } = item;
        if (previous) previous.next = next;
        else this.head = next;
        if (next) next.previous = previous;
        else this.tail = previous;
        item.previous = item.next = undefined;
        return true;
    }

    /** Empties the list, handing each item to `each` in arrival order. */
    drain(each: (item: Pending) => void): void {
        let item = this.head;
        this.head = this.tail = undefined;
        while (item) {
            const next = item.next;
            item.listed = false;
            item.previous = item.next = undefined;
            each(item);
            item = next;
        }
    }
}

const NOTHING: readonly never[] = Object.freeze([]);

/**
 * Where a TypedInput's value comes from: the value itself (a literal), a
 * plain msg property (read directly, as RED.util.getMessageProperty would),
 * or anything else, evaluated by Node-RED for each message.
 */
type Source =
    | { kind: 'literal'; value: unknown }
    | { kind: 'msg'; key: string }
    | { kind: 'evaluated'; expression: string; type: string };

/** Literal TypedInput types, read from the flow JSON as typed (a port list lives in a "num" field too). */
const LITERAL_TYPES = new Set(['str', 'num', '']);
/** A msg property that is one plain name ("port", "msg.port"): no path to walk. */
const PLAIN_MSG_PROPERTY = /^(?:msg\.)?([A-Za-z_$][\w$]*)$/;
const OBJECT_INTERNALS = new Set(['__proto__', 'constructor', 'prototype']);

function sourceOf(value: unknown, type: string): Source {
    if (LITERAL_TYPES.has(type)) return { kind: 'literal', value };
    const expression = String(value ?? '');
    const plain = type === 'msg' ? PLAIN_MSG_PROPERTY.exec(expression) : null;
    if (plain && !OBJECT_INTERNALS.has(plain[1])) return { kind: 'msg', key: plain[1] };
    return { kind: 'evaluated', expression, type };
}
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
        maxProbes: parseWholeNumber(settings?.maxProbesPerMessage, 'portCheck.maxProbesPerMessage', 1, 0x7fffffff, DEFAULT_MAX_PROBES),
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
        /** A plain output property ("payload") is set directly, as RED.util.setMessageProperty would. */
        const outputSource = sourceOf(output, 'msg');
        const outputKey = outputSource.kind === 'msg' ? outputSource.key : undefined;
        const continueOnError = config.continueOnError === true;
        const expected = config.check as ExpectedState;

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

        /** A fault contained anywhere in the node's work: its message fails, its stack goes to the log. */
        function logFault(err: unknown): void {
            node.error(RED._('port-check.log.internal', { stack: err instanceof Error && err.stack ? err.stack : String(err) }));
        }

        const pool = new ProbePool(options.concurrency, undefined, { onFault: logFault });
        const pending = new PendingList();
        let closed = false;

        // The status is worded only when it is shown: under a burst, most
        // messages' statuses are replaced before anyone could see them.
        let statusTimer: NodeJS.Timeout | undefined;
        let nextStatus: ((about: never) => NodeStatus) | undefined;
        let nextStatusAbout: unknown;
        function showStatus<T>(word: (about: T) => NodeStatus, about: T): void {
            if (statusTimer) {
                nextStatus = word as (about: never) => NodeStatus;
                nextStatusAbout = about;
                return;
            }
            node.status(word(about));
            statusTimer = setTimeout(flushStatus, STATUS_INTERVAL_MS);
        }
        function flushStatus(): void {
            statusTimer = undefined;
            if (nextStatus) {
                const word = nextStatus;
                nextStatus = undefined;
                showStatus(word, nextStatusAbout as never);
            }
        }

        /** A fixed IP or Timeout is read once, not per message; its error is raised per message all the same. */
        const literalHosts = once(() => parseHosts(config.host, options.maxProbes));
        const literalTimeout = once(() => parseTimeout(config.timeout));

        const hostSource = sourceOf(config.host, hostType);
        const portSource = sourceOf(config.port, portType);
        const timeoutSource = sourceOf(config.timeout, timeoutType);
        const readAtOnce = hostSource.kind !== 'evaluated' && portSource.kind !== 'evaluated' && timeoutSource.kind !== 'evaluated';

        /** A literal's or a plain msg property's value. */
        function valueOf(source: Exclude<Source, { kind: 'evaluated' }>, msg: NodeMessage): unknown {
            return source.kind === 'literal' ? source.value : (msg as unknown as Record<string, unknown>)[source.key];
        }

        /**
         * A TypedInput's value for this message; an expression that fails to
         * evaluate (or throws) is reported as `invalid`. A context store may
         * answer later, so the callback runs guarded.
         */
        function evaluate(
            item: Pending, source: Source,
            invalid: (expression: string, reason: string) => PortCheckError,
            callback: (err: PortCheckError | null, result?: unknown) => void,
        ): void {
            if (source.kind !== 'evaluated') return callback(null, valueOf(source, item.msg));
            const { expression, type } = source;
            try {
                RED.util.evaluateNodeProperty(expression, type, node, item.msg, (err, result) => {
                    guarded(item, () => callback(err ? invalid(`${type}.${expression}`, err.message) : null, result));
                });
            } catch (err) {
                callback(invalid(`${type}.${expression}`, err instanceof Error ? err.message : String(err)));
            }
        }

        /** Makes the message's check from its host, port and timeout; returns the first error in them. */
        function prepare(item: Pending, host: unknown, port: unknown, timeout: unknown): PortCheckError | undefined {
            item.rawHost = host;
            item.rawPort = port;
            try {
                if (configError) throw configError;
                const parsedHosts = hostType === 'str' ? literalHosts() : parseHosts(host, options.maxProbes);
                const ports = parsePorts(port);
                checkProbeCount(parsedHosts, ports.ports.length, options.maxProbes);
                item.timeoutMs = timeoutType === 'num' ? literalTimeout() : parseTimeout(timeout);
                item.parsedHosts = parsedHosts;
                item.hosts = parsedHosts.hosts;
                item.ports = ports.ports;
                item.isList = parsedHosts.isList || ports.isList;
            } catch (err) {
                if (!(err instanceof PortCheckError)) throw err;
                return err;
            }
            return undefined;
        }

        /** Evaluates host, port and timeout through Node-RED; calls back once with the first error, if any. */
        function readEvaluated(item: Pending, callback: (error?: PortCheckError) => void): void {
            evaluate(item, hostSource, (value, reason) => new PortCheckError('INVALID_HOST', { value, reason }), (err, host) => {
                item.rawHost = host;
                if (err) return callback(err);
                evaluate(item, portSource, (value) => new PortCheckError('INVALID_PORT', { value }), (err, port) => {
                    item.rawPort = port;
                    if (err) return callback(err);
                    evaluate(item, timeoutSource, (value) => new PortCheckError('INVALID_TIMEOUT', { value }), (err, timeout) => {
                        callback(err ?? prepare(item, host, port, timeout));
                    });
                });
            });
        }

        /** Runs `step` after `ms` (at once for 0), unless the node closes first. */
        function after(ms: number, item: Pending, step: () => void): void {
            if (ms === 0) return guarded(item, step);
            item.timer = setTimeout(() => {
                item.timer = undefined;
                guarded(item, step);
            }, ms);
        }

        /**
         * Runs one step of a message's way; a throw (a fault of this code, or
         * an Output property that cannot be set) fails that message with an
         * internal error instead of escaping into a socket or timer callback,
         * where it would take Node-RED down.
         */
        function guarded(item: Pending, step: () => void): void {
            try {
                step();
            } catch (err) {
                failInternally(item, err);
            }
        }

        function failInternally(item: Pending, err: unknown): void {
            logFault(err);
            if (closed || !pending.has(item)) return;
            const error = internalError(err);
            showStatus(errorStatus, error);
            const portCheck = { ...inputReport(item), attempts: item.attempts, error: errorReport(error) };
            (item.msg as NodeMessage & { portCheck?: object }).portCheck = portCheck;
            if (continueOnError) {
                try {
                    return deliver(item, false);
                } catch {
                    // The output itself cannot be set: the error is raised instead.
                }
            }
            if (settle(item)) item.done(toNodeError(error));
        }

        /** True the one time a message may be settled; false once closed or settled. */
        function settle(item: Pending): boolean {
            return !closed && pending.delete(item);
        }

        /** "closed" is met by filtered too: no service can be reached there. */
        function matches(expected: ExpectedState, state: PortState): boolean {
            return expected === 'open' ? state === 'open' : state !== 'open';
        }

        /** Whether an open port answered slower than Slow above; undefined when that does not apply. */
        function slowness(result: PortResult): boolean | undefined {
            return options.slowAboveMs > 0 && result.state === 'open' ? result.latencyMs > options.slowAboveMs : undefined;
        }

        /**
         * One entry of a list's `results`. Each shape is one object literal with
         * all of its keys, so V8 keeps every field in the object itself: a key
         * added afterwards would cost a second allocation per entry (measured
         * with bench section 5c).
         */
        function toReport(expected: ExpectedState, result: PortResult): PortReport {
            const { host, port, address, family, latencyMs, connections, state } = result;
            if (!state) {
                const error = errorReport(result.error as PortCheckError);
                return { host, port, address, family, expected, match: false, latencyMs, connections, error };
            }
            const match = matches(expected, state);
            const slow = slowness(result);
            if (slow === undefined) return { host, port, address, family, expected, match, latencyMs, connections, state };
            return { host, port, address, family, expected, match, latencyMs, connections, state, slow };
        }

        function singleStatus(report: { state?: PortState; slow?: boolean; latencyMs: number }): NodeStatus {
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

        function retryStatus({ key, attempt }: { key: string; attempt: number }): NodeStatus {
            return { fill: 'grey', shape: 'ring', text: RED._(key, { attempt: String(attempt) }) };
        }

        function errorStatus(error: PortCheckError): NodeStatus {
            const message = errorText(error);
            return { fill: 'red', shape: 'dot', text: message.length > 60 ? message.slice(0, 57) + '...' : message };
        }

        /** Writes the result onto the message and sends it on, or raises the error. */
        function finish(item: Pending, portCheck: object, error: PortCheckError | undefined, result: boolean): void {
            (item.msg as NodeMessage & { portCheck?: object }).portCheck = portCheck;
            if (error) showStatus(errorStatus, error);
            if (error && !continueOnError) {
                if (settle(item)) item.done(toNodeError(error));
                return;
            }
            if (options.delayAfterMs === 0) return deliver(item, result);
            after(options.delayAfterMs, item, () => deliver(item, result));
        }

        /** Sets the output and sends the message on; the output is set first, so a throw there leaves it unsettled. */
        function deliver(item: Pending, result: boolean): void {
            if (closed || !pending.has(item)) return;
            if (outputKey) (item.msg as unknown as Record<string, unknown>)[outputKey] = result;
            else RED.util.setMessageProperty(item.msg, output, result, true);
            if (!settle(item)) return;
            item.send(item.msg);
            item.done();
        }

        /** What msg.portCheck says of a message that never got a result: its input as read. */
        function inputReport(item: Pending): { host: unknown; port: unknown; expected: ExpectedState | undefined; match: false } {
            return {
                host: typeof item.rawHost === 'string' ? item.rawHost.trim() : item.rawHost,
                port: item.rawPort,
                expected: config.check === 'open' || config.check === 'closed' ? config.check : undefined,
                match: false,
            };
        }

        function failBeforeCheck(item: Pending, error: PortCheckError): void {
            finish(item, { ...inputReport(item), attempts: 0, error: errorReport(error) }, error, false);
        }

        function elapsedSince(startedAt: number): number {
            return roundMs(performance.now() - startedAt);
        }

        /** msg.portCheck for one host and port. */
        function singleReport(item: Pending, result: PortResult, match: boolean): Record<string, unknown> {
            const report: Record<string, unknown> = {
                host: result.host,
                port: result.port,
                address: result.address,
                family: result.family,
                expected,
                match,
                latencyMs: result.latencyMs,
                connections: result.connections,
                attempts: item.attempts,
                elapsedMs: elapsedSince(item.startedAt),
            };
            if (result.error) {
                report.error = errorReport(result.error);
                return report;
            }
            report.state = result.state;
            const slow = slowness(result);
            if (slow !== undefined) report.slow = slow;
            return report;
        }

        /** msg.portCheck for a list of ports or hosts: one entry per host and port, and summaries. */
        function listReport(item: Pending, reports: PortReport[], match: boolean): Record<string, unknown> {
            const parsedHosts = item.parsedHosts as ParsedHosts;
            // A host list (even of one) reports per host; a single host, per port.
            const severalHosts = parsedHosts.isList;
            // One pass, no spread: a list may hold a whole port range per host.
            const inState: Record<PortState, Array<number | string>> = { open: [], closed: [], filtered: [] };
            let latencyMs = 0;
            let connections = 0;
            let slow = false;
            for (const report of reports) {
                if (report.latencyMs > latencyMs) latencyMs = report.latencyMs;
                connections += report.connections;
                if (report.slow) slow = true;
                if (report.state) inState[report.state].push(severalHosts ? hostPort(report) : report.port);
            }
            const summary: Record<string, unknown> = {
                host: item.rawHost,
                port: item.rawPort,
                expected,
                match,
                latencyMs,
                attempts: item.attempts,
                connections,
                elapsedMs: elapsedSince(item.startedAt),
                open: inState.open,
                closed: inState.closed,
                filtered: inState.filtered,
                results: reports,
            };
            if (options.slowAboveMs > 0) summary.slow = slow;
            if (severalHosts) summary.hosts = hostSummaries(parsedHosts.hosts, reports, item.ports.length);
            return summary;
        }

        /** One summary per host; the reports come host by host, `portCount` each. */
        function hostSummaries(hosts: readonly ParsedHost[], reports: PortReport[], portCount: number): object[] {
            return hosts.map(({ host }, h) => {
                const ports: Record<PortState, number[]> = { open: [], closed: [], filtered: [] };
                let hostMatch = true;
                let error: ErrorReport | undefined;
                for (let i = h * portCount; i < (h + 1) * portCount; i++) {
                    const report = reports[i];
                    if (!report.match) hostMatch = false;
                    if (report.state) ports[report.state].push(report.port);
                    error ??= report.error;
                }
                const summary: Record<string, unknown> = { host, match: hostMatch, ...ports };
                if (error) summary.error = error;
                return summary;
            });
        }

        /** Schedules another check when the mode asks for one; false when the answer stands. */
        function retried(item: Pending): boolean {
            const waiting = options.mode === 'wait';
            const again = waiting
                ? performance.now() + options.waitIntervalMs < item.deadline
                : item.attempts <= options.retries;
            if (!again) return false;
            const key = waiting ? 'port-check.status.waiting' : 'port-check.status.retrying';
            showStatus(retryStatus, { key, attempt: item.attempts + 1 });
            after(waiting ? options.waitIntervalMs : options.retryDelayMs, item, () => runCheck(item));
            return true;
        }

        function onChecked(results: PortResult[], item: Pending): void {
            guarded(item, () => answer(results, item));
        }

        function answer(results: PortResult[], item: Pending): void {
            let firstError: PortCheckError | undefined;
            let match = true;
            for (const result of results) {
                if (result.error) firstError ??= result.error;
                else if (!matches(expected, result.state as PortState)) match = false;
            }
            if (firstError) match = false;
            if (!match && (!firstError || RETRYABLE.has(firstError.code)) && retried(item)) return;

            let portCheck: Record<string, unknown>;
            if (item.isList) {
                const reports = results.map((result) => toReport(expected, result));
                portCheck = listReport(item, reports, match);
                if (firstError) portCheck.error = errorReport(firstError);
                else showStatus(listStatus, reports);
            } else {
                portCheck = singleReport(item, results[0], match);
                if (!firstError) showStatus(singleStatus, portCheck as { state?: PortState; slow?: boolean; latencyMs: number });
            }
            finish(item, portCheck, firstError, match);
        }

        function runCheck(item: Pending): void {
            item.attempts++;
            // On close, pool.cancelAll() stops this check with every other one.
            pool.check(item, onChecked);
        }

        function onInput(item: Pending): void {
            if (closed) return;
            showStatus(checkingStatus, undefined);
            if (!readAtOnce) return readEvaluated(item, (error) => onRead(item, error));
            const msg = item.msg;
            onRead(item, prepare(item, valueOf(hostSource, msg), valueOf(portSource, msg), valueOf(timeoutSource, msg)));
        }

        function onRead(item: Pending, error: PortCheckError | undefined): void {
            if (closed || !pending.has(item)) return;
            guarded(item, () => startChecking(item, error));
        }

        function startChecking(item: Pending, error: PortCheckError | undefined): void {
            if (error) return failBeforeCheck(item, error);
            item.startedAt = performance.now();
            item.deadline = item.startedAt + options.waitTimeoutMs;
            runCheck(item);
        }

        node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
            const item: Pending = {
                msg, send, done, timer: undefined,
                hosts: NOTHING, ports: NOTHING, timeoutMs: 0, policy: options.policy,
                rawHost: undefined, rawPort: undefined, parsedHosts: undefined, isList: false,
                attempts: 0, startedAt: 0, deadline: 0,
                previous: undefined, next: undefined, listed: false,
            };
            pending.add(item);
            // A node whose settings are broken fails each message at once.
            after(configError ? 0 : options.delayBeforeMs, item, () => onInput(item));
        });

        node.on('close', (_removed: boolean, done: () => void) => {
            closed = true;
            pool.cancelAll();
            // Like the delay node: a message cut short by a redeploy is settled, not sent.
            pending.drain((item) => {
                if (item.timer) clearTimeout(item.timer);
                item.done();
            });
            if (statusTimer) clearTimeout(statusTimer);
            statusTimer = undefined;
            node.status({});
            done();
        });
    }

    RED.nodes.registerType('port-check', PortCheckNode);
};
