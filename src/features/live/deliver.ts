import { randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import webpush from 'web-push'
import type { Config } from '../../config.ts'
import type { Pool } from '../../db/pool.ts'
import type { DeliveryChannel } from './notify.ts'

/**
 * Sending notifications outside Doorstep (R-ESC-1): email over SMTP (nodemailer) and Web Push with VAPID
 * (web-push). Each delivery is its own durable job: a failure throws, and graphile-worker retries it with
 * a growing delay; the delivery row says what happened, for the alarm page and the metrics. A delivery
 * never blocks another, and nothing here can hold up raising an alarm.
 */

export type MailMessage = { to: string; subject: string; text: string }
export type Mailer = { send(message: MailMessage): Promise<void>; close?(): void }

export type PushSubscriptionKeys = { endpoint: string; p256dh: string; auth: string }
export type PushSender = { publicKey: string; send(subscription: PushSubscriptionKeys, payload: string): Promise<'sent' | 'gone'> }

/** A mailer on the SMTP server at `url`, with short timeouts so a dead server fails fast and is retried. */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from })
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }
  Object.assign(transport.options, timeouts)
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text })
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

export function webPushSender(keys: { publicKey: string; privateKey: string }, subject: string): PushSender {
  return {
    publicKey: keys.publicKey,
    async send(subscription, payload) {
      try {
        await webpush.sendNotification({ endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } }, payload, {
          vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          TTL: 3600,
          urgency: 'high',
          timeout: 10_000,
        })
        return 'sent'
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode
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

export type DeliveryDeps = { pool: Pool; config: Config; mailer: Mailer | null; push: PushSender | null }

type Loaded = { title: string; body: string; link: string; email: string; userId: string; status: string }

/** Sends one notification on one channel. Throws to be retried; records the outcome either way. */
export async function deliver(deps: DeliveryDeps, notificationId: string, channel: DeliveryChannel): Promise<void> {
  const { rows } = await deps.pool.query<Loaded>(
    `SELECT n.title, n.body, n.link, u.email, u.id AS "userId", d.status
       FROM notifications n JOIN users u ON u.id = n.user_id
       JOIN notification_deliveries d ON d.notification_id = n.id AND d.channel = $2
      WHERE n.id = $1`,
    [notificationId, channel],
  )
  const note = rows[0]
  if (!note || note.status === 'sent') return
  const link = new URL(note.link.replace(/^\//, ''), deps.config.publicUrl).href
  const settle = (status: 'sent' | 'no_address' | 'failed', error: string | null) =>
    deps.pool.query(
      `UPDATE notification_deliveries SET status = $3, attempts = attempts + 1, last_error = $4, sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END
        WHERE notification_id = $1 AND channel = $2`,
      [notificationId, channel, status, error],
    )
  try {
    if (channel === 'email') {
      if (!deps.mailer) return void (await settle('no_address', 'Email is not set up on this Doorstep (SMTP_URL)'))
      await deps.mailer.send({
        to: note.email,
        subject: note.title,
        text: `${note.title}\n\n${note.body}\n\n${link}\n\nThis message does not say who or where, on purpose: sign in to Doorstep to see.\n`,
      })
      await settle('sent', null)
      return
    }
    if (!deps.push) return void (await settle('no_address', 'Web Push is not set up on this Doorstep'))
    const subscriptions = await deps.pool.query<PushSubscriptionKeys & { id: string }>('SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = $1', [note.userId])
    if (subscriptions.rows.length === 0) return void (await settle('no_address', 'No browser has turned on notifications for this person'))
    const payload = JSON.stringify({ title: note.title, body: note.body, url: link, tag: notificationId, id: randomBytes(4).toString('hex') })
    let sent = 0
    const failures: string[] = []
    for (const subscription of subscriptions.rows) {
      try {
        if ((await deps.push.send(subscription, payload)) === 'gone') await deps.pool.query('DELETE FROM push_subscriptions WHERE id = $1', [subscription.id])
        else sent++
      } catch (error) {
        failures.push((error as Error).message)
      }
    }
    if (failures.length > 0 && sent === 0) throw new Error(failures.join('; '))
    await settle(sent > 0 ? 'sent' : 'no_address', failures.length ? failures.join('; ') : sent === 0 ? 'Every subscription had expired' : null)
  } catch (error) {
    await settle('failed', (error as Error).message.slice(0, 500)).catch(() => {})
    throw error
  }
}
