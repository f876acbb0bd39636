import type { Db } from '../../db/pool.ts'
import type { ConcernActionKind, ConcernCategory, ConcernKind, IncidentKind } from './schema.ts'

/** Safeguarding concerns and incidents in the database. Every query is scoped by the school. */

export type ConcernPupil = { id: string; name: string; yearGroup: string }
export type ConcernAction = {
  id: string
  kind: ConcernActionKind
  agency: string
  doneAt: Date
  what: string
  reference: string
  outcome: string
  recordedByName: string
  recordedAt: Date
}
export type Concern = {
  id: string
  schoolId: string
  visitId: string | null
  kind: ConcernKind
  category: ConcernCategory
  account: string
  childWords: string
  happenedAt: Date
  immediateAction: string
  raisedBy: string | null
  raisedByName: string
  raisedAt: Date
  status: 'open' | 'closed'
  outcome: string
  closedAt: Date | null
  closedByName: string | null
  pupils: ConcernPupil[]
  actions: ConcernAction[]
}

const concernColumns = `c.id, c.school_id AS "schoolId", c.visit_id AS "visitId", c.kind, c.category, c.account, c.child_words AS "childWords",
  c.happened_at AS "happenedAt", c.immediate_action AS "immediateAction", c.raised_by AS "raisedBy", c.raised_by_name AS "raisedByName",
  c.raised_at AS "raisedAt", c.status, c.outcome, c.closed_at AS "closedAt", c.closed_by_name AS "closedByName",
  coalesce((SELECT json_agg(json_build_object('id', p.id, 'name', p.first_name || ' ' || p.last_name, 'yearGroup', p.year_group) ORDER BY p.last_name, p.first_name)
              FROM concern_pupils cp JOIN pupils p ON p.id = cp.pupil_id AND p.school_id = cp.school_id WHERE cp.concern_id = c.id), '[]') AS pupils`

type ConcernRow = Omit<Concern, 'actions'>

export async function findConcern(db: Db, schoolId: string, concernId: string): Promise<Concern | undefined> {
  const { rows } = await db.query<ConcernRow>(`SELECT ${concernColumns} FROM concerns c WHERE c.school_id = $1 AND c.id = $2`, [schoolId, concernId])
  const row = rows[0]
  if (!row) return undefined
  return { ...row, actions: await actionsOf(db, schoolId, concernId) }
}

async function actionsOf(db: Db, schoolId: string, concernId: string): Promise<ConcernAction[]> {
  const { rows } = await db.query<ConcernAction>(
    `SELECT id, kind, agency, done_at AS "doneAt", what, reference, outcome, recorded_by_name AS "recordedByName", recorded_at AS "recordedAt"
       FROM concern_actions WHERE school_id = $1 AND concern_id = $2 ORDER BY done_at, recorded_at, id`,
    [schoolId, concernId],
  )
  return rows
}

export type ConcernFilter = { status?: 'open' | 'closed'; pupilId?: string; raisedBy?: string }

export async function listConcerns(db: Db, schoolId: string, filter: ConcernFilter = {}): Promise<Concern[]> {
  const { rows } = await db.query<ConcernRow>(
    `SELECT ${concernColumns} FROM concerns c
      WHERE c.school_id = $1 AND ($2::text IS NULL OR c.status = $2)
        AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM concern_pupils cp WHERE cp.concern_id = c.id AND cp.pupil_id = $3))
        AND ($4::uuid IS NULL OR c.raised_by = $4)
      ORDER BY c.status = 'open' DESC, c.raised_at DESC, c.id LIMIT 500`,
    [schoolId, filter.status ?? null, filter.pupilId ?? null, filter.raisedBy ?? null],
  )
  const concerns: Concern[] = []
  for (const row of rows) concerns.push({ ...row, actions: await actionsOf(db, schoolId, row.id) })
  return concerns
}

export async function insertConcern(
  db: Db,
  schoolId: string,
  concern: Pick<Concern, 'visitId' | 'kind' | 'category' | 'account' | 'childWords' | 'happenedAt' | 'immediateAction' | 'raisedBy' | 'raisedByName' | 'raisedAt'>,
  pupilIds: readonly string[],
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO concerns (school_id, visit_id, kind, category, account, child_words, happened_at, immediate_action, raised_by, raised_by_name, raised_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [schoolId, concern.visitId, concern.kind, concern.category, concern.account, concern.childWords, concern.happenedAt, concern.immediateAction, concern.raisedBy, concern.raisedByName, concern.raisedAt],
  )
  const id = rows[0]!.id
  for (const pupilId of new Set(pupilIds)) await db.query('INSERT INTO concern_pupils (school_id, concern_id, pupil_id) VALUES ($1, $2, $3)', [schoolId, id, pupilId])
  return id
}

export async function insertConcernAction(
  db: Db,
  schoolId: string,
  concernId: string,
  action: Omit<ConcernAction, 'id'> & { recordedBy: string | null },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO concern_actions (school_id, concern_id, kind, agency, done_at, what, reference, outcome, recorded_by, recorded_by_name, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [schoolId, concernId, action.kind, action.agency, action.doneAt, action.what, action.reference, action.outcome, action.recordedBy, action.recordedByName, action.recordedAt],
  )
  return rows[0]!.id
}

export async function closeConcernRow(db: Db, schoolId: string, concernId: string, by: { userId: string | null; name: string }, outcome: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE concerns SET status = 'closed', outcome = $3, closed_at = $4, closed_by = $5, closed_by_name = $6 WHERE school_id = $1 AND id = $2`,
    [schoolId, concernId, outcome, now, by.userId, by.name],
  )
}

/** Locks a concern for a change; undefined for another school's. */
export async function lockConcern(db: Db, schoolId: string, concernId: string): Promise<{ status: 'open' | 'closed' } | undefined> {
  const { rows } = await db.query<{ status: 'open' | 'closed' }>('SELECT status FROM concerns WHERE school_id = $1 AND id = $2 FOR UPDATE', [schoolId, concernId])
  return rows[0]
}

// ---------------------------------------------------------------- incidents

export type IncidentPerson = { id: string; name: string }
export type IncidentAdult = IncidentPerson & { relationship: string; stoppedAppointments: boolean }
export type Incident = {
  id: string
  schoolId: string
  visitId: string
  kind: IncidentKind
  happenedAt: Date
  location: string
  whatHappened: string
  interventionWhat: string
  interventionWhy: string
  reportedBy: string | null
  reportedByName: string
  recordedAt: Date
  /** The visit's first planned time: "recorded N hours after the visit". */
  visitStart: Date | null
  riskReviewOf: string | null
  riskReviewedAt: Date | null
  riskReviewedByName: string | null
  riskReviewNote: string
  staff: IncidentPerson[]
  adults: IncidentAdult[]
  pupils: IncidentPerson[]
}

const incidentColumns = `i.id, i.school_id AS "schoolId", i.visit_id AS "visitId", i.kind, i.happened_at AS "happenedAt", i.location,
  i.what_happened AS "whatHappened", i.intervention_what AS "interventionWhat", i.intervention_why AS "interventionWhy",
  i.reported_by AS "reportedBy", i.reported_by_name AS "reportedByName", i.recorded_at AS "recordedAt", v.planned_start AS "visitStart",
  i.risk_review_of AS "riskReviewOf", i.risk_reviewed_at AS "riskReviewedAt", i.risk_reviewed_by_name AS "riskReviewedByName", i.risk_review_note AS "riskReviewNote",
  coalesce((SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY u.name) FROM incident_staff s JOIN users u ON u.id = s.user_id WHERE s.incident_id = i.id), '[]') AS staff,
  coalesce((SELECT json_agg(json_build_object('id', ct.id, 'name', trim(ct.title || ' ' || ct.first_name || ' ' || ct.last_name), 'stoppedAppointments', a.stopped_appointments,
              'relationship', coalesce((SELECT string_agg(DISTINCT pc.relationship, ', ') FROM pupil_contacts pc JOIN visit_pupils vp ON vp.pupil_id = pc.pupil_id AND vp.visit_id = i.visit_id WHERE pc.contact_id = ct.id), ''))
              ORDER BY ct.last_name, ct.first_name)
              FROM incident_adults a JOIN contacts ct ON ct.id = a.contact_id AND ct.school_id = a.school_id WHERE a.incident_id = i.id), '[]') AS adults,
  coalesce((SELECT json_agg(json_build_object('id', p.id, 'name', p.first_name || ' ' || p.last_name) ORDER BY p.last_name, p.first_name)
              FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id WHERE vp.visit_id = i.visit_id AND vp.school_id = i.school_id), '[]') AS pupils`

export async function findIncident(db: Db, schoolId: string, incidentId: string): Promise<Incident | undefined> {
  const { rows } = await db.query<Incident>(`SELECT ${incidentColumns} FROM incidents i JOIN visits v ON v.id = i.visit_id WHERE i.school_id = $1 AND i.id = $2`, [schoolId, incidentId])
  return rows[0]
}

export type IncidentFilter = { pupilId?: string; reviewDue?: boolean; reportedBy?: string }

export async function listIncidents(db: Db, schoolId: string, filter: IncidentFilter = {}): Promise<Incident[]> {
  const { rows } = await db.query<Incident>(
    `SELECT ${incidentColumns} FROM incidents i JOIN visits v ON v.id = i.visit_id
      WHERE i.school_id = $1
        AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM visit_pupils vp WHERE vp.visit_id = i.visit_id AND vp.pupil_id = $2))
        AND (NOT $3::boolean OR (i.risk_review_of IS NOT NULL AND i.risk_reviewed_at IS NULL))
        AND ($4::uuid IS NULL OR i.reported_by = $4)
      ORDER BY i.happened_at DESC, i.id LIMIT 500`,
    [schoolId, filter.pupilId ?? null, filter.reviewDue ?? false, filter.reportedBy ?? null],
  )
  return rows
}

export async function insertIncident(
  db: Db,
  schoolId: string,
  incident: Pick<Incident, 'visitId' | 'kind' | 'happenedAt' | 'location' | 'whatHappened' | 'interventionWhat' | 'interventionWhy' | 'reportedBy' | 'reportedByName' | 'recordedAt' | 'riskReviewOf'>,
  staffIds: readonly string[],
  adults: ReadonlyArray<{ contactId: string; stoppedAppointments: boolean }>,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO incidents (school_id, visit_id, kind, happened_at, location, what_happened, intervention_what, intervention_why, reported_by, reported_by_name, recorded_at, risk_review_of)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [schoolId, incident.visitId, incident.kind, incident.happenedAt, incident.location, incident.whatHappened, incident.interventionWhat, incident.interventionWhy, incident.reportedBy, incident.reportedByName, incident.recordedAt, incident.riskReviewOf],
  )
  const id = rows[0]!.id
  for (const userId of new Set(staffIds)) await db.query('INSERT INTO incident_staff (school_id, incident_id, user_id) VALUES ($1, $2, $3)', [schoolId, id, userId])
  for (const adult of adults) {
    await db.query('INSERT INTO incident_adults (school_id, incident_id, contact_id, stopped_appointments) VALUES ($1, $2, $3, $4)', [schoolId, id, adult.contactId, adult.stoppedAppointments])
  }
  return id
}

export async function markRiskReviewed(db: Db, schoolId: string, incidentId: string, by: { userId: string | null; name: string }, note: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE incidents SET risk_reviewed_at = $3, risk_reviewed_by = $4, risk_reviewed_by_name = $5, risk_review_note = $6 WHERE school_id = $1 AND id = $2`,
    [schoolId, incidentId, now, by.userId, by.name, note],
  )
}

export async function lockIncident(db: Db, schoolId: string, incidentId: string): Promise<{ riskReviewOf: string | null; riskReviewedAt: Date | null } | undefined> {
  const { rows } = await db.query<{ riskReviewOf: string | null; riskReviewedAt: Date | null }>(
    'SELECT risk_review_of AS "riskReviewOf", risk_reviewed_at AS "riskReviewedAt" FROM incidents WHERE school_id = $1 AND id = $2 FOR UPDATE',
    [schoolId, incidentId],
  )
  return rows[0]
}
