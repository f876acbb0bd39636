import { cancellationReasonLabels } from '../../domain/cancellation.ts'
import { afterVisitOf } from '../records/service.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { formatDate } from '../../domain/dates.ts'
import { londonDate } from '../../domain/hours.ts'
import { liveWatchers } from '../../domain/monitoring.ts'
import { describeRoles, roleLabels, type SchoolRole } from '../../domain/roles.ts'
import { riskAssessmentFields, weekdays, type Policy } from '../../policy/schema.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { HttpError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { dateBoxes, dateQuery } from '../../web/form-dates.ts'
import { addNavigation } from '../../web/navigation.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import { runListReaders } from '../run-list/service.ts'
import { doneFlash } from '../../web/flash.ts'
import { familyForPupil, listPupils, type Family } from '../pupils/repository.ts'
import { listVisitingStaff } from '../readiness/repository.ts'
import { vehiclesOf } from '../readiness/service.ts'
import { registerVisitApi } from './api.ts'
import { statusLabels, visitStatuses } from '../../domain/visit-lifecycle.ts'
import { addressesOfPupils, findVisit, readCodeWord, type Visit } from './repository.ts'
import {
  approveFromForm,
  approveInput,
  fieldAnchor,
  fromForm,
  listFilter,
  newVisitForm,
  planChanges,
  planSectionTitles,
  planSections,
  cancelFromForm,
  cancelInput,
  reasonFromForm,
  reasonInput,
  riskAssessmentFromForm,
  riskAssessmentInput,
  roleOnVisitLabels,
  sectionOfField,
  submitFromForm,
  submitInput,
  type PlanSection,
} from './schema.ts'
import {
  approvalAtStake,
  approvalPageRoles,
  approveVisit,
  canSeeCodeWord,
  canView,
  cancelVisit,
  changeVisit,
  createVisit,
  describeWhen,
  planOf,
  readinessForVisit,
  refuseVisit,
  submitVisit,
  viewVisit,
  visitUsers,
  visitsFor,
  workOnRiskAssessment,
  viewerOf,
  workQueue,
} from './service.ts'
import { vehicleName } from '../readiness/vehicle-rules.ts'
import { liveViewOf } from '../live/view.ts'

const view = (name: string) => `visits/views/${name}.njk`
const users = { roles: visitUsers }
const approvers = { roles: approvalPageRoles }
const sections = Object.keys(planSections) as PlanSection[]

type V = { Params: { visitId: string } }


const doneMessages: Record<string, string> = {
  saved: 'Saved.',
  submitted: 'Sent for risk assessment.',
  'ra-saved': 'Risk assessment saved.',
  'ra-completed': 'Risk assessment completed. It now needs signing off.',
  'ra-signed-off': 'Risk assessment signed off. The visit now awaits approval.',
  'ra-reopened': 'Risk assessment re-opened.',
  approved: 'Approval recorded.',
  refused: 'Visit refused. The reason is recorded.',
  cancelled: 'Visit cancelled.',
}

/** Where a plan field is changed: its section page, at its box. */
function fieldHref(visitId: string, field: string): string {
  if (field.split('.')[0] === 'pupilIds') return `/visits/${visitId}/pupils#pupilIds`
  return `/visits/${visitId}/plan/${sectionOfField(field)}#${fieldAnchor(field)}`
}

/** Field errors on a plan page: one per field, linked to the box it belongs to. */
function planErrors(errors: FieldError[]) {
  const byRoot = errors.map((e) => ({ field: e.field.split('.')[0] ?? e.field, message: e.message }))
  const view = errorView(byRoot, fieldAnchor)
  return { ...view, fieldErrors: Object.fromEntries(byRoot.map((e) => [e.field, { text: byRoot.filter((x) => x.field === e.field).map((x) => x.message).join('. ') }])) }
}

export function registerVisitRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/visits', text: 'Visits', roles: visitUsers })
  addNavigation({ href: '/visits/approvals', text: 'Approvals', roles: approvalPageRoles })
  const { pool, clock } = app.deps

  // ------------------------------------------------------------ the list (R-CONF-1)
  app.get('/visits', { config: { access: users } }, async (request, reply) => {
    // The dates come from GOV.UK date inputs (from-day …), or as YYYY-MM-DD in a link.
    const typed = { from: dateQuery(request.query, 'from'), to: dateQuery(request.query, 'to') }
    const query = { ...(request.query as Record<string, string | undefined>), ...typed }
    const form = parseForm(listFilter, query)
    const filter = form.ok ? form.data : { status: undefined, from: null, to: null }
    const status = visitStatuses.find((s) => s === filter.status)
    const viewer = viewerOf(request)
    const visits = await visitsFor(pool, viewer, schoolOf(request).id, { statuses: status ? [status] : undefined, from: filter.from, to: filter.to })
    const today = londonDate(clock())
    // Today's visits link straight to the day's page (sign out, check in: two taps from here).
    const mayOpenDay = (v: (typeof visits)[number]) => v.staff.some((s) => s.userId === viewer.userId) || [...liveWatchers, 'slt'].some((role) => viewer.roles.includes(role as SchoolRole))
    return reply.status(form.ok ? 200 : 400).page(view('list'), {
      title: 'Visits',
      mayRunList: holdsAnyRole(viewer.roles, runListReaders),
      visits: visits.map((v) => ({
        ...v,
        statusLabel: statusLabels[v.status],
        when: describeWhen(v),
        today: (v.status === 'in_progress' || (v.status === 'approved' && v.plannedStart !== null && londonDate(v.plannedStart) === today)) && mayOpenDay(v),
      })),
      statusItems: [{ value: '', text: 'Any status' }, ...visitStatuses.map((s) => ({ value: s, text: statusLabels[s], selected: s === status }))],
      filter: { from: query.from ?? '', to: query.to ?? '', status: status ?? '' },
      boxes: { from: dateBoxes(request.query, 'from', typed.from), to: dateBoxes(request.query, 'to', typed.to) },
      ...(form.ok ? {} : errorView(form.errors)),
    })
  })

  // ------------------------------------------------------------ approvals and risk assessments waiting (R-APPROVE-1, R-RISK-2)
  app.get('/visits/approvals', { config: { access: approvers } }, async (request, reply) => {
    const queue = await workQueue(pool, viewerOf(request), schoolOf(request).id)
    const row = (visit: Visit) => ({ id: visit.id, when: describeWhen(visit), pupils: visit.pupils.map((p) => p.name).join(', '), purpose: visit.purposeLabel ?? '', staff: visit.staff.map((s) => s.name).join(', '), outOfHours: visit.outOfHours, lone: visit.loneVisit })
    return reply.page(view('approvals'), {
      title: 'Approvals',
      toApprove: queue.toApprove.map((item) => ({ ...row(item.visit), covers: item.covers })),
      waitingForOthers: queue.waitingForOthers.map((item) => ({ ...row(item.visit), reason: item.reason })),
      riskAssessments: queue.riskAssessments.map((item) => ({ ...row(item.visit), action: item.action })),
    })
  })

  // ------------------------------------------------------------ starting a visit: the pupils
  const pupilChoice = async (request: FastifyRequest, chosen: string[]) => {
    const q = String((request.query as Record<string, unknown>).q ?? '').trim()
    const { rows } = await listPupils(pool, schoolOf(request).id, { q, limit: 100, offset: 0 })
    return { q, pupils: rows.map((p) => ({ ...p, checked: chosen.includes(p.id) })) }
  }

  app.get('/visits/new', { config: { access: users } }, async (request, reply) => {
    return reply.page(view('pupils'), { title: 'Plan a home visit', action: '/visits', searchAction: '/visits/new', ...(await pupilChoice(request, [])) })
  })

  app.post('/visits', { config: { access: users } }, async (request, reply) => {
    const form = parseForm(newVisitForm, request.body)
    const fail = async (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('pupils'), { title: 'Plan a home visit', action: '/visits', searchAction: '/visits/new', ...(await pupilChoice(request, [])), ...errorView(errors, () => 'pupilIds') })
    if (!form.ok) return fail(400, form.errors)
    try {
      const visitId = await createVisit(pool, viewerOf(request), schoolOf(request).id, { pupilIds: form.data.pupilIds }, clock())
      return reply.redirect(`/visits/${visitId}/plan/family`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return fail(400, error.fieldErrors)
      throw error
    }
  })

  app.get<V>('/visits/:visitId/pupils', { config: { access: users } }, async (request, reply) => {
    const visit = await requireVisit(request)
    return reply.page(view('pupils'), {
      title: 'Which pupils is the visit about?',
      action: `/visits/${visit.id}/pupils`,
      searchAction: `/visits/${visit.id}/pupils`,
      visit,
      approvalChange: await approvalAtStake(pool, schoolOf(request).id, visit, ['pupilIds']),
      ...(await pupilChoice(request, visit.pupils.map((p) => p.id))),
    })
  })

  app.post<V>('/visits/:visitId/pupils', { config: { access: users } }, async (request, reply) => {
    const visit = await requireVisit(request)
    const form = parseForm(newVisitForm.extend(submitInput.shape), { ...(request.body as Record<string, unknown> | undefined), ...submitFromForm(request.body) })
    const fail = async (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('pupils'), {
        title: 'Which pupils is the visit about?',
        action: `/visits/${visit.id}/pupils`,
        searchAction: `/visits/${visit.id}/pupils`,
        visit,
        approvalChange: await approvalAtStake(pool, schoolOf(request).id, visit, ['pupilIds']),
        ...(await pupilChoice(request, visit.pupils.map((p) => p.id))),
        ...errorView(errors, () => 'pupilIds'),
      })
    if (!form.ok) return fail(400, form.errors)
    try {
      await changeVisit(pool, viewerOf(request), schoolOf(request).id, visit.id, { pupilIds: form.data.pupilIds }, { expectedVersion: form.data.version }, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status < 500) return fail(error.status, error instanceof ValidationError ? error.fieldErrors : [{ field: 'pupilIds', message: error.message }])
      throw error
    }
    return reply.redirect(`/visits/${visit.id}/plan/family`, 303)
  })

  // ------------------------------------------------------------ the plan, one page per section
  for (const section of sections) {
    app.get<V>(`/visits/:visitId/plan/${section}`, { config: { access: users } }, async (request, reply) => {
      const visit = await requireVisit(request)
      const context = await sectionContext(request, visit, section)
      return reply.page(view(`plan-${section}`), context)
    })

    app.post<V>(`/visits/:visitId/plan/${section}`, { config: { access: users } }, async (request, reply) => {
      const visit = await requireVisit(request)
      const fail = async (status: number, errors: FieldError[]) =>
        reply.status(status).page(view(`plan-${section}`), { ...(await sectionContext(request, visit, section, request.body)), ...planErrors(errors) })
      // The API's PATCH schema: the section's fields and the version (docs/decisions/0012).
      const form = parseForm(planChanges.extend(submitInput.shape), { ...fromForm(section, request.body), ...submitFromForm(request.body) })
      if (!form.ok) return fail(400, form.errors)
      const { version, ...changes } = form.data
      try {
        await changeVisit(pool, viewerOf(request), schoolOf(request).id, visit.id, changes, { expectedVersion: version }, clock())
      } catch (error) {
        if (error instanceof ValidationError) return fail(400, error.fieldErrors)
        if (error instanceof HttpError && error.status < 500) return fail(error.status, [{ field: planSections[section][0], message: error.message }])
        throw error
      }
      const next = sections[sections.indexOf(section) + 1]
      if (visit.status === 'draft') return reply.redirect(next ? `/visits/${visit.id}/plan/${next}` : `/visits/${visit.id}`, 303)
      return reply.redirect(`/visits/${visit.id}?done=saved`, 303)
    })
  }

  const sectionContext = async (request: FastifyRequest, visit: Visit, section: PlanSection, body?: unknown) => {
    const school = schoolOf(request)
    const viewer = viewerOf(request)
    const seeCodeWord = canSeeCodeWord(viewer, visit)
    const plan = planOf(visit, seeCodeWord ? await readCodeWord(pool, school.id, visit.id) : '')
    const values = body ? formValues(section, body) : storedValues(section, plan)
    const base = {
      title: planSectionTitles[section],
      visit,
      policy: visit.policy,
      values,
      action: `/visits/${visit.id}/plan/${section}`,
      isDraft: visit.status === 'draft',
      sectionTitles: planSectionTitles,
      sections,
      current: section,
      approvalChange: await approvalAtStake(pool, school.id, visit, planSections[section]),
    }
    if (section === 'family') {
      const families = (await Promise.all(visit.pupils.map((p) => familyForPupil(pool, school.id, p.id)))).filter((f): f is Family => Boolean(f))
      const adults = new Map<string, { id: string; name: string; relationships: string[]; noAppointments: boolean; parentalResponsibility: boolean; phone: string }>()
      for (const family of families) {
        for (const adult of family.adults) {
          const entry = adults.get(adult.id) ?? { id: adult.id, name: adult.name, relationships: [], noAppointments: adult.noAppointments, parentalResponsibility: false, phone: adult.phone }
          entry.relationships.push(`${adult.relationship} of ${family.pupil.firstName}${adult.parentalResponsibility ? ', has parental responsibility' : ''}`)
          entry.parentalResponsibility ||= adult.parentalResponsibility
          adults.set(adult.id, entry)
        }
      }
      return {
        ...base,
        families: families.map((f) => ({ ...f, declineText: f.activeDecline ? `declined home visits on ${formatDate(f.activeDecline.declinedOn)}` : '' })),
        adults: [...adults.values()],
        addresses: await addressesOfPupils(pool, school.id, visit.pupils.map((p) => p.id)),
      }
    }
    if (section === 'purpose') {
      return { ...base, purposes: visit.policy.purposes, exceptions: visit.policy.notice.exceptions }
    }
    if (section === 'when') {
      const staff = await listVisitingStaff(pool, school.id)
      return { ...base, hoursText: describeHours(visit.policy), staffItems: [{ value: '', text: 'Nobody: the visit is in hours' }, ...staff.map((s) => ({ value: s.id, text: s.name, selected: s.id === values.responsibleContactUserId }))] }
    }
    const staff = await listVisitingStaff(pool, school.id)
    const vehicles = await vehiclesOf(pool, school.id)
    const readiness = await readinessForVisit(pool, school.id, visit.policy, staff.map((s) => s.id), visit.plannedStart ?? clock())
    const readinessWord = (id: string) => {
      const r = readiness.get(id)
      return !r ? '' : r.blocks.length ? ' – cannot go' : r.warnings.length ? ' – ready, with a warning' : ' – ready'
    }
    const staffItems = (selected: unknown, none: string) => [{ value: '', text: none }, ...staff.map((s) => ({ value: s.id, text: `${s.name} (${s.roles.map((r) => roleLabels[r]).join(', ')})${readinessWord(s.id)}`, selected: s.id === selected }))]
    return {
      ...base,
      cannotGo: staff.flatMap((s) => (readiness.get(s.id)?.blocks.length ? [{ name: s.name, reasons: readiness.get(s.id)!.blocks }] : [])),
      withWarnings: staff.flatMap((s) => (!readiness.get(s.id)?.blocks.length && readiness.get(s.id)?.warnings.length ? [{ name: s.name, reasons: readiness.get(s.id)!.warnings }] : [])),
      seeCodeWord,
      hasCodeWord: visit.hasCodeWord,
      staffingText: describeStaffing(visit.policy),
      leadItems: staffItems(values.leadUserId, 'Choose the lead visitor'),
      secondItems: staffItems(values.secondUserId, 'Nobody'),
      noteTakerItems: staffItems(values.noteTakerUserId, 'Nobody'),
      vehicleItems: [
        { value: '', text: 'No vehicle: on foot or by public transport' },
        ...vehicles.map((v) => ({ value: v.id, text: `${vehicleName(v)}, ${v.colour}${v.ownerName ? ` – ${v.ownerName}’s` : ' – school vehicle'}`, selected: v.id === values.vehicleId })),
      ],
    }
  }

  async function requireVisit(request: FastifyRequest<V>): Promise<Visit> {
    const visit = await findVisit(pool, schoolOf(request).id, request.params.visitId)
    if (!visit || !canView(viewerOf(request), visit)) throw new NotFoundError('There is no visit with that id in this school.')
    return visit
  }

  // ------------------------------------------------------------ the visit page: status, details, history
  const visitPage = async (request: FastifyRequest<V>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const now = clock()
    const viewer = viewerOf(request)
    const page = await viewVisit(pool, viewer, schoolOf(request).id, request.params.visitId, now)
    const { visit } = page
    // The day's panel at the top, so the next step is one tap: for the visitors and those watching,
    // while the visit is out, and on its day before they leave.
    const onItsDay = visit.status === 'in_progress' || (visit.status === 'approved' && visit.plannedStart !== null && londonDate(visit.plannedStart) === londonDate(now))
    const live = onItsDay ? await liveViewOf(pool, viewer, visit.schoolId, visit.id, now) : undefined
    const afterVisit = await afterVisitOf(pool, viewer, visit, now)
    return reply.status(status).page(view('visit'), {
      title: `Visit: ${visit.pupils.map((p) => p.name).join(', ') || 'no pupils yet'}`,
      page,
      visit,
      statusLabel: statusLabels[visit.status],
      when: describeWhen(visit),
      roleLabels: roleOnVisitLabels,
      problems: page.problems.map((p) => ({ text: p.message, href: fieldHref(visit.id, p.field) })),
      noticeException: visit.policy.notice.exceptions.find((e) => e.id === visit.noticeExceptionId)?.label,
      raFields: visit.policy.riskAssessment.requiredFields.map((id) => ({ id, label: riskAssessmentFields[id] })),
      flash: doneFlash(request, doneMessages),
      live: live && (live.isVisitor || live.isWatcher) ? live : undefined,
      afterVisit,
      ...extra,
    })
  }

  app.get<V>('/visits/:visitId', { config: { access: users } }, async (request, reply) => visitPage(request, reply))

  app.post<V>('/visits/:visitId/submit', { config: { access: users } }, async (request, reply) => {
    const failed = (status: number, errors: FieldError[]) =>
      visitPage(request, reply, {
        errorList: errors.map((e) => ({ text: e.message, href: e.field === 'submit' || e.field === 'version' ? '#submit' : fieldHref(request.params.visitId, e.field) })),
      }, status)
    const form = parseForm(submitInput, submitFromForm(request.body))
    if (!form.ok) return failed(400, form.errors)
    try {
      await submitVisit(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, { expectedVersion: form.data.version }, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        return failed(error.status, error instanceof ValidationError ? error.fieldErrors : [{ field: 'submit', message: error.message }])
      }
      throw error
    }
    return reply.redirect(`/visits/${request.params.visitId}?done=submitted`, 303)
  })

  // ------------------------------------------------------------ cancelling (R-CANCEL-1: the reason, in writing to the policy's recipients)
  app.get<V>('/visits/:visitId/cancel', { config: { access: users } }, async (request, reply) => {
    const visit = await requireVisit(request)
    return reply.page(view('cancel'), { title: 'Cancel the visit', visit, when: describeWhen(visit), values: {}, reasons: cancellationReasonLabels, inWriting: describeRoles(visit.policy.reporting.cancellationReasonsTo, 'and') })
  })

  app.post<V>('/visits/:visitId/cancel', { config: { access: users } }, async (request, reply) => {
    const visit = await requireVisit(request)
    const body = (request.body ?? {}) as Record<string, unknown>
    const failed = (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('cancel'), { title: 'Cancel the visit', visit, when: describeWhen(visit), values: body, reasons: cancellationReasonLabels, inWriting: describeRoles(visit.policy.reporting.cancellationReasonsTo, 'and'), ...errorView(errors) })
    // The API's schema: the same limits and messages (docs/decisions/0012).
    const form = parseForm(cancelInput, cancelFromForm(body))
    if (!form.ok) return failed(400, form.errors)
    try {
      await cancelVisit(pool, viewerOf(request), schoolOf(request).id, visit.id, form.data, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        return failed(error.status, error instanceof ValidationError ? error.fieldErrors : [{ field: 'reason', message: error.message }])
      }
      throw error
    }
    return reply.redirect(`/visits/${visit.id}?done=cancelled`, 303)
  })

  // ------------------------------------------------------------ risk assessment (R-RISK-1..3, R-STAFF-2, R-FAMILY-4, R-PURPOSE-2)
  const raPage = async (request: FastifyRequest<V>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const page = await viewVisit(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    const { visit } = page
    const ra = visit.riskAssessment
    if (!ra) throw new NotFoundError('This visit has no risk assessment yet: send the plan for risk assessment first.')
    const submitted = extra.submitted as Record<string, unknown> | undefined
    const answerOf = (field: string) => (submitted ? (submitted[`answers-${field}`] as string | undefined) : undefined) ?? ra.answers[field] ?? ''
    const choice = (name: string, stored: boolean | null) => (submitted ? submitted[name] : stored === null ? '' : stored ? 'yes' : 'no')
    const editable = page.may.workOnRiskAssessment && visit.status === 'awaiting_risk_assessment' && ra.status !== 'signed_off'
    return reply.status(status).page(view('risk-assessment'), {
      title: 'Risk assessment',
      page,
      visit,
      ra,
      editable,
      when: describeWhen(visit),
      raStatusLabel: { open: 'Open', completed: 'Completed, waiting to be signed off', signed_off: 'Signed off', reopened: 'Re-opened' }[ra.status],
      fields: visit.policy.riskAssessment.requiredFields.map((id) => ({ id, label: riskAssessmentFields[id], value: answerOf(id) })),
      animals: page.hazards.filter((h) => h.kind === 'animal'),
      values: {
        animalsKeptAwayRequested: choice('animalsKeptAwayRequested', ra.animalsKeptAwayRequested),
        risksFound: choice('risksFound', ra.risksFound),
        inviteDecision: submitted ? submitted.inviteDecision : visit.inviteIntoSchoolDecision,
        inviteReason: submitted ? submitted.inviteReason : visit.inviteIntoSchoolReason,
        policeAccompanimentRequested: submitted ? submitted.policeAccompanimentRequested === 'yes' : visit.policeAccompanimentRequested,
        loneWorkingRisks: submitted ? submitted.loneWorkingRisks : (ra.loneWorking?.risks ?? ''),
        loneWorkingControls: submitted ? submitted.loneWorkingControls : (ra.loneWorking?.controls ?? ''),
      },
      loneRequired: visit.loneVisit,
      completedByText: visit.policy.riskAssessment.completedBy.map((r) => roleLabels[r]).join(' or '),
      signedOffByText: visit.policy.riskAssessment.signedOffBy.map((r) => roleLabels[r]).join(' or '),
      ...extra,
    })
  }

  app.get<V>('/visits/:visitId/risk-assessment', { config: { access: users } }, async (request, reply) => raPage(request, reply))

  app.post<V>('/visits/:visitId/risk-assessment', { config: { access: users } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(riskAssessmentInput, riskAssessmentFromForm(body))
    const fail = (status: number, errors: FieldError[]) => raPage(request, reply, { submitted: body, ...errorView(errors, (field) => field.replaceAll('.', '-')) }, status)
    if (!form.ok) return fail(400, form.errors)
    try {
      const visit = await workOnRiskAssessment(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, form.data, clock())
      const done = { save: 'ra-saved', complete: 'ra-completed', sign_off: 'ra-signed-off', reopen: 'ra-reopened' }[form.data.action]
      const target = visit.status === 'cancelled' ? `/visits/${visit.id}?done=cancelled` : form.data.action === 'save' ? `/visits/${visit.id}/risk-assessment?done=${done}` : `/visits/${visit.id}?done=${done}`
      return reply.redirect(target, 303)
    } catch (error) {
      if (error instanceof ValidationError) return fail(400, error.fieldErrors)
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) return fail(error.status, [{ field: 'action', message: error.message }])
      throw error
    }
  })

  // ------------------------------------------------------------ approving or refusing (R-APPROVE-1/2, R-STAFF-2, R-HOURS-1)
  const decisionPage = async (request: FastifyRequest<V>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const page = await viewVisit(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    return reply.status(status).page(view('decision'), {
      title: 'Approve or refuse the visit',
      page,
      statusLabel: statusLabels[page.visit.status],
      visit: page.visit,
      when: describeWhen(page.visit),
      roleLabels: roleOnVisitLabels,
      raFields: page.visit.policy.riskAssessment.requiredFields.map((id) => ({ id, label: riskAssessmentFields[id] })),
      coversLone: page.approval.mine.ok && page.approval.mine.covers.includes('lone_visit'),
      values: {},
      ...extra,
    })
  }

  app.get<V>('/visits/:visitId/decision', { config: { access: users } }, async (request, reply) => decisionPage(request, reply))

  app.post<V>('/visits/:visitId/approve', { config: { access: users } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(approveInput, approveFromForm(body))
    if (!form.ok) return decisionPage(request, reply, { values: body, ...errorView(form.errors) }, 400)
    try {
      await approveVisit(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, form.data, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        const errors = error instanceof ValidationError ? error.fieldErrors : [{ field: 'approve', message: error.message }]
        return decisionPage(request, reply, { values: body, ...errorView(errors) }, error.status)
      }
      throw error
    }
    return reply.redirect(`/visits/${request.params.visitId}?done=approved`, 303)
  })

  app.post<V>('/visits/:visitId/refuse', { config: { access: users } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(reasonInput, reasonFromForm(body))
    if (!form.ok) return decisionPage(request, reply, { values: body, ...errorView(form.errors) }, 400)
    try {
      await refuseVisit(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, form.data, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        const errors = error instanceof ValidationError ? error.fieldErrors : [{ field: 'reason', message: error.message }]
        return decisionPage(request, reply, { values: body, ...errorView(errors) }, error.status)
      }
      throw error
    }
    return reply.redirect(`/visits/${request.params.visitId}?done=refused`, 303)
  })

  registerVisitApi(app)
}

/** What a section page shows in its boxes, from the stored plan. */
function storedValues(section: PlanSection, plan: ReturnType<typeof planOf>): Record<string, unknown> {
  const dateParts = (date: string | null) => {
    const [year = '', month = '', day = ''] = (date ?? '').split('-')
    return { day: day.replace(/^0/, ''), month: month.replace(/^0/, ''), year }
  }
  switch (section) {
    case 'family':
      return { contactIds: plan.contactIds, addressId: plan.addressId ?? '' }
    case 'purpose':
      return {
        ...plan,
        necessityConfirmed: plan.necessityConfirmed,
        noticeKind: plan.noticeExceptionId ? 'exception' : plan.noticeGivenOn ? 'given' : '',
        noticeGivenOn: dateParts(plan.noticeGivenOn),
      }
    case 'when':
      return {
        ...plan,
        date: dateParts(plan.date),
        arriveAt: plan.arriveAt ?? '',
        finishAt: plan.finishAt ?? '',
        responsibleContactUserId: plan.responsibleContactUserId ?? '',
      }
    case 'staff': {
      const of = (role: string) => plan.staff.find((s) => s.role === role)?.userId ?? ''
      return { leadUserId: of('lead'), secondUserId: of('second'), noteTakerUserId: of('note_taker'), vehicleId: plan.vehicleId ?? '', codeWord: plan.codeWord, contingencyPlan: plan.contingencyPlan }
    }
  }
}

/** What a section page shows again after a failed save: what was typed. */
function formValues(section: PlanSection, body: unknown): Record<string, unknown> {
  const form = (body ?? {}) as Record<string, unknown>
  const parts = (name: string) => ({ day: form[`${name}-day`] ?? '', month: form[`${name}-month`] ?? '', year: form[`${name}-year`] ?? '' })
  const list = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value])
  if (section === 'family') return { ...form, contactIds: list(form.contactIds) }
  if (section === 'purpose') return { ...form, necessityConfirmed: list(form.necessityConfirmed).includes('yes'), choiceOfTimesOffered: list(form.choiceOfTimesOffered).includes('yes'), noticeGivenOn: parts('noticeGivenOn') }
  if (section === 'when') return { ...form, date: parts('date') }
  return form
}

function describeHours(policy: Policy): string {
  const days = weekdays.filter((day) => policy.hours.week[day])
  const text = days.map((day) => `${day.charAt(0).toUpperCase()}${day.slice(1)} ${policy.hours.week[day]!.start} to ${policy.hours.week[day]!.end}`).join(', ')
  const ooh = policy.hours.outOfHours
  const after = ooh.allowed
    ? `Outside them a visit needs approval as exceptional and a reason${ooh.responsibleContactRequired ? ', and a responsible contact who monitors the visit instead of the school office' : ''}.`
    : 'This policy does not allow visits outside them.'
  return `${policy.hours.kind === 'school' ? 'School' : 'Working'} hours: ${text}. ${after}`
}

function describeStaffing(policy: Policy): string {
  const { minimumStaff, loneVisits } = policy.staffing
  if (!loneVisits.allowed) return `This policy needs at least ${minimumStaff} staff on every visit. Lone visits are not allowed.`
  if (loneVisits.approverRoles === null) return `This policy advises ${minimumStaff} staff on every visit.`
  return `This policy needs at least ${minimumStaff} staff on a visit. A lone visit needs ${describeRoles(loneVisits.approverRoles)} to decide that it is safe${loneVisits.riskAssessmentRequired ? ', and its own lone-working risk assessment' : ''}.`
}
