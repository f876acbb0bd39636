import type { Db } from '../../db/pool.ts'
import { hashToken, newToken } from '../auth/sessions.ts'

/**
 * Per-user API tokens. The token is shown once when created; only its SHA-256 hash is kept.
 * Tokens start with "dst_" so they are easy to spot in a leaked file or a secret scanner.
 */
export type ApiToken = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }

const TOKEN_SHAPE = /^dst_[A-Za-z0-9_-]{43}$/

export async function createApiToken(db: Db, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = `dst_${newToken()}`
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING id',
    [userId, name.trim(), hashToken(token), token.slice(0, 8)],
  )
  return { id: rows[0]!.id, token }
}

/** The user an API token belongs to, or undefined for a malformed, unknown or revoked token. */
export async function resolveApiToken(db: Db, token: string, now: Date): Promise<string | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined
  const { rows } = await db.query<{ user_id: string }>(
    `UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL RETURNING user_id`,
    [hashToken(token), now],
  )
  return rows[0]?.user_id
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiToken[]> {
  const { rows } = await db.query<ApiToken>(
    `SELECT id, name, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
       FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC`,
    [userId],
  )
  return rows
}

/** Revokes one of the user's own tokens; false when the user has no such live token. */
export async function revokeApiToken(db: Db, userId: string, tokenId: string, now: Date): Promise<ApiToken | undefined> {
  const { rows } = await db.query<ApiToken>(
    `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
     RETURNING id, name, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`,
    [tokenId, userId, now],
  )
  return rows[0]
}
