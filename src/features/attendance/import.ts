import { parse } from 'csv-parse/sync'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { attendanceCodes, checkCode, counts, type AttendanceCategory } from '../../domain/attendance-codes.ts'
import { hasWeekday, type Session } from '../../domain/attendance.ts'
import { formatDate } from '../../domain/dates.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import { ForbiddenError, ValidationError } from '../../web/errors.ts'
import { ImportRejected, type RowError } from '../pupils/import.ts'
import type { Staff } from '../pupils/service.ts'
import { attendanceImporters } from './access.ts'

/**
 * R-ATT-1: session marks from a MIS export (docs/decisions/0026). One row per pupil and session:
 *
 *   UPN,Surname,Forename,Date,Session,Mark
 *   A123456789012,Bello,Amara,2026-11-02,AM,/
 *
 * UPN, Date (2026-11-02 or 02/11/2026), Session (AM or PM) and Mark (a DfE code) are needed; name, year and
 * registration group columns, as SIMS, Arbor and Bromcom put in their exports, are allowed and not read.
 * The whole file or nothing: every problem is reported by row and column. The import covers a period (given,
 * or from the first to the last date in the file); importing that period again replaces its marks.
 */

export const MAX_ATTENDANCE_ROWS = 200_000
/** Row problems listed at most; the count says how many more there are. */
export const MAX_LISTED_ERRORS = 500

export const attendanceColumns = {
  upn: ['upn', 'unique_pupil_number'],
  date: ['date', 'session_date', 'attendance_date'],
  session: ['session', 'am/pm', 'am_pm', 'ampm'],
  mark: ['mark', 'code', 'attendance_code', 'attendance_mark'],
} as const
type Column = keyof typeof attendanceColumns
/** Columns a MIS export carries that Doorstep does not read. */
export const ignoredColumns = ['surname', 'legal_surname', 'forename', 'legal_forename', 'name', 'pupil_name', 'year', 'year_group', 'reg_group', 'registration_group', 'form', 'class', 'admission_number', 'mis_id', 'dob', 'date_of_birth'] as const

export type PlannedMark = { pupilId: string; date: string; session: Session; code: string }
export type AttendancePlan = { from: string; to: string; marks: PlannedMark[]; pupils: number }

const codesWhere = (test: (category: AttendanceCategory) => boolean) => attendanceCodes.filter((c) => test(c.category)).map((c) => c.code)

const normaliseHeader = (header: string) => header.trim().toLowerCase().replace(/[\s-]+/g, '_')

/** "2026-11-02" or "02/11/2026" (UK day first) → "2026-11-02"; undefined for anything else or a date that does not exist. */
export function parseDate(raw: string): string | undefined {
  const value = raw.trim()
  let y: string, m: string, d: string
  const isoMatch = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const ukMatch = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value)
  if (isoMatch) [, y, m, d] = isoMatch as unknown as [string, string, string, string]
  else if (ukMatch) [, d, m, y] = ukMatch as unknown as [string, string, string, string]
  else return undefined
  const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
  const at = new Date(`${date}T00:00:00Z`)
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === date ? date : undefined
}

export function parseSession(raw: string): Session | undefined {
  const value = raw.trim().toUpperCase()
  if (value === 'AM' || value === 'MORNING' || value === 'A.M.') return 'AM'
  if (value === 'PM' || value === 'AFTERNOON' || value === 'P.M.') return 'PM'
  return undefined
}

/** Why a file is not a CSV file, from its first bytes; undefined when it may be one. */
export function notCsvReason(content: Buffer | string): string | undefined {
  const head = typeof content === 'string' ? Buffer.from(content.slice(0, 8), 'latin1') : content.subarray(0, 8)
  if (head.subarray(0, 4).toString('latin1') === 'PK\u0003\u0004') return 'This is an Excel workbook or another zipped file, not a CSV file. Save the export from your MIS as CSV (comma separated values) and upload that'
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'This is a PDF, not a CSV file. Export the marks from your MIS as CSV (comma separated values)'
  if (head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) return 'This is an old Excel (.xls) workbook, not a CSV file. Save it as CSV (comma separated values) and upload that'
  const text = typeof content === 'string' ? content : content.toString('utf8')
  if (text.includes('\u0000') || (typeof content !== 'string' && text.includes('\uFFFD'))) return 'This file is not text: it is not a CSV file. Export the marks from your MIS as CSV (comma separated values)'
  return undefined
}

export type PlanOptions = {
  /** The school's pupils on roll, by UPN in capitals. */
  pupilsByUpn: Map<string, string>
  /** Today in the UK, and whether this afternoon's session has begun (after 12:00). */
  today: string
  afternoonStarted: boolean
  /** The period the file covers; both or neither. */
  period?: { from: string; to: string }
  schoolName: string
}

/** Checks a whole file without writing anything: the plan, or every problem by row and column. */
export function planAttendanceImport(csv: string, options: PlanOptions): { plan: AttendancePlan; errors: [] } | { plan?: undefined; errors: RowError[] } {
  const notCsv = notCsvReason(csv)
  if (notCsv) return { errors: [{ row: 1, column: 'file', message: notCsv }] }
  let records: string[][]
  try {
    records = parse(csv, { bom: true, relax_column_count: true, trim: false, skip_empty_lines: false }) as string[][]
  } catch (error) {
    const line = (error as { lines?: number }).lines
    return { errors: [{ row: line ?? 1, column: 'file', message: `The file is not valid CSV: ${(error as Error).message.replace(/^.*?: /, '')}` }] }
  }
  const errors: RowError[] = []
  const header = (records[0] ?? []).map(normaliseHeader)
  if (header.length === 0 || header.every((h) => h === '')) return { errors: [{ row: 1, column: 'header', message: 'The first row must be the column headers: UPN, Date, Session and Mark' }] }
  const index = {} as Record<Column, number>
  const ignored = new Set<string>(ignoredColumns)
  header.forEach((name, i) => {
    const column = (Object.keys(attendanceColumns) as Column[]).find((c) => (attendanceColumns[c] as readonly string[]).includes(name))
    if (column) {
      if (index[column] !== undefined) errors.push({ row: 1, column: name, message: 'This column appears more than once' })
      else index[column] = i
    } else if (!ignored.has(name)) {
      errors.push({ row: 1, column: name || `column ${i + 1}`, message: 'Unknown column. See the columns on this page' })
    }
  })
  for (const column of Object.keys(attendanceColumns) as Column[]) {
    if (index[column] === undefined) errors.push({ row: 1, column, message: 'This column is missing' })
  }
  if (records.length - 1 > MAX_ATTENDANCE_ROWS) errors.push({ row: MAX_ATTENDANCE_ROWS + 2, column: 'file', message: `A file can have at most ${MAX_ATTENDANCE_ROWS} marks. Export a shorter period` })
  const period = options.period
  if (period) {
    if (period.from > period.to) errors.push({ row: 1, column: 'period', message: 'The period must end on or after the day it starts' })
    else if (!hasWeekday(period.from, period.to)) errors.push({ row: 1, column: 'period', message: `The period from ${formatDate(period.from)} to ${formatDate(period.to)} has no school days (Monday to Friday)` })
    else if (period.to > options.today) errors.push({ row: 1, column: 'period', message: `The period must end by today (${formatDate(options.today)}): marks cannot be imported for sessions that have not happened` })
  }
  if (errors.length > 0) return { errors }

  const seen = new Map<string, number>()
  const marks: PlannedMark[] = []
  const pupils = new Set<string>()
  let first: string | undefined
  let last: string | undefined
  for (let i = 1; i < records.length; i++) {
    const row = i + 1
    const record = records[i]!
    if (record.every((cell) => cell.trim() === '')) continue
    if (record.length > header.length) {
      errors.push({ row, column: 'row', message: `This row has ${record.length} cells but there are ${header.length} column headers` })
      continue
    }
    const cell = (column: Column) => record[index[column]] ?? ''
    const rowErrors: RowError[] = []
    const upn = cell('upn').trim().toUpperCase()
    const pupilId = upn ? options.pupilsByUpn.get(upn) : undefined
    if (!upn) rowErrors.push({ row, column: 'upn', message: 'Enter the pupil’s UPN' })
    else if (!pupilId) rowErrors.push({ row, column: 'upn', message: `No pupil with the UPN ${upn} is on roll at ${options.schoolName} in Doorstep. Add or import the pupil first` })
    const date = parseDate(cell('date'))
    const session = parseSession(cell('session'))
    if (!date) rowErrors.push({ row, column: 'date', message: cell('date').trim() ? 'The date must be a real date, like 2026-11-02 or 02/11/2026' : 'Enter the date of the session' })
    if (!session) rowErrors.push({ row, column: 'session', message: 'The session must be AM or PM' })
    if (date) {
      if (date > options.today || (date === options.today && session === 'PM' && !options.afternoonStarted)) {
        rowErrors.push({ row, column: 'date', message: `This session (${formatDate(date)}${session ? ` ${session}` : ''}) has not happened yet` })
      } else if (period && (date < period.from || date > period.to)) {
        rowErrors.push({ row, column: 'date', message: `${formatDate(date)} is outside the period being imported (${formatDate(period.from)} to ${formatDate(period.to)})` })
      }
    }
    const code = checkCode(cell('mark'), date ?? options.today)
    if (!code.ok) rowErrors.push({ row, column: 'mark', message: code.message })
    if (rowErrors.length > 0 || !pupilId || !date || !session || !code.ok) {
      errors.push(...rowErrors)
      continue
    }
    const key = `${pupilId}|${date}|${session}`
    const earlier = seen.get(key)
    if (earlier !== undefined) {
      errors.push({ row, column: 'session', message: `Row ${earlier} already has a mark for ${upn} on ${formatDate(date)} ${session}` })
      continue
    }
    seen.set(key, row)
    marks.push({ pupilId, date, session, code: code.code.code })
    pupils.add(pupilId)
    if (!first || date < first) first = date
    if (!last || date > last) last = date
  }
  if (marks.length === 0 && errors.length === 0) errors.push({ row: 2, column: 'file', message: 'The file has no marks under the headers' })
  if (errors.length > 0) return { errors }
  const from = period?.from ?? first!
  const to = period?.to ?? last!
  if (!period && !hasWeekday(from, to)) {
    return { errors: [{ row: 1, column: 'period', message: `The marks run from ${formatDate(from)} to ${formatDate(to)}, which has no school days (Monday to Friday)` }] }
  }
  return { plan: { from, to, marks, pupils: pupils.size }, errors: [] }
}

export type AttendanceImportSummary = { from: string; to: string; marks: number; pupils: number; replaced: number }
export type ImportInput = { csv: string; from?: string; to?: string; source: 'file' | 'paste' | 'api'; fileName?: string }

const londonParts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })

/** Today in the UK and whether it is afternoon there. */
export function ukNow(at: Date): { today: string; afternoonStarted: boolean } {
  const parts = Object.fromEntries(londonParts.formatToParts(at).map((p) => [p.type, p.value]))
  return { today: `${parts.year}-${parts.month}-${parts.day}`, afternoonStarted: Number(parts.hour) >= 12 }
}

/** The period fields: both dates, or neither. */
export function checkPeriod(from: string | undefined, to: string | undefined): { from: string; to: string } | undefined {
  const f = from?.trim() ?? ''
  const t = to?.trim() ?? ''
  if (!f && !t) return undefined
  const problems = []
  const parsedFrom = parseDate(f)
  const parsedTo = parseDate(t)
  if (!parsedFrom) problems.push({ field: 'from', message: f ? 'The start of the period must be a real date, like 2026-09-01' : 'Enter the start of the period, or leave both dates blank' })
  if (!parsedTo) problems.push({ field: 'to', message: t ? 'The end of the period must be a real date, like 2026-12-18' : 'Enter the end of the period, or leave both dates blank' })
  if (problems.length) throw new ValidationError(problems)
  return { from: parsedFrom!, to: parsedTo! }
}

/**
 * Imports a file of marks: all of it in one transaction, or nothing (throws ImportRejected with every row error).
 * Every mark already held for the period is replaced. Each pupil's attendance figure on their record is updated
 * from the marks held (the school year to the last date imported).
 */
export async function importAttendance(pool: Pool, staff: Staff, input: ImportInput, now: Date): Promise<AttendanceImportSummary> {
  if (!holdsAnyRole(staff.roles, attendanceImporters)) throw new ForbiddenError('Only the school office, a school admin, the headteacher or senior leaders can import attendance.')
  const period = checkPeriod(input.from, input.to)
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`attendance-import:${staff.schoolId}`])
    const { rows: pupilRows } = await client.query<{ id: string; upn: string }>(
      'SELECT id, upper(upn) AS upn FROM pupils WHERE school_id = $1 AND upn IS NOT NULL',
      [staff.schoolId],
    )
    const { rows: school } = await client.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [staff.schoolId])
    const checked = planAttendanceImport(input.csv, {
      pupilsByUpn: new Map(pupilRows.map((p) => [p.upn, p.id])),
      ...ukNow(now),
      period,
      schoolName: school[0]?.name ?? 'this school',
    })
    if (!checked.plan) throw new ImportRejected(checked.errors)
    const { plan } = checked
    const deleted = await client.query('DELETE FROM attendance_marks WHERE school_id = $1 AND date BETWEEN $2 AND $3', [staff.schoolId, plan.from, plan.to])
    const replaced = deleted.rowCount ?? 0
    const { rows: created } = await client.query<{ id: string }>(
      `INSERT INTO attendance_imports (school_id, period_from, period_to, marks, pupils, replaced, source, file_name, imported_by, imported_by_name, imported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [staff.schoolId, plan.from, plan.to, plan.marks.length, plan.pupils, replaced, input.source, (input.fileName ?? '').slice(0, 255), staff.actor.userId, staff.actor.name, now],
    )
    const importId = created[0]!.id
    for (let start = 0; start < plan.marks.length; start += 10_000) {
      const chunk = plan.marks.slice(start, start + 10_000)
      await client.query(
        `INSERT INTO attendance_marks (school_id, pupil_id, date, session, code, import_id)
         SELECT $1, p, d, s, c, $2 FROM unnest($3::uuid[], $4::date[], $5::text[], $6::text[]) AS t(p, d, s, c)`,
        [staff.schoolId, importId, chunk.map((m) => m.pupilId), chunk.map((m) => m.date), chunk.map((m) => m.session), chunk.map((m) => m.code)],
      )
    }
    await refreshPupilFigures(client, staff.schoolId, [...new Set(plan.marks.map((m) => m.pupilId))], now)
    const summary = { from: plan.from, to: plan.to, marks: plan.marks.length, pupils: plan.pupils, replaced }
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'attendance.imported',
      subjectType: 'school',
      subjectId: staff.schoolId,
      summary: `Imported ${plan.marks.length} attendance marks for ${plan.pupils} ${plan.pupils === 1 ? 'pupil' : 'pupils'}, ${formatDate(plan.from)} to ${formatDate(plan.to)}${replaced ? `, replacing ${replaced} marks held for that period` : ''}`,
      change: { ...summary, importId, source: input.source, fileName: input.fileName ?? '' },
    }, now)
    return summary
  })
}

/** The attendance figure on each pupil's record (the pupil list, the API): this school year's marks, to the last date held. */
export async function refreshPupilFigures(client: Db, schoolId: string, pupilIds: readonly string[], now: Date): Promise<void> {
  await client.query(
    `WITH latest AS (SELECT pupil_id, max(date) AS as_of FROM attendance_marks WHERE school_id = $1 AND pupil_id = ANY($2::uuid[]) GROUP BY pupil_id),
          year AS (
            SELECT m.pupil_id, l.as_of,
                   count(*) FILTER (WHERE m.code <> ALL($4::text[])) AS possible,
                   count(*) FILTER (WHERE m.code = ANY($5::text[])) AS attended
            FROM attendance_marks m JOIN latest l USING (pupil_id)
            WHERE m.school_id = $1 AND m.date <= l.as_of
              AND m.date >= make_date(extract(year FROM l.as_of - interval '7 months')::int, 8, 1)
            GROUP BY m.pupil_id, l.as_of)
     UPDATE pupils p SET attendance_percent = round(100.0 * y.attended / y.possible, 1), attendance_as_of = y.as_of, updated_at = $3
     FROM year y WHERE p.school_id = $1 AND p.id = y.pupil_id AND y.possible > 0`,
    [schoolId, pupilIds, now, codesWhere((c) => !counts(c).possible), codesWhere((c) => counts(c).attended)],
  )
}
