/**
 * msg.portCheck: what a message learns of its check (docs/architecture.md,
 * "What a message gets"). Pure: the results and the message's own
 * details in, one typed report out. Each report shape is one object
 * literal with all of its keys: V8 then keeps every field inside the
 * object, which matters for lists of a whole port range (bench section 5c).
 */
import type { ErrorCode, PortCheckError } from '../errors';
import type { ParsedHost, ParsedHosts } from '../parse/hosts';
import type { ExpectedState } from '../parse/options';
import type { FamilyResult, PortResult, PortState } from '../probe/types';
import type { ServiceResult } from '../service/types';

export interface ErrorReport {
    code: ErrorCode;
    message: string;
    systemCode?: string;
}

/** One family's answer of a dual-stack check (IP version "both"). */
export type FamilyReport = { state?: PortState; address: string; latencyMs: number } | { error: ErrorReport };

/** One host and port: an entry of a list's `results`. */
export interface PortReport {
    host: string;
    port: number;
    address: string;
    family: 4 | 6 | 0;
    expected: ExpectedState;
    match: boolean;
    latencyMs: number;
    connections: number;
    /** The checks this entry had: a retry re-checks only the entries that did not match. */
    attempts: number;
    state?: PortState;
    slow?: boolean;
    error?: ErrorReport;
    families?: { 4: FamilyReport; 6: FamilyReport };
    /** With a service check, for an open port: whether the service answered as it should. */
    service?: ServiceResult;
}

/** msg.portCheck for one host and one port. */
export interface SingleReport extends PortReport {
    elapsedMs: number;
    /** Time spent resolving the host (0 for an IP literal, localhost, or a name still cached). */
    dnsMs: number;
}

/** A host's summary in a report on several hosts. */
export interface HostSummary {
    host: string;
    match: boolean;
    open: number[];
    closed: number[];
    filtered: number[];
    error?: ErrorReport;
}

/** msg.portCheck for a list of ports or of hosts. */
export interface ListReport {
    /** IP and Port as the message gave them. */
    host: unknown;
    port: unknown;
    expected: ExpectedState;
    match: boolean;
    /** The slowest entry's. */
    latencyMs: number;
    attempts: number;
    connections: number;
    elapsedMs: number;
    /** The longest any host took to resolve. */
    dnsMs: number;
    /** Port numbers for one host; `host:port` texts for a host list. */
    open: Array<number | string>;
    closed: Array<number | string>;
    filtered: Array<number | string>;
    results: PortReport[];
    slow?: boolean;
    hosts?: HostSummary[];
    error?: ErrorReport;
}

/** msg.portCheck of a message that failed before any check (an input error). */
export interface FailedReport {
    host: unknown;
    port: unknown;
    expected: ExpectedState | undefined;
    match: false;
    attempts: number;
    error: ErrorReport;
}

export type PortCheckReport = SingleReport | ListReport | FailedReport;

/** What every report needs of its node: Check Port, Slow above, and how errors are worded. */
export interface ReportRules {
    expected: ExpectedState;
    /** 0 when no threshold is set. */
    slowAboveMs: number;
    wordError: (error: PortCheckError) => ErrorReport;
}

/** A check's timing and tries, as of its answer. */
export interface Tries {
    attempts: number;
    elapsedMs: number;
}

/** "closed" is met by filtered too: no service can be reached there. */
export function matches(expected: ExpectedState, state: PortState): boolean {
    return expected === 'open' ? state === 'open' : state !== 'open';
}

/**
 * Whether a result matches Check Port. A dual-stack one (IP version
 * "both") matches "Port is open" only when both families have an address
 * and both are open, and "Port is closed" when neither is open: a family
 * without an address has nothing to reach, which is what an audit asks.
 */
export function resultMatches(expected: ExpectedState, result: PortResult): boolean {
    if (result.error || !result.state) return false;
    // An open port whose service did not answer as it should is not "open" enough.
    if (result.service && !result.service.ok) return false;
    const families = result.families;
    if (!families) return matches(expected, result.state);
    return [families[4], families[6]].every((part) => ('error' in part
        ? expected === 'closed' && part.error.code === 'CANNOT_RESOLVE'
        : part.state !== undefined && matches(expected, part.state)));
}

function familiesReport(rules: ReportRules, families: { 4: FamilyResult; 6: FamilyResult }): { 4: FamilyReport; 6: FamilyReport } {
    const part = (result: FamilyResult): FamilyReport => ('error' in result ? { error: rules.wordError(result.error) } : result);
    return { 4: part(families[4]), 6: part(families[6]) };
}

/** Whether an open port answered slower than Slow above; undefined when that does not apply. */
export function slowness(slowAboveMs: number, result: PortResult): boolean | undefined {
    return slowAboveMs > 0 && result.state === 'open' ? result.latencyMs > slowAboveMs : undefined;
}

/** `host:port`, the IPv6 host in brackets. */
export function hostPort(report: { host: string; port: number }): string {
    return report.host.includes(':') ? `[${report.host}]:${report.port}` : `${report.host}:${report.port}`;
}

/** One entry of a list's `results`. */
export function portReport(rules: ReportRules, result: PortResult, messageAttempts: number): PortReport {
    const { expected } = rules;
    const { host, port, address, family, latencyMs, connections, state } = result;
    const attempts = result.attempts ?? messageAttempts;
    let report: PortReport;
    if (!state) {
        const error = rules.wordError(result.error as PortCheckError);
        report = { host, port, address, family, expected, match: false, latencyMs, connections, attempts, error };
    } else {
        const match = resultMatches(expected, result);
        const slow = slowness(rules.slowAboveMs, result);
        report = slow === undefined
            ? { host, port, address, family, expected, match, latencyMs, connections, attempts, state }
            : { host, port, address, family, expected, match, latencyMs, connections, attempts, state, slow };
    }
    if (result.families) report.families = familiesReport(rules, result.families);
    if (result.service) report.service = result.service;
    return report;
}

/** msg.portCheck for one host and port. */
export function singleReport(rules: ReportRules, result: PortResult, match: boolean, { attempts, elapsedMs }: Tries): SingleReport {
    const { expected } = rules;
    const { host, port, address, family, latencyMs, connections, state } = result;
    const dnsMs = result.dnsMs ?? 0;
    let report: SingleReport;
    if (!state) {
        const error = rules.wordError(result.error as PortCheckError);
        report = { host, port, address, family, expected, match, latencyMs, connections, attempts, elapsedMs, dnsMs, error };
    } else {
        const slow = slowness(rules.slowAboveMs, result);
        report = slow === undefined
            ? { host, port, address, family, expected, match, latencyMs, connections, attempts, elapsedMs, dnsMs, state }
            : { host, port, address, family, expected, match, latencyMs, connections, attempts, elapsedMs, dnsMs, state, slow };
    }
    if (result.families) report.families = familiesReport(rules, result.families);
    if (result.service) report.service = result.service;
    return report;
}

/** What a list report says of the message itself. */
export interface ListInput {
    rawHost: unknown;
    rawPort: unknown;
    parsedHosts: ParsedHosts;
    portCount: number;
}

/**
 * msg.portCheck for a list of ports or hosts: one entry per host and port,
 * host by host, and summaries. One pass over the entries and no spread: a
 * list may hold a whole port range per host.
 */
export function listReport(rules: ReportRules, input: ListInput, results: readonly PortResult[], match: boolean, tries: Tries): ListReport {
    // A host list (even of one) reports per host; a single host, per port.
    const severalHosts = input.parsedHosts.isList;
    const inState: Record<PortState, Array<number | string>> = { open: [], closed: [], filtered: [] };
    const reports: PortReport[] = new Array(results.length);
    let latencyMs = 0;
    let connections = 0;
    let dnsMs = 0;
    let slow = false;
    for (let i = 0; i < results.length; i++) {
        const result = results[i];
        const report = (reports[i] = portReport(rules, result, tries.attempts));
        if ((result.dnsMs ?? 0) > dnsMs) dnsMs = result.dnsMs ?? 0;
        if (report.latencyMs > latencyMs) latencyMs = report.latencyMs;
        connections += report.connections;
        if (report.slow) slow = true;
        if (report.state) inState[report.state].push(severalHosts ? hostPort(report) : report.port);
    }
    const summary: ListReport = {
        host: input.rawHost,
        port: input.rawPort,
        expected: rules.expected,
        match,
        latencyMs,
        attempts: tries.attempts,
        connections,
        elapsedMs: tries.elapsedMs,
        dnsMs,
        open: inState.open,
        closed: inState.closed,
        filtered: inState.filtered,
        results: reports,
    };
    if (rules.slowAboveMs > 0) summary.slow = slow;
    if (severalHosts) summary.hosts = hostSummaries(input.parsedHosts.hosts, reports, input.portCount);
    return summary;
}

/** One summary per host; the reports come host by host, `portCount` each. */
export function hostSummaries(hosts: readonly ParsedHost[], reports: readonly PortReport[], portCount: number): HostSummary[] {
    return hosts.map(({ host }, h) => {
        const ports: Record<PortState, number[]> = { open: [], closed: [], filtered: [] };
        let hostMatch = true;
        let error: ErrorReport | undefined;
        for (let i = h * portCount; i < (h + 1) * portCount; i++) {
            const report = reports[i];
            if (!report.match) hostMatch = false;
            if (report.state) ports[report.state].push(report.port);
            error ??= report.error;
        }
        const summary: HostSummary = { host, match: hostMatch, open: ports.open, closed: ports.closed, filtered: ports.filtered };
        if (error) summary.error = error;
        return summary;
    });
}

/** msg.portCheck of a message that never got a result: its input as read, and the error. */
export function failedReport(rawHost: unknown, rawPort: unknown, check: unknown, attempts: number, error: ErrorReport): FailedReport {
    return {
        host: typeof rawHost === 'string' ? rawHost.trim() : rawHost,
        port: rawPort,
        expected: check === 'open' || check === 'closed' ? check : undefined,
        match: false,
        attempts,
        error,
    };
}
