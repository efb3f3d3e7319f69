/**
 * The node's TypedInputs (IP, Port, Timeout) for one message, read into
 * the check it asks for: its hosts, ports and timeout, or the first error in
 * them. Fixed values are parsed once per node; a plain msg property is read
 * directly; anything else is evaluated by Node-RED for each message.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { PortCheckError } from '../errors';
import { parseHosts, type ParsedHosts } from '../parse/hosts';
import { parseTimeout } from '../parse/numbers';
import { checkProbeCount } from '../parse/options';
import { parsePorts } from '../parse/ports';
import type { CheckRequest } from '../probe/types';
import { BoundedCache } from '../util/cache';
import type { CurrentNodeDef } from './config';

/** What a message asks for, once read: the pool's request, and what the report quotes. */
export interface Target extends CheckRequest {
    /** The TypedInput values as evaluated, for msg.portCheck. */
    rawHost: unknown;
    rawPort: unknown;
    parsedHosts: ParsedHosts | undefined;
    /** Several hosts or ports: msg.portCheck gets `results` and summaries. */
    isList: boolean;
}

/**
 * Where a TypedInput's value comes from: the value itself (a literal), a
 * plain msg property (read directly, as RED.util.getMessageProperty would),
 * or anything else, evaluated by Node-RED for each message.
 */
export type Source =
    | { kind: 'literal'; value: unknown }
    | { kind: 'msg'; key: string }
    | { kind: 'evaluated'; expression: string; type: string };

/** Literal TypedInput types, read from the flow JSON as typed (a port list lives in a "num" field too). */
const LITERAL_TYPES = new Set(['str', 'num', '']);
/** A msg property that is one plain name ("port", "msg.port"): no path to walk. */
const PLAIN_MSG_PROPERTY = /^(?:msg\.)?([A-Za-z_$][\w$]*)$/;
const OBJECT_INTERNALS = new Set(['__proto__', 'constructor', 'prototype']);

export function sourceOf(value: unknown, type: string): Source {
    if (LITERAL_TYPES.has(type)) return { kind: 'literal', value };
    const expression = String(value ?? '');
    const plain = type === 'msg' ? PLAIN_MSG_PROPERTY.exec(expression) : null;
    if (plain && !OBJECT_INTERNALS.has(plain[1])) return { kind: 'msg', key: plain[1] };
    return { kind: 'evaluated', expression, type };
}

/** A literal's or a plain msg property's value. */
export function valueOf(source: Exclude<Source, { kind: 'evaluated' }>, msg: NodeMessage): unknown {
    return source.kind === 'literal' ? source.value : (msg as unknown as Record<string, unknown>)[source.key];
}

type Invalid = (expression: string, reason: string) => PortCheckError;
type Guard = (step: () => void) => void;

const invalidHost: Invalid = (value, reason) => new PortCheckError('INVALID_HOST', { value, reason });
const invalidPort: Invalid = (value) => new PortCheckError('INVALID_PORT', { value });
const invalidTimeout: Invalid = (value) => new PortCheckError('INVALID_TIMEOUT', { value });

export class TargetReader {
    private readonly host: Source;
    private readonly port: Source;
    private readonly timeout: Source;
    /** A fixed IP or Timeout is parsed once for the node (its error, if any, is raised per message all the same). */
    private readonly literals = new BoundedCache<'host' | 'timeout', unknown>(2);
    /** True when no value needs Node-RED to evaluate it: a message is read at once. */
    readonly readsAtOnce: boolean;

    constructor(
        private readonly RED: NodeAPI,
        private readonly node: Node,
        private readonly config: CurrentNodeDef,
        private readonly maxProbes: number,
        /** A broken setting of the node: every message fails with it, once its inputs are read. */
        private readonly configError: PortCheckError | undefined,
    ) {
        this.host = sourceOf(config.host, config.hostType);
        this.port = sourceOf(config.port, config.portType);
        this.timeout = sourceOf(config.timeout, config.timeoutType);
        this.readsAtOnce = [this.host, this.port, this.timeout].every((source) => source.kind !== 'evaluated');
    }

    /** For readsAtOnce: the message's target, written onto `target`; the first error in it, if any. */
    readNow(target: Target, msg: NodeMessage): PortCheckError | undefined {
        type Direct = Exclude<Source, { kind: 'evaluated' }>;
        return this.prepare(target, valueOf(this.host as Direct, msg), valueOf(this.port as Direct, msg), valueOf(this.timeout as Direct, msg));
    }

    /**
     * Evaluates IP, Port and Timeout through Node-RED (a context store may
     * answer later: each step runs under `guard`), then calls back once
     * with the first error, if any.
     */
    readEvaluated(target: Target, msg: NodeMessage, guard: Guard, callback: (error?: PortCheckError) => void): void {
        this.evaluate(this.host, msg, guard, invalidHost, (err, host) => {
            target.rawHost = host;
            if (err) return callback(err);
            this.evaluate(this.port, msg, guard, invalidPort, (err, port) => {
                target.rawPort = port;
                if (err) return callback(err);
                this.evaluate(this.timeout, msg, guard, invalidTimeout, (err, timeout) => {
                    callback(err ?? this.prepare(target, host, port, timeout));
                });
            });
        });
    }

    /** A TypedInput's value for this message; an expression that fails to evaluate (or throws) is reported as `invalid`. */
    private evaluate(source: Source, msg: NodeMessage, guard: Guard, invalid: Invalid, callback: (err: PortCheckError | null, result?: unknown) => void): void {
        if (source.kind !== 'evaluated') return callback(null, valueOf(source, msg));
        const { expression, type } = source;
        try {
            this.RED.util.evaluateNodeProperty(expression, type, this.node, msg, (err, result) => {
                guard(() => callback(err ? invalid(`${type}.${expression}`, err.message) : null, result));
            });
        } catch (err) {
            callback(invalid(`${type}.${expression}`, err instanceof Error ? err.message : String(err)));
        }
    }

    /** Makes the message's check from its host, port and timeout; returns the first error in them. */
    private prepare(target: Target, host: unknown, port: unknown, timeout: unknown): PortCheckError | undefined {
        target.rawHost = host;
        target.rawPort = port;
        if (this.configError) return this.configError;
        try {
            const parsedHosts = this.config.hostType === 'str'
                ? this.literals.get('host', () => parseHosts(host, this.maxProbes)) as ParsedHosts
                : parseHosts(host, this.maxProbes);
            const ports = parsePorts(port);
            checkProbeCount(parsedHosts, ports.ports.length, this.maxProbes);
            target.timeoutMs = this.config.timeoutType === 'num'
                ? this.literals.get('timeout', () => parseTimeout(timeout)) as number
                : parseTimeout(timeout);
            target.parsedHosts = parsedHosts;
            target.hosts = parsedHosts.hosts;
            target.ports = ports.ports;
            target.isList = parsedHosts.isList || ports.isList;
        } catch (err) {
            if (!(err instanceof PortCheckError)) throw err;
            return err;
        }
        return undefined;
    }
}
