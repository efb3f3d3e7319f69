/**
 * The entry Node-RED loads (through nodes/port-check.js): registers the
 * port-check node type and wires each node's parts together: its
 * configuration, its probe pool (with threads for big scans) and the
 * handler that takes each message on its way. docs/architecture.md shows
 * the parts and where to change what.
 */
import type { Node, NodeAPI } from 'node-red';
import { migrate, readOptions, type PortCheckNodeDef, type PortCheckSettings } from './node/config';
import { PortCheckHandler } from './node/handler';
import { sharedResolver } from './dns/resolver';
import { ProbePool } from './probe/pool';
import { scanThreads } from './threads/workers';

export = function (RED: NodeAPI): void {
    function PortCheckNode(this: Node, def: PortCheckNodeDef): void {
        RED.nodes.createNode(this, def);
        const config = migrate(def);
        const { options, error } = readOptions(config, (RED.settings as { portCheck?: PortCheckSettings }).portCheck);
        const lookup = sharedResolver(options.dnsServers).lookup;
        const handler = new PortCheckHandler(RED, this, config, options, error,
            (onFault) => new ProbePool(options.concurrency, lookup, { onFault, scanners: scanThreads(onFault), maxRate: options.maxRate }));
        this.on('input', handler.onInput);
        this.on('close', handler.onClose);
    }

    RED.nodes.registerType('port-check', PortCheckNode);
};
