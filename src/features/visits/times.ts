import { londonTime } from '../../domain/hours.ts'

/**
 * Visit times are typed as a UK calendar date and wall-clock times (what people say: "Tuesday at
 * 14:30") and stored as instants. British Summer Time is taken into account.
 */

/** The instant a clock in England shows `time` (HH:MM) on `date` (YYYY-MM-DD). */
export function londonInstant(date: string, time: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const [hour, minute] = time.split(':').map(Number) as [number, number]
  const asUtc = Date.UTC(year, month - 1, day, hour, minute)
  // London is UTC or UTC+1: try both and keep the one that reads back as the wall time asked for.
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(asUtc - offsetHours * 3_600_000)
    const wall = londonTime(candidate)
    if (wall.date === date && wall.time === time) return candidate
  }
  // A time skipped when the clocks go forward (01:00–02:00 on the last Sunday of March).
  return new Date(asUtc - 3_600_000)
}

/** The UK date (YYYY-MM-DD) and time (HH:MM) of an instant, for filling a form. */
export function londonParts(at: Date | null | undefined): { date: string; time: string } {
  if (!at) return { date: '', time: '' }
  const wall = londonTime(at)
  return { date: wall.date, time: wall.time }
}

/** "09:05", "9.05", "905", "9:05am", "2:30pm" → "09:05" / "14:30"; undefined when it is not a time. */
export function normaliseClockTime(input: string): string | undefined {
  const value = input.trim().toLowerCase().replace(/\s+/g, '')
  const match = /^(\d{1,2})(?:[:.]?(\d{2}))?(am|pm)?$/.exec(value)
  if (!match) return undefined
  let hour = Number(match[1])
  const minute = Number(match[2] ?? '0')
  const suffix = match[3]
  if (suffix) {
    if (hour < 1 || hour > 12) return undefined
    if (suffix === 'am' && hour === 12) hour = 0
    if (suffix === 'pm' && hour !== 12) hour += 12
  }
  if (hour > 23 || minute > 59) return undefined
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`
}
