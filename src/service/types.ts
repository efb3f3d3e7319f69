/**
 * What a service check says (docs/architecture.md, "Service checks"):
 * whether the service answered as it should, why not, the first line it
 * sent, and its certificate.
 */

/** Why a service check failed. */
export type ServiceReason = 'TLS_FAILED' | 'CERT_INVALID' | 'CERT_EXPIRING' | 'NO_ANSWER' | 'UNEXPECTED_ANSWER';

/** The certificate a server showed, as msg.portCheck.service.tls gives it. */
export interface TlsReport {
    /** The chain verified against the trusted CAs (Node's, and NODE_EXTRA_CA_CERTS), and the name matched. */
    authorized: boolean;
    /** Why it did not verify (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, …). */
    authorizationError?: string;
    protocol: string;
    cipher: string;
    /** The server's certificate (its CN). */
    subject: string;
    issuer: string;
    altNames: string[];
    validFrom: string;
    validTo: string;
    /** Whole days until the earliest expiry of the chain the server sent (negative once expired). */
    daysLeft: number;
    /** The certificate that expires first, when it is not the server's own (an intermediate CA). */
    expiresFirst?: string;
    fingerprint256: string;
}

export interface ServiceResult {
    ok: boolean;
    reason?: ServiceReason;
    /** What went wrong, in the words of the code that saw it (a TLS alert, "the server refused STARTTLS: 502 …"). */
    detail?: string;
    /** The first line the service sent, printable characters only, at most 200. */
    banner?: string;
    tls?: TlsReport;
}
