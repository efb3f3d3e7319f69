/**
 * The service presets (ssh, smtp, …): what to send and expect. The table is
 * plain JavaScript in resources/, shared with the editor, which fills Send
 * and Expect from it.
 */
import { join } from 'path';

export interface Preset {
    /** Send and Expect as a user types them; '' for none. */
    send: string;
    expect: string;
    /** Sent before closing; '' for none. */
    goodbye: string;
}

export type PresetName = 'ssh' | 'smtp' | 'ftp' | 'pop3' | 'imap' | 'redis' | 'mysql' | 'postgres' | 'http' | 'mqtt';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file of resources/, outside the TypeScript sources
export const PRESETS = require(join(__dirname, '..', '..', 'resources', 'port-check-presets.js')) as Record<PresetName, Preset>;
