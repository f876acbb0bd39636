import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { DEFAULT_TOKEN_DAYS, createApiToken } from '../../src/features/account/api-tokens.ts'
import { allAnswers, as, completePlan, createDraft, ok, school } from '../../src/features/visits/fixtures.ts'
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

const CANNOT_STORE = /a character Doorstep cannot store: a NUL character, or an unpaired UTF-16 surrogate .*Nothing was saved\./

describe('bad input: characters Doorstep cannot store', () => {
  it('an unpaired UTF-16 surrogate in a JSON body, value or key, is a 400 problem on every route that stores it, and nothing changes', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const deputy = await as(ctx, 'deputy', 'westside')
    const head = await as(ctx, 'head', 'westside')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah'))
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
    const state = async () =>
      (
        await ctx.pool.query(
          `SELECT (SELECT status || ' v' || version FROM visits WHERE id = $1) AS visit,
                  (SELECT count(*)::int FROM visit_events WHERE visit_id = $1) AS events,
                  (SELECT count(*)::int FROM audit_log) AS audit,
                  (SELECT count(*)::int FROM policy_versions WHERE school_id = $2) AS policies`,
          [visitId, s.id],
        )
      ).rows[0]
    // JSON.stringify writes a lone surrogate as the escape \udfff, as a client would send it.
    const refused = async (response: LightMyRequestResponse) => assertProblem(response, 400, CANNOT_STORE)

    let before = await state()
    await refused(await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'save', answers: { family_risks: 'A dog \udfff' } }))
    assert.deepEqual(await state(), before)
    await ok(await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false }))
    await ok(await head.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))

    before = await state()
    await refused(await head.json('POST', s.url(`/${visitId}/approve`), { note: 'Fine \ud800 go ahead' }))
    await refused(await head.json('POST', s.url(`/${visitId}/refuse`), { reason: '\udfff' }))
    await refused(await visitor.json('POST', s.url(`/${visitId}/cancel`), { cancelReason: 'other', reason: 'Family moved \udc00 away' }))
    await refused(await visitor.json('POST', s.url(`/${visitId}/cancel`), { cancelReason: 'other', reason: 'Family moved away', '\udfff': 'x' }))
    await refused(await visitor.json('POST', s.url(`/${visitId}/cancel`), { cancelReason: 'other', reason: ['Family moved away', { nested: ['\ud83d'] }] }))
    const policy = (await head.json('GET', `/api/v1/schools/${s.id}/policy`)).json() as { policy: { waits: { parentsNotPresentMinutes: number } } }
    policy.policy.waits.parentsNotPresentMinutes = 15
    await refused(await head.json('PUT', `/api/v1/schools/${s.id}/policy`, { policy: policy.policy, effectiveFrom: '2026-11-25', note: 'Shorter wait \udfff' }))
    assert.deepEqual(await state(), before, 'nothing was saved')

    // A pair of surrogates is one character (an emoji): it is stored.
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), { note: 'Go ahead \ud83d\ude00' }))
  })

  it('a lone surrogate sent to a page is a 400 GOV.UK page; form and query parsing never produce one', async (t) => {
    const ctx = await testApp(t, withTestRoutes)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah'))
    const events = async () => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM visit_events WHERE visit_id = $1', [visitId])).rows[0]!.n
    const before = await events()

    // A page posted as JSON (a script, not a browser form): the same check, shown as a GOV.UK page.
    const page = await ctx.app.inject({
      method: 'POST',
      url: `/visits/${visitId}/cancel`,
      headers: { cookie: visitor.cookie, 'content-type': 'application/json', accept: 'text/html' },
      payload: `{"_csrf":"${visitor.csrf}","cancelReason":"other","reason":"Moved \\udfff away"}`,
    })
    assertPage(page, 400, /There is a problem with the request/)
    assert.match(textOf(page.body), CANNOT_STORE)
    assert.equal(await events(), before)
    assert.equal((await visitor.json('GET', s.url(`/${visitId}`))).json().status, 'draft')

    // Deeper than any form goes, still found.
    let deep: unknown = { reason: 'x\udfff' }
    for (let depth = 0; depth < 64; depth++) deep = { deep }
    const { token } = await createApiToken(ctx.pool, await userId(ctx.pool, 'dsl@westside.example'), 'test', DEFAULT_TOKEN_DAYS, ctx.clock())
    const echo = await ctx.app.inject({ method: 'POST', url: '/api/v1/test-echo', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(deep) })
    assertProblem(echo, 400, CANNOT_STORE)

    // Forms and query strings are UTF-8: %ED%BF%BF (a surrogate in UTF-8) is not valid UTF-8, so the parser
    // (fast-querystring) leaves the whole value as typed, and %uDFFF is not percent-encoding at all. Neither
    // becomes a lone surrogate: both are stored and shown as the text they are.
    const head = await signIn(ctx, 'head@westside.example')
    const audit = await head.get('/audit?from=%ED%BF%BF&person=%uDFFF')
    assertPage(audit, 400, /There is a problem/)
    const pupils = await head.get('/pupils?q=%ED%BF%BF%uDFFF')
    assert.equal(pupils.statusCode, 200)
    assert.match(textOf(pupils.body), /%ED%BF%BF%uDFFF/)
    const cancelled = await visitor.post(`/visits/${visitId}/cancel`, {})
    assert.equal(cancelled.statusCode, 400, 'a reason is needed')
    const typed = await ctx.app.inject({
      method: 'POST',
      url: `/visits/${visitId}/cancel`,
      headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: `_csrf=${encodeURIComponent(visitor.csrf)}&cancelReason=other&reason=Moved%20%ED%BF%BF%20%uDFFF`,
    })
    assert.equal(typed.statusCode, 303, typed.body.slice(0, 300))
    assert.equal((await visitor.json('GET', s.url(`/${visitId}`))).json().cancelledReason, 'Another reason: Moved%20%ED%BF%BF%20%uDFFF')
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
