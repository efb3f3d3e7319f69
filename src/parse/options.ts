/**
 * The node's choices (Check Port, Mode) and the runtime's limit on the work
 * of one message. Pure: no sockets, no Node-RED.
 */
import { PortCheckError, describeValue } from '../errors';
import type { ParsedHosts } from './hosts';

export type ExpectedState = 'open' | 'closed';

export function parseCheck(value: unknown): ExpectedState {
    if (value === 'open' || value === 'closed') return value;
    throw new PortCheckError('EMPTY_CHECK', { value: describeValue(value) });
}

export type Mode = 'once' | 'wait';

export function parseMode(value: unknown): Mode {
    if (value === undefined || value === null || value === '' || value === 'once') return 'once';
    if (value === 'wait') return 'wait';
    throw new PortCheckError('INVALID_OPTION', { option: 'Mode', value: describeValue(value) });
}

/** Default of settings.js `portCheck.maxProbesPerMessage`: one host's whole port range, and a little. */
export const DEFAULT_MAX_PROBES = 65536;

/**
 * Refuses a message whose hosts × ports exceed `limit`, before any lookup
 * or connection: one message must not take the runtime's memory or its
 * sockets for itself.
 */
export function checkProbeCount(hosts: ParsedHosts, portCount: number, limit: number): void {
    const count = hosts.hosts.length * portCount;
    if (count <= limit && !hosts.cut) return;
    const more = hosts.cut ? 'more than ' : '';
    throw new PortCheckError('TOO_MANY_PROBES', {
        hosts: `${more}${hosts.cut ? limit : hosts.hosts.length}`,
        ports: String(portCount),
        count: `${more}${hosts.cut ? limit : count}`,
        limit: String(limit),
    });
}
