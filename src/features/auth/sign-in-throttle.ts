import type { Config } from '../../config.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { signInDelayMs, type SignInDelayRule } from '../../domain/sign-in-delay.ts'
import { hashToken, newToken } from './sessions.ts'

/**
 * Slowing down password guessing without locking anyone out (docs/decisions/0011-accounts.md).
 *
 * Each attempt for an existing address first claims the right to be judged, in one short
 * transaction that counts it as a failure until the password is known to be right. From
 * SIGN_IN_MAX_FAILURES failures in a row the next attempt is not judged before a growing delay
 * (1 s, 2 s, 4 s … up to SIGN_IN_MAX_DELAY_SECONDS); attempts inside the delay are refused
 * unjudged, with the same words as a wrong password, and do not lengthen it. Attempts sent at the
 * same time queue on the row lock, so only one is judged per delay.
 *
 * A browser a person has signed in on before carries a `doorstep_device` cookie. Its attempts for
 * that person are counted and slowed on their own, not with the address, so someone guessing a
 * person's password from elsewhere cannot keep that person out of Doorstep.
 */
export const DEVICE_COOKIE = 'doorstep_device'
const DEVICE_DAYS = 180
export const DEVICE_COOKIE_MAX_AGE_SECONDS = DEVICE_DAYS * 86_400
const DEVICE_SHAPE = /^[A-Za-z0-9_-]{43}$/
const NO_ONE = '00000000-0000-0000-0000-000000000000'

export type Claim =
  /** Inside a delay: refuse without judging the password. */
  | { judged: false }
  | { judged: true; by: 'address'; failures: number }
  | { judged: true; by: 'device'; deviceHash: string; failures: number }

const ruleOf = (config: Config): SignInDelayRule => ({ freeFailures: config.signIn.maxFailures, maxDelaySeconds: config.signIn.maxDelaySeconds })

const wellFormed = (deviceToken: string | undefined): deviceToken is string => typeof deviceToken === 'string' && DEVICE_SHAPE.test(deviceToken)

/**
 * For an unknown address (`userId` undefined) the same transaction runs and finds nothing, so the
 * answer takes as long as for an address that exists.
 */
export async function claimAttempt(pool: Pool, userId: string | undefined, deviceToken: string | undefined, now: Date, config: Config): Promise<Claim> {
  const rule = ruleOf(config)
  const slowedUntil = (failures: number) => {
    const delay = signInDelayMs(failures, rule)
    return delay > 0 ? new Date(now.getTime() + delay) : null
  }
  return inTransaction(pool, async (client) => {
    if (wellFormed(deviceToken)) {
      const deviceHash = hashToken(deviceToken)
      const { rows } = await client.query<{ failed_sign_ins: number; slowed_until: Date | null }>(
        'SELECT failed_sign_ins, slowed_until FROM sign_in_devices WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3 FOR UPDATE',
        [deviceHash, userId ?? NO_ONE, now],
      )
      const device = rows[0]
      if (device) {
        if (device.slowed_until && device.slowed_until > now) return { judged: false }
        const failures = device.failed_sign_ins + 1
        await client.query('UPDATE sign_in_devices SET failed_sign_ins = $3, slowed_until = $4 WHERE token_hash = $1 AND user_id = $2', [
          deviceHash,
          userId ?? NO_ONE,
          failures,
          slowedUntil(failures),
        ])
        return { judged: true, by: 'device', deviceHash, failures }
      }
    }
    const { rows } = await client.query<{ failed_sign_ins: number; locked_until: Date | null }>(
      'SELECT failed_sign_ins, locked_until FROM users WHERE id = $1 FOR UPDATE',
      [userId ?? NO_ONE],
    )
    const user = rows[0]
    if (!userId || !user || (user.locked_until && user.locked_until > now)) return { judged: false }
    const failures = user.failed_sign_ins + 1
    await client.query('UPDATE users SET failed_sign_ins = $2, locked_until = $3 WHERE id = $1', [userId, failures, slowedUntil(failures)])
    return { judged: true, by: 'address', failures }
  })
}

/** Whether this failure is the one that starts slowing attempts down (worth a line in the history). */
export function startsSlowing(claim: Claim, config: Config): boolean {
  return claim.judged && claim.failures === config.signIn.maxFailures
}

/**
 * After a right password: clears the count the attempt was judged by, and remembers this browser
 * for the person. Returns the device cookie value to set (the browser's own, when it had one).
 */
export async function settleSuccess(db: Db, claim: Claim, userId: string, deviceToken: string | undefined, now: Date): Promise<string> {
  if (claim.judged && claim.by === 'address') {
    await db.query('UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1', [userId])
  }
  const token = wellFormed(deviceToken) ? deviceToken : newToken()
  await db.query(
    `INSERT INTO sign_in_devices (token_hash, user_id, failed_sign_ins, slowed_until, created_at, expires_at)
     VALUES ($1, $2, 0, NULL, $3, $4)
     ON CONFLICT (token_hash, user_id) DO UPDATE SET failed_sign_ins = 0, slowed_until = NULL, expires_at = excluded.expires_at`,
    [hashToken(token), userId, now, new Date(now.getTime() + DEVICE_COOKIE_MAX_AGE_SECONDS * 1000)],
  )
  return token
}

/** Forgets every browser a person has signed in on (admin reset, deactivation). */
export async function forgetSignInDevices(db: Db, userId: string): Promise<void> {
  await db.query('DELETE FROM sign_in_devices WHERE user_id = $1', [userId])
}
