import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from '../../db/pool.ts'
import { ForbiddenError } from '../../web/errors.ts'
import { demoSchoolId, signIn, testApp, textOf, userId } from '../../../test/helpers.ts'
import { demoFamilyNames } from './demo.ts'
import { hazardsForAddress, mainAddressOf } from './repository.ts'
import { clearNoAppointmentsFlag } from './service.ts'

async function pupilId(pool: Pool, school: string, first: string, last: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT p.id FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = $1 AND p.first_name = $2 AND p.last_name = $3',
    [school, first, last],
  )
  if (!rows[0]) throw new Error(`No demo pupil ${first} ${last} at ${school}`)
  return rows[0].id
}

async function contactId(pool: Pool, pupil: string, first: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT c.id FROM contacts c JOIN pupil_contacts pc ON pc.contact_id = c.id WHERE pc.pupil_id = $1 AND c.first_name = $2',
    [pupil, first],
  )
  if (!rows[0]) throw new Error(`No adult ${first}`)
  return rows[0].id
}

async function auditActions(pool: Pool, subjectId: string, action: string): Promise<Array<{ actor_name: string; summary: string }>> {
  const { rows } = await pool.query<{ actor_name: string; summary: string }>(
    'SELECT actor_name, summary FROM audit_log WHERE subject_id = $1 AND action = $2 ORDER BY seq',
    [subjectId, action],
  )
  return rows
}

const WESTSIDE = 'Westside School'

describe('pupils and families', () => {
  it('R-CONF-1 a school admin imports pupils but does not read pupils’ pages, families, hazards or agencies, on the pages or the API', async (t) => {
    const ctx = await testApp(t)
    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const schoolId = (await ctx.pool.query<{ id: string }>('SELECT id FROM schools WHERE name = $1', [WESTSIDE])).rows[0]!.id
    const admin = await signIn(ctx, 'admin@westside.example')
    for (const url of ['/pupils', `/pupils/${leo}`, `/pupils/${leo}/edit`, '/pupils/new']) {
      const response = await admin.get(url)
      assert.equal(response.statusCode, 403, url)
      assert.doesNotMatch(response.body, /Leo Marsh|Hannah/)
    }
    assert.equal((await admin.json('GET', `/api/v1/schools/${schoolId}/pupils`)).statusCode, 403)
    assert.equal((await admin.json('GET', `/api/v1/schools/${schoolId}/pupils/${leo}`)).statusCode, 403)
    assert.equal((await admin.post('/pupils', { firstName: 'Ivo', lastName: 'Brandt' })).statusCode, 403)
    const home = await admin.get('/')
    assert.doesNotMatch(home.body, /href="\/pupils"/)
    assert.match(home.body, /href="\/pupils\/import"/)
    const importPage = await admin.get('/pupils/import')
    assert.equal(importPage.statusCode, 200)
    assert.doesNotMatch(importPage.body, /href="\/pupils"/, 'no link to a list they cannot open')
    const csv = 'pupil_first_name,pupil_last_name,date_of_birth,year_group,address_line1,town,postcode\nIvo,Brandt,2014-04-04,Year 7,1 Bloemfontein Road,London,W12 7BX'
    const imported = await admin.post('/pupils/import', { csv })
    assert.equal(imported.statusCode, 200)
    assert.match(textOf(imported.body), /Pupils imported/)
    assert.doesNotMatch(imported.body, /href="\/pupils"/)
  })

  it('R-CONF-1 restricted notes are hidden from the office and visitors, and shown to the DSL with every view audited', async (t) => {
    const ctx = await testApp(t)
    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    for (const email of ['office@westside.example', 'visitor@westside.example']) {
      const agent = await signIn(ctx, email)
      const page = await agent.get(`/pupils/${leo}`)
      assert.equal(page.statusCode, 200, email)
      const text = textOf(page.body)
      assert.match(text, /Leo Marsh/)
      assert.doesNotMatch(text, /Dyslexia/, `${email} must not see SEND notes`)
      assert.doesNotMatch(text, /Medical, SEND and behaviour/)
      const edit = await agent.get(`/pupils/${leo}/edit`)
      assert.doesNotMatch(textOf(edit.body), /Dyslexia|Medical needs/, `${email} must not see the notes on the form`)
    }
    assert.equal((await auditActions(ctx.pool, leo, 'pupil.restricted_viewed')).length, 0)

    const dsl = await signIn(ctx, 'dsl@westside.example')
    const page = await dsl.get(`/pupils/${leo}`)
    assert.match(textOf(page.body), /Medical, SEND and behaviour/)
    assert.match(textOf(page.body), /Dyslexia: reading support twice a week/)
    assert.match(textOf(page.body), /Your viewing of these notes has been recorded/)
    const views = await auditActions(ctx.pool, leo, 'pupil.restricted_viewed')
    assert.equal(views.length, 1)
    assert.match(views[0]!.summary, /Leo Marsh/)
    assert.doesNotMatch(views[0]!.summary, /Dyslexia/, 'the history never copies the notes')

    // The API obeys the same rule.
    const schoolId = await demoSchoolId(ctx.pool, WESTSIDE)
    const office = await signIn(ctx, 'office@westside.example')
    const officeJson = (await office.json('GET', `/api/v1/schools/${schoolId}/pupils/${leo}`)).json()
    assert.equal(officeJson.restrictedNotes, undefined)
    assert.equal(officeJson.pupil.firstName, 'Leo')
    const dslJson = (await dsl.json('GET', `/api/v1/schools/${schoolId}/pupils/${leo}`)).json()
    assert.match(dslJson.restrictedNotes.sendNeeds, /Dyslexia/)
    assert.equal((await auditActions(ctx.pool, leo, 'pupil.restricted_viewed')).length, 2)
  })

  it('R-CONF-1 only the DSL, deputy DSL, headteacher or associate head can write restricted notes', async (t) => {
    const ctx = await testApp(t)
    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const office = await signIn(ctx, 'office@westside.example')
    const form = { firstName: 'Leo', lastName: 'Marsh', 'dateOfBirth-day': '16', 'dateOfBirth-month': '5', 'dateOfBirth-year': '2012', yearGroup: 'Year 9' }
    // An office form carries no notes, so saving it leaves them alone.
    assert.equal((await office.post(`/pupils/${leo}`, { ...form, medicalNeeds: 'Office was here' })).statusCode, 303)
    const { rows } = await ctx.pool.query<{ medical_needs: string; send_needs: string }>('SELECT medical_needs, send_needs FROM pupils WHERE id = $1', [leo])
    assert.equal(rows[0]!.medical_needs, '')
    assert.match(rows[0]!.send_needs, /Dyslexia/)

    const dsl = await signIn(ctx, 'dsl@westside.example')
    assert.equal((await dsl.post(`/pupils/${leo}`, { ...form, medicalNeeds: 'Epilepsy: care plan in the medical room', sendNeeds: 'Dyslexia', behaviourNotes: '' })).statusCode, 303)
    assert.match(textOf((await dsl.get(`/pupils/${leo}`)).body), /Epilepsy: care plan in the medical room/)
    const updates = await auditActions(ctx.pool, leo, 'pupil.updated')
    assert.match(updates.at(-1)!.summary, /including restricted notes/)
    assert.doesNotMatch(JSON.stringify(updates), /Epilepsy/)
  })

  it('R-FAMILY-1 adults keep their own names, titles and surnames, with relationship, PR and language needs', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const maja = await pupilId(ctx.pool, WESTSIDE, 'Maja', 'Wiśniewska')
    const text = textOf((await visitor.get(`/pupils/${maja}`)).body)
    assert.match(text, /Mrs Katarzyna Wiśniewska/)
    assert.match(text, /Mr Paweł Wiśniewski/, 'the father keeps his own (masculine) surname')
    assert.match(text, /Polish – needs an interpreter/)

    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const leoText = textOf((await visitor.get(`/pupils/${leo}`)).body)
    assert.match(leoText, /Mr Ryan Doyle Change details \(Mr Ryan Doyle\) Relationship Father Parental responsibility Yes Lives with Leo No/)
    assert.doesNotMatch(leoText, /Ryan Marsh/)

    const added = await visitor.post(`/pupils/${leo}/adults`, {
      title: 'Mx', firstName: 'Alex', lastName: 'Okonjo-Reid', relationship: 'Stepparent', parentalResponsibility: 'no', livesWithPupil: 'yes',
      phone: '07700 900 999', email: '', language: 'Yoruba', interpreterNeeded: 'no', literacyNeeds: '', culturalConsiderations: 'Remove shoes at the door',
    })
    assert.equal(added.statusCode, 303)
    const after = textOf((await visitor.get(`/pupils/${leo}`)).body)
    assert.match(after, /Mx Alex Okonjo-Reid Change details \(Mx Alex Okonjo-Reid\) Relationship Stepparent Parental responsibility No Lives with Leo Yes Phone 07700900999/)
    assert.match(after, /Cultural or religious considerations Remove shoes at the door/)
  })

  it('R-FAMILY-1 bad input re-shows the form with status 400, an error summary and field errors, and saves nothing', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const before = await ctx.pool.query('SELECT count(*)::int AS n FROM pupils')
    const response = await office.post('/pupils', {
      firstName: '', lastName: 'Nobody', 'dateOfBirth-day': '31', 'dateOfBirth-month': '2', 'dateOfBirth-year': '2015', yearGroup: 'Year 42',
      line1: '1 High Street', town: 'London', postcode: 'NOT A POSTCODE', attendancePercent: '140',
    })
    assert.equal(response.statusCode, 400)
    const text = textOf(response.body)
    assert.match(text, /There is a problem/)
    assert.match(text, /Enter the pupil’s first name/)
    assert.match(text, /Date of birth must be a real date/)
    assert.match(text, /Choose a year group/)
    assert.match(text, /Enter a real UK postcode/)
    assert.match(text, /Attendance must be a percentage from 0 to 100/)
    assert.match(response.body, /href="#dateOfBirth-day"/)
    assert.match(response.body, /value="Nobody"/, 'what was typed is kept')
    const after = await ctx.pool.query('SELECT count(*)::int AS n FROM pupils')
    assert.deepEqual(after.rows, before.rows)

    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const adult = await office.post(`/pupils/${leo}/adults`, { firstName: 'Sam', lastName: '', relationship: '', phone: '12345', email: 'not-an-email' })
    assert.equal(adult.statusCode, 400)
    const adultText = textOf(adult.body)
    assert.match(adultText, /Enter their last name/)
    assert.match(adultText, /Say whether they have parental responsibility/)
    assert.match(adultText, /Enter a UK phone number/)
    assert.match(adultText, /Enter an email address in the correct format/)
  })

  it('R-FAMILY-1 a new pupil is added with their address, shared with a sibling at the same address', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const created = await office.post('/pupils', {
      firstName: 'Rosie', lastName: 'Marsh', 'dateOfBirth-day': '2', 'dateOfBirth-month': '9', 'dateOfBirth-year': '2016', yearGroup: 'Year 5',
      upn: '', attendancePercent: '', line1: '18  Glenthorne Road', town: 'London', postcode: 'w60ls',
    })
    assert.equal(created.statusCode, 303)
    const rosie = created.headers.location!.split('/')[2]!.split('?')[0]!
    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const schoolId = await demoSchoolId(ctx.pool, WESTSIDE)
    assert.equal((await mainAddressOf(ctx.pool, schoolId, rosie))!.id, (await mainAddressOf(ctx.pool, schoolId, leo))!.id)
    const page = await office.get(`/pupils/${rosie}/adults/new`)
    assert.match(textOf(page.body), /Already recorded for a brother or sister.*Ms Hannah Marsh/)
    const hannah = await contactId(ctx.pool, leo, 'Hannah')
    const linked = await office.post(`/pupils/${rosie}/adults/link`, { contactId: hannah, linkRelationship: 'Mother', linkParentalResponsibility: 'yes', linkLivesWithPupil: 'yes' })
    assert.equal(linked.statusCode, 303)
    assert.match(textOf((await office.get(`/pupils/${rosie}`)).body), /Ms Hannah Marsh Change details \(Ms Hannah Marsh\) Relationship Mother/)
  })

  it('R-FAMILY-3 a visitor stops appointments with an adult; only the DSL can allow them again, with a review note', async (t) => {
    const ctx = await testApp(t)
    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const ryan = await contactId(ctx.pool, leo, 'Ryan')
    const visitor = await signIn(ctx, 'visitor@westside.example')

    const empty = await visitor.post(`/pupils/${leo}/adults/${ryan}/no-appointments`, { reason: '' })
    assert.equal(empty.statusCode, 400)
    assert.match(textOf(empty.body), /Describe what happened/)

    const set = await visitor.post(`/pupils/${leo}/adults/${ryan}/no-appointments`, { reason: 'Swore at staff on the doorstep' })
    assert.equal(set.statusCode, 303)
    const page = textOf((await visitor.get(`/pupils/${leo}`)).body)
    assert.match(page, /No appointments with Mr Ryan Doyle \(Father\) until the case is reviewed/)
    assert.match(page, /Swore at staff on the doorstep/)
    assert.match(page, /Only the DSL, a deputy DSL or the headteacher can allow appointments again/)

    assert.equal((await visitor.get(`/pupils/${leo}/adults/${ryan}/review`)).statusCode, 403)
    const refused = await visitor.post(`/pupils/${leo}/adults/${ryan}/review`, { reviewNote: 'I think it is fine now' })
    assert.equal(refused.statusCode, 403)
    // The service refuses too, whatever calls it.
    const schoolId = await demoSchoolId(ctx.pool, WESTSIDE)
    const visitorStaff = { actor: { userId: await userId(ctx.pool, 'visitor@westside.example'), name: 'Visitor' }, schoolId, roles: ['visitor', 'slt', 'office'] as const }
    await assert.rejects(clearNoAppointmentsFlag(ctx.pool, { ...visitorStaff, roles: [...visitorStaff.roles] }, leo, ryan, 'note', ctx.clock()), ForbiddenError)

    const dsl = await signIn(ctx, 'dsl@westside.example')
    const noNote = await dsl.post(`/pupils/${leo}/adults/${ryan}/review`, { reviewNote: ' ' })
    assert.equal(noNote.statusCode, 400)
    assert.match(textOf(noNote.body), /Write a note of the review/)
    const cleared = await dsl.post(`/pupils/${leo}/adults/${ryan}/review`, { reviewNote: 'Met Mr Doyle with the head; apology given; visits in pairs.' })
    assert.equal(cleared.statusCode, 303)
    const after = textOf((await visitor.get(`/pupils/${leo}`)).body)
    assert.doesNotMatch(after, /No appointments with Mr Ryan Doyle/)
    assert.match(after, /Allowed again on .* after review: Met Mr Doyle with the head/)
    assert.equal((await auditActions(ctx.pool, ryan, 'contact.no_appointments_set')).length, 1)
    assert.equal((await auditActions(ctx.pool, ryan, 'contact.no_appointments_cleared')).length, 1)
  })

  it('R-NOTICE-2 a decline is shown prominently; it can be recorded, is not doubled, and can be withdrawn', async (t) => {
    const ctx = await testApp(t)
    const wnaVisitor = await signIn(ctx, 'visitor@wna.example')
    const isla = await pupilId(ctx.pool, 'WNA', 'Isla', 'Brennan')
    const islaPage = textOf((await wnaVisitor.get(`/pupils/${isla}`)).body)
    assert.match(islaPage, /Visits declined The family declined home visits on/)
    assert.match(islaPage, /will come into school for meetings instead/)
    assert.match(textOf((await wnaVisitor.get('/pupils?q=Brennan')).body), /Family declined visits/)

    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const office = await signIn(ctx, 'office@westside.example')
    const future = await office.post(`/pupils/${leo}/declines`, { 'declinedOn-day': '1', 'declinedOn-month': '1', 'declinedOn-year': '2030', reason: 'Said no' })
    assert.equal(future.statusCode, 400)
    assert.match(textOf(future.body), /must be today or in the past/)
    const recorded = await office.post(`/pupils/${leo}/declines`, { 'declinedOn-day': '24', 'declinedOn-month': '11', 'declinedOn-year': '2026', reason: 'Ms Marsh wrote to say no home visits, please.' })
    assert.equal(recorded.statusCode, 303)
    const page = await office.get(`/pupils/${leo}`)
    assert.match(textOf(page.body), /The family declined home visits on 24 November 2026 Ms Marsh wrote to say no home visits, please\./)
    const again = await office.post(`/pupils/${leo}/declines`, { 'declinedOn-day': '25', 'declinedOn-month': '11', 'declinedOn-year': '2026', reason: 'Again' })
    assert.equal(again.statusCode, 409)
    assert.match(textOf(again.body), /A decline is already recorded for Leo Marsh/)

    const declineId = /declines\/([0-9a-f-]{36})\/withdraw/.exec(page.body)![1]!
    assert.equal((await office.post(`/pupils/${leo}/declines/${declineId}/withdraw`)).statusCode, 303)
    const after = textOf((await office.get(`/pupils/${leo}`)).body)
    assert.doesNotMatch(after, /Visits declined/)
    assert.match(after, /Earlier declines/)
  })

  it('R-FAMILY-4 hazards are listed with whether animals will be shut away; a new one is observable by the visits feature', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const kai = await pupilId(ctx.pool, WESTSIDE, 'Kai', 'Osei')
    const kaiPage = textOf((await visitor.get(`/pupils/${kai}`)).body)
    assert.match(kaiPage, /Hazards at this address Hazard Details Recorded.*Animal Small terrier, friendly but jumps up at visitors\. The family will keep them in another room or outside during visits\./)
    const jordan = await pupilId(ctx.pool, WESTSIDE, 'Jordan', 'Pike')
    assert.match(textOf((await visitor.get(`/pupils/${jordan}`)).body), /Aggression at this address: Father pushed the door against staff/)

    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const schoolId = await demoSchoolId(ctx.pool, WESTSIDE)
    const address = (await mainAddressOf(ctx.pool, schoolId, leo))!
    const url = `/pupils/${leo}/addresses/${address.id}/hazards`
    const noKind = await visitor.post(url, { description: '' })
    assert.equal(noKind.statusCode, 400)
    assert.match(textOf(noKind.body), /Choose what kind of hazard it is/)
    const noAnswer = await visitor.post(url, { kind: 'animal', description: 'Two cats and a parrot' })
    assert.equal(noAnswer.statusCode, 400)
    assert.match(textOf(noAnswer.body), /Say whether the family will keep the animals in another room or outside/)
    assert.deepEqual(await hazardsForAddress(ctx.pool, schoolId, address.id), [])

    ctx.clock.set(new Date('2026-11-25T10:05:00Z'))
    assert.equal((await visitor.post(url, { kind: 'animal', description: 'Large dog in the hall', animalsWillBeShutAway: 'no' })).statusCode, 303)
    assert.match(textOf((await visitor.get(`/pupils/${leo}`)).body), /Large dog in the hall The family will not keep them shut away\./)
    const hazards = await hazardsForAddress(ctx.pool, schoolId, address.id)
    assert.equal(hazards.length, 1)
    assert.equal(hazards[0]!.recordedAt.toISOString(), '2026-11-25T10:05:00.000Z', 'recorded_at is what re-opens a completed risk assessment')
    assert.equal((await auditActions(ctx.pool, address.id, 'hazard.added')).length, 1)

    const admin = await signIn(ctx, 'admin@westside.example')
    assert.equal((await admin.post(url, { kind: 'other', description: 'Broken step' })).statusCode, 403)
  })

  it('R-FAMILY-2 agencies and the lead practitioner are shown; naming a new lead stands the old one down', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const jordan = await pupilId(ctx.pool, WESTSIDE, 'Jordan', 'Pike')
    const text = textOf((await office.get(`/pupils/${jordan}`)).body)
    assert.match(text, /Hammersmith & Fulham Children’s Services Social worker Lead practitioner Funmi Adeyemi/)
    assert.match(text, /CAMHS Clinical psychologist Dr Imran Qadir/)

    const bad = await office.post(`/pupils/${jordan}/agencies`, { name: '', isLeadPractitioner: '' })
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /Enter the name of the agency/)
    const added = await office.post(`/pupils/${jordan}/agencies`, { name: 'Youth Offending Team', roleOrService: 'Case manager', contactName: 'Pat Quinn', phone: '020 7946 0999', email: '', isLeadPractitioner: 'yes' })
    assert.equal(added.statusCode, 303)
    const after = textOf((await office.get(`/pupils/${jordan}`)).body)
    assert.equal((after.match(/Lead practitioner/g) ?? []).length, 1)
    assert.match(after, /Youth Offending Team Case manager Lead practitioner Pat Quinn/)
  })

  it('R-LIST-1 the list searches pupils by their own and their adults’ names and shows another school’s pupils to no one', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const all = textOf((await office.get('/pupils')).body)
    for (const name of demoFamilyNames.westside.filter((n) => ['Leo Marsh', 'Kai Osei', 'Jordan Pike'].includes(n))) {
      const [first, last] = name.split(' ')
      assert.match(all, new RegExp(`${last}, ${first}`))
    }
    for (const [school, names] of Object.entries(demoFamilyNames)) {
      if (school === 'westside') continue
      for (const name of names) assert.ok(!all.includes(name.split(' ')[1]!), `${name} of ${school} must not appear at Westside`)
    }
    const search = textOf((await office.get('/pupils?q=marsh')).body)
    assert.match(search, /1 pupil matching “marsh”/)
    assert.match(search, /Marsh, Leo/)
    assert.match(textOf((await office.get('/pupils?q=Doyle')).body), /Marsh, Leo/, 'found by an adult’s surname')

    const governor = await signIn(ctx, 'governor@westside.example')
    assert.equal((await governor.get('/pupils')).statusCode, 403)
  })

  it('R-FAMILY-1 every pupils page renders for the headteacher, with the menu entry', async (t) => {
    const ctx = await testApp(t)
    const head = await signIn(ctx, 'head@harton.example')
    const kyle = await pupilId(ctx.pool, 'Harton Academy', 'Kyle', 'Dodds')
    const gary = await contactId(ctx.pool, kyle, 'Gary')
    const schoolId = await demoSchoolId(ctx.pool, 'Harton Academy')
    const address = (await mainAddressOf(ctx.pool, schoolId, kyle))!.id
    const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM agencies WHERE pupil_id = $1 LIMIT 1', [kyle])
    const agency = rows[0]!.id
    const pages: Array<[string, RegExp]> = [
      ['/pupils', /Dodds, Kyle/],
      ['/pupils/new', /Add a pupil/],
      ['/pupils/import', /Import pupils and families/],
      [`/pupils/${kyle}`, /Kyle Dodds/],
      [`/pupils/${kyle}/edit`, /Change Kyle Dodds’s details/],
      [`/pupils/${kyle}/addresses/${address}/edit`, /Correct the address/],
      [`/pupils/${kyle}/move`, /Kyle Dodds has moved/],
      [`/pupils/${kyle}/adults/new`, /Add an adult to Kyle Dodds’s family/],
      [`/pupils/${kyle}/adults/${gary}/edit`, /Change Mr Gary Dodds’s details/],
      [`/pupils/${kyle}/adults/${gary}/no-appointments`, /Stop appointments with Mr Gary Dodds/],
      [`/pupils/${kyle}/adults/${gary}/review`, /Review the case and allow appointments with Mr Gary Dodds.*Shouted and swore/],
      [`/pupils/${kyle}/agencies/new`, /Add an agency/],
      [`/pupils/${kyle}/agencies/${agency}/edit`, /Change the details of/],
      [`/pupils/${kyle}/addresses/${address}/hazards/new`, /Record a hazard at this address/],
      [`/pupils/${kyle}/declines/new`, /Record that Kyle Dodds’s family declined home visits/],
    ]
    for (const [url, expected] of pages) {
      const response = await head.get(url)
      assert.equal(response.statusCode, 200, url)
      assert.match(textOf(response.body), expected, url)
      assert.ok(response.body.includes('class="govuk-service-navigation__link" href="/pupils"'), `${url} has the menu entry`)
    }
    const tait = await pupilId(ctx.pool, 'Harton Academy', 'Ellie', 'Tait')
    const taitPage = textOf((await head.get(`/pupils/${tait}`)).body)
    assert.match(taitPage, /The family has not declined home visits/)
    assert.match(taitPage, /Earlier declines/)
  })

  it('R-CONF-1 another school’s pupil, adult, address or decline is a 404 on every page and in the API', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const kyle = await pupilId(ctx.pool, 'Harton Academy', 'Kyle', 'Dodds')
    const gary = await contactId(ctx.pool, kyle, 'Gary')
    const leo = await pupilId(ctx.pool, WESTSIDE, 'Leo', 'Marsh')
    const hartonId = await demoSchoolId(ctx.pool, 'Harton Academy')
    const hartonAddress = (await mainAddressOf(ctx.pool, hartonId, kyle))!.id
    for (const url of [`/pupils/${kyle}`, `/pupils/${kyle}/edit`, `/pupils/${leo}/adults/${gary}/edit`, `/pupils/${leo}/adults/${gary}/review`, `/pupils/${leo}/addresses/${hartonAddress}/hazards/new`]) {
      const response = await dsl.get(url)
      assert.equal(response.statusCode, 404, url)
      assert.doesNotMatch(textOf(response.body), /Dodds/)
    }
    assert.equal((await dsl.post(`/pupils/${leo}/adults/${gary}/review`, { reviewNote: 'x' })).statusCode, 404)
    assert.equal((await dsl.post(`/pupils/${leo}/addresses/${hartonAddress}/hazards`, { kind: 'other', description: 'x' })).statusCode, 404)
    const westsideId = await demoSchoolId(ctx.pool, WESTSIDE)
    assert.equal((await dsl.json('GET', `/api/v1/schools/${westsideId}/pupils/${kyle}`)).statusCode, 404)
    assert.equal((await dsl.json('GET', `/api/v1/schools/${hartonId}/pupils`)).statusCode, 404)
    assert.equal((await auditActions(ctx.pool, kyle, 'pupil.restricted_viewed')).length, 0)
  })
})

describe('pupils: pages and the API check input alike', () => {
  const summaryOf = (html: string) => {
    const list = /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? ''
    return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item]) => textOf(item!))
  }
  const detailsOf = (body: string) => (JSON.parse(body) as { errors?: Array<{ detail: string }> }).errors?.map((e) => e.detail)

  it('R-FAMILY-1 the pupils list and the API refuse a long search or a bad page number, and an empty import, with the same message', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const schoolId = await demoSchoolId(ctx.pool, 'Westside School')
    for (const [query, message] of [
      [`q=${'x'.repeat(101)}`, 'Search for 100 characters or fewer'],
      ['page=two', 'Enter a page number'],
      ['page=0', 'Enter a page number of 1 or more'],
    ] as const) {
      const page = await office.get(`/pupils?${query}`)
      assert.equal(page.statusCode, 400, query)
      assert.deepEqual(summaryOf(page.body), [message], `page: ${query}`)
      const api = await office.json('GET', `/api/v1/schools/${schoolId}/pupils?${query}`)
      assert.equal(api.statusCode, 400, query)
      assert.deepEqual(detailsOf(api.body), [message], `API: ${query}`)
    }
    assert.equal((await office.get('/pupils?page=1&q=Marsh')).statusCode, 200)

    const page = await office.post('/pupils/import', { csv: '  ' })
    assert.equal(page.statusCode, 400)
    assert.deepEqual(summaryOf(page.body), ['Choose the CSV file, or paste it'])
    const api = await office.json('POST', `/api/v1/schools/${schoolId}/pupils/import`, { csv: '  ' })
    assert.equal(api.statusCode, 400)
    assert.deepEqual(detailsOf(api.body), ['Choose the CSV file, or paste it'])
  })
})
