import type { FastifyRequest } from 'fastify'
import type pg from 'pg'
import type { Actor } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import {
  approvalsNeeded,
  canApprove,
  mayStart,
  outstandingApprovals,
  type ApprovalKind,
  type RequiredApproval,
  type VisitForApproval,
} from '../../domain/approval.ts'
import { formatDate } from '../../domain/dates.ts'
import { checkHours, londonDate } from '../../domain/hours.ts'
import { checkNotice, familyDeclinedWarning } from '../../domain/notice.ts'
import { isAlarmEvent, seesAlarmsOf, type WatchedVisit } from '../../domain/monitoring.ts'
import { describeRoles, holdsAnyRole, joinWords, roleLabels, type SchoolRole } from '../../domain/roles.ts'
import { checkStaffing, checkVisitorEligibility, type StaffingMessage } from '../../domain/staffing.ts'
import { riskAssessmentFields, type Policy, type RiskAssessmentField } from '../../policy/schema.ts'
import { actorOf as requestActor, schoolOf } from '../../web/auth-plugin.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { currentPolicy } from '../policy/repository.ts'
import {
  activeDecline,
  adultsOfPupil,
  agenciesOfPupil,
  findAdult,
  findPupil,
  findPupilAddress,
  hazardsForAddress,
  mainAddressOf,
  type Agency,
  type Decline,
  type FamilyAdult,
  type Hazard,
} from '../pupils/repository.ts'
import { findPeople } from '../readiness/repository.ts'
import { usersWithRoles } from '../live/repository.ts'
import { staffReadiness, vehicleFor } from '../readiness/service.ts'
import { checkVehicle, vehicleName } from '../readiness/vehicle-rules.ts'
import {
  effectOfChange,
  isClearedToGo,
  isEditable,
  isUpcoming,
  planPartLabels,
  statusLabels,
  transition,
  type PlanPart,
  type VisitAction,
  type VisitStatus,
} from '../../domain/visit-lifecycle.ts'
import {
  eventsOf,
  findVisit,
  insertDecision,
  insertVisit,
  listVisits,
  lockVisit,
  readCodeWord,
  replaceAdults,
  replacePupils,
  replaceStaff,
  saveRiskAssessment as writeRiskAssessment,
  updateVisit as writeVisit,
  visitsToReassess,
  type RiskAssessmentColumns,
  type Visit,
  type VisitColumns,
  type VisitEvent,
  type VisitListFilter,
  type VisitListRow,
  type VisitWarning,
} from './repository.ts'
import { roleOnVisitLabels, type CancelInput, type PlanChanges, type RiskAssessmentInput, type RoleOnVisit } from './schema.ts'
import { londonInstant, londonParts } from './times.ts'
import { recordVisitEvent } from './events.ts'
import { feedbackOffer } from '../feedback/service.ts'
import { agreementKeepers } from '../agreements/service.ts'
import { cancellationProblem, describeCancellation } from '../../domain/cancellation.ts'
import { noticeOfVisit, sendCancellationNotice, type CancellationNotice } from '../cancellations/notice.ts'

/**
 * Planning and authorising a visit (R-PURPOSE-1/2, R-APPROVE-1/2, R-RISK-1..3, R-STAFF-1..6,
 * R-NOTICE-1/2, R-HOURS-1, R-FAMILY-2..4, R-VEHICLE-1/2, R-CONTACT-1, R-ITIN-1..3, R-CONF-1).
 * Every rule is here, so pages and the API obey it with the same message. Every change writes a
 * visit_events row and an audit entry in the transaction that makes it (R-AUDIT-1). The code word
 * never goes into either.
 */

// ---------------------------------------------------------------- who may do what

/** A signed-in member of staff acting in a school. */
export type Viewer = { userId: string; name: string; roles: readonly SchoolRole[] }

/** May use the visit pages at all (plan a visit, see their visits). */
export const visitUsers = ['visitor', 'office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head', 'slt'] as const satisfies readonly SchoolRole[]
/** R-CONF-1: see every visit of the school; visitors see the visits they are on or planned. */
export const seeAllVisits = ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head', 'slt'] as const satisfies readonly SchoolRole[]
/** R-ITIN-2: besides the visitors on the visit, who may read its code word. */
export const codeWordReaders = ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head'] as const satisfies readonly SchoolRole[]
/** Senior staff who may change or cancel any visit. */
export const visitLeaders = ['dsl', 'deputy_dsl', 'headteacher', 'associate_head', 'slt'] as const satisfies readonly SchoolRole[]
/** R-BRIEF-1, R-CONF-1: besides the staff going on the visit, who may read its briefing. */
export const briefingReaders = ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head'] as const satisfies readonly SchoolRole[]
/** Roles that approve visits under one of the presets: they see the approvals page (which lists only what they may decide). */
export const approvalPageRoles = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const satisfies readonly SchoolRole[]

/** The person making a request, in the school they act in. */
/** An API client reads visits as the office but is no person: this id matches nobody (it only reads: visits:read). */
export const NO_PERSON = '00000000-0000-0000-0000-000000000000'

export function viewerOf(request: FastifyRequest): Viewer {
  if (request.apiClient) return { userId: NO_PERSON, name: `API client "${request.apiClient.name}"`, roles: schoolOf(request).roles }
  const actor = requestActor(request)
  return { userId: actor.userId, name: actor.name, roles: schoolOf(request).roles }
}

const isOnVisit = (viewer: Pick<Viewer, 'userId'>, visit: Pick<Visit, 'staff'>) => visit.staff.some((person) => person.userId === viewer.userId)

export function canView(viewer: Viewer, visit: Pick<Visit, 'staff' | 'createdBy'>): boolean {
  return holdsAnyRole(viewer.roles, seeAllVisits) || visit.createdBy === viewer.userId || isOnVisit(viewer, visit)
}

export function canEdit(viewer: Viewer, visit: Pick<Visit, 'staff' | 'createdBy'>): boolean {
  return holdsAnyRole(viewer.roles, visitLeaders) || visit.createdBy === viewer.userId || isOnVisit(viewer, visit)
}

/**
 * R-ITIN-2: the office and the DSL/head roles; the staff going on the visit once it is cleared to
 * go (approved or in progress). Adding yourself to a visit, or changing its code word, sends an
 * approved visit back for approval, so nobody reads the word without an approver having seen them
 * on the visit (docs/decisions/0010).
 */
export function canSeeCodeWord(viewer: Viewer, visit: Pick<Visit, 'staff' | 'status'>): boolean {
  return holdsAnyRole(viewer.roles, codeWordReaders) || (isOnVisit(viewer, visit) && isClearedToGo(visit.status))
}

/** The briefing: the staff going on the visit and the briefing readers (its code word and notes follow their own rules). */
export function canReadBriefing(viewer: Viewer, visit: Pick<Visit, 'staff'>): boolean {
  return isOnVisit(viewer, visit) || holdsAnyRole(viewer.roles, briefingReaders)
}

/** Going on the visit, but not reading its code word until the visit is approved. */
export function seesCodeWordOnApproval(viewer: Viewer, visit: Pick<Visit, 'staff' | 'status'>): boolean {
  return isOnVisit(viewer, visit) && !canSeeCodeWord(viewer, visit)
}

/** The visit as the live side's watching rules read it (domain/monitoring.ts). */
export function watchedVisit(visit: Pick<Visit, 'staff' | 'policy' | 'responsibleContactUserId'>): WatchedVisit {
  return { staffUserIds: visit.staff.map((person) => person.userId), monitoredBy: visit.policy.checkIns.monitoredBy, responsibleContactUserId: visit.responsibleContactUserId }
}

/** Holds one of the roles, where 'visitor' means "one of the visitors on this visit". */
function actsAs(viewer: Viewer, roles: readonly SchoolRole[], visit: Pick<Visit, 'staff'>): boolean {
  return holdsAnyRole(viewer.roles, roles.filter((role) => role !== 'visitor')) || (roles.includes('visitor') && isOnVisit(viewer, visit))
}

export function canWorkOnRiskAssessment(viewer: Viewer, visit: Visit): boolean {
  const { completedBy, signedOffBy } = visit.policy.riskAssessment
  return actsAs(viewer, completedBy, visit) || actsAs(viewer, signedOffBy, visit)
}

export function canSignOffRiskAssessment(viewer: Viewer, visit: Visit): boolean {
  return actsAs(viewer, visit.policy.riskAssessment.signedOffBy, visit)
}

function describeActors(roles: readonly SchoolRole[]): string {
  return roles.includes('visitor') ? describeRoles(roles).replace('the visiting staff', 'the staff going on the visit') : describeRoles(roles)
}

function actorOf(viewer: Viewer): Actor {
  return { userId: viewer.userId, name: viewer.name }
}

// ---------------------------------------------------------------- the plan as the forms see it

/** A visit's plan in the terms people type: UK date and wall-clock times. */
export type PlanState = {
  pupilIds: string[]
  contactIds: string[]
  addressId: string | null
  purposeId: string | null
  purposeDetail: string
  whyNotInSchool: string
  necessityConfirmed: boolean
  date: string | null
  leaveSchoolAt: string | null
  arriveAt: string | null
  startAt: string | null
  endAt: string | null
  finishAt: string | null
  backAtSchoolAt: string | null
  noticeGivenOn: string | null
  noticeMethod: string
  choiceOfTimesOffered: boolean
  noticeExceptionId: string | null
  noticeExceptionReason: string
  outOfHoursReason: string
  responsibleContactUserId: string | null
  staff: Array<{ userId: string; role: RoleOnVisit }>
  vehicleId: string | null
  codeWord: string
  contingencyPlan: string
}

const emptyPlan: PlanState = {
  pupilIds: [],
  contactIds: [],
  addressId: null,
  purposeId: null,
  purposeDetail: '',
  whyNotInSchool: '',
  necessityConfirmed: false,
  date: null,
  leaveSchoolAt: null,
  arriveAt: null,
  startAt: null,
  endAt: null,
  finishAt: null,
  backAtSchoolAt: null,
  noticeGivenOn: null,
  noticeMethod: '',
  choiceOfTimesOffered: false,
  noticeExceptionId: null,
  noticeExceptionReason: '',
  outOfHoursReason: '',
  responsibleContactUserId: null,
  staff: [],
  vehicleId: null,
  codeWord: '',
  contingencyPlan: '',
}

/** The plan of a stored visit. `codeWord` is passed in by callers allowed to read it (or '' when unchanged). */
export function planOf(visit: Visit, codeWord: string): PlanState {
  const time = (at: Date | null) => (at ? londonParts(at).time : null)
  return {
    pupilIds: visit.pupils.map((p) => p.id),
    contactIds: visit.adults.map((a) => a.id),
    addressId: visit.addressId,
    purposeId: visit.purposeId,
    purposeDetail: visit.purposeDetail,
    whyNotInSchool: visit.whyNotInSchool,
    necessityConfirmed: visit.necessityConfirmed,
    date: visit.plannedStart ? londonParts(visit.plannedStart).date : null,
    leaveSchoolAt: time(visit.leaveSchoolAt),
    // Arrival and leaving the address "the same as the visit" follow the visit when it moves.
    arriveAt: sameInstant(visit.arriveAt, visit.plannedStart) ? null : time(visit.arriveAt),
    startAt: time(visit.plannedStart),
    endAt: time(visit.plannedEnd),
    finishAt: sameInstant(visit.finishAt, visit.plannedEnd) ? null : time(visit.finishAt),
    backAtSchoolAt: time(visit.backAtSchoolAt),
    noticeGivenOn: visit.noticeGivenOn,
    noticeMethod: visit.noticeMethod ?? '',
    choiceOfTimesOffered: visit.choiceOfTimesOffered ?? false,
    noticeExceptionId: visit.noticeExceptionId,
    noticeExceptionReason: visit.noticeExceptionReason,
    outOfHoursReason: visit.outOfHoursReason,
    responsibleContactUserId: visit.responsibleContactUserId,
    staff: visit.staff.map((person) => ({ userId: person.userId, role: person.roleOnVisit })),
    vehicleId: visit.vehicleId,
    codeWord,
    contingencyPlan: visit.contingencyPlan,
  }
}

function sameInstant(a: Date | null, b: Date | null): boolean {
  return a !== null && b !== null && a.getTime() === b.getTime()
}

function merge(plan: PlanState, changes: PlanChanges): PlanState {
  const next: PlanState = { ...plan }
  for (const [key, value] of Object.entries(changes) as Array<[keyof PlanChanges, unknown]>) {
    if (value === undefined) continue
    ;(next as Record<string, unknown>)[key] = value
  }
  // Dedupe lists a form or a client may repeat.
  next.pupilIds = [...new Set(next.pupilIds)]
  next.contactIds = [...new Set(next.contactIds)]
  return next
}

/** Which part of the plan each field belongs to (what a change to it does: effectOfChange). */
const fieldParts: Record<keyof PlanState, PlanPart> = {
  pupilIds: 'pupils',
  contactIds: 'adults',
  addressId: 'address',
  purposeId: 'purpose',
  purposeDetail: 'purpose',
  whyNotInSchool: 'purpose',
  necessityConfirmed: 'purpose',
  date: 'time',
  leaveSchoolAt: 'time',
  arriveAt: 'time',
  startAt: 'time',
  endAt: 'time',
  finishAt: 'time',
  backAtSchoolAt: 'time',
  noticeGivenOn: 'notice',
  noticeMethod: 'notice',
  choiceOfTimesOffered: 'notice',
  noticeExceptionId: 'notice',
  noticeExceptionReason: 'notice',
  outOfHoursReason: 'time',
  responsibleContactUserId: 'time',
  staff: 'staff',
  vehicleId: 'vehicle',
  codeWord: 'codeWord',
  contingencyPlan: 'itinerary',
}
/** Which parts of the plan differ, and which fields (for the history; never values of the code word). */
function planDiff(before: PlanState, after: PlanState): { parts: PlanPart[]; fields: string[] } {
  const same = (a: unknown, b: unknown) => JSON.stringify(normalise(a)) === JSON.stringify(normalise(b))
  const fields = (Object.keys(fieldParts) as Array<keyof PlanState>).filter((key) => !same(before[key], after[key]))
  const parts = [...new Set(fields.map((key) => fieldParts[key]))]
  return { parts, fields }
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : item)).sort()
  return value ?? null
}

const fieldNames: Record<string, string> = {
  pupilIds: 'the pupils',
  contactIds: 'the adults being visited',
  addressId: 'the address',
  purposeId: 'the purpose',
  purposeDetail: 'the purpose in detail',
  whyNotInSchool: 'why the family cannot come into school',
  necessityConfirmed: 'the confirmation that the visit is necessary',
  date: 'the date',
  leaveSchoolAt: 'the time of leaving school',
  arriveAt: 'the arrival time',
  startAt: 'the start time',
  endAt: 'the end time',
  finishAt: 'the time of leaving the address',
  backAtSchoolAt: 'the time back at school',
  noticeGivenOn: 'when the family were told',
  noticeMethod: 'how the family were told',
  choiceOfTimesOffered: 'the choice of times',
  noticeExceptionId: 'the exception to telling the family',
  noticeExceptionReason: 'why the exception applies',
  outOfHoursReason: 'why the visit is out of hours',
  responsibleContactUserId: 'the responsible contact',
  staff: 'the staff going',
  vehicleId: 'the vehicle',
  codeWord: 'the code word',
  contingencyPlan: 'the contingency plan',
}

function listOfFields(fields: readonly string[]): string {
  const names = fields.map((field) => fieldNames[field] ?? field)
  if (names.length <= 1) return names[0] ?? 'nothing'
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

// ---------------------------------------------------------------- checking a plan

type Stage = 'draft' | 'submit'

/** A plan checked against the school's records and the visit's policy: what to store, what blocks, what warns. */
type CheckedPlan = {
  errors: FieldError[]
  warnings: VisitWarning[]
  columns: Partial<VisitColumns>
  staffRows: Array<{ userId: string; role: RoleOnVisit; mobile: string | null }>
  hoursReason: string | null
  approvals: RequiredApproval[]
}

async function checkPlan(db: Db, schoolId: string, policy: Policy, plan: PlanState, stage: Stage, now: Date, options: { timeChanged: boolean; staffChanged?: boolean }): Promise<CheckedPlan> {
  const errors: FieldError[] = []
  const warnings: VisitWarning[] = []
  const error = (field: string, message: string) => {
    if (!errors.some((e) => e.field === field && e.message === message)) errors.push({ field, message })
  }
  const submitting = stage === 'submit'

  // Pupils (R-NOTICE-2: a decline is shown and recorded as a warning).
  const pupils = []
  for (const pupilId of plan.pupilIds) {
    const pupil = await findPupil(db, schoolId, pupilId)
    if (!pupil) error('pupilIds', 'Choose pupils from the list: one of the pupils chosen is not in this school')
    else pupils.push(pupil)
  }
  if (plan.pupilIds.length === 0) error('pupilIds', 'Choose at least one pupil to visit')
  for (const pupil of pupils) {
    const decline = await activeDecline(db, schoolId, pupil.id)
    const text = familyDeclinedWarning(policy, decline?.declinedOn ?? null)
    if (decline && text) warnings.push({ code: 'family_declined', text: `${pupil.name}: ${text} Reason given: ${decline.reason}` })
  }

  // The adults visited: linked to one of the pupils, and not flagged (R-FAMILY-3).
  for (const contactId of plan.contactIds) {
    let adult: FamilyAdult | undefined
    for (const pupil of pupils) adult ??= await findAdult(db, schoolId, pupil.id, contactId)
    if (!adult) {
      error('contactIds', 'Choose adults from the list: one of the adults chosen is not linked to the pupils on this visit')
    } else if (adult.noAppointments) {
      error('contactIds', `No appointments can be made with ${adult.name} until the DSL or headteacher reviews the case`)
    }
  }
  if (submitting && plan.contactIds.length === 0) error('contactIds', 'Choose the adults you are visiting')

  // The address: one of the pupils' addresses.
  if (plan.addressId) {
    let found = false
    for (const pupil of pupils) found ||= (await findPupilAddress(db, schoolId, pupil.id, plan.addressId)) !== undefined
    if (!found) error('addressId', 'Choose an address from the list: that address is not one of the pupils’ addresses')
  } else if (submitting) {
    error('addressId', 'Choose the address you are visiting')
  }

  // Purpose (R-PURPOSE-1/2).
  if (plan.purposeId && !policy.purposes.some((purpose) => purpose.id === plan.purposeId)) {
    error('purposeId', 'Choose the purpose of the visit from the list')
  }
  if (submitting) {
    if (!plan.purposeId) error('purposeId', 'Choose the purpose of the visit')
    if (!plan.purposeDetail.trim()) error('purposeDetail', 'Describe the purpose of the visit in a sentence or two')
    if (!plan.whyNotInSchool.trim()) error('whyNotInSchool', 'Say why the family cannot be invited into school instead')
    if (!plan.necessityConfirmed) error('necessityConfirmed', 'Confirm that the visit is necessary')
  }

  // Times (R-ITIN-1), in UK time on the visit's date.
  const times = checkTimes(plan, submitting, error)
  // The date, at the page it is typed on (issue 10 §2): not in the past, and not more than a year ahead.
  const dateProblem = options.timeChanged ? visitDateProblem(plan.date, now) : null
  if (dateProblem) error('date', dateProblem)
  if (!dateProblem && times.plannedStart && submitting && options.timeChanged && times.plannedStart.getTime() <= now.getTime()) {
    error('startAt', 'The visit must start in the future. Change the date or the time it starts')
  }

  // Out of hours (R-HOURS-1): the whole time the visitors are away from school.
  let hoursReason: string | null = null
  let outOfHours = false
  const away = { start: times.leaveSchoolAt ?? times.plannedStart, end: times.backAtSchoolAt ?? times.finishAt ?? times.plannedEnd }
  if (away.start && away.end && away.end > away.start) {
    const hours = checkHours(policy, { start: away.start, end: away.end })
    if (hours.outOfHours) {
      outOfHours = true
      hoursReason = hours.reason
    }
  }
  const ooh = policy.hours.outOfHours
  if (outOfHours && submitting) {
    if (!ooh.allowed) {
      error('startAt', `${hoursReason} This policy does not allow visits outside ${policy.hours.kind} hours. Move the visit into ${policy.hours.kind} hours.`)
    } else {
      if (!plan.outOfHoursReason.trim()) {
        error('outOfHoursReason', `${hoursReason} Say why the visit cannot happen in ${policy.hours.kind} hours`)
      }
      if (ooh.responsibleContactRequired && !plan.responsibleContactUserId) {
        error(
          'responsibleContactUserId',
          `This visit is outside ${policy.hours.kind} hours, so name the responsible contact who will monitor it instead of the school office`,
        )
      }
    }
  }

  // Staff (R-STAFF-1..6, R-CONTACT-1).
  const staffRows: CheckedPlan['staffRows'] = []
  const staffIds = plan.staff.map((person) => person.userId)
  const people = await findPeople(db, schoolId, staffIds)
  const leads = plan.staff.filter((person) => person.role === 'lead')
  if (plan.staff.length > 0 && leads.length === 0) error('staff', 'Choose the lead visitor')
  if (leads.length > 1) error('staff', 'Choose one lead visitor: only one person can lead the visit')
  const seen = new Set<string>()
  for (const member of plan.staff) {
    const person = people.find((p) => p.id === member.userId)
    if (!person) {
      error('staff', 'Choose staff from the list: one of the people chosen is not on this school’s staff')
      continue
    }
    if (!person.active) error('staff', `${person.name}’s account is deactivated, so they cannot go on a visit. Choose someone else`)
    if (seen.has(person.id)) error('staff', `${person.name} is listed twice on this visit. Choose each person once`)
    seen.add(person.id)
    staffRows.push({ userId: person.id, role: member.role, mobile: person.mobile })
  }
  if (submitting && plan.staff.length === 0) error('staff', 'Choose the staff going on the visit, starting with the lead visitor')
  const loneVisit = new Set(staffIds).size === 1
  if (submitting && plan.staff.length > 0) {
    const proposed = await staffReadiness(db, schoolId, staffIds, times.plannedStart ?? now)
    // The lone-visit decision and its risk assessment come later (approval, risk assessment): checked there.
    const result = checkStaffing(policy, { staff: proposed, loneApproved: true, loneRiskAssessmentCompleted: true, at: times.plannedStart ?? now })
    for (const block of result.blocks) error('staff', block.text)
    for (const warning of result.warnings) warnings.push({ code: warning.code, text: warning.text })
  } else if (options.staffChanged && plan.staff.length > 0) {
    // A draft's staff page says at once who cannot go and why (issue 10 §2); the rules for the whole team
    // (two staff, a trained visitor on each visit) wait until the plan is sent.
    const proposed = await staffReadiness(db, schoolId, staffIds, times.plannedStart ?? now)
    for (const person of proposed) {
      for (const block of checkVisitorEligibility(policy, person, times.plannedStart ?? now).blocks) error('staff', block.text)
    }
  }

  // The responsible contact watches from outside the visit.
  if (plan.responsibleContactUserId) {
    const [contact] = await findPeople(db, schoolId, [plan.responsibleContactUserId])
    if (!contact) error('responsibleContactUserId', 'Choose the responsible contact from the list of staff')
    else if (staffIds.includes(contact.id)) {
      error('responsibleContactUserId', `${contact.name} is going on the visit. The responsible contact monitors the visit from outside it, so choose someone else`)
    }
  }

  // Vehicle (R-VEHICLE-1/2).
  if (plan.vehicleId) {
    const vehicle = await vehicleFor(db, schoolId, plan.vehicleId)
    if (!vehicle) error('vehicleId', 'Choose a vehicle from the list')
    else if (submitting) {
      const result = checkVehicle(policy, vehicle, times.plannedStart ?? now)
      for (const problem of result.problems) {
        if (problem.severity === 'block') error('vehicleId', problem.message)
        else warnings.push({ code: problem.code, text: problem.message })
      }
    }
  }

  // Telling the family (R-NOTICE-1).
  if (plan.noticeGivenOn && plan.noticeExceptionId) {
    error('noticeExceptionId', 'Record either when the family were told or the exception that applies, not both')
  }
  if (plan.noticeExceptionId && !policy.notice.exceptions.some((exception) => exception.id === plan.noticeExceptionId)) {
    error('noticeExceptionId', 'Choose an exception from the list')
  }
  if (plan.noticeGivenOn && plan.noticeGivenOn > londonDate(now)) {
    error('noticeGivenOn', 'The date the family were told must be today or in the past')
  }
  if (submitting && times.plannedStart) {
    const check = checkNotice(
      policy,
      {
        parentsToldAt: plan.noticeGivenOn ? londonInstant(plan.noticeGivenOn, '00:00') : null,
        choiceOfTimesOffered: plan.choiceOfTimesOffered,
        exception: plan.noticeExceptionId ? { id: plan.noticeExceptionId, reason: plan.noticeExceptionReason } : null,
      },
      times.plannedStart,
    )
    if (!check.satisfied) {
      for (const problem of check.problems) {
        const field = plan.noticeExceptionId ? 'noticeExceptionReason' : /choice/i.test(problem) ? 'choiceOfTimesOffered' : 'noticeGivenOn'
        error(field, problem)
      }
    }
    if (plan.noticeGivenOn && !plan.noticeMethod.trim()) error('noticeMethod', 'Say how the family were told, like a phone call or a letter')
  }

  // Itinerary (R-ITIN-2, R-ITIN-3).
  if (submitting && policy.itinerary.codeWordRequired && !plan.codeWord.trim()) {
    error('codeWord', 'Agree a code word or phrase with the other visitors and the office, so you can ask for help without the family knowing')
  }
  if (submitting && policy.itinerary.contingencyPlanRequired && !plan.contingencyPlan.trim()) {
    error('contingencyPlan', 'Write a contingency plan: what you will do if, for example, the car breaks down or you get lost')
  }

  // Approvals it will need (R-APPROVE-1, R-HOURS-1, R-STAFF-2).
  let approvals: RequiredApproval[] = []
  if (plan.purposeId && policy.purposes.some((purpose) => purpose.id === plan.purposeId)) {
    const needed = approvalsNeeded(policy, { purposeId: plan.purposeId, outOfHours, lone: loneVisit, staffIds })
    if (needed.ok) approvals = needed.approvals
  }

  const columns: Partial<VisitColumns> = {
    purposeId: plan.purposeId,
    purposeDetail: plan.purposeDetail,
    whyNotInSchool: plan.whyNotInSchool,
    necessityConfirmed: plan.necessityConfirmed,
    addressId: plan.addressId,
    plannedStart: times.plannedStart,
    plannedEnd: times.plannedEnd,
    leaveSchoolAt: times.leaveSchoolAt,
    arriveAt: times.arriveAt,
    finishAt: times.finishAt,
    backAtSchoolAt: times.backAtSchoolAt,
    vehicleId: plan.vehicleId,
    noticeGivenOn: plan.noticeGivenOn,
    noticeMethod: plan.noticeGivenOn ? plan.noticeMethod : null,
    choiceOfTimesOffered: plan.noticeGivenOn ? plan.choiceOfTimesOffered : null,
    noticeExceptionId: plan.noticeExceptionId,
    noticeExceptionReason: plan.noticeExceptionId ? plan.noticeExceptionReason : '',
    outOfHours,
    outOfHoursReason: plan.outOfHoursReason,
    responsibleContactUserId: plan.responsibleContactUserId,
    loneVisit,
    codeWord: plan.codeWord,
    contingencyPlan: plan.contingencyPlan,
    warnings,
  }
  return { errors, warnings, columns, staffRows, hoursReason, approvals }
}

type Times = {
  plannedStart: Date | null
  plannedEnd: Date | null
  leaveSchoolAt: Date | null
  arriveAt: Date | null
  finishAt: Date | null
  backAtSchoolAt: Date | null
}

/**
 * Each visiting member of staff's readiness for this visit (its policy, on its date): shown in the staff
 * page's choice, so who cannot go, and why, is known before choosing (issue 10 §2).
 */
export async function readinessForVisit(db: Db, schoolId: string, policy: Policy, userIds: readonly string[], at: Date): Promise<Map<string, { blocks: string[]; warnings: string[] }>> {
  const proposed = await staffReadiness(db, schoolId, userIds, at)
  return new Map(proposed.map((person) => {
    const check = checkVisitorEligibility(policy, person, at)
    return [person.userId, { blocks: check.blocks.map((b) => b.text), warnings: check.warnings.map((w) => w.text) }]
  }))
}

/**
 * What saving a change on a page would do to the visit's approval, said before it is saved (issue 10 §3,
 * R-APPROVE-1): null when nothing is at stake (a draft, or a page whose fields an approver need not see again).
 * `fields`: the page's fields. Who will know: the approvers it waits for again, by name, and the staff going.
 */
export async function approvalAtStake(db: Db, schoolId: string, visit: Visit, fields: readonly string[]): Promise<{ title: string; text: string } | null> {
  if (visit.status !== 'approved' && visit.status !== 'awaiting_approval') return null
  const given = visit.decisions.filter((d) => d.approvalRound === visit.approvalRound && d.outcome === 'approved')
  if (visit.status === 'awaiting_approval' && given.length === 0) return null
  const state = { status: visit.status, riskAssessmentStatus: visit.riskAssessment?.status ?? null }
  const parts = [...new Set(fields.flatMap((field) => (Object.hasOwn(fieldParts, field) ? [fieldParts[field as keyof PlanState]] : [])))]
  const mattering = parts.filter((part) => effectOfChange(state, [part]).newApprovalRound)
  if (mattering.length === 0) return null
  const reopens = parts.filter((part) => effectOfChange(state, [part]).reopenRiskAssessment)
  const what = joinWords(mattering.map((part) => planPartLabels[part]), 'or')
  const approverRoles = [...new Set(approvalPicture({ userId: '', name: '', roles: [] }, visit).needed.flatMap((a) => a.roles))]
  const approvers = (await usersWithRoles(db, schoolId, approverRoles)).filter((person) => !visit.staff.some((s) => s.userId === person.id)).map((person) => person.name)
  const staff = visit.staff.map((s) => s.name)
  const told = [
    approvers.length ? `${joinWords(approvers, 'and')} will see it waiting for approval again on their Approvals page` : '',
    staff.length ? `${joinWords(staff, 'and')} will see that it is no longer approved` : '',
  ].filter(Boolean)
  const again = reopens.length ? ` A change to ${joinWords(reopens.map((part) => planPartLabels[part]), 'or')} also re-opens the risk assessment.` : ''
  if (visit.status === 'approved') {
    return {
      title: 'Saving a change here sends the visit back for approval',
      text: `This visit is approved. Changing ${what} sends it back for approval: it cannot go ahead until it is approved again.${again}${told.length ? ` ${told.join(', and ')}.` : ''}`,
    }
  }
  return {
    title: 'Saving a change here undoes the approvals given so far',
    text: `${joinWords([...new Set(given.map((d) => d.decidedByName))], 'and')} ${given.length === 1 ? 'has' : 'have'} approved this visit. Changing ${what} means it must be approved again.${again}${told[0] ? ` ${told[0]}.` : ''}`,
  }
}

/** How far ahead a visit may be planned: a school year, and a little. */
export const PLAN_AHEAD_DAYS = 366

/** "25 11 2026": a date written the way the date fields' hint shows ("For example, 27 3 2027"). */
export function dateAsTyped(date: string): string {
  const [year, month, day] = date.split('-').map(Number)
  return `${day} ${month} ${year}`
}

/** Why a visit's date cannot be used, or null: in the past (before today in the UK), or over a year ahead. */
export function visitDateProblem(date: string | null, now: Date): string | null {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null
  const today = londonDate(now)
  if (date < today) return `The date of the visit must be today or in the future – today is ${dateAsTyped(today)}`
  const latest = new Date(`${today}T12:00:00Z`)
  latest.setUTCDate(latest.getUTCDate() + PLAN_AHEAD_DAYS)
  const last = latest.toISOString().slice(0, 10)
  if (date > last) return `The date of the visit must be within a year – ${dateAsTyped(last)} or sooner`
  return null
}

function checkTimes(plan: PlanState, submitting: boolean, error: (field: string, message: string) => void): Times {
  const none: Times = { plannedStart: null, plannedEnd: null, leaveSchoolAt: null, arriveAt: null, finishAt: null, backAtSchoolAt: null }
  const anyTime = [plan.leaveSchoolAt, plan.arriveAt, plan.startAt, plan.endAt, plan.finishAt, plan.backAtSchoolAt].some(Boolean)
  if (!plan.date && !anyTime) {
    if (submitting) error('date', 'Enter the date of the visit')
    return none
  }
  if (!plan.date) error('date', 'Enter the date of the visit')
  if (!plan.leaveSchoolAt) error('leaveSchoolAt', 'Enter the time you leave school, like 13:30')
  if (!plan.startAt) error('startAt', 'Enter the time the visit starts, like 14:00')
  if (!plan.endAt) error('endAt', 'Enter the time the visit ends, like 15:00')
  if (!plan.date || !plan.startAt || !plan.endAt || !plan.leaveSchoolAt) return none
  const at = (time: string | null) => (time ? londonInstant(plan.date!, time) : null)
  const times: Times = {
    plannedStart: at(plan.startAt),
    plannedEnd: at(plan.endAt),
    leaveSchoolAt: at(plan.leaveSchoolAt),
    arriveAt: at(plan.arriveAt ?? plan.startAt),
    finishAt: at(plan.finishAt ?? plan.endAt),
    backAtSchoolAt: at(plan.backAtSchoolAt),
  }
  const before = (a: Date | null, b: Date | null) => a !== null && b !== null && a.getTime() > b.getTime()
  let ok = true
  if (!before(times.plannedEnd, times.plannedStart)) {
    error('endAt', 'The visit must end after it starts')
    ok = false
  }
  if (before(times.arriveAt, times.plannedStart)) {
    error('arriveAt', 'You must arrive at the address by the time the visit starts')
    ok = false
  }
  if (before(times.leaveSchoolAt, times.arriveAt)) {
    error('leaveSchoolAt', 'You must leave school before you arrive at the address')
    ok = false
  }
  if (before(times.plannedEnd, times.finishAt)) {
    error('finishAt', 'You cannot leave the address before the visit ends')
    ok = false
  }
  if (before(times.finishAt, times.backAtSchoolAt)) {
    error('backAtSchoolAt', 'You must be back at school after you leave the address. Leave it blank if you are not going back to school')
    ok = false
  }
  return ok ? times : none
}

// ---------------------------------------------------------------- recording a change

const record = recordVisitEvent

function move(status: VisitStatus, action: VisitAction): VisitStatus {
  const result = transition(status, action)
  if (!result.ok) throw new ConflictError(result.message)
  return result.to
}

async function loadForChange(client: pg.PoolClient, viewer: Viewer, schoolId: string, visitId: string, expectedVersion?: number): Promise<Visit> {
  const locked = await lockVisit(client, schoolId, visitId)
  const visit = locked ? await findVisit(client, schoolId, visitId) : undefined
  if (!visit || !canView(viewer, visit)) throw new NotFoundError('There is no visit with that id in this school.')
  if (expectedVersion !== undefined && expectedVersion !== visit.version) {
    throw new ConflictError('Someone else changed this visit while you were looking at it. Nothing was saved. Reload the visit to see their changes, then make yours again.')
  }
  return visit
}

function assertMayEdit(viewer: Viewer, visit: Visit): void {
  if (!canEdit(viewer, visit)) {
    throw new ForbiddenError('Only the staff going on this visit, the person who planned it and senior leaders can change it.')
  }
  if (!isEditable(visit.status)) throw new ConflictError(`This visit is ${statusLabels[visit.status].toLowerCase()}, so it can no longer be changed.`)
}

// ---------------------------------------------------------------- planning

/**
 * Starts a draft visit (R-PURPOSE-1). The visit follows the policy in force now. The address
 * defaults to the first pupil's main address.
 */
export async function createVisit(pool: Pool, viewer: Viewer, schoolId: string, changes: PlanChanges, now: Date): Promise<string> {
  return inTransaction(pool, (client) => createVisitIn(client, viewer, schoolId, changes, now))
}

/** `createVisit` in the caller's transaction: a follow-up visit drafted with the change that calls for it (R-AGREE-1). */
export async function createVisitIn(client: pg.PoolClient, viewer: Viewer, schoolId: string, changes: PlanChanges, now: Date): Promise<string> {
  if (!holdsAnyRole(viewer.roles, visitUsers)) throw new ForbiddenError('Only staff who plan home visits can plan a visit.')
  {
    const policyVersion = await currentPolicy(client, schoolId, now)
    let plan = merge(emptyPlan, changes)
    if (changes.addressId === undefined && plan.pupilIds[0]) {
      const main = await mainAddressOf(client, schoolId, plan.pupilIds[0])
      if (main) plan = { ...plan, addressId: main.id }
    }
    const checked = await checkPlan(client, schoolId, policyVersion.policy, plan, 'draft', now, { timeChanged: true, staffChanged: true })
    if (checked.errors.length) throw new ValidationError(checked.errors)
    const visitId = await insertVisit(client, schoolId, { ...checked.columns, policyVersionId: policyVersion.id, createdBy: viewer.userId, status: 'draft' }, now)
    await replacePupils(client, schoolId, visitId, plan.pupilIds)
    await replaceAdults(client, schoolId, visitId, plan.contactIds)
    await replaceStaff(client, schoolId, visitId, checked.staffRows)
    const pupils = (await findVisit(client, schoolId, visitId))!.pupils.map((pupil) => pupil.name)
    await record(
      client,
      { id: visitId, schoolId },
      actorOf(viewer),
      'created',
      `Started planning a visit for ${pupils.join(' and ')}`,
      { policyVersion: policyVersion.version, pupilIds: plan.pupilIds, fields: planDiff(emptyPlan, plan).fields, warnings: checked.warnings.map((w) => w.text) },
      now,
    )
    return visitId
  }
}

/**
 * Changes a visit's plan. A draft may be incomplete; a visit already sent on must stay complete and
 * within the rules. A change an approver or assessor must see again sends the visit back
 * (R-APPROVE-1, R-RISK-2): see `effectOfChange` in lifecycle.ts.
 */
export async function changeVisit(
  pool: Pool,
  viewer: Viewer,
  schoolId: string,
  visitId: string,
  changes: PlanChanges,
  options: { expectedVersion?: number },
  now: Date,
): Promise<Visit> {
  await inTransaction(pool, async (client) => {
    const visit = await loadForChange(client, viewer, schoolId, visitId, options.expectedVersion)
    assertMayEdit(viewer, visit)
    const codeWord = await readCodeWord(client, schoolId, visitId)
    const before = planOf(visit, codeWord)
    const after = await followPupils(client, schoolId, before, merge(before, changes), changes)
    const diff = planDiff(before, after)
    if (diff.fields.length === 0) return
    const stage: Stage = visit.status === 'draft' ? 'draft' : 'submit'
    const checked = await checkPlan(client, schoolId, visit.policy, after, stage, now, { timeChanged: diff.parts.includes('time'), staffChanged: diff.parts.includes('staff') })
    if (checked.errors.length) throw new ValidationError(checked.errors)

    const ra = visit.riskAssessment
    const lonePolicy = visit.policy.staffing.loneVisits
    const loneAssessmentMissing =
      checked.columns.loneVisit === true &&
      !visit.loneVisit &&
      lonePolicy.allowed &&
      lonePolicy.riskAssessmentRequired &&
      ra !== null &&
      !(ra.loneWorking?.risks.trim() && ra.loneWorking.controls.trim())
    const effect = effectOfChange({ status: visit.status, riskAssessmentStatus: ra?.status ?? null }, diff.parts, { loneAssessmentMissing })
    const columns: Partial<VisitColumns> = { ...checked.columns }
    if (effect.newApprovalRound) columns.approvalRound = visit.approvalRound + 1
    if (effect.reopenRiskAssessment) columns.status = move(visit.status, 'reopen_risk_assessment')
    else if (effect.sendBackForApproval) columns.status = move(visit.status, 'send_back')
    if (columns.status && columns.status !== 'approved') columns.approvedAt = null
    if (effect.newApprovalRound) {
      columns.loneApprovedBy = null
      columns.loneApprovedAt = null
    }
    await writeVisit(client, schoolId, visitId, columns, now)
    if (diff.parts.includes('pupils')) await replacePupils(client, schoolId, visitId, after.pupilIds)
    if (diff.parts.includes('adults')) await replaceAdults(client, schoolId, visitId, after.contactIds)
    await replaceStaff(client, schoolId, visitId, checked.staffRows) // mobiles are re-read on every save (R-CONTACT-1)

    const actor = actorOf(viewer)
    const payload: Record<string, unknown> = { changed: diff.fields, warnings: checked.warnings.map((w) => w.text) }
    await record(client, visit, actor, 'changed', `Changed ${listOfFields(diff.fields)}`, payload, now)
    if (effect.reopenRiskAssessment) {
      await writeRiskAssessment(client, schoolId, visitId, { status: 'reopened', reopenedReason: `${capitalise(effect.because)}.`, reopenedAt: now }, now)
      await record(client, visit, actor, 'risk_assessment.reopened', `Risk assessment re-opened because ${effect.because}`, { because: effect.because }, now)
    } else if (effect.sendBackForApproval) {
      await record(client, visit, actor, 'sent_back', `Sent back for approval because ${effect.because}`, { because: effect.because }, now)
    } else if (effect.newApprovalRound && visit.status === 'awaiting_approval' && visit.decisions.some((d) => d.approvalRound === visit.approvalRound)) {
      await record(client, visit, actor, 'approvals_reset', `Approvals given so far no longer count because ${effect.because}`, { because: effect.because }, now)
    }
  })
  return (await findVisit(pool, schoolId, visitId))!
}

/**
 * When the pupils change, adults and an address that belong to none of them go, and the address
 * becomes the first pupil's main address (unless the same change names them).
 */
async function followPupils(db: Db, schoolId: string, before: PlanState, after: PlanState, changes: PlanChanges): Promise<PlanState> {
  if (changes.pupilIds === undefined || JSON.stringify(before.pupilIds) === JSON.stringify(after.pupilIds)) return after
  const next = { ...after }
  if (changes.contactIds === undefined) {
    const kept: string[] = []
    for (const contactId of next.contactIds) {
      for (const pupilId of next.pupilIds) {
        if (await findAdult(db, schoolId, pupilId, contactId)) {
          kept.push(contactId)
          break
        }
      }
    }
    next.contactIds = kept
  }
  if (changes.addressId === undefined) {
    let belongs = false
    for (const pupilId of next.pupilIds) {
      if (next.addressId && (await findPupilAddress(db, schoolId, pupilId, next.addressId))) belongs = true
    }
    if (!belongs) next.addressId = next.pupilIds[0] ? ((await mainAddressOf(db, schoolId, next.pupilIds[0]))?.id ?? null) : null
  }
  return next
}

/**
 * Sends a complete plan for risk assessment. Every rule is checked; staffing warnings are recorded
 * with the event (R-STAFF-3..5).
 */
export async function submitVisit(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, options: { expectedVersion?: number }, now: Date): Promise<Visit> {
  await inTransaction(pool, async (client) => {
    const visit = await loadForChange(client, viewer, schoolId, visitId, options.expectedVersion)
    assertMayEdit(viewer, visit)
    const status = move(visit.status, 'submit')
    const plan = planOf(visit, await readCodeWord(client, schoolId, visitId))
    const checked = await checkPlan(client, schoolId, visit.policy, plan, 'submit', now, { timeChanged: true })
    if (checked.errors.length) throw new ValidationError(checked.errors, 'This visit cannot be sent for risk assessment yet. ' + checked.errors.map((e) => e.message).join('. ') + '.')
    await writeVisit(client, schoolId, visitId, { ...checked.columns, status, submittedAt: now }, now)
    await replaceStaff(client, schoolId, visitId, checked.staffRows)
    const prefill = await riskAssessmentPrefill(client, schoolId, { ...visit, addressId: plan.addressId }, visit.policy)
    await writeRiskAssessment(client, schoolId, visitId, { status: 'open', answers: prefill, hazardsConsidered: [] }, now)
    const warnings = checked.warnings.map((w) => w.text)
    await record(
      client,
      visit,
      actorOf(viewer),
      'submitted',
      `Sent for risk assessment${warnings.length ? ` with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`,
      { warnings, approvalsNeeded: checked.approvals.map((a) => a.text) },
      now,
    )
  })
  return (await findVisit(pool, schoolId, visitId))!
}

/**
 * Cancels a visit before it starts (R-CANCEL-1): the reason from the one list (domain/cancellation.ts); for the
 * reasons the policies want in writing, the notice goes to the policy's recipients in the same transaction.
 */
export async function cancelVisit(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, input: CancelInput, now: Date): Promise<Visit> {
  const detail = input.reason.trim()
  const problem = cancellationProblem(input.cancelReason, detail)
  if (problem) throw new ValidationError([problem])
  await inTransaction(pool, async (client) => {
    const visit = await loadForChange(client, viewer, schoolId, visitId, input.version)
    if (!canEdit(viewer, visit)) throw new ForbiddenError('Only the staff going on this visit, the person who planned it and senior leaders can cancel it.')
    const status = move(visit.status, 'cancel')
    const reason = describeCancellation(input.cancelReason, detail)
    const actor = actorOf(viewer)
    await writeVisit(client, schoolId, visitId, { status, cancelledReason: reason }, now)
    await record(client, visit, actor, 'cancelled', `Cancelled: ${reason}`, { reason, cancelReason: input.cancelReason, from: visit.status }, now)
    await sendCancellationNotice(
      client,
      { schoolId, visitId, reason: input.cancelReason, detail, moment: 'planning', actor, policy: visit.policy },
      (kind, summary, payload) => record(client, visit, actor, kind, summary, payload, now),
      now,
    )
  })
  return (await findVisit(pool, schoolId, visitId))!
}

// ---------------------------------------------------------------- risk assessment (R-RISK-1..3)

/** What Doorstep already knows, written into the assessment's answers for the assessor to check. */
async function riskAssessmentPrefill(db: Db, schoolId: string, visit: Pick<Visit, 'pupils' | 'adults' | 'addressId'>, policy: Policy): Promise<Record<string, string>> {
  const hazards = visit.addressId ? await hazardsForAddress(db, schoolId, visit.addressId) : []
  const agencies: Agency[] = []
  const adults: FamilyAdult[] = []
  for (const pupil of visit.pupils) {
    agencies.push(...(await agenciesOfPupil(db, schoolId, pupil.id)))
    for (const adult of await adultsOfPupil(db, schoolId, pupil.id)) {
      if (visit.adults.some((a) => a.id === adult.id) && !adults.some((a) => a.id === adult.id)) adults.push(adult)
    }
  }
  const lines: Partial<Record<RiskAssessmentField, string[]>> = {}
  const add = (field: RiskAssessmentField, text: string) => (lines[field] ??= []).push(text)
  for (const hazard of hazards) {
    if (hazard.kind === 'animal') add('animals', describeHazard(hazard))
    else if (hazard.kind === 'aggression') add('aggression_history', describeHazard(hazard))
    else add('family_risks', describeHazard(hazard))
  }
  for (const agency of agencies) {
    const who = [agency.contactName, agency.roleOrService].filter(Boolean).join(', ')
    add('other_professionals', `${agency.name}${who ? ` (${who})` : ''}${agency.isLeadPractitioner ? ' – lead practitioner' : ''}${agency.phone ? `, ${agency.phone}` : ''}`)
  }
  for (const adult of adults) {
    const needs = [
      adult.language ? `speaks ${adult.language}` : '',
      adult.interpreterNeeded ? 'needs an interpreter' : '',
      adult.literacyNeeds,
      adult.culturalConsiderations,
    ].filter(Boolean)
    if (needs.length) add('cultural_sensitivities', `${adult.name}: ${needs.join('; ')}`)
  }
  const answers: Record<string, string> = {}
  for (const field of policy.riskAssessment.requiredFields) {
    const known = lines[field]
    if (known?.length) answers[field] = `Known to Doorstep:\n${known.map((line) => `- ${line}`).join('\n')}`
  }
  return answers
}

function describeHazard(hazard: Hazard): string {
  const shut =
    hazard.kind !== 'animal' ? '' : hazard.animalsWillBeShutAway === true ? ' (the family will keep them shut away)' : hazard.animalsWillBeShutAway === false ? ' (the family will NOT keep them shut away)' : ' (not yet asked to keep them shut away)'
  return `${hazard.description}${shut}`
}

/**
 * Saves, completes, signs off or re-opens the risk assessment. Completing checks every field the
 * policy requires, the lone-working section of a lone visit (R-STAFF-2), the animals request
 * (R-FAMILY-4) and, where risks were found, the decision about inviting the family into school (R-PURPOSE-2).
 */
export async function workOnRiskAssessment(
  pool: Pool,
  viewer: Viewer,
  schoolId: string,
  visitId: string,
  input: RiskAssessmentInput,
  now: Date,
): Promise<Visit> {
  await refreshRiskAssessment(pool, schoolId, visitId, now)
  await inTransaction(pool, async (client) => {
    const visit = await loadForChange(client, viewer, schoolId, visitId)
    const policy = visit.policy
    const ra = visit.riskAssessment
    const actor = actorOf(viewer)
    if (!ra) throw new ConflictError('This visit has no risk assessment yet. Send the plan for risk assessment first.')
    const { completedBy, signedOffBy } = policy.riskAssessment

    if (input.action === 'reopen') {
      if (!canWorkOnRiskAssessment(viewer, visit)) {
        throw new ForbiddenError(`Only ${describeActors([...new Set([...completedBy, ...signedOffBy])])} can re-open this risk assessment.`)
      }
      const reason = input.reopenReason?.trim() ?? ''
      if (!reason) throw new ValidationError([{ field: 'reopenReason', message: 'Say what has changed, so the assessment can be updated' }])
      if (ra.status !== 'completed' && ra.status !== 'signed_off') throw new ConflictError('The risk assessment is already open for changes.')
      await reopen(client, visit, actor, reason, now)
      return
    }

    if (input.action === 'sign_off') {
      if (!canSignOffRiskAssessment(viewer, visit)) throw new ForbiddenError(`This risk assessment must be signed off by ${describeActors(signedOffBy)}.`)
      if (ra.status !== 'completed') {
        throw new ConflictError(ra.status === 'signed_off' ? 'This risk assessment has already been signed off.' : 'Complete the risk assessment before signing it off.')
      }
      const status = move(visit.status, 'sign_off_risk_assessment')
      await writeRiskAssessment(client, schoolId, visitId, { status: 'signed_off', signedOffBy: viewer.userId, signedOffByName: viewer.name, signedOffAt: now }, now)
      await writeVisit(client, schoolId, visitId, { status }, now)
      await record(client, visit, actor, 'risk_assessment.signed_off', `Risk assessment signed off; the visit now awaits approval`, {}, now)
      return
    }

    // save or complete
    if (!canWorkOnRiskAssessment(viewer, visit)) {
      throw new ForbiddenError(`This risk assessment is completed by ${describeActors(completedBy)} and signed off by ${describeActors(signedOffBy)}.`)
    }
    if (ra.status === 'signed_off') throw new ConflictError('This risk assessment has been signed off. Re-open it to change it.')
    if (visit.status !== 'awaiting_risk_assessment') throw new ConflictError(`The risk assessment cannot be changed while the visit is ${statusLabels[visit.status].toLowerCase()}.`)
    if (input.action === 'complete' && !actsAs(viewer, completedBy, visit) && !actsAs(viewer, signedOffBy, visit)) {
      throw new ForbiddenError(`This risk assessment is completed by ${describeActors(completedBy)}.`)
    }
    if (input.policeAccompanimentRequested && !policy.riskAssessment.policeAccompanimentCanBeRequested) {
      throw new ValidationError([{ field: 'policeAccompanimentRequested', message: 'This policy does not provide for requesting police accompaniment' }])
    }

    const answers: Record<string, string> = { ...ra.answers }
    for (const field of policy.riskAssessment.requiredFields) {
      const answer = input.answers?.[field]
      if (answer !== undefined) answers[field] = answer.trim()
    }
    const loneWorking = input.loneWorking === undefined ? ra.loneWorking : input.loneWorking
    const animalsKeptAwayRequested = input.animalsKeptAwayRequested === undefined ? ra.animalsKeptAwayRequested : input.animalsKeptAwayRequested
    const risksFound = input.risksFound === undefined ? ra.risksFound : input.risksFound
    const inviteDecision = input.inviteDecision === undefined ? visit.inviteIntoSchoolDecision : input.inviteDecision
    const inviteReason = input.inviteReason === undefined ? visit.inviteIntoSchoolReason : input.inviteReason.trim()
    const police = input.policeAccompanimentRequested ?? visit.policeAccompanimentRequested
    const hazards = visit.addressId ? await hazardsForAddress(client, schoolId, visit.addressId) : []

    const changes: Partial<RiskAssessmentColumns> = { answers, loneWorking, animalsKeptAwayRequested, risksFound }
    const visitChanges: Partial<VisitColumns> = { policeAccompanimentRequested: police, inviteIntoSchoolDecision: risksFound ? inviteDecision : null, inviteIntoSchoolReason: risksFound ? inviteReason : '' }

    if (input.action === 'complete') {
      const errors = completionProblems(policy, visit, { answers, loneWorking, animalsKeptAwayRequested, risksFound, inviteDecision, inviteReason }, hazards)
      if (errors.length) throw new ValidationError(errors)
      Object.assign(changes, { status: 'completed', completedBy: viewer.userId, completedByName: viewer.name, completedAt: now, hazardsConsidered: hazards.map((h) => h.id) })
      if (risksFound && inviteDecision === 'invite_instead') {
        visitChanges.status = move(visit.status, 'cancel')
        visitChanges.cancelledReason = `The family will be invited into school instead, because the risk assessment found potential risks.${inviteReason ? ` ${inviteReason}` : ''}`
      }
    } else if (ra.status === 'completed') {
      changes.status = 'open'
    }
    await writeRiskAssessment(client, schoolId, visitId, changes, now)
    await writeVisit(client, schoolId, visitId, visitChanges, now)

    const payload = { action: input.action, risksFound, policeAccompanimentRequested: police, inviteDecision: risksFound ? inviteDecision : null }
    if (police && !visit.policeAccompanimentRequested) {
      await record(client, visit, actor, 'police_accompaniment.requested', 'Police accompaniment requested for this visit', {}, now)
    } else if (!police && visit.policeAccompanimentRequested) {
      await record(client, visit, actor, 'police_accompaniment.withdrawn', 'Request for police accompaniment withdrawn', {}, now)
    }
    if (input.action === 'complete') {
      await record(client, visit, actor, 'risk_assessment.completed', `Risk assessment completed${risksFound ? ': potential risks found' : ': no potential risks found'}`, payload, now)
      if (risksFound) {
        await record(
          client,
          visit,
          actor,
          'invite_decision',
          inviteDecision === 'invite_instead'
            ? 'Decided to invite the family into school instead of visiting'
            : `Decided to go ahead with the home visit rather than invite the family into school: ${inviteReason}`,
          { decision: inviteDecision, reason: inviteReason },
          now,
        )
      }
      if (visitChanges.status === 'cancelled') {
        await record(client, visit, actor, 'cancelled', `Cancelled: ${visitChanges.cancelledReason}`, { reason: visitChanges.cancelledReason, from: visit.status }, now)
      }
    } else {
      await record(client, visit, actor, 'risk_assessment.saved', ra.status === 'completed' ? 'Risk assessment changed; it needs completing again' : 'Risk assessment saved', payload, now)
    }
  })
  return (await findVisit(pool, schoolId, visitId))!
}

function completionProblems(
  policy: Policy,
  visit: Visit,
  ra: {
    answers: Record<string, string>
    loneWorking: { risks: string; controls: string } | null
    animalsKeptAwayRequested: boolean | null
    risksFound: boolean | null
    inviteDecision: 'invite_instead' | 'go_ahead' | null
    inviteReason: string
  },
  hazards: Hazard[],
): FieldError[] {
  const errors: FieldError[] = []
  for (const field of policy.riskAssessment.requiredFields) {
    if (!ra.answers[field]?.trim()) {
      errors.push({ field: `answers.${field}`, message: `Record ${riskAssessmentFields[field]}, or write “None known”` })
    }
  }
  const lone = policy.staffing.loneVisits
  if (visit.loneVisit && lone.allowed && lone.riskAssessmentRequired) {
    if (!ra.loneWorking?.risks.trim()) errors.push({ field: 'loneWorking.risks', message: 'A lone visit needs its own lone-working risk assessment: record the risks to someone visiting alone' })
    if (!ra.loneWorking?.controls.trim()) errors.push({ field: 'loneWorking.controls', message: 'Record how the lone visitor will be kept safe' })
  }
  if (hazards.some((hazard) => hazard.kind === 'animal') && ra.animalsKeptAwayRequested !== true) {
    errors.push({
      field: 'animalsKeptAwayRequested',
      message: 'Ask the family to keep the animals in a separate room or outside during the visit, and record that you have asked. If they will not, the visit cannot go ahead',
    })
  }
  if (ra.risksFound === null) errors.push({ field: 'risksFound', message: 'Say whether the assessment found potential risks' })
  if (ra.risksFound === true) {
    if (!ra.inviteDecision) {
      errors.push({ field: 'inviteDecision', message: 'The assessment found potential risks. Decide whether to invite the family into school instead of visiting' })
    } else if (ra.inviteDecision === 'go_ahead' && !ra.inviteReason) {
      errors.push({ field: 'inviteReason', message: 'Say why the visit should still go ahead rather than inviting the family into school' })
    }
  }
  return errors
}

async function reopen(client: pg.PoolClient, visit: Visit, actor: Actor, reason: string, now: Date): Promise<void> {
  const status = move(visit.status, 'reopen_risk_assessment')
  await writeRiskAssessment(client, visit.schoolId, visit.id, { status: 'reopened', reopenedReason: reason, reopenedAt: now }, now)
  await writeVisit(client, visit.schoolId, visit.id, { status, approvalRound: visit.approvalRound + 1, approvedAt: null, loneApprovedBy: null, loneApprovedAt: null }, now)
  await record(client, visit, actor, 'risk_assessment.reopened', `Risk assessment re-opened: ${reason}`, { reason, from: visit.status }, now)
}

const doorstep: Actor = { userId: null, name: 'Doorstep' }

/**
 * R-RISK-2: a hazard recorded at an address re-opens the completed risk assessments of upcoming
 * visits there, and sends those visits back to awaiting risk assessment. Runs in the caller's
 * transaction (the pupils feature calls it when a hazard is added).
 */
export async function reopenRiskAssessmentsForAddress(
  client: pg.PoolClient,
  schoolId: string,
  addressId: string,
  reason: string,
  actor: Actor,
  now: Date,
): Promise<string[]> {
  const visitIds = await visitsToReassess(client, schoolId, addressId, now)
  const reopened: string[] = []
  for (const visitId of visitIds) {
    if (!(await lockVisit(client, schoolId, visitId))) continue
    const visit = await findVisit(client, schoolId, visitId)
    if (!visit || !visit.policy.riskAssessment.reopenOnNewRisks) continue
    if (!isUpcoming(visit.status) || (visit.riskAssessment?.status !== 'completed' && visit.riskAssessment?.status !== 'signed_off')) continue
    await reopen(client, visit, actor, reason, now)
    reopened.push(visitId)
  }
  return reopened
}

/**
 * The same check when a visit is read: a hazard at the address that the assessor did not see
 * re-opens the assessment (in case it was recorded by a path that did not call the function above).
 */
export async function refreshRiskAssessment(pool: Pool, schoolId: string, visitId: string, now: Date): Promise<boolean> {
  const visit = await findVisit(pool, schoolId, visitId)
  if (!visit || !needsReassessment(visit, await currentHazardIds(pool, schoolId, visit.addressId), now)) return false
  return inTransaction(pool, async (client) => {
    if (!(await lockVisit(client, schoolId, visitId))) return false
    const fresh = (await findVisit(client, schoolId, visitId))!
    const hazards = fresh.addressId ? await hazardsForAddress(client, schoolId, fresh.addressId) : []
    const unseen = hazards.filter((hazard) => !fresh.riskAssessment?.hazardsConsidered.includes(hazard.id))
    if (!needsReassessment(fresh, hazards.map((h) => h.id), now) || unseen.length === 0) return false
    const reason = `A new hazard was recorded at the address after the assessment was completed: ${unseen.map((h) => h.description).join('; ')}`
    await reopen(client, fresh, doorstep, reason, now)
    return true
  })
}

async function currentHazardIds(db: Db, schoolId: string, addressId: string | null): Promise<string[]> {
  return addressId ? (await hazardsForAddress(db, schoolId, addressId)).map((hazard) => hazard.id) : []
}

function needsReassessment(visit: Visit, hazardIds: readonly string[], now: Date): boolean {
  const ra = visit.riskAssessment
  if (!ra || (ra.status !== 'completed' && ra.status !== 'signed_off')) return false
  if (!isUpcoming(visit.status) || !visit.policy.riskAssessment.reopenOnNewRisks) return false
  if (visit.plannedStart && visit.plannedStart.getTime() <= now.getTime()) return false
  return hazardIds.some((id) => !ra.hazardsConsidered.includes(id))
}

// ---------------------------------------------------------------- approval (R-APPROVE-1/2)

function forApproval(visit: Visit): VisitForApproval {
  return { purposeId: visit.purposeId ?? '', outOfHours: visit.outOfHours, lone: visit.loneVisit, staffIds: visit.staff.map((s) => s.userId) }
}

/** The approvals this round already has. */
function approvedKinds(visit: Visit): ApprovalKind[] {
  return visit.decisions.filter((d) => d.approvalRound === visit.approvalRound && d.outcome === 'approved').map((d) => d.requirement)
}

export type ApprovalPicture = {
  needed: RequiredApproval[]
  outstanding: RequiredApproval[]
  given: Visit['decisions']
  /** What this viewer's decision would give, or why they cannot decide. */
  mine: { ok: true; covers: ApprovalKind[] } | { ok: false; reason: string }
}

export function approvalPicture(viewer: Viewer, visit: Visit): ApprovalPicture {
  const needed = visit.purposeId ? approvalsNeeded(visit.policy, forApproval(visit)) : { ok: false as const, reason: 'Choose the purpose first.' }
  const approved = approvedKinds(visit)
  const decision = visit.purposeId
    ? canApprove(visit.policy, { visit: forApproval(visit), approverUserId: viewer.userId, approverRoles: viewer.roles })
    : { ok: false as const, reason: 'Choose the purpose first.' }
  const mine = decision.ok
    ? decision.covers.some((kind) => !approved.includes(kind))
      ? { ok: true as const, covers: decision.covers.filter((kind) => !approved.includes(kind)) }
      : { ok: false as const, reason: 'You have already given your approval. It is waiting for the other approvals it needs.' }
    : decision
  return {
    needed: needed.ok ? needed.approvals : [],
    outstanding: visit.purposeId ? outstandingApprovals(visit.policy, forApproval(visit), approved) : [],
    given: visit.decisions.filter((d) => d.approvalRound === visit.approvalRound),
    mine,
  }
}

/**
 * Approves a visit, or the parts of it this person may approve (R-APPROVE-1, R-HOURS-1, R-STAFF-2).
 * It cannot be approved before its risk assessment is signed off, by someone without the role the
 * policy names, by someone going on it (unless the policy allows), or while a rule blocks it.
 */
export async function approveVisit(
  pool: Pool,
  viewer: Viewer,
  schoolId: string,
  visitId: string,
  input: { loneVisitSafe?: boolean; note?: string; version?: number },
  now: Date,
): Promise<Visit> {
  await refreshRiskAssessment(pool, schoolId, visitId, now)
  await inTransaction(pool, async (client) => {
    const visit = await loadForChange(client, viewer, schoolId, visitId, input.version)
    const check = transition(visit.status, 'approve')
    if (!check.ok) throw new ConflictError(check.message)
    if (visit.riskAssessment?.status !== 'signed_off') throw new ConflictError('This visit cannot be approved until its risk assessment has been signed off.')
    if (visit.plannedStart && visit.plannedStart.getTime() <= now.getTime()) {
      throw new ConflictError(`This visit was planned to start at ${londonParts(visit.plannedStart).time} on ${formatDate(londonParts(visit.plannedStart).date)}, which has passed. Change its time before approving it.`)
    }
    const decision = canApprove(visit.policy, { visit: forApproval(visit), approverUserId: viewer.userId, approverRoles: viewer.roles })
    if (!decision.ok) throw new ForbiddenError(decision.reason)
    const already = approvedKinds(visit)
    const covers = decision.covers.filter((kind) => !already.includes(kind))
    if (covers.length === 0) throw new ConflictError('You have already approved this visit. It is waiting for the other approvals it needs.')
    const lone = visit.staff[0]
    if (covers.includes('lone_visit') && input.loneVisitSafe !== true) {
      throw new ValidationError([
        { field: 'loneVisitSafe', message: `Confirm that you have decided it is safe and appropriate for ${lone?.name ?? 'the visitor'} to make this visit alone, or refuse the visit` },
      ])
    }

    // The rules again, as things stand today: a DBS check or training may have lapsed since planning.
    const plan = planOf(visit, await readCodeWord(client, schoolId, visitId))
    const checked = await checkPlan(client, schoolId, visit.policy, plan, 'submit', now, { timeChanged: false })
    const loneRa = visit.riskAssessment.loneWorking
    const team = await staffReadiness(client, schoolId, plan.staff.map((s) => s.userId), visit.plannedStart ?? now)
    const staffing = checkStaffing(visit.policy, {
      staff: team,
      loneApproved: [...already, ...covers].includes('lone_visit'),
      loneRiskAssessmentCompleted: Boolean(loneRa?.risks.trim() && loneRa.controls.trim()),
      at: visit.plannedStart ?? now,
    })
    const blocks = [...checked.errors.map((e) => e.message), ...staffing.blocks.filter((b) => isLoneCode(b)).map((b) => b.text)]
    if (blocks.length) throw new ConflictError(`This visit cannot be approved: ${blocks.join(' ')}`)

    const decidedAs = viewer.roles.map((role) => roleLabels[role]).join(', ')
    for (const kind of covers) {
      await insertDecision(client, schoolId, visitId, {
        approvalRound: visit.approvalRound,
        requirement: kind,
        outcome: 'approved',
        reason: input.note?.trim() ?? '',
        decidedBy: viewer.userId,
        decidedByName: viewer.name,
        decidedAs,
        at: now,
      })
    }
    const outstanding = outstandingApprovals(visit.policy, forApproval(visit), [...already, ...covers])
    const changes: Partial<VisitColumns> = {}
    if (covers.includes('lone_visit')) Object.assign(changes, { loneApprovedBy: viewer.userId, loneApprovedAt: now })
    if (outstanding.length === 0) Object.assign(changes, { status: move(visit.status, 'approve'), approvedAt: now })
    await writeVisit(client, schoolId, visitId, changes, now)
    const what = covers.map((kind) => approvalNames[kind]).join(', ')
    const actor = actorOf(viewer)
    if (covers.includes('lone_visit')) {
      await record(client, visit, actor, 'lone_visit.approved', `Decided that it is safe and appropriate for ${lone?.name ?? 'the visitor'} to make this visit alone`, {}, now)
    }
    await record(
      client,
      visit,
      actor,
      outstanding.length === 0 ? 'approved' : 'approval.given',
      outstanding.length === 0
        ? `Approved the visit${covers.length > 1 || covers[0] !== 'visit' ? ` (${what})` : ''}${input.note?.trim() ? `: ${input.note.trim()}` : ''}`
        : `Approved ${what}. Still needed: ${outstanding.map((a) => a.text).join(' ')}`,
      { covers, note: input.note?.trim() ?? '', round: visit.approvalRound },
      now,
    )
  })
  return (await findVisit(pool, schoolId, visitId))!
}

/**
 * R-APPROVE-1: may this visit start now? Only an approved visit whose risk assessment is signed off
 * and that has every approval of the current round. For the live-safety work (signing out, check-ins).
 */
export function mayStartVisit(visit: Visit): { ok: true } | { ok: false; reasons: string[] } {
  const move = transition(visit.status, 'start')
  if (!move.ok) return { ok: false, reasons: [move.message] }
  if (visit.riskAssessment?.status !== 'signed_off') return { ok: false, reasons: ['The risk assessment has not been signed off.'] }
  return mayStart(visit.policy, forApproval(visit), approvedKinds(visit))
}

const approvalNames: Record<ApprovalKind, string> = { visit: 'the visit', out_of_hours: 'out of hours', lone_visit: 'the lone visit' }

function isLoneCode(message: StaffingMessage): boolean {
  return message.code === 'lone_visit_needs_decision' || message.code === 'lone_visit_risk_assessment_missing'
}

/** R-APPROVE-2: refusal, with the reason recorded. Anyone who could approve the visit may refuse it. */
export async function refuseVisit(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, input: { reason: string; version?: number }, now: Date): Promise<Visit> {
  const reason = input.reason.trim()
  await inTransaction(pool, async (client) => {
    const visit = await loadForChange(client, viewer, schoolId, visitId, input.version)
    const status = move(visit.status, 'refuse')
    const decision = canApprove(visit.policy, { visit: forApproval(visit), approverUserId: viewer.userId, approverRoles: viewer.roles })
    if (!decision.ok) throw new ForbiddenError(decision.reason)
    if (!reason) throw new ValidationError([{ field: 'reason', message: 'Give the reason for refusing the visit' }])
    await insertDecision(client, schoolId, visitId, {
      approvalRound: visit.approvalRound,
      requirement: decision.covers[0] ?? 'visit',
      outcome: 'refused',
      reason,
      decidedBy: viewer.userId,
      decidedByName: viewer.name,
      decidedAs: viewer.roles.map((role) => roleLabels[role]).join(', '),
      at: now,
    })
    await writeVisit(client, schoolId, visitId, { status }, now)
    await record(client, visit, actorOf(viewer), 'refused', `Refused the visit: ${reason}`, { reason, round: visit.approvalRound }, now)
  })
  return (await findVisit(pool, schoolId, visitId))!
}

// ---------------------------------------------------------------- reading

export type VisitView = {
  visit: Visit
  /** Only for those allowed to see it (R-ITIN-2); undefined otherwise. */
  codeWord: string | undefined
  events: VisitEvent[]
  /** What still blocks sending it on (drafts) or what would block it now, and warnings. */
  problems: FieldError[]
  warnings: VisitWarning[]
  hoursReason: string | null
  approval: ApprovalPicture
  families: Array<{ pupilId: string; name: string; decline: Decline | null; agencies: Agency[] }>
  hazards: Hazard[]
  /** R-CANCEL-1: the written notice of its cancellation, if one was sent. */
  cancellationNotice: CancellationNotice | null
  may: {
    edit: boolean
    submit: boolean
    cancel: boolean
    workOnRiskAssessment: boolean
    signOffRiskAssessment: boolean
    decide: boolean
    seeCodeWord: boolean
    readBriefing: boolean
    /** Going on the visit: they will read the code word once it is approved. */
    seeCodeWordOnApproval: boolean
    /** R-FEEDBACK-1: they went on it, it has ended, and they have not answered the questions yet. */
    giveFeedback: boolean
    /** R-AGREE-1: record an agreement made with the family on this visit. */
    recordAgreement: boolean
  }
}

/**
 * R-ALERT-1: what a visit's history never shows the staff going on it (or anyone who sees the visit only
 * as its planner): its alarms, so a silent alarm stays silent on a phone someone else may be looking at,
 * and the reading of its police sheet. The office, DSL team, head and SLT see the whole history.
 */
function hiddenFromVisitors(kind: string): boolean {
  return isAlarmEvent(kind) || kind === 'police_sheet_viewed'
}

/** A visit as one person may see it, with its history. A visit they may not see is "not found" (R-CONF-1). */
export async function viewVisit(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, now: Date): Promise<VisitView> {
  const found = await findVisit(pool, schoolId, visitId)
  if (!found || !canView(viewer, found)) throw new NotFoundError('There is no visit with that id in this school.')
  if (await refreshRiskAssessment(pool, schoolId, visitId, now)) return viewVisit(pool, viewer, schoolId, visitId, now)
  const visit = found
  const seeCodeWord = canSeeCodeWord(viewer, visit)
  const codeWord = await readCodeWord(pool, schoolId, visitId)
  const plan = planOf(visit, codeWord)
  const checked = isEditable(visit.status)
    ? await checkPlan(pool, schoolId, visit.policy, plan, 'submit', now, { timeChanged: visit.status === 'draft' })
    : { errors: [], warnings: visit.warnings, hoursReason: null }
  const families = []
  for (const pupil of visit.pupils) {
    families.push({ pupilId: pupil.id, name: pupil.name, decline: await activeDecline(pool, schoolId, pupil.id), agencies: await agenciesOfPupil(pool, schoolId, pupil.id) })
  }
  const ra = visit.riskAssessment
  const editable = canEdit(viewer, visit) && isEditable(visit.status)
  const approval = approvalPicture(viewer, visit)
  return {
    visit,
    codeWord: seeCodeWord ? codeWord : undefined,
    // R-ALERT-1: alarm events only for those watching who are not on the visit (a silent alarm stays silent).
    events: (await eventsOf(pool, schoolId, visitId)).filter((event) => !hiddenFromVisitors(event.kind) || seesAlarmsOf(viewer, watchedVisit(visit))),
    problems: checked.errors,
    warnings: checked.warnings,
    hoursReason: checked.hoursReason,
    approval,
    families,
    hazards: visit.addressId ? await hazardsForAddress(pool, schoolId, visit.addressId) : [],
    cancellationNotice: visit.status === 'cancelled' || visit.status === 'in_progress' ? await noticeOfVisit(pool, schoolId, visitId) : null,
    may: {
      edit: editable,
      submit: editable && visit.status === 'draft',
      cancel: canEdit(viewer, visit) && transition(visit.status, 'cancel').ok,
      workOnRiskAssessment: ra !== null && canWorkOnRiskAssessment(viewer, visit),
      signOffRiskAssessment: ra?.status === 'completed' && visit.status === 'awaiting_risk_assessment' && canSignOffRiskAssessment(viewer, visit),
      decide: visit.status === 'awaiting_approval' && ra?.status === 'signed_off' && approval.mine.ok,
      seeCodeWord,
      seeCodeWordOnApproval: seesCodeWordOnApproval(viewer, visit),
      readBriefing: canReadBriefing(viewer, visit) && visit.status !== 'refused' && visit.status !== 'cancelled',
      giveFeedback: isOnVisit(viewer, visit) && (visit.status === 'completed' || visit.status === 'cancelled') && (await feedbackOffer(pool, viewer, schoolId, visitId)).mayGive,
      recordAgreement: (visit.status === 'in_progress' || visit.status === 'completed') && holdsAnyRole(viewer.roles, agreementKeepers),
    },
  }
}

/** R-CONF-1: office and leaders see every visit; visitors the ones they are on or planned. */
export async function visitsFor(pool: Pool, viewer: Viewer, schoolId: string, filter: Omit<VisitListFilter, 'visibleTo'>): Promise<VisitListRow[]> {
  if (!holdsAnyRole(viewer.roles, visitUsers)) throw new ForbiddenError()
  return listVisits(pool, schoolId, { ...filter, ...(holdsAnyRole(viewer.roles, seeAllVisits) ? {} : { visibleTo: viewer.userId }) })
}

export type WorkQueue = {
  toApprove: Array<{ visit: Visit; covers: ApprovalKind[] }>
  waitingForOthers: Array<{ visit: Visit; reason: string }>
  riskAssessments: Array<{ visit: Visit; action: 'complete' | 'sign_off' }>
}

/** The approvals page: visits this person can decide, and risk assessments waiting for them. */
export async function workQueue(pool: Pool, viewer: Viewer, schoolId: string): Promise<WorkQueue> {
  const queue: WorkQueue = { toApprove: [], waitingForOthers: [], riskAssessments: [] }
  const rows = await listVisits(pool, schoolId, { statuses: ['awaiting_approval', 'awaiting_risk_assessment'] })
  for (const row of rows) {
    const visit = await findVisit(pool, schoolId, row.id)
    if (!visit) continue
    if (visit.status === 'awaiting_approval') {
      const picture = approvalPicture(viewer, visit)
      if (picture.mine.ok) queue.toApprove.push({ visit, covers: picture.mine.covers })
      else if (holdsAnyRole(viewer.roles, approvalPageRoles) && picture.needed.some((a) => holdsAnyRole(viewer.roles, a.roles))) {
        queue.waitingForOthers.push({ visit, reason: picture.mine.reason })
      }
    } else if (visit.riskAssessment) {
      const ra = visit.riskAssessment
      if (ra.status === 'completed' && canSignOffRiskAssessment(viewer, visit)) queue.riskAssessments.push({ visit, action: 'sign_off' })
      else if (ra.status !== 'completed' && actsAs(viewer, visit.policy.riskAssessment.completedBy, visit)) queue.riskAssessments.push({ visit, action: 'complete' })
    }
  }
  return queue
}

/** Plain words for a visit's times: "Wednesday 2 December 2026, 14:00 to 15:00". */
export function describeWhen(visit: Pick<Visit, 'plannedStart' | 'plannedEnd'>): string {
  if (!visit.plannedStart || !visit.plannedEnd) return 'Not set'
  const start = londonParts(visit.plannedStart)
  const day = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'Europe/London' }).format(visit.plannedStart)
  return `${day} ${formatDate(start.date)}, ${start.time} to ${londonParts(visit.plannedEnd).time}`
}

export { roleOnVisitLabels, vehicleName, planPartLabels }

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
