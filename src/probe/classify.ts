/**
 * What an error of the operating system says about a port: a state, or an
 * error that must never be mistaken for one (docs/architecture.md,
 * "States" and "Errors"). Pure.
 */
import { PortCheckError } from '../errors';
import type { Classified } from './types';

// Connect error codes and what they say about the port. Codes in none of
// these sets are reported as CONNECTION_FAILED, never guessed as a state.
const CLOSED_CODES = new Set(['ECONNREFUSED']);
/**
 * A reset after the handshake: something accepted the connection and dropped
 * it at once (a server at its limit, tcpwrappers) before the probe saw the
 * connect. A SYN answered by a reset is ECONNREFUSED, so this is open.
 */
const OPEN_CODES = new Set(['ECONNRESET']);
const FILTERED_CODES = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);
/** Failures of this machine, not of the target: reporting them as a state would be a lie. */
const LOCAL_CODES = new Set([
    'EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'EADDRINUSE', 'ENOBUFS', 'ENOMEM',
    'EPERM', 'EACCES', 'EAFNOSUPPORT', 'ENETDOWN',
]);

// Shared outcomes, so the hot path allocates none (they are never mutated).
export const OPEN: Classified = Object.freeze({ state: 'open' });
export const CLOSED: Classified = Object.freeze({ state: 'closed' });
export const FILTERED: Classified = Object.freeze({ state: 'filtered' });

function errorCode(err: unknown): string {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
}

/** This machine has no such address (no IPv6 loopback, say): nothing can listen there either. */
export const ADDRESS_MISSING_CODES = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/**
 * One answer for a host from the answers of its addresses. Open wins: one
 * open address is a reachable service. A negative answer (closed, filtered)
 * needs every address to be checked, so an address that failed with an
 * error makes the whole probe that error: a service behind it was never
 * looked for. Closed wins over filtered (the host did answer).
 */
export function combineOutcomes<T>(answers: ReadonlyArray<{ outcome: Classified; item: T }>): { outcome: Classified; item: T } {
    if (answers.length === 1) return answers[0];
    const find = (test: (o: Classified) => boolean) => answers.find((a) => test(a.outcome));
    return find((o) => 'state' in o && o.state === 'open')
        ?? find((o) => 'error' in o && o.error.code === 'LOCAL_ERROR')
        ?? find((o) => 'error' in o)
        ?? find((o) => 'state' in o && o.state === 'closed')
        ?? answers[0];
}

/**
 * What a connect error says: a port state, or an error that must not be
 * mistaken for one. An AggregateError (Node's own happy eyeballs) is
 * unpacked and its answers combined as for several addresses.
 */
export function classifyConnectError(err: unknown, target: string): Classified {
    const inner = (err as { errors?: unknown } | undefined)?.errors;
    if (Array.isArray(inner) && inner.length > 0) {
        return combineOutcomes(inner.map((e) => ({ outcome: classifyConnectError(e, target), item: e }))).outcome;
    }
    const code = errorCode(err);
    if (CLOSED_CODES.has(code)) return CLOSED;
    if (OPEN_CODES.has(code)) return OPEN;
    if (FILTERED_CODES.has(code)) return FILTERED;
    if (LOCAL_CODES.has(code)) return { error: new PortCheckError('LOCAL_ERROR', { code, target }, code) };
    return { error: new PortCheckError('CONNECTION_FAILED', { code, target }, code) };
}

/**
 * Why a name has no address, as the texts of the catalogue say it
 * (`port-check.dns.<reason>`): no such name, no address, a DNS server that
 * did not answer or would not, or a failure of the resolver.
 */
const LOOKUP_REASONS: Record<string, string> = {
    ENOTFOUND: 'notFound',
    EAI_NONAME: 'notFound',
    ENODATA: 'noAddress',
    EAI_NODATA: 'noAddress',
    ETIMEOUT: 'timeout',
    ETIMEDOUT: 'timeout',
    ECONNREFUSED: 'serverDown',
    ESERVFAIL: 'serverFailed',
    EREFUSED: 'serverRefused',
    EAI_AGAIN: 'temporary',
    EBADNAME: 'badName',
    EBADQUERY: 'badName',
    EFORMERR: 'badName',
    EBADRESP: 'badAnswer',
    ECONNRESET: 'badAnswer',
};

/** The error of a name without addresses; `reason` is a key of `port-check.dns` (see LOOKUP_REASONS). */
export function cannotResolve(host: string, code: string, reason = LOOKUP_REASONS[code] ?? 'failed'): PortCheckError {
    return new PortCheckError('CANNOT_RESOLVE', { host, code, reasonKey: `port-check.dns.${reason}` }, code);
}

/** What a DNS error means: no address (CANNOT_RESOLVE, with why), or a failure of this machine. */
export function classifyLookupError(err: unknown, host: string): PortCheckError {
    const code = errorCode(err);
    if (LOCAL_CODES.has(code)) return new PortCheckError('LOCAL_ERROR', { code, target: host }, code);
    return cannotResolve(host, code);
}
