import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { statusLabels, visitStatuses } from '../../domain/visit-lifecycle.ts'
import type { Visit, VisitListRow } from './repository.ts'
import { approveInput, cancelInput, listFilter, planChanges, reasonInput, riskAssessmentInput, rolesOnVisit, submitInput } from './schema.ts'
import {
  approveVisit,
  cancelVisit,
  changeVisit,
  createVisit,
  refuseVisit,
  submitVisit,
  viewVisit,
  viewerOf,
  visitUsers,
  visitsFor,
  workOnRiskAssessment,
  type VisitView,
} from './service.ts'

/**
 * The visits API (R-APPROVE-1 …): the same schemas (schema.ts) and service functions as the pages, so
 * the same checks and the same messages, as problem details with field errors. The code word is in a response only
 * for the visitors on the visit, the office and the DSL/head (R-ITIN-2).
 */

const access = { roles: visitUsers }
const schoolParams = z.object({ schoolId: z.uuid() })
const visitParams = z.object({ schoolId: z.uuid(), visitId: z.uuid() })
const tag = 'Visits'
const instant = z.iso.datetime().nullable()

const visitSummary = z.object({
  id: z.uuid(),
  status: z.enum(visitStatuses),
  statusLabel: z.string(),
  purposeId: z.string().nullable(),
  purposeLabel: z.string().nullable(),
  plannedStart: instant,
  plannedEnd: instant,
  postcode: z.string().nullable(),
  pupils: z.array(z.string()),
  staff: z.array(z.object({ userId: z.uuid(), name: z.string(), roleOnVisit: z.enum(rolesOnVisit) })),
  outOfHours: z.boolean(),
  loneVisit: z.boolean(),
  policeAccompanimentRequested: z.boolean(),
})

const visitDetail = z.object({
  id: z.uuid(),
  status: z.enum(visitStatuses),
  statusLabel: z.string(),
  version: z.int(),
  policyVersion: z.object({ id: z.uuid(), version: z.int() }),
  pupils: z.array(z.object({ id: z.uuid(), name: z.string(), yearGroup: z.string() })),
  adults: z.array(z.object({ id: z.uuid(), name: z.string(), phone: z.string(), relationships: z.array(z.string()), parentalResponsibility: z.boolean() })),
  address: z.object({ id: z.uuid(), line1: z.string(), line2: z.string(), town: z.string(), postcode: z.string() }).nullable(),
  purpose: z.object({ id: z.string().nullable(), label: z.string().nullable(), detail: z.string(), whyNotInSchool: z.string(), necessityConfirmed: z.boolean() }),
  itinerary: z.object({
    leaveSchoolAt: instant,
    arriveAt: instant,
    plannedStart: instant,
    plannedEnd: instant,
    finishAt: instant,
    backAtSchoolAt: instant,
  }),
  notice: z.object({
    givenOn: z.string().nullable(),
    method: z.string().nullable(),
    choiceOfTimesOffered: z.boolean().nullable(),
    exceptionId: z.string().nullable(),
    exceptionReason: z.string(),
  }),
  outOfHours: z.object({ outOfHours: z.boolean(), reason: z.string(), responsibleContact: z.object({ userId: z.uuid(), name: z.string(), mobile: z.string().nullable() }).nullable() }),
  staff: z.array(z.object({ userId: z.uuid(), name: z.string(), roleOnVisit: z.enum(rolesOnVisit), mobile: z.string().nullable() })),
  loneVisit: z.object({ lone: z.boolean(), approvedBy: z.string().nullable(), approvedAt: instant }),
  vehicle: z.object({ id: z.uuid(), make: z.string(), model: z.string(), registration: z.string(), colour: z.string() }).nullable(),
  hasCodeWord: z.boolean(),
  /** Only for the visitors on the visit, the office and the DSL/head. */
  codeWord: z.string().optional(),
  contingencyPlan: z.string(),
  policeAccompanimentRequested: z.boolean(),
  inviteIntoSchool: z.object({ decision: z.enum(['invite_instead', 'go_ahead']).nullable(), reason: z.string() }),
  riskAssessment: z
    .object({
      status: z.enum(['open', 'completed', 'signed_off', 'reopened']),
      answers: z.record(z.string(), z.string()),
      loneWorking: z.object({ risks: z.string(), controls: z.string() }).nullable(),
      animalsKeptAwayRequested: z.boolean().nullable(),
      risksFound: z.boolean().nullable(),
      completedBy: z.string().nullable(),
      completedAt: instant,
      signedOffBy: z.string().nullable(),
      signedOffAt: instant,
      reopenedReason: z.string().nullable(),
    })
    .nullable(),
  approvals: z.object({
    needed: z.array(z.object({ kind: z.string(), text: z.string() })),
    outstanding: z.array(z.object({ kind: z.string(), text: z.string() })),
    decisions: z.array(z.object({ requirement: z.string(), outcome: z.enum(['approved', 'refused']), reason: z.string(), decidedBy: z.string(), at: z.iso.datetime() })),
  }),
  cancelledReason: z.string().nullable(),
  /** Rules the plan does not yet meet (drafts) and warnings (R-STAFF-3..5, R-NOTICE-2, R-VEHICLE-1). */
  problems: z.array(z.object({ field: z.string(), message: z.string() })),
  warnings: z.array(z.object({ code: z.string().describe('stable, for scripts: pairs_advised, training_missing, family_declined …'), message: z.string() })),
  history: z.array(z.object({ at: z.iso.datetime(), by: z.string(), kind: z.string(), summary: z.string() })),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

const iso = (at: Date | null) => (at ? at.toISOString() : null)

function toSummary(row: VisitListRow): z.input<typeof visitSummary> {
  return {
    id: row.id,
    status: row.status,
    statusLabel: statusLabels[row.status],
    purposeId: row.purposeId,
    purposeLabel: row.purposeLabel,
    plannedStart: iso(row.plannedStart),
    plannedEnd: iso(row.plannedEnd),
    postcode: row.postcode,
    pupils: row.pupils,
    staff: row.staff,
    outOfHours: row.outOfHours,
    loneVisit: row.loneVisit,
    policeAccompanimentRequested: row.policeAccompanimentRequested,
  }
}

function toDetail(page: VisitView): z.input<typeof visitDetail> {
  const visit: Visit = page.visit
  const ra = visit.riskAssessment
  return {
    id: visit.id,
    status: visit.status,
    statusLabel: statusLabels[visit.status],
    version: visit.version,
    policyVersion: { id: visit.policyVersionId, version: visit.policyVersion },
    pupils: visit.pupils.map(({ id, name, yearGroup }) => ({ id, name, yearGroup })),
    adults: visit.adults.map(({ id, name, phone, relationships, parentalResponsibility }) => ({ id, name, phone, relationships, parentalResponsibility })),
    address: visit.address,
    purpose: { id: visit.purposeId, label: visit.purposeLabel, detail: visit.purposeDetail, whyNotInSchool: visit.whyNotInSchool, necessityConfirmed: visit.necessityConfirmed },
    itinerary: {
      leaveSchoolAt: iso(visit.leaveSchoolAt),
      arriveAt: iso(visit.arriveAt),
      plannedStart: iso(visit.plannedStart),
      plannedEnd: iso(visit.plannedEnd),
      finishAt: iso(visit.finishAt),
      backAtSchoolAt: iso(visit.backAtSchoolAt),
    },
    notice: {
      givenOn: visit.noticeGivenOn,
      method: visit.noticeMethod,
      choiceOfTimesOffered: visit.choiceOfTimesOffered,
      exceptionId: visit.noticeExceptionId,
      exceptionReason: visit.noticeExceptionReason,
    },
    outOfHours: { outOfHours: visit.outOfHours, reason: visit.outOfHoursReason, responsibleContact: visit.responsibleContact },
    staff: visit.staff.map(({ userId, name, roleOnVisit, mobile }) => ({ userId, name, roleOnVisit, mobile })),
    loneVisit: { lone: visit.loneVisit, approvedBy: visit.loneApprovedByName, approvedAt: iso(visit.loneApprovedAt) },
    vehicle: visit.vehicle ? { id: visit.vehicle.id, make: visit.vehicle.make, model: visit.vehicle.model, registration: visit.vehicle.registration, colour: visit.vehicle.colour } : null,
    hasCodeWord: visit.hasCodeWord,
    ...(page.codeWord !== undefined ? { codeWord: page.codeWord } : {}),
    contingencyPlan: visit.contingencyPlan,
    policeAccompanimentRequested: visit.policeAccompanimentRequested,
    inviteIntoSchool: { decision: visit.inviteIntoSchoolDecision, reason: visit.inviteIntoSchoolReason },
    riskAssessment: ra
      ? {
          status: ra.status,
          answers: ra.answers,
          loneWorking: ra.loneWorking,
          animalsKeptAwayRequested: ra.animalsKeptAwayRequested,
          risksFound: ra.risksFound,
          completedBy: ra.completedByName,
          completedAt: iso(ra.completedAt),
          signedOffBy: ra.signedOffByName,
          signedOffAt: iso(ra.signedOffAt),
          reopenedReason: ra.reopenedReason,
        }
      : null,
    approvals: {
      needed: page.approval.needed.map((a) => ({ kind: a.kind, text: a.text })),
      outstanding: page.approval.outstanding.map((a) => ({ kind: a.kind, text: a.text })),
      decisions: page.approval.given.map((d) => ({ requirement: d.requirement, outcome: d.outcome, reason: d.reason, decidedBy: d.decidedByName, at: d.at.toISOString() })),
    },
    cancelledReason: visit.cancelledReason,
    problems: page.problems,
    warnings: page.warnings.map((w) => ({ code: w.code, message: w.text })),
    history: page.events.map((e) => ({ at: e.at.toISOString(), by: e.actorName, kind: e.kind, summary: e.summary })),
    createdBy: visit.createdByName,
    createdAt: visit.createdAt.toISOString(),
    updatedAt: visit.updatedAt.toISOString(),
  }
}

export function registerVisitApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const detail = async (request: FastifyRequest, visitId: string) => {
    const answer = toDetail(await viewVisit(pool, viewerOf(request), schoolOf(request).id, visitId, clock()))
    // Code words are for people (R-ITIN-2): an API client never gets one (docs/decisions/0025-api-clients.md).
    if (request.apiClient) delete answer.codeWord
    return answer
  }

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/visits',
    summary: 'Visits: all of them for the office and leaders, your own for visitors',
    tag,
    access,
    scope: 'visits:read',
    params: schoolParams,
    query: listFilter,
    response: z.object({ visits: z.array(visitSummary) }),
    handler: async ({ request, query }) => {
      const status = visitStatuses.find((s) => s === query.status)
      const rows = await visitsFor(pool, viewerOf(request), schoolOf(request).id, { statuses: status ? [status] : undefined, from: query.from, to: query.to })
      return { visits: rows.map(toSummary) }
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits',
    summary: 'Start planning a visit (a draft); any part of the plan may be sent now or later',
    tag,
    access,
    status: 201,
    params: schoolParams,
    body: planChanges,
    response: visitDetail,
    handler: async ({ request, body }) => {
      const visitId = await createVisit(pool, viewerOf(request), schoolOf(request).id, body, clock())
      return detail(request, visitId)
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/visits/:visitId',
    summary: 'A visit with its risk assessment, approvals and history',
    tag,
    access,
    scope: 'visits:read',
    params: visitParams,
    response: visitDetail,
    handler: async ({ request, params }) => detail(request, params.visitId),
  })

  defineApi(app, {
    method: 'PATCH',
    url: '/api/v1/schools/:schoolId/visits/:visitId',
    summary: 'Change a visit’s plan; send version to refuse a change made from an out-of-date copy',
    conflict: 'Its state does not allow changes (cancelled, refused, completed …), or version is out of date.',
    tag,
    access,
    params: visitParams,
    body: planChanges.extend(submitInput.shape),
    response: visitDetail,
    handler: async ({ request, params, body }) => {
      const { version, ...changes } = body
      await changeVisit(pool, viewerOf(request), schoolOf(request).id, params.visitId, changes, { expectedVersion: version }, clock())
      return detail(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/submit',
    summary: 'Send a complete plan for risk assessment',
    conflict: 'It is not a draft any more, or version is out of date.',
    tag,
    access,
    params: visitParams,
    body: submitInput,
    response: visitDetail,
    handler: async ({ request, params, body }) => {
      await submitVisit(pool, viewerOf(request), schoolOf(request).id, params.visitId, { expectedVersion: body.version }, clock())
      return detail(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/risk-assessment',
    summary: 'Save, complete, sign off or re-open the risk assessment',
    conflict: 'The visit is not at the risk assessment stage, or the assessment is not in a state for this step.',
    tag,
    access,
    params: visitParams,
    body: riskAssessmentInput,
    response: visitDetail,
    handler: async ({ request, params, body }) => {
      await workOnRiskAssessment(pool, viewerOf(request), schoolOf(request).id, params.visitId, body, clock())
      return detail(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/approve',
    summary: 'Approve a visit (or the parts of it you may approve)',
    conflict: 'It is not waiting for approval.',
    tag,
    access,
    params: visitParams,
    body: approveInput,
    response: visitDetail,
    handler: async ({ request, params, body }) => {
      await approveVisit(pool, viewerOf(request), schoolOf(request).id, params.visitId, body, clock())
      return detail(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/refuse',
    summary: 'Refuse a visit, with the reason',
    conflict: 'It is not waiting for approval.',
    tag,
    access,
    params: visitParams,
    body: reasonInput,
    response: visitDetail,
    handler: async ({ request, params, body }) => {
      await refuseVisit(pool, viewerOf(request), schoolOf(request).id, params.visitId, body, clock())
      return detail(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/cancel',
    summary: 'Cancel a visit, with the reason from the list (cancelReason) and words (reason, needed for "other"); R-CANCEL-1 sends the notice in writing',
    conflict: 'It is already finished, refused or cancelled.',
    tag,
    access,
    params: visitParams,
    body: cancelInput,
    response: visitDetail,
    handler: async ({ request, params, body }) => {
      await cancelVisit(pool, viewerOf(request), schoolOf(request).id, params.visitId, body, clock())
      return detail(request, params.visitId)
    },
  })
}
