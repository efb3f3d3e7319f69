/**
 * The errors of the error table (docs/architecture.md, "Errors"). Each has
 * a stable `code`, which is also the key of its text in the locale
 * catalogue (`port-check.errors.<code>`), and the values that text needs.
 * An error is worded only by the node, through `RED._`, in the runtime's
 * language; the `message` of a PortCheckError is the code and its values,
 * for logs and for code that uses the probe without Node-RED.
 */
export type ErrorCode =
    | 'EMPTY_HOST'
    | 'EMPTY_PORT'
    | 'EMPTY_CHECK'
    | 'INVALID_PORT'
    | 'INVALID_TIMEOUT'
    | 'INVALID_HOST'
    | 'INVALID_DELAY'
    | 'INVALID_CONCURRENCY'
    | 'INVALID_OPTION'
    | 'INVALID_ALLOW_LIST'
    | 'TARGET_NOT_ALLOWED'
    | 'CANNOT_RESOLVE'
    | 'LOCAL_ERROR'
    | 'CONNECTION_FAILED'
    | 'TOO_MANY_PROBES'
    | 'INTERNAL_ERROR';

export type ErrorParams = Record<string, string>;

export class PortCheckError extends Error {
    readonly code: ErrorCode;
    readonly params: ErrorParams;
    /** The operating system's code (ENOTFOUND, EMFILE, …) when there is one. */
    readonly systemCode?: string;

    constructor(code: ErrorCode, params: ErrorParams = {}, systemCode?: string) {
        super(`${code} ${JSON.stringify(params)}`);
        this.name = 'PortCheckError';
        this.code = code;
        this.params = params;
        if (systemCode !== undefined) this.systemCode = systemCode;
    }
}

/** How a value is named in an error text: strings quoted, the rest as JSON. */
export function describeValue(value: unknown): string {
    if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (value === undefined) return 'undefined';
    try {
        const json = JSON.stringify(value);
        if (json !== undefined) return json.length > 80 ? json.slice(0, 77) + '...' : json;
    } catch {
        // circular objects fall through to their type name
    }
    return Object.prototype.toString.call(value);
}

/**
 * The error of a fault in this code itself (a bug): it fails the one probe
 * or check it happened in, never the process. The text says what was
 * thrown; the stack goes to the pool's fault handler.
 */
export function internalError(err: unknown): PortCheckError {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : describeValue(err);
    return new PortCheckError('INTERNAL_ERROR', { message: message.length > 200 ? message.slice(0, 197) + '...' : message });
}

/** Where the pool reports faults it contained; the default warns on the process. */
export type FaultHandler = (err: unknown) => void;

export const warnFault: FaultHandler = (err) => {
    process.emitWarning(`port-check: internal error contained: ${err instanceof Error ? err.stack : String(err)}`);
};
