/**
 * The dialog's label of each setting an error can name, so that the error
 * names it as the user reads it in their language. The parsers name the
 * settings in English (parse/ knows no catalogue); settings.js keys such as
 * portCheck.dnsServers have no label and are named as they are written.
 */
const LABEL_KEYS: Record<string, string> = {
    'delay before': 'port-check.label.delayBefore',
    'delay after': 'port-check.label.delayAfter',
    Mode: 'port-check.label.mode',
    Retries: 'port-check.label.retries',
    'Retry delay': 'port-check.label.retryDelay',
    'Check every': 'port-check.label.waitInterval',
    'Wait up to': 'port-check.label.waitTimeout',
    'Slow above': 'port-check.label.slowAbove',
    'Max concurrent': 'port-check.label.concurrency',
    'IP version': 'port-check.label.ipVersion',
    'Max rate': 'port-check.label.maxRate',
    TLS: 'port-check.label.tls',
    STARTTLS: 'port-check.label.starttls',
    'Server name': 'port-check.label.servername',
    'Certificate days': 'port-check.label.certDays',
    Preset: 'port-check.label.preset',
    Send: 'port-check.label.send',
    Expect: 'port-check.label.expect',
};

/** The catalogue key of the label of `setting`, if the dialog has one. */
export function labelKeyOf(setting: string | undefined): string | undefined {
    return setting !== undefined && Object.hasOwn(LABEL_KEYS, setting) ? LABEL_KEYS[setting] : undefined;
}
