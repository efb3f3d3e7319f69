/**
 * A server's certificate, as a service check reports it: whether it
 * verifies, who it is for and from, and when it (or the first certificate
 * of the chain the server sent) expires.
 */
import type { X509Certificate } from 'crypto';
import type { TLSSocket } from 'tls';
import type { TlsReport } from './types';

const DAY_MS = 86_400_000;

/** The CN of a distinguished name as X509Certificate writes it ("C=DE\nO=Example\nCN=example.com"), else its O. */
function nameOf(distinguished: string): string {
    const fields = distinguished.split('\n');
    const value = (key: string): string | undefined => fields.find((field) => field.startsWith(`${key}=`))?.slice(key.length + 1);
    return value('CN') ?? value('O') ?? '';
}

/**
 * The chain the server sent, its own certificate first, each one's issuer
 * as the server gave it; a self-signed root at its end is left out (its
 * expiry is the trust store's business), unless the server's own
 * certificate is self-signed.
 */
function chainOf(leaf: X509Certificate): X509Certificate[] {
    const chain: X509Certificate[] = [];
    for (let cert: X509Certificate | undefined = leaf; cert && chain.length < 16; cert = cert.issuerCertificate) {
        const selfSigned = cert.subject === cert.issuer && cert.checkIssued(cert);
        if (selfSigned && cert !== leaf) break;
        chain.push(cert);
        if (selfSigned) break;
    }
    return chain;
}

/**
 * The report of the certificate `socket` was shown. X509Certificate, not
 * getPeerCertificate(true): the latter builds every certificate of the
 * chain as an object, a quarter of a millisecond each handshake (bench
 * section 7), for the few fields read here. Node hands out a socket's
 * peer X509Certificate once, so this reads it once.
 */
export function certificateReport(socket: TLSSocket, now = Date.now()): TlsReport | undefined {
    const leaf = socket.getPeerX509Certificate();
    if (!leaf) return undefined;
    const chain = chainOf(leaf);
    let first = leaf;
    for (const cert of chain) if (Date.parse(cert.validTo) < Date.parse(first.validTo)) first = cert;
    const report: TlsReport = {
        authorized: socket.authorized,
        protocol: socket.getProtocol() ?? '',
        cipher: socket.getCipher()?.name ?? '',
        subject: nameOf(leaf.subject),
        issuer: nameOf(leaf.issuer),
        altNames: (leaf.subjectAltName ?? '').split(', ').filter(Boolean),
        validFrom: new Date(leaf.validFrom).toISOString(),
        validTo: new Date(leaf.validTo).toISOString(),
        daysLeft: Math.floor((Date.parse(first.validTo) - now) / DAY_MS),
        fingerprint256: leaf.fingerprint256,
    };
    if (!socket.authorized && socket.authorizationError) report.authorizationError = String(socket.authorizationError);
    if (first !== leaf) report.expiresFirst = nameOf(first.subject);
    return report;
}
