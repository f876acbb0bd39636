import { formatDate } from '../../domain/dates.ts'
import { londonDate } from '../../domain/hours.ts'
import { statusLabels } from '../../domain/visit-lifecycle.ts'
import type { Pool } from '../../db/pool.ts'
import { isRealDate } from '../readiness/dates.ts'
import type { VisitListRow } from '../visits/repository.ts'
import { visitsFor, type Viewer } from '../visits/service.ts'
import { londonParts } from '../visits/times.ts'
import { feedStatuses } from './service.ts'

/**
 * The calendar page's week agenda (issue 10 §6): the visits this person may see, Monday to Sunday, by day:
 * when, who (pupils and staff) and where in general terms — the postcode district only (like W6), the
 * same as a calendar feed gives, whatever the viewer may see elsewhere. Visits planned, not drafts.
 */
export type AgendaDay = { date: string; heading: string; visits: Array<{ id: string; time: string; pupils: string; staff: string; area: string; status: string; statusLabel: string }> }
export type Agenda = { monday: string; heading: string; days: AgendaDay[]; previous: string; next: string; count: number }

const addDays = (date: string, days: number) => {
  const at = new Date(`${date}T12:00:00Z`)
  at.setUTCDate(at.getUTCDate() + days)
  return at.toISOString().slice(0, 10)
}

/** `week`: any day of the week wanted (YYYY-MM-DD); undefined for this week. Null if it is not a real date. */
export function mondayOf(week: string | undefined, now: Date): string | null {
  const day = week ?? londonDate(now)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !isRealDate(day)) return null
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay()
  return addDays(day, -((weekday + 6) % 7))
}

/** "W6" from "W6 0LS": the district, never the street. */
export function postcodeDistrict(postcode: string | null): string {
  return postcode?.trim().split(/\s+/)[0]?.toUpperCase() ?? ''
}

export async function weekAgenda(pool: Pool, viewer: Viewer, schoolId: string, monday: string): Promise<Agenda> {
  const sunday = addDays(monday, 6)
  const visits = await visitsFor(pool, viewer, schoolId, { statuses: feedStatuses, from: monday, to: sunday })
  const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'UTC' })
  const days: AgendaDay[] = []
  for (let i = 0; i < 7; i++) {
    const date = addDays(monday, i)
    const onDay = visits.filter((v: VisitListRow) => v.plannedStart && londonDate(v.plannedStart) === date)
    if (onDay.length === 0 && i >= 5) continue // weekends only when something is on
    days.push({
      date,
      heading: `${weekday.format(new Date(`${date}T12:00:00Z`))} ${formatDate(date)}`,
      visits: onDay.map((v) => ({
        id: v.id,
        time: `${londonParts(v.plannedStart).time} to ${londonParts(v.plannedEnd).time}`,
        pupils: v.pupils.join(', ') || 'No pupils chosen yet',
        staff: v.staff.map((s) => s.name).join(', ') || 'Nobody yet',
        area: postcodeDistrict(v.postcode),
        status: v.status,
        statusLabel: statusLabels[v.status],
      })),
    })
  }
  return { monday, heading: `Week of ${formatDate(monday)}`, days, previous: addDays(monday, -7), next: addDays(monday, 7), count: visits.length }
}
