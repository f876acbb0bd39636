import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { demoSchoolId, signIn, testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'

const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))

/** The PDF's text in reading order, as pdf.js reads it back. */
async function readPdf(pdf: Buffer): Promise<string> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent()
    for (const item of content.items) if ('str' in item) parts.push(item.str)
  }
  await loaded.destroy()
  return parts.join(' ').replace(/\s+/g, ' ')
}

/** Harton's Callum (the demo's visit and disclosure), with a term of marks missing every Monday and Tuesday, a visit record with concerns, an agreement and a letter. */
async function callum(ctx: TestApp): Promise<{ schoolId: string; pupilId: string; upn: string }> {
  const schoolId = await demoSchoolId(ctx.pool, 'Harton Academy')
  const { rows } = await ctx.pool.query<{ id: string; upn: string; contactId: string; visitId: string }>(
    `SELECT p.id, p.upn, (SELECT contact_id FROM pupil_contacts WHERE pupil_id = p.id ORDER BY contact_id LIMIT 1) AS "contactId",
            (SELECT visit_id FROM visit_pupils WHERE pupil_id = p.id LIMIT 1) AS "visitId"
       FROM pupils p WHERE p.school_id = $1 AND p.first_name = 'Callum'`,
    [schoolId],
  )
  const pupil = rows[0]!
  await ctx.pool.query(
    `INSERT INTO visit_records (visit_id, school_id, status, discussed, concerns, created_at, updated_by_name, updated_at, completed_by_name, completed_at)
     VALUES ($1, $2, 'completed', 'Mornings and getting to school for 8:45', 'Bruising on the left forearm seen at the door', '2026-11-22T12:00:00Z', 'Harton visitor', '2026-11-22T12:00:00Z', 'Harton visitor', '2026-11-22T12:00:00Z')
     ON CONFLICT (visit_id) DO UPDATE SET concerns = EXCLUDED.concerns, discussed = EXCLUDED.discussed`,
    [pupil.visitId, schoolId],
  )
  const agreement = await ctx.pool.query<{ id: string }>(
    `INSERT INTO agreements (school_id, pupil_id, text, agreed_on, review_on, created_by_name, created_at, updated_at)
     VALUES ($1, $2, 'Callum will be in school by 8:45 every Monday', DATE '2026-10-05', DATE '2026-10-19', 'Harton visitor', '2026-10-05T12:00:00Z', '2026-10-05T12:00:00Z') RETURNING id`,
    [schoolId, pupil.id],
  )
  await ctx.pool.query('INSERT INTO agreement_adults (school_id, agreement_id, contact_id) VALUES ($1, $2, $3)', [schoolId, agreement.rows[0]!.id, pupil.contactId])
  await ctx.pool.query(
    `WITH review AS (
       INSERT INTO agreement_reviews (school_id, agreement_id, outcome, review_on, next_review_on, reviewed_at, reviewed_by_name)
       VALUES ($1, $2, 'not_kept', DATE '2026-10-19', DATE '2026-11-02', '2026-10-19T12:00:00Z', 'Harton visitor') RETURNING id, school_id, agreement_id)
     INSERT INTO letters (school_id, agreement_id, review_id, contact_id, addressed_to, body, pdf, produced_at, produced_by_name)
     SELECT school_id, agreement_id, id, $3, 'Ms Callum’s Parent', 'Dear parent', '\\x25504446'::bytea, '2026-10-20T09:00:00Z', 'Harton office' FROM review`,
    [schoolId, agreement.rows[0]!.id, pupil.contactId],
  )
  const marks: string[] = ['UPN,Date,Session,Mark']
  for (let at = new Date('2026-09-07T00:00:00Z'); at <= new Date('2026-11-20T00:00:00Z'); at.setUTCDate(at.getUTCDate() + 1)) {
    const day = at.getUTCDay()
    if (day === 0 || day === 6) continue
    for (const session of ['AM', 'PM']) marks.push(`${pupil.upn},${at.toISOString().slice(0, 10)},${session},${day === 1 || day === 2 ? 'O' : '/'}`)
  }
  return { schoolId, pupilId: pupil.id, upn: marks.join('\n') }
}

async function produce(agent: Agent, pupilId: string, form: Record<string, string> = {}): Promise<string> {
  const response = await agent.post(`/pupils/${pupilId}/referral-pack`, form)
  assert.equal(response.statusCode, 303, response.body.slice(0, 800))
  return /\/referral-packs\/([0-9a-f-]{36})/.exec(response.headers.location as string)![1]!
}

describe('referral pack for the local authority (R-ATT-1)', () => {
  it('R-ATT-1 a flagged pupil’s pack: attendance with the monthly chart, visits and records, agreements and letters, and no concern detail unless the DSL includes it', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, pupilId, upn: csv } = await callum(ctx)
    const office = await signIn(ctx, 'office@harton.example')
    assert.equal((await office.post('/attendance/import', { csv })).statusCode, 200)

    const slt = await signIn(ctx, 'slt@harton.example')
    const flags = textOf((await slt.get('/attendance')).body)
    assert.match(flags, /Callum .*Produce the referral pack for Callum/)
    const pupilPage = textOf((await slt.get(`/pupils/${pupilId}`)).body)
    assert.match(pupilPage, /Produce the referral pack for the local authority/)
    assert.match(pupilPage, /Agreements with the family: 1 \(1 open\)/)
    assert.match(pupilPage, /Home visits made: 1 ?, the last on 20 November 2026/)
    assert.match(pupilPage, /Letters sent: 1 ?, the last on 20 October 2026/)

    const form = await slt.get(`/pupils/${pupilId}/referral-pack`)
    assert.equal(form.statusCode, 200)
    assert.doesNotMatch(form.body, /name="includeConcerns"/, 'only the DSL team sees the choice')
    assert.match(textOf(form.body), /agreements with the family: 2 entries/)
    const forged = await slt.post(`/pupils/${pupilId}/referral-pack`, { includeConcerns: 'yes' })
    assert.equal(forged.statusCode, 400)
    assert.match(textOf(forged.body), /Only the DSL team can include safeguarding concern detail/)

    const packId = await produce(slt, pupilId)
    const pdf = await slt.get(`/referral-packs/${packId}/pack.pdf`)
    assert.equal(pdf.headers['content-type'], 'application/pdf')
    const text = await readPdf(pdf.rawPayload)
    assert.match(text, /Attendance: referral to the local authority/)
    assert.match(text, /Callum/)
    assert.match(text, /62\.7% attendance/)
    assert.match(text, /Persistent absence/)
    assert.match(text, /Attendance by month/)
    assert.match(text, /Sep 26 .*Oct 26 .*Nov 26/, 'the bars are labelled by month')
    assert.match(text, /Home visit/)
    assert.match(text, /Mornings and getting to school for 8:45/)
    assert.match(text, /Callum will be in school by 8:45 every Monday/)
    assert.match(text, /Letters sent .*Reminder letter to Ms Callum’s Parent/)
    assert.doesNotMatch(text, /Bruising/, 'the record’s concerns are not in the pack')
    assert.doesNotMatch(text, /never any breakfast/, 'the disclosure is not in the pack')
    assert.match(text, /Safeguarding concern recorded — see the DSL/)
    assert.match(text, /Safeguarding concern detail is not included/)

    const dsl = await signIn(ctx, 'dsl@harton.example')
    const dslForm = await dsl.get(`/pupils/${pupilId}/referral-pack`)
    assert.match(dslForm.body, /name="includeConcerns"/)
    const withConcerns = await produce(dsl, pupilId, { includeConcerns: 'yes' })
    const full = await readPdf((await dsl.get(`/referral-packs/${withConcerns}/pack.pdf`)).rawPayload)
    assert.match(full, /Bruising on the left forearm/)
    assert.match(full, /never any breakfast/)
    assert.match(full, /Safeguarding concern detail is included at the DSL’s decision/)
    assert.equal((await slt.get(`/referral-packs/${withConcerns}/pack.pdf`)).statusCode, 403, 'a pack with concern detail opens only for the DSL team')
    assert.match(textOf((await slt.get(`/referral-packs/${withConcerns}`)).body), /only the DSL team can open it/)

    const { rows: audit } = await ctx.pool.query<{ action: string; summary: string; change: { includesConcerns?: boolean } }>(
      `SELECT action, summary, change FROM audit_log WHERE school_id = $1 AND action LIKE 'referral_pack.%' ORDER BY at, action`,
      [schoolId],
    )
    assert.deepEqual(audit.filter((a) => a.action === 'referral_pack.produced').map((a) => String(a.change.includesConcerns)).sort(), ['false', 'true'])
    assert.ok(audit.some((a) => a.action === 'referral_pack.downloaded'))
    const viewed = await ctx.pool.query(`SELECT 1 FROM audit_log WHERE school_id = $1 AND action = 'concern.viewed'`, [schoolId])
    assert.ok(viewed.rowCount! >= 1, 'including concern detail is a reading of it, audited')
  })

  it('R-ATT-1 packs are listed and marked sent to the local authority with the date and who; bad dates re-render with the error summary', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, pupilId, upn: csv } = await callum(ctx)
    const office = await signIn(ctx, 'office@harton.example')
    await office.post('/attendance/import', { csv })
    const slt = await signIn(ctx, 'slt@harton.example')
    const packId = await produce(slt, pupilId)
    assert.match(textOf((await slt.get('/referral-packs')).body), /To send Pupil Produced .*Callum .*Not yet/)

    for (const [parts, message] of [
      [{}, /Enter the date the pack was sent/],
      [{ 'sentOn-day': '31', 'sentOn-month': '2', 'sentOn-year': '2026' }, /must be a real date/],
      [{ 'sentOn-day': '1', 'sentOn-month': '12', 'sentOn-year': '2026' }, /must be today or in the past/],
      [{ 'sentOn-day': '1', 'sentOn-month': '11', 'sentOn-year': '2026' }, /cannot be before it was produced/],
    ] as const) {
      const refused = await slt.post(`/referral-packs/${packId}/sent`, parts)
      assert.equal(refused.statusCode, 400)
      assert.match(refused.body, /govuk-error-summary/)
      assert.match(textOf(refused.body), message)
    }
    const sent = await slt.post(`/referral-packs/${packId}/sent`, { 'sentOn-day': '25', 'sentOn-month': '11', 'sentOn-year': '2026' })
    assert.equal(sent.statusCode, 303)
    const list = textOf((await slt.get('/referral-packs')).body)
    assert.match(list, /Sent Pupil Produced .*Callum .*25 November 2026, marked by/)
    assert.equal((await slt.post(`/referral-packs/${packId}/sent`, { 'sentOn-day': '25', 'sentOn-month': '11', 'sentOn-year': '2026' })).statusCode, 400, 'once only')

    const api = await slt.json('GET', `/api/v1/schools/${schoolId}/referral-packs`)
    assert.equal(api.statusCode, 200)
    assert.equal(api.json().packs[0].sentOn, '2026-11-25')
    const made = await slt.json('POST', `/api/v1/schools/${schoolId}/pupils/${pupilId}/referral-packs`, {})
    assert.equal(made.statusCode, 201, made.body)
    assert.equal(made.json().includesConcerns, false)
    const forged = await slt.json('POST', `/api/v1/schools/${schoolId}/pupils/${pupilId}/referral-packs`, { includeConcerns: true })
    assert.equal(forged.statusCode, 400)
    const badDate = await slt.json('POST', `/api/v1/schools/${schoolId}/referral-packs/${made.json().id}/sent`, { sentOn: 'yesterday' })
    assert.equal(badDate.statusCode, 400)
    assert.equal((await slt.json('POST', `/api/v1/schools/${schoolId}/referral-packs/${made.json().id}/sent`, { sentOn: '2026-11-25' })).json().sentByName !== null, true)
    const visitor = await signIn(ctx, 'visitor@harton.example')
    assert.equal((await visitor.get('/referral-packs')).statusCode, 403)
  })
})
