/** Milliseconds as reported in msg.portCheck: to a hundredth. */
export function roundMs(ms: number): number {
    return Math.round(ms * 100) / 100;
}
