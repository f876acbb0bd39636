import type { Actor } from '../../audit/audit.ts'
import type { Db } from '../../db/pool.ts'
import type { Policy } from '../../policy/schema.ts'

/**
 * Policy versions of a school. The policy in force on a day is the newest version whose
 * effective date has come; a version saved with a future effective date waits until then.
 */
export type PolicyVersion = {
  id: string
  schoolId: string
  version: number
  preset: string
  policy: Policy
  effectiveFrom: string
  note: string
  createdBy: string | null
  createdByName: string
  createdAt: Date
}

const columns = `id, school_id AS "schoolId", version, preset, policy, effective_from AS "effectiveFrom", note,
  created_by AS "createdBy", created_by_name AS "createdByName", created_at AS "createdAt"`

const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })

/** A moment's calendar date in the UK, as YYYY-MM-DD. */
export function ukDate(at: Date): string {
  return londonDate.format(at)
}

/** The version in force at `at`; every school has at least one (created with the school). */
export async function currentPolicy(db: Db, schoolId: string, at: Date): Promise<PolicyVersion> {
  const { rows } = await db.query<PolicyVersion>(
    `SELECT ${columns} FROM policy_versions
      WHERE school_id = $1
      ORDER BY (effective_from <= $2::date) DESC, CASE WHEN effective_from <= $2::date THEN effective_from END DESC NULLS LAST,
               version DESC
      LIMIT 1`,
    [schoolId, ukDate(at)],
  )
  if (!rows[0]) throw new Error(`School ${schoolId} has no policy version`)
  return rows[0]
}

export async function findPolicyVersion(db: Db, schoolId: string, id: string): Promise<PolicyVersion | undefined> {
  const { rows } = await db.query<PolicyVersion>(`SELECT ${columns} FROM policy_versions WHERE school_id = $1 AND id = $2`, [schoolId, id])
  return rows[0]
}

export async function listPolicyVersions(db: Db, schoolId: string): Promise<PolicyVersion[]> {
  const { rows } = await db.query<PolicyVersion>(`SELECT ${columns} FROM policy_versions WHERE school_id = $1 ORDER BY version DESC`, [schoolId])
  return rows
}

/** Stores a new version. The caller has validated `policy` and holds the transaction. */
export async function insertPolicyVersion(
  db: Db,
  schoolId: string,
  entry: { preset: string; policy: Policy; effectiveFrom: string; note?: string; actor: Actor },
): Promise<PolicyVersion> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`policy:${schoolId}`])
  const { rows } = await db.query<PolicyVersion>(
    `INSERT INTO policy_versions (school_id, version, preset, policy, effective_from, note, created_by, created_by_name)
     VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM policy_versions WHERE school_id = $1), $2, $3, $4, $5, $6, $7)
     RETURNING ${columns}`,
    [schoolId, entry.preset, JSON.stringify(entry.policy), entry.effectiveFrom, entry.note ?? '', entry.actor.userId, entry.actor.name],
  )
  return rows[0]!
}
