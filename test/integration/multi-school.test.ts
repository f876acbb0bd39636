import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { demoSchoolId, signIn, testApp, textOf } from '../helpers.ts'

const SCHOOLS = ['Harton Academy', "King's Academy Gomer", 'Morecambe Road School', 'Westside School', 'WNA']

/** The page header, as a user reads it. */
function headerOf(page: LightMyRequestResponse): string {
  return textOf(/<header[\s\S]*?<\/header>/.exec(page.body)?.[0] ?? '')
}

function currentSchool(page: LightMyRequestResponse): string | undefined {
  const header = headerOf(page)
  return SCHOOLS.find((name) => header.includes(name))
}

describe('people in several schools', () => {
  it('the trust admin belongs to all five demo schools and can switch between them; the header shows the current one', async (t) => {
    const ctx = await testApp(t)
    const trust = await signIn(ctx, 'trust.admin@demo-trust.example')
    const home = await trust.get('/')
    assert.equal(home.statusCode, 200)
    assert.equal(currentSchool(home), 'Harton Academy', 'the first school to start with')
    const options = [...home.body.matchAll(/<option value="([0-9a-f-]{36})"[^>]*>([^<]+)<\/option>/g)].map((m) => textOf(m[2]!))
    assert.deepEqual([...options].sort(), [...SCHOOLS].sort(), 'all five schools to switch to')
    assert.match(textOf(home.body), /Your roles here School admin/)

    for (const name of ['Westside School', 'WNA', "King's Academy Gomer"]) {
      const switched = await trust.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, name) })
      assert.equal(switched.statusCode, 303)
      assert.equal(switched.headers.location, '/')
      const page = await trust.get('/')
      assert.equal(currentSchool(page), name)
      assert.match(textOf(page.body), new RegExp(`${name} You are signed in as Chris Morgan`))
      const staff = await trust.get('/staff')
      assert.equal(staff.statusCode, 200)
      assert.match(textOf(staff.body), new RegExp(`10 people at ${name}`))
      assert.equal(currentSchool(staff), name, 'every page shows the current school')
    }
  })

  it('switching to a school they do not belong to is a 404 and leaves the current school as it was', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ id: string }>(
      `WITH o AS (INSERT INTO organisations (name, kind) VALUES ('Another Trust', 'trust') RETURNING id)
       INSERT INTO schools (organisation_id, name, preset) SELECT id, 'Elsewhere Primary', 'westside-2025' FROM o RETURNING id`,
    )
    const trust = await signIn(ctx, 'trust.admin@demo-trust.example')
    await trust.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, 'WNA') })
    for (const schoolId of [rows[0]!.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', '']) {
      const response = await trust.post('/schools/switch', { schoolId })
      assert.equal(response.statusCode, 404, `schoolId=${schoolId}`)
      assert.match(textOf(response.body), /no school with that id that you belong to/)
    }
    assert.equal((await trust.post('/schools/switch')).statusCode, 404)
    assert.equal(currentSchool(await trust.get('/')), 'WNA')

    const dsl = await signIn(ctx, 'dsl@westside.example')
    assert.equal((await dsl.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, 'Harton Academy') })).statusCode, 404)
    assert.equal(currentSchool(await dsl.get('/')), 'Westside School')
    assert.doesNotMatch((await dsl.get('/')).body, /action="\/schools\/switch"/, 'no switch form for someone in one school')
  })

  it('roles are those held in the current school: a head at one school who visits for another sees only what a visitor sees there', async (t) => {
    const ctx = await testApp(t)
    const westsideAdmin = await signIn(ctx, 'admin@westside.example')
    await westsideAdmin.post('/staff', { name: 'Helen Hughes', email: 'head@harton.example', roles: 'visitor' })
    const head = await signIn(ctx, 'head@harton.example')
    assert.equal(currentSchool(await head.get('/')), 'Harton Academy')
    assert.equal((await head.get('/staff')).statusCode, 200)
    assert.equal((await head.get('/audit')).statusCode, 200)

    await head.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, 'Westside School') })
    const there = await head.get('/')
    assert.equal(currentSchool(there), 'Westside School')
    assert.match(textOf(there.body), /Your roles here Visiting staff/)
    assert.doesNotMatch(there.body, /href="\/staff"/)
    assert.equal((await head.get('/staff')).statusCode, 403)
    assert.equal((await head.get('/audit')).statusCode, 403)

    await head.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, 'Harton Academy') })
    assert.equal((await head.get('/staff')).statusCode, 200)
  })

  it('losing every role in the current school falls back to another school at the next request', async (t) => {
    const ctx = await testApp(t)
    const westsideAdmin = await signIn(ctx, 'admin@westside.example')
    await westsideAdmin.post('/staff', { name: 'Helen Hughes', email: 'head@harton.example', roles: 'visitor' })
    const head = await signIn(ctx, 'head@harton.example')
    await head.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, 'Westside School') })
    assert.equal(currentSchool(await head.get('/')), 'Westside School')
    await ctx.pool.query(`DELETE FROM school_memberships WHERE school_id = $1 AND user_id = (SELECT id FROM users WHERE email = 'head@harton.example')`, [
      await demoSchoolId(ctx.pool, 'Westside School'),
    ])
    assert.equal(currentSchool(await head.get('/')), 'Harton Academy')
  })
})
