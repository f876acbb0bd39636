import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import ICAL from 'ical.js'
import { testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'
import { as, completePlan, createDraft, ok, school, type School } from '../visits/fixtures.ts'

type FeedEvent = { uid: string; summary: string; description: string; location: string; start: ICAL.Time; end: ICAL.Time; status: string }

/** Makes a link on the calendar page and returns the secret token shown once. */
async function makeLink(agent: Agent, kind: 'personal' | 'office'): Promise<string> {
  const response = await agent.post(`/calendar/${kind}`)
  await ok(response)
  assert.equal(response.headers['cache-control'], 'private, no-store', 'the page with the secret link is not cached')
  const token = /\/calendar\/feeds\/([A-Za-z0-9_-]{43})\.ics/.exec(response.body)?.[1]
  assert.ok(token, `the page shows the new link: ${textOf(response.body).slice(0, 500)}`)
  assert.match(textOf(response.body), /Copy this link now\. It is shown only once/)
  return token
}

/** Fetches a feed as a calendar app does (no cookie) and parses it with a real iCalendar parser. */
async function readFeed(ctx: TestApp, token: string): Promise<{ text: string; events: FeedEvent[] }> {
  const response = await ctx.app.inject({ method: 'GET', url: `/calendar/feeds/${token}.ics` })
  assert.equal(response.statusCode, 200, response.body.slice(0, 500))
  assert.match(String(response.headers['content-type']), /^text\/calendar/)
  assert.match(String(response.headers['cache-control']), /no-store/)
  const calendar = new ICAL.Component(ICAL.parse(response.body))
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone)
  const events = calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component)
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      start: event.startDate,
      end: event.endDate,
      status: String(component.getFirstPropertyValue('status')),
    }
  })
  return { text: response.body, events }
}

async function feedStatus(ctx: TestApp, token: string): Promise<number> {
  return (await ctx.app.inject({ method: 'GET', url: `/calendar/feeds/${token}.ics` })).statusCode
}

const uid = (visitId: string) => `visit-${visitId}@doorstep`

/** A Westside visit for Leo Marsh, sent for risk assessment (so it is "planned"). */
async function plannedVisit(ctx: TestApp, s: School, visitor: Agent, overrides: Record<string, unknown> = {}): Promise<string> {
  const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', overrides))
  await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
  return visitId
}

describe('calendar feeds (R-ITIN-1)', () => {
  it('R-ITIN-1 a visitor’s calendar link lists the visits they go on, leave school to back at school, in UK time, with the postcode district', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const winter = await plannedVisit(ctx, s, visitor)
    const summer = await plannedVisit(ctx, s, visitor, { date: '2027-06-10' })
    const draft = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', { date: '2026-11-27' }))
    // A visit the visitor is not going on (the deputy and the DSL go).
    const others = await plannedVisit(ctx, s, visitor, { staff: [{ userId: await s.staff('deputy'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }] })

    const token = await makeLink(visitor, 'personal')
    const { rows } = await ctx.pool.query<{ token_hash: string; kind: string; user_id: string }>('SELECT token_hash, kind, user_id FROM calendar_feeds')
    assert.deepEqual(rows, [{ token_hash: createHash('sha256').update(token).digest('hex'), kind: 'personal', user_id: await s.staff('visitor') }])
    const stored = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM calendar_feeds f WHERE to_jsonb(f)::text LIKE '%' || $1 || '%'`, [token])
    assert.equal(stored.rows[0]!.n, 0, 'the token itself is not stored')

    const { text, events } = await readFeed(ctx, token)
    const ids = events.map((e) => e.uid)
    assert.ok(ids.includes(uid(winter)) && ids.includes(uid(summer)), 'the visitor’s planned visits are in the feed')
    assert.ok(!ids.includes(uid(draft)), 'a draft is not in the feed yet')
    assert.ok(!ids.includes(uid(others)), 'a visit the visitor is not going on is not in their feed')

    const event = events.find((e) => e.uid === uid(winter))!
    // R-CONF-1: by default no child's name and no home address go to the calendar provider (docs/decisions/0013).
    assert.equal(event.summary, 'Awaiting risk assessment: home visit, LM')
    assert.equal(event.status, 'TENTATIVE')
    assert.equal(event.location, 'W6')
    assert.match(event.description, /The pupils' names and the address are in Doorstep, not in this calendar\./)
    assert.match(event.description, new RegExp(`The visit \\(sign in to Doorstep\\): http://[^/]+/visits/${winter}\n`))
    // Wall-clock times in Europe/London, from leaving school to being back.
    assert.equal(event.start.zone?.tzid, 'Europe/London')
    assert.equal(event.start.toString(), '2026-11-26T09:30:00')
    assert.equal(event.end.toString(), '2026-11-26T11:30:00')
    assert.equal(event.start.toJSDate().toISOString(), '2026-11-26T09:30:00.000Z', 'GMT in November')
    assert.match(event.description, /Leave school 09:30\nArrive 10:00\nVisit 10:00 to 11:00\nLeave the address 11:00\nBack at school 11:30/)
    assert.match(event.description, /not approved yet: do not leave for this visit/)
    assert.match(event.description, new RegExp(`/visits/${winter}/briefing`))

    const june = events.find((e) => e.uid === uid(summer))!
    assert.equal(june.start.toString(), '2027-06-10T09:30:00')
    assert.equal(june.start.toJSDate().toISOString(), '2027-06-10T08:30:00.000Z', 'BST in June: 09:30 in London is 08:30 UTC')

    // R-ITIN-2, R-CONF-1: never the code word, the family's phone numbers, restricted notes or the purpose; by default
    // not the pupil's name or the address either.
    for (const secret of ['Bluebell', 'Blue kettle', '07700900811', '07700900812', 'Dyslexia', 'Mum has not come', 'Talk about the recent absences', 'Leo', 'Marsh', 'Glenthorne', '0LS']) {
      assert.ok(!text.includes(secret), `the feed does not contain "${secret}"`)
    }

    // The page now says a link is working, and never shows the token again.
    const page = await visitor.get('/calendar')
    assert.match(textOf(page.body), /Your visits .* A link is working\. It was made on /)
    assert.ok(!page.body.includes(token))
    const audit = await ctx.pool.query<{ summary: string; change: unknown }>(`SELECT summary, change FROM audit_log WHERE action = 'calendar.feed_created'`)
    assert.equal(audit.rows.length, 1)
    assert.match(audit.rows[0]!.summary, /created their calendar link/)
    assert.ok(!JSON.stringify(audit.rows).includes(token))
  })

  it('R-ITIN-1 the office calendar has every visit of the school and none of another school’s', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const others = await plannedVisit(ctx, s, visitor, { staff: [{ userId: await s.staff('deputy'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }] })

    const office = await as(ctx, 'office', 'westside')
    const token = await makeLink(office, 'office')
    const { text, events } = await readFeed(ctx, token)
    const expected = await ctx.pool.query<{ id: string }>(
      `SELECT id FROM visits WHERE school_id = $1 AND status IN ('awaiting_risk_assessment', 'awaiting_approval', 'approved', 'in_progress', 'completed') ORDER BY planned_start, id`,
      [s.id],
    )
    assert.deepEqual(events.map((e) => e.uid).sort(), expected.rows.map((r) => uid(r.id)).sort())
    assert.ok(events.some((e) => e.uid === uid(others)), 'a visit the office is not going on is in the office feed')
    const approved = events.find((e) => e.summary.startsWith('Approved:'))
    assert.ok(approved, 'the demo’s approved visit is there')
    assert.equal(approved.status, 'CONFIRMED')

    // Nothing of Harton Academy's: its pupils, its addresses.
    const harton = await ctx.pool.query<{ name: string }>(
      `SELECT p.first_name || ' ' || p.last_name AS name FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
        JOIN schools sc ON sc.id = v.school_id WHERE sc.name = 'Harton Academy'`,
    )
    assert.ok(harton.rows.length > 0)
    for (const { name } of harton.rows) assert.ok(!text.includes(name), `Harton's ${name} is not in Westside's feed`)
    assert.ok(!text.includes('Blue kettle'), 'no code word in the office feed')

    // Only the office, head and DSL manage the office feed (R-CONF-1: where everyone is); governors and school admins have no calendar page.
    assert.equal((await visitor.post('/calendar/office')).statusCode, 403)
    assert.ok(!textOf((await visitor.get('/calendar')).body).includes('The office calendar'))
    assert.equal((await (await as(ctx, 'governor', 'westside')).get('/calendar')).statusCode, 403)
    const admin = await as(ctx, 'admin', 'westside')
    assert.equal((await admin.get('/calendar')).statusCode, 403)
    assert.equal((await admin.post('/calendar/office')).statusCode, 403)
    assert.match(textOf((await (await as(ctx, 'head', 'westside')).get('/calendar')).body), /The office calendar .* A link is working/)
  })

  it('R-ITIN-1 a stopped link answers 404, a new link replaces the old one, and a cancelled visit drops out', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await plannedVisit(ctx, s, visitor)

    const first = await makeLink(visitor, 'personal')
    assert.equal(await feedStatus(ctx, first), 200)
    const second = await makeLink(visitor, 'personal')
    assert.equal(await feedStatus(ctx, first), 404, 'the old link stops when a new one is made')
    assert.equal(await feedStatus(ctx, second), 200)

    await ok(await visitor.json('POST', s.url(`/${visitId}/cancel`), { cancelReason: 'other', reason: 'Mum has asked to come into school instead.' }))
    assert.ok(!(await readFeed(ctx, second)).events.some((e) => e.uid === uid(visitId)), 'a cancelled visit leaves the feed')

    const stopped = await visitor.post('/calendar/personal/revoke')
    assert.equal(stopped.headers.location, '/calendar?done=personal-revoked')
    assert.equal(await feedStatus(ctx, second), 404)
    assert.match(textOf((await visitor.get('/calendar?done=personal-revoked')).body), /Your calendar link has been stopped\. .* You have no calendar link\./)
    const revoked = await ctx.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'calendar.%' ORDER BY seq`)
    assert.deepEqual(revoked.rows.map((r) => r.action), ['calendar.feed_created', 'calendar.feed_created', 'calendar.feed_revoked'])

    assert.equal(await feedStatus(ctx, 'not-a-token'), 404)
    assert.equal(await feedStatus(ctx, 'A'.repeat(43)), 404)
  })

  it('R-ITIN-1 R-CONF-1 a school that chooses full detail in its policy, where the page says what that sends, gets names and addresses', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await plannedVisit(ctx, s, visitor)
    const token = await makeLink(visitor, 'personal')
    assert.match(textOf((await visitor.get('/calendar')).body), /with the pupils’ initials, the first part of the postcode \(like W6\).*never names a child or gives a home address/)

    // The setting is on the check-ins page of the policy, with what full detail means.
    const head = await as(ctx, 'head', 'westside')
    const section = textOf((await head.get('/policy/edit/check-ins')).body)
    assert.match(section, /What does a visit say in staff’s calendars\?.*The pupils’ initials and the first part of the postcode, like W6.*The pupils’ names and the full address This sends children’s names and home addresses to the calendar provider/)
    assert.match(textOf((await head.get('/policy')).body), /no child's name or home address goes to the company behind the calendar/)

    const current = (await head.json('GET', `/api/v1/schools/${s.id}/policy`)).json() as { policy: { itinerary: Record<string, unknown> } }
    current.policy.itinerary.calendarDetail = 'full'
    await ok(await head.json('PUT', `/api/v1/schools/${s.id}/policy`, { policy: current.policy, effectiveFrom: '2026-11-25', note: 'Full detail in calendars' }), 201)

    const event = (await readFeed(ctx, token)).events.find((e) => e.uid === uid(visitId))!
    assert.equal(event.summary, 'Awaiting risk assessment: home visit, Leo Marsh')
    assert.equal(event.location, '18 Glenthorne Road, London, W6 0LS')
    assert.doesNotMatch(event.description, /not in this calendar/)
    assert.match(textOf((await visitor.get('/calendar')).body), /Your school’s policy puts pupils’ names and home addresses in calendars/)
    assert.match(textOf((await head.get('/policy')).body), /Each visit there shows the pupils' names and the full address, so the company behind the calendar holds them/)

    // A version published before the setting existed has none: it reads as minimal.
    await ctx.pool.query(
      `INSERT INTO policy_versions (school_id, version, preset, policy, effective_from, note, created_by_name)
       SELECT school_id, version + 1, preset, policy #- '{itinerary,calendarDetail}', effective_from, 'Older shape', 'Test'
         FROM policy_versions WHERE school_id = $1 ORDER BY version DESC LIMIT 1`,
      [s.id],
    )
    assert.equal((await readFeed(ctx, token)).events.find((e) => e.uid === uid(visitId))!.summary, 'Awaiting risk assessment: home visit, LM')
  })

  it('R-CONF-1 a personal link stops working when its owner no longer works at the school', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const token = await makeLink(visitor, 'personal')
    assert.equal(await feedStatus(ctx, token), 200)
    await ctx.pool.query('UPDATE users SET active = false WHERE id = $1', [await s.staff('visitor')])
    assert.equal(await feedStatus(ctx, token), 404)
  })
})
