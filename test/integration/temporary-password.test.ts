import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { DEFAULT_TOKEN_DAYS, createApiToken } from '../../src/features/account/api-tokens.ts'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { agentFor, encodeForm, sessionCsrf, signIn, testApp, textOf, userId, type Agent, type TestApp } from '../helpers.ts'

/**
 * Issue 7 §4.1: a password someone else made (an admin adding a person or resetting a password,
 * `school create`) must be replaced at the first sign-in, before any other page or API call.
 */
const temporaryPasswordOf = (body: string) => /[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}/.exec(textOf(body))?.[0]

async function trySignIn(ctx: TestApp, email: string, password: string, next?: string): Promise<LightMyRequestResponse> {
  const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
  const pre = page.cookies.find((c) => c.name === 'doorstep_pre')!.value
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
  return ctx.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}`, accept: 'text/html' },
    payload: encodeForm({ _csrf: csrf, email, password, next }),
  })
}

/** An admin adds Nia Evans; returns her temporary password. */
async function addNia(ctx: TestApp): Promise<string> {
  const admin = await signIn(ctx, 'admin@westside.example')
  const added = await admin.post('/staff', { name: 'Nia Evans', email: 'nia.evans@westside.example', roles: ['visitor', 'office'] })
  assert.equal(added.statusCode, 200)
  assert.match(textOf(added.body), /Doorstep then asks them to choose their own password/)
  return temporaryPasswordOf(added.body)!
}

async function signInWithTemporary(ctx: TestApp, email: string, password: string, next?: string): Promise<{ agent: Agent; response: LightMyRequestResponse }> {
  const response = await trySignIn(ctx, email, password, next)
  assert.equal(response.statusCode, 303, 'the temporary password signs in')
  const session = response.cookies.find((c) => c.name === 'doorstep_session')!.value
  return { agent: agentFor(ctx.app, session, await sessionCsrf(ctx.pool, session)), response }
}

function assertErrorSummary(response: LightMyRequestResponse, field: string, message: RegExp) {
  assert.equal(response.statusCode, 400)
  assert.match(response.body, /govuk-error-summary/)
  assert.match(response.body, new RegExp(`href="#${field}"`))
  assert.match(response.body, new RegExp(`id="${field}-error"`))
  assert.match(textOf(response.body), message)
}

describe('temporary passwords are replaced at the first sign-in', () => {
  it('someone an admin adds: every page sends them to "Choose a new password" first, and nothing else is done', async (t) => {
    const ctx = await testApp(t)
    const { agent: nia } = await signInWithTemporary(ctx, 'nia.evans@westside.example', await addNia(ctx))
    for (const url of ['/', '/visits', '/pupils', '/account', '/policy', '/staff', '/calendar']) {
      const page = await nia.get(url)
      assert.equal(page.statusCode, 303, url)
      assert.equal(page.headers.location, url === '/' ? '/account/choose-password' : `/account/choose-password?next=${encodeURIComponent(url)}`)
    }
    const choose = await nia.get('/account/choose-password')
    assert.equal(choose.statusCode, 200)
    const text = textOf(choose.body)
    assert.match(text, /Choose a new password/)
    assert.match(text, /You signed in with a temporary password/)
    assert.doesNotMatch(choose.body, /aria-label="Menu"/, 'no menu of pages they cannot reach yet')
    assert.match(choose.body, /action="\/sign-out"/, 'they can still sign out')

    // A form sent to any other page saves nothing.
    const before = (await ctx.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0]
    const post = await nia.post('/account/tokens', { tokenName: 'sneaky' })
    assert.equal(post.statusCode, 303)
    assert.equal(post.headers.location, '/account/choose-password')
    assert.deepEqual((await ctx.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0], before)
  })

  it('the API answers 403 problem details until the password is changed, by cookie or by Bearer token', async (t) => {
    const ctx = await testApp(t)
    const { agent: nia } = await signInWithTemporary(ctx, 'nia.evans@westside.example', await addNia(ctx))
    const { token } = await createApiToken(ctx.pool, await userId(ctx.pool, 'nia.evans@westside.example'), 'made earlier', DEFAULT_TOKEN_DAYS, ctx.clock())
    const responses = [
      await nia.json('GET', '/api/v1/me'),
      await nia.json('GET', '/api/v1/schools'),
      await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } }),
    ]
    for (const response of responses) {
      assert.equal(response.statusCode, 403)
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
      const problem = response.json()
      assert.equal(problem.status, 403)
      assert.equal(problem.title, 'Choose a new password first')
      assert.match(problem.detail, /Your password is a temporary one\. Sign in to Doorstep in a browser and choose a new password \(\/account\/choose-password\) before using the API\./)
    }
  })

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['a password that is too short', { newPassword: 'short', confirmPassword: 'short' }, 'newPassword', /Your new password must be at least 10 characters/],
    ['passwords that do not match', { newPassword: 'correct horse battery', confirmPassword: 'correct horse staple' }, 'confirmPassword', /The passwords do not match/],
    ['an empty form', {}, 'newPassword', /Enter a new password/],
  ]
  for (const [label, form, field, message] of bad) {
    it(`${label}: 400 with the GOV.UK error summary, and the password stays temporary`, async (t) => {
      const ctx = await testApp(t)
      const temporary = await addNia(ctx)
      const { agent: nia } = await signInWithTemporary(ctx, 'nia.evans@westside.example', temporary)
      const response = await nia.post('/account/choose-password', form)
      assertErrorSummary(response, field, message)
      assert.doesNotMatch(textOf(response.body), /expected string/)
      assert.equal((await nia.get('/')).headers.location, '/account/choose-password', 'still sent to choose a password')
      assert.equal((await trySignIn(ctx, 'nia.evans@westside.example', temporary)).statusCode, 303, 'the temporary password still works')
    })
  }

  it('the temporary password itself is refused as the new one', async (t) => {
    const ctx = await testApp(t)
    const temporary = await addNia(ctx)
    const { agent: nia } = await signInWithTemporary(ctx, 'nia.evans@westside.example', temporary)
    const response = await nia.post('/account/choose-password', { newPassword: temporary, confirmPassword: temporary })
    assertErrorSummary(response, 'newPassword', /Your new password must be different from the temporary password/)
    assert.equal((await nia.get('/')).statusCode, 303)
  })

  it('R-AUDIT-1 choosing a password lets them in, to the page they asked for; the temporary one stops working; other sessions end; audited', async (t) => {
    const ctx = await testApp(t)
    const temporary = await addNia(ctx)
    const elsewhere = (await signInWithTemporary(ctx, 'nia.evans@westside.example', temporary)).agent
    const { agent: nia, response } = await signInWithTemporary(ctx, 'nia.evans@westside.example', temporary, '/visits')
    assert.equal(response.headers.location, '/visits')
    const redirected = await nia.get('/visits')
    assert.equal(redirected.headers.location, '/account/choose-password?next=%2Fvisits')
    const page = await nia.get(redirected.headers.location as string)
    assert.match(page.body, /name="next" value="\/visits"/)

    const chosen = await nia.post('/account/choose-password', { newPassword: 'three random words', confirmPassword: 'three random words', next: '/visits' })
    assert.equal(chosen.statusCode, 303)
    assert.equal(chosen.headers.location, '/visits')
    assert.equal((await nia.get('/visits')).statusCode, 200)
    assert.equal((await nia.get('/')).statusCode, 200)
    assert.equal((await nia.json('GET', '/api/v1/me')).statusCode, 200)
    assert.equal((await nia.get('/account/choose-password')).headers.location, '/account', 'the page is only for temporary passwords')
    assert.equal((await elsewhere.get('/')).statusCode, 302, 'the other session has ended')

    assert.equal((await trySignIn(ctx, 'nia.evans@westside.example', temporary)).statusCode, 400, 'the temporary password no longer works')
    const again = await trySignIn(ctx, 'nia.evans@westside.example', 'three random words')
    assert.equal(again.statusCode, 303)
    const session = again.cookies.find((c) => c.name === 'doorstep_session')!.value
    assert.equal((await agentFor(ctx.app, session, await sessionCsrf(ctx.pool, session)).get('/')).statusCode, 200, 'not asked again')

    const id = await userId(ctx.pool, 'nia.evans@westside.example')
    const { rows } = await ctx.pool.query<{ summary: string; actor_user_id: string; at: Date }>(
      `SELECT summary, actor_user_id, at FROM audit_log WHERE action = 'account.password_changed' AND subject_id = $1`,
      [id],
    )
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.summary, 'Nia Evans chose their own password in place of a temporary one')
    assert.equal(rows[0]!.actor_user_id, id)
    assert.equal(rows[0]!.at.toISOString(), ctx.clock().toISOString(), 'at the clock’s time')
  })

  it('signing out still works with a temporary password', async (t) => {
    const ctx = await testApp(t)
    const { agent: nia } = await signInWithTemporary(ctx, 'nia.evans@westside.example', await addNia(ctx))
    const out = await nia.post('/sign-out')
    assert.equal(out.statusCode, 303)
    assert.equal(out.headers.location, '/sign-in?signedOut=1')
    assert.equal((await nia.get('/account/choose-password')).statusCode, 302, 'signed out')
  })

  it('a password an admin resets is temporary too; the person’s own choice is not', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const reset = await admin.post(`/staff/${await userId(ctx.pool, 'visitor@westside.example')}/reset-password`)
    assert.match(textOf(reset.body), /Doorstep then asks them to choose their own password/)
    const { agent: visitor } = await signInWithTemporary(ctx, 'visitor@westside.example', temporaryPasswordOf(reset.body)!)
    assert.equal((await visitor.get('/')).headers.location, '/account/choose-password')
    assert.equal((await visitor.post('/account/choose-password', { newPassword: 'my own password', confirmPassword: 'my own password' })).headers.location, '/')
    assert.equal((await visitor.get('/')).statusCode, 200)
  })

  it('demo accounts (their password is printed for the demo) are not temporary, nor is a password changed on the account page', async (t) => {
    const ctx = await testApp(t)
    for (const email of ['dsl@westside.example', 'office@harton.example', 'trust.admin@demo-trust.example']) {
      const person = await signIn(ctx, email, DEMO_PASSWORD)
      assert.equal((await person.get('/')).statusCode, 200, email)
      assert.equal((await person.get('/account/choose-password')).headers.location, '/account', email)
    }
    const office = await signIn(ctx, 'office@westside.example')
    await office.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'correct horse battery', confirmPassword: 'correct horse battery' })
    const again = await signIn(ctx, 'office@westside.example', 'correct horse battery')
    assert.equal((await again.get('/')).statusCode, 200)
  })
})
