/**
 * The upgrades to TLS of the protocols that start in plain text: the
 * dialogue each needs before the TLS handshake (RFC 3207 SMTP, RFC 2595
 * IMAP and POP3, RFC 4217 FTP, and PostgreSQL's SSLRequest). Each step
 * sends a line (or bytes) and reads the server's whole reply, which must
 * say yes.
 */
import type { StartTls } from '../parse/service';

export interface Step {
    /** Sent before the reply is read; none for a greeting. */
    send?: Buffer;
    /** True once `text` holds the whole reply. */
    complete: (text: string) => boolean;
    /** The reply that lets the dialogue go on. */
    ok: RegExp;
    /** Said when the reply is another one. */
    refused: string;
}

/**
 * A reply of numbered lines (SMTP, FTP) is whole when a line has a space
 * after its code ("250 ok"; "250-..." lines go before it). A first line
 * without a code is whole at once: another protocol answered.
 */
const numberedReplyDone = (text: string): boolean => {
    const lines = text.replace(/\r/g, '').split('\n');
    lines.pop(); // the line still being received
    if (lines.length === 0) return false;
    if (!/^\d{3}([ -]|$)/.test(lines[0])) return true;
    return lines.some((line) => /^\d{3}( |$)/.test(line));
};
const lineDone = (text: string): boolean => text.includes('\n');
/** An IMAP reply ends with the line of its tag. */
const taggedDone = (text: string): boolean => /(^|\n)a1 [^\n]*\n/.test(text);

const line = (text: string): Buffer => Buffer.from(`${text}\r\n`, 'latin1');

const DIALOGUES: Record<StartTls, Step[]> = {
    smtp: [
        { complete: numberedReplyDone, ok: /^220/, refused: 'the server did not greet with 220' },
        { send: line('EHLO port-check.invalid'), complete: numberedReplyDone, ok: /^250/, refused: 'the server refused EHLO' },
        { send: line('STARTTLS'), complete: numberedReplyDone, ok: /^220/, refused: 'the server refused STARTTLS' },
    ],
    ftp: [
        { complete: numberedReplyDone, ok: /^220/, refused: 'the server did not greet with 220' },
        { send: line('AUTH TLS'), complete: numberedReplyDone, ok: /^234/, refused: 'the server refused AUTH TLS' },
    ],
    imap: [
        { complete: lineDone, ok: /^\* (OK|PREAUTH)/, refused: 'the server did not greet with * OK' },
        { send: line('a1 STARTTLS'), complete: taggedDone, ok: /(^|\n)a1 OK/, refused: 'the server refused STARTTLS' },
    ],
    pop3: [
        { complete: lineDone, ok: /^\+OK/, refused: 'the server did not greet with +OK' },
        { send: line('STLS'), complete: lineDone, ok: /^\+OK/, refused: 'the server refused STLS' },
    ],
    postgres: [
        // SSLRequest: length 8, code 80877103; the answer is one byte, S (yes) or N (no).
        { send: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]), complete: (text) => text.length >= 1, ok: /^S/, refused: 'the server does not offer TLS' },
    ],
};

export function dialogueOf(protocol: StartTls): Step[] {
    return DIALOGUES[protocol];
}
