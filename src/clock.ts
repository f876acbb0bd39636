/**
 * The clock. Every rule, template and seed reads the time from a `Clock` passed in; only the
 * process entry points (`server.ts`, `cli.ts`, benchmarks) take the real one. Tests pass a fixed
 * clock or one that runs from a fixed moment (test/clock.ts), so the suite never depends on today.
 */
export type Clock = () => Date

/** The machine's time. For process entry points only. */
export const systemClock: Clock = () => new Date()
