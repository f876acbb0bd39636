import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { errorView } from '../../web/forms.ts'
import { seeAllVisits, viewerOf, visitUsers } from '../visits/service.ts'
import { mondayOf, weekAgenda } from './agenda.ts'
import { NotFoundError } from '../../web/errors.ts'
import { doneFlash } from '../../web/flash.ts'
import { staffOf } from '../pupils/service.ts'
import type { FeedKind } from './repository.ts'
import { calendarPage, calendarPageRoles, createFeed, feedCalendar, officeFeedManagers, personalFeedHolders, revokeFeed } from './service.ts'

/** Calendar feeds (R-ITIN-1): the page that makes and stops them, and the secret .ics URL itself. */
export function registerCalendarRoutes(app: FastifyInstance): void {
  const { pool, clock, config } = app.deps

  const doneMessages: Record<string, string> = {
    'personal-revoked': 'Your calendar link has been stopped. Calendars using it no longer get your visits.',
    'office-revoked': 'The office calendar link has been stopped. Calendars using it no longer get the school’s visits.',
    'nothing-revoked': 'There was no link to stop.',
  }

  const page = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const state = await calendarPage(pool, staffOf(request), clock())
    // The week's visits (issue 10 §6), for anyone who may see visits; ?week= any day of another week.
    const week = (request.query as Record<string, unknown> | undefined)?.week
    const monday = mondayOf(typeof week === 'string' && week !== '' ? week : undefined, clock())
    const viewer = viewerOf(request)
    const agenda = monday && holdsAnyRole(viewer.roles, visitUsers) ? await weekAgenda(pool, viewer, schoolOf(request).id, monday) : null
    return reply.status(monday ? 200 : 400).page('calendar/views/calendar.njk', {
      title: 'Calendar',
      ...state,
      agenda,
      seesAllVisits: holdsAnyRole(viewer.roles, seeAllVisits),
      flash: doneFlash(request, doneMessages),
      ...(monday ? {} : errorView([{ field: 'week', message: 'Choose a week from the links: that is not a real date, like 2026-11-30' }], () => 'agenda')),
      ...extra,
    })
  }

  app.get('/calendar', { config: { access: { roles: calendarPageRoles } } }, async (request, reply) => page(request, reply))

  const routes: Array<{ kind: FeedKind; roles: readonly SchoolRole[] }> = [
    { kind: 'personal', roles: personalFeedHolders },
    { kind: 'office', roles: officeFeedManagers },
  ]
  for (const { kind, roles } of routes) {
    app.post(`/calendar/${kind}`, { config: { access: { roles } } }, async (request, reply) => {
      const created = await createFeed(pool, staffOf(request), kind, config.publicUrl, clock())
      return page(request, reply, { newFeed: { kind, url: created.url, webcal: created.url.replace(/^https?:/, 'webcal:'), replaced: created.replaced } })
    })
    app.post(`/calendar/${kind}/revoke`, { config: { access: { roles } } }, async (request, reply) => {
      const revoked = await revokeFeed(pool, staffOf(request), kind, clock())
      return reply.redirect(`/calendar?done=${revoked ? `${kind}-revoked` : 'nothing-revoked'}`, 303)
    })
  }

  // The secret URL a calendar app subscribes to. Public: the token is the credential.
  app.get<{ Params: { token: string } }>(
    '/calendar/feeds/:token.ics',
    { config: { access: 'public', rateLimit: { max: 120, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const text = await feedCalendar(pool, request.params.token, config.publicUrl, clock())
      if (text === undefined) throw new NotFoundError('There is no calendar at this address. It may have been stopped: ask for a new link on the Calendar page in Doorstep.')
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', 'inline; filename="doorstep-visits.ics"')
        .header('x-robots-tag', 'noindex')
        .send(text)
    },
  )
}
