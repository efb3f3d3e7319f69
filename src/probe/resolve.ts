/**
 * A host's addresses: IP literals as they are, `localhost` as both
 * loopbacks, other names from the resolver (dns/resolver.ts), each looked
 * up once however many ports wait for it. Addresses that name no host (0.0.0.0, ::) are
 * dropped (docs/architecture.md, "Security").
 */
import { PortCheckError, describeValue, internalError, type FaultHandler } from '../errors';
import { UNSPECIFIED_REASON, isUnspecifiedAddress, type ParsedHost } from '../parse/hosts';
import { cannotResolve, classifyLookupError } from './classify';
import type { Lookup, Resolution, ResolvedAddress } from './types';

/** Alternates the families, first family first (RFC 8305 section 4). */
export function interleaveFamilies(addresses: readonly ResolvedAddress[]): ResolvedAddress[] {
    if (addresses.length < 2) return addresses.slice();
    const first = addresses[0].family;
    const same = addresses.filter((a) => a.family === first);
    const other = addresses.filter((a) => a.family !== first);
    const ordered: ResolvedAddress[] = [];
    for (let i = 0; i < Math.max(same.length, other.length); i++) {
        if (i < same.length) ordered.push(same[i]);
        if (i < other.length) ordered.push(other[i]);
    }
    return ordered;
}

/**
 * `localhost` is the loopback interface on both families (RFC 6761), as
 * browsers and curl treat it, whatever the hosts file lists: a service on
 * 127.0.0.1 only or on ::1 only is found either way.
 */
const LOOPBACK_ADDRESSES: ResolvedAddress[] = [
    { address: '127.0.0.1', family: 4, optional: true },
    { address: '::1', family: 6, optional: true },
];

export function isLocalhost(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * One host's addresses, looked up once for all the ports of a check. Waiters
 * come and go with their own deadlines; the lookup itself cannot be
 * cancelled, so a late answer is kept for whoever asks next.
 */
export class HostResolution {
    private result?: Resolution;
    /** Created on the first wait: literal IPs, the common case, never wait. */
    private waiters?: Set<(result: Resolution) => void>;
    private started = false;

    constructor(readonly host: ParsedHost, private readonly lookup: Lookup, private readonly reportFault: FaultHandler) {
        if (host.ipFamily !== 0) {
            this.result = { addresses: [{ address: host.target, family: host.ipFamily }] };
        } else if (isLocalhost(host.target)) {
            this.result = { addresses: LOOPBACK_ADDRESSES };
        }
    }

    /** The addresses (or the error) once known. */
    get known(): Resolution | undefined {
        return this.result;
    }

    /** Calls back at once when known, else when the lookup answers; `timeoutMs`: how long the caller waits. Returns a canceller. */
    get(callback: (result: Resolution) => void, timeoutMs?: number): () => void {
        if (this.result) {
            callback(this.result);
            return noop;
        }
        const waiters = (this.waiters ??= new Set());
        waiters.add(callback);
        this.start(timeoutMs);
        return () => waiters.delete(callback);
    }

    private start(timeoutMs: number | undefined): void {
        if (this.started) return;
        this.started = true;
        try {
            // The probes of one check share its Timeout: the first one's is theirs.
            this.lookup(this.host.target, (err, addresses) => this.onLookup(err, addresses), timeoutMs);
        } catch (err) {
            // The lookup itself refused the name (it threw rather than calling back).
            this.settle({ error: classifyLookupError(err, this.host.host) });
        }
    }

    private onLookup(err: NodeJS.ErrnoException | null, addresses: ResolvedAddress[] | undefined): void {
        let result: Resolution;
        try {
            result = this.resolutionOf(err, addresses);
        } catch (fault) {
            // An answer this code cannot read is its own fault, not the name's.
            this.reportFault(fault);
            result = { error: internalError(fault) };
        }
        this.settle(result);
    }

    private resolutionOf(err: NodeJS.ErrnoException | null, addresses: ResolvedAddress[] | undefined): Resolution {
        const host = this.host.host;
        if (err) return { error: classifyLookupError(err, host) };
        if (!addresses || addresses.length === 0) return { error: cannotResolve(host, 'ENODATA') };
        const usable = addresses.filter((a) => !isUnspecifiedAddress(a.address));
        if (usable.length === 0) return { error: unspecifiedAnswer(host, addresses[0].address) };
        return { addresses: interleaveFamilies(usable) };
    }

    private settle(result: Resolution): void {
        if (this.result) return;
        this.result = result;
        const waiters = [...(this.waiters ?? [])];
        this.waiters?.clear();
        // Each waiter guards itself (PortProbe.onResolved): one fault cannot skip the others.
        for (const waiter of waiters) waiter(result);
    }
}

function noop(): void {
    // nothing to cancel
}

/** A name whose only addresses are 0.0.0.0 or :: (a DNS block list's answer) names no host to check. */
function unspecifiedAnswer(host: string, address: string): PortCheckError {
    return new PortCheckError('INVALID_HOST', { value: describeValue(host), reason: `resolves to ${address}, ${UNSPECIFIED_REASON}` });
}
