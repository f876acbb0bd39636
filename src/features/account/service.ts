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
