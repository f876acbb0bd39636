import type { Config } from '../../config.ts'
import type { Db } from '../../db/pool.ts'
import { OUT_ON_A_VISIT } from './sessions.ts'

/** Expired and revoked API tokens stay listed on their owner's account page this long, then go. */
export const TOKEN_KEPT_AFTER_END_DAYS = 30

export type Swept = { sessions: number; apiTokens: number; signInDevices: number; clientTokens: number }

/**
 * Deletes what can no longer be used: sessions past their idle (unless out on a visit) or absolute limit, API tokens
 * expired or revoked more than TOKEN_KEPT_AFTER_END_DAYS ago, and browsers not signed in on for
 * 180 days. None of them works any more (each is checked when used), so this is housekeeping, not
 * a change anyone made: it is not audited (their creation and revocation were). The server runs it
 * at start-up and every hour; running it twice, or on several instances at once, is harmless.
 */
export async function sweepExpired(db: Db, now: Date, config: Pick<Config, 'session'>): Promise<Swept> {
  const idleCutoff = new Date(now.getTime() - config.session.idleMinutes * 60_000)
  const tokenCutoff = new Date(now.getTime() - TOKEN_KEPT_AFTER_END_DAYS * 86_400_000)
  // Idle sessions of people out on a visit stay until their absolute limit (sessions.ts).
  const sessions = await db.query(`DELETE FROM sessions WHERE expires_at <= $1 OR (last_seen_at <= $2 AND NOT ${OUT_ON_A_VISIT})`, [now, idleCutoff])
  const apiTokens = await db.query('DELETE FROM api_tokens WHERE expires_at <= $1 OR revoked_at <= $1', [tokenCutoff])
  const signInDevices = await db.query('DELETE FROM sign_in_devices WHERE expires_at <= $1', [now])
  // API clients' access tokens (docs/decisions/0025) live minutes; their issue is in the audit history.
  const clientTokens = await db.query('DELETE FROM api_client_tokens WHERE expires_at <= $1', [now])
  return { sessions: sessions.rowCount ?? 0, apiTokens: apiTokens.rowCount ?? 0, signInDevices: signInDevices.rowCount ?? 0, clientTokens: clientTokens.rowCount ?? 0 }
}
