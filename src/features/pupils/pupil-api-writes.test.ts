import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { demoSchoolId, signIn, testApp } from '../../../test/helpers.ts'

/**
 * Issue 10 points 11–13: an MIS adds pupils and keeps their details (attendance among them) up to date through the
 * API, with the pupil form's rules and messages; as an API client with pupils:write it counts as the office.
 */
describe('pupils API: adding and changing a pupil', () => {
  it('R-AUDIT-1 the office adds a pupil and an API client with pupils:write updates their attendance; bad input gets the form’s messages', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const office = await signIn(ctx, 'office@westside.example')
    const url = `/api/v1/schools/${westside}/pupils`
    const pupil = { firstName: 'Ada', lastName: 'Quist', dateOfBirth: '2016-03-04', yearGroup: 'Y5', line1: '2 Mill Lane', town: 'London', postcode: 'w6 0ls' }

    const bad = await office.json('POST', url, { ...pupil, yearGroup: 'Year 42', attendancePercent: 140 })
    assert.equal(bad.statusCode, 400)
    const details = (bad.json() as { errors: Array<{ pointer: string; detail: string }> }).errors
    assert.ok(details.some((e) => e.pointer === '/yearGroup' && /Choose a year group from Nursery, Reception and Year 1 to Year 13/.test(e.detail)), bad.body)
    assert.ok(details.some((e) => e.pointer === '/attendancePercent' && /Attendance must be a percentage from 0 to 100/.test(e.detail)), bad.body)

    const created = await office.json('POST', url, pupil)
    assert.equal(created.statusCode, 201, created.body)
    const family = created.json() as { pupil: { id: string; yearGroup: string; attendancePercent: number | null }; mainAddress: { postcode: string }; restrictedNotes?: unknown }
    assert.equal(family.pupil.yearGroup, 'Year 5')
    assert.equal(family.mainAddress.postcode, 'W6 0LS')
    assert.equal(family.restrictedNotes, undefined, 'the office does not read restricted notes')

    const admin = await signIn(ctx, 'admin@westside.example')
    const page = await admin.post('/api-clients', { name: 'MIS sync', scopes: ['pupils:write'] })
    const shown = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(page.body)?.[1] ?? ''
    const grant = await ctx.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: shown('client-id'), client_secret: shown('client-secret'), scope: 'pupils:write' }).toString(),
    })
    const token = (grant.json() as { access_token: string }).access_token
    const put = (body: unknown) =>
      ctx.app.inject({ method: 'PUT', url: `${url}/${family.pupil.id}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    const { line1: _l, town: _t, postcode: _p, ...detailsOnly } = pupil
    const noDate = await put({ ...detailsOnly, attendancePercent: 91.5 })
    assert.equal(noDate.statusCode, 400)
    assert.match(noDate.body, /Enter the date the attendance figure was worked out/)
    const updated = await put({ ...detailsOnly, attendancePercent: 91.5, attendanceAsOf: '2026-11-20' })
    assert.equal(updated.statusCode, 200, updated.body)
    assert.equal((updated.json() as { pupil: { attendancePercent: number } }).pupil.attendancePercent, 91.5)
    const last = (await ctx.pool.query<{ actor_name: string; actor_user_id: string | null }>('SELECT actor_name, actor_user_id FROM audit_log WHERE school_id = $1 ORDER BY seq DESC LIMIT 1', [westside])).rows[0]!
    assert.deepEqual(last, { actor_name: 'API client "MIS sync"', actor_user_id: null })

    // Another school's pupil is not found; a governor may not add pupils.
    const harton = await demoSchoolId(ctx.pool, 'Harton Academy')
    const hartonPupil = (await ctx.pool.query<{ id: string }>('SELECT id FROM pupils WHERE school_id = $1 LIMIT 1', [harton])).rows[0]!.id
    assert.equal((await office.json('PUT', `${url}/${hartonPupil}`, detailsOnly)).statusCode, 404)
    assert.equal((await (await signIn(ctx, 'governor@westside.example')).json('POST', url, pupil)).statusCode, 403)
  })
})
