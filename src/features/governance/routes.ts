import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '../../db/pool.ts'
import { choosePeriod, recentTerms, type Period } from '../../domain/report-period.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { ForbiddenError, ValidationError } from '../../web/errors.ts'
import { errorView } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { barChart } from '../attendance/chart.ts'
import { ukToday } from '../pupils/service.ts'
import { renderReportPdf } from './pdf.ts'
import { registerReviewRoutes } from './review.ts'
import { governorsReport, reportCsvHeader, reportRows, type Report } from './service.ts'

/** R-GOV-3: governors, and the senior staff and admins who prepare their reports. Counts only, no names. */
export const reportReaders = ['governor', 'headteacher', 'associate_head', 'dsl', 'slt', 'school_admin'] as const satisfies readonly SchoolRole[]
/** Side by side across schools: a trust or local authority admin (who acts as each school's admin). */
export const organisationReportReaders = ['school_admin'] as const satisfies readonly SchoolRole[]

const view = (name: string) => `governance/views/${name}.njk`
type Q = { term?: string; from?: string; to?: string }
const queryOf = (request: FastifyRequest): Q => {
  const q = request.query as Record<string, unknown>
  const text = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : undefined)
  return { term: text('term'), from: text('from'), to: text('to') }
}
/** RFC 4180 with CRLF and a byte order mark; a cell a spreadsheet would take for a formula starts with an apostrophe. */
function toCsv(rows: readonly string[][]): string {
  const cell = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replaceAll('"', '""')}"`
  return `\uFEFF${rows.map((cells) => cells.map(cell).join(',')).join('\r\n')}\r\n`
}
const fileStem = (period: Period) => `governors-report-${period.from}-to-${period.to}`

/** Each section's chart as server-drawn SVG, beside its tables. */
function withCharts(report: Report) {
  return {
    ...report,
    sections: report.sections.map((section, index) => ({
      ...section,
      svg: section.chart
        ? barChart({ id: `chart-${report.schoolId.slice(0, 8)}-${index}`, title: section.chart.title, max: section.chart.percent ? 100 : undefined, bars: section.chart.bars.map((b) => ({ label: b.label.length > 12 ? `${b.label.slice(0, 11)}…` : b.label, value: b.value, text: `${b.value}${section.chart!.percent ? '%' : ''}` })) })
        : undefined,
    })),
  }
}

/** The organisations this person administers, with their schools. */
async function administeredSchools(db: Db, userId: string): Promise<Array<{ organisation: string; schools: Array<{ id: string; name: string }> }>> {
  const { rows } = await db.query<{ organisation: string; id: string; name: string }>(
    `SELECT o.name AS organisation, s.id, s.name FROM organisation_admins oa JOIN organisations o ON o.id = oa.organisation_id
     JOIN schools s ON s.organisation_id = o.id WHERE oa.user_id = $1 ORDER BY o.name, s.name, s.id`,
    [userId],
  )
  const byOrganisation = new Map<string, Array<{ id: string; name: string }>>()
  for (const row of rows) byOrganisation.set(row.organisation, [...(byOrganisation.get(row.organisation) ?? []), { id: row.id, name: row.name }])
  return [...byOrganisation.entries()].map(([organisation, schools]) => ({ organisation, schools: schools.sort((a, b) => a.name.localeCompare(b.name)) }))
}

export function registerGovernanceRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/reports/governors', text: 'Governors’ report', roles: reportReaders, group: 'reports', description: 'Visits, cancellations, check-ins, escalations, compliance and attendance for a term, without names.' })
  const { pool, clock } = app.deps
  registerReviewRoutes(app)

  const periodPage = (request: FastifyRequest) => {
    const today = ukToday(clock())
    const query = queryOf(request)
    return { today, query, choice: choosePeriod(query, today), terms: recentTerms(today) }
  }
  const formContext = (query: Q, terms: ReturnType<typeof recentTerms>, period?: Period) => ({
    values: { term: period?.termId ?? query.term ?? '', from: query.from ?? '', to: query.to ?? '' },
    termItems: terms.map((t) => ({ value: t.termId, text: t.label, selected: t.termId === (period?.termId ?? query.term) })),
  })
  const queryString = (period: Period) => (period.termId ? `?term=${period.termId}` : `?${new URLSearchParams({ from: period.from, to: period.to })}`)

  app.get('/reports/governors', { config: { access: { roles: reportReaders } } }, async (request, reply) => {
    const school = schoolOf(request)
    const { query, choice, terms } = periodPage(request)
    if (!choice.ok) return reply.status(400).page(view('report'), { title: 'Governors’ report', ...formContext(query, terms), ...errorView(choice.errors) })
    const report = await governorsReport(pool, school, choice.period, clock())
    const organisations = await administeredSchools(pool, request.principal!.user.id)
    return reply.page(view('report'), {
      title: `Governors’ report: ${choice.period.label}`,
      report: withCharts(report),
      ...formContext(query, terms, choice.period),
      pdfHref: `/reports/governors.pdf${queryString(choice.period)}`,
      csvHref: `/reports/governors.csv${queryString(choice.period)}`,
      acrossHref: organisations.length ? `/reports/governors/schools${queryString(choice.period)}` : undefined,
    })
  })

  app.get('/reports/governors.pdf', { config: { access: { roles: reportReaders } } }, async (request, reply) => {
    const { choice } = periodPage(request)
    if (!choice.ok) throw new ValidationError(choice.errors)
    const report = await governorsReport(pool, schoolOf(request), choice.period, clock())
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${fileStem(choice.period)}.pdf"`).send(await renderReportPdf(report))
  })

  app.get('/reports/governors.csv', { config: { access: { roles: reportReaders } } }, async (request, reply) => {
    const { choice } = periodPage(request)
    if (!choice.ok) throw new ValidationError(choice.errors)
    const report = await governorsReport(pool, schoolOf(request), choice.period, clock())
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileStem(choice.period)}.csv"`).send(toCsv([reportCsvHeader, ...reportRows(report)]))
  })

  // ------------------------------------------------------------ a trust's or local authority's schools, side by side
  const organisationsOf = async (request: FastifyRequest) => {
    const organisations = await administeredSchools(pool, request.principal!.user.id)
    if (organisations.length === 0) throw new ForbiddenError('Only a trust or local authority admin sees its schools’ reports side by side.')
    return organisations
  }
  const reportsFor = async (organisations: Awaited<ReturnType<typeof administeredSchools>>, period: Period) => {
    const reports: Report[] = []
    for (const school of organisations.flatMap((o) => o.schools)) reports.push(await governorsReport(pool, school, period, clock()))
    return reports
  }

  app.get('/reports/governors/schools', { config: { access: { roles: organisationReportReaders } } }, async (request, reply) => {
    const organisations = await organisationsOf(request)
    const { query, choice, terms } = periodPage(request)
    if (!choice.ok) return reply.status(400).page(view('schools'), { title: 'Governors’ reports side by side', ...formContext(query, terms), ...errorView(choice.errors) })
    const reports = await reportsFor(organisations, choice.period)
    const first = reports[0]!
    // One table per table of the report: its items down the side, the schools across, the first measure in each cell.
    const sections = first.sections.map((section, s) => ({
      heading: section.heading,
      tables: section.tables.map((table, t) => {
        const items = [...new Set(reports.flatMap((r) => r.sections[s]!.tables[t]!.rows.map((row) => String(row[0]))))]
        return {
          caption: `${table.caption}: ${table.head[1] ?? ''}`.toLowerCase().replace(/^./, (c) => c.toUpperCase()),
          items: items.map((item) => ({ item, values: reports.map((r) => String(r.sections[s]!.tables[t]!.rows.find((row) => String(row[0]) === item)?.[1] ?? '–')) })),
        }
      }),
    }))
    const visitsChart = barChart({ id: 'chart-schools-visits', title: 'Visits planned in the period, by school', bars: reports.map((r) => ({ label: r.schoolName.length > 12 ? `${r.schoolName.slice(0, 11)}…` : r.schoolName, value: r.sections[0]!.tables[0]!.rows.reduce((sum, row) => sum + Number(row[1]), 0) })) })
    return reply.page(view('schools'), {
      title: `Governors’ reports side by side: ${choice.period.label}`,
      period: choice.period,
      organisations,
      schools: reports.map((r) => r.schoolName),
      sections,
      visitsChart,
      ...formContext(query, terms, choice.period),
      csvHref: `/reports/governors/schools.csv${queryString(choice.period)}`,
    })
  })

  app.get('/reports/governors/schools.csv', { config: { access: { roles: organisationReportReaders } } }, async (request, reply) => {
    const organisations = await organisationsOf(request)
    const { choice } = periodPage(request)
    if (!choice.ok) throw new ValidationError(choice.errors)
    const reports = await reportsFor(organisations, choice.period)
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileStem(choice.period)}-schools.csv"`).send(toCsv([reportCsvHeader, ...reports.flatMap(reportRows)]))
  })
}
