import { counts, lookUpCode, penaltyNoticeCodes, type AttendanceCategory } from './attendance-codes.ts'
import { formatDate } from './dates.ts'

/**
 * Attendance worked out in sessions, and the flags it raises (R-ATT-1, docs/decisions/0026). Pure: the marks,
 * the date the figures are as of and the policy's setting come in; nothing is read from the clock.
 *
 * Flags are computed, never typed in:
 *  - the policy's rule (`attendance.localAuthorityReferral`): attendance below the threshold over the last
 *    `windowMonths` months to the as-of date, and/or attendance falling month on month over the last
 *    `windowMonths` months that had possible sessions (holiday months are passed over);
 *  - the national ones (DfE, Working together to improve school attendance, August 2024), over the school year
 *    to date (from 1 August): persistent absence (10 % or more of possible sessions missed), severe absence
 *    (50 % or more; shown instead of persistent), and 10 or more unauthorised sessions (G, N, O, U) within a
 *    rolling period of 10 school weeks, when a penalty notice must be considered (a Notice to Improve first).
 * A school week is a Monday-to-Sunday week in which the pupil has at least one mark other than "#" (planned
 * closure); weeks of holiday, with no marks or only "#", do not count, so the 10 weeks can span holidays.
 */

export type Session = 'AM' | 'PM'
export type Mark = { date: string; session: Session; code: string }

export type Tally = {
  /** Possible sessions: every session but those whose code is not a possible session. */
  possible: number
  /** Attended: present, late before the register closed, or an approved educational activity. */
  attended: number
  present: number
  approvedActivity: number
  authorised: number
  unauthorised: number
  notPossible: number
  /** Attended as a percentage of possible sessions, to one decimal place; null with no possible sessions. */
  percent: number | null
}

export type MonthFigures = Tally & { month: string; label: string }

export type Referral = { belowPercent: number | null; fallingTrend: boolean; windowMonths: number } | null

export type FlagKind = 'policy_below' | 'policy_falling' | 'severe' | 'persistent' | 'penalty_notice'

export type AttendanceFlag = { kind: FlagKind; title: string; why: string }

export const flagTitles: Record<FlagKind, string> = {
  policy_below: 'Below the policy’s attendance threshold: notify the local authority',
  policy_falling: 'Attendance keeps falling: notify the local authority',
  severe: 'Severe absence',
  persistent: 'Persistent absence',
  penalty_notice: 'Consider a penalty notice (a Notice to Improve first)',
}

export const PERSISTENT_MISSED_PERCENT = 10
export const SEVERE_MISSED_PERCENT = 50
export const PENALTY_SESSIONS = 10
export const PENALTY_WEEKS = 10

const categoryOf = (mark: Mark): AttendanceCategory => lookUpCode(mark.code)?.category ?? 'not_possible'

const oneDecimal = (value: number) => Math.round(value * 10) / 10

export function tally(marks: readonly Mark[]): Tally {
  const t = { possible: 0, attended: 0, present: 0, approvedActivity: 0, authorised: 0, unauthorised: 0, notPossible: 0 }
  for (const mark of marks) {
    const category = categoryOf(mark)
    const { possible, attended } = counts(category)
    if (possible) t.possible++
    if (attended) t.attended++
    if (category === 'present') t.present++
    if (category === 'approved_activity') t.approvedActivity++
    if (category === 'authorised') t.authorised++
    if (category === 'unauthorised') t.unauthorised++
    if (category === 'not_possible') t.notPossible++
  }
  return { ...t, percent: t.possible === 0 ? null : oneDecimal((100 * t.attended) / t.possible) }
}

const monthName = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })

/** "2026-11" → "November 2026". */
export function monthLabel(month: string): string {
  return monthName.format(new Date(`${month}-01T00:00:00Z`))
}

/** The figures of each calendar month that has marks, in order. */
export function byMonth(marks: readonly Mark[]): MonthFigures[] {
  const months = new Map<string, Mark[]>()
  for (const mark of marks) {
    const month = mark.date.slice(0, 7)
    months.set(month, [...(months.get(month) ?? []), mark])
  }
  return [...months.keys()].sort().map((month) => ({ month, label: monthLabel(month), ...tally(months.get(month)!) }))
}

const utc = (date: string) => new Date(`${date}T00:00:00Z`)
const iso = (at: Date) => at.toISOString().slice(0, 10)

export function addDaysIso(date: string, days: number): string {
  const at = utc(date)
  at.setUTCDate(at.getUTCDate() + days)
  return iso(at)
}

/** The same day `months` later (or earlier), on the month's last day where it has no such day: 31 May − 3 → 28/29 February. */
export function addMonthsIso(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const index = y * 12 + (m - 1) + months
  const year = Math.floor(index / 12)
  const month = index - year * 12
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`
}

/** The Monday of the week holding `date`. */
export function mondayOf(date: string): string {
  const day = utc(date).getUTCDay() // 0 Sunday
  return addDaysIso(date, -((day + 6) % 7))
}

/** Whether the period holds a Monday to Friday: a period of weekends only has no school days. */
export function hasWeekday(from: string, to: string): boolean {
  for (let date = from, n = 0; date <= to && n < 7; date = addDaysIso(date, 1), n++) {
    const day = utc(date).getUTCDay()
    if (day >= 1 && day <= 5) return true
  }
  return false
}

/** 1 August of the school year holding `date` (school years run August to July in these figures). */
export function schoolYearStart(date: string): string {
  const year = Number(date.slice(0, 4))
  return date.slice(5) >= '08-01' ? `${year}-08-01` : `${year - 1}-08-01`
}

const pct = (value: number) => `${Number.isInteger(value) ? value : value.toFixed(1)}%`
const sessions = (n: number) => `${n} ${n === 1 ? 'session' : 'sessions'}`

export type SchoolWeek = { monday: string; first: string; last: string; unauthorised: number }

/** The pupil's school weeks in order: weeks with at least one mark other than "#". */
export function schoolWeeks(marks: readonly Mark[]): SchoolWeek[] {
  const weeks = new Map<string, SchoolWeek>()
  for (const mark of [...marks].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))) {
    if (mark.code.trim() === '#') continue
    const monday = mondayOf(mark.date)
    const week = weeks.get(monday) ?? { monday, first: mark.date, last: mark.date, unauthorised: 0 }
    week.last = mark.date
    if (penaltyNoticeCodes.includes(mark.code.trim().toUpperCase())) week.unauthorised++
    weeks.set(monday, week)
  }
  return [...weeks.values()].sort((a, b) => (a.monday < b.monday ? -1 : 1))
}

/**
 * The latest rolling window of `PENALTY_WEEKS` school weeks, ending in this school year, with at least
 * `PENALTY_SESSIONS` unauthorised sessions; undefined when there is none.
 */
export function penaltyWindow(marks: readonly Mark[], asOf: string): { from: string; to: string; unauthorised: number } | undefined {
  const weeks = schoolWeeks(marks.filter((m) => m.date <= asOf))
  const yearStart = schoolYearStart(asOf)
  for (let end = weeks.length - 1; end >= 0; end--) {
    const last = weeks[end]!
    if (last.last < yearStart) break
    const window = weeks.slice(Math.max(0, end - PENALTY_WEEKS + 1), end + 1)
    const unauthorised = window.reduce((sum, week) => sum + week.unauthorised, 0)
    if (unauthorised >= PENALTY_SESSIONS) return { from: window[0]!.first, to: last.last, unauthorised }
  }
  return undefined
}

/** Every flag the pupil's marks raise as of `asOf`, each saying why. */
export function attendanceFlags(marks: readonly Mark[], asOf: string, referral: Referral): AttendanceFlag[] {
  const upTo = marks.filter((m) => m.date <= asOf)
  const flags: AttendanceFlag[] = []
  if (referral) {
    const windowStart = addMonthsIso(asOf, -referral.windowMonths)
    const period = `${referral.windowMonths} ${referral.windowMonths === 1 ? 'month' : 'months'}`
    if (referral.belowPercent !== null) {
      const window = tally(upTo.filter((m) => m.date > windowStart))
      if (window.percent !== null && window.percent < referral.belowPercent) {
        flags.push({
          kind: 'policy_below',
          title: flagTitles.policy_below,
          why: `Attendance was ${pct(window.percent)} over the ${period} to ${formatDate(asOf)} (${window.attended} of ${sessions(window.possible)}), below the policy’s threshold of ${pct(referral.belowPercent)}.`,
        })
      }
    }
    if (referral.fallingTrend) {
      const months = byMonth(upTo).filter((m) => m.percent !== null)
      const last = months.slice(-referral.windowMonths)
      const falling = last.length === referral.windowMonths && last.length >= 2 && last.every((m, i) => i === 0 || m.percent! < last[i - 1]!.percent!)
      if (falling) {
        flags.push({
          kind: 'policy_falling',
          title: flagTitles.policy_falling,
          why: `Attendance fell every month over the last ${period}: ${last.map((m) => `${m.label} ${pct(m.percent!)}`).join(', ')}.`,
        })
      }
    }
  }
  const yearStart = schoolYearStart(asOf)
  const year = tally(upTo.filter((m) => m.date >= yearStart))
  if (year.possible > 0) {
    const missed = year.possible - year.attended
    const missedPercent = oneDecimal((100 * missed) / year.possible)
    const since = `since ${formatDate(yearStart)}`
    if (missedPercent >= SEVERE_MISSED_PERCENT) {
      flags.push({ kind: 'severe', title: flagTitles.severe, why: `Missed ${missed} of ${sessions(year.possible)} ${since} (${pct(missedPercent)}): ${SEVERE_MISSED_PERCENT}% or more is severe absence.` })
    } else if (missedPercent >= PERSISTENT_MISSED_PERCENT) {
      flags.push({ kind: 'persistent', title: flagTitles.persistent, why: `Missed ${missed} of ${sessions(year.possible)} ${since} (${pct(missedPercent)}): ${PERSISTENT_MISSED_PERCENT}% or more is persistent absence.` })
    }
  }
  const window = penaltyWindow(upTo, asOf)
  if (window) {
    flags.push({
      kind: 'penalty_notice',
      title: flagTitles.penalty_notice,
      why: `${window.unauthorised} unauthorised sessions (codes ${penaltyNoticeCodes.join(', ')}) in the ${PENALTY_WEEKS} school weeks from ${formatDate(window.from)} to ${formatDate(window.to)}: at ${PENALTY_SESSIONS} or more a penalty notice must be considered. A Notice to Improve, with an improvement period of 3 to 6 weeks, comes first.`,
    })
  }
  return flags
}
