/**
 * Calendar dates for readiness: a DBS issue date, a training's expiry and an insurance expiry are
 * days in the UK, held as YYYY-MM-DD text (see src/db/pool.ts). Pure: no clock, no I/O.
 */
const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })
const longDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' })

/** The UK calendar date of a moment, as YYYY-MM-DD. */
export function ukDateOf(at: Date): string {
  return londonDate.format(at)
}

function utc(date: string): Date {
  return new Date(`${date}T00:00:00Z`)
}

/** True for a YYYY-MM-DD string naming a day that exists (not 2026-02-30). */
export function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = utc(value)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
}

export function addDays(date: string, days: number): string {
  const d = utc(date)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** The same day `years` later; 29 February becomes 28 February in a year with no 29th. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(y + years, m - 1, d))
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0)
  return target.toISOString().slice(0, 10)
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utc(to).getTime() - utc(from).getTime()) / 86_400_000)
}

/** "3 March 2026". */
export function longDateOf(date: string): string {
  return longDate.format(utc(date))
}
