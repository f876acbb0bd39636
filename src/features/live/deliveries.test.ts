import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runningClock } from '../../../test/clock.ts'
import { runDeadlines, signIn, testApp, type Agent } from '../../../test/helpers.ts'
import { pushTo, startPushService, type PushBrowser } from '../../../test/push-service.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { alarmsOf, allDay, at, copyOfVisit, deliveriesOf, eventually, leoVisit, ok, retryDeliveriesNow, signOutOfSchool } from './fixtures.ts'
import { runDeadline } from './write-path.ts'

/**
 * Telling people never holds up raising an alarm, and nothing is dropped under load (DESIGN: telling
 * people is separate from raising the alarm; R-ESC-1, R-ESC-2). The real deadline and delivery
 * workers, a real SMTP server and a decrypting push service in this process, and a clock that runs
 * at real speed from 13:30 on the test day (moved on where the story jumps).
 */

async function turnOnAlerts(person: Agent, service: Awaited<ReturnType<typeof startPushService>>): Promise<PushBrowser> {
  const key = JSON.parse((await person.json('GET', '/push/key')).body).publicKey as string
  const browser = service.browser(key)
  assert.equal((await person.json('POST', '/push/subscriptions', browser.subscription)).statusCode, 201)
  return browser
}

describe('deliveries under trouble', () => {
  it('R-ESC-1 a mail server that hangs delays nobody else: a second visit’s alarm is raised, in the app and on the phone, within 3 s of coming due while every email is stuck', async (t) => {
    // The mail server takes each message and never answers; this instance sends two emails at once.
    const sink = await startSmtpSink(t, { stall: true })
    const service = await startPushService(t)
    const clock = runningClock(at('13:30'))
    const ctx = await testApp(t, { config: allDay, clock, jobs: { pollInterval: 50, emailConcurrency: 2 }, mailer: sink.mailer(), push: pushTo(service) })
    const first = await leoVisit(ctx.pool)
    const second = { schoolId: first.schoolId, visitId: await copyOfVisit(ctx.pool, first.visitId, 15) }
    const office = await signIn(ctx, 'office@westside.example')
    const phone = await turnOnAlerts(office, service)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOutOfSchool(visitor, first.visitId)
    await signOutOfSchool(visitor, second.visitId)

    // 14:20: the first visit's office call was missed, then its visitor presses the silent alarm:
    // emails to the office, the DSL and the headteacher, more than the mail slots.
    clock.set(at('14:20'))
    await runDeadline(ctx.app.deps, first)
    await ok(visitor.post(`/visits/${first.visitId}/alarms`, { kind: 'silent_alarm' }))
    await eventually(async () => sink.stalled() === 2, 10_000, 'both email slots to be stuck on the hung mail server')
    const firstEmails = await deliveriesOf(ctx.pool, { visitId: first.visitId, channel: 'email' })
    assert.ok(firstEmails.length > 2, `more emails (${firstEmails.length}) than the two slots`)

    // The second visit's office call (due 14:25) is missed at 14:35: come due a second from now.
    clock.set(new Date(at('14:35').getTime() - 1_000))
    await runDeadline(ctx.app.deps, second)
    const dueAt = performance.now() + 1_000
    const raised = await eventually(async () => {
      const [alarm] = await alarmsOf(ctx.pool, second.visitId)
      return alarm && alarm.recipients.length > 0 && { alarm, at: performance.now() }
    }, 10_000, 'the second visit’s alarm and its in-app notifications')
    const onPhone = await eventually(async () => {
      const message = phone.received().find((m) => m.payload?.url === `http://localhost:3000/alarms/${raised.alarm.id}`)
      return message && { at: performance.now() }
    }, 10_000, 'the second alarm on the office phone')
    t.diagnostic(`second alarm committed ${Math.round(raised.at - dueAt)} ms and on the phone ${Math.round(onPhone.at - dueAt)} ms after coming due, with every email stuck`)
    assert.ok(raised.at - dueAt < 3_000, `the alarm and its in-app notification were committed ${Math.round(raised.at - dueAt)} ms after coming due`)
    assert.ok(onPhone.at - dueAt < 3_000, `the alarm reached the office phone ${Math.round(onPhone.at - dueAt)} ms after coming due`)
    const inApp = await ctx.pool.query<{ title: string }>(`SELECT title FROM notifications WHERE alarm_id = $1 AND kind = 'alarm'`, [raised.alarm.id])
    assert.ok(inApp.rows.length >= 1)

    // Meanwhile the emails are still stuck: not one has been answered.
    assert.equal(sink.stalled(), 2)
    assert.equal(sink.messages.length, 0)
    const stillPending = await deliveriesOf(ctx.pool, { channel: 'email' })
    assert.ok(stillPending.every((r) => r.status === 'pending'), JSON.stringify(stillPending))

    // The mail server recovers: every email goes, the second alarm's too.
    sink.release()
    const all = await deliveriesOf(ctx.pool, { channel: 'email' })
    await sink.waitFor(all.length, 20_000)
    assert.equal(sink.messages.length, all.length)
    assert.ok(sink.messages.some((m) => m.text.includes(`/alarms/${raised.alarm.id}`)))
    await eventually(async () => (await deliveriesOf(ctx.pool, { channel: 'email' })).every((r) => r.status === 'sent'), 10_000, 'every email row to say sent')
    await sink.close()
  })

  it('R-ESC-1 R-ESC-2 fifty alarms at once all reach everyone by email and on the phone, through a mail server and a push service that turn away the excess', async (t) => {
    // The mail server takes three connections at a time and turns away the rest (421);
    // the phone's push service answers its first ten messages "429 Too Many Requests".
    const sink = await startSmtpSink(t, { maxClients: 3 })
    const service = await startPushService(t)
    const clock = runningClock(at('13:30'))
    const ctx = await testApp(t, { config: allDay, clock, jobs: { pollInterval: 50 }, mailer: sink.mailer(), push: pushTo(service) })
    const leo = await leoVisit(ctx.pool)
    const visits = [leo.visitId]
    for (let i = 1; i < 50; i++) visits.push(await copyOfVisit(ctx.pool, leo.visitId))
    const office = await signIn(ctx, 'office@westside.example')
    const phone = await turnOnAlerts(office, service)
    service.failNext(phone.id, ...Array<number>(10).fill(429))
    const visitor = await signIn(ctx, 'visitor@westside.example')
    for (const visitId of visits) await signOutOfSchool(visitor, visitId)

    // Every visit's 14:10 office call is missed: all fifty come due at 14:20, on the deadline worker.
    clock.set(new Date(at('14:20').getTime() - 5_000))
    await runDeadlines(ctx)
    const alarms = await eventually(async () => {
      const found = (await Promise.all(visits.map((visitId) => alarmsOf(ctx.pool, visitId)))).flat()
      return found.length === 50 && found.every((a) => a.recipients.length > 0) && found
    }, 30_000, 'fifty alarms')

    // Run each failed attempt's retry as soon as it is scheduled rather than 5 s, 10 s … later.
    const expectedEmails = alarms.reduce((n, alarm) => n + alarm.recipients.length, 0)
    await eventually(async () => {
      await retryDeliveriesNow(ctx.pool)
      const rows = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.alarm_id IS NOT NULL AND d.status <> 'sent'`)
      return rows.rows[0]!.n === 0
    }, 60_000, 'every alarm delivery to be sent')
    for (const alarm of alarms) {
      for (const person of alarm.recipients) {
        const emails = sink.messages.filter((m) => m.to.includes(person.email) && m.text.includes(`/alarms/${alarm.id}\n`))
        assert.equal(emails.length, 1, `${person.email} had one email about alarm ${alarm.id}`)
      }
      const alerts = phone.received().filter((m) => m.payload?.url === `http://localhost:3000/alarms/${alarm.id}`)
      assert.equal(alerts.length, 1, `the office phone had alarm ${alarm.id} once`)
    }
    assert.equal(sink.messages.filter((m) => m.subject.startsWith('Doorstep alarm')).length, expectedEmails)
    assert.ok(service.refusals.filter((r) => r.status === 429).length === 10, 'the push service did turn messages away')
    const retried = await ctx.pool.query<{ channel: string; n: number }>(`SELECT channel, count(*)::int AS n FROM notification_deliveries WHERE attempts > 1 GROUP BY channel ORDER BY channel`)
    assert.deepEqual(retried.rows.map((r) => r.channel), ['email', 'push'], 'emails the mail server turned away and pushes refused with 429 were tried again')
  })
})
