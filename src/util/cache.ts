/**
 * Values worked out from inputs that recur (the port text a flow sends with
 * every message, a literal host, the addresses of an IP literal), kept so
 * that each is worked out once. Bounded: when full it forgets everything
 * and starts again, which costs one more parse now and then and never
 * grows with what a flow sends. A failure is kept too: the same input fails
 * the same way, and is thrown again on every `get`.
 */
type Outcome<V> = { value: V } | { error: unknown };

export class BoundedCache<K, V> {
    private readonly entries = new Map<K, Outcome<V>>();

    constructor(private readonly maxEntries: number) {}

    /** The value for `key`, made by `make` the first time (or its error, thrown again). */
    get(key: K, make: (key: K) => V): V {
        let outcome = this.entries.get(key);
        if (!outcome) {
            try {
                outcome = { value: make(key) };
            } catch (error) {
                outcome = { error };
            }
            if (this.entries.size >= this.maxEntries) this.entries.clear();
            this.entries.set(key, outcome);
        }
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
    }
}
