import type { Actor } from '../../audit/audit.ts'
import type { Db } from '../../db/pool.ts'
import type { Policy } from '../../policy/schema.ts'

/**
 * Policy versions of a school. The policy in force on a day is the newest version (highest
 * number) whose effective date has come; a version saved with a future effective date waits
 * until then. A version published later with an earlier date replaces it (docs/decisions/0007-policy-editing.md).
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
      ORDER BY (effective_from <= $2::date) DESC, CASE WHEN effective_from <= $2::date THEN version END DESC NULLS LAST, version
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

/** The newest version, in force or not: what an edit starts from. */
export async function latestPolicyVersion(db: Db, schoolId: string): Promise<PolicyVersion> {
  const { rows } = await db.query<PolicyVersion>(`SELECT ${columns} FROM policy_versions WHERE school_id = $1 ORDER BY version DESC LIMIT 1`, [schoolId])
  if (!rows[0]) throw new Error(`School ${schoolId} has no policy version`)
  return rows[0]
}

/**
 * Stores a new version: the next number, with the policy's own `version` and `effectiveFrom` set to match
 * the row. The caller has validated `policy` and holds the transaction.
 */
export async function insertPolicyVersion(
  db: Db,
  schoolId: string,
  entry: { preset: string; policy: Policy; effectiveFrom: string; note?: string; actor: Actor },
  now: Date,
): Promise<PolicyVersion> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`policy:${schoolId}`])
  const next = await db.query<{ version: number }>('SELECT coalesce(max(version), 0) + 1 AS version FROM policy_versions WHERE school_id = $1', [schoolId])
  const version = next.rows[0]!.version
  const policy: Policy = { ...entry.policy, version, effectiveFrom: entry.effectiveFrom }
  const { rows } = await db.query<PolicyVersion>(
    `INSERT INTO policy_versions (school_id, version, preset, policy, effective_from, note, created_by, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${columns}`,
    [schoolId, version, entry.preset, JSON.stringify(policy), entry.effectiveFrom, entry.note ?? '', entry.actor.userId, entry.actor.name, now],
  )
  return rows[0]!
}

// ---------------------------------------------------------------------------------------------------------------
// Drafts: one per person per school, never read by the rules (docs/decisions/0007-policy-editing.md).

export type PolicyDraft = {
  schoolId: string
  userId: string
  baseVersionId: string | null
  basePreset: string | null
  basePolicy: Policy
  /** Each section was valid when it was saved; the whole is checked when it is published. */
  policy: Policy
  createdAt: Date
  updatedAt: Date
}

const draftColumns = `school_id AS "schoolId", user_id AS "userId", base_version_id AS "baseVersionId", base_preset AS "basePreset",
  base_policy AS "basePolicy", policy, created_at AS "createdAt", updated_at AS "updatedAt"`

export async function findDraft(db: Db, schoolId: string, userId: string): Promise<PolicyDraft | undefined> {
  const { rows } = await db.query<PolicyDraft>(`SELECT ${draftColumns} FROM policy_drafts WHERE school_id = $1 AND user_id = $2`, [schoolId, userId])
  return rows[0]
}

/** Starts a draft, replacing any draft this person had. */
export async function startDraft(
  db: Db,
  schoolId: string,
  userId: string,
  draft: { baseVersionId: string | null; basePreset: string | null; basePolicy: Policy; policy: Policy },
  now: Date,
): Promise<PolicyDraft> {
  const { rows } = await db.query<PolicyDraft>(
    `INSERT INTO policy_drafts (school_id, user_id, base_version_id, base_preset, base_policy, policy, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (school_id, user_id) DO UPDATE
       SET base_version_id = EXCLUDED.base_version_id, base_preset = EXCLUDED.base_preset, base_policy = EXCLUDED.base_policy,
           policy = EXCLUDED.policy, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
     RETURNING ${draftColumns}`,
    [schoolId, userId, draft.baseVersionId, draft.basePreset, JSON.stringify(draft.basePolicy), JSON.stringify(draft.policy), now],
  )
  return rows[0]!
}

export async function saveDraftPolicy(db: Db, schoolId: string, userId: string, policy: Policy, now: Date): Promise<void> {
  await db.query('UPDATE policy_drafts SET policy = $3, updated_at = $4 WHERE school_id = $1 AND user_id = $2', [schoolId, userId, JSON.stringify(policy), now])
}

export async function deleteDraft(db: Db, schoolId: string, userId: string): Promise<void> {
  await db.query('DELETE FROM policy_drafts WHERE school_id = $1 AND user_id = $2', [schoolId, userId])
}
