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

/**
 * Alarms go first in each channel's queue. The numbers are below the deadlines' (-20, deadlines.ts):
 * each pool fetches only its own tasks, so this orders nothing between them, but graphile-worker's fetch
 * walks its index in priority order, and a delivery pool whose jobs sorted after the deadlines walked
 * every waiting deadline (thousands, minutes ahead) on every fetch (bench:escalation, decision 0017).
 */
export function deliveryJobPriority(priority: NotificationPriority): number {
  return priority === 'top' ? -40 : priority === 'high' ? -35 : -30
}

/**
 * Writes the notifications and queues their deliveries, in the caller's transaction, in one statement
 * however many people and channels (it runs under the visit's lock while an alarm is raised): a
 * notification per person, a delivery row per person and channel, and their jobs in one `add_jobs` call
 * (one NOTIFY to the workers, not one per job). Returns the notifications' ids, in the order of `userIds`.
 *
 * A failed attempt schedules its own retry (deliver.ts, retryDelaySeconds); graphile-worker's attempts
 * (25) are only for a handler that could not even record what happened.
 */
export async function notify(client: pg.PoolClient, notification: NewNotification, now: Date): Promise<string[]> {
  const userIds = [...new Set(notification.userIds)]
  if (userIds.length === 0) return []
  const channels = [...notification.channels]
  const tasks = channels.map((channel) => DELIVER_TASKS[channel])
  const { rows } = await client.query<{ id: string }>({
    // Prepared once per connection: it runs in every alarm, reminder and prompt.
    name: 'doorstep-notify',
    text: `WITH made AS (
             INSERT INTO notifications (school_id, user_id, visit_id, alarm_id, kind, priority, title, body, link, created_at)
             SELECT $1, u.user_id, $3, $4, $5, $6, $7, $8, $9, $10 FROM unnest($2::uuid[]) AS u (user_id)
             RETURNING id, user_id),
           each AS (SELECT m.id, c.channel, c.task FROM made m CROSS JOIN unnest($11::text[], $12::text[]) AS c (channel, task)),
           deliveries AS (INSERT INTO notification_deliveries (notification_id, channel, status) SELECT e.id, e.channel, 'pending' FROM each e),
           jobs AS (
             SELECT count(*) AS n
               FROM (SELECT array_agg(ROW(e.task, json_build_object('notificationId', e.id, 'channel', e.channel), NULL, NULL, 25, NULL, $13::int, NULL)::graphile_worker.job_spec) AS specs
                       FROM each e) s,
                    LATERAL graphile_worker.add_jobs(s.specs)
              WHERE s.specs IS NOT NULL)
         SELECT m.id FROM made m JOIN unnest($2::uuid[]) WITH ORDINALITY AS u (user_id, n) ON u.user_id = m.user_id CROSS JOIN jobs ORDER BY u.n`,
    values: [
      notification.schoolId,
      userIds,
      notification.visitId,
      notification.alarmId,
      notification.kind,
      notification.priority,
      notification.title,
      notification.body,
      notification.link,
      now,
      channels,
      tasks,
      deliveryJobPriority(notification.priority),
    ],
  })
  return rows.map((row) => row.id)
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
