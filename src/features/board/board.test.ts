import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildApp } from '../../app.ts'
import { createPool } from '../../db/pool.ts'
import { hashPassword } from '../auth/passwords.ts'
import { londonInstant } from '../visits/times.ts'
import { school } from '../visits/fixtures.ts'
import { runDeadlines, signIn, testApp, textOf, tick, userId, type Agent, type TestApp } from '../../../test/helpers.ts'
import { openBoardStreams } from './routes.ts'

/**
 * The office board (R-SIGN-1, R-CHECK-2, R-ESC-1..3) through Leo's day at Westside (the demo's approved
 * visit today, 25 November 2026: leave school 13:30, visit 14:00–15:00, back 15:30). Westside's policy:
 * the office calls ten minutes after the scheduled start; the visitors sign back in on return; a
 * check-in 10 minutes late raises the alarm: step 1 the office phones the visitors (at once), step 2 the
 * headteacher decides (10 minutes on), step 3 the headteacher considers the police; every step
 * re-alerts every 5 minutes until someone acknowledges it.
 */

const TODAY = '2026-11-25'
const at = (time: string) => londonInstant(TODAY, time)
const MINUTE = 60_000
const allDay = { config: { session: { idleMinutes: 24 * 60, absoluteHours: 24 } } }
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const everyCheck = ['invitedByResponsibleAdult', 'parentalResponsibilityPresent', 'notOnlyAChild', 'animalsOutOfRoom', 'idShown', 'purposeExplained']

type Leo = { schoolId: string; visitId: string; lead: { name: string; mobile: string }; second: { name: string; mobile: string }; town: string; postcode: string; line1: string }

async function leoVisit(ctx: TestApp): Promise<Leo> {
  const westside = await school(ctx, 'westside')
  const { rows } = await ctx.pool.query<{ id: string; town: string; postcode: string; line1: string }>(
    `SELECT v.id, a.town, a.postcode, a.line1 FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
       JOIN addresses a ON a.id = v.address_id
      WHERE v.school_id = $1 AND v.status = 'approved' AND p.first_name = 'Leo'`,
    [westside.id],
  )
  assert.ok(rows[0], 'the demo has an approved visit for Leo today')
  const staff = await ctx.pool.query<{ role: string; name: string; mobile: string }>(
    `SELECT vs.role_on_visit AS role, u.name, coalesce(vs.mobile, u.mobile) AS mobile FROM visit_staff vs JOIN users u ON u.id = vs.user_id WHERE vs.visit_id = $1`,
    [rows[0].id],
  )
  const lead = staff.rows.find((s) => s.role === 'lead')!
  const second = staff.rows.find((s) => s.role === 'second')!
  assert.ok(lead.mobile && second.mobile, 'both visitors have a mobile number held')
  return { schoolId: westside.id, visitId: rows[0].id, lead, second, town: rows[0].town, postcode: rows[0].postcode, line1: rows[0].line1 }
}

/** A second visit like Leo's, `minutes` later, approved the same way (its plan, people, risk assessment and approvals copied). */
async function anotherVisit(ctx: TestApp, leo: Leo, minutes: number): Promise<string> {
  const shift = `${minutes} minutes`
  const { rows } = await ctx.pool.query<{ id: string }>(
    `INSERT INTO visits
     SELECT (jsonb_populate_record(NULL::visits, to_jsonb(v) || jsonb_build_object(
               'id', gen_random_uuid(),
               'planned_start', v.planned_start + $2::interval, 'planned_end', v.planned_end + $2::interval,
               'leave_school_at', v.leave_school_at + $2::interval, 'arrive_at', v.arrive_at + $2::interval,
               'finish_at', v.finish_at + $2::interval, 'back_at_school_at', v.back_at_school_at + $2::interval))).*
       FROM visits v WHERE v.id = $1
     RETURNING id`,
    [leo.visitId, shift],
  )
  const id = rows[0]!.id
  for (const table of ['visit_pupils', 'visit_contacts', 'visit_staff', 'risk_assessments', 'visit_decisions']) {
    const columns = await ctx.pool.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name <> 'visit_id' AND NOT (column_name = 'id' AND column_default IS NOT NULL) ORDER BY ordinal_position`,
      [table],
    )
    const list = columns.rows.map((c) => `"${c.name}"`).join(', ')
    await ctx.pool.query(`INSERT INTO ${table} (visit_id, ${list}) SELECT $2, ${list} FROM ${table} WHERE visit_id = $1`, [leo.visitId, id])
  }
  return id
}

async function ok(response: Promise<{ statusCode: number; body: string }>, status = 303) {
  const result = await response
  assert.equal(result.statusCode, status, textOf(result.body).slice(0, 600))
  return result
}

/** What a person reads on their board now. */
async function boardText(agent: Agent): Promise<string> {
  const response = await agent.get('/board')
  assert.equal(response.statusCode, 200, textOf(response.body).slice(0, 400))
  return textOf(response.body)
}

/** The text of each visit's card, in the order the board shows them. */
async function cards(agent: Agent): Promise<string[]> {
  const response = await agent.get('/board?part=list')
  assert.equal(response.statusCode, 200)
  return [...response.body.matchAll(/<section class="doorstep-board-visit[\s\S]*?<\/section>/g)].map((m) => textOf(m[0]))
}

async function boardData(agent: Agent): Promise<Record<string, string>> {
  const response = await agent.get('/board?part=list')
  const tag = /<div id="board-list"[^>]*>/.exec(response.body)?.[0] ?? ''
  return Object.fromEntries([...tag.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
}

async function alarmOf(ctx: TestApp, visitId: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM alarms WHERE visit_id = $1 AND closed_at IS NULL ORDER BY raised_at LIMIT 1', [visitId])
  assert.ok(rows[0], 'an alarm is open')
  return rows[0].id
}

describe('the office board through a visit’s day', () => {
  it('R-SIGN-1 R-CHECK-2 R-ESC-1 R-ESC-2 shows who is out, where, when each is next due, the last contact and what to do now, at each moment of the day', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const head = await signIn(ctx, 'head@westside.example')
    const district = leo.postcode.split(' ')[0]!

    // 10:00: approved for today, not out yet.
    const morning = await office.get('/board')
    assert.equal(morning.headers['cache-control'], 'private, no-store')
    let text = textOf(morning.body)
    assert.match(text, /Office board/)
    assert.match(text, /Nobody is out on a home visit now, and no alarm is open/)
    assert.match(text, new RegExp(`Not signed out yet ${esc(leo.lead.name)} and ${esc(leo.second.name)} ?, ${esc(leo.town)}, ${district}: not signed out yet; due to leave at 13:30 \\(in 3 hours 30 minutes\\)`))
    assert.match(text, /0 open alarms\. 0 visits out\. 1 visit still to sign out today\./)

    // 13:45: they were due to leave at 13:30 and have not signed out.
    ctx.clock.set(at('13:45'))
    assert.match(await boardText(office), /not signed out yet; was due to leave at 13:30 \(15 minutes ago\)\. Check whether the visit is going ahead/)

    // 13:50: signed out, 20 minutes late: the times move with them.
    ctx.clock.set(at('13:50'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    let [card] = await cards(office)
    assert.ok(card)
    assert.match(card, new RegExp(`^${esc(leo.lead.name)} and ${esc(leo.second.name)} ?: On schedule On schedule ${esc(leo.town)}, ${district} · Signed out of school`))
    assert.match(card, /What to do now Nothing to do yet: call the visitors at 14:30 \(in 40 minutes\)/)
    assert.match(card, new RegExp(esc(`Call ${leo.lead.name}: ${leo.lead.mobile} Call ${leo.second.name}: ${leo.second.mobile}`)))
    assert.match(card, /Next due Office call at 14:30 \(in 40 minutes\)/)
    assert.match(card, /Last contact 13:50 \(now\)/)
    assert.match(card, /Expected Leaving the address by 15:20, back at school by 15:50/)
    assert.doesNotMatch(card, new RegExp(esc(leo.line1)), 'the summary shows the town and district, not the street')
    const list = (await office.get('/board?part=list')).body
    assert.match(list, new RegExp(`href="tel:${leo.lead.mobile.replace(/[^\d+]/g, '')}"`), 'each mobile is a tel: link')
    assert.match(list, new RegExp(`href="/visits/${leo.visitId}/police-sheet"`))
    assert.match(list, new RegExp(`href="/visits/${leo.visitId}/live"`))
    assert.doesNotMatch(await boardText(office), /not signed out yet;/)

    // 14:25: the office call is five minutes off.
    ctx.clock.set(at('14:25'))
    ;[card] = await cards(office)
    assert.match(card!, /Due soon/)
    assert.match(card!, /Get ready to call the visitors at 14:30 \(in 5 minutes\)/)

    // 14:30: the office is prompted to call (R-CHECK-2).
    await tick(ctx, 5 * MINUTE)
    ;[card] = await cards(office)
    assert.match(card!, /Due now/)
    assert.match(card!, /What to do now Call the visitors now: the office call was due at 14:30\. Then record the call/)

    // 14:33: the office reached them: next, signing back in at school.
    await tick(ctx, 3 * MINUTE)
    await ok(office.post(`/visits/${leo.visitId}/office-contacts`, { channel: 'phone_call', answered: 'yes' }))
    ;[card] = await cards(office)
    assert.match(card!, /On schedule/)
    assert.match(card!, /Nothing to do yet: signing back in at school is due at 15:50 \(in 1 hour 17 minutes\)/)
    assert.match(card!, /Last contact 14:33 \(now\)/)

    // 15:59: nine minutes late — still within the grace period.
    ctx.clock.set(at('15:59'))
    await runDeadlines(ctx)
    ;[card] = await cards(office)
    assert.match(card!, /Due now/)
    assert.match(card!, /Signing back in at school was due at 15:50: if nothing comes by 16:00, Doorstep raises the alarm/)
    assert.equal((await boardData(office))['unacknowledged'], '0')

    // 16:00: overdue: the alarm is raised and step 1 alerts the office.
    await tick(ctx, MINUTE)
    ;[card] = await cards(office)
    assert.match(card!, /Missed check-in/)
    assert.match(card!, /What to do now Alarm step 1: try to reach each visitor by phone — acknowledge/)
    assert.match(card!, /Missed check-in Raised at 16:00\. Missed check-in: back at school was due at 15:50/)
    assert.match(card!, /Open the alarm to acknowledge step 1/)
    assert.match(card!, /Next due Signing back in at school by 15:50 \(10 minutes ago\)\. Overdue by 10 minutes/)
    assert.match(card!, /Last contact 14:33 \(1 hour 27 minutes ago\)/)
    text = await boardText(office)
    assert.match(text, /1 open alarm\. 1 visit out\./)
    assert.match(text, /Alarm: 1 step waits to be acknowledged/)
    assert.deepEqual(await boardData(office), { generated: '16:00:00', 'open-alarms': '1', unacknowledged: '1' })

    // 16:05: re-alerted once, still waiting.
    await tick(ctx, 5 * MINUTE)
    ;[card] = await cards(head)
    assert.match(card!, /Alarm step 1: try to reach each visitor by phone — acknowledge/, 'the headteacher, on a later step, may take step 1 over')
    assert.match(card!, /Overdue by 15 minutes/)

    // The office tried: no answer. Step 2 alerts the headteacher at once.
    const alarmId = await alarmOf(ctx, leo.visitId)
    await ok(office.post(`/alarms/${alarmId}/steps/1/acknowledge`, { outcome: 'no_answer' }))
    ;[card] = await cards(office)
    assert.match(card!, /What to do now Alarm step 2: waiting for the headteacher to decide what to do next: not acknowledged yet \(alerted at 16:05\)/)
    assert.match(card!, /Open the alarm /, 'the office can still open the alarm')
    assert.doesNotMatch(card!, /acknowledge step 2/)
    ;[card] = await cards(head)
    assert.match(card!, /What to do now Alarm step 2: decide what to do next — acknowledge/)
    assert.match(card!, /Open the alarm to acknowledge step 2/)
    assert.equal((await boardData(office))['unacknowledged'], '1', 'the board keeps sounding while step 2 waits')

    // The headteacher decides to keep trying: step 3 follows on its timer.
    ctx.clock.set(at('16:07'))
    await ok(head.post(`/alarms/${alarmId}/steps/2/acknowledge`, { outcome: 'decided', note: 'Keep calling; I am driving over' }))
    ;[card] = await cards(office)
    assert.match(card!, /Alarm step 2 acknowledged by [^(]+ \(decided what to do\)\. Keep trying the visitors: step 3 alerts the headteacher at 16:20 unless they are confirmed safe/)
    assert.equal((await boardData(office))['unacknowledged'], '0', 'nothing waits to be acknowledged: the board is quiet')

    // Confirmed safe: the alarm closes and leaves the board.
    await ok(head.post(`/alarms/${alarmId}/safe`, { how: 'spoke_to_visitor', note: 'The car broke down; both safe' }))
    text = await boardText(office)
    assert.match(text, /0 open alarms\. 1 visit out\./)
    assert.doesNotMatch(text, /Missed check-in/)

    // Back at school: off the board.
    ctx.clock.set(at('16:40'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/back-at-school`))
    assert.match(await boardText(office), /Nobody is out on a home visit now, and no alarm is open/)
  })

  it('R-ESC-1 open alarms come first, top priority first, then overdue, then the soonest due', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const later = await anotherVisit(ctx, leo, 30)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    ctx.clock.set(at('14:00'))
    await ok(visitor.post(`/visits/${later}/live/sign-out`))

    // 14:11: Leo's office call is due; the later visit's is at 14:40.
    ctx.clock.set(at('14:11'))
    await runDeadlines(ctx)
    let order = (await cards(office)).map((card) => /(Due now|Due soon|On schedule|Overdue|Silent alarm|Missed check-in)/.exec(card)?.[1])
    assert.deepEqual(order, ['Due now', 'On schedule'])
    const sections = (await office.get('/board?part=list')).body
    assert.ok(sections.indexOf(leo.visitId) < sections.indexOf(later), 'the soonest due comes first')

    // 14:21: Leo's call is overdue (alarm); a visitor on the later visit presses the silent alarm.
    await tick(ctx, 10 * MINUTE)
    await ok(visitor.post(`/visits/${later}/alarms`, { kind: 'silent_alarm' }))
    order = (await cards(office)).map((card) => /(Silent alarm|Missed check-in|Due now|On schedule)/.exec(card)?.[1])
    assert.deepEqual(order, ['Silent alarm', 'Missed check-in'], 'the top-priority alarm first')
    const [top] = await cards(office)
    assert.match(top!, /Top priority: Silent alarm Raised at 14:21\./)
    assert.match(top!, /Alarm step 1: try to reach each visitor by phone — acknowledge\. Steps 2 and 3 also wait to be acknowledged/, 'a silent alarm alerts every step at once')
    assert.equal((await boardData(office))['unacknowledged'], '4')
  })

  it('R-ALERT-1 R-ESC-4 an alarm on a visit that has ended (the duress PIN) stays on the board until someone confirms the visitors are safe', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    await ctx.pool.query('UPDATE users SET visit_pin_hash = $2, duress_pin_hash = $3 WHERE id = $1', [
      await userId(ctx.pool, 'visitor@westside.example'),
      await hashPassword('2468'),
      await hashPassword('1357'),
    ])
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    ctx.clock.set(at('14:05'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/arrived`))
    await ok(visitor.post(`/visits/${leo.visitId}/live/go-in`, { entry: everyCheck }))
    ctx.clock.set(at('14:40'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/not-returning`, { pin: '1357' }))
    const status = await ctx.pool.query<{ status: string }>('SELECT status FROM visits WHERE id = $1', [leo.visitId])
    assert.equal(status.rows[0]!.status, 'completed', 'the duress PIN ended the visit as the normal one would')

    await tick(ctx, MINUTE)
    const [card] = await cards(office)
    assert.ok(card, 'the ended visit is still on the board')
    assert.match(card, /Silent alarm/)
    assert.match(card, /The visit has ended \(visited in the home\)/)
    assert.match(card, /The visit has ended, but its alarm is still open: find out whether the visitors are safe/)
    assert.match(card, /Alarm step 1: try to reach each visitor by phone — acknowledge/)
    assert.match(await boardText(office), /1 open alarm\. 0 visits out\./)

    await ok(office.post(`/alarms/${await alarmOf(ctx, leo.visitId)}/safe`, { how: 'spoke_to_visitor', note: 'Rang her: she is safe at home' }))
    assert.match(await boardText(office), /Nobody is out on a home visit now, and no alarm is open/)
  })
})

describe('who sees the office board', () => {
  it('R-CONF-1 the office, the DSLs, the headteacher and the associate head see it; visitors, governors, school admins and SLT (whom Westside’s policy does not name) get 403', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    for (const role of ['office', 'dsl', 'deputy.dsl', 'head', 'deputy']) {
      const agent = await signIn(ctx, `${role}@westside.example`)
      const page = await agent.get('/board')
      assert.equal(page.statusCode, 200, `${role} sees the board`)
      assert.match(textOf(page.body), /Office board/)
      assert.match((await agent.get('/')).body, /href="\/board"/, `${role} has Office board in the menu`)
    }
    for (const role of ['visitor', 'visitor2', 'governor', 'admin', 'slt']) {
      const agent = await signIn(ctx, `${role}@westside.example`)
      const page = await agent.get('/board')
      assert.equal(page.statusCode, 403, `${role} gets no board`)
      assert.doesNotMatch(page.body, new RegExp(esc(leo.lead.mobile)), 'and nothing from it')
      assert.equal((await agent.get('/board?part=list')).statusCode, 403)
      const home = await agent.get('/')
      assert.doesNotMatch(home.body, /href="\/board"/, `${role} has no Office board in the menu`)
      const api = await agent.json('GET', `/api/v1/schools/${leo.schoolId}/board`)
      assert.equal(api.statusCode, 403)
      assert.equal(api.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
  })

  it('R-ESC-1 roles the school’s policy names watch the board too: SLT at Morecambe Road, whose ladder alerts SLT', async (t) => {
    const ctx = await testApp(t, allDay)
    const slt = await signIn(ctx, 'slt@morecambe-road.example')
    assert.match(await boardText(slt), /Nobody is out on a home visit now/)
  })

  it('R-HOURS-1 a visit’s responsible contact sees the visits they watch, and only those', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const other = await anotherVisit(ctx, leo, 60)
    await ctx.pool.query('UPDATE visits SET responsible_contact_user_id = $2 WHERE id = $1', [leo.visitId, await userId(ctx.pool, 'visitor2@westside.example')])
    const contact = await signIn(ctx, 'visitor2@westside.example')
    const page = await contact.get('/board?part=list')
    assert.equal(page.statusCode, 200)
    assert.match(textOf(page.body), /You see the visits you are the responsible contact for/)
    assert.match(page.body, new RegExp(leo.visitId))
    assert.doesNotMatch(page.body, new RegExp(other))
    const api = await contact.json('GET', `/api/v1/schools/${leo.schoolId}/board`)
    assert.equal(api.statusCode, 200)
    const answer = JSON.parse(api.body) as { scope: string; notSignedOut: Array<{ visitId: string }> }
    assert.equal(answer.scope, 'own')
    assert.deepEqual(answer.notSignedOut.map((d) => d.visitId), [leo.visitId])

    // The visit goes and comes back: the contact's board stays, empty, for the rest of the day.
    const visitor = await signIn(ctx, 'visitor@westside.example')
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    assert.match(textOf((await contact.get('/board?part=list')).body), /1 visit out/)
    ctx.clock.set(at('15:25'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/back-at-school`))
    const after = await contact.get('/board')
    assert.equal(after.statusCode, 200)
    assert.match(textOf(after.body), /Nobody is out on a home visit now, and no alarm is open/)
    assert.doesNotMatch(after.body, new RegExp(other))
  })

  it('R-CONF-1 another school’s board is not there: the API answers 404 for a school the caller does not belong to', async (t) => {
    const ctx = await testApp(t, allDay)
    const office = await signIn(ctx, 'office@westside.example')
    const harton = await school(ctx, 'harton')
    assert.equal((await office.json('GET', `/api/v1/schools/${harton.id}/board`)).statusCode, 404)
  })
})

describe('the board without JavaScript, and over the API', () => {
  it('R-ESC-1 refreshes itself every 20 seconds (only where scripts do not run), can be stopped, and keeps the session alive while it refreshes', async (t) => {
    const ctx = await testApp(t) // the real idle limit: 30 minutes
    const office = await signIn(ctx, 'office@westside.example')
    const page = await office.get('/board')
    assert.match(page.body, /<noscript><meta http-equiv="refresh" content="20"><\/noscript>/)
    assert.match(textOf(page.body), /This page refreshes itself every 20 seconds\. Stop it refreshing/)
    assert.match(page.body, /<script type="module" src="\/assets\/board.js"><\/script>/)
    const stopped = await office.get('/board?refresh=off')
    assert.doesNotMatch(stopped.body, /http-equiv="refresh"/)
    assert.match(textOf(stopped.body), /This page is not refreshing itself: it does not show new alarms until you reload it/)

    // 40 minutes of a board refreshing every 20 seconds: still signed in.
    for (let seconds = 0; seconds < 40 * 60; seconds += 20) {
      ctx.clock.advance(20_000)
      const refreshed = await office.get('/board')
      assert.equal(refreshed.statusCode, 200, `still signed in after ${seconds + 20} seconds`)
    }
    // A page left 31 minutes without a request is signed out, as any page is.
    ctx.clock.advance(31 * MINUTE)
    const expired = await office.get('/board')
    assert.equal(expired.statusCode, 302)
    assert.equal(expired.headers.location, '/sign-in?next=%2Fboard')
  })

  it('R-ESC-1 a board that cannot be read says so and tries again by itself, with or without JavaScript (503, never a dead error page)', async (t) => {
    const ctx = await testApp(t, allDay)
    const office = await signIn(ctx, 'office@westside.example')
    await ctx.pool.query('ALTER TABLE alarms RENAME TO alarms_out_of_reach')
    const page = await office.get('/board')
    assert.equal(page.statusCode, 503)
    assert.match(page.body, /<meta http-equiv="refresh" content="20">/)
    assert.match(textOf(page.body), /Doorstep cannot show the board at the moment\. This page tries again every 20 seconds/)
    const part = await office.get('/board?part=list')
    assert.equal(part.statusCode, 500, 'the script keeps its board and tries again')
    await ctx.pool.query('ALTER TABLE alarms_out_of_reach RENAME TO alarms')
    assert.equal((await office.get('/board')).statusCode, 200)
  })

  it('R-ESC-1 the list alone for the browser script; a wrong query is a 400 with the error summary', async (t) => {
    const ctx = await testApp(t, allDay)
    const office = await signIn(ctx, 'office@westside.example')
    const part = await office.get('/board?part=list')
    assert.equal(part.statusCode, 200)
    assert.equal(part.headers['cache-control'], 'private, no-store')
    assert.match(part.body, /^<div id="board-list"/)
    assert.doesNotMatch(part.body, /<html|<header/)
    const bad = await office.get('/board?part=everything')
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem Ask for the whole board, or part=list for the list alone/)
  })

  it('R-ESC-1 R-ESC-3 the API gives the same board: the alarm, its steps and what to do now', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    ctx.clock.set(at('14:02'))
    await ok(visitor.post(`/visits/${leo.visitId}/alarms`, { kind: 'child_alone' }))
    const response = await office.json('GET', `/api/v1/schools/${leo.schoolId}/board`)
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.headers['cache-control'], 'private, no-store')
    const answer = JSON.parse(response.body)
    assert.equal(answer.openAlarms, 1)
    assert.equal(answer.unacknowledgedSteps, 3)
    const [visit] = answer.visits
    assert.equal(visit.visitId, leo.visitId)
    assert.equal(visit.stageText, 'Signed out of school')
    assert.deepEqual(visit.tag, { text: 'Child alone at home', colour: 'red' })
    assert.deepEqual(visit.visitors.map((p: { name: string }) => p.name), [leo.lead.name, leo.second.name])
    assert.equal(visit.place.district, leo.postcode.split(' ')[0])
    assert.equal(visit.next.state, 'upcoming')
    assert.equal(visit.alarms[0].label, 'Child alone at home')
    assert.deepEqual(visit.alarms[0].unacknowledgedSteps, [1, 2, 3])
    assert.match(visit.todo[0], /^Alarm step 1: try to reach each visitor by phone — acknowledge/)
    assert.equal(visit.lastContactAt, at('13:30').toISOString())
  })
})

describe('live updates (Server-Sent Events)', () => {
  it('R-ESC-1 /board/events answers 406 with plain words unless the request accepts text/event-stream, and 403 to a visitor', async (t) => {
    const ctx = await testApp(t, allDay)
    const office = await signIn(ctx, 'office@westside.example')
    const plain = await office.get('/board/events')
    assert.equal(plain.statusCode, 406)
    assert.match(plain.headers['content-type'] as string, /^text\/plain/)
    assert.match(plain.body, /Server-Sent Events/)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const refused = await ctx.app.inject({ method: 'GET', url: '/board/events', headers: { cookie: visitor.cookie, accept: 'text/event-stream' } })
    assert.equal(refused.statusCode, 403)
  })

  it('R-ESC-1 a check-in made on one app instance reaches a board streaming from another, through PostgreSQL LISTEN/NOTIFY; the stream is cleaned up when the board goes', async (t) => {
    const ctx = await testApp(t, allDay) // instance A
    const leo = await leoVisit(ctx)
    const connectionString = (ctx.pool as unknown as { options: { connectionString: string } }).options.connectionString
    const poolB = createPool(connectionString, 5)
    const appB = await buildApp({ pool: poolB, config: ctx.config, clock: ctx.clock, jobs: false, mailer: null, push: null })
    t.after(async () => {
      await appB.close() // (already closed by the test, unless it failed first)
      await poolB.end()
    })
    await appB.listen({ port: 0, host: '127.0.0.1' })
    const address = appB.server.address()
    assert.ok(address && typeof address === 'object')

    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example') // a session in the shared database
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))

    const abort = new AbortController()
    const response = await fetch(`http://127.0.0.1:${address.port}/board/events`, { headers: { cookie: office.cookie, accept: 'text/event-stream' }, signal: abort.signal })
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.equal(response.headers.get('cache-control'), 'private, no-store')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    const readUntil = async (pattern: RegExp, ms: number) => {
      const deadline = Date.now() + ms
      while (!pattern.test(received)) {
        const left = deadline - Date.now()
        if (left <= 0) return false
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), left))])
        if (chunk === null) return false
        if (chunk.done) return false
        received += chunk.value
      }
      return true
    }
    assert.ok(await readUntil(/: connected\n\n/, 5_000), `the stream opens: ${JSON.stringify(received)}`)
    assert.equal(openBoardStreams(appB), 1)
    assert.doesNotMatch(received, /event: change/)

    // The office call, recorded on instance A (app.inject), is on instance B's stream.
    ctx.clock.set(at('14:12'))
    await ok(office.post(`/visits/${leo.visitId}/office-contacts`, { channel: 'phone_call', answered: 'yes' }))
    assert.ok(await readUntil(/event: change\ndata: \{\}\n\n/, 5_000), `a change event arrives: ${JSON.stringify(received)}`)
    assert.doesNotMatch(received, new RegExp(leo.visitId), 'the event names no visit: the board fetches what it may see')

    // The board fetches its list from instance B: it shows the call.
    const list = await appB.inject({ method: 'GET', url: '/board?part=list', headers: { cookie: office.cookie, accept: 'text/html' } })
    assert.match(textOf(list.body), /Last contact 14:12 \(now\)/)

    abort.abort()
    const deadline = Date.now() + 5_000
    while (openBoardStreams(appB) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(openBoardStreams(appB), 0, 'the stream is closed and unsubscribed when the board goes away')

    // An instance shutting down ends its streams (the boards reconnect to another) instead of waiting for them.
    const again = await fetch(`http://127.0.0.1:${address.port}/board/events`, { headers: { cookie: office.cookie, accept: 'text/event-stream' } })
    const rest = again.body!.pipeThrough(new TextDecoderStream())
    assert.equal(openBoardStreams(appB), 1)
    await appB.close()
    let tail = ''
    for await (const chunk of rest) tail += chunk
    assert.match(tail, /: connected/, 'the stream ran until the instance closed, then ended')
    assert.equal(openBoardStreams(appB), 0)
  })
})
