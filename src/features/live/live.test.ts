import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { londonInstant } from '../visits/times.ts'
import { runningClock } from '../../../test/clock.ts'
import { runDeadlines, signIn, testApp, textOf, tick, userId, type Agent, type TestApp } from '../../../test/helpers.ts'
import { school } from '../visits/fixtures.ts'
import { runDeadline } from './write-path.ts'

/**
 * The day of a visit (R-SIGN, R-CHECK, R-WAIT, R-ESC, R-ALERT) through the pages, on the demo's approved
 * Westside visit for Leo: leave school 13:30, visit 14:00–15:00, back 15:30 (the test clock's day,
 * 25 November 2026). Westside's policy: the office calls ten minutes after the scheduled start, visitors
 * sign back in on return; a check-in more than 10 minutes late starts the ladder: the office (at once),
 * the headteacher (10 minutes later), the headteacher to consider the police (15 minutes later), each
 * re-alerting every 5 minutes until acknowledged.
 */

const TODAY = '2026-11-25'
const at = (time: string) => londonInstant(TODAY, time)
const MINUTE = 60_000
// These tests jump hours through a day; sessions last the day (the board keeps its own alive by refreshing).
const allDay = { config: { session: { idleMinutes: 24 * 60, absoluteHours: 24 } } }

async function leoVisit(ctx: TestApp): Promise<{ schoolId: string; visitId: string }> {
  const westside = await school(ctx, 'westside')
  const { rows } = await ctx.pool.query<{ id: string }>(
    `SELECT v.id FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE v.school_id = $1 AND v.status = 'approved' AND p.first_name = 'Leo'`,
    [westside.id],
  )
  assert.ok(rows[0], 'the demo has an approved visit for Leo today')
  return { schoolId: westside.id, visitId: rows[0].id }
}

async function ok(response: Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>, status = 303) {
  const result = await response
  assert.equal(result.statusCode, status, textOf(result.body).slice(0, 600))
  return result
}

async function events(ctx: TestApp, visitId: string, prefix: string): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM visit_events WHERE visit_id = $1 AND kind LIKE $2 ORDER BY id`, [visitId, `${prefix}%`])
  return rows.map((row) => row.summary)
}

async function alarmSteps(ctx: TestApp, visitId: string) {
  const { rows } = await ctx.pool.query<{ alarmId: string; number: number; realerts: number; acknowledged: boolean; recipients: string[] }>(
    `SELECT a.id AS "alarmId", s.number, s.realerts, s.acknowledged_at IS NOT NULL AS acknowledged, s.recipients
       FROM alarms a JOIN alarm_steps s ON s.alarm_id = a.id WHERE a.visit_id = $1 ORDER BY a.raised_at, s.number`,
    [visitId],
  )
  return rows
}

async function notificationsOf(ctx: TestApp, email: string): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ title: string }>('SELECT title FROM notifications WHERE user_id = $1 ORDER BY created_at, id', [await userId(ctx.pool, email)])
  return rows.map((row) => row.title)
}

async function signOut(ctx: TestApp, visitor: Agent, visitId: string) {
  ctx.clock.set(at('13:30'))
  await ok(visitor.post(`/visits/${visitId}/live/sign-out`))
}

describe('the day of the visit', () => {
  it('R-SIGN-1 R-CHECK-2 the visitor signs out, the office is prompted to call ten minutes into the scheduled start and records the call, the visitor signs back in', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')

    await signOut(ctx, visitor, visitId)
    const page = textOf((await ok(visitor.get(`/visits/${visitId}/live?done=sign-out`), 200)).body)
    assert.match(page, /Sign out of school: recorded\./)
    assert.match(page, /Signed out of school/)
    assert.match(page, /Next: The office calls you at 14:10/)
    assert.match(page, /back at school by 15:30/)

    await tick(ctx, 39 * MINUTE) // 14:09: not yet
    assert.deepEqual(await events(ctx, visitId, 'check_in.office_prompted'), [])
    await tick(ctx, 1 * MINUTE) // 14:10
    assert.deepEqual(await events(ctx, visitId, 'check_in.office_prompted'), ['Prompted the office to call the visitors (office call to the visitors, due at 14:10)'])
    assert.deepEqual(await notificationsOf(ctx, 'office@westside.example'), ['Westside School: time to call the visitors on a home visit'])
    await runDeadlines(ctx) // a deadline that runs twice does it once
    assert.equal((await notificationsOf(ctx, 'office@westside.example')).length, 1)

    await tick(ctx, 2 * MINUTE)
    await ok(office.post(`/visits/${visitId}/office-contacts`, { channel: 'phone_call', answered: 'yes', note: 'All fine, in the home' }))
    const afterCall = textOf((await office.get(`/visits/${visitId}/live`)).body)
    assert.match(afterCall, /Next: Back at school by 15:30/)

    ctx.clock.set(at('15:25'))
    await ok(visitor.post(`/visits/${visitId}/live/back-at-school`))
    const { rows } = await ctx.pool.query<{ status: string; stage: string | null }>('SELECT status, stage FROM visits WHERE id = $1', [visitId])
    assert.deepEqual(rows[0], { status: 'cancelled', stage: null }, 'they never went in: recorded as no contact')
    const jobs = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key LIKE $1`, [`visit:${visitId}:%`])
    assert.equal(jobs.rows[0]!.n, 0, 'no deadlines are left once monitoring ends')
    assert.deepEqual(await events(ctx, visitId, 'live.'), ['Signed out of school', 'Back at school'])
  })

  it('R-ESC-1 R-ESC-2 R-ESC-4 a missed return starts the ladder at its times; re-alerts until acknowledged; "no answer" moves on at once; only "visitors safe" ends it', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const head = await signIn(ctx, 'head@westside.example')
    await signOut(ctx, visitor, visitId)
    await ok(visitor.post(`/visits/${visitId}/live/arrived`))
    ctx.clock.set(at('14:01'))
    await ok(visitor.post(`/visits/${visitId}/live/go-in`, { entry: ['invitedByResponsibleAdult', 'parentalResponsibilityPresent', 'notOnlyAChild', 'animalsOutOfRoom', 'idShown', 'purposeExplained'] }))
    ctx.clock.set(at('14:12'))
    await ok(office.post(`/visits/${visitId}/office-contacts`, { channel: 'phone_call', answered: 'yes' }))

    // Due back 15:30; overdue after the 10-minute grace.
    ctx.clock.set(at('15:39'))
    await runDeadlines(ctx)
    assert.deepEqual(await alarmSteps(ctx, visitId), [])
    await tick(ctx, 1 * MINUTE) // 15:40
    let steps = await alarmSteps(ctx, visitId)
    assert.equal(steps.length, 1)
    assert.equal(steps[0]!.number, 1)
    assert.match((await events(ctx, visitId, 'alarm.raised'))[0]!, /Missed check-in: back at school was due at 15:30/)
    assert.ok((await notificationsOf(ctx, 'office@westside.example')).includes('Doorstep alarm at Westside School: a home visit needs attention now'))
    assert.deepEqual(await notificationsOf(ctx, 'head@westside.example'), [], 'the headteacher is the second step, 10 minutes on')

    await tick(ctx, 5 * MINUTE) // 15:45: step 1 re-alerts
    steps = await alarmSteps(ctx, visitId)
    assert.equal(steps[0]!.realerts, 1)
    await runDeadlines(ctx)
    assert.equal((await alarmSteps(ctx, visitId))[0]!.realerts, 1, 'a re-alert happens once')

    // The office tried the visitors: no answer → the headteacher is alerted at once, not at 15:50.
    ctx.clock.set(at('15:46'))
    const alarmId = steps[0]!.alarmId
    const alarmPage = textOf((await ok(office.get(`/alarms/${alarmId}`), 200)).body)
    assert.match(alarmPage, /Step 1: try to reach each visitor by phone/)
    assert.match(alarmPage, /Information sheet for the police/)
    await ok(office.post(`/alarms/${alarmId}/steps/1/acknowledge`, { outcome: 'no_answer', note: 'Both mobiles went to voicemail' }))
    steps = await alarmSteps(ctx, visitId)
    assert.deepEqual(steps.map((s) => [s.number, s.acknowledged]), [[1, true], [2, false]])
    assert.ok((await notificationsOf(ctx, 'head@westside.example')).includes('Doorstep alarm at Westside School: a home visit needs attention now'))

    // An acknowledgement by someone the step is not for is refused, and changes nothing.
    const visitorTry = await visitor.post(`/alarms/${alarmId}/steps/2/acknowledge`, { outcome: 'decided' })
    assert.equal(visitorTry.statusCode, 404, 'a visitor cannot see or acknowledge the alarm')
    const bad = await head.post(`/alarms/${alarmId}/steps/2/acknowledge`, { outcome: 'police_called' })
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem Enter the police reference number/)

    // Time goes on with nobody saying the visitors are safe: the ladder keeps going.
    await tick(ctx, 30 * MINUTE)
    steps = await alarmSteps(ctx, visitId)
    assert.deepEqual(steps.map((s) => s.number), [1, 2, 3])
    assert.ok(steps[1]!.realerts >= 5, 'an unacknowledged step keeps re-alerting')

    await ok(head.post(`/alarms/${alarmId}/safe`, { how: 'spoke_to_visitor', note: 'Spoke to Sam: the car broke down, both safe' }))
    const closed = await ctx.pool.query<{ closedByName: string; closedHow: string }>('SELECT closed_by_name AS "closedByName", closed_how AS "closedHow" FROM alarms WHERE id = $1', [alarmId])
    assert.equal(closed.rows[0]!.closedHow, 'spoke_to_visitor')
    const realertsAtClose = (await alarmSteps(ctx, visitId)).map((s) => s.realerts)
    // Safe, but not back: Doorstep keeps watching, expecting them back one check-in interval (2 hours) from now.
    assert.match(textOf((await visitor.get(`/visits/${visitId}/live`)).body), /back at school by 18:16/)
    await tick(ctx, 30 * MINUTE)
    assert.deepEqual((await alarmSteps(ctx, visitId)).map((s) => s.realerts), realertsAtClose, 'a closed alarm alerts nobody')

    // Still not back by 18:16 (+10 minutes' grace): a new alarm. The office sees them walk in and says so: monitoring ends.
    ctx.clock.set(at('18:26'))
    await runDeadlines(ctx)
    const open = await ctx.pool.query<{ id: string }>('SELECT id FROM alarms WHERE visit_id = $1 AND closed_at IS NULL', [visitId])
    assert.equal(open.rows.length, 1)
    await ok(office.post(`/alarms/${open.rows[0]!.id}/safe`, { how: 'visitor_back_at_school' }))
    const done = await ctx.pool.query<{ status: string }>('SELECT status FROM visits WHERE id = $1', [visitId])
    assert.equal(done.rows[0]!.status, 'completed')
  })

  it('R-WAIT-1 after the wait limit the visitors are told to leave and the visit has no contact', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOut(ctx, visitor, visitId)
    ctx.clock.set(at('13:55'))
    await ok(visitor.post(`/visits/${visitId}/live/arrived`))
    await ok(visitor.post(`/visits/${visitId}/live/waiting`))
    assert.match(textOf((await visitor.get(`/visits/${visitId}/live`)).body), /Wait until 14:20 at the latest/)
    ctx.clock.set(at('14:19'))
    await runDeadlines(ctx)
    assert.deepEqual(await events(ctx, visitId, 'live.wait_limit'), [])
    await tick(ctx, MINUTE)
    assert.deepEqual(await events(ctx, visitId, 'live.wait_limit'), ['The parents were not there after 20 minutes: the visitors were told to leave; the visit is recorded as no contact'])
    assert.ok((await notificationsOf(ctx, 'visitor@westside.example')).includes('Westside School: the wait is over, please leave now'))
  })

  it('R-APPROVE-1 a visit that is not approved cannot be signed out; a check-in on a visit not in progress is refused and changes nothing', async (t) => {
    const ctx = await testApp(t, allDay)
    const westside = await school(ctx, 'westside')
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM visits WHERE school_id = $1 AND status = 'awaiting_approval' LIMIT 1`, [westside.id])
    const visitor = await signIn(ctx, 'head@westside.example')
    const refused = await visitor.post(`/visits/${rows[0]!.id}/live/sign-out`)
    assert.equal(refused.statusCode, 409)
    assert.match(textOf(refused.body), /This visit cannot start until it is approved/)
    const { visitId } = await leoVisit(ctx)
    const leoVisitor = await signIn(ctx, 'visitor@westside.example')
    const early = await leoVisitor.post(`/visits/${visitId}/check-ins`)
    assert.equal(early.statusCode, 409)
    assert.match(textOf(early.body), /not in progress/)
    const count = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM check_ins')
    assert.equal(count.rows[0]!.n, 0)
  })

  it('R-ALERT-1 the silent alarm alerts the office and the DSL at once, and the visitor\'s page does not show it', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOut(ctx, visitor, visitId)
    const pressed = await ok(visitor.post(`/visits/${visitId}/alarms`, { kind: 'silent_alarm' }))
    assert.equal(pressed.headers.location, `/visits/${visitId}/live?done=saved`)
    const page = textOf((await visitor.get(`/visits/${visitId}/live?done=saved`)).body)
    assert.doesNotMatch(page, /alarm/i)
    assert.ok((await notificationsOf(ctx, 'office@westside.example')).some((title) => title.startsWith('Doorstep alarm')))
    assert.ok((await notificationsOf(ctx, 'dsl@westside.example')).some((title) => title.startsWith('Doorstep alarm')))
    assert.ok((await notificationsOf(ctx, 'head@westside.example')).some((title) => title.startsWith('Doorstep alarm')), 'every step at once')
  })

  it('R-CHECK-1 a check-in with a location is recorded once however often the phone retries it; a location that is not a place is refused', async (t) => {
    const ctx = await testApp(t, allDay)
    const { schoolId, visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOut(ctx, visitor, visitId)
    const url = `/api/v1/schools/${schoolId}/visits/${visitId}/check-ins`
    const first = await visitor.json('POST', url, { location: { latitude: 51.5072, longitude: -0.2311 }, clientRef: 'tap-0001-abcd' })
    assert.equal(first.statusCode, 201, first.body)
    const again = await visitor.json('POST', url, { location: { latitude: 51.5072, longitude: -0.2311 }, clientRef: 'tap-0001-abcd' })
    assert.equal(again.statusCode, 201)
    assert.equal(JSON.parse(again.body).duplicate, true)
    const nowhere = await visitor.json('POST', url, { location: { latitude: 123, longitude: 0 } })
    assert.equal(nowhere.statusCode, 400)
    assert.match(nowhere.body, /not a place on Earth/)
    const count = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM check_ins WHERE channel = 'app' AND kind IS DISTINCT FROM 'leaving_school'`)
    assert.equal(count.rows[0]!.n, 1)
  })
})

describe('durable deadlines with the real worker', () => {
  it('R-ESC-1 R-ESC-2 a deadline set in the database fires through graphile-worker, once', async (t) => {
    const clock = runningClock(at('13:30'))
    const ctx = await testApp(t, { ...allDay, clock, jobs: { pollInterval: 50 } })
    const { schoolId, visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await ok(visitor.post(`/visits/${visitId}/live/sign-out`))
    // Jump to just before the office call is due; the visit's deadlines are set again from there.
    clock.set(new Date(at('14:10').getTime() - 800))
    await runDeadline(ctx.app.deps, { schoolId, visitId })
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && (await events(ctx, visitId, 'check_in.office_prompted')).length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal((await events(ctx, visitId, 'check_in.office_prompted')).length, 1, 'the worker prompted the office')
  })
})
