import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fixedClock } from '../../../test/clock.ts'
import { demoSchoolId, signIn, testApp, textOf, userId, type Agent, type TestApp } from '../../../test/helpers.ts'
import { pushTo, startPushService, type PushBrowser, type PushService } from '../../../test/push-service.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { allDay, assertNoneOf, at, eventually, leoVisit, secretsOf } from '../live/fixtures.ts'
import { concernChronology, incidentChronology } from './chronology.ts'

/**
 * Safeguarding concerns and disclosures (R-SAFE-1, R-ALERT-3) and incidents (R-INC-1, R-FAMILY-3, R-RISK-4),
 * through the real app on a copy of the demo database. On the demo's approved Westside visit for Leo Marsh
 * today (visitor@westside is going); Westside's policy sends concerns to the DSL and deputy DSLs and
 * incidents to the headteacher. Harton's policy keeps a standing risk assessment that incidents must feed.
 */

const ACCOUNT = 'Leo had a bruise the size of a plum on his left forearm and flinched when his mother raised her voice.'
const WORDS = 'Mum’s boyfriend grabbed me when I dropped the plates.'

function disclosureForm(visit: { pupilId: string }, extra: Record<string, string | string[]> = {}) {
  return {
    pupilIds: visit.pupilId,
    kind: 'disclosure',
    category: 'physical_abuse',
    account: ACCOUNT,
    childWords: WORDS,
    'happenedAt-day': '25',
    'happenedAt-month': '11',
    'happenedAt-year': '2026',
    'happenedAt-time': '14:20',
    immediateAction: 'Phoned the DSL from the car at 14:50.',
    ...extra,
  }
}

async function leo(ctx: TestApp) {
  const visit = await leoVisit(ctx.pool)
  const { rows } = await ctx.pool.query<{ pupilId: string; hannah: string }>(
    `SELECT p.id AS "pupilId", c.id AS hannah FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id
       JOIN pupil_contacts pc ON pc.pupil_id = p.id JOIN contacts c ON c.id = pc.contact_id AND c.first_name = 'Hannah' WHERE vp.visit_id = $1`,
    [visit.visitId],
  )
  return { ...visit, ...rows[0]! }
}

async function concernIdFrom(response: { statusCode: number; headers: Record<string, unknown>; body: string }): Promise<string> {
  assert.equal(response.statusCode, 303, textOf(response.body).slice(0, 800))
  const match = /^\/concerns\/([0-9a-f-]{36})\?done=raised$/.exec(String(response.headers.location))
  assert.ok(match, String(response.headers.location))
  return match[1]!
}

async function auditCount(ctx: TestApp, action: string, subjectId?: string): Promise<number> {
  const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND ($2::uuid IS NULL OR subject_id = $2::text)', [action, subjectId ?? null])
  return rows[0]!.n
}

async function turnOnAlerts(person: Agent, service: PushService): Promise<PushBrowser> {
  const key = await person.json('GET', '/push/key')
  assert.equal(key.statusCode, 200, key.body)
  const browser = service.browser(JSON.parse(key.body).publicKey as string)
  const saved = await person.json('POST', '/push/subscriptions', browser.subscription)
  assert.equal(saved.statusCode, 201, saved.body)
  return browser
}

describe('safeguarding concerns', () => {
  it('R-SAFE-1 R-ALERT-3 R-CONF-1 a disclosure raised after the visit alerts the DSL and deputy at once, in the app, by email and by push, saying who raised it, which school and a link, and nothing about the child', async (t) => {
    const sink = await startSmtpSink(t)
    const service = await startPushService(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('15:40')), jobs: { pollInterval: 50 }, mailer: sink.mailer(), push: pushTo(service) })
    const visit = await leo(ctx)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const phone = await turnOnAlerts(dsl, service)
    const visitor = await signIn(ctx, 'visitor@westside.example')

    // During the visit, the day-of-the-visit page links to the form; so does the visit's page.
    assert.match((await visitor.get(`/visits/${visit.visitId}/live`)).body, new RegExp(`href="/visits/${visit.visitId}/concerns/new">Raise a safeguarding concern`))
    assert.match((await visitor.get(`/visits/${visit.visitId}`)).body, new RegExp(`href="/visits/${visit.visitId}/concerns/new">Raise a safeguarding concern`))
    const form = await visitor.get(`/visits/${visit.visitId}/concerns/new`)
    assert.equal(form.statusCode, 200)
    assert.match(textOf(form.body), /Raise a safeguarding concern.*If a child is in immediate danger, call 999 first/s)
    const id = await concernIdFrom(await visitor.post(`/visits/${visit.visitId}/concerns/new`, disclosureForm(visit)))

    // The in-app alert, for each of the safeguarding team but not the person who raised it.
    const { rows: told } = await ctx.pool.query<{ email: string; link: string; title: string }>(
      `SELECT u.email, n.link, n.title FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'concern' ORDER BY u.email`,
    )
    assert.deepEqual(told.map((r) => r.email), ['deputy.dsl@westside.example', 'dsl@westside.example'])
    assert.ok(told.every((r) => r.link === `/concerns/${id}`))
    const alerts = textOf((await dsl.get('/notifications')).body)
    assert.match(alerts, new RegExp(`Urgent Doorstep at ${visit.schoolName}: a safeguarding concern has been raised`))

    const visitorName = (await ctx.pool.query<{ name: string }>(`SELECT name FROM users WHERE email = 'visitor@westside.example'`)).rows[0]!.name
    const secrets = [...(await secretsOf(ctx.pool, visit.visitId)).filter((s) => s !== visitorName), 'bruise', 'plates', 'boyfriend', 'Physical abuse', 'disclosure']
    const mail = await sink.waitFor(2)
    assert.deepEqual(mail.flatMap((m) => m.to).sort(), ['deputy.dsl@westside.example', 'dsl@westside.example'])
    for (const message of mail) {
      assert.equal(message.subject, `Doorstep at ${visit.schoolName}: a safeguarding concern has been raised`)
      assert.ok(message.text.includes(`Raised by ${visitorName}.`), message.text)
      assert.ok(message.text.includes(`http://localhost:3000/concerns/${id}\n`), message.text)
      assert.match(message.text, /does not say which pupil, family or visit it is about, on purpose/)
      assertNoneOf(message.raw, secrets, 'a concern email')
    }
    const [push] = await eventually(async () => phone.received().length >= 1 && phone.received(), 10_000, 'the push alert')
    assert.equal(push!.payload?.url, `http://localhost:3000/concerns/${id}`)
    assert.equal(push!.payload?.body, `Raised by ${visitorName}. Open Doorstep to read it and record what is done.`)
    assertNoneOf(push!.text, secrets, 'the decrypted push alert')

    // The DSL reads it: the child's own words, and the reading is in the history.
    const page = textOf((await dsl.get(`/concerns/${id}`)).body)
    assert.match(page, /Safeguarding disclosure: Physical abuse/)
    assert.ok(page.includes(WORDS) && page.includes(ACCOUNT))
    assert.equal(await auditCount(ctx, 'concern.viewed', id), 1)
    await dsl.get(`/concerns/${id}`)
    assert.equal(await auditCount(ctx, 'concern.viewed', id), 2, 'every view is recorded')
  })

  it('R-SAFE-1 R-CONF-1 only the safeguarding roles read a concern; the member of staff who raised it sees that they did and its status, not the detail or the DSL’s actions; others are refused', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('15:40')), jobs: false })
    const visit = await leo(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const id = await concernIdFrom(await visitor.post(`/visits/${visit.visitId}/concerns/new`, disclosureForm(visit)))
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const recorded = await dsl.post(`/concerns/${id}/actions`, {
      kind: 'police', 'doneAt-day': '25', 'doneAt-month': '11', 'doneAt-year': '2026', 'doneAt-time': '15:30', what: 'Called 101 and reported the injury', reference: 'LOG-2611-0042',
    })
    assert.equal(recorded.statusCode, 303, textOf(recorded.body).slice(0, 600))

    const own = await visitor.get(`/concerns/${id}`)
    assert.equal(own.statusCode, 200)
    const ownText = textOf(own.body)
    assert.match(ownText, /You raised this concern/)
    assert.match(ownText, /Open: the DSL has it/)
    for (const hidden of [ACCOUNT, WORDS, 'LOG-2611-0042', '101']) assert.ok(!ownText.includes(hidden), `the raiser does not see "${hidden}"`)
    const ownApi = JSON.parse((await visitor.json('GET', `/api/v1/schools/${visit.schoolId}/concerns/${id}`)).body)
    assert.equal(ownApi.detail, false)
    assert.equal(ownApi.concern.account, undefined)
    assert.match(textOf((await visitor.get('/concerns/yours')).body), /Open Leo Marsh: Physical abuse/)

    for (const email of ['office@westside.example', 'slt@westside.example', 'visitor2@westside.example']) {
      const other = await signIn(ctx, email)
      const refused = await other.get(`/concerns/${id}`)
      assert.equal(refused.statusCode, 403, email)
      assert.match(textOf(refused.body), /read only by the DSL, the deputy DSLs, the headteacher and the associate headteacher/)
      assert.equal((await other.json('GET', `/api/v1/schools/${visit.schoolId}/concerns/${id}`)).statusCode, 403)
      assert.equal((await other.get('/concerns')).statusCode, 403)
    }
    const governor = await signIn(ctx, 'governor@westside.example')
    assert.equal((await governor.get(`/concerns/${id}`)).statusCode, 403)

    const head = await signIn(ctx, 'head@westside.example')
    const full = JSON.parse((await head.json('GET', `/api/v1/schools/${visit.schoolId}/concerns/${id}`)).body)
    assert.equal(full.detail, true)
    assert.equal(full.concern.childWords, WORDS)
    assert.deepEqual(full.concern.actions.map((a: { kind: string; reference: string }) => [a.kind, a.reference]), [['police', 'LOG-2611-0042']])
    const list = textOf((await head.get('/concerns')).body)
    assert.match(list, /Open Leo Marsh: Physical abuse \(disclosure\)/)
    assert.equal(await auditCount(ctx, 'concern.list_viewed'), 1, 'reading the list is recorded')
    // The raiser's page and API reads and the head's API read are recorded; refusals read nothing.
    assert.equal(await auditCount(ctx, 'concern.viewed', id), 3)
  })

  it('R-SAFE-1 bad input: the form shows every problem with the GOV.UK summary and saves nothing; the API refuses with the same messages', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('15:40')), jobs: false })
    const visit = await leo(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const bad = await visitor.post(`/visits/${visit.visitId}/concerns/new`, disclosureForm(visit, { pupilIds: [], childWords: '', category: '', 'happenedAt-day': '31', 'happenedAt-month': '2' }))
    assert.equal(bad.statusCode, 400)
    const text = textOf(bad.body)
    assert.match(text, /There is a problem/)
    for (const message of ['Choose the pupil or pupils the concern is about', 'Choose the category that fits best', 'Enter the date and time it happened']) {
      assert.ok(text.includes(message), message)
    }
    assert.match(bad.body, /href="#happenedAt-day"/)
    assert.ok(bad.body.includes(ACCOUNT), 'what was typed is kept')
    const future = await visitor.post(`/visits/${visit.visitId}/concerns/new`, disclosureForm(visit, { 'happenedAt-time': '18:00' }))
    assert.equal(future.statusCode, 400)
    assert.match(textOf(future.body), /The time it happened cannot be in the future/)

    const other = (await ctx.pool.query<{ id: string }>(`SELECT id FROM pupils WHERE school_id = $1 AND id <> $2 ORDER BY id LIMIT 1`, [visit.schoolId, visit.pupilId])).rows[0]!.id
    const api = await visitor.json('POST', `/api/v1/schools/${visit.schoolId}/concerns`, {
      visitId: visit.visitId, pupilIds: [other], kind: 'disclosure', category: 'neglect', account: 'x', happenedAt: at('14:00').toISOString(), immediateAction: 'None',
    })
    assert.equal(api.statusCode, 400)
    const problem = JSON.parse(api.body)
    assert.ok(JSON.stringify(problem).includes('Write down what the child said, in their own words'), api.body)
    const wrongPupil = await visitor.json('POST', `/api/v1/schools/${visit.schoolId}/concerns`, {
      visitId: visit.visitId, pupilIds: [other], kind: 'concern', category: 'neglect', account: 'x', happenedAt: at('14:00').toISOString(), immediateAction: 'None',
    })
    assert.equal(wrongPupil.statusCode, 400)
    assert.match(wrongPupil.body, /Choose pupils of this visit/)
    const { rows } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM concerns WHERE school_id = $1`, [visit.schoolId])
    assert.equal(rows[0]!.n, 0, 'nothing was saved')
    assert.equal((await ctx.pool.query(`SELECT 1 FROM notifications WHERE kind = 'concern'`)).rowCount, 0, 'nobody was alerted')

    // Through the API, from the pupil: saved, and the DSL's actions refuse what the page refuses.
    const made = await visitor.json('POST', `/api/v1/schools/${visit.schoolId}/concerns`, {
      pupilId: visit.pupilId, pupilIds: [visit.pupilId], kind: 'concern', category: 'home_conditions', account: 'No heating on a cold day', happenedAt: at('14:00').toISOString(), immediateAction: 'None',
    })
    assert.equal(made.statusCode, 201, made.body)
    const id = JSON.parse(made.body).id as string
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const noAgency = await dsl.post(`/concerns/${id}/actions`, { kind: 'other_referral', 'doneAt-day': '25', 'doneAt-month': '11', 'doneAt-year': '2026', 'doneAt-time': '15:00', what: 'Referred' })
    assert.equal(noAgency.statusCode, 400)
    assert.match(textOf(noAgency.body), /There is a problem.*Name the agency the referral went to/s)
    const noOutcome = await dsl.post(`/concerns/${id}/close`, { outcome: ' ' })
    assert.equal(noOutcome.statusCode, 400)
    assert.match(noOutcome.body, /href="#closeOutcome"/)
    assert.equal((await dsl.post(`/concerns/${id}/close`, { outcome: 'Early help offered and accepted' })).statusCode, 303)
    assert.match(textOf((await dsl.get(`/concerns/${id}`)).body), /Closed.*Outcome Early help offered and accepted/s)
    const late = await dsl.json('POST', `/api/v1/schools/${visit.schoolId}/concerns/${id}/actions`, { kind: 'action', doneAt: at('15:00').toISOString(), what: 'More' })
    assert.equal(late.statusCode, 409)
    assert.equal((await ctx.pool.query('SELECT 1 FROM concern_actions')).rowCount, 0)
  })

  it('R-SAFE-1 R-REC-3 the chronology shows a concern in full to the safeguarding roles (the reading audited), and to others only that one was recorded', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('15:40')), jobs: false })
    const visit = await leo(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await concernIdFrom(await visitor.post(`/visits/${visit.visitId}/concerns/new`, disclosureForm(visit)))
    const before = await auditCount(ctx, 'concern.viewed')
    const others = await concernChronology(ctx.pool, visit.schoolId, visit.pupilId, { userId: await userId(ctx.pool, 'office@westside.example'), roles: ['office'] }, ctx.clock())
    assert.deepEqual(others.map((e) => [e.category, e.what, e.actions]), [['Safeguarding', 'Safeguarding concern recorded — see the DSL', '']])
    assert.equal(await auditCount(ctx, 'concern.viewed'), before)
    const dsl = await concernChronology(ctx.pool, visit.schoolId, visit.pupilId, { userId: await userId(ctx.pool, 'dsl@westside.example'), roles: ['dsl'] }, ctx.clock())
    assert.equal(dsl[0]!.category, 'Safeguarding: Physical abuse (disclosure)')
    assert.ok(dsl[0]!.what.includes(WORDS))
    assert.match(dsl[0]!.actions, /Immediate action: Phoned the DSL/)
    assert.equal(await auditCount(ctx, 'concern.viewed'), before + 1)
  })
})

describe('incidents', () => {
  it('R-INC-1 R-FAMILY-3 abusive behaviour by a parent is reported to the headteacher by email (no detail) and stops appointments with her, with the audit entry', async (t) => {
    const sink = await startSmtpSink(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('15:40')), jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const visit = await leo(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const form = textOf((await visitor.get(`/visits/${visit.visitId}/incidents/new`)).body)
    assert.match(form, /The visit was 1 hour 40 minutes ago/)
    assert.match(form, /The headteacher is told at once/)
    const response = await visitor.post(`/visits/${visit.visitId}/incidents/new`, {
      kind: 'abusive_behaviour', 'happenedAt-day': '25', 'happenedAt-month': '11', 'happenedAt-year': '2026', 'happenedAt-time': '14:30',
      location: 'On the doorstep', whatHappened: 'Shouted and swore at us and threatened to set the dog on us.', abusiveAdultIds: visit.hannah,
    })
    assert.equal(response.statusCode, 303, textOf(response.body).slice(0, 600))
    const incidentId = /\/incidents\/([0-9a-f-]{36})/.exec(String(response.headers.location))![1]!
    const page = textOf((await visitor.get(`/incidents/${incidentId}`)).body)
    assert.match(page, /Incident: Abusive or threatening behaviour/)
    assert.match(page, /Ms Hannah Marsh \(Mother\): appointments stopped until the case is reviewed/)
    assert.match(page, /Recorded 1 hour 10 minutes after it happened/)

    const { rows } = await ctx.pool.query<{ noAppointments: boolean }>('SELECT no_appointments AS "noAppointments" FROM contacts WHERE id = $1', [visit.hannah])
    assert.equal(rows[0]!.noAppointments, true)
    assert.equal(await auditCount(ctx, 'contact.no_appointments_set', visit.hannah), 1)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    assert.match(textOf((await dsl.get(`/pupils/${visit.pupilId}`)).body), /No appointments with Ms Hannah Marsh \(Mother\) until the case is reviewed/)

    const [mail] = await sink.waitFor(1)
    assert.deepEqual(mail!.to, ['head@westside.example'])
    assert.equal(mail!.subject, `Doorstep at ${visit.schoolName}: an incident on a home visit has been reported`)
    assert.ok(mail!.text.includes(`http://localhost:3000/incidents/${incidentId}`))
    const visitorName = (await ctx.pool.query<{ name: string }>(`SELECT name FROM users WHERE email = 'visitor@westside.example'`)).rows[0]!.name
    assertNoneOf(mail!.raw, [...(await secretsOf(ctx.pool, visit.visitId)).filter((s) => s !== visitorName), 'swore', 'dog', 'threatened'], 'an incident email')

    // Others on the school's staff who were not named read nothing of it.
    const office = await signIn(ctx, 'office@westside.example')
    assert.equal((await office.get(`/incidents/${incidentId}`)).statusCode, 403)
    const entries = await incidentChronology(ctx.pool, visit.schoolId, visit.pupilId, { userId: await userId(ctx.pool, 'office@westside.example'), roles: ['office'] }, ctx.clock())
    assert.deepEqual(entries.map((e) => e.what), ['Incident on a home visit recorded — see the headteacher'])
  })

  it('R-INC-1 a physical intervention needs what was done and why; bad input is shown on the form and nothing is saved', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('15:40')), jobs: false })
    const visit = await leo(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const bad = await visitor.post(`/visits/${visit.visitId}/incidents/new`, {
      kind: 'physical_intervention', 'happenedAt-day': '25', 'happenedAt-month': '11', 'happenedAt-year': '2026', 'happenedAt-time': '14:30', location: '', whatHappened: 'Leo ran at the road',
    })
    assert.equal(bad.statusCode, 400)
    const text = textOf(bad.body)
    for (const message of ['Say where it happened', 'Say what was done in the physical intervention', 'Say why the physical intervention was needed']) assert.ok(text.includes(message), message)
    const wrongAdult = await visitor.json('POST', `/api/v1/schools/${visit.schoolId}/visits/${visit.visitId}/incidents`, {
      kind: 'trip_or_fall', happenedAt: at('14:30').toISOString(), location: 'Path', whatHappened: 'Tripped', abusiveAdultIds: [visit.hannah],
    })
    assert.equal(wrongAdult.statusCode, 400)
    assert.match(wrongAdult.body, /Appointments are stopped only after abusive or threatening behaviour/)
    assert.equal((await ctx.pool.query('SELECT 1 FROM incidents WHERE school_id = $1', [visit.schoolId])).rowCount, 0)
    const made = await visitor.json('POST', `/api/v1/schools/${visit.schoolId}/visits/${visit.visitId}/incidents`, {
      kind: 'physical_intervention', happenedAt: at('14:30').toISOString(), location: 'The pavement outside', whatHappened: 'Leo ran towards the road',
      interventionWhat: 'Held his arm for a few seconds until he stopped', interventionWhy: 'To stop him running into traffic',
    })
    assert.equal(made.statusCode, 201, made.body)
    const head = await signIn(ctx, 'head@westside.example')
    const got = JSON.parse((await head.json('GET', `/api/v1/schools/${visit.schoolId}/incidents/${JSON.parse(made.body).id}`)).body)
    assert.equal(got.interventionWhy, 'To stop him running into traffic')
    assert.equal(got.riskReview, null, 'Westside keeps no standing risk assessment')
  })

  it('R-RISK-4 an incident at Harton asks the headteacher to review the Lone Working and Home Visits risk assessment, on the incident and on a list, until the head marks the review done', async (t) => {
    const ctx = await testApp(t, { jobs: false })
    const harton = await demoSchoolId(ctx.pool, 'Harton Academy')
    const incidentId = (await ctx.pool.query<{ id: string }>('SELECT id FROM incidents WHERE school_id = $1', [harton])).rows[0]!.id
    const head = await signIn(ctx, 'head@harton.example')
    const list = textOf((await head.get('/incidents')).body)
    assert.match(list, /Risk assessment reviews due.*Trip or fall, .*: review the Lone Working and Home Visits risk assessment/s)
    const page = textOf((await head.get(`/incidents/${incidentId}`)).body)
    assert.match(page, /Review it after this incident/)
    const visitor = await signIn(ctx, 'visitor@harton.example')
    assert.match(textOf((await visitor.get(`/incidents/${incidentId}`)).body), /The headteacher records the review here/)
    assert.equal((await visitor.post(`/incidents/${incidentId}/risk-review`, { note: 'x' })).statusCode, 403)
    const empty = await head.post(`/incidents/${incidentId}/risk-review`, { note: '' })
    assert.equal(empty.statusCode, 400)
    assert.match(textOf(empty.body), /Say what the review found or changed/)
    assert.equal((await head.post(`/incidents/${incidentId}/risk-review`, { note: 'Added: check paths and steps on arrival' })).statusCode, 303)
    assert.match(textOf((await head.get(`/incidents/${incidentId}`)).body), /Reviewed by .* Added: check paths and steps on arrival/)
    assert.doesNotMatch(textOf((await head.get('/incidents')).body), /Risk assessment reviews due/)
    assert.equal(await auditCount(ctx, 'incident.risk_reviewed', incidentId), 1)
    assert.equal((await head.post(`/incidents/${incidentId}/risk-review`, { note: 'again' })).statusCode, 409)
  })
})

describe('concerns under each policy', () => {
  it('R-SAFE-1 R-CONF-1 Morecambe Road sends concerns to its central leadership team: SLT are told one was raised and that the DSL has it, and still cannot read it', async (t) => {
    const ctx = await testApp(t, { jobs: false })
    const school = await demoSchoolId(ctx.pool, 'Morecambe Road School')
    const pupilId = (await ctx.pool.query<{ id: string }>('SELECT id FROM pupils WHERE school_id = $1 ORDER BY last_name, first_name LIMIT 1', [school])).rows[0]!.id
    const visitor = await signIn(ctx, 'visitor@morecambe-road.example')
    const form = await visitor.get(`/pupils/${pupilId}/concerns/new`)
    assert.equal(form.statusCode, 200)
    const made = await visitor.post(`/pupils/${pupilId}/concerns/new`, {
      pupilIds: pupilId, kind: 'concern', category: 'home_conditions', account: 'Mould on every wall of the front room', 'happenedAt-day': '25', 'happenedAt-month': '11', 'happenedAt-year': '2026', 'happenedAt-time': '08:00', immediateAction: 'None',
    })
    const id = await concernIdFrom(made)
    const { rows } = await ctx.pool.query<{ email: string; link: string; body: string }>(
      `SELECT u.email, n.link, n.body FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'concern' ORDER BY u.email`,
    )
    const byEmail = new Map(rows.map((r) => [r.email, r]))
    assert.equal(byEmail.get('dsl@morecambe-road.example')?.link, `/concerns/${id}`)
    assert.equal(byEmail.get('deputy.dsl@morecambe-road.example')?.link, `/concerns/${id}`)
    assert.equal(byEmail.get('slt@morecambe-road.example')?.link, '/notifications')
    assert.match(byEmail.get('slt@morecambe-road.example')!.body, /The DSL has it in Doorstep\./)
    const slt = await signIn(ctx, 'slt@morecambe-road.example')
    assert.equal((await slt.get(`/concerns/${id}`)).statusCode, 403)
  })
})

describe('the concerns API', () => {
  it('R-SAFE-1 R-INC-1 the OpenAPI document describes concerns and incidents with the forms’ own fields', async (t) => {
    const ctx = await testApp(t, { jobs: false })
    const doc = JSON.parse((await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as { paths: Record<string, Record<string, { requestBody?: unknown; summary: string }>> }
    const raise = doc.paths['/api/v1/schools/{schoolId}/concerns']?.post
    assert.ok(raise, 'raising a concern is in the document')
    for (const field of ['pupilIds', 'kind', 'category', 'account', 'childWords', 'happenedAt', 'immediateAction', 'visitId', 'pupilId']) assert.ok(JSON.stringify(raise.requestBody).includes(`"${field}"`), field)
    const incident = doc.paths['/api/v1/schools/{schoolId}/visits/{visitId}/incidents']?.post
    for (const field of ['kind', 'interventionWhat', 'interventionWhy', 'abusiveAdultIds']) assert.ok(JSON.stringify(incident?.requestBody).includes(`"${field}"`), field)
    for (const path of ['/api/v1/schools/{schoolId}/concerns/{concernId}', '/api/v1/schools/{schoolId}/concerns/{concernId}/actions', '/api/v1/schools/{schoolId}/incidents/{incidentId}/risk-review']) {
      assert.ok(doc.paths[path], path)
    }
  })
})
