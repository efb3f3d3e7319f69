/**
 * The node's configuration: its flow JSON (the keys are part of the public
 * contract, docs/architecture.md "Properties"), brought up to the current
 * version by the migrations table the editor uses too, and read once, at
 * deploy, into the settings every message is checked with.
 */
import { join } from 'path';
import type { NodeDef } from 'node-red';
import { PortCheckError } from '../errors';
import { makePolicy, type TargetPolicy } from '../parse/allow';
import { parseConcurrency, parseDelay, parseSecondsOption, parseWholeNumber } from '../parse/numbers';
import {
    DEFAULT_MAX_PROBES, parseCheck, parseDnsServers, parseIpVersion, parseMaxRate, parseMode, type ExpectedState, type Mode,
} from '../parse/options';
import { parseService, type ServiceSpec } from '../parse/service';
import type { IpVersion } from '../probe/types';

/** The node's flow JSON, as saved by the editor (any version). */
export interface PortCheckNodeDef extends NodeDef {
    version?: number;
    color?: string;
    host?: unknown;
    hostType?: string;
    port?: unknown;
    portType?: string;
    check?: unknown;
    timeout?: unknown;
    timeoutType?: string;
    delayBefore?: unknown;
    delayAfter?: unknown;
    continueOnError?: unknown;
    output?: string;
    concurrency?: unknown;
    mode?: unknown;
    retries?: unknown;
    retryDelay?: unknown;
    waitInterval?: unknown;
    waitTimeout?: unknown;
    slowAbove?: unknown;
    allow?: unknown;
    ipVersion?: unknown;
    maxRate?: unknown;
    tls?: unknown;
    starttls?: unknown;
    servername?: unknown;
    tlsVerify?: unknown;
    certDays?: unknown;
    preset?: unknown;
    send?: unknown;
    expect?: unknown;
}

/** The flow JSON after migration: the keys every version since 1 has. */
export interface CurrentNodeDef extends PortCheckNodeDef {
    version: number;
    hostType: string;
    portType: string;
    timeoutType: string;
    output: string;
}

/** The optional `portCheck` block of Node-RED's settings.js. */
export interface PortCheckSettings {
    allow?: unknown;
    deny?: unknown;
    maxProbesPerMessage?: unknown;
    dnsServers?: unknown;
}

interface SharedConfig {
    VERSION: number;
    migrate(config: object): object;
}

/**
 * The migrations table, plain JavaScript shared with the editor (which
 * loads it from resources/ in the browser), so that both read an old flow
 * the same way.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file of resources/, outside the TypeScript sources
const shared = require(join(__dirname, '..', '..', 'resources', 'port-check-config.js')) as SharedConfig;

export const CONFIG_VERSION = shared.VERSION;

/** A copy of the node's flow JSON at the current version. */
export function migrate(def: PortCheckNodeDef): CurrentNodeDef {
    return shared.migrate(def) as CurrentNodeDef;
}

/** Settings fixed at deploy. */
export interface Options {
    expected: ExpectedState;
    continueOnError: boolean;
    delayBeforeMs: number;
    delayAfterMs: number;
    concurrency: number;
    mode: Mode;
    retries: number;
    retryDelayMs: number;
    waitIntervalMs: number;
    waitTimeoutMs: number;
    /** 0 when no threshold is set. */
    slowAboveMs: number;
    policy?: TargetPolicy;
    /** Hosts × ports one message may ask for (settings.js portCheck.maxProbesPerMessage). */
    maxProbes: number;
    /** 0: every address; 4 or 6: one family; 'both': each family on its own. */
    ipVersion: IpVersion;
    /** New connections per second, at most; undefined: no limit. */
    maxRate?: number;
    /** DNS servers of settings.js portCheck.dnsServers; undefined: the system's. */
    dnsServers?: string[];
    /** What an open port's service must answer (only with Port is open); undefined: the handshake is enough. */
    service?: ServiceSpec;
}

/** Throws the first PortCheckError of the node's settings and the runtime's. */
function parseOptions(config: CurrentNodeDef, settings: PortCheckSettings | undefined): Options {
    const expected = parseCheck(config.check);
    return {
        expected,
        continueOnError: config.continueOnError === true,
        delayBeforeMs: parseDelay(config.delayBefore, 'before'),
        delayAfterMs: parseDelay(config.delayAfter, 'after'),
        concurrency: parseConcurrency(config.concurrency),
        mode: parseMode(config.mode),
        retries: parseWholeNumber(config.retries, 'Retries', 0, 100, 0),
        retryDelayMs: parseSecondsOption(config.retryDelay, 'Retry delay', true, 1000),
        waitIntervalMs: parseSecondsOption(config.waitInterval, 'Check every', false, 1000),
        waitTimeoutMs: parseSecondsOption(config.waitTimeout, 'Wait up to', false, 60000),
        slowAboveMs: parseWholeNumber(config.slowAbove, 'Slow above', 0, 0x7fffffff, 0),
        policy: makePolicy(settings, config.allow),
        maxProbes: parseWholeNumber(settings?.maxProbesPerMessage, 'portCheck.maxProbesPerMessage', 1, 0x7fffffff, DEFAULT_MAX_PROBES),
        ipVersion: parseIpVersion(config.ipVersion),
        maxRate: parseMaxRate(config.maxRate),
        dnsServers: parseDnsServers(settings?.dnsServers),
        // With "Port is closed" there is no service to check.
        service: expected === 'open' ? parseService(config) : undefined,
    };
}

/**
 * The node's options, or the error of an invalid setting (only possible in
 * a hand-edited flow or settings.js) with safe defaults: such a node fails
 * every message with that error at once, rather than run with a guess.
 */
export function readOptions(config: CurrentNodeDef, settings: PortCheckSettings | undefined): { options: Options; error?: PortCheckError } {
    try {
        return { options: parseOptions(config, settings) };
    } catch (error) {
        if (!(error instanceof PortCheckError)) throw error;
        const fallback = parseOptions(migrate({ id: config.id, type: config.type, z: config.z, name: '', check: 'open' }), undefined);
        return { options: { ...fallback, continueOnError: config.continueOnError === true }, error };
    }
}
