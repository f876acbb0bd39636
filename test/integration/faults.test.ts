import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it, type TestContext } from 'node:test'
import { SMTPServer } from 'smtp-server'
import { buildApp } from '../../src/app.ts'
import { systemClock } from '../../src/clock.ts'
import { testConfig } from '../../src/config.ts'
import { ensureDatabase } from '../../src/db/database.ts'
import { runningEmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.ts'
import { migrate } from '../../src/db/migrate.ts'
import { createPool, inTransaction, type Pool } from '../../src/db/pool.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { createApiToken } from '../../src/features/account/api-tokens.ts'
import { deadlineJobKey } from '../../src/features/live/deadlines.ts'
import { testDatabase } from '../helpers.ts'
import { liveSchools, makeOverdueVisits, scheduleMadeVisits, type LiveSchool, type MadeVisit } from '../live-visits.ts'
import { running, startServer, tmpDirectory } from '../processes.ts'

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

type Mail = { to: string[]; subject: string }

/** An SMTP server in this process that keeps every message it is given. */
async function smtpServer(t: TestContext): Promise<{ url: string; mails: Mail[] }> {
  const mails: Mail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let data = ''
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()))
      stream.on('end', () => {
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(data)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? ''
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.server.address() as { port: number }
  return { url: `smtp://127.0.0.1:${port}`, mails }
}

/** `promise`, or a failure naming `what` once `timeoutMs` has passed: no wait in these tests is unbounded. */
async function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Gave up waiting for ${what} after ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Asks `probe` until it answers (each ask bounded too: a query stuck waiting for a connection counts as no answer). */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    const value = await within(what, Math.max(1, Math.min(5 * SECOND, deadline - Date.now())), probe()).catch((error: unknown) => {
      lastError = error
      return undefined
    })
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
      throw new Error(`Gave up waiting for ${what} after ${timeoutMs} ms${why}`)
    }
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

describe('faults while visitors are out', () => {
  it('R-ESC-1 a check-in that falls overdue while Doorstep is killed raises its alarm within 2 s of the restart, once, and its email is sent', async (t) => {
    const smtp = await smtpServer(t)
    const dataDir = await tmpDirectory(t, 'faults-killed-')
    const env = { DOORSTEP_DATA_DIR: dataDir, DOORSTEP_DEMO: '1', SMTP_URL: smtp.url, MAIL_FROM: 'doorstep@faults.example' }
    const first = startServer(t, env)
    await running(first)

    const before = createPool((await runningEmbeddedServer(dataDir))!.connectionString, 2)
    const school = await harton(before)
    const dueAt = new Date(Date.now() + 5 * SECOND)
    const visit = await overdueVisit(before, school, dueAt)
    await before.end()
    first.child.kill('SIGKILL')
    assert.equal((await within('the server to exit after SIGKILL', 10 * SECOND, first.exited)).signal, 'SIGKILL')
    assert.ok(Date.now() < dueAt.getTime(), 'killed before the check-in was overdue')

    await sleep(dueAt.getTime() + 500 - Date.now())
    const second = startServer(t, env)
    const { at: listeningAt } = await running(second)
    const pool = createPool((await runningEmbeddedServer(dataDir))!.connectionString, 2)
    t.after(() => pool.end())
    const alarm = await until('the alarm', 20 * SECOND, () => alarmOf(pool, visit.visitId))
    const afterListening = alarm.raisedAt.getTime() - listeningAt
    t.diagnostic(`alarm raised ${alarm.raisedAt.getTime() - dueAt.getTime()} ms after the check-in was overdue, ${afterListening} ms after the restarted server was listening`)
    assert.ok(alarm.raisedAt.getTime() >= dueAt.getTime(), 'not before it was due')
    assert.ok(afterListening <= 2 * SECOND, `raised within 2 s of the restart (${afterListening} ms)`)

    const subject = 'Doorstep alarm at Harton Academy: a home visit needs attention now'
    await until('the alarm email', 20 * SECOND, async () => (smtp.mails.some((m) => m.subject === subject) ? true : undefined))
    await sleep(2 * SECOND) // anything sent twice would have arrived by now
    const again = (await alarmOf(pool, visit.visitId))!
    assert.deepEqual({ alarms: again.alarms, stepOneAlerts: again.stepOneAlerts, alarmMessages: again.alarmMessages }, { alarms: 1, stepOneAlerts: 1, alarmMessages: 1 }, 'one alarm, alerted once')
    assert.deepEqual(smtp.mails.filter((m) => m.subject === subject).map((m) => m.to), [['office@harton.example']], 'one email, to the office (step 1)')

    second.child.kill('SIGTERM')
    assert.equal((await within('the restarted server to stop after SIGTERM', 20 * SECOND, second.exited)).code, 0, second.output())
  })

  it('R-ESC-1 two instances on one database: one is killed mid-visit and the other raises the alarm on time; a deadline the killed one had taken is released when its heartbeat stops', async (t) => {
    const { url, pool, closeBeforeDrop } = await testDatabase(t, 'demo')
    const env = { DATABASE_URL: url, DOORSTEP_DEMO: '0' }
    // Each is stopped before the database is dropped, whatever happens below (a server left running while
    // its database goes would keep reconnecting until it is killed).
    const instance = () => {
      const server = startServer(t, env)
      closeBeforeDrop(async () => {
        server.child.kill('SIGKILL')
        await within('a server process to exit after SIGKILL', 10 * SECOND, server.exited)
      })
      return server
    }
    const heartbeats = async (n: number) => {
      const { rows } = await pool.query<{ id: string }>('SELECT worker_id AS id FROM worker_heartbeats ORDER BY beat_at, worker_id')
      return rows.length === n ? rows.map((row) => row.id) : undefined
    }
    const a = instance()
    await running(a, 'the first instance')
    const ofA = await until("the first instance's heartbeats for its three worker pools (deadlines, emails, Web Push)", 10 * SECOND, () => heartbeats(3))
    const b = instance()
    await running(b, 'the second instance')
    await until("the second instance's heartbeats (six in all)", 10 * SECOND, () => heartbeats(6))

    const school = await harton(pool)
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
    // A visit in the home whose next check-in falls overdue 4 s from now; the first instance is killed at
    // once, so the check-in falls overdue with only the second instance running.
    const dueAt = new Date(Date.now() + 4 * SECOND)
    const onTime = await overdueVisit(pool, school, dueAt)
    const killedAt = Date.now()
    a.child.kill('SIGKILL')
    assert.equal((await within('the first instance to exit after SIGKILL', 10 * SECOND, a.exited)).signal, 'SIGKILL')
    assert.ok(killedAt < dueAt.getTime() - SECOND, `the first instance was killed before the check-in fell overdue (${dueAt.getTime() - killedAt} ms before)`)

    // What the surviving instance printed goes with any failure from here on.
    const saying = (error: unknown) => {
      throw new Error(`${(error as Error).message}\nThe surviving instance printed:\n${b.output()}`, { cause: error })
    }
    const alarm = await until('the alarm of the visit due after the kill', 15 * SECOND, () => alarmOf(pool, onTime.visitId)).catch(saying)
    const late = alarm.raisedAt.getTime() - dueAt.getTime()
    t.diagnostic(`the surviving instance raised the alarm ${late} ms after the check-in was overdue`)
    assert.ok(late >= 0 && late <= 2 * SECOND, `on time (${late} ms late)`)

    const recovered = await until('the alarm of the deadline the killed instance had taken', 25 * SECOND, () => alarmOf(pool, taken!.visitId)).catch(saying)
    const afterKill = recovered.raisedAt.getTime() - killedAt
    t.diagnostic(`the deadline the killed instance held was released and its alarm raised ${afterKill} ms after the kill (dead after 10 s without a heartbeat, checked every 2 s)`)
    assert.ok(afterKill > 0 && afterKill <= 15 * SECOND, `recovered within the heartbeat window (${afterKill} ms after the kill)`)

    await sleep(SECOND)
    for (const visit of [onTime, taken!]) {
      const seen = (await alarmOf(pool, visit.visitId))!
      assert.deepEqual({ alarms: seen.alarms, stepOneAlerts: seen.stepOneAlerts, alarmMessages: seen.alarmMessages }, { alarms: 1, stepOneAlerts: 1, alarmMessages: 1 }, 'one alarm, alerted once')
    }
    b.child.kill('SIGTERM')
    assert.equal((await within('the second instance to stop after SIGTERM', 20 * SECOND, b.exited)).code, 0, b.output())
  })

  it('R-CHECK-1 R-ESC-1 the database restarts during a visit: every check-in answered 2xx is kept, check-ins work again, and the alarm is still raised once', async (t) => {
    // Closed in the reverse order — the app, its pool, then the server — and before the directory goes
    // (after-hooks run in the order they were added).
    const cleanUp: Array<() => Promise<unknown>> = []
    t.after(async () => {
      for (const step of cleanUp.reverse()) await step().catch(() => {})
    })
    const dataDir = await tmpDirectory(t, 'faults-restart-')
    const server = await startEmbeddedPostgres(dataDir)
    cleanUp.push(() => server.stop())
    await ensureDatabase(server.connectionString('postgres'), 'doorstep')
    const pool = createPool(server.connectionString('doorstep'), 10)
    cleanUp.push(() => pool.end())
    await migrate(pool)
    await seedDemo(pool, realNow())
    const app = await buildApp({ pool, config: testConfig(), clock: systemClock, mailer: null, push: null })
    cleanUp.push(() => app.close())
    const address = await app.listen({ port: 0, host: '127.0.0.1' })

    const school = await harton(pool)
    const checkedIn = await overdueVisit(pool, school, new Date(Date.now() + 3_600_000))
    const { token } = await createApiToken(pool, school.visitorId, 'faults', 1, realNow())

    // Three phones checking in over and over; a tap that gets no 2xx is not acknowledged.
    const acknowledged: Array<{ ref: string; at: number }> = []
    let refused = 0
    let stop = false
    const phone = async () => {
      while (!stop) {
        const ref = randomBytes(9).toString('base64url')
        try {
          const response = await fetch(`${address}/api/v1/schools/${school.schoolId}/visits/${checkedIn.visitId}/check-ins`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ clientRef: ref }),
            signal: AbortSignal.timeout(10 * SECOND),
          })
          await response.arrayBuffer()
          if (response.ok) acknowledged.push({ ref, at: Date.now() })
          else refused++
        } catch {
          refused++
        }
        await sleep(20)
      }
    }
    const phones = [phone(), phone(), phone()]
    await until('ten check-ins acknowledged before the restart', 60 * SECOND, async () => (acknowledged.length >= 10 ? true : undefined))
    // The restart starts just before this check-in falls overdue, so it falls overdue while the database is down.
    const dueAt = new Date(Date.now() + 3 * SECOND)
    const alarmed = await overdueVisit(pool, school, dueAt)
    await sleep(dueAt.getTime() - 100 - Date.now())
    const restartAt = Date.now()
    assert.ok(restartAt < dueAt.getTime(), `the restart began before the check-in fell overdue (${dueAt.getTime() - restartAt} ms before)`)
    await within('the database to restart', 60 * SECOND, server.restart())
    const restartedAt = Date.now()
    t.diagnostic(`the database was down for ${restartedAt - restartAt} ms, from ${dueAt.getTime() - restartAt} ms before the check-in fell overdue`)
    await until('check-ins after the restart', 20 * SECOND, async () => (acknowledged.filter((a) => a.at > restartedAt).length >= 10 ? true : undefined))
    const alarm = await until('the alarm', 20 * SECOND, () => alarmOf(pool, alarmed.visitId))
    stop = true
    await within('the phones to stop checking in', 15 * SECOND, Promise.all(phones))

    const { rows } = await pool.query<{ ref: string }>('SELECT client_ref AS ref FROM check_ins WHERE visit_id = $1 AND client_ref IS NOT NULL', [checkedIn.visitId])
    const kept = new Set(rows.map((row) => row.ref))
    const lost = acknowledged.filter((a) => !kept.has(a.ref))
    t.diagnostic(`${acknowledged.length} check-ins acknowledged (${acknowledged.filter((a) => a.at > restartedAt).length} after the restart), ${refused} refused or cut off; alarm raised ${alarm.raisedAt.getTime() - dueAt.getTime()} ms after due, ${alarm.raisedAt.getTime() - restartedAt} ms after the database was back`)
    assert.deepEqual(lost, [], 'no acknowledged check-in is lost')
    assert.ok(alarm.raisedAt.getTime() >= dueAt.getTime(), 'not before it was due')
    // Soon after the database is back (every instance reconnects at once; about a second here), not after
    // graphile-worker's retry backoff of e^attempts seconds for a job that failed while it was down.
    const afterBack = alarm.raisedAt.getTime() - Math.max(dueAt.getTime(), restartedAt)
    assert.ok(afterBack <= 5 * SECOND, `raised within 5 s of the database being back (${afterBack} ms)`)
    await sleep(SECOND)
    const seen = (await alarmOf(pool, alarmed.visitId))!
    assert.deepEqual({ alarms: seen.alarms, stepOneAlerts: seen.stepOneAlerts, alarmMessages: seen.alarmMessages }, { alarms: 1, stepOneAlerts: 1, alarmMessages: 1 }, 'one alarm, alerted once')
  })
})
