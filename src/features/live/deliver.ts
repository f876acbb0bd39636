import type { Agent } from 'node:https'
import nodemailer from 'nodemailer'
import webpush from 'web-push'
import type { Clock } from '../../clock.ts'
import type { Config } from '../../config.ts'
import type { Pool } from '../../db/pool.ts'
import { DELIVER_TASKS, deliveryJobPriority, type DeliveryChannel, type DeliveryPayload, type NotificationKind, type NotificationPriority } from './notify.ts'

/**
 * Sending notifications outside Doorstep (R-ESC-1, R-ESC-2): email over SMTP (nodemailer) and Web
 * Push with VAPID (web-push). Each delivery is its own durable job (notify.ts) on its channel's own
 * worker pool (deadlines.ts); an attempt that fails is recorded on the delivery row and schedules
 * the next one (at most a minute later), for a day for alarms and an hour for the rest, so nothing
 * is dropped and nothing is sent late by hours. Nothing here can hold up raising an alarm: the alarm
 * and its in-app notification were committed before any of this runs.
 *
 * What leaves Doorstep says only which school and that something needs attention, with a link:
 * no code word, no names, no address (R-ITIN-2, R-CONF-1). The text is the notification's title and
 * body, which the write path words that way; `emailFor` adds only the school and the link.
 */

export type MailMessage = { to: string; subject: string; text: string; urgent: boolean }
export type Mailer = { send(message: MailMessage): Promise<void>; close?(): void }

export type PushSubscriptionKeys = { endpoint: string; p256dh: string; auth: string }
export type PushOptions = { urgency: 'high' | 'normal'; ttlSeconds: number }
export type PushSender = { publicKey: string; send(subscription: PushSubscriptionKeys, payload: string, options: PushOptions): Promise<'sent' | 'gone'> }

export type SmtpOptions = {
  /** Milliseconds to connect (10 s), to get the greeting (10 s), and of silence mid-conversation (20 s). */
  connectionTimeout?: number
  greetingTimeout?: number
  socketTimeout?: number
  /** Never STARTTLS (a local test server). Also settable in SMTP_URL as ?ignoreTLS=true. */
  ignoreTLS?: boolean
}

/**
 * A mailer on the SMTP server at `url`, with short timeouts so a dead or hanging server fails fast
 * and is retried. Options in the URL's query (`?requireTLS=true`, `?socketTimeout=30000`) win.
 */
export function smtpMailer(url: string, from: string, options: SmtpOptions = {}): Mailer {
  const transport = nodemailer.createTransport({ connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, ...options, url }, { from })
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        priority: message.urgent ? 'high' : 'normal',
        // RFC 3834: an automatic message, so out-of-office replies do not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      })
    },
    close: () => transport.close(),
  }
}

export function mailerFromConfig(config: Config): Mailer | null {
  return config.mail.smtpUrl ? smtpMailer(config.mail.smtpUrl, config.mail.from) : null
}

/** The VAPID keys, made once and kept with the app's other secrets, so every instance signs alike. */
export async function vapidKeys(pool: Pool): Promise<{ publicKey: string; privateKey: string }> {
  const fresh = webpush.generateVAPIDKeys()
  await pool.query(`INSERT INTO app_secrets (name, value) VALUES ('vapid', $1) ON CONFLICT (name) DO NOTHING`, [JSON.stringify(fresh)])
  const { rows } = await pool.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'vapid'`)
  return JSON.parse(rows[0]!.value) as { publicKey: string; privateKey: string }
}

/** Web Push through each browser's push service. `agent` is for a push service with a private CA (tests). */
export function webPushSender(keys: { publicKey: string; privateKey: string }, subject: string, options: { agent?: Agent; timeoutMs?: number } = {}): PushSender {
  return {
    publicKey: keys.publicKey,
    async send(subscription, payload, { urgency, ttlSeconds }) {
      try {
        await webpush.sendNotification({ endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } }, payload, {
          vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          contentEncoding: 'aes128gcm',
          TTL: ttlSeconds,
          urgency,
          timeout: options.timeoutMs ?? 10_000,
          ...(options.agent ? { agent: options.agent } : {}),
        })
        return 'sent'
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode
        // The browser turned alerts off, or its subscription expired: it will never work again.
        if (status === 404 || status === 410) return 'gone'
        throw error
      }
    },
  }
}

/** VAPID's subject must be a mailto: or https: address. */
export function vapidSubject(config: Config): string {
  return config.publicUrl.protocol === 'https:' ? config.publicUrl.origin : `mailto:${config.mail.from}`
}

export type DeliveryDeps = { pool: Pool; config: Config; clock: Clock; mailer: Mailer | null; push: PushSender | null }

export type DeliveryOutcome = {
  status: 'sent' | 'no_address' | 'failed' | 'already_sent' | 'missing'
  /** Attempts so far, this one included. */
  attempts: number
  kind: NotificationKind | null
  priority: NotificationPriority
  error: string | null
}

type Loaded = {
  title: string
  body: string
  link: string
  kind: NotificationKind
  priority: NotificationPriority
  schoolName: string
  email: string
  userId: string
  status: string
  attempts: number
  pushSentTo: string[]
}

/** Alarms are worth telling a day late; a reminder to check in by 14:40, or a prompt to call, is not. */
const urgentKinds: readonly NotificationKind[] = ['alarm', 'realert', 'safe']

export function isAlarmKind(kind: NotificationKind): boolean {
  return urgentKinds.includes(kind)
}

/** How long a push service keeps a message for a phone that is off (then it is dropped unseen). */
export function pushTtlSeconds(kind: NotificationKind): number {
  return isAlarmKind(kind) ? 12 * 3600 : 15 * 60
}

/**
 * When to try again after `failures` failed attempts: 5 s, 10 s, 20 s, 40 s, then every minute,
 * for a day (alarms) or an hour (everything else); null once that is over. graphile-worker's own
 * backoff would reach 50 minutes between attempts by the eighth and six hours by the tenth: far
 * too slow for an alarm whose mail server was down for a quarter of an hour.
 */
export function retryDelaySeconds(failures: number, kind: NotificationKind): number | null {
  const windowSeconds = isAlarmKind(kind) ? 24 * 3600 : 3600
  const delay = (n: number) => Math.min(60, 5 * 2 ** (n - 1))
  let waited = 0
  for (let n = 1; n < failures; n++) waited += delay(n)
  return waited + delay(failures) > windowSeconds ? null : delay(failures)
}

/** What an email about a notification says: its title and body, the school, and the link. Nothing else. */
export function emailFor(note: { title: string; body: string; schoolName: string; kind: NotificationKind }, link: string): { subject: string; text: string } {
  const why = isAlarmKind(note.kind)
    ? `You are getting this because you are on ${note.schoolName}'s alarm ladder in Doorstep.`
    : `You are getting this from Doorstep at ${note.schoolName}.`
  return {
    subject: note.title,
    text: [
      `${note.title}.`,
      '',
      `${note.body}`,
      link,
      '',
      note.kind === 'concern' || note.kind === 'incident'
        ? 'This email does not say which pupil, family or visit it is about, on purpose: sign in to Doorstep to read it.'
        : 'This email does not say who is on the visit or where they are, on purpose: sign in to Doorstep to see.',
      why,
      '',
    ].join('\n'),
  }
}

/** An error as it is recorded on the delivery row: never the push endpoint (it is a secret address). */
export function describeFailure(error: unknown): string {
  const statusCode = (error as { statusCode?: unknown }).statusCode
  if (typeof statusCode === 'number') {
    const body = String((error as { body?: unknown }).body ?? '').trim()
    return `The push service answered ${statusCode}${body ? `: ${body.slice(0, 200)}` : ''}`
  }
  return (error instanceof Error ? error.message : String(error)).slice(0, 500)
}

/**
 * Makes one attempt at one notification on one channel and records the outcome on its delivery row.
 * A channel's failure is an outcome ('failed', with the error); it throws only when the database
 * itself fails (the job is then retried by graphile-worker). Web Push goes to each of the person's
 * browsers that has not had it yet, so a retry after one phone failed does not alert the others again.
 */
export async function deliver(deps: DeliveryDeps, notificationId: string, channel: DeliveryChannel): Promise<DeliveryOutcome> {
  const { rows } = await deps.pool.query<Loaded>({
    // Prepared once per connection: every delivery reads this, and planning it cost more than running it.
    name: 'doorstep-delivery',
    text: `SELECT n.title, n.body, n.link, n.kind, n.priority, s.name AS "schoolName", u.email, u.id AS "userId",
            d.status, d.attempts, d.push_sent_to AS "pushSentTo"
       FROM notifications n JOIN users u ON u.id = n.user_id JOIN schools s ON s.id = n.school_id
       JOIN notification_deliveries d ON d.notification_id = n.id AND d.channel = $2
      WHERE n.id = $1`,
    values: [notificationId, channel],
  })
  const note = rows[0]
  if (!note) return { status: 'missing', attempts: 0, kind: null, priority: 'normal', error: null }
  if (note.status === 'sent') return { status: 'already_sent', attempts: note.attempts, kind: note.kind, priority: note.priority, error: null }
  const link = new URL(note.link.replace(/^\//, ''), deps.config.publicUrl).href
  const settle = async (status: 'sent' | 'no_address' | 'failed', error: string | null): Promise<DeliveryOutcome> => {
    const result = await deps.pool.query<{ attempts: number }>({
      name: 'doorstep-delivery-settle',
      text: `UPDATE notification_deliveries SET status = $3, attempts = attempts + 1, last_error = $4, sent_at = CASE WHEN $3 = 'sent' THEN $5::timestamptz ELSE sent_at END
        WHERE notification_id = $1 AND channel = $2 RETURNING attempts`,
      values: [notificationId, channel, status, error, deps.clock()],
    })
    return { status, attempts: result.rows[0]?.attempts ?? note.attempts + 1, kind: note.kind, priority: note.priority, error }
  }

  if (channel === 'email') {
    if (!deps.mailer) return settle('no_address', 'Email is not set up on this Doorstep (SMTP_URL)')
    const { subject, text } = emailFor(note, link)
    try {
      await deps.mailer.send({ to: note.email, subject, text, urgent: note.priority !== 'normal' })
    } catch (error) {
      return settle('failed', describeFailure(error))
    }
    return settle('sent', null)
  }

  if (!deps.push) return settle('no_address', 'Web Push is not set up on this Doorstep')
  const subscriptions = await deps.pool.query<PushSubscriptionKeys & { id: string }>(
    'SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = $1 AND NOT (id = ANY($2::uuid[])) ORDER BY created_at, id',
    [note.userId, note.pushSentTo],
  )
  const payload = JSON.stringify({ title: note.title, body: note.body, url: link, tag: notificationId, urgent: isAlarmKind(note.kind) })
  const options: PushOptions = { urgency: note.priority === 'normal' ? 'normal' : 'high', ttlSeconds: pushTtlSeconds(note.kind) }
  const push = deps.push
  // Each browser at once: a slow phone's push service does not hold up the person's other browsers.
  const results = await Promise.all(
    subscriptions.rows.map(async (subscription) => {
      let answer: 'sent' | 'gone'
      try {
        answer = await push.send(subscription, payload, options)
      } catch (error) {
        return { failed: describeFailure(error) }
      }
      if (answer === 'gone') await deps.pool.query('DELETE FROM push_subscriptions WHERE id = $1', [subscription.id])
      else {
        await deps.pool.query(
          `UPDATE notification_deliveries SET push_sent_to = array_append(push_sent_to, $3::uuid) WHERE notification_id = $1 AND channel = $2`,
          [notificationId, channel, subscription.id],
        )
      }
      return { answer }
    }),
  )
  const failures = results.flatMap((result) => ('failed' in result ? [result.failed] : []))
  const sentNow = results.filter((result) => 'answer' in result && result.answer === 'sent').length
  if (failures.length > 0) return settle('failed', failures.join('; ').slice(0, 500))
  if (sentNow + note.pushSentTo.length > 0) return settle('sent', null)
  return settle('no_address', subscriptions.rows.length ? 'Every browser that had alerts on has since turned them off' : 'No browser has turned on alerts for this person')
}

export type DeliveryLog = { warn(details: Record<string, unknown>, message: string): void; error(details: Record<string, unknown>, message: string): void }

/**
 * The delivery job: one attempt, then, if it failed, the next attempt as a job of its own
 * (keyed per notification and channel, so there is only ever one). If even that cannot be
 * written, this throws and graphile-worker runs the attempt again later.
 */
export async function runDelivery(deps: DeliveryDeps, payload: DeliveryPayload, log?: DeliveryLog, onFailure?: () => void): Promise<DeliveryOutcome> {
  const outcome = await deliver(deps, payload.notificationId, payload.channel)
  if (outcome.status !== 'failed') return outcome
  onFailure?.()
  const delay = outcome.kind ? retryDelaySeconds(outcome.attempts, outcome.kind) : null
  const details = { notificationId: payload.notificationId, channel: payload.channel, attempts: outcome.attempts, error: outcome.error }
  if (delay === null) {
    log?.error(details, 'notification not delivered: giving up after retrying for as long as it mattered')
    return outcome
  }
  await deps.pool.query(
    `SELECT graphile_worker.add_job($1, $2::json, run_at => now() + $3 * interval '1 second', max_attempts => 25, priority => $4,
            job_key => $5, job_key_mode => 'replace')`,
    [DELIVER_TASKS[payload.channel], JSON.stringify(payload), delay, deliveryJobPriority(outcome.priority), `deliver:${payload.notificationId}:${payload.channel}`],
  )
  log?.warn({ ...details, retryInSeconds: delay }, 'notification delivery failed: trying again')
  return outcome
}

/** Deliveries that are failing now (each being retried, or given up), by channel: for /metrics and the office. */
export async function deliveryFailuresByChannel(db: Pool): Promise<Record<DeliveryChannel, number>> {
  const { rows } = await db.query<{ channel: DeliveryChannel; n: number }>(
    `SELECT channel, count(*)::int AS n FROM notification_deliveries WHERE status = 'failed' GROUP BY channel`,
  )
  const counts: Record<DeliveryChannel, number> = { email: 0, push: 0 }
  for (const row of rows) counts[row.channel] = row.n
  return counts
}
