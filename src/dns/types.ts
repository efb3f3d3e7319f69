/** What a lookup answers: addresses, and how long they may be kept. */
export interface DnsAddress {
    address: string;
    family: 4 | 6;
}

/**
 * Resolves a host name to its addresses (the probe's side of the resolver;
 * injectable for tests and benches). `timeoutMs`: how long the caller
 * waits for the answer (its message's Timeout), so that the lookup does not
 * give up sooner.
 */
export type Lookup = (
    hostname: string,
    callback: (err: NodeJS.ErrnoException | null, addresses?: DnsAddress[]) => void,
    timeoutMs?: number,
) => void;
