/**
 * A doubly linked list threaded through its items: adding, removing and
 * testing membership are O(1) and allocate nothing, which matters where
 * items come and go by the hundred thousand (messages waiting behind Max
 * concurrent, probes waiting for their deadline). An item is in one list
 * at a time.
 */
export interface Linked<T> {
    listPrevious?: T;
    listNext?: T;
    /** The list the item is in. */
    listOwner?: { remove(item: T): boolean };
}

export class IntrusiveList<T extends Linked<T>> {
    head?: T;
    tail?: T;

    get isEmpty(): boolean {
        return this.head === undefined;
    }

    has(item: T): boolean {
        return item.listOwner === this;
    }

    /** Adds `item` at the end. */
    add(item: T): void {
        item.listOwner = this;
        item.listPrevious = this.tail;
        item.listNext = undefined;
        if (this.tail) this.tail.listNext = item;
        else this.head = item;
        this.tail = item;
    }

    /** Takes `item` out; false when it was not in this list. */
    remove(item: T): boolean {
        if (item.listOwner !== this) return false;
        const { listPrevious: previous, listNext: next } = item;
        if (previous) previous.listNext = next;
        else this.head = next;
        if (next) next.listPrevious = previous;
        else this.tail = previous;
        item.listOwner = item.listPrevious = item.listNext = undefined;
        return true;
    }

    /** Empties the list, handing each item (already out of it) to `each`, first to last. */
    drain(each: (item: T) => void): void {
        let item = this.head;
        this.head = this.tail = undefined;
        while (item) {
            const next = item.listNext;
            item.listOwner = item.listPrevious = item.listNext = undefined;
            each(item);
            item = next;
        }
    }
}
