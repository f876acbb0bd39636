import type pg from 'pg'

/**
 * Telling people (DESIGN: telling people is separate from raising the alarm). A notification row is the
 * message in the app; each outside channel (email, Web Push) gets a delivery row and its own durable job,
 * added in the same transaction as the alarm or reminder, so a crash between raising and telling loses
 * nothing and a slow mail server delays no one else. Messages that leave Doorstep carry only the title
 * and a link: no names, no address, no code word (R-ITIN-2, R-CONF-1).
 */

export type NotificationKind = 'alarm' | 'realert' | 'reminder' | 'office_prompt' | 'wait_limit' | 'safe'
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

export const DELIVER_TASK = 'deliver-notification'

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
      // Alarms go first; retries back off (graphile-worker: exp(attempts) seconds), for about a day.
      await client.query(`SELECT graphile_worker.add_job($1, json_build_object('notificationId', $2::text, 'channel', $3::text), max_attempts => 25, priority => $4)`, [
        DELIVER_TASK,
        id,
        channel,
        notification.priority === 'top' ? -10 : notification.priority === 'high' ? -5 : 0,
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
