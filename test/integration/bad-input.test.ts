import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { DEFAULT_TOKEN_DAYS, createApiToken } from '../../src/features/account/api-tokens.ts'
import { encodeForm, signIn, testApp, textOf, userId, type TestApp } from '../helpers.ts'

const withTestRoutes = {
  beforeReady: (app: FastifyInstance) => {
    app.post('/api/v1/test-echo', { config: { access: 'signed-in' } }, async (request) => ({ received: request.body }))
    app.get('/test/boom', { config: { access: 'public' } }, async () => {
      throw new Error('secret database detail: password=hunter2 at /srv/doorstep/src/x.ts:12')
    })
    app.get('/api/v1/test-boom', { config: { access: 'public' } }, async () => {
      throw new TypeError('secret internal detail: Cannot read properties of undefined')
    })
  },
}

function assertProblem(response: LightMyRequestResponse, status: number, detail?: RegExp) {
  assert.equal(response.statusCode, status)
  assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
  const problem = response.json()
  assert.equal(problem.status, status)
  assert.equal(typeof problem.type, 'string')
  assert.equal(typeof problem.title, 'string')
  if (detail) assert.match(problem.detail, detail)
}

function assertPage(response: LightMyRequestResponse, status: number, text: RegExp) {
  assert.equal(response.statusCode, status)
  assert.match(response.headers['content-type'] as string, /^text\/html/)
  assert.match(response.body, /govuk-template/, 'a GOV.UK page')
  assert.match(textOf(response.body), text)
}

const usersCount = async (ctx: TestApp) => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n

describe('bad input: sizes and formats', () => {
  it('a JSON body over 1 MiB is a 413 problem, not a 500', async (t) => {
    const ctx = await testApp(t, withTestRoutes)
    const { token } = await createApiToken(ctx.pool, await userId(ctx.pool, 'dsl@westside.example'), 'test', DEFAULT_TOKEN_DAYS, ctx.clock())
    const big = JSON.stringify({ note: 'x'.repeat(1024 * 1024 + 10) })
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/test-echo',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: big,
    })
    assertProblem(response, 413, /larger than Doorstep accepts\. Nothing was saved/)
    // Just under the limit is accepted, so it is the size that was refused.
    const fits = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/test-echo',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ note: 'x'.repeat(1000 * 1000) }),
    })
    assert.equal(fits.statusCode, 200)
  })

  it('a form over 256 KiB is a 413 page and nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const before = await usersCount(ctx)
    const response = await admin.post('/staff', { name: 'Nia Evans', email: 'nia@westside.example', roles: 'visitor', padding: 'x'.repeat(260 * 1024) })
    assertPage(response, 413, /What you sent is too large.*Nothing was saved/)
    assert.equal(await usersCount(ctx), before)
    const fits = await admin.post('/staff', { name: 'Nia Evans', email: 'nia@westside.example', roles: 'visitor', padding: 'x'.repeat(200 * 1024) })
    assert.equal(fits.statusCode, 200)
  })

  it('invalid JSON is a 400 problem', async (t) => {
    const ctx = await testApp(t, withTestRoutes)
    const { token } = await createApiToken(ctx.pool, await userId(ctx.pool, 'dsl@westside.example'), 'test', DEFAULT_TOKEN_DAYS, ctx.clock())
    for (const payload of ['{"a":', '{not json}', '[1,2', '\u0000']) {
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/test-echo',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload,
      })
      assertProblem(response, 400, /not valid JSON/)
    }
  })

  it('an unsupported content type is a 415 page', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/staff',
      headers: { cookie: admin.cookie, 'content-type': 'application/xml', accept: 'text/html' },
      payload: '<name>Nia</name>',
    })
    assertPage(response, 415, /Unsupported content type/)
  })

  it('an unknown page is a GOV.UK 404 page, signed in or not', async (t) => {
    const ctx = await testApp(t)
    const anonymous = await ctx.app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'text/html' } })
    assertPage(anonymous, 404, /Page not found.*If you typed the web address, check it is correct/)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const signedIn = await dsl.get('/no/such/page?x=1')
    assertPage(signedIn, 404, /Page not found/)
    assert.equal((await dsl.post('/no/such/page')).statusCode, 404)
  })

  it('a NUL character in a form or a query is a 400, not a database error', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const before = await usersCount(ctx)
    const added = await admin.post('/staff', { name: 'Nia\u0000Evans', email: 'nia@westside.example', roles: 'visitor' })
    assert.equal(added.statusCode, 400)
    assert.equal(await usersCount(ctx), before)
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
    const pre = page.cookies.find((c) => c.name === 'doorstep_pre')!.value
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const signInAttempt = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}`, accept: 'text/html' },
      payload: encodeForm({ _csrf: csrf, email: 'dsl@westside.example\u0000', password: 'x' }),
    })
    assert.equal(signInAttempt.statusCode, 400)
    assert.match(textOf(signInAttempt.body), /There is a problem/)
    const head = await signIn(ctx, 'head@westside.example')
    const audit = await head.get('/audit?from=2026-01-01%00')
    assert.equal(audit.statusCode, 400)
  })
})

describe('bad input: errors on our side', () => {
  it('a 500 page gives a reference to quote and hides the details', async (t) => {
    const ctx = await testApp(t, withTestRoutes)
    const response = await ctx.app.inject({ method: 'GET', url: '/test/boom', headers: { accept: 'text/html' } })
    assertPage(response, 500, /Sorry, there is a problem with Doorstep/)
    const reference = /quote reference (\w+)/.exec(textOf(response.body))?.[1]
    assert.ok(reference && reference.length >= 8, 'a reference to quote')
    assert.doesNotMatch(response.body, /secret|hunter2|\/srv\/|\.ts:/)
    assert.match(textOf(response.body), /Nothing you entered has been saved/)
  })

  it('a 500 from the API is a problem with the request id and no details', async (t) => {
    const ctx = await testApp(t, withTestRoutes)
    const response = await ctx.app.inject({ method: 'GET', url: '/api/v1/test-boom' })
    assertProblem(response, 500)
    const problem = response.json()
    assert.ok(typeof problem.requestId === 'string' && problem.requestId.length >= 8)
    assert.doesNotMatch(response.body, /secret|Cannot read|TypeError|stack/)
  })
})
