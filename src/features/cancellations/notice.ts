import type pg from 'pg'
import type { Actor } from '../../audit/audit.ts'
import type { Db } from '../../db/pool.ts'
import {
  cancellationReasonInWriting,
  cancellationReasonLabels,
  describeCancellation,
  needsWrittenNotice,
  type CancellationReason,
} from '../../domain/cancellation.ts'
import { describeRoles, type SchoolRole } from '../../domain/roles.ts'
import type { Policy } from '../../policy/schema.ts'
import { notify } from '../live/notify.ts'
import { renderDocumentPdf } from './pdf.ts'

/**
 * Cancellations in writing (R-CANCEL-1). When a visit is cancelled for a reason the policies want in writing
 * (safety, animals, absence, refusal), the policy's recipients (`reporting.cancellationReasonsTo`) get a written
 * notice: a message in Doorstep and an email that says only that a visit of their school was cancelled, with a
 * link; the notice itself is a PDF kept on the visit, readable by those who may read the visit. It is written in
 * the transaction that cancels the visit, wherever that happens: planning (visits/service.ts), at the door
 * (live/service.ts), or when Doorstep ends the wait for the parents (live/write-path.ts).
 */

export type CancellationMoment = 'planning' | 'at_door' | 'wait_limit'
export const momentLabels: Record<CancellationMoment, string> = {
  planning: 'Cancelled before the visit',
  at_door: 'Cancelled at the door',
  wait_limit: 'Cancelled when the wait for the parents ended',
}

export type Cancellation = {
  schoolId: string
  visitId: string
  reason: CancellationReason
  detail: string
  moment: CancellationMoment
  actor: Actor
  policy: Policy
}

type RecordEvent = (kind: string, summary: string, payload: { [key: string]: unknown }) => Promise<void>

const longDateTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })

/** Writes the notice and tells its recipients, in the caller's transaction. Returns the notice's id, or null when the reason needs none. */
export async function sendCancellationNotice(client: pg.PoolClient, cancellation: Cancellation, record: RecordEvent, now: Date): Promise<string | null> {
  const { schoolId, visitId, reason, detail, moment, actor, policy } = cancellation
  if (!needsWrittenNotice(reason)) return null
  const roles = policy.reporting.cancellationReasonsTo
  const facts = await visitFacts(client, schoolId, visitId)
  if (!facts) return null
  const recipients = await recipientsOf(client, schoolId, roles)
  const pdf = await renderDocumentPdf({
    title: `${facts.schoolName}: notice of a cancelled home visit`,
    subject: 'A home visit was cancelled (R-CANCEL-1)',
    header: [facts.schoolName, `Written ${longDateTime.format(now)}`],
    heading: 'Notice of a cancelled home visit',
    facts: [
      { label: 'To', value: `${describeRoles(roles, 'and')}${recipients.length ? ` (${recipients.map((r) => r.name).join(', ')})` : ''}` },
      { label: 'Visit for', value: facts.pupils.join(', ') || 'No pupil recorded' },
      { label: 'Planned for', value: facts.plannedStart ? longDateTime.format(facts.plannedStart) : 'No time set' },
      { label: 'Staff', value: facts.staff.join(', ') || 'None recorded' },
      { label: 'When', value: `${momentLabels[moment]}, ${longDateTime.format(now)}` },
      { label: 'By', value: actor.name },
      { label: 'Reason', value: cancellationReasonLabels[reason] },
      ...(detail.trim() ? [{ label: 'In their words', value: detail.trim() }] : []),
    ],
    paragraphs: [
      `The home visit was cancelled because ${cancellationReasonInWriting[reason]}. The school's home visit policy asks for the reason to be sent in writing to ${describeRoles(roles, 'and')}.`,
      `The visit's full history is in Doorstep: /visits/${visitId}`,
    ],
  })
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO cancellation_notices (school_id, visit_id, reason, detail, moment, cancelled_at, cancelled_by, cancelled_by_name, recipient_roles, recipient_names, pdf)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (visit_id) DO NOTHING RETURNING id`,
    [schoolId, visitId, reason, detail.trim(), moment, now, actor.userId, actor.name, roles, recipients.map((r) => r.name), pdf],
  )
  const id = rows[0]?.id
  if (!id) return null
  await record('cancellation.notice_sent', `The reason for cancelling was sent in writing to ${describeRoles(roles, 'and')}`, {
    noticeId: id,
    reason,
    to: roles,
    recipients: recipients.map((r) => r.name),
  })
  await notify(client, {
    schoolId,
    userIds: recipients.map((r) => r.id),
    visitId,
    alarmId: null,
    kind: 'cancellation',
    priority: 'normal',
    // Outside Doorstep: which school, that a visit was cancelled, a link. No names, no address, no reason.
    title: `${facts.schoolName}: a home visit was cancelled`,
    body: 'The written notice is in Doorstep.',
    link: `/visits/${visitId}`,
    channels: ['email'],
  }, now)
  return id
}

async function recipientsOf(db: Db, schoolId: string, roles: readonly SchoolRole[]): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT DISTINCT u.id, u.name FROM school_memberships m JOIN users u ON u.id = m.user_id
      WHERE m.school_id = $1 AND m.role = ANY($2) AND u.active ORDER BY u.name`,
    [schoolId, roles],
  )
  return rows
}

async function visitFacts(db: Db, schoolId: string, visitId: string) {
  const { rows } = await db.query<{ schoolName: string; plannedStart: Date | null; pupils: string[]; staff: string[] }>(
    `SELECT s.name AS "schoolName", v.planned_start AS "plannedStart",
            coalesce((SELECT array_agg(p.first_name || ' ' || p.last_name ORDER BY p.last_name, p.first_name)
                        FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id WHERE vp.visit_id = v.id), '{}') AS pupils,
            coalesce((SELECT array_agg(u.name ORDER BY u.name) FROM visit_staff vs JOIN users u ON u.id = vs.user_id WHERE vs.visit_id = v.id), '{}') AS staff
       FROM visits v JOIN schools s ON s.id = v.school_id WHERE v.school_id = $1 AND v.id = $2`,
    [schoolId, visitId],
  )
  return rows[0]
}

// ---------------------------------------------------------------- reading

export type CancellationNotice = {
  id: string
  visitId: string
  reason: CancellationReason
  reasonLabel: string
  detail: string
  summary: string
  moment: CancellationMoment
  momentLabel: string
  cancelledAt: Date
  cancelledByName: string
  recipientRoles: SchoolRole[]
  recipientNames: string[]
}

const columns = `id, visit_id AS "visitId", reason, detail, moment, cancelled_at AS "cancelledAt", cancelled_by_name AS "cancelledByName",
  recipient_roles AS "recipientRoles", recipient_names AS "recipientNames"`

function shape(row: Omit<CancellationNotice, 'reasonLabel' | 'momentLabel' | 'summary'>): CancellationNotice {
  return { ...row, reasonLabel: cancellationReasonLabels[row.reason], momentLabel: momentLabels[row.moment], summary: describeCancellation(row.reason, row.detail) }
}

export async function noticeOfVisit(db: Db, schoolId: string, visitId: string): Promise<CancellationNotice | null> {
  const { rows } = await db.query(`SELECT ${columns} FROM cancellation_notices WHERE school_id = $1 AND visit_id = $2`, [schoolId, visitId])
  return rows[0] ? shape(rows[0]) : null
}

export async function noticePdfOfVisit(db: Db, schoolId: string, visitId: string): Promise<Buffer | null> {
  const { rows } = await db.query<{ pdf: Buffer }>(`SELECT pdf FROM cancellation_notices WHERE school_id = $1 AND visit_id = $2`, [schoolId, visitId])
  return rows[0]?.pdf ?? null
}

export async function noticesOfSchool(db: Db, schoolId: string, limit = 200): Promise<Array<CancellationNotice & { pupils: string[] }>> {
  const { rows } = await db.query(
    `SELECT ${columns},
            coalesce((SELECT array_agg(p.first_name || ' ' || p.last_name ORDER BY p.last_name) FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id WHERE vp.visit_id = n.visit_id), '{}') AS pupils
       FROM cancellation_notices n WHERE n.school_id = $1 ORDER BY n.cancelled_at DESC LIMIT $2`,
    [schoolId, limit],
  )
  return rows.map((row) => ({ ...shape(row), pupils: row.pupils as string[] }))
}

/** Cancellations of a pupil's visits, for the pupil's chronology. */
export async function noticesOfPupil(db: Db, schoolId: string, pupilId: string): Promise<CancellationNotice[]> {
  const { rows } = await db.query(
    `SELECT ${columns} FROM cancellation_notices n
      WHERE n.school_id = $1 AND EXISTS (SELECT 1 FROM visit_pupils vp WHERE vp.visit_id = n.visit_id AND vp.pupil_id = $2)
      ORDER BY n.cancelled_at`,
    [schoolId, pupilId],
  )
  return rows.map(shape)
}
