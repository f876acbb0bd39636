import type { Actor } from '../../audit/audit.ts'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import { isApiScope, type ApiScope } from '../../domain/scopes.ts'
import type { SchoolAccess } from '../staff/repository.ts'
import { decoyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.ts'
import { hashToken, newToken } from '../auth/sessions.ts'

/**
 * API clients (docs/decisions/0025-api-clients.md): registered by a school admin for one school with scopes; the
 * secret is shown once and only its argon2id hash is kept, as for passwords. A client exchanges its id and secret
 * for an access token at POST /oauth/token; each token lives ACCESS_TOKEN_SECONDS and every issue is audited.
 * Revoking a client stops its tokens at once (each use checks the client).
 */
export const ACCESS_TOKEN_SECONDS = 900
const SECRET_SHAPE = /^dsc_[A-Za-z0-9_-]{43}$/
const ACCESS_TOKEN_SHAPE = /^dsa_[A-Za-z0-9_-]{43}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export type ApiClient = {
  id: string
  schoolId: string
  name: string
  secretPrefix: string
  scopes: ApiScope[]
  createdByName: string
  createdAt: Date
  lastTokenAt: Date | null
  revokedAt: Date | null
  revokedByName: string | null
}

const columns = `id, school_id AS "schoolId", name, secret_prefix AS "secretPrefix", scopes, created_by_name AS "createdByName",
  created_at AS "createdAt", last_token_at AS "lastTokenAt", revoked_at AS "revokedAt", revoked_by_name AS "revokedByName"`

export async function listApiClients(db: Db, schoolId: string): Promise<ApiClient[]> {
  const { rows } = await db.query<ApiClient>(`SELECT ${columns} FROM api_clients WHERE school_id = $1 ORDER BY created_at DESC, name`, [schoolId])
  return rows
}

export async function registerApiClient(
  pool: Pool,
  actor: Actor,
  schoolId: string,
  input: { name: string; scopes: readonly ApiScope[] },
  now: Date,
): Promise<{ id: string; secret: string }> {
  const secret = `dsc_${newToken()}`
  const secretHash = await hashPassword(secret)
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO api_clients (school_id, name, secret_hash, secret_prefix, scopes, created_by, created_by_name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [schoolId, input.name, secretHash, secret.slice(0, 8), [...input.scopes], actor.userId, actor.name, now],
    )
    const id = rows[0]!.id
    await recordAudit(
      client,
      {
        schoolId,
        actor,
        action: 'api_client.registered',
        subjectType: 'api_client',
        subjectId: id,
        summary: `${actor.name} registered API client "${input.name}" with scopes ${input.scopes.join(' ')}`,
        change: { name: input.name, scopes: [...input.scopes] },
      },
      now,
    )
    return { id, secret }
  })
}

/** Revokes a client of this school: its tokens stop working now. Undefined when there is no such live client. */
export async function revokeApiClient(pool: Pool, actor: Actor, schoolId: string, id: string, now: Date): Promise<ApiClient | undefined> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<ApiClient>(
      `UPDATE api_clients SET revoked_at = $3, revoked_by_name = $4 WHERE id = $1 AND school_id = $2 AND revoked_at IS NULL RETURNING ${columns}`,
      [id, schoolId, now, actor.name],
    )
    const revoked = rows[0]
    if (!revoked) return undefined
    await client.query('DELETE FROM api_client_tokens WHERE api_client_id = $1', [id])
    await recordAudit(
      client,
      { schoolId, actor, action: 'api_client.revoked', subjectType: 'api_client', subjectId: id, summary: `${actor.name} revoked API client "${revoked.name}"` },
      now,
    )
    return revoked
  })
}

export type TokenGrant =
  | { ok: true; accessToken: string; expiresIn: number; scopes: ApiScope[]; schoolId: string }
  | { ok: false; error: 'invalid_client' | 'invalid_scope'; description: string }

/**
 * Client credentials (RFC 6749 section 4.4): checks the id and secret (the same time for an unknown id, a wrong
 * secret and a revoked client), then the scopes asked for (none: all the client's), and issues a token.
 */
export async function issueAccessToken(pool: Pool, clientId: string, secret: string, requested: string[] | undefined, now: Date): Promise<TokenGrant> {
  const found = UUID.test(clientId)
    ? (await pool.query<{ id: string; school_id: string; name: string; secret_hash: string; scopes: string[]; revoked_at: Date | null }>(
        'SELECT id, school_id, name, secret_hash, scopes, revoked_at FROM api_clients WHERE id = $1',
        [clientId],
      )).rows[0]
    : undefined
  const hash = found?.secret_hash ?? (await decoyPasswordHash())
  const matches = SECRET_SHAPE.test(secret) && (await verifyPassword(hash, secret))
  if (!found || !matches || found.revoked_at) {
    return { ok: false, error: 'invalid_client', description: 'The client id and secret were not recognised, or the client has been revoked.' }
  }
  const held = found.scopes.filter(isApiScope)
  const unknown = (requested ?? []).filter((scope) => !held.includes(scope as ApiScope))
  if (unknown.length) {
    return {
      ok: false,
      error: 'invalid_scope',
      description: `This client was not given ${unknown.map((s) => `"${s}"`).join(', ')}. It may ask for: ${held.join(' ')}.`,
    }
  }
  const scopes = requested?.length ? held.filter((scope) => requested.includes(scope)) : held
  const accessToken = `dsa_${newToken()}`
  const expiresAt = new Date(now.getTime() + ACCESS_TOKEN_SECONDS * 1000)
  await inTransaction(pool, async (client) => {
    await client.query('INSERT INTO api_client_tokens (api_client_id, token_hash, scopes, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      found.id,
      hashToken(accessToken),
      scopes,
      now,
      expiresAt,
    ])
    await client.query('UPDATE api_clients SET last_token_at = $2 WHERE id = $1', [found.id, now])
    await recordAudit(
      client,
      {
        schoolId: found.school_id,
        actor: clientActor(found.name),
        action: 'api_client.token_issued',
        subjectType: 'api_client',
        subjectId: found.id,
        summary: `API client "${found.name}" was issued an access token with scopes ${scopes.join(' ')}, valid until ${expiresAt.toISOString()}`,
        change: { scopes, expiresAt: expiresAt.toISOString() },
      },
      now,
    )
  })
  return { ok: true, accessToken, expiresIn: ACCESS_TOKEN_SECONDS, scopes, schoolId: found.school_id }
}

export function isClientAccessToken(token: string): boolean {
  return token.startsWith('dsa_')
}

export type ResolvedClientToken =
  | { ok: true; client: { id: string; name: string; schoolId: string }; scopes: ApiScope[] }
  | { ok: false; reason: 'invalid' | 'expired' }

/** The client an access token was issued to: not for an unknown or expired token, nor a revoked client. */
export async function resolveClientToken(db: Db, token: string, now: Date): Promise<ResolvedClientToken> {
  if (!ACCESS_TOKEN_SHAPE.test(token)) return { ok: false, reason: 'invalid' }
  const { rows } = await db.query<{ id: string; name: string; school_id: string; scopes: string[]; expires_at: Date }>(
    `SELECT c.id, c.name, c.school_id, t.scopes, t.expires_at FROM api_client_tokens t JOIN api_clients c ON c.id = t.api_client_id
     WHERE t.token_hash = $1 AND c.revoked_at IS NULL`,
    [hashToken(token)],
  )
  const row = rows[0]
  if (!row) return { ok: false, reason: 'invalid' }
  if (row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired' }
  return { ok: true, client: { id: row.id, name: row.name, schoolId: row.school_id }, scopes: row.scopes.filter(isApiScope) }
}

/** How the audit history names a client's changes: no person, the client's name. */
export function clientActor(name: string): Actor {
  return { userId: null, name: `API client "${name}"` }
}

/** The school a client acts for, as a request's `school`, holding only `roles`. */
export async function clientSchool(db: Db, schoolId: string, roles: SchoolRole[]): Promise<SchoolAccess | undefined> {
  const { rows } = await db.query<{ id: string; name: string; organisation_id: string; organisation_name: string; preset: string }>(
    `SELECT s.id, s.name, s.organisation_id, o.name AS organisation_name, s.preset FROM schools s JOIN organisations o ON o.id = s.organisation_id WHERE s.id = $1`,
    [schoolId],
  )
  const row = rows[0]
  return row && { id: row.id, name: row.name, organisationId: row.organisation_id, organisationName: row.organisation_name, preset: row.preset, roles }
}
