import type { Db } from '../../db/pool.ts'
import type { ActionStatus, RecordStatus } from '../../domain/visit-record.ts'
import type { VisitOutcome, VisitStatus } from '../../domain/visit-lifecycle.ts'
import type { PresentPerson } from './schema.ts'

/** Visit records and follow-up actions (migration 030). Every function takes the school first. */

export type VisitRecord = {
  visitId: string
  schoolId: string
  status: RecordStatus
  present: PresentPerson[]
  arrivedAt: Date | null
  leftAt: Date | null
  discussed: string
  agreements: string
  concerns: string
  actions: string
  version: number
  createdAt: Date
  updatedAt: Date
  updatedByName: string
  completedAt: Date | null
  completedByName: string | null
}

const recordColumns = `r.visit_id AS "visitId", r.school_id AS "schoolId", r.status, r.present, r.arrived_at AS "arrivedAt", r.left_at AS "leftAt",
  r.discussed, r.agreements, r.concerns, r.actions, r.version, r.created_at AS "createdAt", r.updated_at AS "updatedAt",
  r.updated_by_name AS "updatedByName", r.completed_at AS "completedAt", r.completed_by_name AS "completedByName"`

export async function findRecord(db: Db, schoolId: string, visitId: string, lock = false): Promise<VisitRecord | null> {
  const { rows } = await db.query<VisitRecord>(`SELECT ${recordColumns} FROM visit_records r WHERE r.school_id = $1 AND r.visit_id = $2${lock ? ' FOR UPDATE' : ''}`, [schoolId, visitId])
  return rows[0] ?? null
}

export type RecordWrite = Pick<VisitRecord, 'present' | 'arrivedAt' | 'leftAt' | 'discussed' | 'agreements' | 'concerns' | 'actions'>

export async function upsertRecord(
  db: Db,
  schoolId: string,
  visitId: string,
  record: RecordWrite,
  by: { userId: string; name: string },
  complete: boolean,
  now: Date,
): Promise<VisitRecord> {
  const { rows } = await db.query<VisitRecord>(
    `INSERT INTO visit_records AS r (visit_id, school_id, present, arrived_at, left_at, discussed, agreements, concerns, actions, created_by, created_at,
                                updated_by, updated_by_name, updated_at, status, completed_by, completed_by_name, completed_at)
     VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $12, $10, $11, $12,
             CASE WHEN $13 THEN 'completed' ELSE 'draft' END, CASE WHEN $13 THEN $10::uuid END, CASE WHEN $13 THEN $11 END, CASE WHEN $13 THEN $12::timestamptz END)
     ON CONFLICT (visit_id) DO UPDATE SET present = EXCLUDED.present, arrived_at = EXCLUDED.arrived_at, left_at = EXCLUDED.left_at,
       discussed = EXCLUDED.discussed, agreements = EXCLUDED.agreements, concerns = EXCLUDED.concerns, actions = EXCLUDED.actions,
       updated_by = EXCLUDED.updated_by, updated_by_name = EXCLUDED.updated_by_name, updated_at = EXCLUDED.updated_at,
       status = EXCLUDED.status, completed_by = EXCLUDED.completed_by, completed_by_name = EXCLUDED.completed_by_name,
       completed_at = EXCLUDED.completed_at, version = r.version + 1
     WHERE r.school_id = $1
     RETURNING ${recordColumns}`,
    [schoolId, visitId, JSON.stringify(record.present), record.arrivedAt, record.leftAt, record.discussed, record.agreements, record.concerns, record.actions, by.userId, by.name, now, complete],
  )
  return rows[0]!
}

/** A visit as the record's rules read it: how it ended and when. */
export type EndedVisit = {
  id: string
  status: VisitStatus
  outcome: VisitOutcome | null
  signedOutAt: Date | null
  /** When the visitors were back (monitoring ended), else the planned end. */
  endedAt: Date | null
  completeWithinHours: number
  arrivedAt: Date | null
  leftAt: Date | null
}

export async function endedVisit(db: Db, schoolId: string, visitId: string): Promise<EndedVisit | undefined> {
  const { rows } = await db.query<EndedVisit>(
    `SELECT v.id, v.status, v.outcome, v.signed_out_at AS "signedOutAt",
            coalesce(v.monitoring_ended_at, v.expected_end_at, v.planned_end) AS "endedAt",
            (pv.policy -> 'records' ->> 'completeWithinHours')::int AS "completeWithinHours",
            coalesce(v.arrived_at, (SELECT min(e.at) FROM visit_events e WHERE e.school_id = v.school_id AND e.visit_id = v.id AND e.kind = 'live.arrive'),
                     v.expected_start_at, v.planned_start) AS "arrivedAt",
            coalesce((SELECT max(e.at) FROM visit_events e WHERE e.school_id = v.school_id AND e.visit_id = v.id
                        AND e.kind IN ('live.leave', 'live.cancel_at_door', 'live.wait_limit_reached')),
                     v.expected_end_at, v.planned_end) AS "leftAt"
       FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id
      WHERE v.school_id = $1 AND v.id = $2`,
    [schoolId, visitId],
  )
  return rows[0]
}

/**
 * Visits of the school that need a record and have none completed, with when it is due: what the DSL's and
 * head's home page and the daily digest list. Only visits the visitors went out on (signed out) count.
 */
export type AwaitingRecord = { visitId: string; endedAt: Date; dueAt: Date; recordStatus: RecordStatus | null; pupils: string; staff: string }

export async function recordsAwaiting(db: Db, schoolId: string): Promise<AwaitingRecord[]> {
  const { rows } = await db.query<AwaitingRecord>(
    `SELECT v.id AS "visitId", coalesce(v.monitoring_ended_at, v.planned_end) AS "endedAt",
            coalesce(v.monitoring_ended_at, v.planned_end) + ((pv.policy -> 'records' ->> 'completeWithinHours')::int * interval '1 hour') AS "dueAt",
            r.status AS "recordStatus",
            coalesce((SELECT string_agg(p.first_name || ' ' || p.last_name, ', ' ORDER BY p.last_name) FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id
                       WHERE vp.school_id = v.school_id AND vp.visit_id = v.id), '') AS pupils,
            coalesce((SELECT string_agg(u.name, ', ' ORDER BY vs.role_on_visit) FROM visit_staff vs JOIN users u ON u.id = vs.user_id
                       WHERE vs.school_id = v.school_id AND vs.visit_id = v.id), '') AS staff
       FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id
       LEFT JOIN visit_records r ON r.school_id = v.school_id AND r.visit_id = v.id
      WHERE v.school_id = $1 AND v.status IN ('completed', 'cancelled') AND (v.signed_out_at IS NOT NULL OR v.outcome IS NOT NULL)
        AND coalesce(v.monitoring_ended_at, v.planned_end) IS NOT NULL
        AND (r.status IS NULL OR r.status <> 'completed')
      ORDER BY 3, v.id`,
    [schoolId],
  )
  return rows
}

// ---------------------------------------------------------------- follow-up actions

export type FollowUpAction = {
  id: string
  schoolId: string
  pupilId: string
  pupilName: string
  visitId: string | null
  description: string
  ownerUserId: string
  ownerName: string
  dueOn: string
  status: ActionStatus
  createdByName: string
  createdAt: Date
  doneByName: string | null
  doneAt: Date | null
  doneNote: string
}

const actionColumns = `a.id, a.school_id AS "schoolId", a.pupil_id AS "pupilId", p.first_name || ' ' || p.last_name AS "pupilName", a.visit_id AS "visitId",
  a.description, a.owner_user_id AS "ownerUserId", owner.name AS "ownerName", to_char(a.due_on, 'YYYY-MM-DD') AS "dueOn", a.status,
  a.created_by_name AS "createdByName", a.created_at AS "createdAt", a.done_by_name AS "doneByName", a.done_at AS "doneAt", a.done_note AS "doneNote"`
const actionJoins = `JOIN pupils p ON p.id = a.pupil_id AND p.school_id = a.school_id JOIN users owner ON owner.id = a.owner_user_id`

export type ActionFilter = { pupilId?: string; visitId?: string; ownerUserId?: string; overdueOn?: string; openOnly?: boolean }

export async function listActions(db: Db, schoolId: string, filter: ActionFilter = {}): Promise<FollowUpAction[]> {
  const where = ['a.school_id = $1']
  const values: unknown[] = [schoolId]
  const add = (sql: string, value: unknown) => {
    values.push(value)
    where.push(sql.replace('?', `$${values.length}`))
  }
  if (filter.pupilId) add('a.pupil_id = ?', filter.pupilId)
  if (filter.visitId) add('a.visit_id = ?', filter.visitId)
  if (filter.ownerUserId) add('a.owner_user_id = ?', filter.ownerUserId)
  if (filter.overdueOn) add(`a.status = 'open' AND a.due_on < ?::date`, filter.overdueOn)
  if (filter.openOnly) where.push(`a.status = 'open'`)
  const { rows } = await db.query<FollowUpAction>(
    `SELECT ${actionColumns} FROM follow_up_actions a ${actionJoins} WHERE ${where.join(' AND ')} ORDER BY a.status DESC, a.due_on, a.created_at, a.id`,
    values,
  )
  return rows
}

export async function findAction(db: Db, schoolId: string, actionId: string, lock = false): Promise<FollowUpAction | undefined> {
  const { rows } = await db.query<FollowUpAction>(
    `SELECT ${actionColumns} FROM follow_up_actions a ${actionJoins} WHERE a.school_id = $1 AND a.id = $2${lock ? ' FOR UPDATE OF a' : ''}`,
    [schoolId, actionId],
  )
  return rows[0]
}

export async function insertAction(
  db: Db,
  schoolId: string,
  action: { pupilId: string; visitId: string | null; description: string; ownerUserId: string; dueOn: string },
  by: { userId: string; name: string },
  now: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO follow_up_actions (school_id, pupil_id, visit_id, description, owner_user_id, due_on, created_by, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [schoolId, action.pupilId, action.visitId, action.description, action.ownerUserId, action.dueOn, by.userId, by.name, now],
  )
  return rows[0]!.id
}

export async function markActionDone(db: Db, schoolId: string, actionId: string, by: { userId: string; name: string }, note: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE follow_up_actions SET status = 'done', done_by = $3, done_by_name = $4, done_at = $5, done_note = $6 WHERE school_id = $1 AND id = $2`,
    [schoolId, actionId, by.userId, by.name, now, note],
  )
}

/** Staff of the school who may own an action: anyone but governors and school admins. */
export async function possibleOwners(db: Db, schoolId: string): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT DISTINCT u.id, u.name FROM users u JOIN school_memberships m ON m.user_id = u.id
      WHERE m.school_id = $1 AND u.active AND m.role NOT IN ('governor', 'school_admin') ORDER BY u.name, u.id`,
    [schoolId],
  )
  return rows
}
