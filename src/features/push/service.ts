import { BlockList, isIP } from 'node:net'
import { ECDH } from 'node:crypto'
import { z } from 'zod'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { ConflictError } from '../../web/errors.ts'
import { notify } from '../live/notify.ts'

/**
 * Alerts on a phone (R-ESC-1, R-ALERT-1): a browser's Web Push subscription, kept for the person
 * who turned alerts on in it. One row per browser (its endpoint); a browser someone else turned
 * alerts on in moves to whoever turns them on now, but only the same browser (the same keys) can
 * move it, so knowing someone's endpoint is not enough to take their alerts away.
 */

const base64url = /^[A-Za-z0-9_-]+={0,2}$/

function isP256Point(value: string): boolean {
  try {
    const bytes = Buffer.from(value, 'base64url')
    if (bytes.length !== 65 || bytes[0] !== 4) return false
    ECDH.convertKey(bytes, 'prime256v1') // throws if the point is not on the curve
    return true
  } catch {
    return false
  }
}

const p256dhMessage = 'keys.p256dh must be the browser’s P-256 public key (65 bytes, base64url), as PushSubscription.toJSON() gives it'
const authMessage = 'keys.auth must be the browser’s 16-byte auth secret (base64url), as PushSubscription.toJSON() gives it'

/** What a browser's PushSubscription.toJSON() gives, as the page posts it. */
export const pushSubscriptionSchema = z.object({
  endpoint: z
    .string({ error: 'Send the subscription’s endpoint (an https:// address from the browser)' })
    .max(2000, 'The endpoint must be 2,000 characters or fewer')
    .refine((value) => pushEndpointProblem(value, true) === undefined, 'The endpoint must be an https:// address (a browser’s push service)'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object(
    {
      p256dh: z.string({ error: p256dhMessage }).regex(base64url, p256dhMessage).refine(isP256Point, p256dhMessage),
      auth: z
        .string({ error: authMessage })
        .regex(base64url, authMessage)
        .refine((value) => Buffer.from(value, 'base64url').length === 16, authMessage),
    },
    { error: 'Send the subscription’s keys (p256dh and auth)' },
  ),
})
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionSchema>

const privateRanges = new BlockList()
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) privateRanges.addSubnet(address, prefix, 'ipv4')
for (const [address, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) privateRanges.addSubnet(address, prefix, 'ipv6')

/**
 * Why a push endpoint is refused (the server posts alerts to it, so it must not be pointed at this
 * machine or the school's network), or undefined when it is fine: https only, and not a loopback,
 * private, link-local or reserved address, nor a name that only a local network knows (localhost,
 * *.local, *.internal, a name without a dot). `allowPrivate` is for tests, whose push service runs on 127.0.0.1.
 * (A public name that resolves to a private address is not caught here: the address is not looked up.)
 */
export function pushEndpointProblem(endpoint: string, allowPrivate: boolean): string | undefined {
  if (!URL.canParse(endpoint) || new URL(endpoint).protocol !== 'https:') return 'The endpoint must be an https:// address (a browser’s push service)'
  if (allowPrivate) return undefined
  const host = new URL(endpoint).hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1] ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host)?.slice(1).map((part) => parseInt(part, 16)).flatMap((n) => [n >> 8, n & 255]).join('.')
  const family = mapped ? 4 : isIP(host)
  const local =
    family === 4 ? privateRanges.check(mapped ?? host, 'ipv4')
    : family === 6 ? privateRanges.check(host, 'ipv6')
    : host === 'localhost' || !host.includes('.') || /\.(localhost|local|internal|intranet|lan|home|home\.arpa|corp)$/.test(host)
  return local ? 'The endpoint must be a push service on the internet, not this server or a private network' : undefined
}

export const pushEndpointSchema = z.object({
  endpoint: z.string({ error: 'Send the endpoint of the browser to turn alerts off in' }).min(1, 'Send the endpoint of the browser to turn alerts off in').max(2000),
})

export type PushSubscriptionRow = { id: string; host: string; device: string; createdAt: Date; updatedAt: Date }

/** "Chrome on Android", from the browser's User-Agent when alerts were turned on; else the push service's host. */
export function deviceOf(userAgent: string, host: string): string {
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : null
  const system = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iPhone or iPad' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'a Mac' : /Linux/.test(userAgent) ? 'Linux' : null
  if (browser && system) return `${browser} on ${system}`
  return browser ?? `A browser using ${host}`
}

/** Where the endpoint's push service is (fcm.googleapis.com, …): what a person sees and the audit keeps, never the endpoint itself. */
function hostOf(endpoint: string): string {
  return URL.canParse(endpoint) ? new URL(endpoint).host : 'unknown'
}

export async function turnOnAlerts(pool: Pool, actor: Actor & { userId: string }, input: PushSubscriptionInput, userAgent: string, now: Date): Promise<{ id: string; created: boolean }> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; created: boolean; previousUser: string | null }>(
      `WITH previous AS (SELECT user_id FROM push_subscriptions WHERE endpoint = $2)
       INSERT INTO push_subscriptions AS s (user_id, endpoint, p256dh, auth, created_at, updated_at, user_agent)
       VALUES ($1, $2, $3, $4, $5, $5, $6)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
              updated_at = EXCLUDED.updated_at, user_agent = EXCLUDED.user_agent
        WHERE s.user_id = EXCLUDED.user_id OR (s.p256dh = EXCLUDED.p256dh AND s.auth = EXCLUDED.auth)
       RETURNING s.id, (xmax = 0) AS created, (SELECT user_id FROM previous) AS "previousUser"`,
      [actor.userId, input.endpoint, input.keys.p256dh, input.keys.auth, now, userAgent.slice(0, 300)],
    )
    const row = rows[0]
    if (!row) throw new ConflictError('Alerts in this browser are turned on for someone else, with other keys. Turn them off in this browser and try again.')
    const host = hostOf(input.endpoint)
    const movedFrom = row.previousUser && row.previousUser !== actor.userId ? row.previousUser : null
    if (row.created || movedFrom) {
      await recordAudit(client, {
        schoolId: null,
        actor,
        action: 'push_subscription.turned_on',
        subjectType: 'push_subscription',
        subjectId: row.id,
        summary: movedFrom ? `${actor.name} turned on alerts in a browser another person had them on in (${host})` : `${actor.name} turned on alerts in a browser (${host})`,
        change: { host, ...(movedFrom ? { fromUserId: movedFrom } : {}) },
      }, now)
    }
    return { id: row.id, created: row.created }
  })
}

/** Turns alerts off in one of the person's own browsers (by endpoint or id). True if there was one. */
export async function turnOffAlerts(pool: Pool, actor: Actor & { userId: string }, which: { endpoint: string } | { id: string }, now: Date): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; endpoint: string }>(
      'endpoint' in which
        ? 'DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2 RETURNING id, endpoint'
        : 'DELETE FROM push_subscriptions WHERE user_id = $1 AND id = $2 RETURNING id, endpoint',
      [actor.userId, 'endpoint' in which ? which.endpoint : which.id],
    )
    const row = rows[0]
    if (!row) return false
    const host = hostOf(row.endpoint)
    await recordAudit(client, {
      schoolId: null,
      actor,
      action: 'push_subscription.turned_off',
      subjectType: 'push_subscription',
      subjectId: row.id,
      summary: `${actor.name} turned off alerts in a browser (${host})`,
      change: { host },
    }, now)
    return true
  })
}

export async function alertBrowsersOf(pool: Pool, userId: string): Promise<PushSubscriptionRow[]> {
  const { rows } = await pool.query<{ id: string; endpoint: string; userAgent: string; createdAt: Date; updatedAt: Date }>(
    `SELECT id, endpoint, user_agent AS "userAgent", created_at AS "createdAt", updated_at AS "updatedAt"
       FROM push_subscriptions WHERE user_id = $1 ORDER BY updated_at DESC, id`,
    [userId],
  )
  return rows.map(({ endpoint, userAgent, ...row }) => ({ ...row, host: hostOf(endpoint), device: deviceOf(userAgent, hostOf(endpoint)) }))
}

/**
 * "Send a test alert": a Web Push to every browser the person turned alerts on in, exactly as an
 * alarm's is sent (its own durable job, retried), saying only that it is a test.
 */
export async function sendTestAlert(pool: Pool, who: { userId: string; schoolId: string; schoolName: string }, now: Date): Promise<string> {
  return inTransaction(pool, async (client) => {
    const [id] = await notify(client, {
      schoolId: who.schoolId,
      userIds: [who.userId],
      visitId: null,
      alarmId: null,
      kind: 'test',
      priority: 'high',
      title: `Doorstep test alert for ${who.schoolName}`,
      body: 'Alerts reach this device. An alarm would look like this, and open the alarm when you tap it.',
      link: '/account#alerts',
      channels: ['push'],
    }, now)
    return id!
  })
}
