import { z } from 'zod'
import type { Db } from '../../db/pool.ts'
import { hashToken, newToken } from '../auth/sessions.ts'

/**
 * Per-user API tokens. The token is shown once when created; only its SHA-256 hash is kept.
 * Tokens start with "dst_" so they are easy to spot in a leaked file or a secret scanner.
 * Every token expires, 1 to 365 days after it is made (90 unless chosen), and all of a person's
 * tokens are revoked when their password is reset or changed or their account is deactivated
 * (docs/decisions/0011-accounts.md).
 */
export type ApiToken = {
  id: string
  name: string
  prefix: string
  createdAt: Date
  expiresAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

export const DEFAULT_TOKEN_DAYS = 90
export const MAX_TOKEN_DAYS = 365
const DAY_MS = 86_400_000
/** last_used_at is written at most this often, so a busy integration is not a write per request. */
const LAST_USED_PRECISION_MS = 60_000

const TOKEN_SHAPE = /^dst_[A-Za-z0-9_-]{43}$/

const lifetimeMessage = `Enter the number of days the token lasts, a whole number from 1 to ${MAX_TOKEN_DAYS}`

/**
 * How many days a new token lasts: a form's text box or an API's number; left out means 90.
 * Every way of making a token uses this one rule, with this one message.
 */
export const tokenLifetimeDays = z.preprocess(
  (value) => {
    if (value === undefined) return DEFAULT_TOKEN_DAYS
    if (typeof value === 'string' && /^\s*\d{1,6}\s*$/.test(value)) return Number(value)
    return value
  },
  z.number({ error: lifetimeMessage }).int(lifetimeMessage).min(1, lifetimeMessage).max(MAX_TOKEN_DAYS, lifetimeMessage),
)

const tokenColumns = `id, name, prefix, created_at AS "createdAt", expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`

export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
  lifetimeDays: number,
  now: Date,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  if (!Number.isInteger(lifetimeDays) || lifetimeDays < 1 || lifetimeDays > MAX_TOKEN_DAYS) throw new RangeError(lifetimeMessage)
  const token = `dst_${newToken()}`
  const expiresAt = new Date(now.getTime() + lifetimeDays * DAY_MS)
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [userId, name.trim(), hashToken(token), token.slice(0, 8), now, expiresAt],
  )
  return { id: rows[0]!.id, token, expiresAt }
}

export type ResolvedToken = { ok: true; userId: string } | { ok: false; reason: 'invalid' | 'expired' }

/** The user an API token belongs to; not for a malformed, unknown, revoked or expired token. */
export async function resolveApiToken(db: Db, token: string, now: Date): Promise<ResolvedToken> {
  if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'invalid' }
  const { rows } = await db.query<{ id: string; user_id: string; expires_at: Date; last_used_at: Date | null }>(
    'SELECT id, user_id, expires_at, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [hashToken(token)],
  )
  const row = rows[0]
  if (!row) return { ok: false, reason: 'invalid' }
  if (row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired' }
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_PRECISION_MS) {
    await db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [row.id, now])
  }
  return { ok: true, userId: row.user_id }
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiToken[]> {
  const { rows } = await db.query<ApiToken>(`SELECT ${tokenColumns} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC`, [userId])
  return rows
}

/** Revokes one of the user's own tokens; undefined when the user has no such live token. */
export async function revokeApiToken(db: Db, userId: string, tokenId: string, now: Date): Promise<ApiToken | undefined> {
  const { rows } = await db.query<ApiToken>(
    `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3
     RETURNING ${tokenColumns}`,
    [tokenId, userId, now],
  )
  return rows[0]
}

/** Revokes every live token of a person (password reset or changed, account deactivated); how many. */
export async function revokeAllApiTokens(db: Db, userId: string, now: Date): Promise<number> {
  const { rowCount } = await db.query('UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2', [
    userId,
    now,
  ])
  return rowCount ?? 0
}
