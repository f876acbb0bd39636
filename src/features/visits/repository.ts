import type { Db } from '../../db/pool.ts'
import type { ApprovalKind } from '../../domain/approval.ts'
import type { Policy } from '../../policy/schema.ts'
import type { RiskAssessmentStatus, VisitStatus } from '../../domain/visit-lifecycle.ts'
import type { RoleOnVisit } from './schema.ts'

/**
 * Visits and everything hanging off them (migration 005). Every function takes the school first and
 * reads or writes that school's rows only. Writers expect the caller's transaction.
 *
 * For later features (calendar feed, briefing, run list, check-ins): `findVisit` gives the whole
 * plan. It never carries the code word: read it with `readCodeWord` after checking
 * `canSeeCodeWord` (service.ts), so a page cannot show it by accident (R-ITIN-2).
 */

export type VisitPupil = { id: string; firstName: string; lastName: string; name: string; yearGroup: string }
export type VisitAdult = {
  id: string
  name: string
  phone: string
  language: string
  interpreterNeeded: boolean
  noAppointments: boolean
  /** How they are related to the visit's pupils, e.g. "Mother of Ruby". */
  relationships: string[]
  parentalResponsibility: boolean
}
export type VisitAddress = { id: string; line1: string; line2: string; town: string; postcode: string }
export type VisitStaffMember = { userId: string; name: string; email: string; roleOnVisit: RoleOnVisit; mobile: string | null }
export type VisitVehicle = {
  id: string
  make: string
  model: string
  registration: string
  colour: string
  ownerUserId: string | null
  ownerName: string | null
  insuranceExpiresOn: string
  businessUseCover: boolean
  schoolApproved: boolean
}
export type LoneWorkingAssessment = { risks: string; controls: string }
export type VisitRiskAssessment = {
  status: RiskAssessmentStatus
  answers: Record<string, string>
  loneWorking: LoneWorkingAssessment | null
  animalsKeptAwayRequested: boolean | null
  hazardsConsidered: string[]
  risksFound: boolean | null
  completedBy: string | null
  completedByName: string | null
  completedAt: Date | null
  signedOffBy: string | null
  signedOffByName: string | null
  signedOffAt: Date | null
  reopenedReason: string | null
  reopenedAt: Date | null
  updatedAt: Date
}
export type VisitDecision = {
  id: string
  approvalRound: number
  requirement: ApprovalKind
  outcome: 'approved' | 'refused'
  reason: string
  decidedBy: string
  decidedByName: string
  decidedAs: string
  at: Date
}
export type VisitWarning = { code: string; text: string }

export type Visit = {
  id: string
  schoolId: string
  policyVersionId: string
  policyVersion: number
  /** The policy this visit was planned under, which it keeps following. */
  policy: Policy
  status: VisitStatus
  purposeId: string | null
  purposeLabel: string | null
  purposeDetail: string
  whyNotInSchool: string
  necessityConfirmed: boolean
  addressId: string | null
  address: VisitAddress | null
  plannedStart: Date | null
  plannedEnd: Date | null
  leaveSchoolAt: Date | null
  arriveAt: Date | null
  finishAt: Date | null
  backAtSchoolAt: Date | null
  vehicleId: string | null
  vehicle: VisitVehicle | null
  noticeGivenOn: string | null
  noticeMethod: string | null
  choiceOfTimesOffered: boolean | null
  noticeExceptionId: string | null
  noticeExceptionReason: string
  outOfHours: boolean
  outOfHoursReason: string
  responsibleContactUserId: string | null
  responsibleContact: { userId: string; name: string; mobile: string | null } | null
  loneVisit: boolean
  loneApprovedBy: string | null
  loneApprovedByName: string | null
  loneApprovedAt: Date | null
  /** Whether a code word has been agreed; the word itself only through `readCodeWord`. */
  hasCodeWord: boolean
  contingencyPlan: string
  policeAccompanimentRequested: boolean
  inviteIntoSchoolDecision: 'invite_instead' | 'go_ahead' | null
  inviteIntoSchoolReason: string
  warnings: VisitWarning[]
  approvalRound: number
  cancelledReason: string | null
  createdBy: string
  createdByName: string
  createdAt: Date
  updatedAt: Date
  submittedAt: Date | null
  approvedAt: Date | null
  version: number
  pupils: VisitPupil[]
  adults: VisitAdult[]
  staff: VisitStaffMember[]
  riskAssessment: VisitRiskAssessment | null
  /** Every decision, all rounds, oldest first. */
  decisions: VisitDecision[]
}

const visitColumns = `v.id, v.school_id AS "schoolId", v.policy_version_id AS "policyVersionId", pv.version AS "policyVersion",
  pv.policy, v.status, v.purpose_id AS "purposeId", v.purpose_detail AS "purposeDetail", v.why_not_in_school AS "whyNotInSchool",
  v.necessity_confirmed AS "necessityConfirmed", v.address_id AS "addressId", v.planned_start AS "plannedStart",
  v.planned_end AS "plannedEnd", v.leave_school_at AS "leaveSchoolAt", v.arrive_at AS "arriveAt", v.finish_at AS "finishAt",
  v.back_at_school_at AS "backAtSchoolAt", v.vehicle_id AS "vehicleId", v.notice_given_on AS "noticeGivenOn",
  v.notice_method AS "noticeMethod", v.choice_of_times_offered AS "choiceOfTimesOffered",
  v.notice_exception_id AS "noticeExceptionId", v.notice_exception_reason AS "noticeExceptionReason",
  v.out_of_hours AS "outOfHours", v.out_of_hours_reason AS "outOfHoursReason",
  v.responsible_contact_user_id AS "responsibleContactUserId", v.lone_visit AS "loneVisit",
  v.lone_approved_by AS "loneApprovedBy", lone.name AS "loneApprovedByName", v.lone_approved_at AS "loneApprovedAt",
  (v.code_word <> '') AS "hasCodeWord", v.contingency_plan AS "contingencyPlan",
  v.police_accompaniment_requested AS "policeAccompanimentRequested",
  v.invite_into_school_decision AS "inviteIntoSchoolDecision", v.invite_into_school_reason AS "inviteIntoSchoolReason",
  v.warnings, v.approval_round AS "approvalRound", v.cancelled_reason AS "cancelledReason", v.created_by AS "createdBy",
  creator.name AS "createdByName", v.created_at AS "createdAt", v.updated_at AS "updatedAt", v.submitted_at AS "submittedAt",
  v.approved_at AS "approvedAt", v.version`

const visitJoins = `JOIN policy_versions pv ON pv.id = v.policy_version_id AND pv.school_id = v.school_id
  JOIN users creator ON creator.id = v.created_by
  LEFT JOIN users lone ON lone.id = v.lone_approved_by`

type VisitRow = Omit<Visit, 'purposeLabel' | 'address' | 'vehicle' | 'responsibleContact' | 'pupils' | 'adults' | 'staff' | 'riskAssessment' | 'decisions'>

/** The whole visit, as planned, with the policy version it follows; undefined for another school's visit. */
export async function findVisit(db: Db, schoolId: string, visitId: string): Promise<Visit | undefined> {
  const { rows } = await db.query<VisitRow>(`SELECT ${visitColumns} FROM visits v ${visitJoins} WHERE v.school_id = $1 AND v.id = $2`, [
    schoolId,
    visitId,
  ])
  const row = rows[0]
  if (!row) return undefined
  // One query at a time: `db` may be a transaction's client, which runs one query at once.
  const pupils = await visitPupils(db, schoolId, visitId)
  const adults = await visitAdults(db, schoolId, visitId)
  const staff = await visitStaff(db, schoolId, visitId)
  const address = row.addressId ? await findAddress(db, schoolId, row.addressId) : null
  const vehicle = row.vehicleId ? await findVehicle(db, schoolId, row.vehicleId) : null
  const responsibleContact = row.responsibleContactUserId ? await findPerson(db, row.responsibleContactUserId) : null
  const riskAssessment = await findRiskAssessment(db, schoolId, visitId)
  const decisions = await decisionsOf(db, schoolId, visitId)
  return {
    ...row,
    purposeLabel: row.policy.purposes.find((purpose) => purpose.id === row.purposeId)?.label ?? null,
    address,
    vehicle,
    responsibleContact,
    pupils,
    adults,
    staff,
    riskAssessment,
    decisions,
  }
}

async function visitPupils(db: Db, schoolId: string, visitId: string): Promise<VisitPupil[]> {
  const { rows } = await db.query<VisitPupil>(
    `SELECT p.id, p.first_name AS "firstName", p.last_name AS "lastName", p.first_name || ' ' || p.last_name AS name, p.year_group AS "yearGroup"
       FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id AND p.school_id = $1
      WHERE vp.school_id = $1 AND vp.visit_id = $2 ORDER BY p.date_of_birth, p.id`,
    [schoolId, visitId],
  )
  return rows
}

async function visitAdults(db: Db, schoolId: string, visitId: string): Promise<VisitAdult[]> {
  const { rows } = await db.query<VisitAdult>(
    `SELECT c.id, concat_ws(' ', nullif(c.title, ''), c.first_name, c.last_name) AS name, c.phone, c.language,
            c.interpreter_needed AS "interpreterNeeded", c.no_appointments AS "noAppointments",
            coalesce(array_agg(initcap(pc.relationship) || ' of ' || p.first_name ORDER BY p.date_of_birth)
                       FILTER (WHERE pc.pupil_id IS NOT NULL), '{}') AS relationships,
            coalesce(bool_or(pc.parental_responsibility), false) AS "parentalResponsibility"
       FROM visit_contacts vc
       JOIN contacts c ON c.id = vc.contact_id AND c.school_id = $1
       LEFT JOIN visit_pupils vp ON vp.visit_id = vc.visit_id AND vp.school_id = $1
       LEFT JOIN pupil_contacts pc ON pc.contact_id = c.id AND pc.pupil_id = vp.pupil_id AND pc.school_id = $1
       LEFT JOIN pupils p ON p.id = pc.pupil_id
      WHERE vc.school_id = $1 AND vc.visit_id = $2
      GROUP BY c.id ORDER BY lower(c.last_name), lower(c.first_name)`,
    [schoolId, visitId],
  )
  return rows
}

const roleOrder = `CASE vs.role_on_visit WHEN 'lead' THEN 1 WHEN 'second' THEN 2 ELSE 3 END`

async function visitStaff(db: Db, schoolId: string, visitId: string): Promise<VisitStaffMember[]> {
  const { rows } = await db.query<VisitStaffMember>(
    `SELECT vs.user_id AS "userId", u.name, u.email, vs.role_on_visit AS "roleOnVisit", vs.mobile
       FROM visit_staff vs JOIN users u ON u.id = vs.user_id
      WHERE vs.school_id = $1 AND vs.visit_id = $2 ORDER BY ${roleOrder}, u.name`,
    [schoolId, visitId],
  )
  return rows
}

async function findAddress(db: Db, schoolId: string, addressId: string): Promise<VisitAddress | null> {
  const { rows } = await db.query<VisitAddress>('SELECT id, line1, line2, town, postcode FROM addresses WHERE school_id = $1 AND id = $2', [
    schoolId,
    addressId,
  ])
  return rows[0] ?? null
}

async function findVehicle(db: Db, schoolId: string, vehicleId: string): Promise<VisitVehicle | null> {
  const { rows } = await db.query<VisitVehicle>(
    `SELECT v.id, v.make, v.model, v.registration, v.colour, v.owner_user_id AS "ownerUserId", o.name AS "ownerName",
            v.insurance_expires_on AS "insuranceExpiresOn", v.business_use_cover AS "businessUseCover", v.school_approved AS "schoolApproved"
       FROM vehicles v LEFT JOIN users o ON o.id = v.owner_user_id WHERE v.school_id = $1 AND v.id = $2`,
    [schoolId, vehicleId],
  )
  return rows[0] ?? null
}

async function findPerson(db: Db, userId: string): Promise<{ userId: string; name: string; mobile: string | null } | null> {
  const { rows } = await db.query<{ userId: string; name: string; mobile: string | null }>(
    'SELECT id AS "userId", name, mobile FROM users WHERE id = $1',
    [userId],
  )
  return rows[0] ?? null
}

const riskAssessmentColumns = `ra.status, ra.answers, ra.lone_working AS "loneWorking", ra.animals_kept_away_requested AS "animalsKeptAwayRequested",
  ra.hazards_considered AS "hazardsConsidered", ra.risks_found AS "risksFound", ra.completed_by AS "completedBy",
  ra.completed_by_name AS "completedByName", ra.completed_at AS "completedAt", ra.signed_off_by AS "signedOffBy",
  ra.signed_off_by_name AS "signedOffByName", ra.signed_off_at AS "signedOffAt", ra.reopened_reason AS "reopenedReason",
  ra.reopened_at AS "reopenedAt", ra.updated_at AS "updatedAt"`

export async function findRiskAssessment(db: Db, schoolId: string, visitId: string): Promise<VisitRiskAssessment | null> {
  const { rows } = await db.query<VisitRiskAssessment>(
    `SELECT ${riskAssessmentColumns} FROM risk_assessments ra WHERE ra.school_id = $1 AND ra.visit_id = $2`,
    [schoolId, visitId],
  )
  return rows[0] ?? null
}

async function decisionsOf(db: Db, schoolId: string, visitId: string): Promise<VisitDecision[]> {
  const { rows } = await db.query<VisitDecision>(
    `SELECT id, approval_round AS "approvalRound", requirement, outcome, reason, decided_by AS "decidedBy",
            decided_by_name AS "decidedByName", decided_as AS "decidedAs", at
       FROM visit_decisions WHERE school_id = $1 AND visit_id = $2 ORDER BY at, id`,
    [schoolId, visitId],
  )
  return rows
}

/** R-ITIN-2: the code word. Callers check `canSeeCodeWord` first; never log, audit or list it. */
export async function readCodeWord(db: Db, schoolId: string, visitId: string): Promise<string> {
  const { rows } = await db.query<{ codeWord: string }>('SELECT code_word AS "codeWord" FROM visits WHERE school_id = $1 AND id = $2', [
    schoolId,
    visitId,
  ])
  return rows[0]?.codeWord ?? ''
}

// ---------------------------------------------------------------- lists

export type VisitListRow = {
  id: string
  status: VisitStatus
  purposeId: string | null
  purposeLabel: string | null
  plannedStart: Date | null
  plannedEnd: Date | null
  postcode: string | null
  pupils: string[]
  staff: Array<{ userId: string; name: string; roleOnVisit: RoleOnVisit }>
  createdBy: string
  createdByName: string
  outOfHours: boolean
  loneVisit: boolean
  policeAccompanimentRequested: boolean
  approvalRound: number
  updatedAt: Date
}

export type VisitListFilter = {
  statuses?: readonly VisitStatus[]
  /** UK calendar dates, inclusive. */
  from?: string | null
  to?: string | null
  /** Only visits this person is on or created (R-CONF-1). */
  visibleTo?: string
  /** Only visits about this pupil (the pupil's page). */
  pupilId?: string
  limit?: number
}

/** Visits of a school, soonest first (undated drafts last). Never includes the code word. */
export async function listVisits(db: Db, schoolId: string, filter: VisitListFilter = {}): Promise<VisitListRow[]> {
  const params: unknown[] = [schoolId]
  const where = ['v.school_id = $1']
  if (filter.statuses?.length) {
    params.push(filter.statuses)
    where.push(`v.status = ANY($${params.length}::text[])`)
  }
  if (filter.from) {
    params.push(filter.from)
    where.push(`v.planned_start >= ($${params.length}::date::timestamp AT TIME ZONE 'Europe/London')`)
  }
  if (filter.to) {
    params.push(filter.to)
    where.push(`v.planned_start < (($${params.length}::date + 1)::timestamp AT TIME ZONE 'Europe/London')`)
  }
  if (filter.pupilId) {
    params.push(filter.pupilId)
    where.push(`EXISTS (SELECT 1 FROM visit_pupils fp WHERE fp.visit_id = v.id AND fp.school_id = $1 AND fp.pupil_id = $${params.length})`)
  }
  if (filter.visibleTo) {
    params.push(filter.visibleTo)
    const n = params.length
    where.push(`(v.created_by = $${n} OR EXISTS (SELECT 1 FROM visit_staff s WHERE s.visit_id = v.id AND s.school_id = $1 AND s.user_id = $${n}))`)
  }
  const { rows } = await db.query<Omit<VisitListRow, 'purposeLabel'> & { policy: Policy }>(
    `SELECT v.id, v.status, v.purpose_id AS "purposeId", v.planned_start AS "plannedStart", v.planned_end AS "plannedEnd",
            a.postcode, pv.policy, v.created_by AS "createdBy", creator.name AS "createdByName", v.out_of_hours AS "outOfHours",
            v.lone_visit AS "loneVisit", v.police_accompaniment_requested AS "policeAccompanimentRequested",
            v.approval_round AS "approvalRound", v.updated_at AS "updatedAt",
            coalesce((SELECT array_agg(p.first_name || ' ' || p.last_name ORDER BY p.date_of_birth)
                        FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id AND p.school_id = $1
                       WHERE vp.visit_id = v.id AND vp.school_id = $1), '{}') AS pupils,
            coalesce((SELECT json_agg(json_build_object('userId', u.id, 'name', u.name, 'roleOnVisit', vs.role_on_visit) ORDER BY ${roleOrder}, u.name)
                        FROM visit_staff vs JOIN users u ON u.id = vs.user_id
                       WHERE vs.visit_id = v.id AND vs.school_id = $1), '[]') AS staff
       FROM visits v
       JOIN policy_versions pv ON pv.id = v.policy_version_id AND pv.school_id = v.school_id
       JOIN users creator ON creator.id = v.created_by
       LEFT JOIN addresses a ON a.id = v.address_id AND a.school_id = v.school_id
      WHERE ${where.join(' AND ')}
      ORDER BY v.planned_start NULLS LAST, v.created_at
      LIMIT ${Number(filter.limit ?? 500)}`,
    params,
  )
  return rows.map(({ policy, ...row }) => ({ ...row, purposeLabel: policy.purposes.find((p) => p.id === row.purposeId)?.label ?? null }))
}

/** Upcoming visits to an address whose risk assessment is done, for re-opening on a new hazard (R-RISK-2). */
export async function visitsToReassess(db: Db, schoolId: string, addressId: string, now: Date): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT v.id FROM visits v JOIN risk_assessments ra ON ra.visit_id = v.id AND ra.school_id = v.school_id
      WHERE v.school_id = $1 AND v.address_id = $2
        AND v.status IN ('awaiting_risk_assessment', 'awaiting_approval', 'approved')
        AND ra.status IN ('completed', 'signed_off')
        AND (v.planned_start IS NULL OR v.planned_start > $3)
      ORDER BY v.planned_start, v.id`,
    [schoolId, addressId, now],
  )
  return rows.map((row) => row.id)
}

// ---------------------------------------------------------------- history

export type VisitEvent = {
  id: number
  at: Date
  actorUserId: string | null
  actorName: string
  kind: string
  summary: string
  payload: Record<string, unknown>
}

export async function eventsOf(db: Db, schoolId: string, visitId: string): Promise<VisitEvent[]> {
  const { rows } = await db.query<VisitEvent>(
    `SELECT id, at, actor_user_id AS "actorUserId", actor_name AS "actorName", kind, summary, payload
       FROM visit_events WHERE school_id = $1 AND visit_id = $2 ORDER BY at, id`,
    [schoolId, visitId],
  )
  return rows
}

export async function insertEvent(
  db: Db,
  event: { schoolId: string; visitId: string; at: Date; actorUserId: string | null; actorName: string; kind: string; summary: string; payload?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `INSERT INTO visit_events (school_id, visit_id, at, actor_user_id, actor_name, kind, summary, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [event.schoolId, event.visitId, event.at, event.actorUserId, event.actorName, event.kind, event.summary, JSON.stringify(event.payload ?? {})],
  )
}

// ---------------------------------------------------------------- writing

/** The visit's own columns, as the service writes them (camelCase → column). */
export type VisitColumns = {
  status: VisitStatus
  purposeId: string | null
  purposeDetail: string
  whyNotInSchool: string
  necessityConfirmed: boolean
  addressId: string | null
  plannedStart: Date | null
  plannedEnd: Date | null
  leaveSchoolAt: Date | null
  arriveAt: Date | null
  finishAt: Date | null
  backAtSchoolAt: Date | null
  vehicleId: string | null
  noticeGivenOn: string | null
  noticeMethod: string | null
  choiceOfTimesOffered: boolean | null
  noticeExceptionId: string | null
  noticeExceptionReason: string
  outOfHours: boolean
  outOfHoursReason: string
  responsibleContactUserId: string | null
  loneVisit: boolean
  loneApprovedBy: string | null
  loneApprovedAt: Date | null
  codeWord: string
  contingencyPlan: string
  policeAccompanimentRequested: boolean
  inviteIntoSchoolDecision: 'invite_instead' | 'go_ahead' | null
  inviteIntoSchoolReason: string
  warnings: VisitWarning[]
  approvalRound: number
  cancelledReason: string | null
  submittedAt: Date | null
  approvedAt: Date | null
}

const columnNames: Record<keyof VisitColumns, string> = {
  status: 'status',
  purposeId: 'purpose_id',
  purposeDetail: 'purpose_detail',
  whyNotInSchool: 'why_not_in_school',
  necessityConfirmed: 'necessity_confirmed',
  addressId: 'address_id',
  plannedStart: 'planned_start',
  plannedEnd: 'planned_end',
  leaveSchoolAt: 'leave_school_at',
  arriveAt: 'arrive_at',
  finishAt: 'finish_at',
  backAtSchoolAt: 'back_at_school_at',
  vehicleId: 'vehicle_id',
  noticeGivenOn: 'notice_given_on',
  noticeMethod: 'notice_method',
  choiceOfTimesOffered: 'choice_of_times_offered',
  noticeExceptionId: 'notice_exception_id',
  noticeExceptionReason: 'notice_exception_reason',
  outOfHours: 'out_of_hours',
  outOfHoursReason: 'out_of_hours_reason',
  responsibleContactUserId: 'responsible_contact_user_id',
  loneVisit: 'lone_visit',
  loneApprovedBy: 'lone_approved_by',
  loneApprovedAt: 'lone_approved_at',
  codeWord: 'code_word',
  contingencyPlan: 'contingency_plan',
  policeAccompanimentRequested: 'police_accompaniment_requested',
  inviteIntoSchoolDecision: 'invite_into_school_decision',
  inviteIntoSchoolReason: 'invite_into_school_reason',
  warnings: 'warnings',
  approvalRound: 'approval_round',
  cancelledReason: 'cancelled_reason',
  submittedAt: 'submitted_at',
  approvedAt: 'approved_at',
}

function columnValue(key: keyof VisitColumns, value: unknown): unknown {
  return key === 'warnings' ? JSON.stringify(value) : value
}

export async function insertVisit(
  db: Db,
  schoolId: string,
  visit: Partial<VisitColumns> & { policyVersionId: string; createdBy: string },
  now: Date,
): Promise<string> {
  const entries = Object.entries(visit).filter(([key]) => key in columnNames) as Array<[keyof VisitColumns, unknown]>
  const names = ['school_id', 'policy_version_id', 'created_by', 'created_at', 'updated_at', ...entries.map(([key]) => columnNames[key])]
  const values = [schoolId, visit.policyVersionId, visit.createdBy, now, now, ...entries.map(([key, value]) => columnValue(key, value))]
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO visits (${names.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    values,
  )
  return rows[0]!.id
}

/** Writes the given columns, bumps the version. */
export async function updateVisit(db: Db, schoolId: string, visitId: string, changes: Partial<VisitColumns>, now: Date): Promise<void> {
  const entries = Object.entries(changes).filter(([key]) => key in columnNames) as Array<[keyof VisitColumns, unknown]>
  const sets = entries.map(([key], i) => `${columnNames[key]} = $${i + 4}`)
  await db.query(
    `UPDATE visits SET ${[...sets, 'updated_at = $3', 'version = version + 1'].join(', ')} WHERE school_id = $1 AND id = $2`,
    [schoolId, visitId, now, ...entries.map(([key, value]) => columnValue(key, value))],
  )
}

/** Locks the visit row for the rest of the transaction; its status and version as they are now. */
export async function lockVisit(db: Db, schoolId: string, visitId: string): Promise<{ status: VisitStatus; version: number } | undefined> {
  const { rows } = await db.query<{ status: VisitStatus; version: number }>(
    'SELECT status, version FROM visits WHERE school_id = $1 AND id = $2 FOR UPDATE',
    [schoolId, visitId],
  )
  return rows[0]
}

export async function replacePupils(db: Db, schoolId: string, visitId: string, pupilIds: readonly string[]): Promise<void> {
  await db.query('DELETE FROM visit_pupils WHERE school_id = $1 AND visit_id = $2', [schoolId, visitId])
  if (pupilIds.length) {
    await db.query('INSERT INTO visit_pupils (school_id, visit_id, pupil_id) SELECT $1, $2, unnest($3::uuid[])', [schoolId, visitId, pupilIds])
  }
}

export async function replaceAdults(db: Db, schoolId: string, visitId: string, contactIds: readonly string[]): Promise<void> {
  await db.query('DELETE FROM visit_contacts WHERE school_id = $1 AND visit_id = $2', [schoolId, visitId])
  if (contactIds.length) {
    await db.query('INSERT INTO visit_contacts (school_id, visit_id, contact_id) SELECT $1, $2, unnest($3::uuid[])', [schoolId, visitId, contactIds])
  }
}

export async function replaceStaff(
  db: Db,
  schoolId: string,
  visitId: string,
  staff: ReadonlyArray<{ userId: string; role: RoleOnVisit; mobile: string | null }>,
): Promise<void> {
  await db.query('DELETE FROM visit_staff WHERE school_id = $1 AND visit_id = $2', [schoolId, visitId])
  for (const person of staff) {
    await db.query('INSERT INTO visit_staff (school_id, visit_id, user_id, role_on_visit, mobile) VALUES ($1, $2, $3, $4, $5)', [
      schoolId,
      visitId,
      person.userId,
      person.role,
      person.mobile,
    ])
  }
}

export type RiskAssessmentColumns = Omit<VisitRiskAssessment, 'updatedAt'>

const raColumnNames: Record<keyof RiskAssessmentColumns, string> = {
  status: 'status',
  answers: 'answers',
  loneWorking: 'lone_working',
  animalsKeptAwayRequested: 'animals_kept_away_requested',
  hazardsConsidered: 'hazards_considered',
  risksFound: 'risks_found',
  completedBy: 'completed_by',
  completedByName: 'completed_by_name',
  completedAt: 'completed_at',
  signedOffBy: 'signed_off_by',
  signedOffByName: 'signed_off_by_name',
  signedOffAt: 'signed_off_at',
  reopenedReason: 'reopened_reason',
  reopenedAt: 'reopened_at',
}
const jsonColumns = new Set<keyof RiskAssessmentColumns>(['answers', 'loneWorking', 'hazardsConsidered'])

/** Creates or changes the visit's risk assessment. */
export async function saveRiskAssessment(db: Db, schoolId: string, visitId: string, changes: Partial<RiskAssessmentColumns>, now: Date): Promise<void> {
  const entries = Object.entries(changes).filter(([key]) => key in raColumnNames) as Array<[keyof RiskAssessmentColumns, unknown]>
  const values = entries.map(([key, value]) => (jsonColumns.has(key) && value !== null ? JSON.stringify(value) : value))
  const names = entries.map(([key]) => raColumnNames[key])
  await db.query(
    `INSERT INTO risk_assessments (visit_id, school_id, updated_at${names.map((n) => `, ${n}`).join('')})
     VALUES ($1, $2, $3${values.map((_, i) => `, $${i + 4}`).join('')})
     ON CONFLICT (visit_id) DO UPDATE SET updated_at = EXCLUDED.updated_at${names.map((n) => `, ${n} = EXCLUDED.${n}`).join('')}`,
    [visitId, schoolId, now, ...values],
  )
}

export async function insertDecision(
  db: Db,
  schoolId: string,
  visitId: string,
  decision: Omit<VisitDecision, 'id'>,
): Promise<void> {
  await db.query(
    `INSERT INTO visit_decisions (school_id, visit_id, approval_round, requirement, outcome, reason, decided_by, decided_by_name, decided_as, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      schoolId,
      visitId,
      decision.approvalRound,
      decision.requirement,
      decision.outcome,
      decision.reason,
      decision.decidedBy,
      decision.decidedByName,
      decision.decidedAs,
      decision.at,
    ],
  )
}

/** Every address of these pupils (main first), for choosing where the visit is. */
export async function addressesOfPupils(
  db: Db,
  schoolId: string,
  pupilIds: readonly string[],
): Promise<Array<VisitAddress & { isMain: boolean; pupilNames: string[] }>> {
  if (pupilIds.length === 0) return []
  const { rows } = await db.query<VisitAddress & { isMain: boolean; pupilNames: string[] }>(
    `SELECT a.id, a.line1, a.line2, a.town, a.postcode, bool_or(pa.is_main) AS "isMain",
            array_agg(p.first_name ORDER BY p.date_of_birth) AS "pupilNames"
       FROM pupil_addresses pa
       JOIN addresses a ON a.id = pa.address_id AND a.school_id = $1
       JOIN pupils p ON p.id = pa.pupil_id AND p.school_id = $1
      WHERE pa.school_id = $1 AND pa.pupil_id = ANY($2::uuid[])
      GROUP BY a.id ORDER BY bool_or(pa.is_main) DESC, a.postcode, a.line1`,
    [schoolId, pupilIds],
  )
  return rows
}
