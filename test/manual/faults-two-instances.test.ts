import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inTransaction, type Pool } from '../../src/db/pool.ts'
import { deadlineJobKey } from '../../src/features/live/deadlines.ts'
import { testDatabase } from '../helpers.ts'
import { liveSchools, makeOverdueVisits, scheduleMadeVisits, type LiveSchool, type MadeVisit } from '../live-visits.ts'
import { running, startServer } from '../processes.ts'

/**
 * Faults while visitors are out (issue 8 §12): Doorstep killed before a deadline, one of two instances
 * killed, the database restarting. These run on the real clock — deadlines here are real seconds away,
 * because real processes are killed and started — with visits made by SQL (test/live-visits.ts) whose
 * next check-in falls overdue a few seconds ahead, scheduled as the write path schedules them.
 * Timings printed with `t.diagnostic` are the figures decision 0017 reports.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const realNow = () => new Date()
const SECOND = 1000


async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${timeoutMs} ms`)
    await sleep(50)
  }
}

type AlarmSeen = { raisedAt: Date; alarms: number; stepOneAlerts: number; alarmMessages: number }

async function alarmOf(pool: Pool, visitId: string): Promise<AlarmSeen | undefined> {
  const { rows } = await pool.query<AlarmSeen>(
    `SELECT min(a.raised_at) AS "raisedAt", count(*)::int AS alarms,
            (SELECT count(*)::int FROM visit_events e WHERE e.visit_id = $1 AND e.kind = 'alarm.step_alerted' AND e.payload->>'step' = '1') AS "stepOneAlerts",
            (SELECT count(*)::int FROM notifications n WHERE n.visit_id = $1 AND n.kind = 'alarm') AS "alarmMessages"
       FROM alarms a WHERE a.visit_id = $1 AND a.kind = 'missed_check_in'`,
    [visitId],
  )
  return rows[0]?.alarms ? rows[0] : undefined
}

async function harton(pool: Pool): Promise<LiveSchool> {
  const school = (await liveSchools(pool)).find((s) => s.name === 'Harton Academy')
  assert.ok(school, 'the demo has Harton Academy')
  return school
}

/** A visit in the home whose next check-in is overdue at `overdueAt`, with its deadline scheduled. */
async function overdueVisit(pool: Pool, school: LiveSchool, overdueAt: Date): Promise<MadeVisit> {
  const [visit] = await makeOverdueVisits(pool, [school], [overdueAt], realNow())
  await scheduleMadeVisits(pool, [visit!], realNow)
  return visit!
}

/**
 * Run by hand, not by `npm test` (decision 0019): `npm test -- integration test/manual`. Two server
 * processes on one database, one killed mid-visit. It passed when run alone, but in one full CI-style run
 * on a loaded 2-core machine the second server never reached the database and the test waited forever,
 * so it is kept out of CI until that is understood.
 */
describe('faults while visitors are out: two instances', () => {
  it('R-ESC-1 two instances on one database: one is killed mid-visit and the other raises the alarm on time; a deadline the killed one had taken is released when its heartbeat stops', async (t) => {
    const { url, pool } = await testDatabase(t, 'demo')
    const env = { DATABASE_URL: url, DOORSTEP_DEMO: '0' }
    const a = startServer(t, env)
    await running(a)
    const { rows: heartbeats } = await pool.query<{ id: string }>('SELECT worker_id AS id FROM worker_heartbeats')
    const ofA = heartbeats.map((row) => row.id)
    assert.equal(ofA.length, 3, "the first instance beats for its three worker pools (deadlines, emails, Web Push)")
    const b = startServer(t, env)
    await running(b)
    await until("the second instance's heartbeats", 10 * SECOND, async () => {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM worker_heartbeats')
      return rows[0]!.n === 6 ? true : undefined
    })

    const school = await harton(pool)
    const dueAt = new Date(Date.now() + 4 * SECOND)
    const onTime = await overdueVisit(pool, school, dueAt)
    // A check-in already overdue whose deadline the first instance has taken: its job is locked by one of
    // that instance's worker pools, as when a worker has started it — and the instance is about to die.
    const [taken] = await makeOverdueVisits(pool, [school], [new Date(Date.now() - SECOND)], realNow())
    await inTransaction(pool, async (client) => {
      await scheduleMadeVisits(client, [taken!], realNow)
      const { rowCount } = await client.query(`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = $2, attempts = attempts + 1 WHERE key = $1`, [
        deadlineJobKey(taken!.visitId, 'check_in'),
        ofA[0],
      ])
      assert.equal(rowCount, 1)
    })

    await sleep(dueAt.getTime() - 2 * SECOND - Date.now())
    const killedAt = Date.now()
    a.child.kill('SIGKILL')
    assert.equal((await a.exited).signal, 'SIGKILL')

    const alarm = await until('the alarm of the visit due after the kill', 15 * SECOND, () => alarmOf(pool, onTime.visitId))
    const late = alarm.raisedAt.getTime() - dueAt.getTime()
    t.diagnostic(`the surviving instance raised the alarm ${late} ms after the check-in was overdue`)
    assert.ok(late >= 0 && late <= 2 * SECOND, `on time (${late} ms late)`)

    const recovered = await until('the alarm of the deadline the killed instance had taken', 25 * SECOND, () => alarmOf(pool, taken!.visitId))
    const afterKill = recovered.raisedAt.getTime() - killedAt
    t.diagnostic(`the deadline the killed instance held was released and its alarm raised ${afterKill} ms after the kill (dead after 10 s without a heartbeat, checked every 2 s)`)
    assert.ok(afterKill > 0 && afterKill <= 15 * SECOND, `recovered within the heartbeat window (${afterKill} ms after the kill)`)

    await sleep(SECOND)
    for (const visit of [onTime, taken!]) {
      const seen = (await alarmOf(pool, visit.visitId))!
      assert.deepEqual({ alarms: seen.alarms, stepOneAlerts: seen.stepOneAlerts, alarmMessages: seen.alarmMessages }, { alarms: 1, stepOneAlerts: 1, alarmMessages: 1 }, 'one alarm, alerted once')
    }
    b.child.kill('SIGTERM')
    assert.equal((await b.exited).code, 0, b.output())
  })

})
