/**
 * How long Doorstep waits before it judges the next sign-in attempt for an address (or, from a
 * browser the person has signed in on before, for that browser), after `failures` wrong passwords
 * in a row. Below `freeFailures` there is no wait; from there it doubles, 1 s, 2 s, 4 s …, up to
 * `maxDelaySeconds`. Nothing is ever locked for longer than that (docs/decisions/0011-accounts.md).
 */
export type SignInDelayRule = { freeFailures: number; maxDelaySeconds: number }

export function signInDelayMs(failures: number, rule: SignInDelayRule): number {
  if (failures < rule.freeFailures) return 0
  const doublings = Math.min(failures - rule.freeFailures, 30)
  return Math.min(2 ** doublings * 1000, rule.maxDelaySeconds * 1000)
}
