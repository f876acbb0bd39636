import type { FastifyInstance, FastifyRequest } from 'fastify'
import { formatDate } from '../../domain/dates.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { ValidationError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { dateBoxes, dateQuery } from '../../web/form-dates.ts'
import { runList, runListCsv, runListQuery, runListReaders, todayIn } from './service.ts'

/** The day's run list (R-LIST-1): a printable page, and the same as CSV. */
export function registerRunListRoutes(app: FastifyInstance): void {
  // Not in the menu (it fits on one line at 1280 px, issue 10 §4): the Visits page links to it.
  const { pool, clock } = app.deps
  const access = { roles: runListReaders }

  const dayOf = (request: FastifyRequest) => {
    const form = parseForm(runListQuery, { date: dateQuery(request.query, 'date') })
    return form.ok ? { ok: true as const, date: form.data.date || todayIn(clock()) } : { ok: false as const, errors: form.errors }
  }

  const shiftDay = (date: string, days: number) => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

  app.get('/visits/run-list', { config: { access } }, async (request, reply) => {
    const day = dayOf(request)
    if (!day.ok) {
      const typed = dateQuery(request.query, 'date') ?? ''
      return reply.status(400).page('run-list/views/run-list.njk', { title: 'Run list', date: typed, boxes: dateBoxes(request.query, 'date', typed), visits: null, ...errorView(day.errors) })
    }
    const visits = await runList(pool, schoolOf(request).id, day.date)
    const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'UTC' }).format(new Date(`${day.date}T12:00:00Z`))
    return reply.page('run-list/views/run-list.njk', {
      title: `Run list for ${weekday} ${formatDate(day.date)}`,
      heading: `${weekday} ${formatDate(day.date)}`,
      date: day.date,
      boxes: dateBoxes({}, 'date', day.date),
      previous: shiftDay(day.date, -1),
      next: shiftDay(day.date, 1),
      visits,
    })
  })

  app.get('/visits/run-list.csv', { config: { access } }, async (request, reply) => {
    const day = dayOf(request)
    if (!day.ok) throw new ValidationError(day.errors)
    const visits = await runList(pool, schoolOf(request).id, day.date)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="run-list-${day.date}.csv"`)
      .send(runListCsv(day.date, visits))
  })
}
