/**
 * What a service sends, read until an answer is complete: a pattern
 * matches, the peer closes, or MAX_BYTES have come (a peer that sends a
 * megabyte is not read past that). The bytes are kept as latin1 text, so
 * that a pattern sees each byte as one character.
 */
import type { Duplex } from 'stream';

/** The most a service check reads of one answer. */
export const MAX_BYTES = 4096;

/** The first line of an answer, printable characters only (others dropped), at most 200. */
export function bannerOf(text: string): string | undefined {
    const line = text.split(/\r?\n/)[0].replace(/[^\x20-\x7e]/g, '').trim();
    return line === '' ? undefined : line.slice(0, 200);
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
