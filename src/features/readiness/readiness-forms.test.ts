import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { demoSchoolId, signIn, testApp, textOf, userId, type TestApp } from '../../../test/helpers.ts'

/** Rows of readiness data and history, to show a refused form saved nothing. */
async function snapshot(ctx: TestApp) {
  const { rows } = await ctx.pool.query<{ dbs: string; trainings: number; vehicles: string; audit: number }>(
    `SELECT (SELECT json_agg(d ORDER BY user_id)::text FROM staff_dbs d) AS dbs,
            (SELECT count(*)::int FROM staff_trainings) AS trainings,
            (SELECT json_agg(v ORDER BY id)::text FROM vehicles v) AS vehicles,
            (SELECT count(*)::int FROM audit_log) AS audit`,
  )
  return rows[0]
}

function assertRefused(response: LightMyRequestResponse, errors: Array<[string, RegExp]>) {
  assert.equal(response.statusCode, 400, textOf(response.body).slice(0, 400))
  assert.match(response.body, /govuk-error-summary/)
  const text = textOf(response.body)
  assert.match(text, /There is a problem/)
  for (const [href, message] of errors) {
    assert.match(response.body, new RegExp(`href="#${href}"`), `the summary links to #${href}`)
    assert.match(text, message)
  }
}

describe('staff readiness forms: bad input', () => {
  it('R-STAFF-5 a training record with a future completion date, an expiry before completion or a date that does not exist is refused, and nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const admin = await signIn(ctx, 'admin@westside.example')
    const url = `/staff/${visitor}/readiness/trainings`
    const before = await snapshot(ctx)

    // The clock says 25 November 2026.
    const future = await admin.post(url, { trainingId: 'violence_prevention', 'completedOn-day': '26', 'completedOn-month': '11', 'completedOn-year': '2026' })
    assertRefused(future, [['completedOn-day', /The date the training was completed must be today or in the past/]])
    assert.match(future.body, /name="completedOn-day"[^>]*value="26"/, 'what was typed is shown again')

    const backwards = await admin.post(url, { trainingId: 'violence_prevention', completedOn: '2026-06-01', expiresOn: '2026-05-31' })
    assertRefused(backwards, [['expiresOn-day', /The date the training expires must be after the date it was completed/]])

    const unreal = await admin.post(url, {
      trainingId: 'violence_prevention',
      'completedOn-day': '31', 'completedOn-month': '2', 'completedOn-year': '2026',
      'expiresOn-day': 'x', 'expiresOn-month': '1', 'expiresOn-year': '2029',
    })
    assertRefused(unreal, [
      ['completedOn-day', /The date the training was completed must be a real date/],
      ['expiresOn-day', /The date the training expires must be a real date/],
    ])

    const empty = await admin.post(url, {})
    assertRefused(empty, [['trainingId', /Select the training/], ['completedOn-day', /Enter the date the training was completed/]])

    const notInPolicy = await admin.post(url, { trainingId: 'scuba_diving', completedOn: '2026-01-01' })
    assertRefused(notInPolicy, [['trainingId', /Select a training from the school’s policy/]])

    assert.deepEqual(await snapshot(ctx), before)
  })

  it('R-VEHICLE-1 a vehicle with a bad registration, a date that does not exist or missing answers is refused, and nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'office@westside.example')
    const before = await snapshot(ctx)
    const good = { owner: 'school', make: 'Ford', model: 'Ka', registration: 'AB12 CDE', colour: 'Red', insuranceExpiresOn: '2027-01-01', businessUseCover: 'yes', schoolApproved: 'yes' }

    assertRefused(await admin.post('/readiness/vehicles', { ...good, registration: 'HELLO WORLD' }), [['registration', /Enter a UK registration number, like AB12 CDE/]])
    assertRefused(
      await admin.post('/readiness/vehicles', { ...good, insuranceExpiresOn: undefined, 'insuranceExpiresOn-day': '30', 'insuranceExpiresOn-month': '2', 'insuranceExpiresOn-year': '2027' }),
      [['insuranceExpiresOn-day', /The date the insurance expires must be a real date/]],
    )
    assertRefused(await admin.post('/readiness/vehicles', { ...good, insuranceExpiresOn: '2027-13-01' }), [['insuranceExpiresOn-day', /must be a real date/]])
    assertRefused(await admin.post('/readiness/vehicles', { ...good, businessUseCover: undefined, owner: 'someone', make: '' }), [
      ['owner', /Select who owns the vehicle/],
      ['make', /Enter the make/],
      ['businessUseCover', /Select yes if the insurance covers business use/],
    ])
    // A registration already in use at the school (the demo's Westside school car).
    assertRefused(await admin.post('/readiness/vehicles', { ...good, registration: 'ws72sch' }), [['registration', /WS72 SCH is already recorded/]])
    // Another school's member of staff cannot own a vehicle here.
    const hartonVisitor = await userId(ctx.pool, 'visitor@harton.example')
    assertRefused(await admin.post('/readiness/vehicles', { ...good, owner: hartonVisitor }), [['owner', /Select who owns the vehicle/]])

    assert.deepEqual(await snapshot(ctx), before)
  })

  it('R-STAFF-4 a DBS check with a bad certificate number or a future issue date is refused, and the check on record is kept', async (t) => {
    const ctx = await testApp(t)
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const head = await signIn(ctx, 'head@westside.example')
    const before = await snapshot(ctx)
    const refused = await head.post(`/staff/${visitor}/readiness/dbs`, {
      level: 'enhanced',
      barredListChecked: 'yes',
      certificateNumber: '12345',
      'issuedOn-day': '1',
      'issuedOn-month': '1',
      'issuedOn-year': '2027',
    })
    assertRefused(refused, [
      ['certificateNumber', /The DBS certificate number must be 12 digits/],
      ['issuedOn-day', /The date the certificate was issued must be today or in the past/],
      ['updateService', /Select yes if they subscribe to the DBS Update Service/],
    ])
    assertRefused(await head.post(`/staff/${visitor}/readiness/dbs`, { level: 'platinum' }), [['level', /Select the level of the DBS check/]])
    assert.deepEqual(await snapshot(ctx), before)
  })
})

describe('staff readiness: what expires', () => {
  it('R-GOV-3 R-STAFF-4 R-STAFF-5 R-VEHICLE-1 the expiring page lists DBS re-checks, training and insurance due in 30 days in date order, and what has expired', async (t) => {
    const ctx = await testApp(t)
    const school = await demoSchoolId(ctx.pool, 'Westside School')
    // Start from no readiness records at Westside, so the page shows only what this test records.
    await ctx.pool.query('DELETE FROM staff_trainings WHERE school_id = $1', [school])
    await ctx.pool.query('DELETE FROM staff_dbs WHERE school_id = $1', [school])
    await ctx.pool.query('UPDATE vehicles SET removed_at = now() WHERE school_id = $1', [school])
    const ids = {
      visitor: await userId(ctx.pool, 'visitor@westside.example'),
      visitor2: await userId(ctx.pool, 'visitor2@westside.example'),
      dsl: await userId(ctx.pool, 'dsl@westside.example'),
      slt: await userId(ctx.pool, 'slt@westside.example'),
    }
    const names = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([key, id]) => [key, (await ctx.pool.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [id])).rows[0]!.name])),
    ) as Record<keyof typeof ids, string>
    const office = await signIn(ctx, 'office@westside.example')
    const ok = (response: LightMyRequestResponse) => assert.equal(response.statusCode, 303, textOf(response.body).slice(0, 500))

    // DBS re-checks fall due only where the policy sets them (issue 10 point 14): Westside's head sets every 3 years.
    const head = await signIn(ctx, 'head@westside.example')
    const current = (await head.json('GET', `/api/v1/schools/${school}/policy`)).json() as { policy: { training: { dbs: Record<string, unknown> } } }
    current.policy.training.dbs.recheck = { everyYears: 3, overdue: 'warn' }
    const published = await head.json('PUT', `/api/v1/schools/${school}/policy`, { policy: current.policy, effectiveFrom: '2026-11-25', note: 'DBS re-check every 3 years' })
    assert.equal(published.statusCode, 201, published.body)

    // The clock says 25 November 2026; 30 days on is 25 December 2026.
    ok(await office.post(`/staff/${ids.visitor}/readiness/trainings`, { trainingId: 'violence_prevention', completedOn: '2023-12-11', expiresOn: '2026-12-10' }))
    ok(await office.post(`/staff/${ids.visitor}/readiness/trainings`, { trainingId: 'cultural_awareness', completedOn: '2024-06-01', expiresOn: '2027-06-01' }))
    ok(await office.post(`/staff/${ids.visitor2}/readiness/trainings`, { trainingId: 'violence_prevention', completedOn: '2023-11-21', expiresOn: '2026-11-20' }))
    // An expired record followed by a renewal: only the renewal counts.
    ok(await office.post(`/staff/${ids.visitor2}/readiness/trainings`, { trainingId: 'cultural_awareness', completedOn: '2023-01-01', expiresOn: '2026-01-01' }))
    ok(await office.post(`/staff/${ids.visitor2}/readiness/trainings`, { trainingId: 'cultural_awareness', completedOn: '2026-01-02', expiresOn: '2029-01-01' }))
    const dbs = { level: 'enhanced', barredListChecked: 'yes', certificateNumber: '001234567890', issuedOn: '2023-12-20' }
    ok(await office.post(`/staff/${ids.dsl}/readiness/dbs`, { ...dbs, updateService: 'no' }))
    ok(await office.post(`/staff/${ids.slt}/readiness/dbs`, { ...dbs, updateService: 'yes' }))
    const car = { make: 'Ford', model: 'Fiesta', colour: 'Blue', businessUseCover: 'yes', schoolApproved: 'yes' }
    ok(await office.post('/readiness/vehicles', { ...car, owner: ids.visitor, registration: 'AB12 CDE', insuranceExpiresOn: '2026-12-01' }))
    ok(await office.post('/readiness/vehicles', { ...car, owner: 'school', registration: 'AB12 CDF', insuranceExpiresOn: '2026-12-25' }))
    ok(await office.post('/readiness/vehicles', { ...car, owner: 'school', registration: 'AB12 CDG', insuranceExpiresOn: '2026-12-26' }))

    const page = await office.get('/readiness/expiring')
    assert.equal(page.statusCode, 200)
    const upcoming = textOf(/<table class="govuk-table[^"]*" id="upcoming">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? '')
    const expired = textOf(/<table class="govuk-table[^"]*" id="expired">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? '')
    assert.equal(
      upcoming,
      'Expiring in the next 30 days Date Who What ' +
        `1 December 2026 in 6 days ${names.visitor} Insurance: Ford Fiesta (AB12 CDE) ` +
        `10 December 2026 in 15 days ${names.visitor} Training: Strategies for the prevention of violence ` +
        `20 December 2026 in 25 days ${names.dsl} DBS re-check (certificate issued 20 December 2023, not on the Update Service) ` +
        '25 December 2026 in 30 days School vehicle Insurance: Ford Fiesta (AB12 CDF), school vehicle',
    )
    assert.equal(expired, `Already expired Date Who What 20 November 2026 5 days ago ${names.visitor2} Training: Strategies for the prevention of violence`)

    // A week later the insurance of AB12 CDE has run out and AB12 CDG comes into the window.
    ctx.clock.set(new Date('2026-12-02T09:00:00Z'))
    const later = await signIn(ctx, 'office@westside.example') // the earlier session has timed out
    const api = await later.json('GET', `/api/v1/schools/${school}/readiness/expiring`)
    assert.equal(api.statusCode, 200)
    const body = api.json() as { today: string; upcoming: Array<{ kind: string; date: string }>; expired: Array<{ kind: string; date: string }> }
    assert.equal(body.today, '2026-12-02')
    assert.deepEqual(body.upcoming.map((i) => [i.kind, i.date]), [['training', '2026-12-10'], ['dbs', '2026-12-20'], ['insurance', '2026-12-25'], ['insurance', '2026-12-26']])
    assert.deepEqual(body.expired.map((i) => [i.kind, i.date]), [['training', '2026-11-20'], ['insurance', '2026-12-01']])
  })

  it('R-GOV-3 the demo Westside data has a training, an insurance and a DBS re-check falling due within 30 days', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const text = textOf((await dsl.get('/readiness/expiring')).body)
    assert.match(text, /Training: Cultural awareness/)
    assert.match(text, /Insurance: Skoda Octavia Estate \(WS72 SCH\), school vehicle/)
    assert.match(text, /DBS re-check/)
    const overview = textOf((await dsl.get('/readiness')).body)
    assert.match(overview, /Visiting staff Ready Expiring soon Cultural awareness expires on/)
  })
})
