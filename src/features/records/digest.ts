import type pg from 'pg'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { londonTime } from '../../domain/hours.ts'
import { notify } from '../live/notify.ts'
import { usersWithRoles } from '../live/repository.ts'
import { listActions } from './repository.ts'
import { followUpWatchers, overdueCounts } from './service.ts'

/**
 * The daily digests (R-REC-1, R-FOLLOW-1, decision 0021), sent from DIGEST_TIME (UK time) each day:
 *   - to the DSL team and the head: how many visit records and follow-up actions of the school are overdue;
 *   - to each member of staff: how many of their own follow-up actions are overdue.
 * Each is a notification (in the app, and by email through the durable delivery jobs with their retries),
 * sent at most once per person, school, kind and day (digests_sent), whichever instance runs first. Like
 * every message that leaves Doorstep, it carries only counts, the school and a link: no pupil, family or
 * visit detail (R-CONF-1). Nothing is sent on a day with nothing overdue.
 */
export const DIGEST_TIME = '07:00'

async function claim(client: pg.PoolClient, schoolId: string, userId: string, kind: 'overdue_follow_up' | 'own_overdue_actions', day: string, now: Date): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO digests_sent (school_id, user_id, kind, day, sent_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [schoolId, userId, kind, day, now],
  )
  return rowCount === 1
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** Sends today's digests that are due and not sent yet. Returns how many notifications were written. */
export async function sendDailyDigests(pool: Pool, now: Date): Promise<number> {
  const { date: day, time } = londonTime(now)
  if (time < DIGEST_TIME) return 0
  const schools = await pool.query<{ id: string }>('SELECT id FROM schools ORDER BY id')
  let sent = 0
  for (const school of schools.rows) {
    sent += await inTransaction(pool, async (client) => {
      let written = 0
      const counts = await overdueCounts(client, school.id, now)
      if (counts.records + counts.actions > 0) {
        const parts = [
          counts.records ? plural(counts.records, 'overdue visit record', 'overdue visit records') : '',
          counts.actions ? plural(counts.actions, 'overdue follow-up action', 'overdue follow-up actions') : '',
        ].filter(Boolean)
        for (const person of await usersWithRoles(client, school.id, followUpWatchers)) {
          if (!(await claim(client, school.id, person.id, 'overdue_follow_up', day, now))) continue
          written += (await notify(client, {
            schoolId: school.id,
            userIds: [person.id],
            visitId: null,
            alarmId: null,
            kind: 'digest',
            priority: 'normal',
            title: `Daily digest: ${parts.join(' and ')}`,
            body: 'Visit records must be completed within the time the school’s policy sets, and follow-up actions by their due date. Sign in to Doorstep to see which.',
            link: '/follow-ups',
            channels: ['email'],
          }, now)).length
        }
      }
      const overdue = await listActions(client, school.id, { overdueOn: day })
      const byOwner = new Map<string, number>()
      for (const action of overdue) byOwner.set(action.ownerUserId, (byOwner.get(action.ownerUserId) ?? 0) + 1)
      for (const [userId, count] of byOwner) {
        if (!(await claim(client, school.id, userId, 'own_overdue_actions', day, now))) continue
        written += (await notify(client, {
          schoolId: school.id,
          userIds: [userId],
          visitId: null,
          alarmId: null,
          kind: 'digest',
          priority: 'normal',
          title: `You have ${plural(count, 'overdue follow-up action', 'overdue follow-up actions')}`,
          body: 'Sign in to Doorstep to see them and mark them done.',
          link: '/follow-ups#mine',
          channels: ['email'],
        }, now)).length
      }
      return written
    })
  }
  return sent
}

/**
 * Runs the digests every ten minutes (and at once): a day's digests go out at the first run after
 * DIGEST_TIME, or as soon as Doorstep is back if it was down then. Returns a stop function.
 */
export function startDigestSchedule(pool: Pool, clock: () => Date, onError: (error: unknown) => void, everyMs = 600_000): () => void {
  const run = () => void sendDailyDigests(pool, clock()).catch(onError)
  run()
  const timer = setInterval(run, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
