import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf, userId, type Agent, type TestApp } from '../../../test/helpers.ts'
import { hashPassword } from '../auth/passwords.ts'
import { sweepExpired } from '../auth/sweep.ts'
import { school } from '../visits/fixtures.ts'
import { londonInstant } from '../visits/times.ts'

/**
 * The visitor's side of the day (decision 0018), through the pages: the day's panel on the visit page and
 * "Today" in the visits list (R-SIGN-1, R-CHECK-1), taps that count once however often a phone sends them,
 * the entry checklist at the door (R-ENTRY-1, R-TUTOR-1, R-ALERT-3), PINs and the duress PIN (R-ALERT-1),
 * and alarms that never show on the pages of the visitors they are about.
 * On the demo's approved Westside visit for Leo: leave school 13:30, visit 14:00–15:00, back 15:30, on the
 * test clock's day (Wednesday 25 November 2026; the clock stands at 10:00 London time).
 */

const TODAY = '2026-11-25'
const at = (time: string) => londonInstant(TODAY, time)
const allDay = { config: { session: { idleMinutes: 24 * 60, absoluteHours: 24 } } }
const allEntryChecks = ['invitedByResponsibleAdult', 'parentalResponsibilityPresent', 'notOnlyAChild', 'animalsOutOfRoom', 'idShown', 'purposeExplained']

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
  assert.equal(result.statusCode, status, textOf(result.body).slice(0, 800))
  return result
}

async function page(agent: Agent, url: string): Promise<string> {
  return textOf((await ok(agent.get(url), 200)).body)
}

async function stageOf(ctx: TestApp, visitId: string): Promise<{ status: string; stage: string | null }> {
  const { rows } = await ctx.pool.query<{ status: string; stage: string | null }>('SELECT status, stage FROM visits WHERE id = $1', [visitId])
  return rows[0]!
}

async function count(ctx: TestApp, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)
  return rows[0]!.n
}

async function signedOutAndArrived(ctx: TestApp, visitor: Agent, visitId: string): Promise<void> {
  ctx.clock.set(at('13:30'))
  await ok(visitor.post(`/visits/${visitId}/live/sign-out`))
  ctx.clock.set(at('13:58'))
  await ok(visitor.post(`/visits/${visitId}/live/arrived`))
}

describe("the visitor's side of the day", () => {
  it('R-SIGN-1 R-CHECK-1 the visit page opens with the day\'s panel on its day, and the visits list links today\'s visit straight to the day\'s page', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')

    const list = (await ok(visitor.get('/visits'), 200)).body
    assert.match(list, new RegExp(`<a class="govuk-button doorstep-today"[^>]* href="/visits/${visitId}/live">Today<span class="govuk-visually-hidden"> – the day of the visit to Leo Marsh</span></a>`))
    assert.equal((list.match(/doorstep-today"/g) ?? []).length, 1, 'only today\'s approved visit is marked')

    const before = await page(visitor, `/visits/${visitId}`)
    assert.match(before, /Home visit Leo Marsh Approved .* Today Not signed out yet Leave school at 13:30, visit 14:00 to 15:00, back at school by 15:30\. Sign out when you leave: Doorstep watches the visit from then\. Sign out of school/)
    // One tap on the visit page signs out; the day's page comes next, with the first check-in.
    ctx.clock.set(at('13:30'))
    const signedOut = await ok(visitor.post(`/visits/${visitId}/live/sign-out`))
    assert.equal(signedOut.headers.location, `/visits/${visitId}/live?done=sign-out`)
    const out = await page(visitor, `/visits/${visitId}`)
    assert.match(out, /Out on the visit Signed out of school Next: The office calls you at 14:10 .* We have arrived/)
    assert.match(out, /Check in now/)

    // The headteacher watches: the same panel, with the office's part.
    const head = await signIn(ctx, 'head@westside.example')
    assert.match(await page(head, `/visits/${visitId}`), /Out on the visit Signed out of school .* For the office/)
  })

  it('R-SIGN-1 a visit cannot be signed out before its day, and shows no panel until then', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    // The same visit, a week later.
    await ctx.pool.query(
      `UPDATE visits SET planned_start = planned_start + interval '7 days', planned_end = planned_end + interval '7 days',
              leave_school_at = leave_school_at + interval '7 days', arrive_at = arrive_at + interval '7 days',
              finish_at = finish_at + interval '7 days', back_at_school_at = back_at_school_at + interval '7 days' WHERE id = $1`,
      [visitId],
    )
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const visitPage = await page(visitor, `/visits/${visitId}`)
    assert.doesNotMatch(visitPage, /Sign out of school/)
    assert.doesNotMatch((await visitor.get('/visits')).body, /doorstep-today"/)

    const early = await visitor.post(`/visits/${visitId}/live/sign-out`)
    assert.equal(early.statusCode, 409)
    assert.match(textOf(early.body), /There is a problem This visit is planned for 2 December 2026\. Sign out on that day/)
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'approved', stage: null })
  })

  it('R-CHECK-1 R-SIGN-1 a step or an alarm a phone sends again with the same reference is recorded once, and answered as done', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signedOutAndArrived(ctx, visitor, visitId)

    for (let i = 0; i < 2; i++) {
      const waiting = await ok(visitor.post(`/visits/${visitId}/live/waiting`, { clientRef: 'tap-waiting-0001' }))
      assert.equal(waiting.headers.location, `/visits/${visitId}/live?done=waiting`)
    }
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'in_progress', stage: 'waiting_for_parents' })
    assert.equal(await count(ctx, "visit_events WHERE visit_id = $1 AND kind = 'live.wait_for_parents'", [visitId]), 1)
    // Without the reference a second tap is a second tap: refused, since the visit has moved on.
    assert.equal((await visitor.post(`/visits/${visitId}/live/waiting`)).statusCode, 409)

    for (let i = 0; i < 3; i++) {
      await ok(visitor.post(`/visits/${visitId}/alarms`, { kind: 'silent_alarm', clientRef: 'tap-silent-0001' }))
    }
    assert.equal(await count(ctx, 'alarms WHERE visit_id = $1', [visitId]), 1, 'one silent alarm')

    for (let i = 0; i < 2; i++) await ok(visitor.post(`/visits/${visitId}/check-ins`, { clientRef: 'tap-check-0001' }))
    assert.equal(await count(ctx, "check_ins WHERE visit_id = $1 AND channel = 'app' AND client_ref = 'tap-check-0001'", [visitId]), 1)
  })

  it('R-ALERT-1 a silent alarm never shows on the visitor\'s pages, nor is a visitor who is the DSL alerted by it; the office sees it in the history', async (t) => {
    const ctx = await testApp(t, allDay)
    const { schoolId, visitId } = await leoVisit(ctx)
    // The DSL goes on the visit as the second visitor.
    const dslId = await userId(ctx.pool, 'dsl@westside.example')
    await ctx.pool.query(`DELETE FROM visit_staff WHERE visit_id = $1 AND role_on_visit = 'second'`, [visitId])
    await ctx.pool.query(`INSERT INTO visit_staff (school_id, visit_id, user_id, role_on_visit, mobile) VALUES ($1, $2, $3, 'second', '07700 900123')`, [schoolId, visitId, dslId])
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${visitId}/live/sign-out`))
    await ok(dsl.post(`/visits/${visitId}/alarms`, { kind: 'silent_alarm' }))

    for (const [agent, who] of [[visitor, 'the visitor'], [dsl, 'the DSL on the visit']] as const) {
      for (const url of [`/visits/${visitId}`, `/visits/${visitId}/live?done=saved`, '/notifications']) {
        assert.doesNotMatch(await page(agent, url), /alarm/i, `${who}: ${url}`)
      }
      const api = await agent.json('GET', `/api/v1/schools/${schoolId}/visits/${visitId}`)
      assert.equal(api.statusCode, 200)
      assert.doesNotMatch(api.body, /alarm/i, `${who}: the visit over the API`)
    }
    const alerted = await ctx.pool.query<{ email: string }>('SELECT DISTINCT u.email FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.visit_id = $1 ORDER BY 1', [visitId])
    assert.ok(!alerted.rows.some((row) => row.email === 'dsl@westside.example'), 'the DSL on the visit is not alerted')
    assert.ok(alerted.rows.some((row) => row.email === 'office@westside.example'))
    assert.ok(alerted.rows.some((row) => row.email === 'deputy.dsl@westside.example' || row.email === 'head@westside.example'), 'the others are')

    const history = await page(office, `/visits/${visitId}`)
    assert.match(history, /Silent alarm: .* pressed the silent alarm/)
    assert.match(history, /Alarms Open Silent alarm, raised 13:30/)
  })

  it('R-ENTRY-1 R-ALERT-3 the go-in form shows every problem at once, points "only a child at home" to "Child alone at home", keeps the answers, and saves nothing', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signedOutAndArrived(ctx, visitor, visitId)

    const refused = await visitor.post(`/visits/${visitId}/live/go-in`, { entry: ['invitedByResponsibleAdult', 'idShown'] })
    assert.equal(refused.statusCode, 400)
    assert.match(refused.body, /<a href="#child-alone">Do not go in if only a child is at home: leave, and tell the safeguarding team straight away with &quot;Child alone at home&quot;<\/a>/)
    assert.match(refused.body, /<a href="#entry">Go in only when every check is true: 3 are not ticked yet<\/a>/)
    assert.match(refused.body, /id="child-alone"/, 'the button the error links to is on the page')
    assert.match(refused.body, /id="entry" name="entry" type="checkbox" value="invitedByResponsibleAdult" checked/)
    assert.match(refused.body, /value="idShown" checked/)
    assert.doesNotMatch(refused.body, /value="notOnlyAChild" checked/)
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'in_progress', stage: 'arrived' })

    await ok(visitor.post(`/visits/${visitId}/live/go-in`, { entry: allEntryChecks }))
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'in_progress', stage: 'in_home' })
    assert.match(await page(visitor, `/visits/${visitId}/live`), /Check-ins and calls 13:58 Sam Carter: arrived 13:30 Sam Carter: signed out of school/)
  })

  it('R-TUTOR-1 a tutoring visit asks for an appropriate adult, the room (the bedroom only with a reason) and the open door, per the policy', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    await ctx.pool.query(`UPDATE visits SET purpose_id = 'tutoring' WHERE id = $1`, [visitId])
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signedOutAndArrived(ctx, visitor, visitId)
    assert.match(await page(visitor, `/visits/${visitId}/live`), /Is an appropriate adult in the home throughout\? .* Which room are you using\? .* Will the door be kept open\?/)

    const nothing = await visitor.post(`/visits/${visitId}/live/go-in`, { entry: allEntryChecks, tutoringAsked: 'yes' })
    assert.equal(nothing.statusCode, 400)
    assert.match(textOf(nothing.body), /There is a problem Say whether an appropriate adult is in the home throughout Choose the room you are using Say whether the door will be kept open/)
    for (const id of ['tutoring-appropriateAdultPresent', 'tutoring-room', 'tutoring-doorKeptOpen']) assert.match(nothing.body, new RegExp(`href="#${id}"`))

    const bedroom = await visitor.post(`/visits/${visitId}/live/go-in`, { entry: allEntryChecks, tutoringAsked: 'yes', appropriateAdultPresent: 'yes', room: 'bedroom', doorKeptOpen: 'no' })
    assert.equal(bedroom.statusCode, 400)
    assert.match(textOf(bedroom.body), /There is a problem Say why the pupil's bedroom is the only suitable room Keep the door of the room open/)
    assert.match(bedroom.body, /name="room" type="radio" value="bedroom" checked/, 'the answers are kept')
    assert.match(bedroom.body, /name="appropriateAdultPresent" type="radio" value="yes" checked/)
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'in_progress', stage: 'arrived' })

    await ok(visitor.post(`/visits/${visitId}/live/go-in`, { entry: allEntryChecks, tutoringAsked: 'yes', appropriateAdultPresent: 'yes', room: 'bedroom', bedroomReason: 'The flat has one other room, where the baby sleeps', doorKeptOpen: 'yes' }))
    const { rows } = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM visit_events WHERE visit_id = $1 AND kind = 'live.go_in'`, [visitId])
    assert.deepEqual(rows.map((r) => r.summary), ["Went in for tutoring (room: the pupil's bedroom, because The flat has one other room, where the baby sleeps)"])
  })

  it('R-ALERT-1 with PINs set, ending a visit asks for one; the duress PIN ends it exactly like the visit PIN on screen and raises a silent alarm', async (t) => {
    const ctx = await testApp(t, allDay)
    const { visitId } = await leoVisit(ctx)
    await ctx.pool.query('UPDATE users SET visit_pin_hash = $2, duress_pin_hash = $3 WHERE email = $1', ['visitor@westside.example', await hashPassword('2468'), await hashPassword('1357')])
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signedOutAndArrived(ctx, visitor, visitId)
    await ok(visitor.post(`/visits/${visitId}/live/go-in`, { entry: allEntryChecks }))
    ctx.clock.set(at('15:00'))
    assert.match(await page(visitor, `/visits/${visitId}/live`), /Your PIN We have left the address/)

    const none = await visitor.post(`/visits/${visitId}/live/left`)
    assert.equal(none.statusCode, 400)
    assert.match(textOf(none.body), /There is a problem Enter your PIN to confirm/)
    const wrong = await visitor.post(`/visits/${visitId}/live/left`, { pin: '0000' })
    assert.equal(wrong.statusCode, 400)
    assert.match(textOf(wrong.body), /That PIN is not right\. Try again/)
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'in_progress', stage: 'in_home' })

    const normal = await ok(visitor.post(`/visits/${visitId}/live/left`, { pin: '2468' }))
    ctx.clock.set(at('15:25'))
    const duress = await ok(visitor.post(`/visits/${visitId}/live/back-at-school`, { pin: '1357' }))
    assert.equal(normal.headers.location, `/visits/${visitId}/live?done=left`)
    assert.equal(duress.headers.location, `/visits/${visitId}/live?done=back-at-school`, 'the same answer as an ordinary ending')
    assert.deepEqual(await stageOf(ctx, visitId), { status: 'completed', stage: null })
    const after = await page(visitor, `/visits/${visitId}/live?done=back-at-school`)
    assert.match(after, /Back at school: recorded\./)
    assert.doesNotMatch(after, /alarm/i)
    assert.doesNotMatch(await page(visitor, `/visits/${visitId}`), /alarm|duress/i)

    const alarms = await ctx.pool.query<{ kind: string; priority: string; closed: boolean }>('SELECT kind, priority, closed_at IS NOT NULL AS closed FROM alarms WHERE visit_id = $1', [visitId])
    assert.deepEqual(alarms.rows, [{ kind: 'duress', priority: 'top', closed: false }])
    const office = await signIn(ctx, 'office@westside.example')
    assert.match(await page(office, '/notifications'), /Urgent Doorstep alarm at Westside School: a home visit needs attention now/)
  })

  it('R-SIGN-1 R-ALERT-1 a visitor out on a visit stays signed in however long the phone lies idle; once back, the idle limit applies again', async (t) => {
    const ctx = await testApp(t) // sessions end after 30 idle minutes
    const { visitId } = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('10:20'))
    await ok(visitor.get(`/visits/${visitId}/live`), 200)
    ctx.clock.set(at('13:30'))
    assert.equal((await visitor.post(`/visits/${visitId}/live/sign-out`)).statusCode, 403, 'idle for three hours before leaving: signed out')
    const again = await signIn(ctx, 'visitor@westside.example')
    await ok(again.post(`/visits/${visitId}/live/sign-out`))

    // Ninety minutes in a pocket, and the hourly sweep in between: the silent alarm still goes at the first tap.
    ctx.clock.set(at('15:00'))
    assert.deepEqual(await sweepExpired(ctx.pool, ctx.clock(), ctx.config), { sessions: 1, apiTokens: 0, signInDevices: 0, clientTokens: 0 }, 'the idle office session goes; the visitor\'s stays')
    await ok(again.post(`/visits/${visitId}/alarms`, { kind: 'silent_alarm' }))
    assert.equal(await count(ctx, "alarms WHERE visit_id = $1 AND kind = 'silent_alarm'", [visitId]), 1)
    assert.equal((await office.get('/notifications')).statusCode, 302, 'the office, not on a visit, was signed out when idle')

    // Back at school: an ordinary session again.
    ctx.clock.set(at('15:25'))
    await ok(again.post(`/visits/${visitId}/live/back-at-school`))
    ctx.clock.set(at('16:00'))
    assert.equal((await again.get('/visits')).statusCode, 302)
  })

  it('serves the phone page\'s scripts as JavaScript with their types stripped, and nothing else from src/client', async (t) => {
    const ctx = await testApp(t)
    const live = await ctx.app.inject({ method: 'GET', url: '/assets/client/live.ts' })
    assert.equal(live.statusCode, 200)
    assert.match(String(live.headers['content-type']), /^text\/javascript/)
    assert.match(live.body, /from '\.\/taps\.ts'/)
    assert.doesNotMatch(live.body, /: Tap\b|type Note =/, 'no type annotations left')
    assert.match((await ctx.app.inject({ method: 'GET', url: '/assets/app.js' })).body, /import '\/assets\/client\/live\.ts'/)
    for (const url of ['/assets/client/taps.test.ts', '/assets/client/..%2Fserver.ts', '/assets/client/nothing.ts', '/assets/client/live.js']) {
      assert.equal((await ctx.app.inject({ method: 'GET', url })).statusCode, 404, url)
    }
  })
})
