import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { holdsAnyRole, safeguardingRoles } from '../../domain/roles.ts'
import { NotFoundError } from '../../web/errors.ts'
import { agreementChronology, cancellationChronology, letterChronology } from '../agreements/chronology.ts'
import { concernChronology, incidentChronology } from '../concerns/chronology.ts'
import { visitEntries, visitsChronologySource } from '../records/chronology.ts'
import { findVisit } from '../visits/repository.ts'
import { canView } from '../visits/service.ts'
import type { ChronologyEntry, ChronologySource, ChronologyViewer } from './types.ts'

export type { ChronologyEntry, ChronologySource, ChronologyViewer } from './types.ts'

/**
 * Every feature's part of the pupil's chronology (R-REC-3). A feature exports a `ChronologySource` and the
 * lead adds it here; each source decides what the viewer may read.
 */
export const chronologySources: ChronologySource[] = [
  visitsChronologySource,
  concernChronology,
  incidentChronology,
  agreementChronology,
  letterChronology,
  cancellationChronology,
]

export type Viewer = ChronologyViewer & { name: string }

const byDate = (a: ChronologyEntry, b: ChronologyEntry) => a.at.getTime() - b.at.getTime() || a.category.localeCompare(b.category)

/**
 * The pupil's chronology, oldest first, from every source. A view by a safeguarding role (who reads its
 * safeguarding detail) is recorded in the audit history in the same transaction.
 */
export async function pupilChronology(pool: Pool, viewer: Viewer, schoolId: string, pupilId: string, now: Date, sources: readonly ChronologySource[] = chronologySources): Promise<ChronologyEntry[]> {
  return inTransaction(pool, async (client) => {
    const pupil = await client.query('SELECT 1 FROM pupils WHERE school_id = $1 AND id = $2', [schoolId, pupilId])
    if (pupil.rowCount === 0) throw new NotFoundError('There is no pupil with that id in this school.')
    const entries: ChronologyEntry[] = []
    for (const source of sources) entries.push(...(await source(client, schoolId, pupilId, viewer, now)))
    if (holdsAnyRole(viewer.roles, safeguardingRoles) && entries.length) {
      await recordAudit(client, { schoolId, actor: { userId: viewer.userId, name: viewer.name }, action: 'pupil.chronology_viewed', subjectType: 'pupil', subjectId: pupilId, summary: 'Viewed the pupil’s chronology' }, now)
    }
    return entries.sort(byDate)
  })
}

export type ExportFormat = 'text' | 'csv'
export type ChronologyExport = { filename: string; contentType: string; body: string }

/**
 * The export of a pupil's chronology (R-REC-3): CPOMS-style text to paste, or CSV. Each export is written
 * to the audit history with who, what and how many entries, in the transaction that reads them.
 */
export async function exportPupilChronology(pool: Pool, viewer: Viewer, schoolId: string, pupilId: string, format: ExportFormat, now: Date): Promise<ChronologyExport> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ name: string }>(`SELECT first_name || ' ' || last_name AS name FROM pupils WHERE school_id = $1 AND id = $2`, [schoolId, pupilId])
    if (!rows[0]) throw new NotFoundError('There is no pupil with that id in this school.')
    const entries: ChronologyEntry[] = []
    for (const source of chronologySources) entries.push(...(await source(client, schoolId, pupilId, viewer, now)))
    entries.sort(byDate)
    await recordAudit(client, {
      schoolId,
      actor: { userId: viewer.userId, name: viewer.name },
      action: 'pupil.chronology_exported',
      subjectType: 'pupil',
      subjectId: pupilId,
      summary: `Exported the pupil’s chronology (${format === 'csv' ? 'CSV' : 'text for CPOMS'}, ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'})`,
      change: { format, entries: entries.length },
    }, now)
    return rendered(entries, format, `chronology-${slug(rows[0].name)}`, `Chronology for ${rows[0].name}`)
  })
}

/** The export of one visit's entries (the visit, its record, card and actions), logged likewise. */
export async function exportVisitChronology(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, format: ExportFormat, now: Date): Promise<ChronologyExport> {
  return inTransaction(pool, async (client) => {
    const visit = await findVisit(client, schoolId, visitId)
    if (!visit || !canView({ ...viewer, name: viewer.name }, visit)) throw new NotFoundError('There is no visit with that id in this school.')
    const entries = (await visitEntries(client, schoolId, viewer, { visitId })).sort(byDate)
    await recordAudit(client, {
      schoolId,
      actor: { userId: viewer.userId, name: viewer.name },
      action: 'visit.record_exported',
      subjectType: 'visit',
      subjectId: visitId,
      summary: `Exported the visit’s record (${format === 'csv' ? 'CSV' : 'text for CPOMS'}, ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'})`,
      change: { format, entries: entries.length },
    }, now)
    const names = visit.pupils.map((p) => p.name).join(', ') || 'no pupils'
    return rendered(entries, format, `visit-${visit.plannedStart ? dayOf(visit.plannedStart) : 'record'}`, `Home visit: ${names}`)
  })
}

function rendered(entries: ChronologyEntry[], format: ExportFormat, name: string, heading: string): ChronologyExport {
  return format === 'csv'
    ? { filename: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: chronologyCsv(entries) }
    : { filename: `${name}.txt`, contentType: 'text/plain; charset=utf-8', body: chronologyText(entries, heading) }
}

const ukDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: '2-digit', month: '2-digit', year: 'numeric' })
const ukTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
const dayOf = (at: Date) => ukDate.format(at).split('/').reverse().join('-')
const slug = (text: string) => text.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().toLowerCase().replace(/\s+/g, '-') || 'pupil'
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

/**
 * The chronology as CPOMS users paste it: one block per entry, oldest first, each with its date and time,
 * category, who, what and actions, blocks separated by a blank line.
 */
export function chronologyText(entries: readonly ChronologyEntry[], heading: string): string {
  const blocks = entries.map((entry) =>
    [
      `Date: ${ukDate.format(entry.at)} ${ukTime.format(entry.at)}`,
      `Category: ${oneLine(entry.category)}`,
      `Who: ${oneLine(entry.who) || 'Not recorded'}`,
      `What: ${oneLine(entry.what) || 'Not recorded'}`,
      `Actions: ${oneLine(entry.actions) || 'None'}`,
    ].join('\n'),
  )
  return [`${heading} (from Doorstep)`, '', ...(blocks.length ? [blocks.join('\n\n')] : ['Nothing recorded yet.']), ''].join('\n')
}

/** CSV with a header row (RFC 4180: every field quoted, quotes doubled, CRLF between rows). */
export function chronologyCsv(entries: readonly ChronologyEntry[]): string {
  const quote = (value: string) => `"${value.replace(/"/g, '""')}"`
  // A cell starting with = + - @ would run as a formula in a spreadsheet: a leading apostrophe keeps it text.
  const cell = (value: string) => quote(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
  const rows = [['Date', 'Time', 'Category', 'Who', 'What', 'Actions'], ...entries.map((e) => [ukDate.format(e.at), ukTime.format(e.at), e.category, oneLine(e.who), oneLine(e.what), oneLine(e.actions)])]
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}
