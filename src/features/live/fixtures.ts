import assert from 'node:assert/strict'
import type { Pool } from '../../db/pool.ts'
import { textOf, type Agent } from '../../../test/helpers.ts'
import { londonInstant } from '../visits/times.ts'

/**
 * Helpers for the live-safety tests: the demo's approved Westside visit for Leo today (leave school
 * 13:30, visit 14:00–15:00, back 15:30 on the test day, 25 November 2026), copies of it for tests
 * that need several visits out at once, and everything about a visit that must never leave Doorstep.
 */

export const TODAY = '2026-11-25'
export const at = (time: string): Date => londonInstant(TODAY, time)
export const MINUTE = 60_000
/** Tests jump hours through a day; sessions last the day. */
export const allDay = { session: { idleMinutes: 24 * 60, absoluteHours: 24 } }

export async function leoVisit(pool: Pool): Promise<{ schoolId: string; visitId: string; schoolName: string }> {
  const { rows } = await pool.query<{ id: string; schoolId: string; schoolName: string }>(
    `SELECT v.id, v.school_id AS "schoolId", s.name AS "schoolName" FROM visits v JOIN schools s ON s.id = v.school_id
       JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE s.name = 'Westside School' AND v.status = 'approved' AND p.first_name = 'Leo'`,
  )
  assert.ok(rows[0], 'the demo has an approved visit for Leo today')
  return { schoolId: rows[0].schoolId, visitId: rows[0].id, schoolName: rows[0].schoolName }
}

const visitTimes = ['planned_start', 'planned_end', 'leave_school_at', 'arrive_at', 'finish_at', 'back_at_school_at']
const visitChildren = ['visit_pupils', 'visit_contacts', 'visit_staff', 'risk_assessments', 'visit_decisions']

/**
 * Another approved visit like `visitId` (same family, staff, plan and risk assessment), every time
 * `minutesLater`. Copied column by column from the catalogue, so columns added later come along.
 */
export async function copyOfVisit(pool: Pool, visitId: string, minutesLater = 0): Promise<string> {
  const columns = async (table: string) =>
    (
      await pool.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' AND column_name <> 'id' ORDER BY ordinal_position`,
        [table],
      )
    ).rows.map((row) => row.name)
  const visitColumns = await columns('visits')
  const select = visitColumns.map((c) => (visitTimes.includes(c) ? `${c} + $2 * interval '1 minute'` : c)).join(', ')
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO visits (${visitColumns.join(', ')}) SELECT ${select} FROM visits WHERE id = $1 RETURNING id`, [visitId, minutesLater])
  const copy = rows[0]!.id
  for (const table of visitChildren) {
    // Every column but an id of its own (which takes its default) and visit_id (the copy's).
    const cols = await columns(table)
    await pool.query(
      `INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.map((c) => (c === 'visit_id' ? '$2::uuid' : c)).join(', ')} FROM ${table} WHERE visit_id = $1`,
      [visitId, copy],
    )
  }
  return copy
}

/**
 * What must never leave Doorstep about a visit (R-ITIN-2, R-CONF-1): its code word, the pupils'
 * and adults' names and contact details, the address, and the visitors' names. Read from the
 * database, so the assertion is against the real values.
 */
export async function secretsOf(pool: Pool, visitId: string): Promise<string[]> {
  const { rows } = await pool.query<{ value: string }>(
    `SELECT v.code_word AS value FROM visits v WHERE v.id = $1
     UNION ALL SELECT p.first_name FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id WHERE vp.visit_id = $1
     UNION ALL SELECT p.last_name FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id WHERE vp.visit_id = $1
     UNION ALL SELECT c.first_name FROM visit_contacts vc JOIN contacts c ON c.id = vc.contact_id WHERE vc.visit_id = $1
     UNION ALL SELECT c.last_name FROM visit_contacts vc JOIN contacts c ON c.id = vc.contact_id WHERE vc.visit_id = $1
     UNION ALL SELECT c.phone FROM visit_contacts vc JOIN contacts c ON c.id = vc.contact_id WHERE vc.visit_id = $1
     UNION ALL SELECT c.email FROM visit_contacts vc JOIN contacts c ON c.id = vc.contact_id WHERE vc.visit_id = $1
     UNION ALL SELECT a.line1 FROM visits v JOIN addresses a ON a.id = v.address_id WHERE v.id = $1
     UNION ALL SELECT a.line2 FROM visits v JOIN addresses a ON a.id = v.address_id WHERE v.id = $1
     UNION ALL SELECT a.postcode FROM visits v JOIN addresses a ON a.id = v.address_id WHERE v.id = $1
     UNION ALL SELECT a.town FROM visits v JOIN addresses a ON a.id = v.address_id JOIN schools s ON s.id = v.school_id
                WHERE v.id = $1 AND position(lower(a.town) IN lower(s.name)) = 0
     UNION ALL SELECT u.name FROM visit_staff vs JOIN users u ON u.id = vs.user_id WHERE vs.visit_id = $1
     UNION ALL SELECT m.mobile FROM visit_staff m WHERE m.visit_id = $1`,
    [visitId],
  )
  const secrets = rows.map((row) => row.value?.trim() ?? '').filter((value) => value.length >= 3)
  assert.ok(secrets.length >= 8, `the visit has a code word, names and an address to look for (${secrets.join(', ')})`)
  return [...new Set(secrets)]
}

/** Asserts that `text` contains none of `secrets` (case-insensitive; also with spaces squeezed, for phone numbers). */
export function assertNoneOf(text: string, secrets: readonly string[], what: string): void {
  const folded = text.toLowerCase()
  const squeezed = folded.replace(/\s+/g, '')
  for (const secret of secrets) {
    const s = secret.toLowerCase()
    assert.ok(!folded.includes(s) && !squeezed.includes(s.replace(/\s+/g, '')), `${what} must not contain "${secret}":\n${text}`)
  }
}

export async function ok(response: Promise<{ statusCode: number; body: string }>, status = 303) {
  const result = await response
  assert.equal(result.statusCode, status, textOf(result.body).slice(0, 600))
  return result
}

/** The visitor signs the visit out of school (R-SIGN-1) at the clock's time. */
export async function signOutOfSchool(visitor: Agent, visitId: string): Promise<void> {
  await ok(visitor.post(`/visits/${visitId}/live/sign-out`))
}

/** The visit's open alarms and the people each alerted, with their email addresses. */
export async function alarmsOf(pool: Pool, visitId: string): Promise<Array<{ id: string; kind: string; recipients: Array<{ userId: string; email: string }> }>> {
  const { rows } = await pool.query<{ id: string; kind: string; userId: string | null; email: string | null }>(
    `SELECT a.id, a.kind, n.user_id AS "userId", u.email FROM alarms a
       LEFT JOIN notifications n ON n.alarm_id = a.id AND n.kind = 'alarm' LEFT JOIN users u ON u.id = n.user_id
      WHERE a.visit_id = $1 ORDER BY a.raised_at, a.id, u.email`,
    [visitId],
  )
  const alarms = new Map<string, { id: string; kind: string; recipients: Array<{ userId: string; email: string }> }>()
  for (const row of rows) {
    const alarm = alarms.get(row.id) ?? { id: row.id, kind: row.kind, recipients: [] }
    if (row.userId && row.email) alarm.recipients.push({ userId: row.userId, email: row.email })
    alarms.set(row.id, alarm)
  }
  return [...alarms.values()]
}

export type DeliveryRow = { notificationId: string; email: string; channel: string; status: string; attempts: number; lastError: string | null; alarmId: string | null }

export async function deliveriesOf(pool: Pool, where: { alarmId?: string; visitId?: string; channel?: string } = {}): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT d.notification_id AS "notificationId", u.email, d.channel, d.status, d.attempts, d.last_error AS "lastError", n.alarm_id AS "alarmId"
       FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id JOIN users u ON u.id = n.user_id
      WHERE ($1::uuid IS NULL OR n.alarm_id = $1) AND ($2::uuid IS NULL OR n.visit_id = $2) AND ($3::text IS NULL OR d.channel = $3)
      ORDER BY n.created_at, u.email, d.channel`,
    [where.alarmId ?? null, where.visitId ?? null, where.channel ?? null],
  )
  return rows
}

/** Polls `check` every 20 ms until it returns something truthy or `timeoutMs` passes (real time: the workers run in real time). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'the condition'): Promise<T> {
  const until = performance.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (performance.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Runs failed deliveries' next attempts now instead of in 5 s, 10 s, 20 s … (the retry schedule of
 * deliver.ts), so a test of retries does not wait real seconds. Only jobs that are waiting, not running.
 */
export async function retryDeliveriesNow(pool: Pool): Promise<number> {
  const { rowCount } = await pool.query(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key LIKE 'deliver:%' AND locked_at IS NULL AND run_at > now()`)
  return rowCount ?? 0
}
