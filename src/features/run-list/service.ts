import { z } from 'zod'
import type { Pool } from '../../db/pool.ts'
import { formatDate } from '../../domain/dates.ts'
import { londonDate } from '../../domain/hours.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import { findPupil } from '../pupils/repository.ts'
import { statusLabels, type VisitStatus } from '../../domain/visit-lifecycle.ts'
import { findVisit, listVisits } from '../visits/repository.ts'
import { roleOnVisitLabels } from '../visits/schema.ts'
import { londonParts } from '../visits/times.ts'

/**
 * The run list (R-LIST-1): one day's visits on one printable page, and as CSV — the time, the
 * pupils with their attendance, the address, the parents and carers being visited with their
 * phone numbers, the staff going and the status. Never the code word or the pupils' restricted
 * notes (R-ITIN-2, R-CONF-1).
 */

/**
 * R-CONF-1, R-LIST-1: the office and the senior staff who read briefings or lead visits, the deputy DSL
 * among them. Not school admins: parents' phone numbers and where the staff are going are not theirs to
 * read (docs/decisions/0010).
 */
export const runListReaders = ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head', 'slt'] as const satisfies readonly SchoolRole[]

/** The visits that may run that day: sent for risk assessment onwards; drafts, refused and cancelled visits are left out. */
export const runListStatuses = ['awaiting_risk_assessment', 'awaiting_approval', 'approved', 'in_progress', 'completed'] as const satisfies readonly VisitStatus[]

/** `?date=YYYY-MM-DD`, a real calendar date; today (UK) when missing. */
export const runListQuery = z.object({
  date: z
    .string()
    .trim()
    .optional()
    .refine((value) => !value || isRealDate(value), 'Enter a real date, like 26 11 2026'),
})

function isRealDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return year >= 2000 && year <= 2100 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

export type RunListVisit = {
  id: string
  status: VisitStatus
  statusLabel: string
  /** "09:30 to 11:30": leaving school to being back (or leaving the address). */
  away: string
  /** "10:00 to 11:00": the visit itself. */
  visit: string
  pupils: Array<{ name: string; yearGroup: string; attendance: string }>
  address: string[]
  adults: Array<{ name: string; relationships: string; phone: string }>
  staff: Array<{ name: string; role: string; mobile: string }>
}

const time = (at: Date | null) => (at ? londonParts(at).time : '')

export function todayIn(now: Date): string {
  return londonDate(now)
}

/** The day's visits of a school, soonest first. */
export async function runList(pool: Pool, schoolId: string, date: string): Promise<RunListVisit[]> {
  const rows = await listVisits(pool, schoolId, { statuses: runListStatuses, from: date, to: date })
  const list: RunListVisit[] = []
  for (const row of rows) {
    const visit = await findVisit(pool, schoolId, row.id)
    if (!visit || !visit.plannedStart || !visit.plannedEnd) continue
    const pupils = []
    for (const { id } of visit.pupils) {
      const pupil = await findPupil(pool, schoolId, id)
      if (!pupil) continue
      const attendance = pupil.attendancePercent === null ? 'Not recorded' : `${pupil.attendancePercent}%${pupil.attendanceAsOf ? ` (as of ${formatDate(pupil.attendanceAsOf)})` : ''}`
      pupils.push({ name: pupil.name, yearGroup: pupil.yearGroup, attendance })
    }
    const start = visit.leaveSchoolAt ?? visit.arriveAt ?? visit.plannedStart
    const end = visit.backAtSchoolAt ?? visit.finishAt ?? visit.plannedEnd
    list.push({
      id: visit.id,
      status: visit.status,
      statusLabel: statusLabels[visit.status],
      away: `${time(start)} to ${time(end)}`,
      visit: `${time(visit.plannedStart)} to ${time(visit.plannedEnd)}`,
      pupils,
      address: visit.address ? [visit.address.line1, visit.address.line2, visit.address.town, visit.address.postcode].filter(Boolean) : [],
      adults: visit.adults.map((adult) => ({
        name: adult.name,
        relationships: adult.relationships.join(', '),
        phone: adult.phone,
      })),
      staff: visit.staff.map((person) => ({ name: person.name, role: roleOnVisitLabels[person.roleOnVisit], mobile: person.mobile ?? '' })),
    })
  }
  return list
}

/** The run list as CSV (RFC 4180, CRLF, with a byte order mark so spreadsheets read names like Wiśniewska right). */
export function runListCsv(date: string, visits: readonly RunListVisit[]): string {
  const header = ['Date', 'Away from school', 'Visit', 'Pupils', 'Year groups', 'Attendance', 'Address', 'Parents and carers', 'Contact numbers', 'Staff', 'Staff mobiles', 'Status']
  const lines = visits.map((visit) => [
    date,
    visit.away,
    visit.visit,
    visit.pupils.map((p) => p.name).join('; '),
    visit.pupils.map((p) => p.yearGroup).join('; '),
    visit.pupils.map((p) => p.attendance).join('; '),
    visit.address.join(', '),
    visit.adults.map((a) => (a.relationships ? `${a.name} (${a.relationships})` : a.name)).join('; '),
    visit.adults.map((a) => (a.phone ? `${a.name}: ${a.phone}` : `${a.name}: none recorded`)).join('; '),
    visit.staff.map((s) => `${s.name} (${s.role})`).join('; '),
    visit.staff.map((s) => `${s.name}: ${s.mobile || 'none recorded'}`).join('; '),
    visit.statusLabel,
  ])
  return `\uFEFF${[header, ...lines].map((cells) => cells.map(csvCell).join(',')).join('\r\n')}\r\n`
}

/** One quoted cell. A cell a spreadsheet would take for a formula starts with an apostrophe (CSV injection). */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return `"${safe.replaceAll('"', '""')}"`
}
