/**
 * A service check on a connection the probe has just opened
 * (docs/architecture.md, "Service checks"): the protocol's upgrade to TLS
 * first (STARTTLS), or TLS at once; the certificate judged; then Send and
 * Expect. It ends once, with a ServiceResult, by what it saw or by the
 * probe's deadline (one deadline covers DNS, connect, TLS and the
 * exchange), and hands the connection back to be closed.
 */
import type { Socket } from 'net';
import { isIP } from 'net';
import type { Duplex } from 'stream';
import { connect as tlsConnect, type TLSSocket } from 'tls';
import type { ServiceSpec } from '../parse/service';
import { certificateReport } from './certificate';
import { Reader, bannerOf } from './reader';
import { dialogueOf, type Step } from './starttls';
import type { ServiceReason, ServiceResult, TlsReport } from './types';

type Phase = 'starttls' | 'tls' | 'exchange' | 'done';

export class ServiceCheck {
    private phase: Phase = 'starttls';
    private stream: Duplex;
    private tlsSocket?: TLSSocket;
    private reader?: Reader;
    private banner?: string;
    private tls?: TlsReport;

    constructor(
        private readonly socket: Socket,
        private readonly spec: ServiceSpec,
        /** The host as resolved: its name is the default server name, unless it is an IP address. */
        private readonly hostName: string,
        private readonly done: (result: ServiceResult, socket: Socket) => void,
    ) {
        this.stream = socket;
        socket.on('error', this.onError);
    }

    start(): void {
        if (this.spec.starttls) return this.step(dialogueOf(this.spec.starttls), 0);
        if (this.spec.tls === 'on') return this.startTls();
        this.exchange();
    }

    /** The probe's deadline has come: the check ends with what it was waiting for. */
    expire(): void {
        if (this.phase === 'tls') return this.finish('TLS_FAILED', 'no TLS handshake before the timeout');
        const heard = this.reader?.received ?? '';
        if (this.phase === 'starttls' && heard !== '') return this.finish('TLS_FAILED', `no whole reply before the timeout: ${bannerOf(heard) ?? ''}`);
        if (this.phase === 'exchange' && heard !== '') return this.finish('UNEXPECTED_ANSWER', 'no match before the timeout');
        this.finish('NO_ANSWER', 'no answer before the timeout');
    }

    /** Ends without a result (the node closes): the connection is destroyed. */
    cancel(): void {
        if (this.phase === 'done') return;
        this.phase = 'done';
        this.reader?.stop();
        this.tlsSocket?.destroy();
        this.socket.destroy();
    }

    /** One step of a STARTTLS dialogue: send, read the whole reply, go on if it says yes. */
    private step(steps: Step[], index: number): void {
        if (this.phase === 'done') return;
        if (index === steps.length) return this.startTls();
        const { send, complete, ok, refused } = steps[index];
        if (send) this.stream.write(send);
        this.reader = new Reader(this.stream, complete, (end, text) => {
            this.banner ??= bannerOf(text);
            if (end === 'closed' && text === '') return this.finish('NO_ANSWER', 'closed before a greeting');
            if (end !== 'matched' || !ok.test(text)) return this.finish('TLS_FAILED', `${refused}: ${bannerOf(text) ?? 'nothing'}`);
            this.step(steps, index + 1);
        });
    }

    private startTls(): void {
        if (this.phase === 'done') return;
        this.phase = 'tls';
        // SNI is for names only: an IP address is sent as none (RFC 6066).
        const servername = this.spec.servername ?? (isIP(this.hostName) ? undefined : this.hostName);
        const tlsSocket = tlsConnect({ socket: this.socket, servername, rejectUnauthorized: false });
        this.tlsSocket = tlsSocket;
        this.stream = tlsSocket;
        tlsSocket.on('error', this.onError);
        tlsSocket.once('secureConnect', () => {
            if (this.phase === 'done') return;
            this.tls = certificateReport(tlsSocket);
            const { verify, certDays } = this.spec;
            if (!this.tls) return this.finish('TLS_FAILED', 'the server sent no certificate');
            if (verify && !this.tls.authorized) return this.finish('CERT_INVALID', this.tls.authorizationError ?? 'not verified');
            if (certDays !== undefined && this.tls.daysLeft < certDays) {
                return this.finish('CERT_EXPIRING', `${this.tls.daysLeft} days left, fewer than ${certDays}`);
            }
            this.exchange();
        });
    }

    private exchange(): void {
        if (this.phase === 'done') return;
        this.phase = 'exchange';
        const { send, expect } = this.spec;
        if (!expect) {
            if (!send) return this.finish();
            return void this.stream.write(send, () => this.finish());
        }
        if (send) this.stream.write(send);
        this.reader = new Reader(this.stream, (text) => expect.test(text), (end, text) => {
            this.banner ??= bannerOf(text);
            if (end === 'matched') return this.finish();
            if (text === '') return this.finish('NO_ANSWER', 'closed without an answer');
            this.finish('UNEXPECTED_ANSWER', end === 'full' ? 'no match in the first 4096 bytes' : 'closed without a match');
        });
    }

    private readonly onError = (err: NodeJS.ErrnoException): void => {
        if (this.phase === 'done') return;
        const what = err.code ?? err.message;
        if (this.phase === 'tls' || this.phase === 'starttls') return this.finish('TLS_FAILED', what);
        const heard = this.reader?.received ?? '';
        this.finish(heard === '' ? 'NO_ANSWER' : 'UNEXPECTED_ANSWER', what);
    };

    private finish(reason?: ServiceReason, detail?: string): void {
        if (this.phase === 'done') return;
        this.phase = 'done';
        this.reader?.stop();
        // What came before the end (a deadline, a reset) still names the service.
        this.banner ??= bannerOf(this.reader?.received ?? '');
        const result: ServiceResult = { ok: reason === undefined };
        if (reason) result.reason = reason;
        if (detail) result.detail = detail;
        if (this.banner) result.banner = this.banner;
        if (this.tls) result.tls = this.tls;
        // A polite goodbye (QUIT) where the service answered as it should; the connection is closed after.
        if (!reason && this.spec.goodbye && this.stream.writable) this.stream.write(this.spec.goodbye);
        if (this.tlsSocket) this.tlsSocket.end();
        this.done(result, this.socket);
    }
}
