import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { ValidationError } from '../../web/errors.ts'
import { viewerOf } from '../visits/service.ts'
import type { Concern, Incident } from './repository.ts'
import { closeConcernInput, concernActionInput, concernActionKinds, concernCategories, concernInput, incidentInput, incidentKinds, riskReviewInput } from './schema.ts'
import {
  closeConcern,
  concernRaisers,
  concernReaders,
  concernsFor,
  incidentReaders,
  incidentsFor,
  raiseConcern,
  recordConcernAction,
  recordIncident,
  recordRiskReview,
  riskReviewers,
  viewConcern,
  viewIncident,
} from './service.ts'

/**
 * The JSON API for concerns (R-SAFE-1) and incidents (R-INC-1): the same schemas and service functions as
 * the pages. Concerns are read only by the safeguarding roles (every read audited); anyone on a visit may
 * raise one; the person who raised it reads its status only.
 */

const tag = 'Concerns and incidents'
const when = z.string().describe('ISO 8601 date-time')
const schoolParams = z.object({ schoolId: z.uuid() })
const concernParams = z.object({ schoolId: z.uuid(), concernId: z.uuid() })
const visitParams = z.object({ schoolId: z.uuid(), visitId: z.uuid() })
const incidentParams = z.object({ schoolId: z.uuid(), incidentId: z.uuid() })
const categoryIds = Object.keys(concernCategories) as [keyof typeof concernCategories, ...Array<keyof typeof concernCategories>]
const actionKindIds = Object.keys(concernActionKinds) as [keyof typeof concernActionKinds, ...Array<keyof typeof concernActionKinds>]
const incidentKindIds = Object.keys(incidentKinds) as [keyof typeof incidentKinds, ...Array<keyof typeof incidentKinds>]

const pupil = z.object({ id: z.uuid(), name: z.string() })
const concernStatus = z.object({
  id: z.uuid(),
  visitId: z.uuid().nullable(),
  kind: z.enum(['concern', 'disclosure']),
  category: z.enum(categoryIds),
  pupils: z.array(pupil),
  raisedByName: z.string(),
  raisedAt: when,
  status: z.enum(['open', 'closed']),
  closedAt: when.nullable(),
})
const concernDetail = concernStatus.extend({
  account: z.string(),
  childWords: z.string(),
  happenedAt: when,
  immediateAction: z.string(),
  outcome: z.string(),
  closedByName: z.string().nullable(),
  actions: z.array(z.object({ id: z.uuid(), kind: z.enum(actionKindIds), agency: z.string(), doneAt: when, what: z.string(), reference: z.string(), outcome: z.string(), recordedByName: z.string(), recordedAt: when })),
})
const concernAnswer = z.object({
  detail: z.boolean().describe('false for the member of staff who raised it without a safeguarding role: its status only'),
  concern: z.union([concernDetail, concernStatus]),
})

const iso = (at: Date | null) => (at ? at.toISOString() : null)
const statusOf = (c: Pick<Concern, 'id' | 'visitId' | 'kind' | 'category' | 'pupils' | 'raisedByName' | 'raisedAt' | 'status' | 'closedAt'>) => ({
  id: c.id,
  visitId: c.visitId,
  kind: c.kind,
  category: c.category,
  pupils: c.pupils.map((p) => ({ id: p.id, name: p.name })),
  raisedByName: c.raisedByName,
  raisedAt: c.raisedAt.toISOString(),
  status: c.status,
  closedAt: iso(c.closedAt),
})
const detailOf = (c: Concern) => ({
  ...statusOf(c),
  account: c.account,
  childWords: c.childWords,
  happenedAt: c.happenedAt.toISOString(),
  immediateAction: c.immediateAction,
  outcome: c.outcome,
  closedByName: c.closedByName,
  actions: c.actions.map((a) => ({ ...a, doneAt: a.doneAt.toISOString(), recordedAt: a.recordedAt.toISOString() })),
})

const incidentSchema = z.object({
  id: z.uuid(),
  visitId: z.uuid(),
  kind: z.enum(incidentKindIds),
  happenedAt: when,
  location: z.string(),
  whatHappened: z.string(),
  interventionWhat: z.string(),
  interventionWhy: z.string(),
  reportedByName: z.string(),
  recordedAt: when,
  staff: z.array(z.object({ id: z.uuid(), name: z.string() })),
  adults: z.array(z.object({ id: z.uuid(), name: z.string(), relationship: z.string(), stoppedAppointments: z.boolean().describe('R-FAMILY-3: this incident stopped appointments with them') })),
  pupils: z.array(pupil),
  riskReview: z
    .object({ of: z.string(), reviewedAt: when.nullable(), reviewedByName: z.string().nullable(), note: z.string() })
    .nullable()
    .describe('R-RISK-4: the standing risk assessment this incident asks to be reviewed'),
})
const incidentOut = (i: Incident) => ({
  id: i.id,
  visitId: i.visitId,
  kind: i.kind,
  happenedAt: i.happenedAt.toISOString(),
  location: i.location,
  whatHappened: i.whatHappened,
  interventionWhat: i.interventionWhat,
  interventionWhy: i.interventionWhy,
  reportedByName: i.reportedByName,
  recordedAt: i.recordedAt.toISOString(),
  staff: i.staff,
  adults: i.adults,
  pupils: i.pupils,
  riskReview: i.riskReviewOf ? { of: i.riskReviewOf, reviewedAt: iso(i.riskReviewedAt), reviewedByName: i.riskReviewedByName, note: i.riskReviewNote } : null,
})

/** Where it is raised: on a visit (`visitId`) or from a pupil (`pupilId`), one of the two. */
const raiseBody = z
  .object({ visitId: z.uuid().optional(), pupilId: z.uuid().optional() })
  .and(concernInput)

export function registerConcernApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const base = '/api/v1/schools/:schoolId'

  defineApi(app, {
    method: 'GET',
    url: `${base}/concerns`,
    summary: 'R-SAFE-1: the school’s safeguarding concerns (safeguarding roles; the reading is audited)',
    tag,
    access: { roles: concernReaders },
    params: schoolParams,
    query: z.object({ status: z.enum(['open', 'closed']).optional() }),
    response: z.object({ concerns: z.array(concernDetail) }),
    handler: async ({ request, query }) => ({
      concerns: (await concernsFor(pool, viewerOf(request), schoolOf(request).id, { status: query.status }, 'api', clock())).map(detailOf),
    }),
  })

  defineApi(app, {
    method: 'POST',
    url: `${base}/concerns`,
    summary: 'R-SAFE-1: raise a safeguarding concern or disclosure from a visit (visitId) or a pupil (pupilId); the safeguarding team is alerted at once',
    tag,
    access: { roles: concernRaisers },
    params: schoolParams,
    body: raiseBody,
    status: 201,
    response: z.object({ id: z.uuid() }),
    handler: async ({ request, body }) => {
      const place = body.visitId && !body.pupilId ? { visitId: body.visitId } : body.pupilId && !body.visitId ? { pupilId: body.pupilId } : null
      if (!place) throw new ValidationError([{ field: 'visitId', message: 'Give the visit (visitId) or the pupil (pupilId) the concern is raised from, one of the two' }])
      return { id: await raiseConcern(pool, viewerOf(request), schoolOf(request).id, place, body, clock()) }
    },
  })

  defineApi(app, {
    method: 'GET',
    url: `${base}/concerns/:concernId`,
    summary: 'R-SAFE-1: one concern: in full for the safeguarding roles, its status for the person who raised it (audited)',
    tag,
    access: { roles: concernRaisers },
    params: concernParams,
    response: concernAnswer,
    handler: async ({ request, params }) => {
      const seen = await viewConcern(pool, viewerOf(request), schoolOf(request).id, params.concernId, 'api', clock())
      return seen.full ? { detail: true, concern: detailOf(seen.concern) } : { detail: false, concern: statusOf(seen.concern) }
    },
  })

  defineApi(app, {
    method: 'POST',
    url: `${base}/concerns/:concernId/actions`,
    summary: 'R-SAFE-1: record an action or a referral (police, children’s social care, early help, another agency) on a concern',
    tag,
    access: { roles: concernReaders },
    params: concernParams,
    body: concernActionInput,
    status: 201,
    response: z.object({ id: z.uuid() }),
    handler: async ({ request, params, body }) => ({ id: await recordConcernAction(pool, viewerOf(request), schoolOf(request).id, params.concernId, body, clock()) }),
  })

  defineApi(app, {
    method: 'POST',
    url: `${base}/concerns/:concernId/close`,
    summary: 'R-SAFE-1: close a concern with its outcome',
    tag,
    access: { roles: concernReaders },
    params: concernParams,
    body: closeConcernInput,
    response: z.object({ status: z.literal('closed') }),
    handler: async ({ request, params, body }) => {
      await closeConcern(pool, viewerOf(request), schoolOf(request).id, params.concernId, body, clock())
      return { status: 'closed' as const }
    },
  })

  defineApi(app, {
    method: 'GET',
    url: `${base}/incidents`,
    summary: 'R-INC-1: the school’s incidents on home visits',
    tag,
    access: { roles: incidentReaders },
    params: schoolParams,
    response: z.object({ incidents: z.array(incidentSchema) }),
    handler: async ({ request }) => ({ incidents: (await incidentsFor(pool, viewerOf(request), schoolOf(request).id)).map(incidentOut) }),
  })

  defineApi(app, {
    method: 'POST',
    url: `${base}/visits/:visitId/incidents`,
    summary: 'R-INC-1, R-FAMILY-3: report an incident on a visit; abusive or threatening behaviour stops appointments with the adults named',
    tag,
    access: { roles: concernRaisers },
    params: visitParams,
    body: incidentInput,
    status: 201,
    response: z.object({ id: z.uuid() }),
    handler: async ({ request, params, body }) => ({ id: await recordIncident(pool, viewerOf(request), schoolOf(request).id, params.visitId, body, clock()) }),
  })

  defineApi(app, {
    method: 'GET',
    url: `${base}/incidents/:incidentId`,
    summary: 'R-INC-1: one incident (its readers, the reporter and the staff named on it)',
    tag,
    access: { roles: concernRaisers },
    params: incidentParams,
    response: incidentSchema,
    handler: async ({ request, params }) => incidentOut((await viewIncident(pool, viewerOf(request), schoolOf(request).id, params.incidentId, 'api', clock())).incident),
  })

  defineApi(app, {
    method: 'POST',
    url: `${base}/incidents/:incidentId/risk-review`,
    summary: 'R-RISK-4: record the review of the standing risk assessment after an incident',
    tag,
    access: { roles: riskReviewers },
    params: incidentParams,
    body: riskReviewInput,
    response: z.object({ reviewed: z.literal(true) }),
    handler: async ({ request, params, body }) => {
      await recordRiskReview(pool, viewerOf(request), schoolOf(request).id, params.incidentId, body, clock())
      return { reviewed: true as const }
    },
  })
}
