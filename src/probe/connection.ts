/**
 * One connection attempt of a probe: a socket that knows its probe, so
 * that its listeners are shared functions rather than closures made per
 * connection, and that waits in its pool's re-send lists until it answers.
 */
import { Socket } from 'net';
import { performance } from 'perf_hooks';
import type { Due } from './deadlines';
import type { ResolvedAddress } from './types';

/** What an attempt tells its probe. */
export interface AttemptOwner {
    onConnect(attempt: Attempt): void;
    onError(attempt: Attempt, err: NodeJS.ErrnoException): void;
    onResendDue(attempt: Attempt): void;
    fault(err: unknown): void;
}

/**
 * One connection attempt of a probe: the socket knows its probe, so its
 * listeners are shared functions; it waits in the pool's re-send lists
 * until it answers.
 */
export class Attempt extends Socket implements Due {
    deadlineAt = 0;
    listPrevious?: Due;
    listNext?: Due;
    listOwner?: { remove(item: Due): boolean };
    readonly startedAt = performance.now();

    constructor(
        readonly probe: AttemptOwner,
        readonly target: ResolvedAddress,
        readonly tryNumber: number,
        /** A re-send the pool gave a place under the cap: handed back when it ends. */
        readonly granted = false,
    ) {
        super();
    }

    /** No answer for a re-send interval: the probe may connect to the same address again. */
    onDeadline(): void {
        this.probe.onResendDue(this);
    }

    fault(err: unknown): void {
        this.probe.fault(err);
    }
}

export function onAttemptConnect(this: Attempt): void {
    const probe = this.probe;
    try {
        probe.onConnect(this);
    } catch (fault) {
        probe.fault(fault);
    }
}

export function onAttemptError(this: Attempt, err: NodeJS.ErrnoException): void {
    const probe = this.probe;
    try {
        probe.onError(this, err);
    } catch (fault) {
        probe.fault(fault);
    }
}

export function destroyNow(socket: Socket): void {
    socket.destroy();
}
