import type { Db } from '../../db/pool.ts'

/**
 * Who an alarm told and how each message went (the alarm page, R-ESC-1): per notification the person,
 * when, whether they have read it in Doorstep, and each outside channel's state — sent, failed (given
 * up), retrying (a failed attempt with another one queued), sending, or no address (email not set up, no
 * browser with alerts on). The office needs to know whether the DSL's email went out.
 */
export type ChannelState = 'sent' | 'failed' | 'retrying' | 'sending' | 'no_address'
export type AlarmDelivery = {
  name: string
  createdAt: Date
  read: boolean
  channels: Partial<Record<'email' | 'push', { state: ChannelState; attempts: number; sentAt: string | null }>>
}

export async function alarmDeliveries(db: Db, schoolId: string, alarmId: string): Promise<AlarmDelivery[]> {
  const { rows } = await db.query<{ name: string; createdAt: Date; read: boolean; channels: Array<{ channel: 'email' | 'push'; state: ChannelState; attempts: number; sentAt: string | null }> }>(
    `SELECT u.name, n.created_at AS "createdAt", n.read_at IS NOT NULL AS read,
            coalesce(json_agg(json_build_object(
              'channel', d.channel, 'attempts', d.attempts, 'sentAt', d.sent_at,
              'state', CASE WHEN d.status = 'failed' AND EXISTS (SELECT 1 FROM graphile_worker._private_jobs j WHERE j.key = 'deliver:' || n.id || ':' || d.channel) THEN 'retrying'
                            WHEN d.status = 'pending' THEN 'sending' ELSE d.status END)
            ) FILTER (WHERE d.channel IS NOT NULL), '[]') AS channels
       FROM notifications n JOIN users u ON u.id = n.user_id
       LEFT JOIN notification_deliveries d ON d.notification_id = n.id
      WHERE n.school_id = $1 AND n.alarm_id = $2
      GROUP BY n.id, u.name ORDER BY n.created_at, u.name`,
    [schoolId, alarmId],
  )
  return rows.map(({ channels, ...row }) => ({ ...row, channels: Object.fromEntries(channels.map(({ channel, ...state }) => [channel, state])) }))
}

export const channelStateLabels: Record<ChannelState, { text: string; classes: string }> = {
  sent: { text: 'Sent', classes: 'govuk-tag--green' },
  failed: { text: 'Failed', classes: 'govuk-tag--red' },
  retrying: { text: 'Failed, retrying', classes: 'govuk-tag--orange' },
  sending: { text: 'Sending', classes: 'govuk-tag--blue' },
  no_address: { text: 'No address', classes: 'govuk-tag--grey' },
}
