import { z } from 'zod'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import { ForbiddenError } from '../../web/errors.ts'
import { requirePerson, mayEditReadiness } from './service.ts'

/**
 * A member of staff's physical description for the police information sheet (R-ESC-3), held per school
 * (migration 023). Optional: the sheet says "no description held" without one. The person writes their
 * own, or the office, headteacher or a school admin writes it for them; every change is audited with the
 * text before and after.
 */

export const DESCRIPTION_MAX = 500

export const descriptionForm = z.object({
  description: z
    .string({ error: 'Enter a description, or leave the box empty to remove it' })
    .trim()
    .max(DESCRIPTION_MAX, `Keep the description under ${DESCRIPTION_MAX} characters`),
})
export type DescriptionInput = z.infer<typeof descriptionForm>

export type StaffDescription = { description: string; updatedAt: Date; updatedByName: string | null }

/** The person, or those who record readiness (school admin, headteacher, office). */
export function mayDescribe(roles: readonly SchoolRole[], actorUserId: string, userId: string): boolean {
  return actorUserId === userId || mayEditReadiness(roles)
}

export async function findDescription(db: Db, schoolId: string, userId: string): Promise<StaffDescription | null> {
  const { rows } = await db.query<StaffDescription>(
    `SELECT d.description, d.updated_at AS "updatedAt", u.name AS "updatedByName"
       FROM staff_descriptions d LEFT JOIN users u ON u.id = d.updated_by
      WHERE d.school_id = $1 AND d.user_id = $2`,
    [schoolId, userId],
  )
  return rows[0] ?? null
}

/** The descriptions of several people of one school, by user id. */
export async function descriptionsOf(db: Db, schoolId: string, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map()
  const { rows } = await db.query<{ userId: string; description: string }>(
    'SELECT user_id AS "userId", description FROM staff_descriptions WHERE school_id = $1 AND user_id = ANY($2::uuid[])',
    [schoolId, userIds],
  )
  return new Map(rows.map((row) => [row.userId, row.description]))
}

/** Saves (or, given an empty text, removes) a description, audited in the same transaction. */
export async function saveDescription(
  pool: Pool,
  actor: Actor & { userId: string },
  school: { id: string; roles: readonly SchoolRole[] },
  userId: string,
  input: DescriptionInput,
  now: Date,
): Promise<'saved' | 'removed' | 'unchanged'> {
  const person = await requirePerson(pool, school.id, userId)
  if (!mayDescribe(school.roles, actor.userId, userId)) {
    throw new ForbiddenError('You can describe yourself for the police sheet; the office, the headteacher or a school admin can describe others.')
  }
  return inTransaction(pool, async (client) => {
    const before = await client.query<{ description: string }>(
      'SELECT description FROM staff_descriptions WHERE school_id = $1 AND user_id = $2 FOR UPDATE',
      [school.id, userId],
    )
    const old = before.rows[0]?.description ?? null
    const text = input.description === '' ? null : input.description
    if (old === text) return 'unchanged'
    if (text === null) {
      await client.query('DELETE FROM staff_descriptions WHERE school_id = $1 AND user_id = $2', [school.id, userId])
    } else {
      await client.query(
        `INSERT INTO staff_descriptions (school_id, user_id, description, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (school_id, user_id) DO UPDATE SET description = EXCLUDED.description, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
        [school.id, userId, text, actor.userId, now],
      )
    }
    const whose = actor.userId === userId ? 'their own' : `${person.name}’s`
    await recordAudit(client, {
      schoolId: school.id,
      actor,
      action: text === null ? 'readiness.description_removed' : 'readiness.description_saved',
      subjectType: 'user',
      subjectId: userId,
      summary: text === null ? `Removed ${whose} description for the police sheet` : `${old === null ? 'Added' : 'Changed'} ${whose} description for the police sheet`,
      change: { before: old, after: text },
    }, now)
    return text === null ? 'removed' : 'saved'
  })
}
