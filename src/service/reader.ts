/**
 * What a service sends, read until an answer is complete: a pattern
 * matches, the peer closes, or MAX_BYTES have come (a peer that sends a
 * megabyte is not read past that). The bytes are kept as latin1 text, so
 * that a pattern sees each byte as one character.
 */
import type { Duplex } from 'stream';

/** The most a service check reads of one answer. */
export const MAX_BYTES = 4096;

/** Text in a binary answer worth showing: four or more printable characters in a row. */
const TEXT_RUN = /[\x20-\x7e\t]{4,}/;

/**
 * What a user is shown of an answer, printable characters only, at most
 * 200: its first line; or, when that line holds bytes no text protocol
 * sends (a binary protocol), the first run of text in the answer (a MySQL
 * greeting's server version comes after a packet header whose protocol
 * byte, 10, is a newline). A binary answer with no such run shows what of
 * its first line is printable.
 */
export function bannerOf(text: string): string | undefined {
    const line = text.split(/\r?\n/)[0];
    const binary = /[^\x20-\x7e\t]/.test(line);
    const shown = (binary ? (TEXT_RUN.exec(text)?.[0] ?? line) : line).replace(/\t/g, ' ').replace(/[^\x20-\x7e]/g, '').trim();
    return shown === '' ? undefined : shown.slice(0, 200);
}

export type ReadEnd = 'matched' | 'closed' | 'full';

/**
 * Reads from `stream` until `complete(text)` is true; calls back once with
 * how the reading ended and the text so far. `stop()` detaches it without a
 * call back (the check has ended otherwise).
 */
export class Reader {
    private text = '';
    private done = false;
    private readonly onData = (chunk: Buffer): void => {
        const room = MAX_BYTES - this.text.length;
        this.text += chunk.toString('latin1', 0, Math.min(chunk.length, room));
        if (this.complete(this.text)) return this.end('matched');
        if (this.text.length >= MAX_BYTES) this.end('full');
    };

    private readonly onClose = (): void => this.end('closed');

    constructor(
        private readonly stream: Duplex,
        private readonly complete: (text: string) => boolean,
        private readonly callback: (end: ReadEnd, text: string) => void,
        /** What an earlier reader on this stream read past its own answer. */
        leftover = '',
    ) {
        stream.on('data', this.onData);
        stream.on('end', this.onClose);
        stream.on('close', this.onClose);
        if (leftover !== '') this.onData(Buffer.from(leftover, 'latin1'));
    }

    get received(): string {
        return this.text;
    }

    stop(): void {
        if (this.done) return;
        this.done = true;
        this.stream.off('data', this.onData);
        this.stream.off('end', this.onClose);
        this.stream.off('close', this.onClose);
    }

    private end(how: ReadEnd): void {
        if (this.done) return;
        this.stop();
        this.callback(how, this.text);
    }
}
