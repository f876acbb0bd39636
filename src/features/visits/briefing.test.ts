import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'
import { hashPassword } from '../auth/passwords.ts'
import { allAnswers, as, completePlan, createDraft, ok, pupilId, school, type School } from './fixtures.ts'

/**
 * The briefing (R-BRIEF-1, R-CASH-1, R-RISK-3, R-CONF-1). The Westside visit is Leo Marsh's, with
 * the visitor (lead) and the SLT member (second); the deputy completes the risk assessment, the
 * headteacher signs it off and approves.
 */

/** A Westside visit for Leo Marsh: a dog at the address and a social worker, approved by the head. */
async function approvedVisit(ctx: TestApp, s: School, plan: Record<string, unknown> = {}): Promise<{ visitId: string; visitor: Agent }> {
  const leo = await pupilId(ctx, s.id, 'Leo')
  const address = (await ctx.pool.query<{ id: string }>('SELECT address_id AS id FROM pupil_addresses WHERE pupil_id = $1 AND is_main', [leo])).rows[0]!.id
  const dsl = await as(ctx, 'dsl', 'westside')
  const dog = await dsl.post(`/pupils/${leo}/addresses/${address}/hazards`, { kind: 'animal', description: 'Large dog, barks at the door.', animalsWillBeShutAway: 'yes' })
  assert.equal(dog.statusCode, 303, dog.body.slice(0, 500))
  await ctx.pool.query(
    `INSERT INTO agencies (school_id, pupil_id, name, role_or_service, contact_name, phone, is_lead_practitioner) VALUES ($1, $2, 'Hammersmith Children’s Services', 'Social worker', 'Dee Okoro', '02079460999', true)`,
    [s.id, leo],
  )
  const visitor = await as(ctx, 'visitor', 'westside')
  const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', plan))
  await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
  const answers = { ...allAnswers(), location_risks: 'Busy main road; park on Glenthorne Road, not in the cul-de-sac.', exit_routes: 'Front door only; keep it behind you.' }
  await ok(await (await as(ctx, 'deputy', 'westside')).json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers, risksFound: false, animalsKeptAwayRequested: true }))
  const head = await as(ctx, 'head', 'westside')
  await ok(await head.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))
  await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
  return { visitId, visitor }
}

async function auditActions(ctx: TestApp, action: string): Promise<Array<{ actor_name: string; summary: string; change: Record<string, unknown> }>> {
  const { rows } = await ctx.pool.query<{ actor_name: string; summary: string; change: Record<string, unknown> }>(
    'SELECT actor_name, summary, change FROM audit_log WHERE action = $1 ORDER BY chain, seq',
    [action],
  )
  return rows
}

describe('the briefing (R-BRIEF-1)', () => {
  it('R-BRIEF-1 a visitor on an approved visit sees the risk assessment, the area, the family, hazards, agencies, itinerary, check-ins, waits, code word and reminders', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor } = await approvedVisit(ctx, s)

    const response = await visitor.get(`/visits/${visitId}/briefing`)
    await ok(response)
    assert.equal(response.headers['cache-control'], 'private, no-store')
    const page = textOf(response.body)
    assert.ok(!page.includes('Not approved yet'), 'no warning on an approved visit')
    assert.match(page, /Briefing for a home visit Leo Marsh Thursday 26 November 2026, 10:00 to 11:00 Approved/)
    assert.match(response.body, /<p class="doorstep-code-word doorstep-code-word--large" id="code-word">Bluebell<\/p>/)
    // Where and when (R-ITIN-1), with the area from the risk assessment.
    assert.match(page, /Address 18 Glenthorne Road London W6 0LS Times 09:30 Leave school 10:00 Arrive at the address 10:00 to 11:00 The visit 11:00 Leave the address 11:30 Back at school/)
    assert.match(page, /The area Busy main road; park on Glenthorne Road/)
    // Westside: the office calls ten minutes into the visit; the visitors check in when back (R-CHECK-1/2).
    assert.match(page, /10:10 Office call to the visitors: The school office calls you\. 11:30 Back at school: You check in with the school office\./)
    assert.match(page, /If you are more than 10 minutes late with a check-in, or not back when planned: the school office tries to reach each of you by phone, the headteacher decides what to do next and the headteacher considers contacting the police/)
    // Wait limits (R-WAIT-1/2).
    assert.match(page, /wait no longer than 20 minutes, then leave/)
    assert.match(page, /do not go in until they arrive, and leave after 30 minutes/)
    // Who to call: the office staff's mobiles (schools hold no office number).
    const office = await ctx.pool.query<{ name: string; mobile: string }>(`SELECT name, mobile FROM users WHERE email = 'office@westside.example'`)
    assert.match(page, new RegExp(`${office.rows[0]!.name} \\(school office\\): ${office.rows[0]!.mobile}`))
    assert.match(response.body, new RegExp(`href="tel:${office.rows[0]!.mobile}"`))
    assert.match(page, /If something goes wrong on the way Phone the office from the nearest safe place/)
    // Risks: the dog, the assessment's findings (R-RISK-1, R-FAMILY-4).
    assert.match(page, /Animals: Large dog, barks at the door\. The family will keep them shut away during the visit\./)
    assert.match(page, /Risk assessment: Signed off by .*\. No potential risks were found\./)
    assert.match(page, /Exit routes Front door only; keep it behind you\./)
    assert.match(page, /Family asked to keep animals away Yes/)
    // The family, with their own names (R-FAMILY-1), and the agencies (R-FAMILY-2).
    assert.match(page, /Ms Hannah Marsh You are meeting Mother of Leo Has parental responsibility Lives at the pupil’s home Phone 07700900811/)
    assert.match(page, /Mr Ryan Doyle Father of Leo Has parental responsibility/)
    assert.ok(!page.includes('07700900812'), 'only the phone numbers of the adults being met')
    assert.match(page, /Other agencies Hammersmith Children’s Services \(lead practitioner\), Social worker: Dee Okoro, 02079460999/)
    // The pupil's restricted notes, for a visitor on this visit (R-CONF-1).
    assert.match(page, /Leo Marsh Year group Year 9 Attendance 86\.5% \(as of .*\) Medical needs None recorded Special educational needs \(SEND\) Dyslexia: reading support twice a week\. Behaviour None recorded/)
    // Staff and vehicle, then the policy's reminders and the badge rule (R-BRIEF-1, R-CASH-1).
    assert.match(page, /Who is going .*lead visitor: 07700/)
    for (const reminder of [
      'Always carry a mobile phone and keep it switched on.',
      'Never enter or stay in a home without an appropriate adult present',
      'identify the exit routes',
      'Leave at once if at any point you feel unsafe',
      'Do not carry large amounts of cash or valuable personal possessions.',
      'Carry your identity card and show it when you arrive at a home for the first time. Do not wear it around your neck.',
    ]) {
      assert.ok(page.includes(reminder), `the briefing reminds: ${reminder}`)
    }

    // The view is in the visit's history and the audit log; the restricted notes' view is audited with the visit.
    const viewed = await auditActions(ctx, 'visit.briefing_viewed')
    assert.deepEqual(viewed.map((row) => row.summary), ['Viewed the briefing'])
    const restricted = await auditActions(ctx, 'pupil.restricted_viewed')
    assert.equal(restricted.length, 1)
    assert.deepEqual(restricted[0]!.change, { visitId })
    assert.match(restricted[0]!.summary, /Viewed the medical, SEND and behaviour notes of Leo Marsh \(visit briefing\)/)
    assert.match(textOf((await visitor.get(`/visits/${visitId}`)).body), /Viewed the briefing/)
  })

  it('R-CONF-1 the office sees the briefing and the code word but not the restricted notes; the DSL sees them; others are refused; another school’s visit is not found', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId } = await approvedVisit(ctx, s)
    const url = `/visits/${visitId}/briefing`

    const office = await as(ctx, 'office', 'westside')
    const forOffice = textOf((await office.get(url)).body)
    assert.match(forOffice, /Code word Bluebell/)
    assert.ok(!forOffice.includes('Dyslexia'), 'no restricted notes for the office')
    assert.match(forOffice, /Medical, SEND and behaviour notes are shown to the staff going on this visit once it is approved, and to the DSL or headteacher\./)
    assert.equal((await auditActions(ctx, 'pupil.restricted_viewed')).length, 0)
    assert.deepEqual((await auditActions(ctx, 'visit.briefing_viewed')).map((row) => row.summary), ['Viewed the briefing (not going on the visit)'])

    for (const reader of ['dsl', 'deputy.dsl', 'head', 'deputy']) {
      const page = textOf((await (await as(ctx, reader, 'westside')).get(url)).body)
      assert.match(page, /Dyslexia: reading support twice a week\./, `${reader} sees the restricted notes`)
      assert.match(page, /Code word Bluebell/, `${reader} sees the code word`)
    }
    assert.equal((await auditActions(ctx, 'pupil.restricted_viewed')).length, 4)

    // Not on the visit and not office, DSL or head: refused.
    for (const other of ['visitor2', 'governor', 'admin']) {
      const response = await (await as(ctx, other, 'westside')).get(url)
      assert.equal(response.statusCode, 403, `${other} may not read the briefing`)
      assert.ok(!response.body.includes('Bluebell'))
    }
    const onOtherVisit = await createDraft(await as(ctx, 'visitor', 'westside'), s, await completePlan(ctx, s, 'Leo', 'Hannah', { staff: [{ userId: await s.staff('deputy'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }] }))
    assert.equal((await (await as(ctx, 'slt', 'westside')).get(`/visits/${onOtherVisit}/briefing`)).statusCode, 403, 'an SLT member not on the visit')

    const harton = await signIn(ctx, 'head@harton.example')
    const elsewhere = await harton.get(url)
    assert.equal(elsewhere.statusCode, 404)
    assert.ok(!elsewhere.body.includes('Bluebell') && !elsewhere.body.includes('Leo Marsh'))
  })

  it('R-CONF-1 a visitor who drafts a visit with themselves on it does not read the pupil’s restricted notes until the visit is approved', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const leo = await pupilId(ctx, s.id, 'Leo')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah'))
    const shows = async () => textOf((await visitor.get(`/visits/${visitId}/briefing`)).body)

    const draft = await shows()
    assert.match(draft, /Not approved yet/)
    assert.ok(!draft.includes('Dyslexia'), 'no restricted notes on a draft')
    assert.match(draft, /Medical, SEND and behaviour notes are shown to the staff going on this visit once it is approved, and to the DSL or headteacher\./)
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
    assert.ok(!(await shows()).includes('Dyslexia'), 'nor while it awaits its risk assessment')
    await ok(await (await as(ctx, 'deputy', 'westside')).json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false }))
    const head = await as(ctx, 'head', 'westside')
    await ok(await head.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))
    assert.ok(!(await shows()).includes('Dyslexia'), 'nor while it awaits approval')
    assert.equal((await auditActions(ctx, 'pupil.restricted_viewed')).length, 0, 'nothing was read')

    // The pupil page and API follow the same rule: a visitor reads the notes only through an approved visit.
    assert.ok(!textOf((await visitor.get(`/pupils/${leo}`)).body).includes('Dyslexia'))
    assert.equal(((await visitor.json('GET', `/api/v1/schools/${s.id}/pupils/${leo}`)).json() as { restrictedNotes?: unknown }).restrictedNotes, undefined)

    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    assert.match(await shows(), /Dyslexia: reading support twice a week\./, 'once approved, the staff going read them')
    assert.equal((await auditActions(ctx, 'pupil.restricted_viewed')).length, 1)

  })

  it('R-BRIEF-1 a visit that is not approved yet says so at the top; a cancelled visit has no briefing', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah'))
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))

    const response = await visitor.get(`/visits/${visitId}/briefing`)
    await ok(response)
    const page = textOf(response.body)
    assert.match(page, /Warning Not approved yet — you cannot leave for this visit The visit is awaiting risk assessment\./)
    assert.match(response.body, /id="not-approved"[^>]*role="alert"|role="alert"[^>]*id="not-approved"/)
    assert.match(page, /There is no risk assessment yet\.|Risk assessment: Not finished yet/)

    await ok(await visitor.json('POST', s.url(`/${visitId}/cancel`), { cancelReason: 'other', reason: 'Mum will come into school on Friday.' }))
    const cancelled = await visitor.get(`/visits/${visitId}/briefing`)
    assert.equal(cancelled.statusCode, 409)
    assert.match(textOf(cancelled.body), /This visit was cancelled, so it has no briefing\./)
  })

  it('R-RISK-3 a request for police accompaniment is shown at the top of the briefing', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'morecambe-road')
    const { rows } = await ctx.pool.query<{ pupil: string; adult: string }>(
      `SELECT p.first_name AS pupil, c.first_name AS adult FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
         JOIN visit_contacts vc ON vc.visit_id = v.id JOIN contacts c ON c.id = vc.contact_id WHERE v.school_id = $1 LIMIT 1`,
      [s.id],
    )
    const visitor = await as(ctx, 'visitor', 'morecambe-road')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, rows[0]!.pupil, rows[0]!.adult, { date: '2026-11-30' }))
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
    await ok(await (await as(ctx, 'deputy', 'morecambe-road')).json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false, policeAccompanimentRequested: true }))
    const page = textOf((await visitor.get(`/visits/${visitId}/briefing`)).body)
    assert.match(page, /Not approved yet — you cannot leave for this visit .* Police accompaniment Police accompaniment has been requested for this visit Do not go until the arrangement with the police is confirmed/)
  })
})

describe('finding the briefing (R-BRIEF-1)', () => {
  it('R-BRIEF-1 the visit page links to the briefing for the visitors and the office, not for a member of SLT who is not going', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor } = await approvedVisit(ctx, s)
    const link = `href="/visits/${visitId}/briefing"`
    assert.ok((await visitor.get(`/visits/${visitId}`)).body.includes(link), 'the visitor on the visit is offered the briefing')
    assert.ok((await (await as(ctx, 'office', 'westside')).get(`/visits/${visitId}`)).body.includes(link), 'the office is offered the briefing')
    // A member of SLT who is not going: sees the visit, but the briefing is not theirs to read.
    const hash = await hashPassword('another-slt-password')
    const other = await ctx.pool.query<{ id: string }>(`INSERT INTO users (email, name, password_hash) VALUES ('slt2@westside.example', 'Pat Other', $1) RETURNING id`, [hash])
    await ctx.pool.query(`INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, 'slt')`, [s.id, other.rows[0]!.id])
    const slt = await signIn(ctx, 'slt2@westside.example', 'another-slt-password')
    const sltPage = await slt.get(`/visits/${visitId}`)
    assert.equal(sltPage.statusCode, 200)
    assert.ok(!sltPage.body.includes(link), 'someone not on the visit and not a briefing reader is not offered it')
    assert.equal((await slt.get(`/visits/${visitId}/briefing`)).statusCode, 403)
  })

  it('R-BRIEF-1 R-CONF-1 R-AUDIT-1 the briefing as JSON (issue 10 point 12): the page’s readers and what each sees, every read recorded; refused to others, to API clients, and for a cancelled visit', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor } = await approvedVisit(ctx, s)
    const url = s.url(`/${visitId}/briefing`)

    const response = await visitor.json('GET', url)
    assert.equal(response.statusCode, 200, response.body)
    const briefing = response.json() as {
      approved: boolean
      onVisit: boolean
      codeWord?: string
      pupils: Array<{ name: string; restrictedNotes: { sendNeeds: string } | null; agencies: Array<{ name: string }> }>
      animals: Array<{ description: string }>
      checkIns: Array<{ time: string; who: string }>
      itinerary: Array<{ time: string; label: string }>
    }
    assert.equal(briefing.approved, true)
    assert.equal(briefing.onVisit, true)
    assert.equal(briefing.codeWord, 'Bluebell')
    assert.equal(briefing.pupils[0]!.name, 'Leo Marsh')
    assert.match(briefing.pupils[0]!.restrictedNotes!.sendNeeds, /Dyslexia/)
    assert.deepEqual(briefing.pupils[0]!.agencies.map((a) => a.name), ['Hammersmith Children’s Services'])
    assert.deepEqual(briefing.animals.map((a) => a.description), ['Large dog, barks at the door.'])
    assert.deepEqual(briefing.checkIns.map((c) => c.time), ['10:10', '11:30'])
    assert.equal(briefing.itinerary[0]!.label, 'Leave school')
    assert.deepEqual((await auditActions(ctx, 'visit.briefing_viewed')).map((row) => row.summary), ['Viewed the briefing'], 'recorded, as the page records it')
    assert.equal((await auditActions(ctx, 'pupil.restricted_viewed')).length, 1)

    const office = (await (await as(ctx, 'office', 'westside')).json('GET', url)).json() as typeof briefing
    assert.equal(office.codeWord, 'Bluebell')
    assert.equal(office.pupils[0]!.restrictedNotes, null, 'no restricted notes for the office')
    const refused = await (await as(ctx, 'visitor2', 'westside')).json('GET', url)
    assert.equal(refused.statusCode, 403)
    assert.ok(!refused.body.includes('Bluebell'))
    assert.equal((await (await signIn(ctx, 'head@harton.example')).json('GET', url)).statusCode, 404, 'another school')

    // An API client never reads a briefing, whatever its scopes.
    const admin = await as(ctx, 'admin', 'westside')
    const page = await admin.post('/api-clients', { name: 'Dashboard', scopes: ['visits:read', 'pupils:read'] })
    const shown = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(page.body)?.[1] ?? ''
    const grant = await ctx.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: shown('client-id'), client_secret: shown('client-secret') }).toString(),
    })
    const byClient = await ctx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${(grant.json() as { access_token: string }).access_token}` } })
    assert.equal(byClient.statusCode, 403)
    assert.equal((await auditActions(ctx, 'visit.briefing_viewed')).length, 2, 'the refused reads are not recorded as views')

    await ok(await visitor.json('POST', s.url(`/${visitId}/cancel`), { cancelReason: 'other', reason: 'Mum will come into school on Friday.' }))
    const cancelled = await visitor.json('GET', url)
    assert.equal(cancelled.statusCode, 409)
    assert.match((cancelled.json() as { detail: string }).detail, /This visit was cancelled, so it has no briefing\./)
  })
})
