/** What a lookup answers: addresses, and how long they may be kept. */
export interface DnsAddress {
    address: string;
    family: 4 | 6;
}

/** Resolves a host name to its addresses (the probe's side of the resolver; injectable for tests and benches). */
export type Lookup = (
    hostname: string,
    callback: (err: NodeJS.ErrnoException | null, addresses?: DnsAddress[]) => void,
) => void;
