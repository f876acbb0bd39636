import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fixedClock, runningClock } from '../../../test/clock.ts'
import { appOn, runDeadlines, signIn, testApp, userId, type TestApp } from '../../../test/helpers.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { deliveryFailuresByChannel, retryDelaySeconds } from './deliver.ts'
import {
  alarmsOf,
  allDay,
  assertNoneOf,
  at,
  deliveriesOf,
  eventually,
  leoVisit,
  ok,
  retryDeliveriesNow,
  secretsOf,
  signOutOfSchool,
} from './fixtures.ts'

/**
 * Email for alarms (R-ESC-1, R-ESC-2; DESIGN: telling people is separate from raising the alarm)
 * against a real SMTP server in this process (test/smtp-server.ts), with the app's real delivery
 * workers (graphile-worker). On the demo's approved Westside visit for Leo: the office calls the
 * visitors at 14:10; a call not recorded by 14:20 is a missed check-in, and step 1 of Westside's
 * ladder alerts the office.
 */

async function failures(ctx: TestApp, channel: 'email' | 'push'): Promise<number> {
  const metric = await ctx.app.metrics.registry.getSingleMetric('doorstep_notification_failures_total')?.get()
  return metric?.values.find((value) => value.labels.channel === channel)?.value ?? 0
}

describe('alarm emails', () => {
  it('R-ESC-1 R-ITIN-2 R-CONF-1 a missed check-in emails each person its step alerts: the school, that an alarm needs attention, the link, and nothing about the family', async (t) => {
    const sink = await startSmtpSink(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')), jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const { visitId, schoolName } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOutOfSchool(visitor, visitId)

    ctx.clock.set(at('14:19'))
    await runDeadlines(ctx)
    assert.deepEqual(await alarmsOf(ctx.pool, visitId), [], 'not yet overdue')
    ctx.clock.set(at('14:20'))
    await runDeadlines(ctx)
    const [alarm] = await alarmsOf(ctx.pool, visitId)
    assert.ok(alarm, 'the missed office call raised an alarm')
    assert.equal(alarm.kind, 'missed_check_in')
    assert.ok(alarm.recipients.length >= 1)
    assert.ok(alarm.recipients.some((r) => r.email === 'office@westside.example'), 'step 1 alerts the office')

    const mail = await sink.waitFor(alarm.recipients.length)
    assert.deepEqual(mail.map((m) => m.to).flat().sort(), alarm.recipients.map((r) => r.email).sort(), 'one email to each person alerted')
    const secrets = await secretsOf(ctx.pool, visitId)
    for (const message of mail) {
      assert.equal(message.subject, `Doorstep alarm at ${schoolName}: a home visit needs attention now`)
      assert.match(message.text, new RegExp(`^Doorstep alarm at ${schoolName}: a home visit needs attention now\\.$`, 'm'))
      assert.ok(message.text.includes(`http://localhost:3000/alarms/${alarm.id}\n`), message.text)
      assert.match(message.text, /does not say who is on the visit or where they are, on purpose/)
      assert.equal(message.headers['auto-submitted'], 'auto-generated')
      assert.equal(message.headers['x-priority'], '1 (Highest)')
      assertNoneOf(message.raw, secrets, 'an alarm email (headers and body)')
    }
    // The mail server has the message before it answers; the row is written after that answer.
    const rows = await eventually(async () => {
      const found = await deliveriesOf(ctx.pool, { alarmId: alarm.id, channel: 'email' })
      return found.every((r) => r.status !== 'pending') && found
    }, 5_000, 'the deliveries to be recorded')
    assert.deepEqual(rows.map((r) => [r.email, r.status, r.attempts]), alarm.recipients.map((r) => [r.email, 'sent', 1]))
    // The reminder and the office prompt go by push only: email is for alarms.
    const emailed = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.channel = 'email' AND n.alarm_id IS NULL`)
    assert.equal(emailed.rows[0]!.n, 0)
  })

  it('R-ESC-2 a crash between raising the alarm and telling people loses nothing: the next instance sends the email', async (t) => {
    const sink = await startSmtpSink(t)
    const clock = runningClock(at('13:30'))
    // The instance that raises the alarm never sends anything: it "crashes" before its workers run.
    const first = await testApp(t, { config: allDay, clock, jobs: false, mailer: null })
    const { visitId } = await leoVisit(first.pool)
    const visitor = await signIn(first, 'visitor@westside.example')
    await signOutOfSchool(visitor, visitId)
    await ok(visitor.post(`/visits/${visitId}/alarms`, { kind: 'silent_alarm' }))
    const [alarm] = await alarmsOf(first.pool, visitId)
    assert.ok(alarm && alarm.recipients.length >= 2, 'the silent alarm alerts the office, the DSL and the head at once')
    const waiting = await first.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'deliver-email'`)
    assert.equal(waiting.rows[0]!.n, alarm.recipients.length, 'each email is a job, committed with the alarm')
    assert.deepEqual((await deliveriesOf(first.pool, { alarmId: alarm.id, channel: 'email' })).map((r) => r.status), alarm.recipients.map(() => 'pending'))
    await first.app.close()
    assert.equal(sink.messages.length, 0)

    // Doorstep starts again on the same database, with its workers and email.
    await appOn(first.pool, { config: allDay, clock, jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const mail = await sink.waitFor(alarm.recipients.length)
    assert.deepEqual(mail.map((m) => m.to).flat().sort(), alarm.recipients.map((r) => r.email).sort())
    assert.ok(mail.every((m) => m.text.includes(`/alarms/${alarm.id}`)))
    await eventually(async () => (await deliveriesOf(first.pool, { alarmId: alarm.id, channel: 'email' })).every((r) => r.status === 'sent'), 5_000, 'every email row says sent')
  })

  it('R-ESC-2 an email the mail server refuses is retried until it is sent; the delivery row shows the failure meanwhile, and the failure counters count it', async (t) => {
    // The mail server answers "451 try again later" to the first two attempts for each address.
    const sink = await startSmtpSink(t, { refuseRecipients: 2 })
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')), jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const { visitId } = await leoVisit(ctx.pool)
    const office = await userId(ctx.pool, 'office@westside.example')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOutOfSchool(visitor, visitId)
    const countedBefore = await failures(ctx, 'email')

    ctx.clock.set(at('14:20'))
    await runDeadlines(ctx)
    const [alarm] = await alarmsOf(ctx.pool, visitId)
    assert.ok(alarm)
    const officeRow = async () => (await deliveriesOf(ctx.pool, { alarmId: alarm.id, channel: 'email' })).find((r) => r.email === 'office@westside.example')!

    const failed = await eventually(async () => {
      const row = await officeRow()
      return row.status === 'failed' && row
    }, 10_000, 'the first attempt to fail')
    assert.equal(failed.attempts, 1)
    assert.match(failed.lastError ?? '', /451 4\.3\.2 Mailbox busy, try again later/)
    // The next attempt is its own job, 5 seconds on (not graphile-worker's slower backoff).
    const retry = await eventually(async () => {
      const { rows } = await ctx.pool.query<{ inSeconds: number }>(
        `SELECT extract(epoch FROM run_at - now())::float AS "inSeconds" FROM graphile_worker.jobs WHERE key = $1 AND locked_at IS NULL`,
        [`deliver:${failed.notificationId}:email`],
      )
      return rows[0]
    }, 5_000, 'the retry to be scheduled')
    assert.ok(retry.inSeconds > 3 && retry.inSeconds <= 5, `the retry runs in about 5 s (${retry.inSeconds})`)
    assert.equal(sink.messages.length, 0)
    assert.ok((await deliveryFailuresByChannel(ctx.pool)).email >= 1, 'the failing delivery shows in the failures by channel')

    // Rather than wait 5 s and then 10 s of real time, run each retry as soon as it is scheduled.
    const sent = await eventually(async () => {
      await retryDeliveriesNow(ctx.pool)
      const row = await officeRow()
      return row.status === 'sent' && row
    }, 15_000, 'the email to be sent in the end')
    assert.equal(sent.attempts, 3, 'two refusals, then sent')
    assert.equal(sent.lastError, null)
    const toOffice = sink.messages.filter((m) => m.to.includes('office@westside.example'))
    assert.equal(toOffice.length, 1, 'sent once')
    assert.ok(toOffice[0]!.text.includes(`/alarms/${alarm.id}`))
    assert.ok((await failures(ctx, 'email')) - countedBefore >= 2, 'each failed attempt is counted')
    const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND alarm_id = $2', [office, alarm.id])
    assert.equal(rows[0]!.n, 1, 'the in-app notification was there all along, once')
  })
})

describe('deliveries queued before this version', () => {
  it('R-ESC-2 a delivery job of the one task both channels had before ("deliver-notification") is still sent', async (t) => {
    const sink = await startSmtpSink(t)
    const ctx = await testApp(t, { config: allDay, jobs: false })
    const { schoolId, schoolName } = await leoVisit(ctx.pool)
    const head = await userId(ctx.pool, 'head@westside.example')
    const { rows } = await ctx.pool.query<{ id: string }>(
      `INSERT INTO notifications (school_id, user_id, kind, priority, title, body, link, created_at)
       VALUES ($1, $2, 'alarm', 'top', $3, 'Open Doorstep to see what to do.', '/alarms', now()) RETURNING id`,
      [schoolId, head, `Doorstep alarm at ${schoolName}: a home visit needs attention now`],
    )
    const id = rows[0]!.id
    await ctx.pool.query(`INSERT INTO notification_deliveries (notification_id, channel, status) VALUES ($1, 'email', 'pending')`, [id])
    await ctx.pool.query(`SELECT graphile_worker.add_job('deliver-notification', json_build_object('notificationId', $1::text, 'channel', 'email'))`, [id])
    await appOn(ctx.pool, { config: allDay, jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const [mail] = await sink.waitFor(1)
    assert.deepEqual(mail?.to, ['head@westside.example'])
    await eventually(async () => (await deliveriesOf(ctx.pool, { channel: 'email' }))[0]?.status === 'sent', 5_000, 'the row to say sent')
  })
})

describe('the retry schedule', () => {
  it('R-ESC-2 retries an alarm at most a minute apart for a day, anything else for an hour', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 100].map((n) => retryDelaySeconds(n, 'alarm')), [5, 10, 20, 40, 60, 60, 60])
    // 5 + 10 + 20 + 40 = 75 s, then a minute each: a retry after the 1,442nd failure still falls
    // within the day (75 s + 1,438 minutes), one after the 1,443rd would not.
    assert.equal(retryDelaySeconds(1442, 'alarm'), 60)
    assert.equal(retryDelaySeconds(1443, 'realert'), null)
    assert.equal(retryDelaySeconds(62, 'reminder'), 60)
    assert.equal(retryDelaySeconds(63, 'office_prompt'), null)
  })
})
