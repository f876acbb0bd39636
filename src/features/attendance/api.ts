import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { defineApi } from '../../web/api.ts'
import { ValidationError } from '../../web/errors.ts'
import { staffOf } from '../pupils/service.ts'
import { attendanceFlagReaders, attendanceImporters } from './access.ts'
import { importAttendance, MAX_ATTENDANCE_ROWS } from './import.ts'
import { schoolFlags } from './service.ts'

const schoolParams = z.object({ schoolId: z.uuid() })
const flagKinds = ['policy_below', 'policy_falling', 'severe', 'persistent', 'penalty_notice'] as const

/** R-ATT-1 over the API: the same import and the same flags as the pages. */
export function registerAttendanceApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (_request, body, done) => done(null, body))
  }

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/attendance/import',
    summary: `Import session attendance marks from a MIS export (columns UPN, Date, Session, Mark): send text/csv with ?from=&to= for the period, or JSON { "csv", "from", "to" }. The period defaults to the first to the last date in the file; its marks are replaced. All rows or none; at most ${MAX_ATTENDANCE_ROWS} marks`,
    tag: 'Attendance',
    access: { roles: attendanceImporters },
    params: schoolParams,
    query: z.object({ from: z.string().optional(), to: z.string().optional() }),
    body: z.union([z.string(), z.object({ csv: z.string(), from: z.string().optional(), to: z.string().optional() })], { error: 'Send the CSV file as text/csv, or as JSON { "csv": "…", "from": "2026-09-01", "to": "2026-12-18" }' }),
    response: z.object({ from: z.string(), to: z.string(), marks: z.number().int(), pupils: z.number().int(), replaced: z.number().int() }),
    status: 201,
    handler: async ({ request, body, query }) => {
      const csv = typeof body === 'string' ? body : body.csv
      if (csv.trim() === '') throw new ValidationError([{ field: 'csv', message: 'The file is empty: send the CSV exported from your MIS' }])
      const from = typeof body === 'string' ? query.from : (body.from ?? query.from)
      const to = typeof body === 'string' ? query.to : (body.to ?? query.to)
      return importAttendance(pool, staffOf(request), { csv, from, to, source: 'api' }, clock())
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/attendance/flags',
    summary: 'Pupils flagged by their attendance (the policy’s rule and the national ones), each flag with why, as of the last day imported',
    tag: 'Attendance',
    access: { roles: attendanceFlagReaders },
    params: schoolParams,
    response: z.object({
      asOf: z.string().nullable(),
      pupils: z.array(z.object({
        pupilId: z.string(),
        name: z.string(),
        yearGroup: z.string(),
        upn: z.string().nullable(),
        attendancePercent: z.number().nullable(),
        possibleSessions: z.number().int(),
        flags: z.array(z.object({ kind: z.enum(flagKinds), title: z.string(), why: z.string() })),
      })),
    }),
    handler: async ({ request }) => {
      const flags = await schoolFlags(pool, staffOf(request).schoolId, clock())
      return {
        asOf: flags.asOf ?? null,
        pupils: flags.pupils.map((p) => ({ pupilId: p.pupil.id, name: p.pupil.name, yearGroup: p.pupil.yearGroup, upn: p.pupil.upn, attendancePercent: p.year.percent, possibleSessions: p.year.possible, flags: p.flags })),
      }
    },
  })
}
