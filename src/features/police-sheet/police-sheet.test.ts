import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { signIn, testApp, textOf, userId, type Agent, type TestApp } from '../../../test/helpers.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { runDelivery } from '../live/deliver.ts'
import { hashPassword } from '../auth/passwords.ts'
import { school } from '../visits/fixtures.ts'
import { londonInstant } from '../visits/times.ts'

/**
 * The police information sheet (R-ESC-3, R-CONF-1), on the demo's approved Westside visit for Leo
 * (leave school 13:30, visit 14:00–15:00, back 15:30 on the test clock's day, 25 November 2026), planned
 * here with the school's Skoda, a dog and an aggression warning at the address.
 */

const TODAY = '2026-11-25'
const at = (time: string) => londonInstant(TODAY, time)
const allDay = { config: { session: { idleMinutes: 24 * 60, absoluteHours: 24 } } }

const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))

/** The PDF's pages and its text in reading order, as pdf.js reads it back. */
async function readPdf(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent()
    for (const item of content.items) if ('str' in item) parts.push(item.str)
  }
  const pages = loaded.numPages
  await loaded.destroy()
  return { pages, text: parts.join(' ').replace(/\s+/g, ' ') }
}

type Leo = { schoolId: string; visitId: string; addressId: string }

async function leoVisit(ctx: TestApp): Promise<Leo> {
  const westside = await school(ctx, 'westside')
  const { rows } = await ctx.pool.query<{ id: string; addressId: string }>(
    `SELECT v.id, v.address_id AS "addressId" FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE v.school_id = $1 AND v.status = 'approved' AND p.first_name = 'Leo'`,
    [westside.id],
  )
  assert.ok(rows[0], 'the demo has an approved visit for Leo today')
  return { schoolId: westside.id, visitId: rows[0].id, addressId: rows[0].addressId }
}

/** What the school knows about the family, recorded as the pupils feature would. */
async function knownHazards(ctx: TestApp, leo: Leo, extra: string[] = []): Promise<void> {
  const hazards = [
    ['animal', 'Large dog called Łatka, friendly but jumps up', true],
    ['aggression', 'The mother’s partner shouted at the attendance officer in June', null],
    ...extra.map((text) => ['other', text, null]),
  ] as const
  for (const [kind, description, shut] of hazards) {
    await ctx.pool.query(
      `INSERT INTO address_hazards (school_id, address_id, kind, description, animals_will_be_shut_away, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [leo.schoolId, leo.addressId, kind, description, shut, at('08:00')],
    )
  }
  await ctx.pool.query(
    `UPDATE contacts SET no_appointments = true, no_appointments_reason = 'Threatened the head of year on the phone', no_appointments_set_at = $2
      WHERE school_id = $1 AND first_name = 'Ryan' AND last_name = 'Doyle'`,
    [leo.schoolId, at('08:00')],
  )
  await ctx.pool.query(
    `UPDATE risk_assessments SET answers = answers || jsonb_build_object('aggression_history', 'Mr Doyle has been verbally aggressive; he does not live there')
      WHERE school_id = $1 AND visit_id = $2`,
    [leo.schoolId, leo.visitId],
  )
  await ctx.pool.query(`UPDATE visits SET vehicle_id = (SELECT id FROM vehicles WHERE school_id = $1 AND registration = 'WS72 SCH') WHERE id = $2`, [leo.schoolId, leo.visitId])
}

async function ok(response: Promise<LightMyRequestResponse>, status = 303): Promise<LightMyRequestResponse> {
  const result = await response
  assert.equal(result.statusCode, status, textOf(result.body).slice(0, 600))
  return result
}

async function nameOf(ctx: TestApp, email: string): Promise<string> {
  return (await ctx.pool.query<{ name: string }>('SELECT name FROM users WHERE lower(email) = $1', [email])).rows[0]!.name
}

/** Out on the visit: signed out, checked in with a location, an unanswered office call, the code word logged. */
async function aVisitGoingWrong(ctx: TestApp, leo: Leo): Promise<{ visitor: Agent; office: Agent }> {
  const visitor = await signIn(ctx, 'visitor@westside.example')
  const office = await signIn(ctx, 'office@westside.example')
  ctx.clock.set(at('13:30'))
  await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
  ctx.clock.set(at('14:05'))
  const tap = await visitor.json('POST', `/api/v1/schools/${leo.schoolId}/visits/${leo.visitId}/check-ins`, { location: { latitude: 51.493214, longitude: -0.224561, accuracy: 12 } })
  assert.equal(tap.statusCode, 201, tap.body)
  ctx.clock.set(at('14:25'))
  await ok(office.post(`/visits/${leo.visitId}/office-contacts`, { channel: 'phone_call', answered: 'no', note: 'Went to voicemail' }))
  ctx.clock.set(at('14:32'))
  await ok(office.post(`/visits/${leo.visitId}/alarms`, { kind: 'code_word', note: 'Sam said the phrase when I rang back' }))
  return { visitor, office }
}

async function sheetViews(ctx: TestApp, visitId: string) {
  const { rows } = await ctx.pool.query<{ actor: string; at: Date; summary: string; format: string }>(
    `SELECT actor_name AS actor, at, summary, change->>'format' AS format FROM audit_log
      WHERE action = 'visit.police_sheet_viewed' AND subject_id = $1 ORDER BY seq`,
    [visitId],
  )
  return rows
}

describe('the police information sheet', () => {
  it('R-ESC-1 the alarm page says who was told and how each message went: email sent, failed and retrying, or no address; Web Push not set up', async (t) => {
    const sink = await startSmtpSink(t, { refuseRecipients: 1 })
    const ctx = await testApp(t, { ...allDay, mailer: sink.mailer() })
    const leo = await leoVisit(ctx)
    const { office } = await aVisitGoingWrong(ctx, leo)
    const { rows: [alarm] } = await ctx.pool.query<{ id: string }>('SELECT id FROM alarms WHERE visit_id = $1 ORDER BY raised_at DESC LIMIT 1', [leo.visitId])
    const before = textOf((await ok(office.get(`/alarms/${alarm!.id}`), 200)).body)
    assert.match(before, /Who was told, and how Person Told at In Doorstep Email Phone alert \(Web Push\)/)
    assert.match(before, /Not read yet Sending Sending/)
    const { rows: deliveries } = await ctx.pool.query<{ notificationId: string; channel: 'email' | 'push' }>(
      `SELECT d.notification_id AS "notificationId", d.channel FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE n.alarm_id = $1 ORDER BY n.created_at, d.channel`,
      [alarm!.id],
    )
    assert.ok(deliveries.some((d) => d.channel === 'email'), 'the alarm is emailed')
    for (const delivery of deliveries) await runDelivery(ctx.app.live.delivery, delivery)
    const after = textOf((await ok(office.get(`/alarms/${alarm!.id}`), 200)).body)
    const table = after.slice(after.indexOf('Who was told, and how'))
    // The sink refuses the first recipient; what follows on that connection may fail too: each is shown as it is.
    const emails = [...table.matchAll(/Not read yet (Sent|Failed, retrying|Sending|No address)/g)].map((m) => m[1])
    assert.equal(emails.length, deliveries.filter((d) => d.channel === 'email').length, table.slice(0, 800))
    assert.ok(emails.includes('Failed, retrying'), `the refused email is shown as being retried: ${table.slice(0, 800)}`)
    assert.ok(emails.includes('Sent'), `an email that went is shown as sent: ${table.slice(0, 800)}`)
    assert.ok(!emails.includes('Sending'), 'every attempt is settled')
    assert.match(table, /No address/, 'no browser has alerts on (Web Push is not set up here)')
  })

  it('R-ESC-3 the sheet starts with the school’s phone number and address once a school admin has set them (School contact details)', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const { office } = await aVisitGoingWrong(ctx, leo)
    const admin = await signIn(ctx, 'admin@westside.example')
    await ok(admin.post('/school/details', { phone: '', address: '' }))
    const without = textOf((await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)).body)
    assert.match(without, /School phone: not held in Doorstep/)
    assert.doesNotMatch(without, /School address:/)
    await ok(admin.post('/school/details', { phone: '01632 960 001', address: '1 School Lane\nWestside\nWS1 2AB' }))
    const page = textOf((await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)).body)
    assert.match(page, /School phone: 01632 960 001/)
    assert.match(page, /School address: 1 School Lane/)
  })

  it('R-ESC-3 the office opens a sheet with the visitors, vehicle, address, family, hazards, times, last check-in and when the code word was used, never the code word itself; the view is audited', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    await knownHazards(ctx, leo)
    // Sam describes themselves on their readiness page; Tom (the second visitor) has no description.
    const sam = await signIn(ctx, 'visitor@westside.example')
    const samId = await userId(ctx.pool, 'visitor@westside.example')
    await ok(sam.post(`/staff/${samId}/readiness/description`, { description: 'About 1.70 m, slim, short grey hair, round glasses' }))
    const { office } = await aVisitGoingWrong(ctx, leo)

    ctx.clock.set(at('14:35'))
    const response = await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)
    assert.equal(response.headers['cache-control'], 'private, no-store')
    const page = textOf(response.body)
    const samName = await nameOf(ctx, 'visitor@westside.example')
    const tomName = await nameOf(ctx, 'slt@westside.example')
    const officeName = await nameOf(ctx, 'office@westside.example')
    const samMobile = (await ctx.pool.query<{ mobile: string }>('SELECT mobile FROM users WHERE email = $1', ['visitor@westside.example'])).rows[0]!.mobile
    const expected = [
      'Police information sheet',
      'Westside School: home visit on Wednesday 25 November 2026',
      `Printed at 14:35 on 25 November 2026 by ${officeName}`,
      'School phone: 020 7946 0418',
      'School address: 50 Bryony Road, London W12 0SP',
      'Status Signed out of school since 13:30',
      `Last check-in 14:05 by ${samName}, in the Doorstep app`,
      'Location: latitude 51.49321, longitude -0.22456 (within 12 m)',
      `Last try to reach them 14:25 by ${officeName}, phone call: no answer`,
      `Code word The code word was used at 14:32 (logged by ${officeName})`,
      'OPEN ALARM: Code word used, raised at 14:32',
      `Step 1 (try to reach each visitor by phone): alerted`,
      'NOT acknowledged',
      `${samName} (lead visitor) Mobile: ${samMobile} Description: About 1.70 m, slim, short grey hair, round glasses`,
      `${tomName} (second visitor) Mobile:`,
      'Description: no description held',
      'Vehicle Blue Skoda Octavia Estate, registration WS72 SCH',
      'Address 18 Glenthorne Road, London, W6 0LS',
      'Pupil Leo Marsh (Year 9)',
      'Ms Hannah Marsh (Mother of Leo; the visit is to meet them), phone 07700900811',
      'Mr Ryan Doyle (Father of Leo; does not live at the address)',
      'Animal: Large dog called Łatka, friendly but jumps up (the family agreed to shut it away)',
      'Aggression or abuse towards staff: The mother’s partner shouted at the attendance officer in June',
      'Aggression: Mr Ryan Doyle may not be given appointments after abusive or aggressive behaviour: Threatened the head of year on the phone',
      'Any history of aggression or violence: Mr Doyle has been verbally aggressive; he does not live there',
      'Planned leave school 13:30, arrive 14:00, visit from 14:00, leave the address 15:00, back at school 15:30',
    ]
    for (const line of expected) assert.ok(page.includes(line), `the page says: ${line}\n\n${page}`)
    assert.doesNotMatch(page, /Blue kettle/i, 'the code word itself is never on the sheet')

    const views = await sheetViews(ctx, leo.visitId)
    assert.deepEqual(views.map((v) => [v.actor, v.at.toISOString(), v.format]), [[officeName, at('14:35').toISOString(), 'page']])
    const history = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM visit_events WHERE visit_id = $1 AND kind = 'police_sheet_viewed'`, [leo.visitId])
    assert.deepEqual(history.rows.map((r) => r.summary), ['Viewed the police information sheet (printable page)'])

    // The same sheet as a one-page PDF, with the names written as they are spelt; also audited.
    ctx.clock.set(at('14:36'))
    const pdf = await ok(office.get(`/visits/${leo.visitId}/police-sheet.pdf`), 200)
    assert.equal(pdf.headers['content-type'], 'application/pdf')
    assert.equal(pdf.headers['cache-control'], 'private, no-store')
    const { pages, text } = await readPdf(pdf.rawPayload)
    assert.equal(pages, 1, 'the PDF is one page')
    for (const line of [
      'Police information sheet',
      'Westside School: home visit on Wednesday 25 November 2026',
      `Printed at 14:36 on 25 November 2026 by ${officeName}`,
      'School phone: 020 7946 0418',
      `The code word was used at 14:32 (logged by ${officeName})`,
      'Location: latitude 51.49321, longitude -0.22456 (within 12 m)',
      `Description: About 1.70 m, slim, short grey hair, round glasses`,
      'Description: no description held',
      'Blue Skoda Octavia Estate, registration WS72 SCH',
      '18 Glenthorne Road, London, W6 0LS',
      'Leo Marsh (Year 9)',
      'Large dog called Łatka',
      'Mr Ryan Doyle may not be given appointments',
      'leave school 13:30, arrive 14:00, visit from 14:00, leave the address 15:00, back at school 15:30',
    ]) {
      assert.ok(text.includes(line), `the PDF says: ${line}\n\n${text}`)
    }
    assert.doesNotMatch(text, /Blue kettle/i)
    assert.deepEqual((await sheetViews(ctx, leo.visitId)).map((v) => [v.at.toISOString(), v.format]), [
      [at('14:35').toISOString(), 'page'],
      [at('14:36').toISOString(), 'pdf'],
    ])
  })

  it('R-ESC-3 a visit on foot, with no description and no check-in yet, says so; the alarm page and the visit\'s day page link to the sheet', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const office = await signIn(ctx, 'office@westside.example')
    const page = textOf((await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)).body)
    for (const line of [
      'Status Approved, not signed out of school yet',
      'Last check-in None yet',
      'Code word No use of the code word has been logged',
      'Alarms None raised',
      'Vehicle On foot / public transport: no vehicle is on the plan',
      'At the address None recorded',
    ]) {
      assert.ok(page.includes(line), `the page says: ${line}\n\n${page}`)
    }
    const day = await ok(office.get(`/visits/${leo.visitId}/live`), 200)
    assert.match(day.body, new RegExp(`href="/visits/${leo.visitId}/police-sheet"`))
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.doesNotMatch((await visitor.get(`/visits/${leo.visitId}/live`)).body, /police-sheet/, 'the visitor\'s own page does not offer it')

    // A closed alarm, read back after "visitors safe".
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    await ok(visitor.post(`/visits/${leo.visitId}/alarms`, { kind: 'silent_alarm' }))
    const alarm = (await ctx.pool.query<{ id: string }>('SELECT id FROM alarms WHERE visit_id = $1', [leo.visitId])).rows[0]!
    assert.match((await ok(office.get(`/alarms/${alarm.id}`), 200)).body, new RegExp(`href="/visits/${leo.visitId}/police-sheet"`))
    ctx.clock.set(at('13:40'))
    await ok(office.post(`/alarms/${alarm.id}/safe`, { how: 'spoke_to_visitor', note: 'Pressed by mistake' }))
    const after = textOf((await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)).body)
    assert.ok(after.includes('Closed alarm: Silent alarm, raised at 13:30'), after)
    assert.ok(after.includes(`Closed at 13:40 by ${await nameOf(ctx, 'office@westside.example')}: spoke to a visitor, who is safe`), after)
  })

  it('R-ESC-3 R-ALERT-1 the duress PIN shows on the sheet; the visitors\' own visit page shows neither the alarm nor the sheet being read', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    await ctx.pool.query('UPDATE users SET visit_pin_hash = $2, duress_pin_hash = $3 WHERE email = $1', ['visitor@westside.example', await hashPassword('1357'), await hashPassword('2468')])
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    ctx.clock.set(at('13:30'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/sign-out`))
    ctx.clock.set(at('14:45'))
    await ok(visitor.post(`/visits/${leo.visitId}/live/back-at-school`, { pin: '2468' }))
    const sheet = textOf((await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)).body)
    const samName = await nameOf(ctx, 'visitor@westside.example')
    assert.ok(sheet.includes(`Code word The duress PIN was used at 14:45 by ${samName}, to end the visit as if all was well`), sheet)
    assert.ok(sheet.includes('OPEN ALARM: Silent alarm, raised at 14:45'), sheet)

    const own = textOf((await ok(visitor.get(`/visits/${leo.visitId}`), 200)).body)
    assert.match(own, /Back at school/, 'the visitor sees their own steps in the history')
    assert.doesNotMatch(own, /alarm|duress|police information sheet/i, 'but not the alarm, nor the office reading the police sheet')
    const seen = textOf((await ok(office.get(`/visits/${leo.visitId}`), 200)).body)
    assert.match(seen, /Viewed the police information sheet \(printable page\)/)
    assert.match(seen, /Alarm raised|Silent alarm/)
  })

  it('R-ESC-3 R-CONF-1 the people watching visits read it; the visitors, SLT the policy does not name, governors and admins do not; another school gets "not found"', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const url = `/visits/${leo.visitId}/police-sheet`
    const expect = async (email: string, status: number) => {
      const agent = await signIn(ctx, email)
      for (const path of [url, `${url}.pdf`]) assert.equal((await agent.get(path)).statusCode, status, `${email} ${path}`)
    }
    for (const email of ['office@westside.example', 'dsl@westside.example', 'deputy.dsl@westside.example', 'head@westside.example', 'deputy@westside.example']) await expect(email, 200)
    await expect('visitor@westside.example', 403) // on the visit
    await expect('slt@westside.example', 403) // the second visitor: SLT, not named by Westside's ladder
    await expect('visitor2@westside.example', 404) // not on the visit: it does not exist for them
    await expect('governor@westside.example', 403)
    await expect('admin@westside.example', 403)
    await expect('office@harton.example', 404)
    await expect('head@harton.example', 404)

    // The visit's responsible contact watches it, whatever their role.
    await ctx.pool.query('UPDATE visits SET responsible_contact_user_id = $2 WHERE id = $1', [leo.visitId, await userId(ctx.pool, 'visitor2@westside.example')])
    await expect('visitor2@westside.example', 200)

    const views = await sheetViews(ctx, leo.visitId)
    assert.equal(views.length, 2 * 6, 'every sheet that was shown (and only those) is in the audit log')
  })

  it('R-ESC-3 a family with a long history still fits one A4 page; what does not fit says it is in Doorstep', async (t) => {
    const ctx = await testApp(t, allDay)
    const leo = await leoVisit(ctx)
    const long = (n: number) => `Hazard ${n}: ${'the side gate sticks and the path is dark after school hours; '.repeat(6)}`
    await knownHazards(ctx, leo, Array.from({ length: 18 }, (_, i) => long(i + 1)))
    await ctx.pool.query(
      `UPDATE risk_assessments SET answers = (SELECT jsonb_object_agg(key, repeat('A long answer from the risk assessment. ', 20)) FROM jsonb_each(answers)) WHERE visit_id = $1`,
      [leo.visitId],
    )
    for (const email of ['visitor@westside.example', 'slt@westside.example']) {
      const id = await userId(ctx.pool, email)
      await ctx.pool.query(`INSERT INTO staff_descriptions (school_id, user_id, description, updated_at) VALUES ($1, $2, $3, $4)`, [leo.schoolId, id, 'Tall. '.repeat(80).trim(), at('08:00')])
    }
    await aVisitGoingWrong(ctx, leo)
    const office = await signIn(ctx, 'office@westside.example')
    const page = textOf((await ok(office.get(`/visits/${leo.visitId}/police-sheet`), 200)).body)
    assert.ok(page.includes('And 13 more: see Doorstep'), page)
    const pdf = await ok(office.get(`/visits/${leo.visitId}/police-sheet.pdf`), 200)
    const { pages, text } = await readPdf(pdf.rawPayload)
    assert.equal(pages, 1)
    assert.ok(text.includes('Police information sheet'))
    assert.ok(text.includes('The code word was used at 14:32'), text)
  })
})

describe('a description for the police sheet', () => {
  it('R-ESC-3 a visitor describes themselves; the office describes others; an empty box removes it; every change is audited', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const me = await userId(ctx.pool, 'visitor@westside.example')
    const colleague = await userId(ctx.pool, 'visitor2@westside.example')

    assert.match(textOf((await visitor.get('/readiness/me')).body), /Description for the police .* No description held\. Add your description/)
    const tooLong = await visitor.post(`/staff/${me}/readiness/description`, { description: 'x'.repeat(501) })
    assert.equal(tooLong.statusCode, 400)
    assert.match(textOf(tooLong.body), /There is a problem Keep the description under 500 characters/)
    const saved = await visitor.post(`/staff/${me}/readiness/description`, { description: 'Tall, red hair, green coat' })
    assert.equal(saved.headers.location, '/readiness/me?done=description-saved#description')
    assert.match(textOf((await visitor.get('/readiness/me?done=description-saved')).body), /Description saved\..*Tall, red hair, green coat/)
    assert.equal((await visitor.get(`/staff/${colleague}/readiness/description`)).statusCode, 403, 'not someone else’s')
    assert.equal((await visitor.post(`/staff/${colleague}/readiness/description`, { description: 'Short' })).statusCode, 403)

    const office = await signIn(ctx, 'office@westside.example')
    const form = await office.get(`/staff/${colleague}/readiness/description`)
    assert.equal(form.statusCode, 200)
    await ok(office.post(`/staff/${colleague}/readiness/description`, { description: 'Short, dark beard' }))
    await ok(visitor.post(`/staff/${me}/readiness/description`, { description: '' }))
    assert.match(textOf((await visitor.get('/readiness/me')).body), /No description held\./)
    const governor = await signIn(ctx, 'governor@westside.example')
    assert.equal((await governor.get(`/staff/${me}/readiness/description`)).statusCode, 403)

    const { rows } = await ctx.pool.query<{ action: string; summary: string; change: { before: string | null; after: string | null } }>(
      `SELECT action, summary, change FROM audit_log WHERE action LIKE 'readiness.description%' ORDER BY seq`,
    )
    assert.deepEqual(rows.map((r) => [r.action, r.change.before, r.change.after]), [
      ['readiness.description_saved', null, 'Tall, red hair, green coat'],
      ['readiness.description_saved', null, 'Short, dark beard'],
      ['readiness.description_removed', 'Tall, red hair, green coat', null],
    ])
    assert.match(rows[1]!.summary, /^Added .*’s description for the police sheet$/)
  })
})
