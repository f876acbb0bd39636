import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { fixedClock, signIn, testApp, textOf, userId, type TestApp } from '../../../test/helpers.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { allDay, assertNoneOf, at, leoVisit, secretsOf } from '../live/fixtures.ts'
import { londonInstant } from '../visits/times.ts'
import { sendDailyDigests } from './digest.ts'
import { goOnVisit } from './fixtures.ts'

/**
 * After the visit (R-REC-1, R-REC-2, R-REC-3, R-FOLLOW-1) on the demo's Westside visit for Leo Marsh
 * (with his mother Hannah), taken through its day by the visitor's taps (fixtures.ts).
 */

const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))
async function pdfText(pdf: Buffer): Promise<{ pages: number; text: string; size: number[] }> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  const page = await loaded.getPage(1)
  const size = page.view.map((n) => Math.round(n))
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent()
    for (const item of content.items) if ('str' in item) parts.push(item.str)
  }
  const pages = loaded.numPages
  await loaded.destroy()
  return { pages, text: parts.join(' ').replace(/\s+/g, ' '), size }
}

async function audits(ctx: TestApp, action: string): Promise<string[]> {
  // Westside's only: the demo has records of its own at King's Academy Gomer.
  const { rows } = await ctx.pool.query<{ summary: string; actor: string }>(
    `SELECT summary, actor_name AS actor FROM audit_log WHERE action = $1 AND school_id = (SELECT id FROM schools WHERE name = 'Westside School') ORDER BY id`,
    [action],
  )
  return rows.map((row) => `${row.actor}: ${row.summary}`)
}

/** The record form's tick box for Leo's mother, Hannah Marsh. */
async function hannahOf(ctx: TestApp): Promise<string> {
  const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM contacts WHERE first_name = 'Hannah' AND last_name = 'Marsh'`)
  return `contact-${rows[0]!.id}`
}

const goodRecord = (hannahKey: string, visitorKey: string) => ({
  present: [hannahKey, visitorKey],
  'otherName-1': 'Dr Amira Osei',
  'otherRelationship-1': 'Family support worker',
  arrivedAt: '13:58',
  leftAt: '14:52',
  discussed: 'Leo’s Monday absences; his mum says he finds PE on Mondays hard.',
  agreements: 'Leo will be in school every Monday for the next four weeks; review on 23 December.',
  concerns: 'Leo said an older cousin shouts at him when he stays with them.',
  actions: 'Talk to the PE teacher about Mondays.',
})

describe('the visit record (R-REC-1)', () => {
  it('R-REC-1 after the visit the record offers the family and the visitors, prefills the times from the day, saves a draft, refuses to complete without what was discussed, then completes and closes the visit', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')

    // Before the visitors go out there is nothing to write.
    const early = await visitor.get(`/visits/${visitId}/record`)
    assert.match(textOf(early.body), /The record can be written once the visitors have signed out for the visit/)
    const refused = await visitor.post(`/visits/${visitId}/record`, { discussed: 'Too early', intent: 'save' })
    assert.equal(refused.statusCode, 409)
    assert.match(textOf(refused.body), /once the visitors have signed out of school/)

    await goOnVisit(ctx, visitor, visitId, 'contact')
    const visitPage = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(visitPage, /After the visit Waiting for its visit record\. Due by 26 November 2026 at 15:20\. Write the visit record/)

    const form = await visitor.get(`/visits/${visitId}/record`)
    assert.equal(form.statusCode, 200)
    const page = textOf(form.body)
    assert.match(page, /Who was present .*Ms Hannah Marsh Mother/)
    assert.match(form.body, /name="arrivedAt"[^>]*value="13:58"/)
    assert.match(form.body, /name="leftAt"[^>]*value="14:52"/)
    const hannahKey = await hannahOf(ctx)
    const visitorKey = /value="(staff-[0-9a-f-]+)"[^>]*checked/.exec(form.body)![1]!
    assert.match(page, /Is this a safeguarding concern\? Raise it with the DSL now : writing it here does not tell them/)
    assert.match(form.body, new RegExp(`href="/visits/${visitId}/concerns/new"`))

    // Save and continue later: a draft.
    const saved = await visitor.post(`/visits/${visitId}/record`, { present: [hannahKey], arrivedAt: '13:58', leftAt: '', discussed: '', intent: 'save' })
    assert.equal(saved.statusCode, 303)
    assert.match(textOf((await visitor.get(saved.headers.location as string)).body), /Draft saved\. .*Record Draft Waiting for its visit record/)

    // Completing with parts missing: every problem at once, the form keeps what was typed, nothing is saved.
    const missing = await visitor.post(`/visits/${visitId}/record`, { present: [hannahKey], arrivedAt: '13:58', leftAt: '', discussed: '  ', agreements: 'Kept this', version: '1', intent: 'complete' })
    assert.equal(missing.statusCode, 400)
    const missingText = textOf(missing.body)
    assert.match(missingText, /There is a problem Enter the time you left before completing the record Say what was discussed before completing the record/)
    assert.match(missing.body, /Kept this/)
    const stored = await ctx.pool.query<{ status: string; agreements: string; version: number }>('SELECT status, agreements, version FROM visit_records WHERE visit_id = $1', [visitId])
    assert.deepEqual(stored.rows[0], { status: 'draft', agreements: '', version: 1 })

    // A half-typed time is refused with the API's own message.
    const badTime = await visitor.post(`/visits/${visitId}/record`, { arrivedAt: '25:99', intent: 'save' })
    assert.equal(badTime.statusCode, 400)
    assert.match(textOf(badTime.body), /Enter a time like 14:05/)

    ctx.clock.set(at('16:10'))
    const done = await visitor.post(`/visits/${visitId}/record`, { ...goodRecord(hannahKey, visitorKey), version: '1', intent: 'complete' })
    assert.equal(done.statusCode, 303, textOf(done.body).slice(0, 500))
    const closed = textOf((await visitor.get(done.headers.location as string)).body)
    assert.match(closed, /Visit record completed\. The visit is closed\./)
    assert.match(closed, /Record Closed Closed: the visit record is complete/)
    assert.match(closed, /Present Ms Hannah Marsh \(Mother\), .* \(School staff\), Dr Amira Osei \(Family support worker\)/)
    assert.match(textOf((await visitor.get(`/visits/${visitId}`)).body), /After the visit Closed: the visit record is complete\. Read the visit record/)

    // A completed record is not changed; the history says who wrote and completed it.
    const again = await visitor.post(`/visits/${visitId}/record`, { discussed: 'Changed later', intent: 'save' })
    assert.equal(again.statusCode, 409)
    assert.match(textOf(again.body), /This record was completed by .* and can no longer be changed/)
    assert.equal((await audits(ctx, 'visit.record_saved')).length, 1)
    assert.equal((await audits(ctx, 'visit.record_completed')).length, 1)
  })

  it('R-REC-1 the record saves as you go: an autosave answers with the new version, and a save over a newer version is refused', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await goOnVisit(ctx, visitor, visitId, 'contact')
    const post = (form: Record<string, string>) =>
      ctx.app.inject({
        method: 'POST',
        url: `/visits/${visitId}/record`,
        headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        payload: new URLSearchParams({ _csrf: visitor.csrf, ...form }).toString(),
      })
    const first = await post({ discussed: 'Mondays', intent: 'autosave' })
    assert.equal(first.statusCode, 200)
    assert.deepEqual(JSON.parse(first.body), { saved: true, version: 1, savedAt: at('15:20').toISOString() })
    const second = await post({ discussed: 'Mondays and PE', version: '1', intent: 'autosave' })
    assert.equal(JSON.parse(second.body).version, 2)
    const stale = await post({ discussed: 'From the other phone', version: '1', intent: 'autosave' })
    assert.equal(stale.statusCode, 409)
    assert.match(JSON.parse(stale.body).errors[0].message, /Someone else saved this record since you opened it/)
    const { rows } = await ctx.pool.query<{ discussed: string }>('SELECT discussed FROM visit_records WHERE visit_id = $1', [visitId])
    assert.equal(rows[0]!.discussed, 'Mondays and PE')
  })

  it('R-REC-1 a record not completed within the policy’s hours shows on the DSL’s and head’s home page and Follow-ups, not on a visitor’s', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await goOnVisit(ctx, visitor, visitId, 'contact')
    assert.doesNotMatch(textOf((await (await signIn(ctx, 'dsl@westside.example')).get('/')).body), /overdue/, 'within the 24 hours nothing is overdue')

    // Sessions last a day: sign in again on the next day.
    ctx.clock.set(new Date(at('15:20').getTime() + 24 * 3_600_000 + 60_000))
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const head = await signIn(ctx, 'head@westside.example')
    for (const person of [dsl, head]) {
      const home = textOf((await person.get('/')).body)
      assert.match(home, /After visits 1 visit record is overdue/)
    }
    const visitorAgain = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await visitorAgain.get('/')).body), /Your next visits/)
    assert.doesNotMatch(textOf((await visitorAgain.get('/')).body), /visit record is overdue/)
    const list = textOf((await dsl.get('/follow-ups')).body)
    assert.match(list, /Visit records not completed in time Leo Marsh Overdue Not started, due 26 November 2026 at 15:20\./)
    assert.doesNotMatch(textOf((await visitorAgain.get('/follow-ups')).body), /Visit records not completed in time/)
  })
})

describe('the home visit card (R-REC-2)', () => {
  it('R-REC-2 with no parent reached, the record offers an A6 card with the school, when, who called, why in general terms and how to reach the school, and records that it was left', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await goOnVisit(ctx, visitor, visitId, 'no_contact')
    const page = textOf((await visitor.get(`/visits/${visitId}/record`)).body)
    assert.match(page, /No contact: the parents were not there/)
    assert.match(page, /Home visit card No parent was reached\. .*Print the home visit card \(PDF, A6\)/)

    const pdf = await visitor.get(`/visits/${visitId}/card.pdf`)
    assert.equal(pdf.statusCode, 200)
    assert.equal(pdf.headers['content-type'], 'application/pdf')
    const card = await pdfText(pdf.rawPayload)
    assert.equal(card.pages, 1)
    assert.deepEqual(card.size, [0, 0, 298, 420], 'A6')
    assert.match(card.text, /Westside School Sorry we missed you/)
    assert.match(card.text, /When we called Wednesday 25 November 2026 at 13:58/)
    const staff = await ctx.pool.query<{ name: string }>(`SELECT u.name FROM visit_staff vs JOIN users u ON u.id = vs.user_id WHERE vs.visit_id = $1 ORDER BY vs.role_on_visit`, [visitId])
    for (const person of staff.rows) assert.ok(card.text.includes(person.name), `the card names ${person.name}`)
    assert.match(card.text, /Why Attendance concern/)
    assert.match(card.text, /Please contact the school Phone 020 7946 0418 50 Bryony Road, London W12 0SP/)
    assert.doesNotMatch(card.text, /Leo|Marsh|Mondays/, 'no pupil, family or purpose detail on a card left at the door')

    const left = await visitor.post(`/visits/${visitId}/card-left`)
    assert.equal(left.statusCode, 303)
    assert.match(textOf((await visitor.get(left.headers.location as string)).body), /Recorded that a home visit card was left\. .*A card was left at 14:30 on 25 November 2026/)
    const events = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM visit_events WHERE visit_id = $1 AND kind = 'record.card_left'`, [visitId])
    assert.deepEqual(events.rows, [{ summary: 'Left a home visit card at the address' }])
    const pupilId = (await ctx.pool.query<{ id: string }>(`SELECT pupil_id AS id FROM visit_pupils WHERE visit_id = $1`, [visitId])).rows[0]!.id
    assert.match(textOf((await visitor.get(`/pupils/${pupilId}`)).body), /Home visit card 25 November 2026 at 14:30 Who: .* What: No parent was reached: a home visit card was left/)

    // A visit where the parents were seen has no card.
    const other = await testApp(t, { config: allDay })
    const second = await leoVisit(other.pool)
    const visitor2 = await signIn(other, 'visitor@westside.example')
    await goOnVisit(other, visitor2, second.visitId, 'contact')
    assert.doesNotMatch(textOf((await visitor2.get(`/visits/${second.visitId}/record`)).body), /Home visit card/)
    const notLeft = await visitor2.post(`/visits/${second.visitId}/card-left`)
    assert.equal(notLeft.statusCode, 409)
    assert.match(textOf(notLeft.body), /A home visit card is left when no parent was reached at the door/)
  })
})

describe('the pupil’s chronology and its exports (R-REC-3)', () => {
  it('R-REC-3 R-CONF-1 the pupil’s page lists the visit, its record and its actions in date order; concerns only for safeguarding roles; text and CSV exports are logged', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await goOnVisit(ctx, visitor, visitId, 'contact')
    const form = (await visitor.get(`/visits/${visitId}/record`)).body
    const hannahKey = await hannahOf(ctx)
    const visitorKey = /value="(staff-[0-9a-f-]+)"[^>]*checked/.exec(form)![1]!
    ctx.clock.set(at('16:10'))
    assert.equal((await visitor.post(`/visits/${visitId}/record`, { ...goodRecord(hannahKey, visitorKey), intent: 'complete' })).statusCode, 303)
    const office = await signIn(ctx, 'office@westside.example')
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const officeId = await userId(ctx.pool, 'office@westside.example')
    ctx.clock.set(at('16:20'))
    const added = await visitor.post(`/visits/${visitId}/actions`, { description: 'Ask the PE teacher about Monday lessons', ownerUserId: officeId, 'dueOn-day': '2', 'dueOn-month': '12', 'dueOn-year': '2026' })
    assert.equal(added.statusCode, 303, textOf(added.body).slice(0, 400))

    const pupilId = (await ctx.pool.query<{ id: string }>(`SELECT pupil_id AS id FROM visit_pupils WHERE visit_id = $1`, [visitId])).rows[0]!.id
    const dslPage = textOf((await dsl.get(`/pupils/${pupilId}`)).body)
    const chronology = dslPage.slice(dslPage.indexOf('Chronology'))
    assert.match(chronology, /Home visit 25 November 2026 at 13:58 Who: .* What: Attendance concern\. Leo has missed most Mondays this term\. .*Outcome: Visited in the home\./)
    assert.match(chronology, /Visit record 25 November 2026 at 16:10 Who: Present: Ms Hannah Marsh \(Mother\), .*Dr Amira Osei \(Family support worker\)\. Recorded by .* What: Arrived 13:58, left 14:52\. Discussed: Leo’s Monday absences.* Concerns: Leo said an older cousin shouts at him/)
    assert.match(chronology, /Follow-up action 25 November 2026 at 16:20 Who: Owner: .* What: Ask the PE teacher about Monday lessons Actions: Due 02\/12\/2026\. Open\./)
    assert.ok(chronology.indexOf('Home visit 25') < chronology.indexOf('Visit record 25') && chronology.indexOf('Visit record 25') < chronology.indexOf('Follow-up action 25'), 'oldest first')
    assert.equal((await audits(ctx, 'pupil.chronology_viewed')).length, 1, 'the DSL’s view of safeguarding detail is recorded')

    const officePage = textOf((await office.get(`/pupils/${pupilId}`)).body)
    assert.match(officePage, /Concerns were recorded: the DSL team can read them\./)
    assert.doesNotMatch(officePage, /older cousin/)

    const text = await dsl.get(`/pupils/${pupilId}/chronology.txt`)
    assert.equal(text.statusCode, 200)
    assert.match(String(text.headers['content-disposition']), /attachment; filename="chronology-leo-marsh.txt"/)
    assert.match(text.body, /^Chronology for Leo Marsh \(from Doorstep\)\n\nDate: 25\/11\/2026 13:58\nCategory: Home visit\nWho: .*\nWhat: Attendance concern\..*\nActions: None\n\nDate: 25\/11\/2026 16:10\nCategory: Visit record\n/)
    assert.match(text.body, /Concerns: Leo said an older cousin shouts at him/)

    const csv = await office.get(`/pupils/${pupilId}/chronology.csv`)
    const rows = parse(csv.body, { columns: true }) as Array<Record<string, string>>
    assert.deepEqual(rows.map((row) => [row.Date, row.Time, row.Category]), [
      ['25/11/2026', '13:58', 'Home visit'],
      ['25/11/2026', '16:10', 'Visit record'],
      ['25/11/2026', '16:20', 'Follow-up action'],
    ])
    assert.equal(rows[1]!.What?.includes('older cousin'), false, 'the office’s export holds no concerns')

    const visitCsv = await visitor.get(`/visits/${visitId}/record/export.csv`)
    assert.equal((parse(visitCsv.body, { columns: true }) as unknown[]).length, 3)
    assert.deepEqual((await audits(ctx, 'pupil.chronology_exported')).map((line) => line.replace(/^[^:]+: /, '')), [
      'Exported the pupil’s chronology (text for CPOMS, 3 entries)',
      'Exported the pupil’s chronology (CSV, 3 entries)',
    ])
    assert.deepEqual((await audits(ctx, 'visit.record_exported')).map((line) => line.replace(/^[^:]+: /, '')), ['Exported the visit’s record (CSV, 3 entries)'])
  })
})

describe('follow-up actions (R-FOLLOW-1)', () => {
  it('R-FOLLOW-1 an action needs an owner and a due date not in the past; it is overdue for the DSL and head after its date, and done with who and when', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId } = await leoVisit(ctx.pool)
    const pupilId = (await ctx.pool.query<{ id: string }>(`SELECT pupil_id AS id FROM visit_pupils WHERE visit_id = $1`, [visitId])).rows[0]!.id
    let office = await signIn(ctx, 'office@westside.example')
    const officeId = await userId(ctx.pool, 'office@westside.example')

    const past = await office.post(`/pupils/${pupilId}/actions`, { description: 'Send the attendance letter', ownerUserId: officeId, 'dueOn-day': '24', 'dueOn-month': '11', 'dueOn-year': '2026' })
    assert.equal(past.statusCode, 400)
    assert.match(textOf(past.body), /There is a problem The due date must be today or in the future/)
    assert.match(past.body, /Send the attendance letter/)
    const noOwner = await office.post(`/pupils/${pupilId}/actions`, { description: 'Send the attendance letter', ownerUserId: '', 'dueOn-day': '', 'dueOn-month': '', 'dueOn-year': '' })
    assert.match(textOf(noOwner.body), /Choose who will do it/)
    assert.equal((await ctx.pool.query('SELECT 1 FROM follow_up_actions WHERE pupil_id = $1', [pupilId])).rowCount, 0, 'nothing half-saved')

    const added = await office.post(`/pupils/${pupilId}/actions`, { description: 'Send the attendance letter', ownerUserId: officeId, 'dueOn-day': '26', 'dueOn-month': '11', 'dueOn-year': '2026' })
    assert.equal(added.statusCode, 303)
    assert.match(textOf((await office.get(`/pupils/${pupilId}`)).body), /Follow-up actions Send the attendance letter Open Owner .*, due 26 November 2026/)
    assert.match(textOf((await office.get('/follow-ups')).body), /Your open actions Send the attendance letter Leo Marsh, due 26 November 2026/)

    ctx.clock.set(londonInstant('2026-11-27', '09:00'))
    const dsl = await signIn(ctx, 'dsl@westside.example')
    office = await signIn(ctx, 'office@westside.example')
    assert.match(textOf((await dsl.get('/')).body), /1 follow-up action is overdue/)
    assert.match(textOf((await office.get('/')).body), /You have 1 overdue follow-up action/)
    assert.match(textOf((await dsl.get('/follow-ups')).body), /Overdue follow-up actions Send the attendance letter Leo Marsh: .*, due 26 November 2026/)

    const actionId = (await ctx.pool.query<{ id: string }>('SELECT id FROM follow_up_actions WHERE pupil_id = $1', [pupilId])).rows[0]!.id
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitor.post(`/actions/${actionId}/done`)).statusCode, 403, 'a visitor who does not own it cannot close it')
    const done = await office.post(`/actions/${actionId}/done`, { back: 'pupil' })
    assert.equal(done.statusCode, 303)
    assert.match(textOf((await office.get(done.headers.location as string)).body), /Follow-up action marked done\..* Send the attendance letter Done by .* on 27 November 2026/)
    assert.match(textOf((await dsl.get('/follow-ups')).body), /No follow-up action is overdue/)
  })

  it('R-REC-1 R-FOLLOW-1 the daily digest emails the DSL team and head the counts of what is overdue, and each owner their own, once a day, with no names', async (t) => {
    const sink = await startSmtpSink(t)
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('10:00')), jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const { visitId } = await leoVisit(ctx.pool)
    const secrets = await secretsOf(ctx.pool, visitId)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await goOnVisit(ctx, visitor, visitId, 'contact')
    const officeId = await userId(ctx.pool, 'office@westside.example')
    assert.equal((await visitor.post(`/visits/${visitId}/actions`, { description: 'Call Hannah Marsh about Mondays', ownerUserId: officeId, 'dueOn-day': '25', 'dueOn-month': '11', 'dueOn-year': '2026' })).statusCode, 303)

    ctx.clock.set(londonInstant('2026-11-26', '06:59'))
    assert.equal(await sendDailyDigests(ctx.pool, ctx.clock()), 0, 'not before 07:00')
    ctx.clock.set(londonInstant('2026-11-27', '07:05'))
    const sent = await sendDailyDigests(ctx.pool, ctx.clock())
    const watchers = await ctx.pool.query<{ email: string }>(
      `SELECT DISTINCT u.email FROM school_memberships m JOIN users u ON u.id = m.user_id JOIN schools s ON s.id = m.school_id
        WHERE s.name = 'Westside School' AND m.role IN ('headteacher', 'associate_head', 'dsl', 'deputy_dsl') AND u.active`,
    )
    // The demo's King's Academy Gomer has overdue items of its own: its digests go out too.
    const all = await sink.waitFor(sent)
    assert.equal(all.length, sent)
    const mail = all.filter((m) => m.text.includes('Doorstep at Westside School'))
    assert.equal(mail.length, watchers.rows.length + 1)
    const toWatchers = mail.filter((m) => m.subject.startsWith('Daily digest'))
    assert.deepEqual(toWatchers.map((m) => m.to[0]).sort(), watchers.rows.map((r) => r.email).sort())
    for (const m of toWatchers) assert.equal(m.subject, 'Daily digest: 1 overdue visit record and 1 overdue follow-up action')
    const own = mail.find((m) => m.to[0] === 'office@westside.example')!
    assert.equal(own.subject, 'You have 1 overdue follow-up action')
    assert.match(own.text, /\/follow-ups#mine/)
    for (const m of mail) assertNoneOf(`${m.subject}\n${m.text}`, [...secrets, 'Mondays'], 'a digest email')
    assert.equal(await sendDailyDigests(ctx.pool, ctx.clock()), 0, 'once a day')
  })
})

describe('the records API (R-REC-1, R-REC-3, R-FOLLOW-1)', () => {
  it('R-REC-1 the API saves and completes the record with the pages’ rules and messages, and is in the OpenAPI document', async (t) => {
    const ctx = await testApp(t, { config: allDay })
    const { visitId, schoolId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await goOnVisit(ctx, visitor, visitId, 'contact')
    const base = `/api/v1/schools/${schoolId}/visits/${visitId}/record`
    const empty = await visitor.json('GET', base)
    assert.equal(empty.statusCode, 200)
    assert.equal(JSON.parse(empty.body).closure, 'awaiting_record')

    const bad = await visitor.json('POST', `${base}/complete`, { present: [], arrivedAt: '13:58', discussed: '' })
    assert.equal(bad.statusCode, 400)
    const problem = JSON.parse(bad.body)
    assert.match(problem.detail, /Say who was present before completing the record .*Enter the time you left before completing the record/)
    const unknown = await visitor.json('PUT', base, { notAField: 'x' })
    assert.equal(unknown.statusCode, 400)

    const put = await visitor.json('PUT', base, { present: [{ name: 'Hannah Marsh', relationship: 'Mother' }], arrivedAt: '1358', leftAt: '14:52', discussed: 'Mondays' })
    assert.equal(put.statusCode, 200, put.body)
    const draft = JSON.parse(put.body)
    assert.equal(draft.record.status, 'draft')
    assert.equal(draft.record.arrivedAt, '13:58')
    const completed = await visitor.json('POST', `${base}/complete`, { present: [{ name: 'Hannah Marsh', relationship: 'Mother' }], arrivedAt: '13:58', leftAt: '14:52', discussed: 'Mondays', concerns: 'None seen', version: draft.record.version })
    assert.equal(completed.statusCode, 200, completed.body)
    assert.equal(JSON.parse(completed.body).closure, 'closed')

    const office = await signIn(ctx, 'office@westside.example')
    const officeRead = JSON.parse((await office.json('GET', base)).body)
    assert.equal(officeRead.record.concerns, undefined, 'concerns only for safeguarding roles and the visitors')

    const pupilId = (await ctx.pool.query<{ id: string }>(`SELECT pupil_id AS id FROM visit_pupils WHERE visit_id = $1`, [visitId])).rows[0]!.id
    const chronology = JSON.parse((await office.json('GET', `/api/v1/schools/${schoolId}/pupils/${pupilId}/chronology`)).body)
    assert.deepEqual(chronology.entries.map((e: { category: string }) => e.category), ['Home visit', 'Visit record'])

    const officeId = await userId(ctx.pool, 'office@westside.example')
    const pastAction = await office.json('POST', `/api/v1/schools/${schoolId}/pupils/${pupilId}/actions`, { description: 'Letter', ownerUserId: officeId, dueOn: '2026-11-01' })
    assert.equal(pastAction.statusCode, 400)
    assert.match(JSON.parse(pastAction.body).detail, /The due date must be today or in the future/)
    const action = await office.json('POST', `/api/v1/schools/${schoolId}/pupils/${pupilId}/actions`, { description: 'Letter', ownerUserId: officeId, dueOn: '2026-12-01' })
    assert.equal(action.statusCode, 201)
    const { id } = JSON.parse(action.body)
    const mine = JSON.parse((await office.json('GET', `/api/v1/schools/${schoolId}/follow-ups`)).body)
    assert.deepEqual(mine.myActions.map((a: { id: string }) => a.id), [id])
    const done = await office.json('POST', `/api/v1/schools/${schoolId}/actions/${id}/done`, { note: 'Posted' })
    assert.equal(JSON.parse(done.body).status, 'done')

    const openapi = JSON.parse((await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).body)
    for (const path of ['/api/v1/schools/{schoolId}/visits/{visitId}/record', '/api/v1/schools/{schoolId}/visits/{visitId}/record/complete', '/api/v1/schools/{schoolId}/pupils/{pupilId}/chronology', '/api/v1/schools/{schoolId}/follow-ups', '/api/v1/schools/{schoolId}/actions/{actionId}/done']) {
      assert.ok(openapi.paths[path], `${path} is in the OpenAPI document`)
    }
  })
})

describe('the demo after visits', () => {
  it('R-REC-1 R-FOLLOW-1 King’s Academy Gomer’s DSL sees the demo’s overdue record and action on the home page, and a closed visit in a chronology', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@kings-gomer.example')
    const home = textOf((await dsl.get('/')).body)
    assert.match(home, /After visits 1 visit record is overdue 1 follow-up action is overdue/)
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM pupils WHERE first_name = 'Aleksander' AND last_name = 'Nowak'`)
    const pupil = textOf((await dsl.get(`/pupils/${rows[0]!.id}`)).body)
    assert.match(pupil, /Chronology Home visit .* Visit record .*Present: Mrs Agnieszka Nowak \(Mother\).* Follow-up action/)
  })
})
