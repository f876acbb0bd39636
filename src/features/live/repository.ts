import type { Db } from '../../db/pool.ts'
import type { CheckInKind } from '../../domain/check-in-schedule.ts'
import type { Itinerary } from '../../domain/itinerary.ts'
import type { AcknowledgementOutcome, AlarmKind, AlarmStepRecord, LiveAlarm } from '../../domain/monitoring.ts'
import type { LiveStage, VisitOutcome, VisitStatus } from '../../domain/visit-lifecycle.ts'
import type { Policy } from '../../policy/schema.ts'

/**
 * The live side of a visit (migration 020): its stage, check-ins, alarms and their steps. Every
 * function takes the school first; writers expect the caller's transaction (the write path in
 * write-path.ts, which holds the visit's row lock).
 */

export type CheckInChannel = 'app' | 'phone_call' | 'text' | 'in_person'

export type LiveVisitRow = {
  id: string
  schoolId: string
  schoolName: string
  status: VisitStatus
  stage: LiveStage | null
  stageSince: Date | null
  outcome: VisitOutcome | null
  outcomeReason: string
  outOfHours: boolean
  responsibleContactUserId: string | null
  signedOutAt: Date | null
  arrivedAt: Date | null
  monitoringEndedAt: Date | null
  plannedStart: Date | null
  plannedEnd: Date | null
  leaveSchoolAt: Date | null
  arriveAt: Date | null
  finishAt: Date | null
  backAtSchoolAt: Date | null
  expected: Itinerary | null
  policy: Policy
  purposeId: string | null
  version: number
}

type Row = Omit<LiveVisitRow, 'expected'> & {
  expectedLeaveSchoolAt: Date | null
  expectedArriveAt: Date | null
  expectedStartAt: Date | null
  expectedEndAt: Date | null
  expectedBackAt: Date | null
}

const liveColumns = `v.id, v.school_id AS "schoolId", s.name AS "schoolName", v.status, v.stage, v.stage_since AS "stageSince",
  v.outcome, v.outcome_reason AS "outcomeReason", v.out_of_hours AS "outOfHours",
  v.responsible_contact_user_id AS "responsibleContactUserId", v.signed_out_at AS "signedOutAt", v.arrived_at AS "arrivedAt",
  v.monitoring_ended_at AS "monitoringEndedAt", v.planned_start AS "plannedStart", v.planned_end AS "plannedEnd",
  v.leave_school_at AS "leaveSchoolAt", v.arrive_at AS "arriveAt", v.finish_at AS "finishAt", v.back_at_school_at AS "backAtSchoolAt",
  v.expected_leave_school_at AS "expectedLeaveSchoolAt", v.expected_arrive_at AS "expectedArriveAt",
  v.expected_start_at AS "expectedStartAt", v.expected_end_at AS "expectedEndAt", v.expected_back_at AS "expectedBackAt",
  pv.policy, v.purpose_id AS "purposeId", v.version`

function toLive(row: Row): LiveVisitRow {
  const { expectedLeaveSchoolAt, expectedArriveAt, expectedStartAt, expectedEndAt, expectedBackAt, ...rest } = row
  const expected =
    expectedLeaveSchoolAt && expectedArriveAt && expectedStartAt && expectedEndAt
      ? { leaveSchoolAt: expectedLeaveSchoolAt, arriveAt: expectedArriveAt, scheduledStart: expectedStartAt, endAt: expectedEndAt, backAtSchoolAt: expectedBackAt }
      : null
  return { ...rest, expected }
}

/** The visit, locked for the rest of the transaction: every live change and deadline goes through this lock. */
export async function lockLiveVisit(db: Db, schoolId: string, visitId: string): Promise<LiveVisitRow | undefined> {
  return readLiveVisit(db, schoolId, visitId, 'FOR UPDATE OF v')
}

/** The visit as it stands, without locking it (pages). */
export async function findLiveVisit(db: Db, schoolId: string, visitId: string): Promise<LiveVisitRow | undefined> {
  return readLiveVisit(db, schoolId, visitId, '')
}

async function readLiveVisit(db: Db, schoolId: string, visitId: string, lock: string): Promise<LiveVisitRow | undefined> {
  // Prepared once per connection (the write path locks a visit this way in every change).
  const { rows } = await db.query<Row>({
    name: lock ? 'doorstep-lock-live-visit' : 'doorstep-find-live-visit',
    text: `SELECT ${liveColumns}
       FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id JOIN schools s ON s.id = v.school_id
      WHERE v.school_id = $1 AND v.id = $2 ${lock}`,
    values: [schoolId, visitId],
  })
  return rows[0] && toLive(rows[0])
}

export async function updateLiveVisit(
  db: Db,
  schoolId: string,
  visitId: string,
  change: {
    status?: VisitStatus
    stage?: LiveStage | null
    stageSince?: Date | null
    outcome?: VisitOutcome | null
    outcomeReason?: string
    signedOutAt?: Date
    arrivedAt?: Date
    monitoringEndedAt?: Date
    expected?: Itinerary
    entryChecklist?: Record<string, unknown>
    cancelledReason?: string
  },
  now: Date,
): Promise<void> {
  const sets: string[] = []
  const values: unknown[] = [schoolId, visitId, now]
  const set = (column: string, value: unknown) => {
    values.push(value)
    sets.push(`${column} = $${values.length}`)
  }
  if (change.status !== undefined) set('status', change.status)
  if (change.stage !== undefined) set('stage', change.stage)
  if (change.stageSince !== undefined) set('stage_since', change.stageSince)
  if (change.outcome !== undefined) set('outcome', change.outcome)
  if (change.outcomeReason !== undefined) set('outcome_reason', change.outcomeReason)
  if (change.signedOutAt !== undefined) set('signed_out_at', change.signedOutAt)
  if (change.arrivedAt !== undefined) set('arrived_at', change.arrivedAt)
  if (change.monitoringEndedAt !== undefined) set('monitoring_ended_at', change.monitoringEndedAt)
  if (change.cancelledReason !== undefined) set('cancelled_reason', change.cancelledReason)
  if (change.entryChecklist !== undefined) set('entry_checklist', JSON.stringify(change.entryChecklist))
  if (change.expected) {
    set('expected_leave_school_at', change.expected.leaveSchoolAt)
    set('expected_arrive_at', change.expected.arriveAt)
    set('expected_start_at', change.expected.scheduledStart)
    set('expected_end_at', change.expected.endAt)
    set('expected_back_at', change.expected.backAtSchoolAt)
  }
  await db.query(`UPDATE visits SET ${[...sets, 'updated_at = $3', 'version = version + 1'].join(', ')} WHERE school_id = $1 AND id = $2`, values)
}

// ---------------------------------------------------------------- check-ins

export type CheckInRow = {
  id: string
  kind: CheckInKind | null
  at: Date
  byUserId: string | null
  byName: string
  channel: CheckInChannel
  answered: boolean
  note: string
  latitude: number | null
  longitude: number | null
  accuracyM: number | null
}

export async function checkInsOf(db: Db, schoolId: string, visitId: string): Promise<CheckInRow[]> {
  const { rows } = await db.query<CheckInRow>(
    `SELECT id, kind, at, by_user_id AS "byUserId", by_name AS "byName", channel, answered, note, latitude, longitude, accuracy_m AS "accuracyM"
       FROM check_ins WHERE school_id = $1 AND visit_id = $2 ORDER BY at, id`,
    [schoolId, visitId],
  )
  return rows
}

export async function checkInByClientRef(db: Db, schoolId: string, visitId: string, clientRef: string): Promise<CheckInRow | undefined> {
  const { rows } = await db.query<CheckInRow>(
    `SELECT id, kind, at, by_user_id AS "byUserId", by_name AS "byName", channel, answered, note, latitude, longitude, accuracy_m AS "accuracyM"
       FROM check_ins WHERE school_id = $1 AND visit_id = $2 AND client_ref = $3`,
    [schoolId, visitId, clientRef],
  )
  return rows[0]
}

export async function insertCheckIn(
  db: Db,
  schoolId: string,
  visitId: string,
  checkIn: Omit<CheckInRow, 'id'> & { clientRef?: string | null },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO check_ins (school_id, visit_id, kind, at, by_user_id, by_name, channel, answered, note, latitude, longitude, accuracy_m, client_ref)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      schoolId,
      visitId,
      checkIn.kind,
      checkIn.at,
      checkIn.byUserId,
      checkIn.byName,
      checkIn.channel,
      checkIn.answered,
      checkIn.note,
      checkIn.latitude,
      checkIn.longitude,
      checkIn.accuracyM,
      checkIn.clientRef ?? null,
    ],
  )
  return rows[0]!.id
}

// ---------------------------------------------------------------- taps retried from the phone (migration 024)

/**
 * A tap with this phone-made reference already recorded for the visit (as a step or an alarm here, or as a
 * check-in), or undefined. `alarmId`: the alarm it raised.
 */
export async function tapSeen(db: Db, schoolId: string, visitId: string, clientRef: string): Promise<{ alarmId: string | null } | undefined> {
  const { rows } = await db.query<{ alarmId: string | null }>(
    `SELECT alarm_id AS "alarmId" FROM live_taps WHERE school_id = $1 AND visit_id = $2 AND client_ref = $3
     UNION ALL
     SELECT NULL FROM check_ins WHERE school_id = $1 AND visit_id = $2 AND client_ref = $3
     LIMIT 1`,
    [schoolId, visitId, clientRef],
  )
  return rows[0]
}

/** Remembers a tap's reference, in the transaction that recorded it (under the visit's lock). */
export async function insertTap(
  db: Db,
  schoolId: string,
  visitId: string,
  tap: { clientRef: string; action: string; at: Date; byUserId: string; alarmId?: string | null },
): Promise<void> {
  await db.query('INSERT INTO live_taps (school_id, visit_id, client_ref, action, at, by_user_id, alarm_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING', [
    schoolId,
    visitId,
    tap.clientRef,
    tap.action,
    tap.at,
    tap.byUserId,
    tap.alarmId ?? null,
  ])
}

// ---------------------------------------------------------------- signals (reminders sent, prompts, wait limits)

export async function signalsOf(db: Db, schoolId: string, visitId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>('SELECT key FROM visit_signals WHERE school_id = $1 AND visit_id = $2', [schoolId, visitId])
  return new Set(rows.map((row) => row.key))
}

/** False when the signal was already given (a second run of the same deadline). */
export async function insertSignal(db: Db, schoolId: string, visitId: string, key: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO visit_signals (school_id, visit_id, key, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [schoolId, visitId, key, at],
  )
  return rowCount === 1
}

// ---------------------------------------------------------------- alarms

export type AlarmStepRow = AlarmStepRecord & {
  action: string
  recipients: string[]
  lastAlertedAt: Date | null
  acknowledgedByName: string | null
  reference: string | null
  note: string | null
}

export type AlarmRow = Omit<LiveAlarm, 'steps'> & {
  schoolId: string
  visitId: string
  priority: 'top' | 'normal'
  summary: string
  raisedAt: Date
  raisedBy: string | null
  raisedByName: string
  closedBy: string | null
  closedByName: string | null
  closedHow: SafeHow | null
  closedNote: string | null
  steps: AlarmStepRow[]
}

export const safeHows = ['spoke_to_visitor', 'visitor_back_at_school', 'seen_in_person', 'police_confirmed', 'other'] as const
export type SafeHow = (typeof safeHows)[number]

const alarmColumns = `a.id, a.school_id AS "schoolId", a.visit_id AS "visitId", a.kind, a.key, a.priority, a.summary, a.due_at AS "dueAt",
  a.raised_at AS "raisedAt", a.raised_by AS "raisedBy", a.raised_by_name AS "raisedByName", a.closed_at AS "closedAt",
  a.closed_by AS "closedBy", a.closed_by_name AS "closedByName", a.closed_how AS "closedHow", a.closed_note AS "closedNote",
  coalesce((SELECT json_agg(json_build_object(
      'number', st.number, 'action', st.action, 'recipients', st.recipients, 'alertedAt', st.alerted_at,
      'lastAlertedAt', st.last_alerted_at, 'realerts', st.realerts, 'acknowledgedAt', st.acknowledged_at,
      'acknowledgedBy', st.acknowledged_by, 'acknowledgedByName', st.acknowledged_by_name, 'outcome', st.outcome,
      'reference', st.reference, 'note', st.note) ORDER BY st.number)
    FROM alarm_steps st WHERE st.alarm_id = a.id), '[]'::json) AS steps`

type RawAlarm = Omit<AlarmRow, 'steps'> & { steps: Array<Omit<AlarmStepRow, 'alertedAt' | 'lastAlertedAt' | 'acknowledgedAt'> & { alertedAt: string | null; lastAlertedAt: string | null; acknowledgedAt: string | null }> }

function toAlarm(row: RawAlarm): AlarmRow {
  const date = (value: string | null) => (value === null ? null : new Date(value))
  return {
    ...row,
    steps: row.steps.map((step) => ({ ...step, alertedAt: date(step.alertedAt), lastAlertedAt: date(step.lastAlertedAt), acknowledgedAt: date(step.acknowledgedAt) })),
  }
}

export async function alarmsOfVisit(db: Db, schoolId: string, visitId: string): Promise<AlarmRow[]> {
  const { rows } = await db.query<RawAlarm>(`SELECT ${alarmColumns} FROM alarms a WHERE a.school_id = $1 AND a.visit_id = $2 ORDER BY a.raised_at, a.id`, [schoolId, visitId])
  return rows.map(toAlarm)
}

export async function findAlarm(db: Db, schoolId: string, alarmId: string): Promise<AlarmRow | undefined> {
  const { rows } = await db.query<RawAlarm>(`SELECT ${alarmColumns} FROM alarms a WHERE a.school_id = $1 AND a.id = $2`, [schoolId, alarmId])
  return rows[0] && toAlarm(rows[0])
}

export async function openAlarmsOf(db: Db, schoolId: string): Promise<AlarmRow[]> {
  const { rows } = await db.query<RawAlarm>(`SELECT ${alarmColumns} FROM alarms a WHERE a.school_id = $1 AND a.closed_at IS NULL ORDER BY a.raised_at`, [schoolId])
  return rows.map(toAlarm)
}

/** Null when an alarm with this key was already raised (the deadline ran twice). */
export async function insertAlarm(
  db: Db,
  schoolId: string,
  visitId: string,
  alarm: { kind: AlarmKind; key: string; priority: 'top' | 'normal'; summary: string; dueAt: Date; raisedAt: Date; raisedBy: string | null; raisedByName: string },
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO alarms (school_id, visit_id, kind, key, priority, summary, due_at, raised_at, raised_by, raised_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (visit_id, key) DO NOTHING RETURNING id`,
    [schoolId, visitId, alarm.kind, alarm.key, alarm.priority, alarm.summary, alarm.dueAt, alarm.raisedAt, alarm.raisedBy, alarm.raisedByName],
  )
  return rows[0]?.id ?? null
}

export async function upsertStepAlert(
  db: Db,
  schoolId: string,
  alarmId: string,
  step: { number: number; action: string; recipients: string[]; realert: number },
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO alarm_steps (school_id, alarm_id, number, action, recipients, alerted_at, last_alerted_at, realerts)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
     ON CONFLICT (alarm_id, number) DO UPDATE SET last_alerted_at = EXCLUDED.last_alerted_at, realerts = EXCLUDED.realerts`,
    [schoolId, alarmId, step.number, step.action, JSON.stringify(step.recipients), at, step.realert],
  )
}

export async function acknowledgeStep(
  db: Db,
  schoolId: string,
  alarmId: string,
  number: number,
  ack: { at: Date; byUserId: string; byName: string; outcome: AcknowledgementOutcome; reference: string | null; note: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE alarm_steps SET acknowledged_at = $4, acknowledged_by = $5, acknowledged_by_name = $6, outcome = $7, reference = $8, note = $9
      WHERE school_id = $1 AND alarm_id = $2 AND number = $3 AND acknowledged_at IS NULL`,
    [schoolId, alarmId, number, ack.at, ack.byUserId, ack.byName, ack.outcome, ack.reference, ack.note],
  )
  return rowCount === 1
}

export async function closeAlarm(
  db: Db,
  schoolId: string,
  alarmId: string,
  close: { at: Date; byUserId: string; byName: string; how: SafeHow; note: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE alarms SET closed_at = $3, closed_by = $4, closed_by_name = $5, closed_how = $6, closed_note = $7
      WHERE school_id = $1 AND id = $2 AND closed_at IS NULL`,
    [schoolId, alarmId, close.at, close.byUserId, close.byName, close.how, close.note],
  )
  return rowCount === 1
}

// ---------------------------------------------------------------- who to tell

/** Active staff of the school holding any of these roles. */
export async function usersWithRoles(db: Db, schoolId: string, roles: readonly string[]): Promise<Array<{ id: string; name: string }>> {
  if (roles.length === 0) return []
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT DISTINCT u.id, u.name FROM school_memberships m JOIN users u ON u.id = m.user_id
      WHERE m.school_id = $1 AND m.role = ANY($2) AND u.active ORDER BY u.name`,
    [schoolId, roles],
  )
  return rows
}

export type LiveStaff = { userId: string; name: string; mobile: string | null; roleOnVisit: string }

export async function visitorsOf(db: Db, schoolId: string, visitId: string): Promise<LiveStaff[]> {
  const { rows } = await db.query<LiveStaff>(
    `SELECT vs.user_id AS "userId", u.name, coalesce(vs.mobile, u.mobile) AS mobile, vs.role_on_visit AS "roleOnVisit"
       FROM visit_staff vs JOIN users u ON u.id = vs.user_id
      WHERE vs.school_id = $1 AND vs.visit_id = $2
      ORDER BY CASE vs.role_on_visit WHEN 'lead' THEN 0 WHEN 'second' THEN 1 ELSE 2 END, u.name`,
    [schoolId, visitId],
  )
  return rows
}

// ---------------------------------------------------------------- the write path's read, in one round trip

export type LiveStateRows = { checkIns: CheckInRow[]; signals: Set<string>; alarms: AlarmRow[] }

const stateColumns = `
  (SELECT coalesce(json_agg(json_build_object('id', c.id, 'kind', c.kind, 'at', c.at, 'byUserId', c.by_user_id, 'byName', c.by_name,
            'channel', c.channel, 'answered', c.answered, 'note', c.note, 'latitude', c.latitude, 'longitude', c.longitude,
            'accuracyM', c.accuracy_m) ORDER BY c.at, c.id), '[]'::json)
     FROM check_ins c WHERE c.school_id = $1 AND c.visit_id = $2) AS "checkIns",
  (SELECT coalesce(json_agg(g.key), '[]'::json) FROM visit_signals g WHERE g.school_id = $1 AND g.visit_id = $2) AS signals,
  (SELECT coalesce(json_agg(x ORDER BY x."raisedAt", x.id), '[]'::json)
     FROM (SELECT ${alarmColumns} FROM alarms a WHERE a.school_id = $1 AND a.visit_id = $2) x) AS alarms`

type RawState = {
  checkIns: Array<Omit<CheckInRow, 'at'> & { at: string }>
  signals: string[]
  alarms: Array<Omit<RawAlarm, 'dueAt' | 'raisedAt' | 'closedAt'> & { dueAt: string; raisedAt: string; closedAt: string | null }>
}

function toState(row: RawState): LiveStateRows {
  return {
    checkIns: row.checkIns.map((c) => ({ ...c, at: new Date(c.at) })),
    signals: new Set(row.signals),
    alarms: row.alarms.map((a) => toAlarm({ ...a, dueAt: new Date(a.dueAt), raisedAt: new Date(a.raisedAt), closedAt: a.closedAt === null ? null : new Date(a.closedAt) })),
  }
}

/**
 * A visit's check-ins, signals and alarms (with their steps) in one query: the same rows as
 * checkInsOf, signalsOf and alarmsOfVisit, read in one snapshot. Inside the write path, which holds the
 * visit's row lock, that snapshot holds every change made to them (each one takes that lock first).
 */
export async function liveStateRows(db: Db, schoolId: string, visitId: string): Promise<LiveStateRows> {
  const { rows } = await db.query<RawState>({ name: 'doorstep-live-state', text: `SELECT ${stateColumns}`, values: [schoolId, visitId] })
  return toState(rows[0]!)
}

/**
 * The visit and its live state in one round trip, for a transaction that already holds the visit's row
 * lock (`lockLiveVisit`). Not a way to take the lock: a statement that waited for the lock would read the
 * state from a snapshot older than the change it waited for.
 */
export async function lockedLiveVisitState(db: Db, schoolId: string, visitId: string): Promise<{ visit: LiveVisitRow; state: LiveStateRows } | undefined> {
  const { rows } = await db.query<Row & RawState>({
    // Prepared once per connection: it is read on every pass of every live change, and planning it
    // cost more than running it.
    name: 'doorstep-locked-live-visit-state',
    text: `SELECT ${liveColumns}, ${stateColumns}
       FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id JOIN schools s ON s.id = v.school_id
      WHERE v.school_id = $1 AND v.id = $2`,
    values: [schoolId, visitId],
  })
  const row = rows[0]
  if (!row) return undefined
  const { checkIns, signals, alarms, ...visit } = row
  return { visit: toLive(visit), state: toState({ checkIns, signals, alarms }) }
}
