import type { FastifyInstance, FastifyRequest } from 'fastify'
import { attendanceCodes, categoryLabels } from '../../domain/attendance-codes.ts'
import { PENALTY_SESSIONS, PENALTY_WEEKS, PERSISTENT_MISSED_PERCENT, SEVERE_MISSED_PERCENT, type Referral } from '../../domain/attendance.ts'
import { formatDate } from '../../domain/dates.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import type { Db } from '../../db/pool.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { ValidationError } from '../../web/errors.ts'
import { errorView } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { MAX_UPLOAD_BYTES, UploadedFile } from '../../web/uploads.ts'
import { ImportRejected } from '../pupils/import.ts'
import { staffOf, type Staff } from '../pupils/service.ts'
import { attendanceFlagReaders, attendanceImporters } from './access.ts'
import { registerAttendanceApi } from './api.ts'
import { barChart, shortMonth } from './chart.ts'
import { attendanceColumns, ignoredColumns, importAttendance, MAX_ATTENDANCE_ROWS, MAX_LISTED_ERRORS, notCsvReason } from './import.ts'
import { listImports } from './repository.ts'
import { pupilAttendance, schoolFlags } from './service.ts'

const view = (name: string) => `attendance/views/${name}.njk`

/** The policy's referral rule in words, for the pages: the same setting the policy document is written from. */
export function referralText(referral: Referral): string {
  if (!referral) return 'The school’s policy sets no attendance rule for notifying the local authority; the national flags still apply.'
  const period = `${referral.windowMonths} months`
  const parts = [referral.belowPercent !== null && `falls below ${referral.belowPercent}% over ${period}`, referral.fallingTrend && `keeps falling month on month over ${period}`].filter(Boolean)
  return `The school’s policy: a pupil whose attendance ${parts.join(' or ')} is flagged so that the local authority can be notified.`
}

export const nationalText = `National rules (DfE, August 2024), over the school year so far: missing ${PERSISTENT_MISSED_PERCENT}% or more of possible sessions is persistent absence, ${SEVERE_MISSED_PERCENT}% or more severe absence; ${PENALTY_SESSIONS} unauthorised sessions within a rolling ${PENALTY_WEEKS} school weeks means a penalty notice must be considered, after a Notice to Improve.`

/** The attendance section of a pupil's page (R-ATT-1): chart, table and, for the attendance lead and DSL team, the flags. */
export async function pupilAttendanceSection(db: Db, staff: Pick<Staff, 'schoolId' | 'roles'>, pupilId: string, at: Date) {
  const figures = await pupilAttendance(db, staff.schoolId, pupilId, at)
  if (!figures) return { hasMarks: false as const }
  const threshold = figures.referral?.belowPercent
  const chart = barChart({
    id: `attendance-${pupilId}`,
    title: `Attendance by month, as a percentage of possible sessions, to ${formatDate(figures.asOf)}`,
    max: 100,
    bars: figures.months.map((m) => ({ label: shortMonth(m.label), value: m.percent, text: `${m.percent}%` })),
    lines: [
      { value: 100 - PERSISTENT_MISSED_PERCENT, label: 'Persistent absence below 90%' },
      ...(threshold ? [{ value: threshold, label: `Policy threshold ${threshold}%` }] : []),
    ],
  })
  return { hasMarks: true as const, ...figures, chart, mayReadFlags: holdsAnyRole(staff.roles, attendanceFlagReaders), referralText: referralText(figures.referral), beside: await besideAttendance(db, staff.schoolId, pupilId) }
}

/** What sits beside the pupil's attendance (issue 11 point 3): how many visits, agreements and letters, linking to them on the page. */
async function besideAttendance(db: Db, schoolId: string, pupilId: string) {
  const { rows } = await db.query<{ visits: number; lastVisit: Date | null; agreements: number; openAgreements: number; letters: number; lastLetter: Date | null }>(
    `SELECT (SELECT count(*)::int FROM visits v JOIN visit_pupils vp ON vp.school_id = v.school_id AND vp.visit_id = v.id
              WHERE v.school_id = $1 AND vp.pupil_id = $2 AND v.status = 'completed') AS visits,
            (SELECT max(coalesce(v.arrived_at, v.planned_start)) FROM visits v JOIN visit_pupils vp ON vp.school_id = v.school_id AND vp.visit_id = v.id
              WHERE v.school_id = $1 AND vp.pupil_id = $2 AND v.status = 'completed') AS "lastVisit",
            (SELECT count(*)::int FROM agreements a WHERE a.school_id = $1 AND a.pupil_id = $2) AS agreements,
            (SELECT count(*)::int FROM agreements a WHERE a.school_id = $1 AND a.pupil_id = $2 AND a.status = 'open') AS "openAgreements",
            (SELECT count(*)::int FROM letters l JOIN agreements a ON a.school_id = l.school_id AND a.id = l.agreement_id WHERE l.school_id = $1 AND a.pupil_id = $2) AS letters,
            (SELECT max(l.produced_at) FROM letters l JOIN agreements a ON a.school_id = l.school_id AND a.id = l.agreement_id WHERE l.school_id = $1 AND a.pupil_id = $2) AS "lastLetter"`,
    [schoolId, pupilId],
  )
  return rows[0]!
}

export function registerAttendanceRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/attendance', text: 'Attendance', roles: attendanceFlagReaders, group: 'reports', description: 'Pupils flagged by the policy’s and the national attendance rules, each with why.' })
  addNavigation({ href: '/attendance/import', text: 'Import attendance', roles: ['office', 'school_admin'], group: 'reports', description: 'Session marks from your MIS export (CSV).' })
  const { pool, clock } = app.deps
  registerAttendanceApi(app)

  // ------------------------------------------------------------ the flagged pupils (R-ATT-1)
  app.get('/attendance', { config: { access: { roles: attendanceFlagReaders } } }, async (request, reply) => {
    const school = schoolOf(request)
    const flags = await schoolFlags(pool, school.id, clock())
    return reply.page(view('flags'), {
      title: 'Attendance',
      flags,
      referralText: referralText(flags.referral),
      nationalText,
      imports: await listImports(pool, school.id, 5),
      mayImport: holdsAnyRole(school.roles, attendanceImporters),
    })
  })

  // ------------------------------------------------------------ importing marks: a file, or pasted
  const importContext = (request: FastifyRequest, extra: Record<string, unknown>) => ({
    title: 'Import attendance',
    columns: attendanceColumns,
    ignoredColumns,
    codes: attendanceCodes.map((c) => ({ ...c, categoryLabel: categoryLabels[c.category] })),
    maxRows: MAX_ATTENDANCE_ROWS,
    mayReadFlags: holdsAnyRole(schoolOf(request).roles, attendanceFlagReaders),
    values: {},
    ...extra,
  })

  app.get('/attendance/import', { config: { access: { roles: attendanceImporters } } }, async (request, reply) => reply.page(view('import'), importContext(request, {})))

  // The page takes an uploaded file (multipart, src/web/uploads.ts) or a pasted one (urlencoded).
  app.post('/attendance/import', { config: { access: { roles: attendanceImporters } }, bodyLimit: MAX_UPLOAD_BYTES + 64 * 1024 }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '')
      const upload = body.file instanceof UploadedFile && body.file.size > 0 ? body.file : undefined
      const hasFile = upload !== undefined
      const pasted = text('csv')
      const values = { csv: pasted, from: text('from'), to: text('to') }
      const fail = (errors: Array<{ field: string; message: string }>) => reply.status(400).page(view('import'), importContext(request, { values, ...errorView(errors) }))
      if (!hasFile && pasted.trim() === '') return fail([{ field: 'file', message: 'Choose the CSV file exported from your MIS, or paste it below' }])
      if (hasFile && pasted.trim() !== '') return fail([{ field: 'file', message: 'Upload a file or paste one, not both' }])
      let csv = pasted
      if (hasFile) {
        const reason = notCsvReason(upload!.bytes())
        if (reason) return fail([{ field: 'file', message: reason }])
        csv = upload!.bytes().toString('utf8')
      }
      try {
        const result = await importAttendance(pool, staffOf(request), { csv, from: values.from, to: values.to, source: hasFile ? 'file' : 'paste', fileName: upload?.filename }, clock())
        return reply.page(view('import-done'), { title: 'Attendance imported', result, mayReadFlags: holdsAnyRole(schoolOf(request).roles, attendanceFlagReaders) })
      } catch (error) {
        if (error instanceof ImportRejected) {
          const rowErrors = error.rowErrors
          const rowsAffected = new Set(rowErrors.map((e) => e.row)).size
          return reply.status(400).page(view('import'), importContext(request, {
            values: hasFile ? { ...values, csv: '' } : values,
            rowErrors: rowErrors.slice(0, MAX_LISTED_ERRORS),
            moreErrors: Math.max(0, rowErrors.length - MAX_LISTED_ERRORS),
            errorList: [{ text: `${error.message} ${rowErrors.length === 1 ? '' : `The problems are in ${rowsAffected} ${rowsAffected === 1 ? 'row' : 'rows'}.`} Fix them and import the whole file again.`.replace(/\s+/g, ' '), href: '#row-errors' }],
            fieldErrors: { [hasFile ? 'file' : 'csv']: { text: 'Fix the problems listed in the table, then import again' } },
          }))
        }
        if (error instanceof ValidationError) return fail(error.fieldErrors)
        throw error
      }
    })
}
