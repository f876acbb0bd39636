import { recordAudit, type Actor } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { hashPassword } from '../auth/passwords.ts'
import { revokeAllApiTokens } from './api-tokens.ts'

/**
 * A person sets their own password: on the account page, or in place of a temporary one at their
 * first sign-in. Their other sessions end (this one stays) and every API token they hold is
 * revoked, since a token made under the old password should not outlive it (0011). Audited.
 */
export async function setOwnPassword(
  pool: Pool,
  actor: Actor & { userId: string },
  newPassword: string,
  keepSessionIdHash: string | undefined,
  replacesTemporary: boolean,
  now: Date,
): Promise<{ apiTokensRevoked: number }> {
  const hash = await hashPassword(newPassword)
  return inTransaction(pool, async (client) => {
    await client.query('UPDATE users SET password_hash = $2, password_is_temporary = false, updated_at = $3 WHERE id = $1', [actor.userId, hash, now])
    await client.query('DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2', [actor.userId, keepSessionIdHash ?? ''])
    const apiTokensRevoked = await revokeAllApiTokens(client, actor.userId, now)
    await recordAudit(client, {
      schoolId: null,
      actor,
      action: 'account.password_changed',
      subjectType: 'user',
      subjectId: actor.userId,
      summary: replacesTemporary ? `${actor.name} chose their own password in place of a temporary one` : `${actor.name} changed their password`,
      change: { replacedTemporaryPassword: replacesTemporary, apiTokensRevoked },
    }, now)
    return { apiTokensRevoked }
  })
}

/**
 * R-ALERT-1: a visitor's PINs for ending a visit. The visit PIN confirms an ending; the duress PIN ends the
 * visit the same way on screen and raises a silent alarm (features/live/service.ts). Both are kept as
 * argon2id hashes, like passwords; the audit history says they were set, never what they are.
 */
export async function setVisitPins(pool: Pool, actor: Actor & { userId: string }, pins: { visitPin: string; duressPin: string }, now: Date): Promise<void> {
  const visitHash = await hashPassword(pins.visitPin)
  const duressHash = await hashPassword(pins.duressPin)
  await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ had: boolean }>(
      `SELECT (visit_pin_hash IS NOT NULL OR duress_pin_hash IS NOT NULL) AS had FROM users WHERE id = $1 FOR UPDATE`,
      [actor.userId],
    )
    await client.query('UPDATE users SET visit_pin_hash = $2, duress_pin_hash = $3, updated_at = $4 WHERE id = $1', [actor.userId, visitHash, duressHash, now])
    const changed = rows[0]?.had === true
    await recordAudit(client, {
      schoolId: null,
      actor,
      action: changed ? 'account.visit_pins_changed' : 'account.visit_pins_set',
      subjectType: 'user',
      subjectId: actor.userId,
      summary: changed ? `${actor.name} changed their visit and duress PINs` : `${actor.name} set a visit PIN and a duress PIN`,
    }, now)
  })
}

/** Removes both PINs: ending a visit no longer asks for one. Audited. */
export async function removeVisitPins(pool: Pool, actor: Actor & { userId: string }, now: Date): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const { rowCount } = await client.query(
      'UPDATE users SET visit_pin_hash = NULL, duress_pin_hash = NULL, updated_at = $2 WHERE id = $1 AND (visit_pin_hash IS NOT NULL OR duress_pin_hash IS NOT NULL)',
      [actor.userId, now],
    )
    if (!rowCount) return false
    await recordAudit(client, { schoolId: null, actor, action: 'account.visit_pins_removed', subjectType: 'user', subjectId: actor.userId, summary: `${actor.name} removed their visit and duress PINs` }, now)
    return true
  })
}

/** Whether the person has set PINs for ending a visit. */
export async function hasVisitPins(pool: Pool, userId: string): Promise<boolean> {
  const { rows } = await pool.query<{ set: boolean }>('SELECT (visit_pin_hash IS NOT NULL OR duress_pin_hash IS NOT NULL) AS set FROM users WHERE id = $1', [userId])
  return rows[0]?.set === true
}
