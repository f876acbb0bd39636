import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { demoSchoolId, signIn, testApp, userId, type TestApp } from '../../../test/helpers.ts'

/**
 * Issue 10 point 12: what the readiness pages record, the API records, with the pages' rules and messages:
 * DBS checks, training records, vehicles (staff's and the school's own); and the staff directory for planning.
 */
type Readiness = { userId: string; dbs: { level: string; certificateNumber: string; issuedOn: string } | null; trainings: Array<{ trainingId: string; status: string; completedOn: string | null }>; verdict: { status: string; blocks: Array<{ code: string; message: string }>; warnings: Array<{ code: string; message: string }> } }

async function clientToken(ctx: TestApp, scopes: string[]): Promise<string> {
  const admin = await signIn(ctx, 'admin@westside.example')
  const page = await admin.post('/api-clients', { name: 'HR system', scopes })
  const shown = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(page.body)?.[1] ?? ''
  const grant = await ctx.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: shown('client-id'), client_secret: shown('client-secret') }).toString(),
  })
  return (grant.json() as { access_token: string }).access_token
}

describe('the readiness API (issue 10 point 12)', () => {
  it('R-STAFF-4 R-STAFF-5 R-AUDIT-1 the office records a DBS check and training records, changes and removes one, with the pages’ messages for bad input', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor = await userId(ctx.pool, 'visitor2@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const base = `/api/v1/schools/${westside}/staff/${visitor}/readiness`

    const bad = await office.json('PUT', `${base}/dbs`, { level: 'enhanced', barredListChecked: true, certificateNumber: '12345', issuedOn: '2031-01-01', updateService: false })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(
      (bad.json() as { errors: Array<{ pointer: string; detail: string }> }).errors,
      [
        { pointer: '/certificateNumber', detail: 'The DBS certificate number must be 12 digits' },
        { pointer: '/issuedOn', detail: 'The date the certificate was issued must be today or in the past' },
      ],
      'the DBS form’s own messages',
    )
    const saved = await office.json('PUT', `${base}/dbs`, { level: 'enhanced', barredListChecked: true, certificateNumber: '0012 3456 7890', issuedOn: '2025-09-01', updateService: true })
    assert.equal(saved.statusCode, 200, saved.body)
    assert.deepEqual((saved.json() as Readiness).dbs, { level: 'enhanced', barredListChecked: true, certificateNumber: '001234567890', issuedOn: '2025-09-01', updateService: true, recheckDueOn: null })

    const unknown = await office.json('POST', `${base}/trainings`, { trainingId: 'juggling', completedOn: '2026-01-10' })
    assert.equal(unknown.statusCode, 400)
    assert.match(unknown.body, /Select a training from the school’s policy/)
    const added = await office.json('POST', `${base}/trainings`, { trainingId: 'cultural_awareness', completedOn: '2026-10-01', expiresOn: '2029-10-01' })
    assert.equal(added.statusCode, 201, added.body)
    const { trainingRecordId } = added.json() as { trainingRecordId: string }
    const row = (r: Readiness) => r.trainings.find((x) => x.trainingId === 'cultural_awareness')!
    assert.equal(row(added.json() as Readiness).completedOn, '2026-10-01')
    const changed = await office.json('PUT', `${base}/trainings/${trainingRecordId}`, { trainingId: 'cultural_awareness', completedOn: '2026-10-02', expiresOn: null })
    assert.equal(changed.statusCode, 200, changed.body)
    assert.equal(row(changed.json() as Readiness).completedOn, '2026-10-02')
    const removed = await office.json('DELETE', `${base}/trainings/${trainingRecordId}`)
    assert.equal(removed.statusCode, 200, removed.body)
    assert.equal((await office.json('DELETE', `${base}/trainings/${trainingRecordId}`)).statusCode, 404, 'removed once')

    const actions = (await ctx.pool.query<{ action: string; actor_name: string }>(`SELECT action, actor_name FROM audit_log WHERE school_id = $1 ORDER BY seq DESC LIMIT 4`, [westside])).rows
    assert.equal(actions.length, 4)
    assert.ok(actions.every((a) => a.actor_name === actions[0]!.actor_name && /\S/.test(a.actor_name)), 'each change is in the audit history, by the office')

    // A visitor may not record readiness (403), and another school's person is not found (404).
    const visitorAgent = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitorAgent.json('POST', `${base}/trainings`, { trainingId: 'cultural_awareness', completedOn: '2026-10-01' })).statusCode, 403)
    const hartonPerson = await userId(ctx.pool, 'visitor@harton.example')
    assert.equal((await office.json('PUT', `/api/v1/schools/${westside}/staff/${hartonPerson}/readiness/dbs`, { level: 'enhanced', barredListChecked: true, certificateNumber: '001234567890', issuedOn: '2025-09-01', updateService: true })).statusCode, 404)
  })

  it('R-VEHICLE-1 R-VEHICLE-2 vehicles: the school’s own and a member of staff’s, checked against the policy; a registration recorded twice is refused', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const office = await signIn(ctx, 'office@westside.example')
    const url = `/api/v1/schools/${westside}/vehicles`
    const car = { owner: 'school', make: 'Toyota', model: 'Yaris', registration: 'ab12 xyz', colour: 'White', insuranceExpiresOn: '2027-08-31', businessUseCover: true, schoolApproved: true }
    const added = await office.json('POST', url, car)
    assert.equal(added.statusCode, 201, added.body)
    const vehicle = added.json() as { id: string; owner: null; registration: string; check: { verdict: string } }
    assert.equal(vehicle.owner, null)
    assert.equal(vehicle.registration, 'AB12 XYZ')
    assert.equal(vehicle.check.verdict, 'ready')
    const twice = await office.json('POST', url, car)
    assert.equal(twice.statusCode, 400)
    assert.match(twice.body, /AB12 XYZ is already recorded/)
    const unapproved = await office.json('PUT', `${url}/${vehicle.id}`, { ...car, schoolApproved: false })
    assert.equal(unapproved.statusCode, 200, unapproved.body)
    assert.equal((unapproved.json() as { check: { verdict: string } }).check.verdict, 'blocked', 'Westside allows only school-approved vehicles')
    const list = (await office.json('GET', url)).json() as { vehicles: Array<{ id: string }> }
    assert.ok(list.vehicles.some((v) => v.id === vehicle.id))
    const own = await office.json('POST', url, { ...car, owner: await userId(ctx.pool, 'visitor@westside.example'), registration: 'CD34 EFG' })
    assert.equal(own.statusCode, 201, own.body)
    assert.match((own.json() as { owner: { name: string } }).owner.name, /\S/)
    assert.equal((await office.json('DELETE', `${url}/${vehicle.id}`)).statusCode, 200)
    assert.ok(!((await office.json('GET', url)).json() as typeof list).vehicles.some((v) => v.id === vehicle.id))
  })

  it('the staff directory lists the colleagues a visit may be planned with and their readiness; an API client with readiness:write records a DBS check, named in the audit history', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const directory = await visitor.json('GET', `/api/v1/schools/${westside}/staff-directory`)
    assert.equal(directory.statusCode, 200, directory.body)
    const staff = (directory.json() as { staff: Array<{ id: string; name: string; roles: string[]; readiness: Readiness['verdict'] }> }).staff
    const visiting = await ctx.pool.query<{ name: string }>(
      `SELECT DISTINCT u.name FROM users u JOIN school_memberships m ON m.user_id = u.id WHERE m.school_id = $1 AND u.active AND m.role <> 'governor' AND m.role <> 'school_admin' ORDER BY u.name`,
      [westside],
    )
    assert.deepEqual(staff.map((s) => s.name), visiting.rows.map((r) => r.name), 'everyone who may go on a visit, by name')
    for (const person of staff) {
      assert.match(person.readiness.status, /^(ready|warnings|blocked)$/)
      for (const m of [...person.readiness.blocks, ...person.readiness.warnings]) assert.match(m.code, /^[a-z_]+$/, 'a stable code with each message')
    }
    assert.equal((await (await signIn(ctx, 'governor@westside.example')).json('GET', `/api/v1/schools/${westside}/staff-directory`)).statusCode, 403)
    const bad = await visitor.json('GET', `/api/v1/schools/${westside}/staff-directory?at=tomorrow`)
    assert.equal(bad.statusCode, 400)

    const token = await clientToken(ctx, ['readiness:write'])
    const person = await userId(ctx.pool, 'visitor2@westside.example')
    const saved = await ctx.app.inject({
      method: 'PUT',
      url: `/api/v1/schools/${westside}/staff/${person}/readiness/dbs`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ level: 'enhanced', barredListChecked: true, certificateNumber: '009876543210', issuedOn: '2026-02-01', updateService: false }),
    })
    assert.equal(saved.statusCode, 200, saved.body)
    const last = (await ctx.pool.query<{ actor_name: string; actor_user_id: string | null }>(`SELECT actor_name, actor_user_id FROM audit_log WHERE school_id = $1 ORDER BY seq DESC LIMIT 1`, [westside])).rows[0]!
    assert.deepEqual(last, { actor_name: 'API client "HR system"', actor_user_id: null })
    const readBack = await ctx.app.inject({ method: 'GET', url: `/api/v1/schools/${westside}/staff-directory`, headers: { authorization: `Bearer ${token}` } })
    assert.equal(readBack.statusCode, 403, 'readiness:write does not include reading the directory')
  })
})
