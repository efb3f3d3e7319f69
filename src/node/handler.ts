/**
 * One message's way through a port check node (docs/architecture.md,
 * "A message's way"): Delay Before, read the inputs, check (again, for
 * Retries or Wait until), build msg.portCheck, Delay After, send, and settle
 * it exactly once: `send` then `done()`, or `done(err)`. Any throw on the
 * way fails that message with an internal error instead of escaping into a
 * socket or timer callback, where it would take Node-RED down. Knows
 * nothing of sockets: the pool does the checking.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { performance } from 'perf_hooks';
import { type PortCheckError, internalError } from '../errors';
import type { ParsedHosts } from '../parse/hosts';
import type { ProbePool } from '../probe/pool';
import type { PortResult } from '../probe/types';
import { roundMs } from '../util/time';
import type { CurrentNodeDef, Options } from './config';
import { TargetReader, sourceOf } from './inputs';
import { labelKeyOf } from './labels';
import { PendingMessages, isFinal, mergeAnswers, nextAttemptIn, type Done, type Pending, type Send } from './messages';
import {
    failedReport, listReport, resultMatches, singleReport, type ErrorReport, type PortCheckReport, type ReportRules,
} from './report';
import { StatusThrottle, statusWords } from './status';

export class PortCheckHandler {
    private readonly pool: ProbePool;
    private readonly reader: TargetReader;
    private readonly pending = new PendingMessages((item, step) => this.guarded(item, step));
    private readonly status: StatusThrottle;
    private readonly words: ReturnType<typeof statusWords>;
    private readonly rules: ReportRules;
    /** A plain output property ("payload") is set directly, as RED.util.setMessageProperty would. */
    private readonly outputKey: string | undefined;

    constructor(
        private readonly RED: NodeAPI,
        private readonly node: Node,
        private readonly config: CurrentNodeDef,
        private readonly options: Options,
        private readonly configError: PortCheckError | undefined,
        makePool: (onFault: (err: unknown) => void) => ProbePool,
    ) {
        const t = (key: string, params?: Record<string, string>): string => RED._(key, params);
        this.words = statusWords(t);
        this.status = new StatusThrottle((status) => node.status(status));
        this.rules = { expected: options.expected, slowAboveMs: options.slowAboveMs, wordError: (error) => this.errorReport(error) };
        const output = sourceOf(config.output, 'msg');
        this.outputKey = output.kind === 'msg' ? output.key : undefined;
        this.pool = makePool(this.logFault);
        this.reader = new TargetReader(RED, node, config, options.maxProbes, configError);
        if (configError) node.status({ fill: 'red', shape: 'dot', text: this.errorText(configError) });
    }

    readonly onInput = (msg: NodeMessageInFlow, send: Send, done: Done): void => {
        const item = this.pending.add(msg, send, done, this.options);
        // A node whose settings are broken fails each message at once.
        this.pending.after(this.configError ? 0 : this.options.delayBeforeMs, item, () => this.read(item));
    };

    readonly onClose = (_removed: boolean, done: () => void): void => {
        this.pool.cancelAll();
        // Like the delay node: a message cut short by a redeploy is settled, not sent.
        this.pending.closeAll();
        this.status.stop();
        this.node.status({});
        done();
    };

    private read(item: Pending): void {
        if (!this.pending.isPending(item)) return;
        this.status.offer(this.words.checking, undefined);
        if (this.reader.readsAtOnce) return this.onRead(item, this.reader.readNow(item, item.msg));
        this.reader.readEvaluated(item, item.msg, (step) => this.guarded(item, step), (error) => this.onRead(item, error));
    }

    private onRead(item: Pending, error: PortCheckError | undefined): void {
        if (!this.pending.isPending(item)) return;
        if (error) return this.fail(item, failedReport(item.rawHost, item.rawPort, this.config.check, 0, this.errorReport(error)), error);
        item.startedAt = performance.now();
        item.deadline = item.startedAt + this.options.waitTimeoutMs;
        this.runCheck(item);
    }

    private runCheck(item: Pending): void {
        item.attempts++;
        // On close, pool.cancelAll() stops this check with every other one.
        this.pool.check(item, this.onChecked);
    }

    private readonly onChecked = (results: PortResult[], item: Pending): void => {
        this.guarded(item, () => this.answer(results, item));
    };

    private answer(results: PortResult[], item: Pending): void {
        const { expected } = this.options;
        const answers = mergeAnswers(item, results);
        let firstError: PortCheckError | undefined;
        let final = false;
        const recheck: number[] = [];
        for (let entry = 0; entry < answers.length; entry++) {
            const result = answers[entry];
            if (result.error) {
                firstError ??= result.error;
                if (isFinal(result.error)) final = true;
            }
            if (!resultMatches(expected, result)) recheck.push(entry);
        }
        const match = recheck.length === 0;
        const wait = match || final ? undefined : nextAttemptIn(this.options, item, performance.now());
        if (wait !== undefined) {
            // The next check asks only for what did not match; the rest keep their answers.
            item.only = recheck.length === answers.length ? undefined : recheck;
            this.status.offer(this.words.retry, { waiting: this.options.mode === 'wait', attempt: item.attempts + 1 });
            return this.pending.after(wait, item, () => this.runCheck(item));
        }
        const tries = { attempts: item.attempts, elapsedMs: roundMs(performance.now() - item.startedAt) };
        let report: PortCheckReport;
        if (item.isList) {
            const input = { rawHost: item.rawHost, rawPort: item.rawPort, parsedHosts: item.parsedHosts as ParsedHosts, portCount: item.ports.length };
            const list = listReport(this.rules, input, answers, match, tries);
            if (firstError) list.error = this.errorReport(firstError);
            else this.status.offer(this.words.list, list.results);
            report = list;
        } else {
            const single = singleReport(this.rules, answers[0], match, tries);
            if (!firstError) this.status.offer(this.words.single, single);
            report = single;
        }
        if (firstError) return this.fail(item, report, firstError);
        this.succeed(item, report, match);
    }

    /** Writes the report onto the message and sends it on after Delay After. */
    private succeed(item: Pending, report: PortCheckReport, result: boolean): void {
        (item.msg as NodeMessage & { portCheck?: PortCheckReport }).portCheck = report;
        this.pending.after(this.options.delayAfterMs, item, () => this.deliver(item, result));
    }

    /** Raises the error with the message, or (Continue On Error) sends it on with false. */
    private fail(item: Pending, report: PortCheckReport, error: PortCheckError): void {
        this.status.offer(this.words.error, this.errorText(error));
        if (this.options.continueOnError) return this.succeed(item, report, false);
        (item.msg as NodeMessage & { portCheck?: PortCheckReport }).portCheck = report;
        if (this.pending.settle(item)) item.done(this.nodeError(error));
    }

    /** Sets the output and sends the message on; the output is set first, so a throw there leaves it unsettled. */
    private deliver(item: Pending, result: boolean): void {
        if (!this.pending.isPending(item)) return;
        if (this.outputKey) (item.msg as unknown as Record<string, unknown>)[this.outputKey] = result;
        else this.RED.util.setMessageProperty(item.msg, this.config.output, result, true);
        if (!this.pending.settle(item)) return;
        item.send(item.msg);
        item.done();
    }

    /**
     * Runs one step of a message's way; a throw (a fault of this code, or an
     * Output property that cannot be set on this message) fails the message
     * with an internal error.
     */
    private guarded(item: Pending, step: () => void): void {
        try {
            step();
        } catch (err) {
            this.failInternally(item, err);
        }
    }

    private failInternally(item: Pending, err: unknown): void {
        this.logFault(err);
        if (!this.pending.isPending(item)) return;
        const error = internalError(err);
        this.status.offer(this.words.error, this.errorText(error));
        const report = failedReport(item.rawHost, item.rawPort, this.config.check, item.attempts, this.errorReport(error));
        (item.msg as NodeMessage & { portCheck?: PortCheckReport }).portCheck = report;
        if (this.options.continueOnError) {
            try {
                return this.deliver(item, false);
            } catch {
                // The output itself cannot be set: the error is raised instead.
            }
        }
        if (this.pending.settle(item)) item.done(this.nodeError(error));
    }

    /** A fault contained anywhere in the node's work: its message fails, its stack goes to the log. */
    private readonly logFault = (err: unknown): void => {
        const stack = err instanceof Error && err.stack ? err.stack : String(err);
        this.node.error(this.RED._('port-check.log.internal', { stack }));
    };

    /**
     * The error's text in the runtime's language; a `reasonKey` among its
     * values is worded too, and so is a property of the dialog the error
     * names (`option`, `which`): as the dialog labels it, without its unit.
     */
    private errorText(error: PortCheckError): string {
        const { reasonKey, option, which } = error.params;
        const params = { ...error.params };
        if (reasonKey) params.reason = this.RED._(reasonKey);
        const labelKey = labelKeyOf(which === 'before' || which === 'after' ? `delay ${which}` : option);
        if (labelKey) params[which ? 'which' : 'option'] = this.RED._(labelKey).replace(/\s*[(（][^()（）]*[)）]$/, '');
        return this.RED._(`port-check.errors.${error.code}`, params);
    }

    private errorReport(error: PortCheckError): ErrorReport {
        const report: ErrorReport = { code: error.code, message: this.errorText(error) };
        if (error.systemCode) report.systemCode = error.systemCode;
        return report;
    }

    /** The Error handed to done(): Catch nodes see the text as is, and the code. */
    private nodeError(error: PortCheckError): Error {
        const err = new Error(this.errorText(error));
        Object.defineProperty(err, 'code', { value: error.code, enumerable: true });
        err.toString = () => err.message;
        return err;
    }
}
