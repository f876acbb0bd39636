import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildApp } from '../../app.ts'
import { ConfigError, loadConfig, testConfig } from '../../config.ts'
import { createPool } from '../../db/pool.ts'
import { runningClock } from '../../../test/clock.ts'
import { fixedClock, signIn, testApp, testDatabase, textOf, tick, type TestApp } from '../../../test/helpers.ts'
import { school } from '../visits/fixtures.ts'
import { londonInstant } from '../visits/times.ts'
import { runDeadline } from '../live/write-path.ts'

/**
 * Operations (docs/decisions/0016): /metrics for Prometheus, /readyz for a load balancer. Driven on the
 * demo's approved Westside visit for Leo (leave school 13:30, the office calls at 14:10; a call not
 * recorded by 14:20 is a missed check-in), on the test clock's day, 25 November 2026.
 */

const TODAY = '2026-11-25'
const at = (time: string) => londonInstant(TODAY, time)
const MINUTE = 60_000
const TOKEN = 'metrics-token-for-the-tests-0123456789'
const session = { idleMinutes: 24 * 60, absoluteHours: 24 }

async function leoVisit(ctx: TestApp): Promise<{ schoolId: string; visitId: string }> {
  const westside = await school(ctx, 'westside')
  const { rows } = await ctx.pool.query<{ id: string }>(
    `SELECT v.id FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE v.school_id = $1 AND v.status = 'approved' AND p.first_name = 'Leo'`,
    [westside.id],
  )
  assert.ok(rows[0])
  return { schoolId: westside.id, visitId: rows[0].id }
}

async function scrape(ctx: TestApp, token = TOKEN) {
  return ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } })
}

/** One sample's value from Prometheus text: `name{labels} value`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`waited ${ms / 1000} s for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('metrics', () => {
  it('R-ESC-1 R-ESC-2 /metrics needs the token; after a missed check-in it shows the open alarm and how long its step has waited, and names no school or person', async (t) => {
    const ctx = await testApp(t, { config: { session, metricsToken: TOKEN } })
    const { visitId } = await leoVisit(ctx)
    assert.equal((await ctx.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401)
    assert.equal((await scrape(ctx, 'not-the-metrics-token-0123456789')).statusCode, 401)

    const before = await scrape(ctx)
    assert.equal(before.statusCode, 200)
    assert.match(String(before.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    assert.equal(before.headers['cache-control'], 'private, no-store')
    assert.equal(sample(before.body, 'doorstep_open_alarms'), 0)
    assert.equal(sample(before.body, 'doorstep_oldest_unacknowledged_step_seconds'), 0)
    assert.equal(sample(before.body, 'doorstep_notification_failures_total{channel="email"}'), 0)
    assert.equal(sample(before.body, 'doorstep_deadline_worker_running'), 0, 'this test app runs no worker')
    assert.match(before.body, /# TYPE doorstep_deadline_lateness_seconds histogram/)

    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('13:30'))
    assert.equal((await visitor.post(`/visits/${visitId}/live/sign-out`)).statusCode, 303)
    ctx.clock.set(at('14:19'))
    await tick(ctx, MINUTE) // 14:20: the office's call was not recorded
    await tick(ctx, 3 * MINUTE) // 14:23
    const during = await scrape(ctx)
    assert.equal(sample(during.body, 'doorstep_open_alarms'), 1)
    assert.equal(sample(during.body, 'doorstep_oldest_unacknowledged_step_seconds'), 180, 'step 1 alerted at 14:20, nobody has answered it')
    const names = await ctx.pool.query<{ name: string; email: string }>(`SELECT name, email FROM users`)
    const schools = await ctx.pool.query<{ name: string }>('SELECT name FROM schools')
    for (const text of [...names.rows.flatMap((r) => [r.name, r.email]), ...schools.rows.map((r) => r.name), visitId, 'Leo', 'Glenthorne']) {
      assert.ok(!during.body.includes(text), `the metrics do not say ${text}`)
    }

    const alarmId = (await ctx.pool.query<{ id: string }>('SELECT id FROM alarms WHERE visit_id = $1', [visitId])).rows[0]!.id
    assert.equal((await office.post(`/alarms/${alarmId}/steps/1/acknowledge`, { outcome: 'reached_visitors' })).statusCode, 303)
    assert.equal(sample((await scrape(ctx)).body, 'doorstep_oldest_unacknowledged_step_seconds'), 0)
    assert.equal((await office.post(`/alarms/${alarmId}/safe`, { how: 'spoke_to_visitor' })).statusCode, 303)
    assert.equal(sample((await scrape(ctx)).body, 'doorstep_open_alarms'), 0)
  })

  it('R-ESC-1 without METRICS_TOKEN /metrics is off; a token too short to be secret stops the start-up', async (t) => {
    const ctx = await testApp(t)
    const response = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(response.statusCode, 404)
    assert.match(response.body, /Metrics are turned off: set METRICS_TOKEN/)
    assert.throws(() => loadConfig({ METRICS_TOKEN: 'letmein' }), (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('METRICS_TOKEN:')))
    assert.equal(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken, TOKEN)
  })

  it('R-ESC-1 with the real worker: a missed check-in\'s lateness is observed when its job commits, and a failing mail server counts as a failed delivery', async (t) => {
    const clock = runningClock(at('13:30'))
    const failingMail = { send: async () => Promise.reject(new Error('554 the mail server is refusing everything')) }
    const ctx = await testApp(t, { config: { session, metricsToken: TOKEN }, clock, jobs: { pollInterval: 50 }, mailer: failingMail })
    const { schoolId, visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitor.post(`/visits/${visitId}/live/sign-out`)).statusCode, 303)
    // Just before the check-in becomes overdue at 14:20; the visit's deadlines are set again from there.
    clock.set(new Date(at('14:20').getTime() - 500))
    await runDeadline(ctx.app.deps, { schoolId, visitId })

    const count = await until('the check-in deadline to be handled by the worker', async () => {
      const value = sample((await scrape(ctx)).body, 'doorstep_deadline_lateness_seconds_count{kind="check_in"}')
      return value && value >= 1 ? value : undefined
    })
    assert.equal(count, 1, 'the check-in deadline ran once')
    const text = (await scrape(ctx)).body
    const late = sample(text, 'doorstep_deadline_lateness_seconds_sum{kind="check_in"}')!
    assert.ok(late >= 0 && late < 5, `handled within seconds of its due time (${late} s)`)
    assert.equal(sample(text, 'doorstep_open_alarms'), 1, 'the worker raised the alarm')
    assert.equal(sample(text, 'doorstep_deadline_worker_running'), 1)

    const failures = await until('the alarm email to fail', async () => {
      const value = sample((await scrape(ctx)).body, 'doorstep_notification_failures_total{channel="email"}')
      return value && value >= 1 ? value : undefined
    })
    assert.ok(failures >= 1)
    const failing = sample((await scrape(ctx)).body, 'doorstep_notification_deliveries_failing{channel="email"}')!
    assert.ok(failing >= 1, 'the database says the alarm emails are failing')
  })
})

describe('readiness', () => {
  it('R-ESC-2 /readyz is 503 while this instance runs no deadline worker, 200 while it runs, 503 once it stops; /healthz stays 200', async (t) => {
    const without = await testApp(t)
    const notReady = await without.app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(notReady.statusCode, 503)
    assert.equal(notReady.body, 'not ready: this instance runs no deadline worker\n')
    assert.equal(notReady.headers['cache-control'], 'private, no-store')
    assert.equal((await without.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)

    const withJobs = await testApp(t, { jobs: { pollInterval: 50 } })
    const ready = await withJobs.app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 200, ready.body)
    assert.equal(ready.body, 'ready\n')
    await withJobs.app.live.jobs!.stop()
    const stopped = await withJobs.app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(stopped.statusCode, 503)
    assert.equal(stopped.body, "not ready: this instance's deadline worker has stopped\n")
    assert.equal((await withJobs.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still alive: restart it, do not route to it')
  })

  it('R-ESC-2 /readyz is 503 when the database does not answer', async (t) => {
    const { url, closeBeforeDrop } = await testDatabase(t)
    const pool = createPool(url, 2)
    const app = await buildApp({ pool, config: testConfig(), clock: fixedClock(), jobs: false, liveChannel: false, mailer: null, push: null })
    closeBeforeDrop(() => app.close())
    await app.ready()
    await pool.end()
    const response = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(response.statusCode, 503)
    assert.equal(textOf(response.body), 'not ready: the database is not answering')
  })
})
