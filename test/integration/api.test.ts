import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import type { LightMyRequestResponse } from 'fastify'
import { DEFAULT_TOKEN_DAYS, createApiToken } from '../../src/features/account/api-tokens.ts'
import { demoSchoolId, signIn, testApp, userId, type TestApp } from '../helpers.ts'

type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean
  items?: Schema
  enum?: unknown[]
  anyOf?: Schema[]
  pattern?: string
  format?: string
  $ref?: string
}

/**
 * Checks a value against the JSON Schema subset our OpenAPI document uses (zod's output), so a
 * test can say "the real response is what the document describes". Returns the problems found.
 */
function conforms(value: unknown, schema: Schema, root: Record<string, Schema>, at = '$'): string[] {
  if (schema.$ref) return conforms(value, root[schema.$ref.replace('#/components/schemas/', '')]!, root, at)
  if (schema.anyOf) return schema.anyOf.some((option) => conforms(value, option, root, at).length === 0) ? [] : [`${at}: matches none of anyOf`]
  const problems: string[] = []
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]
  const typeOf = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value
  if (types.length && !types.includes(typeOf) && !(typeOf === 'integer' && types.includes('number'))) return [`${at}: ${typeOf} is not ${types.join('|')}`]
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${String(value)} is not one of ${schema.enum.join(', ')}`)
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: does not match ${schema.pattern}`)
  if (typeOf === 'object' && value !== null) {
    const object = value as Record<string, unknown>
    for (const name of schema.required ?? []) if (!(name in object)) problems.push(`${at}.${name}: missing`)
    for (const [name, property] of Object.entries(object)) {
      const propertySchema = schema.properties?.[name]
      if (propertySchema) problems.push(...conforms(property, propertySchema, root, `${at}.${name}`))
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not in the schema`)
    }
  }
  if (typeOf === 'array' && schema.items) (value as unknown[]).forEach((item, i) => problems.push(...conforms(item, schema.items!, root, `${at}[${i}]`)))
  return problems
}

function assertProblem(response: LightMyRequestResponse, status: number, detail?: RegExp) {
  assert.equal(response.statusCode, status)
  assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
  const problem = response.json()
  assert.equal(problem.status, status)
  assert.match(problem.type, /^https:\/\//)
  assert.equal(typeof problem.title, 'string')
  assert.ok(problem.title.length > 0)
  assert.equal(typeof problem.detail, 'string')
  if (detail) assert.match(problem.detail, detail)
}

async function tokenFor(ctx: TestApp, email: string): Promise<string> {
  return (await createApiToken(ctx.pool, await userId(ctx.pool, email), 'test', DEFAULT_TOKEN_DAYS, ctx.clock())).token
}

const get = (ctx: TestApp, url: string, token?: string) =>
  ctx.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })

describe('API: who am I and my schools', () => {
  it('/api/v1/me answers with the person and their schools and roles, by token or by session', async (t) => {
    const ctx = await testApp(t)
    const token = await tokenFor(ctx, 'dsl@westside.example')
    const byToken = await get(ctx, '/api/v1/me', token)
    assert.equal(byToken.statusCode, 200)
    assert.match(byToken.headers['content-type'] as string, /^application\/json/)
    assert.deepEqual(byToken.json(), {
      id: await userId(ctx.pool, 'dsl@westside.example'),
      name: 'Priya Sharma',
      email: 'dsl@westside.example',
      schools: [
        {
          id: await demoSchoolId(ctx.pool, 'Westside School'),
          name: 'Westside School',
          organisation: { id: byToken.json().schools[0].organisation.id, name: 'Doorstep Demo Trust' },
          preset: 'westside-2025',
          roles: ['dsl', 'slt'],
        },
      ],
    })
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const bySession = await dsl.json('GET', '/api/v1/me')
    assert.deepEqual(bySession.json(), byToken.json())
  })

  it('/api/v1/schools lists every school the caller belongs to: all five for the trust admin', async (t) => {
    const ctx = await testApp(t)
    const response = await get(ctx, '/api/v1/schools', await tokenFor(ctx, 'trust.admin@demo-trust.example'))
    assert.equal(response.statusCode, 200)
    const schools = response.json().schools as Array<{ name: string; roles: string[] }>
    assert.deepEqual(schools.map((s) => s.name).sort(), ["Harton Academy", "King's Academy Gomer", 'Morecambe Road School', 'WNA', 'Westside School'].sort())
    assert.ok(schools.every((s) => s.roles.join() === 'school_admin'))
    const visitor = await get(ctx, '/api/v1/schools', await tokenFor(ctx, 'visitor@harton.example'))
    assert.deepEqual(visitor.json().schools.map((s: { name: string }) => s.name), ['Harton Academy'])
  })

  it('without credentials every API route is a 401 problem, not a redirect', async (t) => {
    const ctx = await testApp(t)
    for (const url of ['/api/v1/me', '/api/v1/schools', `/api/v1/schools/${await demoSchoolId(ctx.pool, 'WNA')}/staff`]) {
      assertProblem(await get(ctx, url), 401, /Sign in/)
    }
  })
})

describe('API: a school’s staff', () => {
  it('staff admins get the staff list of their school', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    for (const email of ['admin@westside.example', 'head@westside.example', 'trust.admin@demo-trust.example']) {
      const response = await get(ctx, `/api/v1/schools/${westside}/staff`, await tokenFor(ctx, email))
      assert.equal(response.statusCode, 200, email)
      const staff = response.json().staff as Array<{ email: string; roles: string[]; mobile: string | null; active: boolean }>
      assert.equal(staff.length, 10)
      assert.deepEqual(staff.find((s) => s.email === 'dsl@westside.example'), {
        id: await userId(ctx.pool, 'dsl@westside.example'),
        name: 'Priya Sharma',
        email: 'dsl@westside.example',
        mobile: '07700900402',
        active: true,
        roles: ['dsl', 'slt'],
      })
      assert.ok(staff.every((s) => s.email.endsWith('@westside.example')))
    }
  })

  it('others get 403; another school’s id and a made-up id are 404; a non-uuid is 404 — all problem details', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const harton = await demoSchoolId(ctx.pool, 'Harton Academy')
    for (const email of ['visitor@westside.example', 'dsl@westside.example', 'office@westside.example']) {
      assertProblem(await get(ctx, `/api/v1/schools/${westside}/staff`, await tokenFor(ctx, email)), 403, /permission/)
    }
    const admin = await tokenFor(ctx, 'admin@westside.example')
    assertProblem(await get(ctx, `/api/v1/schools/${harton}/staff`, admin), 404, /no school with that id/)
    assertProblem(await get(ctx, '/api/v1/schools/00000000-0000-4000-8000-000000000000/staff', admin), 404)
    for (const id of ['not-a-uuid', '1', "1'%20OR%20'1'='1", westside.toUpperCase().replace(/-/g, '')]) {
      assertProblem(await get(ctx, `/api/v1/schools/${id}/staff`, admin), 404)
    }
    // The same answers with the session cookie.
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assertProblem(await visitor.json('GET', `/api/v1/schools/${westside}/staff`), 403)
    assertProblem(await visitor.json('GET', `/api/v1/schools/${harton}/staff`), 404)
  })

  it('an unknown API path is a 404 problem', async (t) => {
    const ctx = await testApp(t)
    const token = await tokenFor(ctx, 'admin@westside.example')
    assertProblem(await get(ctx, '/api/v1/nothing-here', token), 404)
    assertProblem(await ctx.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } }), 404)
  })
})

describe('API: the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async (t) => {
    const ctx = await testApp(t)
    const response = await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })
    assert.equal(response.statusCode, 200)
    assert.match(response.headers['content-type'] as string, /^application\/json/)
    const document = response.json()
    assert.equal(document.openapi, '3.1.0')
    const validator = new Validator()
    const result = await validator.validate(document)
    assert.deepEqual(result.errors ?? [], [])
    assert.equal(result.valid, true)
    assert.equal(validator.version, '3.1')
    // The validator does catch a broken document.
    const broken = structuredClone(document)
    delete broken.paths['/api/v1/schools/{schoolId}/staff'].get.parameters[0].in
    assert.equal((await new Validator().validate(broken)).valid, false)
  })

  it('lists each API route with its parameters, responses and security', async (t) => {
    const ctx = await testApp(t)
    const document = (await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    for (const path of ['/api/v1/me', '/api/v1/schools', '/api/v1/schools/{schoolId}/staff']) {
      const operation = document.paths[path]?.get
      assert.ok(operation, `GET ${path} is described`)
      assert.ok(operation.summary)
      assert.ok(operation.responses['200'].content['application/json'].schema, `${path}: 200 schema`)
      assert.equal(operation.responses.default.content['application/problem+json'].schema.$ref, '#/components/schemas/Problem')
      const clientScope = path === '/api/v1/schools/{schoolId}/staff' ? [{ clientCredentials: ['staff:read'] }] : []
      assert.deepEqual(operation.security, [{ bearerToken: [] }, ...clientScope, { sessionCookie: [] }])
    }
    const staff = document.paths['/api/v1/schools/{schoolId}/staff'].get
    assert.deepEqual(staff.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]), [['schoolId', 'path', true]])
    assert.equal(staff.parameters[0].schema.type, 'string')
    assert.equal(staff.parameters[0].schema.format, 'uuid')
    assert.deepEqual(document.paths['/api/v1/me'].get.parameters, [])
    assert.equal(document.components.securitySchemes.bearerToken.scheme, 'bearer')
    assert.equal(document.components.securitySchemes.clientCredentials.flows.clientCredentials.tokenUrl, '/oauth/token')
    assert.deepEqual(document.components.schemas.Problem.required, ['type', 'title', 'status', 'detail'])
  })

  it('the real responses and problems match the schemas the document gives', async (t) => {
    const ctx = await testApp(t)
    const document = (await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const schemas = document.components.schemas as Record<string, Schema>
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const trust = await tokenFor(ctx, 'trust.admin@demo-trust.example')
    const admin = await tokenFor(ctx, 'admin@westside.example')
    const calls: Array<[string, string, string]> = [
      ['/api/v1/me', '/api/v1/me', admin],
      ['/api/v1/me', '/api/v1/me', trust],
      ['/api/v1/schools', '/api/v1/schools', trust],
      ['/api/v1/schools/{schoolId}/staff', `/api/v1/schools/${westside}/staff`, admin],
    ]
    for (const [path, url, token] of calls) {
      const response = await get(ctx, url, token)
      assert.equal(response.statusCode, 200)
      const schema = document.paths[path].get.responses['200'].content['application/json'].schema as Schema
      assert.deepEqual(conforms(response.json(), schema, schemas), [], url)
      assert.notDeepEqual(conforms({ ...(response.json() as Record<string, unknown>), surprise: 1 }, schema, schemas), [], 'the schema is strict enough to catch a difference')
    }
    const problems = [
      await get(ctx, '/api/v1/me'),
      await get(ctx, `/api/v1/schools/${westside}/staff`, await tokenFor(ctx, 'visitor@westside.example')),
      await get(ctx, '/api/v1/schools/nope/staff', admin),
    ]
    for (const problem of problems) assert.deepEqual(conforms(problem.json(), { $ref: '#/components/schemas/Problem' }, schemas), [])
  })
})
