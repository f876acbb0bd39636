import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf, userId, type Agent, type TestApp } from '../../../test/helpers.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { readPdf } from '../cancellations/fixtures.ts'
import { agreementChronology, cancellationChronology, letterChronology } from './chronology.ts'

/**
 * Agreements and reminder letters (R-AGREE-1). Westside's policy sends reminder letters and drafts a follow-up
 * visit on continued failure; Harton's does neither. The demo clock is Wednesday 25 November 2026.
 * Maja Wiśniewska's parents are Mrs Katarzyna Wiśniewska and Mr Paweł Wiśniewski: a letter to each, by their
 * own names (R-FAMILY-1).
 */
const TODAY = '2026-11-25'

type Family = { schoolId: string; pupilId: string; adults: Record<string, string> }

async function family(ctx: TestApp, schoolName: string, pupilFirstName: string): Promise<Family> {
  const { rows } = await ctx.pool.query<{ schoolId: string; pupilId: string; contactId: string; firstName: string }>(
    `SELECT s.id AS "schoolId", p.id AS "pupilId", c.id AS "contactId", c.first_name AS "firstName"
       FROM pupils p JOIN schools s ON s.id = p.school_id JOIN pupil_contacts pc ON pc.pupil_id = p.id JOIN contacts c ON c.id = pc.contact_id
      WHERE s.name = $1 AND p.first_name = $2`,
    [schoolName, pupilFirstName],
  )
  assert.ok(rows[0], `${pupilFirstName} at ${schoolName}`)
  return { schoolId: rows[0].schoolId, pupilId: rows[0].pupilId, adults: Object.fromEntries(rows.map((r) => [r.firstName, r.contactId])) }
}

const api = (f: { schoolId: string }, path: string) => `/api/v1/schools/${f.schoolId}${path}`

async function json<T>(response: Promise<{ statusCode: number; body: string }>, status = 200): Promise<T> {
  const result = await response
  assert.equal(result.statusCode, status, result.body.slice(0, 600))
  return JSON.parse(result.body) as T
}

type Detail = { agreement: { id: string; status: string; reviewOn: string; followUpVisitId: string | null }; letters: Array<{ id: string; addressedTo: string; postedAt: string | null }>; lettersDue: boolean; followUpVisitId?: string | null }

async function record(agent: Agent, f: Family, adults: string[], extra: Record<string, unknown> = {}): Promise<Detail> {
  return json<Detail>(agent.json('POST', api(f, `/pupils/${f.pupilId}/agreements`), {
    contactIds: adults.map((name) => f.adults[name]),
    text: 'Maja will be in school by 8:45 every day.',
    agreedOn: TODAY,
    reviewOn: '2026-12-09',
    ...extra,
  }), 201)
}

describe('agreements and reminder letters', () => {
  it('R-AGREE-1 R-FAMILY-1 an agreement recorded on the pupil’s page, marked not kept at review, gives a letter to each adult by their own name; the office posts them', async (t) => {
    const ctx = await testApp(t)
    const maja = await family(ctx, 'Westside School', 'Maja')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const form = textOf((await visitor.get(`/pupils/${maja.pupilId}/agreements/new`)).body)
    assert.match(form, /Mrs Katarzyna Wiśniewska \(Mother\)/)
    assert.match(form, /Mr Paweł Wiśniewski \(Father\)/)
    const made = await visitor.post(`/pupils/${maja.pupilId}/agreements`, {
      contactIds: [maja.adults.Katarzyna!, maja.adults['Paweł']!],
      text: 'Maja will be in school by 8:45 every day; her parents will phone the office by 9:00 if she is ill.',
      'agreedOn-day': '25', 'agreedOn-month': '11', 'agreedOn-year': '2026',
      'reviewOn-day': '9', 'reviewOn-month': '12', 'reviewOn-year': '2026',
    })
    assert.equal(made.statusCode, 303, textOf(made.body))
    const agreementUrl = made.headers.location as string
    const agreementId = agreementUrl.split('/')[2]!.split('?')[0]!
    assert.match(textOf((await visitor.get(agreementUrl)).body), /Agreement recorded\. .*What was agreed Maja will be in school by 8:45.* With Mrs Katarzyna Wiśniewska, Mr Paweł Wiśniewski .* Next review 9 December 2026/)
    assert.match(textOf((await visitor.get(`/pupils/${maja.pupilId}`)).body), /Agreements with the family .*Agreed 25 November 2026 with Mrs Katarzyna Wiśniewska and Mr Paweł Wiśniewski – review on 9 December 2026/)

    const notKept = await visitor.post(`/agreements/${agreementId}/review`, { outcome: 'not_kept', note: 'Late on four days.', 'nextReviewOn-day': '16', 'nextReviewOn-month': '12', 'nextReviewOn-year': '2026' })
    assert.equal(notKept.statusCode, 303, textOf(notKept.body))
    assert.match(textOf((await visitor.get(notKept.headers.location as string)).body), /Agreement marked not kept\. Produce the reminder letters below\..*Not kept on 25 November 2026, by .*: Late on four days\. – next review 16 December 2026/)

    const office = await signIn(ctx, 'office@westside.example')
    const letters = textOf((await office.get('/letters')).body)
    assert.match(letters, /Letters to produce Maja Wiśniewska: not kept, letters to Mrs Katarzyna Wiśniewska and Mr Paweł Wiśniewski/)
    const produced = await office.post(`/agreements/${agreementId}/letters`)
    assert.equal(produced.statusCode, 303, textOf(produced.body))
    const again = await office.post(`/agreements/${agreementId}/letters`)
    assert.equal(again.statusCode, 409)
    assert.match(textOf(again.body), /There is a problem The letters for this review have already been produced/)

    const detail = await json<Detail>(office.json('GET', api(maja, `/agreements/${agreementId}`)))
    assert.deepEqual(detail.letters.map((l) => l.addressedTo).sort(), ['Mr Paweł Wiśniewski', 'Mrs Katarzyna Wiśniewska'])
    const toFather = detail.letters.find((l) => l.addressedTo === 'Mr Paweł Wiśniewski')!
    const { pages, text } = await readPdf((await office.get(`/letters/${toFather.id}/letter.pdf`)).rawPayload)
    assert.equal(pages, 1)
    assert.match(text, /^Westside School 25 November 2026 Mr Paweł Wiśniewski /)
    assert.match(text, /Dear Mr Wiśniewski, Reminder about our agreement for Maja Wiśniewska/)
    assert.match(text, /When we met on 25 November 2026, we agreed together: Maja will be in school by 8:45 every day; her parents will phone the office by 9:00 if she is ill\./)
    assert.match(text, /When we reviewed this on 25 November 2026, the agreement had not been kept/)
    assert.ok(!text.includes('{{'), 'every placeholder is filled')
    const toMother = await readPdf((await office.get(`/letters/${detail.letters.find((l) => l !== toFather)!.id}/letter.pdf`)).rawPayload)
    assert.match(toMother.text, /Dear Mrs Wiśniewska,/)

    assert.match(textOf((await office.get('/letters')).body), /Letters to post .*Mr Paweł Wiśniewski About Maja Wiśniewska’s agreement\. Flat 12, Becklow Gardens, Becklow Road, London, W12 9HL/)
    await office.post(`/letters/${toFather.id}/posted`).then((r) => assert.equal(r.statusCode, 303, textOf(r.body)))
    const twice = await office.post(`/letters/${toFather.id}/posted`)
    assert.equal(twice.statusCode, 409)
    assert.match(textOf(twice.body), /This letter was already marked posted by/)
    const toPost = await json<{ letters: Array<{ addressedTo: string }> }>(office.json('GET', api(maja, '/letters')))
    assert.ok(!toPost.letters.some((l) => l.addressedTo === 'Mr Paweł Wiśniewski'), 'a posted letter leaves the list')
    assert.ok(toPost.letters.some((l) => l.addressedTo === 'Mrs Katarzyna Wiśniewska'))

    const audit = await ctx.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE school_id = $1 AND action LIKE ANY ('{agreement.%,letter.%}') ORDER BY seq`, [maja.schoolId])
    const actions = audit.rows.map((r) => r.action)
    for (const action of ['agreement.recorded', 'agreement.reviewed', 'letter.produced', 'letter.posted']) assert.ok(actions.includes(action), `${action} is in the audit history`)
    assert.equal(actions.filter((a) => a === 'letter.produced').length, 2)

    // R-REC-3: the chronology sources list the agreement, its review and the letters.
    const viewer = { userId: await userId(ctx.pool, 'dsl@westside.example'), roles: ['dsl' as const] }
    const entries = [...(await agreementChronology(ctx.pool, maja.schoolId, maja.pupilId, viewer, ctx.clock())), ...(await letterChronology(ctx.pool, maja.schoolId, maja.pupilId, viewer, ctx.clock()))]
    assert.ok(entries.some((e) => e.category === 'Agreement' && e.what.includes('8:45') && e.href === `/agreements/${agreementId}`))
    assert.ok(entries.some((e) => e.category === 'Agreement review' && e.what.startsWith('Not kept')))
    assert.ok(entries.some((e) => e.category === 'Letter' && e.what === 'Reminder letter to Mr Paweł Wiśniewski about an agreement not kept' && e.actions.startsWith('Posted')))
    assert.deepEqual(await cancellationChronology(ctx.pool, maja.schoolId, maja.pupilId, viewer, ctx.clock()), [])
  })

  it('R-AGREE-1 continued failure: the second not-kept review drafts a follow-up visit with the agreement’s history, and tells the head', async (t) => {
    const sink = await startSmtpSink(t)
    const ctx = await testApp(t, { jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const maja = await family(ctx, 'Westside School', 'Maja')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const { agreement } = await record(visitor, maja, ['Katarzyna'])
    const first = await json<Detail>(visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'not_kept', nextReviewOn: '2026-12-02', note: 'Late twice.' }), 201)
    assert.equal(first.followUpVisitId, null, 'one not-kept review is a reminder, not yet a visit')
    const second = await json<Detail>(visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'not_kept', nextReviewOn: '2026-12-16', note: 'Late every day this week.' }), 201)
    const visitId = second.followUpVisitId
    assert.ok(visitId, 'a follow-up visit was drafted')
    assert.equal(second.agreement.followUpVisitId, visitId)
    const visit = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(visit, /Maja Wiśniewska/)
    assert.match(visit, /Draft/)
    const drafted = await ctx.pool.query<{ status: string; purpose_detail: string }>('SELECT status, purpose_detail FROM visits WHERE id = $1', [visitId])
    assert.equal(drafted.rows[0]!.status, 'draft')
    assert.match(drafted.rows[0]!.purpose_detail, /the agreement made on 25 November 2026 was not kept at 2 reviews/)
    assert.match(drafted.rows[0]!.purpose_detail, /Reviewed 25 November 2026: not kept \(Late twice\.\)/)
    assert.match(drafted.rows[0]!.purpose_detail, new RegExp(`/agreements/${agreement.id}`))
    const told = await ctx.pool.query<{ title: string }>(`SELECT title FROM notifications WHERE user_id = $1 AND kind = 'agreement_follow_up'`, [await userId(ctx.pool, 'head@westside.example')])
    assert.deepEqual(told.rows.map((r) => r.title), ['Westside School: a follow-up visit was drafted'])
    const mail = await sink.waitFor(2)
    const toHead = mail.find((m) => m.to.includes('head@westside.example'))!
    assert.ok(toHead.text.includes(`/visits/${visitId}`))
    assert.ok(!toHead.text.includes('Maja') && !toHead.text.includes('Wiśniewsk'), 'the email names no one in the family')
    // A third not-kept review does not draft a second visit.
    const third = await json<Detail>(visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'not_kept', nextReviewOn: '2027-01-06' }), 201)
    assert.equal(third.followUpVisitId, null)
    const kept = await json<Detail>(visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'kept' }), 201)
    assert.equal(kept.agreement.status, 'kept')
    const closed = await visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'kept' })
    assert.equal(closed.statusCode, 409)
  })

  it('R-AGREE-1 bad input: no adult, no words, dates that are not real or in the past, an adult of another family, another pupil’s visit; nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const maja = await family(ctx, 'Westside School', 'Maja')
    const leo = await family(ctx, 'Westside School', 'Leo')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const count = async () => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM agreements WHERE pupil_id = $1', [maja.pupilId])).rows[0]!.n
    const before = await count()
    const empty = await visitor.post(`/pupils/${maja.pupilId}/agreements`, { text: '', 'reviewOn-day': '31', 'reviewOn-month': '2', 'reviewOn-year': '2027' })
    assert.equal(empty.statusCode, 400)
    const page = textOf(empty.body)
    assert.match(page, /There is a problem Choose who the agreement was made with Enter what was agreed Enter the date it was agreed The review date must be a real date, like 27 3 2027/)
    assert.match(empty.body, /href="#reviewOn-day"/)
    assert.match(empty.body, /name="reviewOn-day"[^>]*value="31"/, 'what was typed is shown again')
    const past = await visitor.post(`/pupils/${maja.pupilId}/agreements`, { contactIds: leo.adults.Hannah!, text: 'x', 'agreedOn-day': '25', 'agreedOn-month': '11', 'agreedOn-year': '2026', 'reviewOn-day': '1', 'reviewOn-month': '11', 'reviewOn-year': '2026' })
    assert.equal(past.statusCode, 400)
    assert.match(textOf(past.body), /Choose adults from Maja Wiśniewska’s family .*The review date must be today \(25 November 2026\) or later/)
    const leoVisit = (await ctx.pool.query<{ id: string }>('SELECT visit_id AS id FROM visit_pupils WHERE pupil_id = $1 LIMIT 1', [leo.pupilId])).rows[0]!.id
    const wrongVisit = await visitor.json('POST', api(maja, `/pupils/${maja.pupilId}/agreements`), { contactIds: [maja.adults.Katarzyna], text: 'x', agreedOn: TODAY, reviewOn: '2026-12-01', visitId: leoVisit })
    assert.equal(wrongVisit.statusCode, 400)
    assert.match(wrongVisit.body, /That visit is not one of Maja Wiśniewska’s visits/)
    const notDate = await visitor.json('POST', api(maja, `/pupils/${maja.pupilId}/agreements`), { contactIds: [maja.adults.Katarzyna], text: 'x', agreedOn: TODAY, reviewOn: '2026-13-01' })
    assert.equal(notDate.statusCode, 400)
    assert.match(notDate.headers['content-type'] as string, /application\/problem\+json/)
    assert.equal(await count(), before, 'nothing was saved')

    const { agreement } = await record(visitor, maja, ['Katarzyna'])
    const noDate = await visitor.post(`/agreements/${agreement.id}/review`, { outcome: 'not_kept' })
    assert.equal(noDate.statusCode, 400)
    assert.match(textOf(noDate.body), /There is a problem Enter the next review date/)
    const noOutcome = await visitor.post(`/agreements/${agreement.id}/review`, {})
    assert.equal(noOutcome.statusCode, 400)
    assert.match(textOf(noOutcome.body), /Choose whether the agreement was kept/)
    assert.equal((await ctx.pool.query('SELECT count(*)::int AS n FROM agreement_reviews WHERE agreement_id = $1', [agreement.id])).rows[0].n, 0)
  })

  it('R-AGREE-1 a letter for a pupil with no adult on file is refused with a clear message; so is a pupil page form with no adults', async (t) => {
    const ctx = await testApp(t)
    const maja = await family(ctx, 'Westside School', 'Maja')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const { agreement } = await record(visitor, maja, ['Katarzyna'])
    await json(visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'not_kept', nextReviewOn: '2026-12-09' }), 201)
    await ctx.pool.query('DELETE FROM pupil_contacts WHERE pupil_id = $1', [maja.pupilId])
    const refused = await office.json('POST', api(maja, `/agreements/${agreement.id}/letters`))
    assert.equal(refused.statusCode, 409)
    assert.match(refused.body, /There is no adult on file for Maja Wiśniewska: add the parents or carers on the pupil’s page first\./)
    assert.equal((await ctx.pool.query('SELECT count(*)::int AS n FROM letters WHERE agreement_id = $1', [agreement.id])).rows[0].n, 0)
    assert.match(textOf((await visitor.get(`/pupils/${maja.pupilId}/agreements/new`)).body), /There is no adult on file for Maja Wiśniewska: add the parents or carers first/)
    const posted = await visitor.post(`/pupils/${maja.pupilId}/agreements`, { contactIds: maja.adults.Katarzyna!, text: 'x', 'agreedOn-day': '25', 'agreedOn-month': '11', 'agreedOn-year': '2026', 'reviewOn-day': '1', 'reviewOn-month': '12', 'reviewOn-year': '2026' })
    assert.equal(posted.statusCode, 400)
    assert.match(textOf(posted.body), /There is no adult on file for Maja Wiśniewska/)
  })

  it('R-AGREE-1 the head edits the letter: unknown placeholders are refused, naming them; the saved words are used; only the head may change them', async (t) => {
    const ctx = await testApp(t)
    const maja = await family(ctx, 'Westside School', 'Maja')
    const head = await signIn(ctx, 'head@westside.example')
    const page = textOf((await head.get('/letters/template')).body)
    assert.match(page, /\{\{adult\.name\}\}/)
    assert.match(page, /\{\{pupil\.name\}\}/)
    const bad = await head.post('/letters/template', { body: 'Dear {{adult.title}} {{adult.surname}}, about {{ child.name }} and {{pupil.name}}.' })
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem These placeholders are not known: \{\{adult\.surname\}\}, \{\{child\.name\}\}\. Use only the placeholders listed on this page/)
    assert.match(bad.body, /adult\.surname/, 'what was typed is shown again')
    const broken = await head.json('PUT', api(maja, '/letter-template'), { body: 'Dear {{adult.name}, hello' })
    assert.equal(broken.statusCode, 400)
    assert.match(broken.body, /Each placeholder needs two braces on both sides/)
    assert.equal((await ctx.pool.query('SELECT count(*)::int AS n FROM letter_templates WHERE school_id = $1', [maja.schoolId])).rows[0].n, 0, 'nothing was saved')
    assert.equal((await (await signIn(ctx, 'office@westside.example')).get('/letters/template')).statusCode, 403)

    const saved = await head.post('/letters/template', { body: 'To {{adult.name}}\n\nAbout {{pupil.name}} at {{school.name}}: please call us about "{{agreement.text}}".' })
    assert.equal(saved.statusCode, 303, textOf(saved.body))
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const { agreement } = await record(visitor, maja, ['Paweł'])
    await json(visitor.json('POST', api(maja, `/agreements/${agreement.id}/reviews`), { outcome: 'not_kept', nextReviewOn: '2026-12-09' }), 201)
    const made = await json<{ letters: Array<{ id: string }> }>(head.json('POST', api(maja, `/agreements/${agreement.id}/letters`)), 201)
    const { text } = await readPdf((await head.get(`/letters/${made.letters[0]!.id}/letter.pdf`)).rawPayload)
    assert.match(text, /To Mr Paweł Wiśniewski About Maja Wiśniewska at Westside School: please call us about "Maja will be in school by 8:45 every day\."/)
  })

  it('R-AGREE-1 under a policy that sends no letters (Harton), a not-kept agreement has no letters and no follow-up visit', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ first: string }>(`SELECT p.first_name AS first FROM pupils p JOIN schools s ON s.id = p.school_id JOIN pupil_contacts pc ON pc.pupil_id = p.id WHERE s.name = 'Harton Academy' ORDER BY p.first_name LIMIT 1`)
    const pupil = await family(ctx, 'Harton Academy', rows[0]!.first)
    const head = await signIn(ctx, 'head@harton.example')
    const first = Object.keys(pupil.adults)[0]!
    const { agreement } = await record(head, pupil, [first])
    for (const next of ['2026-12-02', '2026-12-09']) {
      const review = await json<Detail>(head.json('POST', api(pupil, `/agreements/${agreement.id}/reviews`), { outcome: 'not_kept', nextReviewOn: next }), 201)
      assert.equal(review.lettersDue, true, 'the review itself records that it was not kept')
      assert.equal(review.followUpVisitId, null)
    }
    const refused = await head.json('POST', api(pupil, `/agreements/${agreement.id}/letters`))
    assert.equal(refused.statusCode, 409)
    assert.match(refused.body, /The school’s policy does not send reminder letters/)
    assert.match(textOf((await head.get('/letters')).body), /The school’s policy does not send reminder letters when an agreement is not kept\./)
  })

  it('R-AGREE-1 demo data: an agreement due for review today and a letter waiting to be posted', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const page = textOf((await office.get('/letters')).body)
    assert.match(page, /Letters to post Mr Shaun Pike About Jordan Pike’s agreement\. (?!No address)/)
    assert.match(page, /Agreements due for review Maja Wiśniewska, due 25 November 2026/)
  })
})
