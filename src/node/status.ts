/**
 * The node's status under it on the canvas (docs/architecture.md,
 * "Status"): the words, pure and worded through the locale, and the
 * throttle that shows at most ten a second, ending on the last.
 */
import type { NodeStatus } from 'node-red';
import type { ServiceResult } from '../service/types';
import type { PortReport } from './report';

/** RED._ as the status words need it. */
export type Translate = (key: string, params?: Record<string, string>) => string;

function formatMs(ms: number): string {
    return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

/** What a status needs of a report. */
export interface StatusOf {
    state?: string;
    slow?: boolean;
    latencyMs: number;
    service?: ServiceResult;
}

/** An open port's status: its service's verdict and certificate days when it has a service check. */
function openStatus(t: Translate, report: StatusOf): NodeStatus {
    const ms = formatMs(report.latencyMs);
    const service = report.service;
    if (service && !service.ok && service.reason !== 'CERT_EXPIRING') {
        return { fill: 'red', shape: 'ring', text: t('port-check.status.serviceFailed', { reason: t(`port-check.service.${service.reason}`) }) };
    }
    const days = service?.tls?.daysLeft;
    if (service?.reason === 'CERT_EXPIRING') return { fill: 'yellow', shape: 'dot', text: t('port-check.status.expiring', { days: String(days), ms }) };
    const fill = report.slow ? 'yellow' : 'green';
    if (days !== undefined) return { fill, shape: 'dot', text: t('port-check.status.openTls', { days: String(days), ms }) };
    return { fill, shape: 'dot', text: t(report.slow ? 'port-check.status.slow' : 'port-check.status.open', { ms }) };
}

/**
 * Green dot when open (yellow when slow or its certificate is expiring, red
 * ring when its service failed), red ring when closed, yellow ring when
 * filtered.
 */
export function singleStatus(t: Translate, report: StatusOf): NodeStatus {
    switch (report.state) {
        case 'open':
            return openStatus(t, report);
        case 'closed':
            return { fill: 'red', shape: 'ring', text: t('port-check.status.closed') };
        default:
            return { fill: 'yellow', shape: 'ring', text: t('port-check.status.filtered') };
    }
}

/**
 * The counts of a list: red ring when a service failed; green when all are
 * open (yellow when one is slow or its certificate expiring); yellow ring
 * when any is filtered; red otherwise.
 */
export function listStatus(t: Translate, reports: readonly PortReport[]): NodeStatus {
    let open = 0;
    let closed = 0;
    let filtered = 0;
    let slow = false;
    let serviceFailed = false;
    for (const report of reports) {
        if (report.state === 'open') open++;
        else if (report.state === 'closed') closed++;
        else if (report.state === 'filtered') filtered++;
        if (report.slow || report.service?.reason === 'CERT_EXPIRING') slow = true;
        else if (report.service && !report.service.ok) serviceFailed = true;
    }
    const text = t('port-check.status.list', { open: String(open), closed: String(closed), filtered: String(filtered) });
    if (serviceFailed) return { fill: 'red', shape: 'ring', text };
    if (open === reports.length) return { fill: slow ? 'yellow' : 'green', shape: 'dot', text };
    return { fill: filtered > 0 ? 'yellow' : 'red', shape: 'ring', text };
}

export function checkingStatus(t: Translate): NodeStatus {
    return { fill: 'grey', shape: 'dot', text: t('port-check.status.checking') };
}

/** `retrying · attempt 2` or `waiting · attempt 5`. */
export function retryStatus(t: Translate, waiting: boolean, attempt: number): NodeStatus {
    const key = waiting ? 'port-check.status.waiting' : 'port-check.status.retrying';
    return { fill: 'grey', shape: 'ring', text: t(key, { attempt: String(attempt) }) };
}

/** A red dot with the start of the error's text. */
export function errorStatus(message: string): NodeStatus {
    return { fill: 'red', shape: 'dot', text: message.length > 60 ? message.slice(0, 57) + '...' : message };
}

/** A word: what it says of `about`. Words take one argument, so offering one makes no closure. */
export type Word<T> = (about: T) => NodeStatus;

/** The words of one node, bound to its RED._ once. */
export function statusWords(t: Translate): {
    single: Word<StatusOf>;
    list: Word<readonly PortReport[]>;
    checking: Word<void>;
    retry: Word<{ waiting: boolean; attempt: number }>;
    error: Word<string>;
} {
    return {
        single: (report) => singleStatus(t, report),
        list: (reports) => listStatus(t, reports),
        checking: () => checkingStatus(t),
        retry: ({ waiting, attempt }) => retryStatus(t, waiting, attempt),
        error: errorStatus,
    };
}

/** Status updates at most this often; a burst of thousands shows its last result. */
export const STATUS_INTERVAL_MS = 100;

/**
 * Shows a status at most every STATUS_INTERVAL_MS, always ending on the
 * last one asked for. A status is worded only when it is shown: under a
 * burst, most messages' statuses are replaced before anyone could see them.
 */
export class StatusThrottle {
    private timer?: NodeJS.Timeout;
    private nextWord?: Word<never>;
    private nextAbout: unknown;

    constructor(private readonly show: (status: NodeStatus) => void) {}

    /** Shows `word(about)` now, or once the interval is over (unless replaced by then). */
    offer<T>(word: Word<T>, about: T): void {
        if (this.timer) {
            this.nextWord = word as Word<never>;
            this.nextAbout = about;
            return;
        }
        this.show(word(about));
        this.timer = setTimeout(this.flush, STATUS_INTERVAL_MS);
    }

    /** Drops what is waiting; nothing more is shown. */
    stop(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.nextWord = undefined;
        this.nextAbout = undefined;
    }

    private readonly flush = (): void => {
        this.timer = undefined;
        const word = this.nextWord;
        const about = this.nextAbout as never;
        this.nextWord = this.nextAbout = undefined;
        if (word) this.offer(word, about);
    };
}
