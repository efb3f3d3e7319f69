/**
 * One check of the pool: the probes a request asks for, and its one answer.
 * A request is a grid of hosts × ports, of which `only` may pick some (a
 * retry re-checks what did not match), each probed once, or once per
 * family with `ipVersion: 'both'` (a dual-stack audit), whose two answers
 * are joined into one result with `families`.
 */
import type { FaultHandler } from '../errors';
import type { ParsedHost } from '../parse/hosts';
import { combineOutcomes } from './classify';
import type { HostResolution } from './resolve';
import type { CheckCallback, CheckRequest, Classified, FamilyResult, PortResult } from './types';

/** Which family each probe of a `both` check asks for: the even ones IPv4, the odd ones IPv6. */
function familyOfBoth(index: number): 4 | 6 {
    return index % 2 === 0 ? 4 : 6;
}

/** A family's part of a joined result. */
function familyPart(result: PortResult): FamilyResult {
    if (result.error) return { error: result.error };
    return { state: result.state, address: result.address, latencyMs: result.latencyMs };
}

/** "No address in this family" is a finding of a dual-stack check, not a failure of it. */
function noAddressInFamily(result: PortResult): boolean {
    return result.error?.code === 'CANNOT_RESOLVE' && /^port-check\.dns\.family[46]$/.test(result.error.params.reasonKey ?? '');
}

/**
 * The two families' answers as one result: the state that "auto" would
 * have given (open wins), `families` with each one's, and an error only
 * when a family failed otherwise than by having no address, or both did.
 */
export function joinFamilies(v4: PortResult, v6: PortResult): PortResult {
    const answered = [v4, v6].filter((r) => !noAddressInFamily(r));
    const pick = answered.length === 0 ? [v4] : answered;
    const { item } = combineOutcomes(pick.map((r): { outcome: Classified; item: PortResult } => ({
        outcome: r.error ? { error: r.error } : { state: r.state ?? 'filtered' },
        item: r,
    })));
    const joined: PortResult = {
        host: v4.host,
        port: v4.port,
        address: item.address,
        family: item.family,
        latencyMs: Math.max(v4.latencyMs, v6.latencyMs),
        connections: v4.connections + v6.connections,
        dnsMs: Math.max(v4.dnsMs ?? 0, v6.dnsMs ?? 0),
        families: { 4: familyPart(v4), 6: familyPart(v6) },
    };
    if (item.error) joined.error = item.error;
    else joined.state = item.state;
    return joined;
}

export class Check {
    nextProbe = 0;
    private results?: PortResult[];
    private remaining = 0;
    /** One per host; a single host's is kept alone (the common case needs no array). */
    private resolutions?: HostResolution | HostResolution[];
    /** Probes per entry: 2 for a `both` check, one per family. */
    private readonly perEntry: 1 | 2;

    constructor(
        readonly request: CheckRequest,
        private readonly callback: CheckCallback<CheckRequest>,
        private readonly reportFault: FaultHandler,
    ) {
        this.perEntry = request.ipVersion === 'both' ? 2 : 1;
    }

    /** Entries of the answer: the grid's, or those `only` picks. */
    get entries(): number {
        const { hosts, ports, only } = this.request;
        return only ? only.length : hosts.length * ports.length;
    }

    get size(): number {
        return this.entries * this.perEntry;
    }

    hasProbesToStart(): boolean {
        return this.nextProbe < this.size;
    }

    /** Called before the first probe starts. */
    begin(resolve: (host: ParsedHost) => HostResolution): void {
        const hosts = this.request.hosts;
        this.results = new Array(this.size);
        this.remaining = this.size;
        this.resolutions = hosts.length === 1 ? resolve(hosts[0]) : hosts.map(resolve);
    }

    /** The index in the hosts × ports grid of probe `index`. */
    private gridOf(index: number): number {
        const entry = this.perEntry === 1 ? index : index >> 1;
        const only = this.request.only;
        return only ? only[entry] : entry;
    }

    portOf(index: number): number {
        const ports = this.request.ports;
        return ports.length === 1 ? ports[0] : ports[this.gridOf(index) % ports.length];
    }

    resolutionOf(index: number): HostResolution {
        const resolutions = this.resolutions as HostResolution | HostResolution[];
        return Array.isArray(resolutions) ? resolutions[Math.floor(this.gridOf(index) / this.request.ports.length)] : resolutions;
    }

    /** The family probe `index` may use: 0 for any. */
    familyOf(index: number): 0 | 4 | 6 {
        const version = this.request.ipVersion;
        if (version === 'both') return familyOfBoth(index);
        return version ?? 0;
    }

    /** All results at once (a scan spread over threads). */
    complete(results: PortResult[]): void {
        this.answer(results);
    }

    onResult(index: number, result: PortResult): void {
        const results = this.results as PortResult[];
        results[index] = result;
        if (--this.remaining === 0) this.answer(this.perEntry === 1 ? results : this.joined(results));
    }

    private joined(results: PortResult[]): PortResult[] {
        const entries: PortResult[] = new Array(results.length >> 1);
        for (let i = 0; i < entries.length; i++) entries[i] = joinFamilies(results[2 * i], results[2 * i + 1]);
        return entries;
    }

    /** The caller's callback runs inside the pool's loops: a throw there must not stop them. */
    private answer(results: PortResult[]): void {
        try {
            this.callback(results, this.request);
        } catch (fault) {
            this.reportFault(fault);
        }
    }
}
