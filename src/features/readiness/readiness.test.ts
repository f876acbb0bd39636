import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkStaffing } from '../../domain/staffing.ts'
import type { Policy } from '../../policy/schema.ts'
import { demoSchoolId, signIn, testApp, textOf, userId, type TestApp } from '../../../test/helpers.ts'
import { currentPolicy } from '../policy/repository.ts'
import { staffReadiness, vehicleFor } from './service.ts'
import { checkVehicle } from './vehicle-rules.ts'

async function westsidePolicy(ctx: TestApp): Promise<Policy> {
  return (await currentPolicy(ctx.pool, await demoSchoolId(ctx.pool, 'Westside School'), ctx.clock())).policy
}

/** A training every visitor must have (enforcement: block), with its label as a sentence reads it. */
function blockingTraining(policy: Policy) {
  const requirement = policy.training.everyVisitor.find((r) => r.enforcement === 'block')
  assert.ok(requirement, 'the Westside policy has a training every visitor must have')
  const label = policy.training.trainings.find((t) => t.id === requirement.trainingId)!.label
  // The domain's wording around the label may change ("training in …", "the training "…""); the label, the date and the reason may not.
  return { id: requirement.trainingId, label, inText: `(?:in |the )?["“]?${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["”]?` }
}

const verdictText = (html: string) => textOf(/<div id="verdict">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '')

async function auditActions(ctx: TestApp, subjectId: string): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ action: string }>('SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY seq', [subjectId])
  return rows.map((r) => r.action)
}

describe('staff readiness: the eligibility verdict', () => {
  it('R-STAFF-4 R-STAFF-5 R-CONTACT-1 says exactly why someone cannot be assigned: no DBS, expired training, no mobile number', async (t) => {
    const ctx = await testApp(t)
    const policy = await westsidePolicy(ctx)
    const training = blockingTraining(policy)
    const school = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const name = (await ctx.pool.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [visitor])).rows[0]!.name
    await ctx.pool.query('DELETE FROM staff_dbs WHERE school_id = $1 AND user_id = $2', [school, visitor])
    await ctx.pool.query('UPDATE users SET mobile = NULL WHERE id = $1', [visitor])
    await ctx.pool.query('DELETE FROM staff_trainings WHERE school_id = $1 AND user_id = $2 AND training_id = $3', [school, visitor, training.id])
    await ctx.pool.query(
      `INSERT INTO staff_trainings (school_id, user_id, training_id, completed_on, expires_on, recorded_at) VALUES ($1, $2, $3, '2023-10-02', '2026-11-01', now())`,
      [school, visitor, training.id],
    )

    const head = await signIn(ctx, 'head@westside.example')
    const page = await head.get(`/staff/${visitor}/readiness`)
    assert.equal(page.statusCode, 200)
    const verdict = verdictText(page.body)
    assert.match(verdict, /Blocked Cannot be assigned to home visits/)
    assert.doesNotMatch(verdict, /Can be assigned/)
    assert.match(verdict, new RegExp(`${name} has no DBS check on record\\. Record an enhanced DBS check with a barred list check`))
    assert.match(verdict, new RegExp(`${name}'s training ${training.inText} expired on 1 November 2026\\. Every visitor must have it`, 'i'))
    assert.match(verdict, new RegExp(`No mobile number is held for ${name}`))
    const text = textOf(page.body)
    assert.match(text, /No DBS check recorded/)
    assert.match(text, new RegExp(`${training.label} Every visitor – required 2 October 2023 1 November 2026 Expired`))

    // A DBS check without the barred list check is still not enough for this policy.
    const saved = await head.post(`/staff/${visitor}/readiness/dbs`, {
      level: 'enhanced',
      barredListChecked: 'no',
      certificateNumber: '0011 2233 4455',
      'issuedOn-day': '14',
      'issuedOn-month': '3',
      'issuedOn-year': '2025',
      updateService: 'yes',
    })
    assert.equal(saved.statusCode, 303)
    const afterDbs = verdictText((await head.get(`/staff/${visitor}/readiness`)).body)
    assert.doesNotMatch(afterDbs, /has no DBS check on record/)
    assert.match(afterDbs, new RegExp(`${name}'s DBS check has no barred list check, and this policy needs one`))
  })

  it('R-STAFF-4 R-STAFF-5 R-CONTACT-1 says "Can be assigned to home visits" once DBS, training and mobile number are in order', async (t) => {
    const ctx = await testApp(t)
    const policy = await westsidePolicy(ctx)
    const school = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    await ctx.pool.query('DELETE FROM staff_trainings WHERE school_id = $1 AND user_id = $2', [school, visitor2])
    const admin = await signIn(ctx, 'admin@westside.example')
    const blocked = verdictText((await admin.get(`/staff/${visitor2}/readiness`)).body)
    assert.match(blocked, /Cannot be assigned to home visits/)

    for (const requirement of policy.training.everyVisitor) {
      const added = await admin.post(`/staff/${visitor2}/readiness/trainings`, { trainingId: requirement.trainingId, completedOn: '2026-09-01', expiresOn: '2029-08-31' })
      assert.equal(added.statusCode, 303, textOf(added.body))
    }
    await admin.post(`/staff/${visitor2}/readiness/dbs`, {
      level: 'enhanced',
      barredListChecked: 'yes',
      certificateNumber: '001122334455',
      issuedOn: '2026-01-10',
      updateService: 'yes',
    })
    const page = await admin.get(`/staff/${visitor2}/readiness`)
    const verdict = verdictText(page.body)
    assert.match(verdict, /Ready Can be assigned to home visits\./)
    assert.doesNotMatch(verdict, /Cannot/)
  })

  it('R-STAFF-3 R-STAFF-5 the demo Westside visitor2 lacks a required training, so a visit with them is blocked (staffReadiness + checkStaffing)', async (t) => {
    const ctx = await testApp(t)
    const policy = await westsidePolicy(ctx)
    const training = blockingTraining(policy)
    const school = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const visitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    const harton = await userId(ctx.pool, 'visitor@harton.example')

    const team = await staffReadiness(ctx.pool, school, [visitor, visitor2, harton], ctx.clock())
    assert.deepEqual(team.map((p) => p.userId), [visitor, visitor2], 'someone from another school is left out')
    assert.equal(team[0]!.dbs?.level, 'enhanced')
    assert.equal(team[0]!.dbs?.barredListChecked, true)
    assert.ok(team[0]!.mobile)
    const check = checkStaffing(policy, { staff: team, at: ctx.clock() })
    assert.deepEqual(check.blocks.map((b) => [b.code, b.userId]), [['training_missing', visitor2]])
    assert.match(check.blocks[0]!.text, new RegExp(`has no record of (?:the )?training ${training.inText}`, 'i'))

    const dsl = await signIn(ctx, 'dsl@westside.example')
    const overview = await dsl.get('/readiness')
    assert.equal(overview.statusCode, 200)
    const name2 = (await ctx.pool.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [visitor2])).rows[0]!.name
    assert.match(textOf(overview.body), new RegExp(`${name2} Visiting staff Blocked ${name2} has no record of (?:the )?training ${training.inText}`, 'i'))
  })

  it('R-VEHICLE-1 R-VEHICLE-2 the demo shows a personal car without business-use cover, and vehicleFor + checkVehicle block it', async (t) => {
    const ctx = await testApp(t)
    const policy = await westsidePolicy(ctx)
    const school = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM vehicles WHERE school_id = $1 AND owner_user_id = $2', [school, visitor2])
    const vehicle = await vehicleFor(ctx.pool, school, rows[0]!.id)
    assert.ok(vehicle)
    const check = checkVehicle(policy, vehicle, ctx.clock())
    assert.equal(check.verdict, 'blocked')
    assert.ok(check.problems.some((p) => p.code === 'no_business_cover'))

    const office = await signIn(ctx, 'office@westside.example')
    const page = textOf((await office.get(`/staff/${visitor2}/readiness`)).body)
    assert.match(page, /Volkswagen Polo \(LB16 KWD\) Green .* No No Blocked The Volkswagen Polo \(LB16 KWD\) is not insured for business use/)
    const otherSchool = await demoSchoolId(ctx.pool, 'Harton Academy')
    assert.equal(await vehicleFor(ctx.pool, otherSchool, rows[0]!.id), undefined, 'another school cannot read the vehicle')
  })
})

describe('staff readiness: who may see and change it', () => {
  it('R-CONF-1 R-STAFF-4 a visitor sees their own readiness but gets 403 on anyone else’s', async (t) => {
    const ctx = await testApp(t)
    const me = await userId(ctx.pool, 'visitor@westside.example')
    const other = await userId(ctx.pool, 'visitor2@westside.example')
    const school = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor = await signIn(ctx, 'visitor@westside.example')

    const own = await visitor.get('/readiness/me')
    assert.equal(own.statusCode, 200)
    assert.match(textOf(own.body), /Your readiness for home visits/)
    assert.match(textOf(own.body), /DBS check .* Enhanced/)
    assert.doesNotMatch(own.body, /Record a new DBS check|Add a training record|Add a vehicle/, 'a visitor cannot change records')
    assert.equal((await visitor.get(`/staff/${me}/readiness`)).statusCode, 200)

    const others = await visitor.get(`/staff/${other}/readiness`)
    assert.equal(others.statusCode, 403)
    assert.match(textOf(others.body), /You can see your own readiness for home visits, but not other people’s/)
    assert.equal((await visitor.get('/readiness')).statusCode, 403)
    assert.equal((await visitor.get('/readiness/expiring')).statusCode, 403)
    assert.equal((await visitor.json('GET', `/api/v1/schools/${school}/staff/${other}/readiness`)).statusCode, 403)
    const api = await visitor.json('GET', `/api/v1/schools/${school}/staff/${me}/readiness`)
    assert.equal(api.statusCode, 200)
    assert.equal(api.json().dbs.level, 'enhanced')
    assert.equal((await visitor.post(`/staff/${me}/readiness/dbs`, { level: 'enhanced' })).statusCode, 403)
    assert.equal((await visitor.get('/readiness/vehicles/new')).statusCode, 403)
  })

  it('R-VEHICLE-1 the office records vehicles; the DSL may view but not change; a governor sees nothing', async (t) => {
    const ctx = await testApp(t)
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const added = await office.post('/readiness/vehicles', {
      owner: visitor,
      make: 'Ford',
      model: 'Focus',
      registration: 'yf21 abc',
      colour: 'Red',
      'insuranceExpiresOn-day': '31',
      'insuranceExpiresOn-month': '8',
      'insuranceExpiresOn-year': '2027',
      businessUseCover: 'yes',
      schoolApproved: 'yes',
    })
    assert.equal(added.statusCode, 303)
    assert.equal(added.headers.location, `/staff/${visitor}/readiness?done=vehicle-added#vehicles`)
    const page = textOf((await office.get(added.headers.location as string)).body)
    assert.match(page, /Vehicle added\./)
    assert.match(page, /Ford Focus \(YF21 ABC\) Red 31 August 2027 Yes Yes Ready/)

    const dsl = await signIn(ctx, 'dsl@westside.example')
    const viewed = await dsl.get(`/staff/${visitor}/readiness`)
    assert.equal(viewed.statusCode, 200)
    assert.doesNotMatch(viewed.body, /Add a vehicle/)
    assert.equal((await dsl.post('/readiness/vehicles', { owner: 'school' })).statusCode, 403)

    const governor = await signIn(ctx, 'governor@westside.example')
    assert.equal((await governor.get('/readiness')).statusCode, 403)
    assert.equal((await governor.get(`/staff/${visitor}/readiness`)).statusCode, 403)
  })

  it('R-STAFF-4 the staff page links to readiness and the menu has "Readiness" for those who may see it', async (t) => {
    const ctx = await testApp(t)
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const head = await signIn(ctx, 'head@westside.example')
    const staffPage = await head.get(`/staff/${visitor}`)
    assert.match(staffPage.body, new RegExp(`href="/staff/${visitor}/readiness"`))
    assert.match(staffPage.body, /href="\/readiness"[^>]*>\s*Readiness/)
    const visitorAgent = await signIn(ctx, 'visitor@westside.example')
    const home = await visitorAgent.get('/')
    assert.doesNotMatch(home.body, /href="\/readiness"[^>]*>\s*Readiness/)
    assert.match(home.body, /href="\/readiness\/me"/)
  })
})

describe('staff readiness: tenancy and history', () => {
  it('R-CONF-1 records of another school are 404, and nothing is changed', async (t) => {
    const ctx = await testApp(t)
    const harton = await demoSchoolId(ctx.pool, 'Harton Academy')
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const hartonVisitor = await userId(ctx.pool, 'visitor@harton.example')
    const westsideVisitor = await userId(ctx.pool, 'visitor@westside.example')
    const westsideVisitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    const hartonTraining = (await ctx.pool.query<{ id: string }>('SELECT id FROM staff_trainings WHERE school_id = $1 LIMIT 1', [harton])).rows[0]!.id
    const westsideTraining = (await ctx.pool.query<{ id: string }>('SELECT id FROM staff_trainings WHERE user_id = $1 LIMIT 1', [westsideVisitor2])).rows[0]!.id
    const hartonVehicle = (await ctx.pool.query<{ id: string }>('SELECT id FROM vehicles WHERE school_id = $1 LIMIT 1', [harton])).rows[0]!.id

    const admin = await signIn(ctx, 'admin@westside.example')
    for (const url of [
      `/staff/${hartonVisitor}/readiness`,
      `/staff/${hartonVisitor}/readiness/dbs`,
      `/staff/${hartonVisitor}/readiness/trainings/new`,
      `/staff/${westsideVisitor}/readiness/trainings/${hartonTraining}/edit`,
      `/staff/${westsideVisitor}/readiness/trainings/${westsideTraining}/edit`, // visitor2's record under visitor's page
      `/readiness/vehicles/${hartonVehicle}/edit`,
      `/readiness/vehicles/not-a-uuid/edit`,
    ]) {
      assert.equal((await admin.get(url)).statusCode, 404, url)
    }
    const form = { trainingId: 'safeguarding', completedOn: '2026-01-01' }
    assert.equal((await admin.post(`/staff/${hartonVisitor}/readiness/trainings`, form)).statusCode, 404)
    assert.equal((await admin.post(`/staff/${westsideVisitor}/readiness/trainings/${hartonTraining}/remove`)).statusCode, 404)
    assert.equal((await admin.post(`/readiness/vehicles/${hartonVehicle}/remove`)).statusCode, 404)
    assert.equal((await admin.json('GET', `/api/v1/schools/${westside}/staff/${hartonVisitor}/readiness`)).statusCode, 404)
    assert.equal((await admin.json('GET', `/api/v1/schools/${harton}/readiness/expiring`)).statusCode, 404)
    const still = await ctx.pool.query('SELECT 1 FROM staff_trainings WHERE id = $1', [hartonTraining])
    assert.equal(still.rowCount, 1)
    const vehicle = await ctx.pool.query<{ removed_at: Date | null }>('SELECT removed_at FROM vehicles WHERE id = $1', [hartonVehicle])
    assert.equal(vehicle.rows[0]!.removed_at, null)
  })

  it('R-AUDIT-1 every change to DBS, training and vehicles is in the history, with who and what', async (t) => {
    const ctx = await testApp(t)
    const policy = await westsidePolicy(ctx)
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const head = await signIn(ctx, 'head@westside.example')
    const trainingId = policy.training.trainings[0]!.id

    await head.post(`/staff/${visitor}/readiness/dbs`, { level: 'enhanced', barredListChecked: 'yes', certificateNumber: '998877665544', issuedOn: '2026-02-02', updateService: 'no' })
    const added = await head.post(`/staff/${visitor}/readiness/trainings`, { trainingId, completedOn: '2026-10-01', expiresOn: '' })
    assert.equal(added.statusCode, 303)
    const record = (await ctx.pool.query<{ id: string }>('SELECT id FROM staff_trainings WHERE user_id = $1 AND completed_on = $2', [visitor, '2026-10-01'])).rows[0]!.id
    assert.equal((await head.post(`/staff/${visitor}/readiness/trainings/${record}`, { trainingId, completedOn: '2026-10-02', expiresOn: '2029-10-01' })).statusCode, 303)
    assert.equal((await head.post(`/staff/${visitor}/readiness/trainings/${record}/remove`)).statusCode, 303)
    assert.equal((await ctx.pool.query('SELECT 1 FROM staff_trainings WHERE id = $1', [record])).rowCount, 0)

    await head.post('/readiness/vehicles', {
      owner: 'school', make: 'Dacia', model: 'Sandero', registration: 'AB12CDE', colour: 'Orange',
      insuranceExpiresOn: '2027-05-01', businessUseCover: 'yes', schoolApproved: 'yes',
    })
    const vehicle = (await ctx.pool.query<{ id: string }>(`SELECT id FROM vehicles WHERE registration = 'AB12 CDE'`)).rows[0]!.id
    assert.equal((await head.post(`/readiness/vehicles/${vehicle}`, {
      owner: 'school', make: 'Dacia', model: 'Sandero', registration: 'AB12 CDE', colour: 'Orange',
      insuranceExpiresOn: '2028-05-01', businessUseCover: 'yes', schoolApproved: 'yes',
    })).statusCode, 303)
    const removed = await head.post(`/readiness/vehicles/${vehicle}/remove`)
    assert.equal(removed.statusCode, 303)
    assert.equal(removed.headers.location, '/readiness?done=vehicle-removed#vehicles')

    assert.deepEqual(await auditActions(ctx, record), ['readiness.training_added', 'readiness.training_changed', 'readiness.training_removed'])
    assert.deepEqual(await auditActions(ctx, vehicle), ['readiness.vehicle_added', 'readiness.vehicle_changed', 'readiness.vehicle_removed'])
    assert.ok((await auditActions(ctx, visitor)).includes('readiness.dbs_recorded'))
    const { rows } = await ctx.pool.query<{ actor_name: string; change: { before: { issuedOn: string } | null; after: { issuedOn: string } } }>(
      `SELECT actor_name, change FROM audit_log WHERE subject_id = $1 AND action = 'readiness.dbs_recorded'`,
      [visitor],
    )
    assert.equal(rows[0]!.change.after.issuedOn, '2026-02-02')
    assert.ok(rows[0]!.change.before, 'the earlier DBS check is kept in the history')

    const history = textOf((await head.get('/audit')).body)
    assert.match(history, /Removed the Dacia Sandero \(AB12 CDE\) from the vehicles used for home visits/)
    assert.match(history, /Recorded an enhanced DBS check with a barred list check for .*, issued 2 February 2026/)
  })
})
