import { formatDate } from '../domain/dates.ts'
import type { Policy, PolicySource } from './schema.ts'

/**
 * A preset as a school adopts it (R-GOV-2). Presets carry no next review date, because every
 * date in shipped data passes (docs/decisions/0003). Adopting a preset is the school's review of
 * it: the policy is reviewed today, takes effect today, and is next reviewed `cycleMonths` later.
 * The sources of those dates say so, instead of quoting the written policy's old cover dates.
 */
export function adoptedPolicy(preset: Policy, options: { today: string; schoolName: string }): Policy {
  const { today, schoolName } = options
  const policy = structuredClone(preset)
  const nextReviewDate = addMonths(today, policy.review.cycleMonths)
  policy.effectiveFrom = today
  policy.review = { ...policy.review, lastReviewedOn: today, nextReviewDate }
  const adopted = (note: string): PolicySource => ({ policy: `${schoolName} (adopted)`, section: 'Doorstep', basis: 'stated', note })
  policy.sources = {
    ...policy.sources,
    effectiveFrom: adopted(`In effect from the day ${schoolName} adopted the preset, ${formatDate(today)}.`),
    'review.lastReviewedOn': adopted(`Adopting the preset on ${formatDate(today)} counts as its review.`),
    'review.nextReviewDate': adopted(`${policy.review.cycleMonths} months after ${schoolName} adopted the preset on ${formatDate(today)}.`),
  }
  return policy
}

/** "2026-01-31" + 1 month → "2026-02-28": the same day of the month, or the month's last day. */
export function addMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(year, month - 1 + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return target.toISOString().slice(0, 10)
}
