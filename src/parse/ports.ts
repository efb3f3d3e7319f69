/**
 * Ports as a user types them or a message carries them: one port, a list
 * ("22,80,443"), a range ("8000-8010") or a mix, from a number, a text or an
 * array. Pure: no sockets, no Node-RED.
 */
import { PortCheckError, describeValue } from '../errors';
import { BoundedCache } from '../util/cache';

export interface ParsedPorts {
    ports: readonly number[];
    /** True for a list or range (even of one port): results come per port. */
    isList: boolean;
}

function toPort(text: string, whole: unknown): number {
    if (!/^\d{1,5}$/.test(text)) throw invalidPort(text, whole);
    const port = Number(text);
    if (port < 1 || port > 65535) throw invalidPort(text, whole);
    return port;
}

function invalidPort(item: unknown, whole: unknown): PortCheckError {
    const value = item === whole ? describeValue(item) : `${describeValue(item)} in ${describeValue(whole)}`;
    return new PortCheckError('INVALID_PORT', { value });
}

/** Adds the ports of one list item ("80", "8000-8010") to `into`. */
function addPortItem(item: string, whole: unknown, into: Set<number>): void {
    const text = item.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
    if (range) {
        const first = toPort(range[1], whole);
        const last = toPort(range[2], whole);
        if (first > last) throw invalidPort(text, whole);
        for (let port = first; port <= last; port++) into.add(port);
        return;
    }
    into.add(toPort(text, whole));
}

function parsePortText(text: string): ParsedPorts {
    const trimmed = text.trim();
    const isList = /[,-]/.test(trimmed);
    if (!isList) return Object.freeze({ ports: Object.freeze([toPort(trimmed, text)]), isList });
    const ports = new Set<number>();
    for (const item of trimmed.split(',')) addPortItem(item, text, ports);
    return Object.freeze({ ports: Object.freeze([...ports]), isList });
}

function parsePortNumber(value: number): ParsedPorts {
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw invalidPort(value, value);
    return Object.freeze({ ports: Object.freeze([value]), isList: false });
}

// Flows send the same port again and again; a parsed list is immutable, so
// it is kept and handed out again (a 1-65535 range is 65535 numbers).
const parsedTexts = new BoundedCache<string, ParsedPorts>(512);
const parsedNumbers = new BoundedCache<number, ParsedPorts>(4096);

function parsePortArray(value: unknown[]): ParsedPorts {
    if (value.length === 0) throw new PortCheckError('EMPTY_PORT');
    const ports = new Set<number>();
    for (const item of value) {
        if (typeof item === 'number') {
            if (!Number.isInteger(item) || item < 1 || item > 65535) throw invalidPort(item, value);
            ports.add(item);
        } else if (typeof item === 'string') {
            for (const part of item.split(',')) addPortItem(part, value, ports);
        } else {
            throw invalidPort(item, value);
        }
    }
    return { ports: Object.freeze([...ports]), isList: true };
}

/**
 * A port, a list ("22,80,443"), a range ("8000-8010") or a mix, from a number,
 * a string or an array of those. Duplicates are dropped, order is kept.
 */
export function parsePorts(value: unknown): ParsedPorts {
    if (value === undefined || value === null) throw new PortCheckError('EMPTY_PORT');
    if (typeof value === 'number') return parsedNumbers.get(value, parsePortNumber);
    if (typeof value === 'string') {
        if (value.trim() === '') throw new PortCheckError('EMPTY_PORT');
        return parsedTexts.get(value, parsePortText);
    }
    if (Array.isArray(value)) return parsePortArray(value);
    throw invalidPort(value, value);
}
