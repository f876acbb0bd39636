import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/pool.ts'

/**
 * Server-side sessions. The cookie holds a random id; the database holds only its hash, so a
 * leaked database cannot be used to sign in. A session ends after `idleMinutes` without a
 * request, or `absoluteHours` after sign-in, whichever is first.
 */
export const SESSION_COOKIE = 'doorstep_session'
export const PRE_SESSION_COOKIE = 'doorstep_pre'

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export type SessionRow = { idHash: string; userId: string; schoolId: string | null; createdAt: Date; expiresAt: Date }

export async function createSession(db: Db, userId: string, schoolId: string | null, now: Date, config: Config) {
  const token = newToken()
  const idHash = hashToken(token)
  await db.query(
    `INSERT INTO sessions (id_hash, user_id, school_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)`,
    [idHash, userId, schoolId, now, absoluteExpiry(now, config)],
  )
  return { token, idHash }
}

function absoluteExpiry(createdAt: Date, config: Config): Date {
  return new Date(createdAt.getTime() + config.session.absoluteHours * 3_600_000)
}

/** The live session for a cookie value, touched; undefined (and deleted) when it has expired. */
export async function resumeSession(db: Db, token: string, now: Date, config: Config): Promise<SessionRow | undefined> {
  const idHash = hashToken(token)
  const { rows } = await db.query<{
    id_hash: string
    user_id: string
    school_id: string | null
    created_at: Date
    last_seen_at: Date
    expires_at: Date
  }>('SELECT * FROM sessions WHERE id_hash = $1', [idHash])
  const row = rows[0]
  if (!row) return undefined
  const idleLimit = row.last_seen_at.getTime() + config.session.idleMinutes * 60_000
  const idle = now.getTime() >= idleLimit && !(await isOutOnAVisit(db, row.user_id))
  if (idle || now.getTime() >= row.expires_at.getTime()) {
    await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash])
    return undefined
  }
  // Touch at most once a minute: enough precision for a 30-minute idle limit.
  if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
    await db.query('UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1', [idHash, now])
  }
  return { idHash, userId: row.user_id, schoolId: row.school_id, createdAt: row.created_at, expiresAt: row.expires_at }
}

/**
 * Out on a visit (signed out of school and not yet back): their sessions do not end for being idle, only at
 * the absolute limit. A phone left in a pocket through a home visit must still check in, and send the silent
 * alarm, at the first tap: a sign-in form at the door would be too late, and gives the alarm away (decision 0018).
 */
export const OUT_ON_A_VISIT = `EXISTS (SELECT 1 FROM visit_staff vs JOIN visits v ON v.id = vs.visit_id AND v.school_id = vs.school_id
                                 WHERE vs.user_id = sessions.user_id AND v.status = 'in_progress')`

async function isOutOnAVisit(db: Db, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ out: boolean }>(`SELECT ${OUT_ON_A_VISIT} AS out FROM (SELECT $1::uuid AS user_id) AS sessions`, [userId])
  return rows[0]!.out
}

export async function endSession(db: Db, idHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash])
}

export async function endAllSessions(db: Db, userId: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1', [userId])
}

export async function setSessionSchool(db: Db, idHash: string, schoolId: string): Promise<void> {
  await db.query('UPDATE sessions SET school_id = $2 WHERE id_hash = $1', [idHash, schoolId])
}

/** CSRF tokens are an HMAC of the session (or pre-session cookie), so nothing extra is stored. */
export function csrfToken(secret: string, binding: string): string {
  return createHmac('sha256', secret).update(binding).digest('base64url')
}

export function csrfMatches(secret: string, binding: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length === 0) return false
  const expected = Buffer.from(csrfToken(secret, binding))
  const given = Buffer.from(submitted)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
