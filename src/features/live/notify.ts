import type pg from 'pg'

/**
 * Telling people (DESIGN: telling people is separate from raising the alarm). A notification row is the
 * message in the app; each outside channel (email, Web Push) gets a delivery row and its own durable job,
 * added in the same transaction as the alarm or reminder, so a crash between raising and telling loses
 * nothing and a slow mail server delays no one else. Messages that leave Doorstep carry only the title
 * and a link: no names, no address, no code word (R-ITIN-2, R-CONF-1).
 */

export type NotificationKind =
  | 'alarm' | 'realert' | 'reminder' | 'office_prompt' | 'wait_limit' | 'safe' | 'test'
  | 'concern' | 'incident' | 'cancellation' | 'agreement_follow_up' | 'digest'
export type NotificationPriority = 'top' | 'high' | 'normal'
export const deliveryChannels = ['email', 'push'] as const
export type DeliveryChannel = (typeof deliveryChannels)[number]

export type NewNotification = {
  schoolId: string
  userIds: readonly string[]
  visitId: string | null
  alarmId: string | null
  kind: NotificationKind
  priority: NotificationPriority
  /** What the message says outside Doorstep: which school, that something needs attention. */
  title: string
  body: string
  /** A path in Doorstep, e.g. /alarms/<id>. */
  link: string
  channels: readonly DeliveryChannel[]
}

/**
 * One task per channel, run by its own worker pool (deadlines.ts), so a mail server that hangs
 * cannot hold up Web Push, nor either of them a deadline. `deliver-notification` is the one task
 * both channels had before (decision 0015): jobs of it still queued are still delivered.
 */
export const DELIVER_TASKS = { email: 'deliver-email', push: 'deliver-push' } as const satisfies Record<DeliveryChannel, string>
export const LEGACY_DELIVER_TASK = 'deliver-notification'
export type DeliveryPayload = { notificationId: string; channel: DeliveryChannel }

/** Alarms go first in each channel's queue. */
export function deliveryJobPriority(priority: NotificationPriority): number {
  return priority === 'top' ? -10 : priority === 'high' ? -5 : 0
}

/** Writes the notifications and queues their deliveries, in the caller's transaction. Returns their ids. */
export async function notify(client: pg.PoolClient, notification: NewNotification, now: Date): Promise<string[]> {
  const ids: string[] = []
  for (const userId of new Set(notification.userIds)) {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO notifications (school_id, user_id, visit_id, alarm_id, kind, priority, title, body, link, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [notification.schoolId, userId, notification.visitId, notification.alarmId, notification.kind, notification.priority, notification.title, notification.body, notification.link, now],
    )
    const id = rows[0]!.id
    ids.push(id)
    for (const channel of notification.channels) {
      await client.query(`INSERT INTO notification_deliveries (notification_id, channel, status) VALUES ($1, $2, 'pending')`, [id, channel])
      // A failed attempt schedules its own retry (deliver.ts, retryDelaySeconds); graphile-worker's
      // attempts are only for a handler that could not even record what happened.
      const payload: DeliveryPayload = { notificationId: id, channel }
      await client.query(`SELECT graphile_worker.add_job($1, $2::json, max_attempts => 25, priority => $3)`, [
        DELIVER_TASKS[channel],
        JSON.stringify(payload),
        deliveryJobPriority(notification.priority),
      ])
    }
  }
  return ids
}

export type NotificationRow = {
  id: string
  kind: NotificationKind
  priority: NotificationPriority
  title: string
  body: string
  link: string
  createdAt: Date
  readAt: Date | null
  alarmId: string | null
  visitId: string | null
}

export async function notificationsFor(db: pg.Pool | pg.PoolClient, schoolId: string, userId: string, limit = 50): Promise<NotificationRow[]> {
  const { rows } = await db.query<NotificationRow>(
    `SELECT id, kind, priority, title, body, link, created_at AS "createdAt", read_at AS "readAt", alarm_id AS "alarmId", visit_id AS "visitId"
       FROM notifications WHERE school_id = $1 AND user_id = $2 ORDER BY created_at DESC, id LIMIT $3`,
    [schoolId, userId, limit],
  )
  return rows
}
