import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fixedClock } from '../../../test/clock.ts'
import { runDeadlines, signIn, testApp, type Agent, type TestApp } from '../../../test/helpers.ts'
import { pushTo, startPushService, type PushBrowser, type PushService } from '../../../test/push-service.ts'
import { deliveryFailuresByChannel } from './deliver.ts'
import { alarmsOf, allDay, assertNoneOf, at, deliveriesOf, eventually, leoVisit, retryDeliveriesNow, secretsOf, signOutOfSchool } from './fixtures.ts'

/**
 * Web Push for alarms (R-ESC-1, R-ESC-2, R-ALERT-1) from Doorstep's real sender (web-push, VAPID)
 * to a push service in this process that checks the VAPID signature and decrypts each message as
 * the browser would (test/push-service.ts). The office turns alerts on through Doorstep's own
 * route, with the keys a browser would give it.
 */

async function turnOnAlerts(ctx: TestApp, person: Agent, service: PushService): Promise<PushBrowser> {
  const key = await person.json('GET', '/push/key')
  assert.equal(key.statusCode, 200, key.body)
  const browser = service.browser(JSON.parse(key.body).publicKey as string)
  const saved = await person.json('POST', '/push/subscriptions', browser.subscription)
  assert.equal(saved.statusCode, 201, saved.body)
  return browser
}

/** The visit was signed out at 13:30; nobody records the office's 14:10 call: at 14:20 the alarm is raised. */
async function pushFailuresCounted(ctx: TestApp): Promise<number> {
  const metric = await ctx.app.metrics.registry.getSingleMetric('doorstep_notification_failures_total')?.get()
  return metric?.values.find((value) => value.labels.channel === 'push')?.value ?? 0
}

async function missedCallAlarm(ctx: TestApp, visitId: string) {
  ctx.clock.set(at('14:20'))
  await runDeadlines(ctx)
  const [alarm] = await alarmsOf(ctx.pool, visitId)
  assert.ok(alarm, 'the missed office call raised an alarm')
  return alarm
}

describe('alarm Web Push', () => {
  it('R-ESC-1 R-ITIN-2 R-CONF-1 an alarm reaches the office’s phone: the decrypted alert names the school, links to the alarm and says nothing about the family', async (t) => {
    const service = await startPushService(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')), jobs: { pollInterval: 50 }, push: pushTo(service) })
    const { visitId, schoolName } = await leoVisit(ctx.pool)
    const office = await signIn(ctx, 'office@westside.example')
    const phone = await turnOnAlerts(ctx, office, service)
    const visitor = await signIn(ctx, 'visitor@westside.example')

    await signOutOfSchool(visitor, visitId)
    ctx.clock.set(at('14:10'))
    await runDeadlines(ctx)
    const [prompt] = await eventually(async () => phone.received().length >= 1 && phone.received(), 10_000, 'the office prompt')
    assert.equal(prompt!.payload?.title, `${schoolName}: time to call the visitors on a home visit`)
    assert.equal(prompt!.payload?.url, 'http://localhost:3000/board')
    assert.equal(prompt!.ttl, 15 * 60, 'a prompt to call is worth nothing an hour later')

    ctx.clock.set(at('14:20'))
    await runDeadlines(ctx)
    const [alarm] = await alarmsOf(ctx.pool, visitId)
    assert.ok(alarm)
    const [, alert] = await eventually(async () => phone.received().length >= 2 && phone.received(), 10_000, 'the alarm alert')
    assert.deepEqual(Object.keys(alert!.payload ?? {}).sort(), ['body', 'tag', 'title', 'url', 'urgent'].sort())
    assert.equal(alert!.payload?.title, `Doorstep alarm at ${schoolName}: a home visit needs attention now`)
    assert.equal(alert!.payload?.body, 'Open Doorstep to see what to do.')
    assert.equal(alert!.payload?.url, `http://localhost:3000/alarms/${alarm.id}`)
    assert.equal(alert!.payload?.urgent, true)
    assert.equal(alert!.urgency, 'high')
    assert.equal(alert!.ttl, 12 * 3600)
    assert.equal(alert!.claims.aud, service.origin, 'VAPID signed for this push service')
    assertNoneOf(alert!.text, await secretsOf(ctx.pool, visitId), 'the decrypted alert')
    // The push service answers once it has the message; the row is written after that answer.
    await eventually(async () => (await deliveriesOf(ctx.pool, { alarmId: alarm.id, channel: 'push' }))[0]?.status === 'sent', 5_000, 'the delivery row to say sent')
    assert.equal(service.refusals.length, 0, JSON.stringify(service.refusals))
  })

  it('R-ESC-2 a browser that turned alerts off (410 Gone) loses its subscription; the person’s other browser still gets the alarm', async (t) => {
    const service = await startPushService(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')), jobs: { pollInterval: 50 }, push: pushTo(service) })
    const { visitId } = await leoVisit(ctx.pool)
    const office = await signIn(ctx, 'office@westside.example')
    const oldPhone = await turnOnAlerts(ctx, office, service)
    const laptop = await turnOnAlerts(ctx, office, service)
    service.unsubscribe(oldPhone.id)

    await signOutOfSchool(await signIn(ctx, 'visitor@westside.example'), visitId)
    const alarm = await missedCallAlarm(ctx, visitId)
    const laptopAlert = await eventually(async () => laptop.received().find((m) => m.payload?.url === `http://localhost:3000/alarms/${alarm.id}`), 10_000, 'the alarm on the laptop')
    assert.ok(laptopAlert)
    const endpoints = async () => (await ctx.pool.query<{ endpoint: string }>('SELECT endpoint FROM push_subscriptions ORDER BY endpoint')).rows.map((r) => r.endpoint)
    await eventually(async () => !(await endpoints()).includes(oldPhone.subscription.endpoint), 5_000, 'the gone subscription to be deleted')
    assert.deepEqual(await endpoints(), [laptop.subscription.endpoint])
    assert.ok(service.refusals.some((r) => r.browserId === oldPhone.id && r.status === 410))
    assert.equal(oldPhone.received().length, 0)
    const rows = await eventually(async () => {
      const found = await deliveriesOf(ctx.pool, { alarmId: alarm.id, channel: 'push' })
      return found.every((r) => r.status !== 'pending') && found
    }, 5_000, 'the delivery to be recorded')
    assert.deepEqual(rows.map((r) => [r.email, r.status]), [['office@westside.example', 'sent']])
  })

  it('R-ESC-2 a push service error (500) is retried until the alert gets through, and only the failing phone is sent it again', async (t) => {
    const service = await startPushService(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')), jobs: { pollInterval: 50 }, push: pushTo(service) })
    const { visitId } = await leoVisit(ctx.pool)
    const office = await signIn(ctx, 'office@westside.example')
    const phone = await turnOnAlerts(ctx, office, service)
    const laptop = await turnOnAlerts(ctx, office, service)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOutOfSchool(visitor, visitId)
    // Skip the 14:10 prompt: straight to the missed call, with the phone's push service failing twice.
    service.failNext(phone.id, 500, 503)
    const countedBefore = await pushFailuresCounted(ctx)
    const alarm = await missedCallAlarm(ctx, visitId)
    const forAlarm = (browser: PushBrowser) => browser.received().filter((m) => m.payload?.url === `http://localhost:3000/alarms/${alarm.id}`)

    const row = async () => (await deliveriesOf(ctx.pool, { alarmId: alarm.id, channel: 'push' }))[0]!
    const failed = await eventually(async () => {
      const current = await row()
      return current.status === 'failed' && current
    }, 10_000, 'the first attempt to fail')
    assert.equal(failed.lastError, 'The push service answered 500: Told to answer 500', 'the error, without the endpoint')
    assert.equal(forAlarm(laptop).length, 1, 'the laptop had it at once')
    assert.equal(forAlarm(phone).length, 0)
    assert.deepEqual(await deliveryFailuresByChannel(ctx.pool), { email: 0, push: 1 }, 'what a /metrics endpoint reads: one push delivery failing now')

    // Run each retry as soon as it is scheduled rather than 5 s and 10 s later.
    const sent = await eventually(async () => {
      await retryDeliveriesNow(ctx.pool)
      const current = await row()
      return current.status === 'sent' && current
    }, 15_000, 'the alert to get through')
    assert.equal(sent.attempts, 3, '500, 503, then delivered')
    assert.equal(forAlarm(phone).length, 1, 'the phone got it in the end, once')
    assert.equal(forAlarm(laptop).length, 1, 'the laptop was not alerted again by the retries')
    assert.deepEqual(service.refusals.map((r) => [r.browserId, r.status]), [[phone.id, 500], [phone.id, 503]])
    assert.equal((await pushFailuresCounted(ctx)) - countedBefore, 2, 'the failure counter counts each failed attempt, by channel')
    assert.deepEqual(await deliveryFailuresByChannel(ctx.pool), { email: 0, push: 0 })
  })
})
