import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { listAudit } from '../../audit/audit.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { auditViewers } from '../../web/navigation.ts'
import { listStaff } from '../staff/repository.ts'
import { dateBoxes, dateQuery } from '../../web/form-dates.ts'

const PAGE_SIZE = 50
const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date like 25 11 2026')
  .refine(
    (value) => value >= '0001' && !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime()) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'Enter a real date',
  )

const filterForm = z
  .object({
    person: z.union([z.literal(''), z.uuid('Choose a person from the list')]).optional(),
    from: z.union([z.literal(''), isoDate]).optional(),
    to: z.union([z.literal(''), isoDate]).optional(),
    page: z.coerce
      .number({ error: 'Enter a page number' })
      .int('Enter a page number')
      .min(1, 'Enter a page number of 1 or more')
      .max(100_000, 'Enter a page number of 100000 or less')
      .optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ['to'], message: 'The end date must be the same as or after the start date' })

/** R-CONF-1: the whole history, pupils, families and visits included (docs/decisions/0010). */
const wholeHistoryReaders = ['headteacher', 'dsl'] as const satisfies readonly SchoolRole[]
/** What a school admin's history shows: their own work — staff accounts, readiness, calendar links, the policy, the school. */
const staffHistorySubjects = ['user', 'api_token', 'staff_training', 'vehicle', 'calendar_feed', 'policy_version', 'school', 'organisation']

export function registerAuditRoutes(app: FastifyInstance): void {
  const { pool } = app.deps
  app.get('/audit', { config: { access: { roles: auditViewers } } }, async (request, reply) => {
    const school = schoolOf(request)
    const staff = await listStaff(pool, school.id)
    const staffHistoryOnly = !holdsAnyRole(school.roles, wholeHistoryReaders)
    // The dates come from GOV.UK date inputs (from-day …), or as YYYY-MM-DD from the page links.
    const typed = { from: dateQuery(request.query, 'from'), to: dateQuery(request.query, 'to') }
    const form = parseForm(filterForm, { ...(request.query as Record<string, unknown>), ...typed })
    const query = { ...(request.query as Record<string, string | undefined>), ...typed }
    const boxes = { from: dateBoxes(request.query, 'from', typed.from), to: dateBoxes(request.query, 'to', typed.to) }
    if (!form.ok) {
      return reply.status(400).page('audit/views/audit.njk', { title: 'History', staff, staffHistoryOnly, filter: query, boxes, rows: [], total: 0, ...errorView(form.errors) })
    }
    const page = form.data.page ?? 1
    const { rows, total } = await listAudit(pool, school.id, {
      actorUserId: form.data.person || undefined,
      from: form.data.from || undefined,
      to: form.data.to || undefined,
      ...(staffHistoryOnly ? { subjectTypes: staffHistorySubjects } : {}),
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    })
    const params = new URLSearchParams({ person: form.data.person ?? '', from: form.data.from ?? '', to: form.data.to ?? '' })
    return reply.page('audit/views/audit.njk', {
      title: 'History',
      staff,
      staffHistoryOnly,
      filter: query,
      boxes,
      rows,
      total,
      page,
      previousHref: page > 1 ? `/audit?${params}&page=${page - 1}` : undefined,
      nextHref: page * PAGE_SIZE < total ? `/audit?${params}&page=${page + 1}` : undefined,
    })
  })
}
