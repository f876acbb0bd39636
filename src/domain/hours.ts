import type { Policy, Weekday } from '../policy/schema.ts'

/** A moment as a clock on a wall in England shows it. */
export type LondonTime = { date: string; weekday: Weekday; time: string }

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  weekday: 'long',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** Local date (YYYY-MM-DD), weekday and time (HH:MM) in Europe/London, summer time included. */
export function londonTime(at: Date): LondonTime {
  const parts = Object.fromEntries(londonParts.formatToParts(at).map((part) => [part.type, part.value]))
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: String(parts.weekday).toLowerCase() as Weekday,
    time: `${parts.hour}:${parts.minute}`,
  }
}

/** Today's date in Europe/London, YYYY-MM-DD. */
export function londonDate(at: Date): string {
  return londonTime(at).date
}

export type HoursCheck = { outOfHours: false } | { outOfHours: true; reason: string }

/**
 * R-HOURS-1: is a visit from `start` to `end` outside the policy's school (or working) hours?
 * Out of hours when it falls on a day without hours, starts before the day's start, ends after its end,
 * or runs past midnight.
 */
export function checkHours(policy: Policy, visit: { start: Date; end: Date }): HoursCheck {
  if (visit.end.getTime() <= visit.start.getTime()) throw new RangeError('A visit must end after it starts.')
  const start = londonTime(visit.start)
  const end = londonTime(visit.end)
  const hoursName = `${policy.hours.kind} hours`
  const day = policy.hours.week[start.weekday]
  const dayName = capitalise(start.weekday)
  if (day === null) return { outOfHours: true, reason: `${dayName} has no ${hoursName} in this policy.` }
  if (end.date !== start.date) return { outOfHours: true, reason: `The visit runs past midnight, outside ${hoursName}.` }
  if (start.time < day.start) {
    return { outOfHours: true, reason: `The visit starts at ${start.time}, before ${hoursName} begin at ${day.start} on ${dayName}.` }
  }
  if (end.time > day.end) {
    return { outOfHours: true, reason: `The visit ends at ${end.time}, after ${hoursName} end at ${day.end} on ${dayName}.` }
  }
  return { outOfHours: false }
}

/** True when the visit is outside the policy's hours (see `checkHours` for the reason). */
export function isOutOfHours(policy: Policy, visit: { start: Date; end: Date }): boolean {
  return checkHours(policy, visit).outOfHours
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}
