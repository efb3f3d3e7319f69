/**
 * The service-check settings of a node (docs/architecture.md, "Service
 * checks"): TLS, STARTTLS, the server name, certificate days, a preset,
 * and the Send and Expect of a send/expect check. These are the node's own
 * settings, never taken from a message. Pure: no sockets, no Node-RED.
 */
import { PortCheckError, describeValue } from '../errors';
import { PRESETS, type PresetName } from './presets';

export type TlsMode = 'off' | 'on' | 'starttls';
export type StartTls = 'smtp' | 'imap' | 'pop3' | 'ftp' | 'postgres';

/** What to check once the TCP handshake is done. */
export interface ServiceSpec {
    tls: TlsMode;
    starttls?: StartTls;
    /** SNI and the name the certificate must match; undefined: the host name (none for an IP address). */
    servername?: string;
    /** A certificate that does not verify fails the check. */
    verify: boolean;
    /** Fail when the certificate, or any of its chain, expires within this many days. */
    certDays?: number;
    /** Bytes to send once connected (after TLS). */
    send?: Buffer;
    /** What the answer must match, read as latin1 text (so a byte is a character). */
    expect?: RegExp;
    /** Sent, best effort, before the connection is closed (a preset's QUIT). */
    goodbye?: Buffer;
    preset?: PresetName;
}

function invalid(option: string, value: unknown): PortCheckError {
    return new PortCheckError('INVALID_OPTION', { option, value: describeValue(value) });
}

/**
 * Send as the user writes it: text (UTF-8), with `\r \n \t \0 \\ \xNN`
 * for bytes that cannot be typed. Any other backslash is an error, so that a typo
 * never goes on the wire unnoticed.
 */
export function parseEscapes(text: string, option = 'Send'): Buffer {
    const parts: Buffer[] = [];
    let last = 0;
    for (const match of text.matchAll(/\\(x[0-9a-fA-F]{2}|[rnt0\\])?/g)) {
        const escape = match[1];
        if (escape === undefined) throw invalid(option, text);
        // The text before it as UTF-8; the escape as its one byte.
        parts.push(Buffer.from(text.slice(last, match.index), 'utf8'));
        parts.push(Buffer.from([escape[0] === 'x' ? parseInt(escape.slice(1), 16) : ESCAPES[escape]]));
        last = (match.index ?? 0) + match[0].length;
    }
    parts.push(Buffer.from(text.slice(last), 'utf8'));
    return Buffer.concat(parts);
}

const ESCAPES: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '0': 0x00, '\\': 0x5c };

/** Expect: a regular expression, matched against the answer as latin1 text. */
export function parseExpect(source: string): RegExp {
    try {
        return new RegExp(source);
    } catch {
        throw invalid('Expect', source);
    }
}

const TLS_MODES = new Set(['off', 'on', 'starttls']);
const STARTTLS = new Set(['smtp', 'imap', 'pop3', 'ftp', 'postgres']);

/** The node's service settings as saved, to what a probe checks; undefined when there is nothing to check. */
export function parseService(config: {
    tls?: unknown; starttls?: unknown; servername?: unknown; tlsVerify?: unknown; certDays?: unknown;
    preset?: unknown; send?: unknown; expect?: unknown;
}): ServiceSpec | undefined {
    const tls = config.tls === undefined || config.tls === '' ? 'off' : config.tls;
    if (typeof tls !== 'string' || !TLS_MODES.has(tls)) throw invalid('TLS', config.tls);
    let starttls: StartTls | undefined;
    if (tls === 'starttls') {
        if (typeof config.starttls !== 'string' || !STARTTLS.has(config.starttls)) throw invalid('STARTTLS', config.starttls);
        starttls = config.starttls as StartTls;
    }
    const presetName = config.preset === undefined || config.preset === '' || config.preset === 'none' ? undefined : config.preset;
    if (presetName !== undefined && (typeof presetName !== 'string' || !Object.hasOwn(PRESETS, presetName))) throw invalid('Preset', config.preset);
    const preset = presetName ? PRESETS[presetName as PresetName] : undefined;
    const text = (value: unknown, option: string): string | undefined => {
        if (value === undefined || value === null || value === '') return undefined;
        if (typeof value !== 'string') throw invalid(option, value);
        return value;
    };
    const sendText = text(config.send, 'Send') ?? (preset?.send || undefined);
    const expectText = text(config.expect, 'Expect') ?? (preset?.expect || undefined);
    const servername = text(config.servername, 'Server name');
    if (servername !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(servername)) throw invalid('Server name', servername);
    let certDays: number | undefined;
    if (config.certDays !== undefined && config.certDays !== null && config.certDays !== '') {
        const days = typeof config.certDays === 'string' && /^\s*\d+\s*$/.test(config.certDays) ? Number(config.certDays) : config.certDays;
        if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 36500) throw invalid('Certificate days', config.certDays);
        certDays = days;
    }
    if (tls === 'off' && sendText === undefined && expectText === undefined) {
        // Settings of TLS with TLS off say nothing to check; they are not an error.
        return undefined;
    }
    return {
        tls: tls as TlsMode,
        starttls,
        servername,
        verify: config.tlsVerify !== false,
        certDays: tls === 'off' ? undefined : certDays,
        send: sendText === undefined ? undefined : parseEscapes(sendText),
        expect: expectText === undefined ? undefined : parseExpect(expectText),
        goodbye: preset?.goodbye ? parseEscapes(preset.goodbye) : undefined,
        preset: presetName as PresetName | undefined,
    };
}
