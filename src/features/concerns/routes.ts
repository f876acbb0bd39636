import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import { describeRoles } from '../../domain/roles.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { doneFlash } from '../../web/flash.ts'
import { HttpError, ValidationError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { londonTime } from '../../domain/hours.ts'
import { viewerOf } from '../visits/service.ts'
import { registerConcernApi } from './api.ts'
import {
  closeConcernInput,
  concernActionFromForm,
  concernActionInput,
  concernActionKinds,
  concernCategories,
  concernFromForm,
  concernInput,
  concernKinds,
  fieldAnchor,
  incidentFromForm,
  incidentInput,
  incidentKinds,
  riskReviewInput,
} from './schema.ts'
import {
  closeConcern,
  concernRaisers,
  concernReaders,
  concernsFor,
  concernsRaisedBy,
  describeDelay,
  incidentContext,
  incidentReaders,
  incidentsFor,
  pupilsForConcern,
  raiseConcern,
  recordConcernAction,
  recordIncident,
  recordRiskReview,
  riskReviewers,
  viewConcern,
  viewIncident,
  type ConcernPlace,
} from './service.ts'

/**
 * Safeguarding concerns (R-SAFE-1, R-ALERT-3) and incidents (R-INC-1, R-FAMILY-3, R-RISK-4) in the browser.
 * Raising: /visits/:visitId/concerns/new (during or after a visit) and /pupils/:pupilId/concerns/new.
 * The same service functions and schemas as the API (api.ts).
 */

type V = { Params: { visitId: string } }
type P = { Params: { pupilId: string } }
type C = { Params: { concernId: string } }
type I = { Params: { incidentId: string } }

const view = (name: string) => `concerns/views/${name}.njk`

const messages = {
  raised: 'Sent to the DSL. The safeguarding team have been told.',
  recorded: 'Recorded.',
  closed: 'The concern is closed.',
  reported: 'Incident reported.',
  reviewed: 'Review recorded.',
}

/** A date and time as the form's boxes: "now", to start from. */
function nowFields(name: string, now: Date): Record<string, string> {
  const { date, time } = londonTime(now)
  const [year, month, day] = date.split('-')
  return { [`${name}-day`]: String(Number(day)), [`${name}-month`]: String(Number(month)), [`${name}-year`]: year!, [`${name}-time`]: time }
}

function parsed<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = parseForm(schema, body)
  if (!result.ok) throw new ValidationError(result.errors)
  return result.data
}

/** Runs a form's work; a refusal the user can fix re-renders the form with the GOV.UK error summary (status 400/409). */
async function formAction(reply: FastifyReply, work: () => Promise<string>, again: (extra: Record<string, unknown>, status: number) => Promise<unknown>, idFor = fieldAnchor, field = 'form') {
  let to: string
  try {
    to = await work()
  } catch (error) {
    if (error instanceof HttpError && (error.status === 400 || error.status === 409)) {
      const errors: FieldError[] = error instanceof ValidationError ? error.fieldErrors : [{ field, message: error.message }]
      return again(errorView(errors, idFor), error.status)
    }
    throw error
  }
  return reply.redirect(to, 303)
}

export function registerConcernRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  // ------------------------------------------------------------ raising a concern
  const concernForm = async (request: FastifyRequest, reply: FastifyReply, place: ConcernPlace, values: Record<string, unknown>, extra: Record<string, unknown> = {}, status = 200) => {
    const { visit, pupils } = await pupilsForConcern(pool, viewerOf(request), schoolOf(request).id, place)
    const base = 'visitId' in place ? `/visits/${place.visitId}` : `/pupils/${place.pupilId}`
    return reply.status(status).page(view('concern-form'), {
      title: 'Raise a safeguarding concern',
      caption: visit ? `Home visit: ${pupils.map((p) => p.name).join(', ')}` : pupils[0]?.name,
      action: `${base}/concerns/new`,
      backHref: visit && visit.status === 'in_progress' ? `${base}/live` : base,
      pupils,
      kinds: concernKinds,
      categories: concernCategories,
      values: { pupilIds: pupils.length === 1 ? [pupils[0]!.id] : [], ...nowFields('happenedAt', clock()), ...values },
      ...extra,
    })
  }
  const postConcern = async (request: FastifyRequest, reply: FastifyReply, place: ConcernPlace) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return formAction(
      reply,
      async () => {
        const id = await raiseConcern(pool, viewerOf(request), schoolOf(request).id, place, parsed(concernInput, concernFromForm(body)), clock())
        return `/concerns/${id}?done=raised`
      },
      (extra, status) => concernForm(request, reply, place, { ...body, pupilIds: [body.pupilIds ?? []].flat() }, extra, status),
    )
  }
  const raise = { config: { access: { roles: concernRaisers } } }
  app.get<V>('/visits/:visitId/concerns/new', raise, async (request, reply) => concernForm(request, reply, { visitId: request.params.visitId }, {}))
  app.post<V>('/visits/:visitId/concerns/new', raise, async (request, reply) => postConcern(request, reply, { visitId: request.params.visitId }))
  app.get<P>('/pupils/:pupilId/concerns/new', raise, async (request, reply) => concernForm(request, reply, { pupilId: request.params.pupilId }, {}))
  app.post<P>('/pupils/:pupilId/concerns/new', raise, async (request, reply) => postConcern(request, reply, { pupilId: request.params.pupilId }))

  // ------------------------------------------------------------ reading and acting on concerns
  const readers = { config: { access: { roles: concernReaders } } }
  app.get('/concerns', readers, async (request, reply) => {
    const status = (request.query as { status?: unknown }).status
    const filter = status === 'open' || status === 'closed' ? status : undefined
    const concerns = await concernsFor(pool, viewerOf(request), schoolOf(request).id, { status: filter }, 'page', clock())
    return reply.page(view('concerns'), { title: 'Safeguarding concerns', concerns, categories: concernCategories, status: filter ?? '' })
  })
  app.get('/concerns/yours', raise, async (request, reply) => {
    const concerns = await concernsRaisedBy(pool, viewerOf(request), schoolOf(request).id)
    return reply.page(view('yours'), { title: 'Concerns you raised', concerns, categories: concernCategories })
  })

  const concernPage = async (request: FastifyRequest<C>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const seen = await viewConcern(pool, viewerOf(request), schoolOf(request).id, request.params.concernId, 'page', clock())
    return reply.status(status).page(view('concern'), {
      title: seen.full ? `Safeguarding concern: ${seen.concern.pupils.map((p) => p.name).join(', ')}` : 'A concern you raised',
      full: seen.full,
      concern: seen.concern,
      categories: concernCategories,
      actionKinds: concernActionKinds,
      flash: doneFlash(request, messages),
      values: nowFields('doneAt', clock()),
      ...extra,
    })
  }
  app.get<C>('/concerns/:concernId', raise, async (request, reply) => concernPage(request, reply))
  app.post<C>('/concerns/:concernId/actions', readers, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return formAction(
      reply,
      async () => {
        await recordConcernAction(pool, viewerOf(request), schoolOf(request).id, request.params.concernId, parsed(concernActionInput, concernActionFromForm(body)), clock())
        return `/concerns/${request.params.concernId}?done=recorded#actions`
      },
      (extra, status) => concernPage(request, reply, { ...extra, values: body }, status),
      fieldAnchor,
      'kind',
    )
  })
  app.post<C>('/concerns/:concernId/close', readers, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return formAction(
      reply,
      async () => {
        await closeConcern(pool, viewerOf(request), schoolOf(request).id, request.params.concernId, parsed(closeConcernInput, { outcome: body.outcome }), clock())
        return `/concerns/${request.params.concernId}?done=closed`
      },
      (extra, status) => {
        // The close form's box is "closeOutcome" on the page (the action form has its own "outcome").
        const fieldErrors = extra.fieldErrors as Record<string, unknown>
        const errorList = (extra.errorList as Array<{ text: string; href: string }>).map((e) => ({ ...e, href: e.href === '#outcome' ? '#closeOutcome' : e.href }))
        return concernPage(request, reply, { errorList, fieldErrors: { closeOutcome: fieldErrors.outcome ?? fieldErrors.form }, values: { ...nowFields('doneAt', clock()), closeOutcome: body.outcome } }, status)
      },
      fieldAnchor,
      'outcome',
    )
  })

  // ------------------------------------------------------------ incidents
  const incidentForm = async (request: FastifyRequest<V>, reply: FastifyReply, values: Record<string, unknown>, extra: Record<string, unknown> = {}, status = 200) => {
    const { visit, adults } = await incidentContext(pool, viewerOf(request), schoolOf(request).id, request.params.visitId)
    const since = visit.plannedStart && visit.plannedStart < clock() ? describeDelay(visit.plannedStart, clock()) : null
    const roles = visit.policy.reporting.incidentsTo
    return reply.status(status).page(view('incident-form'), {
      title: 'Report an incident',
      visit,
      adults,
      kinds: incidentKinds,
      sinceVisit: since,
      reportedTo: roles.length ? describeRoles(roles, 'and').replace(/^./, (c) => c.toUpperCase()) : 'The headteacher',
      reportedToOne: roles.length <= 1,
      values: { staffIds: [], adultIds: [], abusiveAdultIds: [], ...nowFields('happenedAt', clock()), ...values },
      ...extra,
    })
  }
  const visitUsersAccess = { config: { access: { roles: concernRaisers } } }
  app.get<V>('/visits/:visitId/incidents/new', visitUsersAccess, async (request, reply) => incidentForm(request, reply, { staffIds: [viewerOf(request).userId] }))
  app.post<V>('/visits/:visitId/incidents/new', visitUsersAccess, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const lists = (name: string) => [body[name] ?? []].flat()
    return formAction(
      reply,
      async () => {
        const id = await recordIncident(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, parsed(incidentInput, incidentFromForm(body)), clock())
        return `/incidents/${id}?done=reported`
      },
      (extra, status) => incidentForm(request, reply, { ...body, staffIds: lists('staffIds'), adultIds: lists('adultIds'), abusiveAdultIds: lists('abusiveAdultIds') }, extra, status),
    )
  })
  app.get('/incidents', { config: { access: { roles: incidentReaders } } }, async (request, reply) => {
    const incidents = await incidentsFor(pool, viewerOf(request), schoolOf(request).id)
    return reply.page(view('incidents'), {
      title: 'Incidents',
      incidents,
      reviewsDue: incidents.filter((i) => i.riskReviewOf && !i.riskReviewedAt),
      kinds: incidentKinds,
    })
  })
  const incidentPage = async (request: FastifyRequest<I>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const seen = await viewIncident(pool, viewerOf(request), schoolOf(request).id, request.params.incidentId, 'page', clock())
    return reply.status(status).page(view('incident'), { title: `Incident: ${incidentKinds[seen.incident.kind]}`, ...seen, kinds: incidentKinds, flash: doneFlash(request, messages), values: {}, ...extra })
  }
  app.get<I>('/incidents/:incidentId', visitUsersAccess, async (request, reply) => incidentPage(request, reply))
  app.post<I>('/incidents/:incidentId/risk-review', { config: { access: { roles: riskReviewers } } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return formAction(
      reply,
      async () => {
        await recordRiskReview(pool, viewerOf(request), schoolOf(request).id, request.params.incidentId, parsed(riskReviewInput, { note: body.note }), clock())
        return `/incidents/${request.params.incidentId}?done=reviewed#risk-review`
      },
      (extra, status) => incidentPage(request, reply, { ...extra, values: body }, status),
      fieldAnchor,
      'note',
    )
  })

  addNavigation({ href: '/concerns', text: 'Safeguarding concerns', roles: concernReaders, group: 'follow-up', description: 'Concerns and disclosures raised by staff, with the DSL’s actions and referrals.' })
  addNavigation({ href: '/incidents', text: 'Incidents', roles: incidentReaders, group: 'follow-up', description: 'Accidents, abusive behaviour and physical intervention on visits, and risk assessment reviews due.' })
  registerConcernApi(app)
}
