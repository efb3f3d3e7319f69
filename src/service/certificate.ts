/**
 * A server's certificate, as a service check reports it: whether it
 * verifies, who it is for and from, and when it (or the first certificate
 * of the chain the server sent) expires.
 */
import type { DetailedPeerCertificate, TLSSocket } from 'tls';
import type { TlsReport } from './types';

const DAY_MS = 86_400_000;

function nameOf(fields: Record<string, string | string[] | undefined> | undefined): string {
    if (!fields) return '';
    const value = fields.CN ?? fields.O ?? '';
    return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The chain the server stands on, its own certificate first, without the
 * self-signed root at its end: Node completes the chain with the root from
 * this machine's trust store, which the server did not send, and whose
 * expiry is the trust store's business (a self-signed server certificate
 * is its own root and stays).
 */
function chainOf(leaf: DetailedPeerCertificate): DetailedPeerCertificate[] {
    const chain: DetailedPeerCertificate[] = [];
    for (let cert = leaf; cert && Object.keys(cert).length > 0 && !chain.includes(cert); cert = cert.issuerCertificate) {
        const selfSigned = cert.issuerCertificate === cert || cert.fingerprint256 === cert.issuerCertificate?.fingerprint256;
        if (selfSigned && cert !== leaf) break;
        chain.push(cert);
        if (selfSigned) break;
    }
    return chain;
}

export function certificateReport(socket: TLSSocket, now = Date.now()): TlsReport | undefined {
    const leaf = socket.getPeerCertificate(true);
    if (!leaf || Object.keys(leaf).length === 0) return undefined;
    const chain = chainOf(leaf);
    let first = leaf;
    for (const cert of chain) if (Date.parse(cert.valid_to) < Date.parse(first.valid_to)) first = cert;
    const report: TlsReport = {
        authorized: socket.authorized,
        protocol: socket.getProtocol() ?? '',
        cipher: socket.getCipher()?.name ?? '',
        subject: nameOf(leaf.subject as unknown as Record<string, string>),
        issuer: nameOf(leaf.issuer as unknown as Record<string, string>),
        altNames: (leaf.subjectaltname ?? '').split(', ').filter(Boolean),
        validFrom: new Date(leaf.valid_from).toISOString(),
        validTo: new Date(leaf.valid_to).toISOString(),
        daysLeft: Math.floor((Date.parse(first.valid_to) - now) / DAY_MS),
        fingerprint256: leaf.fingerprint256,
    };
    if (!socket.authorized && socket.authorizationError) report.authorizationError = String(socket.authorizationError);
    if (first !== leaf) report.expiresFirst = nameOf(first.subject as unknown as Record<string, string>);
    return report;
}
