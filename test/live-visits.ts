import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { inTransaction, type Pool } from '../src/db/pool.ts'
import { nextCheckIn, plannedCheckIns, type CheckInKind, type DueCheckIn } from '../src/domain/check-in-schedule.ts'
import type { Itinerary } from '../src/domain/itinerary.ts'
import { setDeadlines } from '../src/features/live/deadlines.ts'
import type { Policy } from '../src/policy/schema.ts'

/**
 * Live visits made directly with SQL, for the benchmarks (bench/escalation.ts, bench/checkin.ts) and the
 * fault tests (test/integration/faults.test.ts): thousands of visits in progress in a few bulk statements,
 * each with the history a real day would have left — signed out, arrived, in the home, the check-ins
 * before the next one made on time, the reminder (or office prompt) for the next one already given — so
 * that the next check-in becomes overdue at a chosen instant. The schedule comes from the pure domain
 * (check-in-schedule.ts), so every school's policy gets the check-in its own rules make next.
 */

const MINUTE = 60_000

export type LiveSchool = { schoolId: string; name: string; policyVersionId: string; policy: Policy; visitorId: string; visitorName: string }

/**
 * The demo schools with the policy version in force and their first visitor; with `count` above five,
 * copies of them (school, policy version and every membership of the same people) make up the number.
 */
export async function liveSchools(pool: Pool, count = 5): Promise<LiveSchool[]> {
  const read = () =>
    pool.query<LiveSchool>(
      `SELECT DISTINCT ON (s.id) s.id AS "schoolId", s.name, pv.id AS "policyVersionId", pv.policy, u.id AS "visitorId", u.name AS "visitorName"
         FROM schools s JOIN policy_versions pv ON pv.school_id = s.id
         JOIN school_memberships m ON m.school_id = s.id AND m.role = 'visitor' JOIN users u ON u.id = m.user_id
        ORDER BY s.id, pv.effective_from DESC, pv.version DESC, u.email`,
    )
  let { rows } = await read()
  rows.sort((a, b) => a.name.localeCompare(b.name))
  if (rows.length >= count) return rows.slice(0, count)
  const originals = rows
  await inTransaction(pool, async (client) => {
    for (let n = rows.length; n < count; n++) {
      const from = originals[n % originals.length]!
      const { rows: made } = await client.query<{ id: string }>(
        `INSERT INTO schools (organisation_id, name, preset) SELECT organisation_id, $2, preset FROM schools WHERE id = $1 RETURNING id`,
        [from.schoolId, `${from.name} (copy ${Math.floor(n / originals.length)}-${n % originals.length})`],
      )
      const id = made[0]!.id
      await client.query(
        `INSERT INTO policy_versions (school_id, version, preset, policy, effective_from, note, created_by_name)
         SELECT $2, 1, preset, policy, effective_from, note, created_by_name FROM policy_versions WHERE id = $1`,
        [from.policyVersionId, id],
      )
      await client.query(`INSERT INTO school_memberships (school_id, user_id, role) SELECT $2, user_id, role FROM school_memberships WHERE school_id = $1`, [from.schoolId, id])
    }
  })
  ;({ rows } = await read())
  return rows.sort((a, b) => a.name.localeCompare(b.name)).slice(0, count)
}

export type MadeVisit = {
  visitId: string
  schoolId: string
  /** The check-in that becomes overdue, and when: an alarm for it is due at `overdueAt`. */
  due: DueCheckIn
  overdueAt: Date
  /** The alarm's key for this check-in (monitoring.ts): one alarm per key. */
  alarmKey: string
}

type Shape = { itinerary: Itinerary; made: Array<{ kind: CheckInKind; at: Date }>; next: DueCheckIn }

/**
 * The day of a visit under `policy` whose next check-in is overdue at `overdueAt`: leave school, arrive
 * 20 minutes later, start 10 minutes after that, an hour in the home, back half an hour later; the next
 * check-in is the first the policy asks for once the visitors are at the address (Harton's routine
 * check-in, King's and Morecambe Road's end of visit, Westside's office call, WNA's return).
 */
function shapeOf(policy: Policy, overdueAt: Date): Shape {
  const build = (base: number): Shape | null => {
    const itinerary: Itinerary = {
      leaveSchoolAt: new Date(base),
      arriveAt: new Date(base + 20 * MINUTE),
      scheduledStart: new Date(base + 30 * MINUTE),
      endAt: new Date(base + 90 * MINUTE),
      backAtSchoolAt: new Date(base + 120 * MINUTE),
    }
    const plan = plannedCheckIns(policy, itinerary)
    const index = plan.findIndex((c) => c.kind !== 'leaving_school' && c.kind !== 'arrival')
    if (index < 0) return null
    return { itinerary, made: plan.slice(0, index).map((c) => ({ kind: c.kind, at: c.dueAt })), next: plan[index]! }
  }
  const trial = build(0)
  if (!trial) throw new Error('This policy asks for no check-in once the visitors are at the address')
  const shape = build(overdueAt.getTime() - trial.next.overdueAt.getTime())!
  // The schedule must agree: the next check-in, given the ones made, is the one overdue at overdueAt.
  const check = nextCheckIn(policy, shape.itinerary, shape.made)
  if (!check || check.kind !== shape.next.kind || check.overdueAt.getTime() !== overdueAt.getTime()) throw new Error('The made-up visit does not fall due when it should')
  return shape
}

/**
 * Inserts visits in progress (stage "in the home"), one per entry of `due`, spread over `schools` in
 * turn, with their check-ins and signals, in one transaction of a few bulk statements. Deadlines are
 * not scheduled: call `scheduleMadeVisits` (or let the app reschedule them).
 */
export async function makeOverdueVisits(pool: Pool, schools: readonly LiveSchool[], dueTimes: readonly Date[], now: Date): Promise<MadeVisit[]> {
  const visits: Array<{ id: string; school: LiveSchool; shape: Shape }> = dueTimes.map((overdueAt, i) => {
    const school = schools[i % schools.length]!
    return { id: randomUUID(), school, shape: shapeOf(school.policy, overdueAt) }
  })
  await inTransaction(pool, async (client) => insertVisits(client, visits, now))
  return visits.map(({ id, school, shape }) => ({
    visitId: id,
    schoolId: school.schoolId,
    due: shape.next,
    overdueAt: shape.next.overdueAt,
    alarmKey: `${shape.next.kind}@${shape.next.dueAt.toISOString()}`,
  }))
}

async function insertVisits(client: pg.PoolClient, visits: Array<{ id: string; school: LiveSchool; shape: Shape }>, now: Date): Promise<void> {
  const col = <T>(pick: (v: (typeof visits)[number]) => T) => visits.map(pick)
  await client.query(
    `INSERT INTO visits (id, school_id, policy_version_id, status, stage, stage_since, purpose_detail, planned_start, planned_end,
                         leave_school_at, arrive_at, finish_at, back_at_school_at, signed_out_at, arrived_at,
                         expected_leave_school_at, expected_arrive_at, expected_start_at, expected_end_at, expected_back_at,
                         created_by, created_at, updated_at, approved_at)
     SELECT v.id, v.school_id, v.policy_version_id, 'in_progress', 'in_home', v.arrive, 'Benchmark visit', v.start, v.finish,
            v.leave, v.arrive, v.finish, v.back, v.leave, v.arrive,
            v.leave, v.arrive, v.start, v.finish, v.back,
            v.created_by, $8, $8, $8
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $9::timestamptz[], $10::uuid[])
            AS v (id, school_id, policy_version_id, leave, arrive, start, finish, back, created_by)`,
    [
      col((v) => v.id),
      col((v) => v.school.schoolId),
      col((v) => v.school.policyVersionId),
      col((v) => v.shape.itinerary.leaveSchoolAt),
      col((v) => v.shape.itinerary.arriveAt),
      col((v) => v.shape.itinerary.scheduledStart),
      col((v) => v.shape.itinerary.endAt),
      now,
      col((v) => v.shape.itinerary.backAtSchoolAt),
      col((v) => v.school.visitorId),
    ],
  )
  await client.query(
    `INSERT INTO visit_staff (school_id, visit_id, user_id, role_on_visit)
     SELECT s.school_id, s.visit_id, s.user_id, 'lead' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS s (school_id, visit_id, user_id)`,
    [col((v) => v.school.schoolId), col((v) => v.id), col((v) => v.school.visitorId)],
  )
  const checkIns = visits.flatMap((v) => v.shape.made.map((c) => ({ v, c })))
  await client.query(
    `INSERT INTO check_ins (school_id, visit_id, kind, at, by_user_id, by_name, channel, answered)
     SELECT c.school_id, c.visit_id, c.kind, c.at, c.by_user_id, c.by_name, 'app', true
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::uuid[], $6::text[]) AS c (school_id, visit_id, kind, at, by_user_id, by_name)`,
    [
      checkIns.map(({ v }) => v.school.schoolId),
      checkIns.map(({ v }) => v.id),
      checkIns.map(({ c }) => c.kind),
      checkIns.map(({ c }) => c.at),
      checkIns.map(({ v }) => v.school.visitorId),
      checkIns.map(({ v }) => v.school.visitorName),
    ],
  )
  // The reminder (or, for a check-in the office makes, the prompt to call) was already given.
  await client.query(
    `INSERT INTO visit_signals (school_id, visit_id, key, at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])`,
    [
      col((v) => v.school.schoolId),
      col((v) => v.id),
      col((v) => `${v.shape.next.initiatedBy === 'office' ? 'prompt' : 'remind'}:${v.shape.next.kind}@${v.shape.next.dueAt.toISOString()}`),
      col((v) => (v.shape.next.initiatedBy === 'office' ? v.shape.next.dueAt : v.shape.next.remindAt)),
    ],
  )
}

/** Schedules each made visit's check-in deadline exactly as the write path's scheduleDeadlines would. */
export async function scheduleMadeVisits(db: Pool | pg.PoolClient, visits: readonly MadeVisit[], clock: () => Date, batch = 2000): Promise<void> {
  for (let i = 0; i < visits.length; i += batch) {
    const part = visits.slice(i, i + batch)
    await setDeadlines(db, part.map((v) => ({ ref: { schoolId: v.schoolId, visitId: v.visitId }, kind: 'check_in' as const, at: v.overdueAt })), clock())
  }
}
