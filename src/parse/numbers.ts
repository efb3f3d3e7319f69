/**
 * Numbers of the node's settings and inputs: seconds (Timeout, Delay
 * Before/After, Retry delay, Check every, Wait up to) and whole numbers
 * (Max concurrent, Retries, Slow above). Pure: no sockets, no Node-RED.
 */
import { PortCheckError, describeValue } from '../errors';

/** setTimeout cannot wait longer than 2^31-1 ms; beyond it Node fires at once. */
export const MAX_SECONDS = Math.floor(0x7fffffff / 1000);
export const DEFAULT_CONCURRENCY = 256;

/** Undefined, null or a text of blanks: a setting left empty. */
export function isEmpty(value: unknown): boolean {
    return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A number of seconds from a number or a decimal string; undefined if not one. */
function toSeconds(value: unknown): number | undefined {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value)) return Number(value);
    return undefined;
}

export interface SecondsRule {
    /** Whether 0 is a value (a delay) or not (a timeout). */
    allowZero: boolean;
    /** The milliseconds an empty value stands for; without it, empty is invalid. */
    emptyMs?: number;
    /** The error for anything that is not such a number of seconds. */
    invalid: (value: unknown) => PortCheckError;
}

/**
 * Seconds (decimals allowed, up to MAX_SECONDS) to whole milliseconds. A
 * value above 0 is at least 1 ms, so that it never turns into none.
 */
export function parseSeconds(value: unknown, rule: SecondsRule): number {
    if (rule.emptyMs !== undefined && isEmpty(value)) return rule.emptyMs;
    const seconds = toSeconds(value);
    if (seconds === undefined || !Number.isFinite(seconds) || seconds > MAX_SECONDS || (rule.allowZero ? seconds < 0 : seconds <= 0)) {
        throw rule.invalid(value);
    }
    const ms = Math.round(seconds * 1000);
    return seconds > 0 ? Math.max(1, ms) : 0;
}

const TIMEOUT: SecondsRule = {
    allowZero: false,
    invalid: (value) => new PortCheckError('INVALID_TIMEOUT', { value: describeValue(value) }),
};

/** Timeout in seconds to milliseconds; never empty. */
export function parseTimeout(value: unknown): number {
    return parseSeconds(value, TIMEOUT);
}

/** Delay Before / Delay After in seconds to milliseconds; empty means 0. */
export function parseDelay(value: unknown, which: 'before' | 'after'): number {
    return parseSeconds(value, {
        allowZero: true,
        emptyMs: 0,
        invalid: (bad) => new PortCheckError('INVALID_DELAY', { value: describeValue(bad), which }),
    });
}

/** One of the node's other times (Retry delay, Check every, Wait up to); `emptyMs` when empty. */
export function parseSecondsOption(value: unknown, option: string, allowZero: boolean, emptyMs: number): number {
    return parseSeconds(value, {
        allowZero,
        emptyMs,
        invalid: (bad) => new PortCheckError('INVALID_OPTION', { option, value: describeValue(bad) }),
    });
}

/** A whole number from `min` to `max`, from a number or digits; `fallback` when empty. */
export function parseWholeNumber(value: unknown, option: string, min: number, max: number, fallback: number): number {
    if (isEmpty(value)) return fallback;
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
        throw new PortCheckError('INVALID_OPTION', { option, value: describeValue(value) });
    }
    return number;
}

export function parseConcurrency(value: unknown): number {
    try {
        return parseWholeNumber(value, 'Max concurrent', 1, 65535, DEFAULT_CONCURRENCY);
    } catch {
        throw new PortCheckError('INVALID_CONCURRENCY', { value: describeValue(value) });
    }
}
