import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { visitStatuses } from '../../domain/visit-lifecycle.ts'
import { hazardKinds } from '../pupils/schema.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { briefingFor, type Briefing } from '../visits/briefing.ts'
import { describeWhen, viewerOf, visitUsers } from '../visits/service.ts'
import { roleOnVisitLabels } from '../visits/schema.ts'

/**
 * The briefing a visitor reads on a phone before leaving (R-BRIEF-1, R-CASH-1, R-RISK-3). The rules
 * (who may read it, what each reader sees, recording the view) are in visits/briefing.ts.
 */
export function registerBriefingRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  app.get<{ Params: { visitId: string } }>('/visits/:visitId/briefing', { config: { access: { roles: visitUsers } } }, async (request, reply) => {
    const briefing = await briefingFor(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    const pupils = briefing.visit.pupils.map((pupil) => pupil.name).join(', ') || 'no pupils chosen'
    return reply.page('visits/views/briefing.njk', {
      title: `Briefing: ${pupils}`,
      pupilNames: pupils,
      briefing,
      visit: briefing.visit,
      when: describeWhen(briefing.visit),
      roleLabels: roleOnVisitLabels,
    })
  })

  // The same briefing as JSON (issue 10 point 12): the same rule for who reads it, and every view recorded in the
  // visit's history and the audit log, as the page (briefingFor does both). For people only: no client scope.
  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/visits/:visitId/briefing',
    summary:
      'The briefing of a visit (R-BRIEF-1): for the staff going on it, the office, the DSL and the headteacher. Every read is recorded in the visit’s history and the audit log. Restricted notes only where the pupils’ rule allows',
    tag: 'Visits',
    access: { roles: visitUsers },
    conflict: 'A refused or cancelled visit has no briefing.',
    params: z.object({ schoolId: z.uuid(), visitId: z.uuid() }),
    response: briefingSchema,
    handler: async ({ request, params }) => toBriefingAnswer(await briefingFor(pool, viewerOf(request), schoolOf(request).id, params.visitId, clock())),
  })
}

const hazard = z.object({ id: z.uuid(), kind: z.enum(hazardKinds), description: z.string(), animalsWillBeShutAway: z.boolean().nullable() })

const briefingSchema = z.object({
  visitId: z.uuid(),
  status: z.enum(visitStatuses),
  statusLabel: z.string(),
  approved: z.boolean().describe('false: the visit is not approved yet, and the briefing says so'),
  onVisit: z.boolean().describe('the reader is going on the visit'),
  when: z.string(),
  address: z.object({ line1: z.string(), line2: z.string(), town: z.string(), postcode: z.string() }).nullable(),
  staff: z.array(z.object({ userId: z.uuid(), name: z.string(), roleOnVisit: z.string(), mobile: z.string().nullable() })),
  codeWord: z.string().optional().describe('Only for the visitors on an approved visit, the office and the DSL/head (R-ITIN-2)'),
  pupils: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      yearGroup: z.string(),
      restrictedNotes: z.object({ medicalNeeds: z.string(), sendNeeds: z.string(), behaviourNotes: z.string() }).nullable(),
      agencies: z.array(z.object({ name: z.string(), roleOrService: z.string(), contactName: z.string(), phone: z.string(), isLeadPractitioner: z.boolean() })),
    }),
  ),
  adults: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      relationships: z.array(z.string()),
      parentalResponsibility: z.boolean(),
      livesWithPupil: z.boolean(),
      meeting: z.boolean(),
      phone: z.string().nullable(),
      language: z.string(),
      interpreterNeeded: z.boolean(),
      literacyNeeds: z.string(),
      culturalConsiderations: z.string(),
      noAppointments: z.boolean(),
    }),
  ),
  riskFindings: z.array(z.object({ label: z.string(), answer: z.string() })),
  animals: z.array(hazard),
  otherHazards: z.array(hazard),
  itinerary: z.array(z.object({ time: z.string(), label: z.string() })).nullable(),
  checkIns: z.array(z.object({ time: z.string(), label: z.string(), who: z.string(), initiatedBy: z.string() })),
  monitor: z.string(),
  escalation: z.string(),
  waits: z.object({ notPresent: z.string(), runningLate: z.string() }),
  contacts: z.array(z.object({ name: z.string(), phone: z.string() })),
  reminders: z.array(z.string()),
  badgeRule: z.string(),
})

function toBriefingAnswer(b: Briefing): z.input<typeof briefingSchema> {
  const hazardOut = (h: Briefing['animals'][number]) => ({ id: h.id, kind: h.kind, description: h.description, animalsWillBeShutAway: h.animalsWillBeShutAway })
  const address = b.visit.address
  return {
    visitId: b.visit.id,
    status: b.visit.status,
    statusLabel: b.statusLabel,
    approved: b.approved,
    onVisit: b.onVisit,
    when: describeWhen(b.visit),
    address: address ? { line1: address.line1, line2: address.line2, town: address.town, postcode: address.postcode } : null,
    staff: b.visit.staff.map((s) => ({ userId: s.userId, name: s.name, roleOnVisit: s.roleOnVisit, mobile: s.mobile })),
    ...(b.codeWord !== undefined ? { codeWord: b.codeWord } : {}),
    pupils: b.pupils.map((p) => ({
      id: p.pupil.id,
      name: p.pupil.name,
      yearGroup: p.pupil.yearGroup,
      restrictedNotes: p.restricted,
      agencies: p.agencies.map((a) => ({ name: a.name, roleOrService: a.roleOrService, contactName: a.contactName, phone: a.phone, isLeadPractitioner: a.isLeadPractitioner })),
    })),
    adults: b.adults,
    riskFindings: b.riskFindings,
    animals: b.animals.map(hazardOut),
    otherHazards: b.otherHazards.map(hazardOut),
    itinerary: b.itinerary,
    checkIns: b.checkIns,
    monitor: b.monitor,
    escalation: b.escalationText,
    waits: b.waits,
    contacts: b.contacts,
    reminders: b.reminders,
    badgeRule: b.badgeRule,
  }
}
