import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { encodeForm, signIn, testApp, textOf, userId, type TestApp } from '../helpers.ts'

async function trySignIn(ctx: TestApp, email: string, password: string): Promise<LightMyRequestResponse> {
  const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
  const pre = page.cookies.find((c) => c.name === 'doorstep_pre')!.value
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
  return ctx.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}` },
    payload: encodeForm({ _csrf: csrf, email, password }),
  })
}

const passwordHash = async (ctx: TestApp, email: string) =>
  (await ctx.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [email])).rows[0]!.password_hash

const bearer = (ctx: TestApp, token: string, url = '/api/v1/me') =>
  ctx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })

function assertProblem(response: LightMyRequestResponse, status: number, detail: RegExp) {
  assert.equal(response.statusCode, status)
  assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
  const problem = response.json()
  assert.equal(problem.status, status)
  assert.equal(typeof problem.type, 'string')
  assert.equal(typeof problem.title, 'string')
  assert.match(problem.detail, detail)
}

describe('account: changing your password', () => {
  it('changes the password: the new one works, the old one does not, other devices are signed out; audited', async (t) => {
    const ctx = await testApp(t)
    const here = await signIn(ctx, 'office@westside.example')
    const elsewhere = await signIn(ctx, 'office@westside.example')
    const changed = await here.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'correct horse battery', confirmPassword: 'correct horse battery' })
    assert.equal(changed.statusCode, 303)
    assert.equal(changed.headers.location, '/account?done=password')
    assert.match(textOf((await here.get('/account?done=password')).body), /Your password has been changed/)
    assert.equal((await elsewhere.get('/')).statusCode, 302, 'the other device is signed out')
    assert.equal((await trySignIn(ctx, 'office@westside.example', DEMO_PASSWORD)).statusCode, 400)
    assert.equal((await trySignIn(ctx, 'office@westside.example', 'correct horse battery')).statusCode, 303)
    assert.match(await passwordHash(ctx, 'office@westside.example'), /^\$argon2id\$/)
    const { rows } = await ctx.pool.query(`SELECT 1 FROM audit_log WHERE action = 'account.password_changed' AND subject_id = $1`, [
      await userId(ctx.pool, 'office@westside.example'),
    ])
    assert.equal(rows.length, 1)
  })

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['a wrong current password', { currentPassword: 'not-my-password', newPassword: 'correct horse battery', confirmPassword: 'correct horse battery' }, 'currentPassword', /Your current password is not correct/],
    ['new passwords that do not match', { currentPassword: DEMO_PASSWORD, newPassword: 'correct horse battery', confirmPassword: 'correct horse staple' }, 'confirmPassword', /The passwords do not match/],
    ['a new password that is too short', { currentPassword: DEMO_PASSWORD, newPassword: 'short', confirmPassword: 'short' }, 'newPassword', /at least 10 characters/],
    ['an empty form', {}, 'currentPassword', /Enter your current password/],
  ]
  for (const [label, form, field, message] of bad) {
    it(`${label}: 400 with the error by the field, and the password is unchanged`, async (t) => {
      const ctx = await testApp(t)
      const office = await signIn(ctx, 'office@westside.example')
      const before = await passwordHash(ctx, 'office@westside.example')
      const response = await office.post('/account/password', form)
      assert.equal(response.statusCode, 400)
      assert.match(response.body, /govuk-error-summary/)
      assert.match(response.body, new RegExp(`href="#${field}"`))
      assert.match(textOf(response.body), message)
      assert.doesNotMatch(textOf(response.body), /expected string/)
      assert.equal(await passwordHash(ctx, 'office@westside.example'), before)
      assert.equal((await office.get('/')).statusCode, 200, 'still signed in')
    })
  }
})

describe('account: API tokens', () => {
  it('a token is shown once, only its hash is stored, and it works as a Bearer token on the API', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const created = await dsl.post('/account/tokens', { tokenName: 'MIS sync' })
    assert.equal(created.statusCode, 200)
    assert.match(textOf(created.body), /API token created/)
    const token = /dst_[A-Za-z0-9_-]{43}/.exec(created.body)?.[0]
    assert.ok(token, 'the token is on the page')

    const stored = await ctx.pool.query('SELECT * FROM api_tokens')
    assert.equal(stored.rows.length, 1)
    assert.doesNotMatch(JSON.stringify(stored.rows), new RegExp(token), 'the token itself is not stored')
    assert.equal(stored.rows[0].name, 'MIS sync')

    const page = await dsl.get('/account')
    assert.doesNotMatch(page.body, new RegExp(token), 'shown only once')
    assert.match(textOf(page.body), /MIS sync/)
    assert.match(textOf(page.body), new RegExp(`${token.slice(0, 8)}…`), 'the start of it is shown, so it can be recognised')

    const me = await bearer(ctx, token)
    assert.equal(me.statusCode, 200)
    assert.equal(me.json().email, 'dsl@westside.example')
    assert.deepEqual(me.json().schools.map((s: { name: string }) => s.name), ['Westside School'])
    assert.match(textOf((await dsl.get('/account')).body), /MIS sync dst_\S+… 25 November 2026 at 10:00 23 February 2027 25 November 2026 at 10:00 Revoke/, 'created, expires (90 days on) and last used are shown')
  })

  it('a revoked token gets 401 problem details at once; revoking is audited', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const token = /dst_[A-Za-z0-9_-]{43}/.exec((await dsl.post('/account/tokens', { tokenName: 'MIS sync' })).body)![0]
    assert.equal((await bearer(ctx, token)).statusCode, 200)
    const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM api_tokens')
    const revoked = await dsl.post(`/account/tokens/${rows[0]!.id}/revoke`)
    assert.equal(revoked.statusCode, 303)
    assert.match(textOf((await dsl.get('/account?done=revoked')).body), /The API token has been revoked/)
    assertProblem(await bearer(ctx, token), 401, /not valid: it may have been revoked/)
    const audit = await ctx.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_type = 'api_token' ORDER BY id`)
    assert.deepEqual(audit.rows.map((r) => r.action), ['api_token.created', 'api_token.revoked'])
    const again = await dsl.post(`/account/tokens/${rows[0]!.id}/revoke`)
    assert.equal(again.statusCode, 404, 'revoking twice is a 404, not a 500')
  })

  it('someone cannot revoke another person’s token', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const token = /dst_[A-Za-z0-9_-]{43}/.exec((await dsl.post('/account/tokens', { tokenName: 'MIS sync' })).body)![0]
    const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM api_tokens')
    const office = await signIn(ctx, 'office@westside.example')
    assert.equal((await office.post(`/account/tokens/${rows[0]!.id}/revoke`)).statusCode, 404)
    assert.equal((await bearer(ctx, token)).statusCode, 200)
  })

  it('the page shows only its own success messages, whatever ?done= says', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    for (const done of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'nonsense']) {
      const page = await dsl.get(`/account?done=${done}`)
      assert.equal(page.statusCode, 200)
      assert.doesNotMatch(page.body, /govuk-notification-banner/, done)
      assert.doesNotMatch(textOf(page.body), /function|native code|\[object/, done)
    }
    const admin = await signIn(ctx, 'admin@westside.example')
    const staff = await admin.get(`/staff/${await userId(ctx.pool, 'dsl@westside.example')}?done=constructor`)
    assert.equal(staff.statusCode, 200)
    assert.doesNotMatch(staff.body, /govuk-notification-banner/)
    assert.match((await dsl.get('/account?done=password')).body, /govuk-notification-banner/, 'a real message is shown')
  })

  it('a token name is required', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const response = await dsl.post('/account/tokens', { tokenName: '  ' })
    assert.equal(response.statusCode, 400)
    assert.match(textOf(response.body), /Enter a name for the token/)
    assert.equal((await ctx.pool.query('SELECT 1 FROM api_tokens')).rows.length, 0)
  })

  it('a token name with markup is shown as text', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const response = await dsl.post('/account/tokens', { tokenName: '<img src=x onerror=alert(1)>' })
    assert.equal(response.statusCode, 200)
    assert.doesNotMatch(response.body, /<img src=x/)
    assert.match(response.body, /&lt;img src=x/)
  })

  it('malformed, unknown and non-Bearer credentials get 401 problem details, never a 500', async (t) => {
    const ctx = await testApp(t)
    const cases: Array<[string, RegExp]> = [
      ['Bearer dst_' + 'A'.repeat(43), /not valid/],
      ['Bearer not-a-token', /not valid/],
      ['Bearer ' + 'x'.repeat(5000), /not valid/],
      ['Bearer dst_', /not valid/],
      ['Bearer', /must be "Bearer <API token>"/],
      ['Basic ZHNsQHdlc3RzaWRlLmV4YW1wbGU6ZG9vcnN0ZXAtZGVtbw==', /must be "Bearer <API token>"/],
      ['', /must be "Bearer <API token>"/],
      ["Bearer ' OR 1=1 --", /must be "Bearer <API token>"/],
    ]
    for (const [authorization, detail] of cases) {
      for (const url of ['/api/v1/me', '/api/v1/schools']) {
        const response = await ctx.app.inject({ method: 'GET', url, headers: { authorization } })
        assertProblem(response, 401, detail)
      }
    }
  })

  it('a deactivated person’s tokens are revoked: they stop working and reactivating the account does not bring them back', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const token = /dst_[A-Za-z0-9_-]{43}/.exec((await visitor.post('/account/tokens', { tokenName: 'phone' })).body)![0]
    assert.equal((await bearer(ctx, token)).statusCode, 200)
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'visitor@westside.example')
    await admin.post(`/staff/${id}/deactivate`)
    assertProblem(await bearer(ctx, token), 401, /not valid: it may have been revoked/)
    await admin.post(`/staff/${id}/reactivate`)
    assertProblem(await bearer(ctx, token), 401, /not valid: it may have been revoked/)
    const again = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await again.get('/account')).body), /phone dst_\S+… .* Revoked 25 November 2026/)
  })

  const lifetimes: Array<[string, string]> = [
    ['zero days', '0'],
    ['more than 365 days', '366'],
    ['a negative number', '-3'],
    ['a fraction', '1.5'],
    ['words', 'ninety'],
    ['nothing', '  '],
    ['a huge number', '99999999999999999999'],
  ]
  for (const [label, expiresInDays] of lifetimes) {
    it(`an expiry of ${label} is a 400 with the error by the field, and no token is made`, async (t) => {
      const ctx = await testApp(t)
      const dsl = await signIn(ctx, 'dsl@westside.example')
      const response = await dsl.post('/account/tokens', { tokenName: 'MIS sync', expiresInDays })
      assert.equal(response.statusCode, 400)
      assert.match(response.body, /govuk-error-summary/)
      assert.match(response.body, /href="#expiresInDays"/)
      assert.match(textOf(response.body), /Enter the number of days the token lasts, a whole number from 1 to 365/)
      assert.match(response.body, /id="tokenName" name="tokenName" type="text" value="MIS sync"/, 'what was typed is kept')
      assert.equal((await ctx.pool.query('SELECT 1 FROM api_tokens')).rows.length, 0)
    })
  }
})

describe('account: API token expiry, last use and revocation', () => {
  it('the expiry is chosen when the token is made (90 days unless changed); an expired token gets 401 problem details', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const form = await dsl.get('/account')
    assert.match(textOf(form.body), /Days until it expires From 1 to 365 days\. 90 unless you change it\./)
    assert.match(form.body, /id="expiresInDays" name="expiresInDays" type="text" spellcheck="false" value="90"/)
    for (const [name, days] of [['one year', '365'], ['one day', '1'], ['thirty days', ' 30 ']] as const) {
      const created = await dsl.post('/account/tokens', { tokenName: name, expiresInDays: days })
      assert.equal(created.statusCode, 200, name)
    }
    const created = await dsl.post('/account/tokens', { tokenName: 'week', expiresInDays: '7' })
    assert.match(textOf(created.body), /It is shown only once, and works until 2 December 2026/)
    const token = /dst_[A-Za-z0-9_-]{43}/.exec(created.body)![0]
    const page = textOf((await dsl.get('/account')).body)
    assert.match(page, /one year dst_\S+… 25 November 2026 at 10:00 25 November 2027 Never/)
    assert.match(page, /one day dst_\S+… 25 November 2026 at 10:00 26 November 2026 Never/)
    assert.match(page, /thirty days dst_\S+… 25 November 2026 at 10:00 25 December 2026 Never/)

    ctx.clock.advance(7 * 86_400_000 - 1_000)
    assert.equal((await bearer(ctx, token)).statusCode, 200, 'still works a second before')
    ctx.clock.advance(1_000)
    assertProblem(await bearer(ctx, token), 401, /This API token has expired\. Create a new one on your account page\./)
    const later = await signIn(ctx, 'dsl@westside.example')
    assert.match(textOf((await later.get('/account')).body), /week dst_\S+… 25 November 2026 at 10:00 2 December 2026 2 December 2026 at 09:59 Expired/)
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM api_tokens WHERE name = 'week'`)
    assert.equal((await later.post(`/account/tokens/${rows[0]!.id}/revoke`)).statusCode, 404, 'an expired token cannot be revoked: it already does nothing')
    const audit = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM audit_log WHERE action = 'api_token.created' AND subject_id = $1`, [rows[0]!.id])
    assert.match(audit.rows[0]!.summary, /created API token "week", expiring after 7 days/)
  })

  it('the last use is shown on the account page, to the minute (written at most once a minute)', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const token = /dst_[A-Za-z0-9_-]{43}/.exec((await dsl.post('/account/tokens', { tokenName: 'MIS sync' })).body)![0]
    const lastUsed = async () => /MIS sync dst_\S+… \S+ \S+ \S+ at \S+ \S+ \S+ \S+ (.+?) Revoke/.exec(textOf((await dsl.get('/account')).body))?.[1]
    assert.equal(await lastUsed(), 'Never')
    ctx.clock.advance(5 * 60_000)
    assert.equal((await bearer(ctx, token)).statusCode, 200)
    assert.equal(await lastUsed(), '25 November 2026 at 10:05')
    ctx.clock.advance(59_000)
    assert.equal((await bearer(ctx, token)).statusCode, 200)
    assert.equal(await lastUsed(), '25 November 2026 at 10:05', 'used again within the minute: not written again')
    ctx.clock.advance(2 * 60_000)
    assert.equal((await bearer(ctx, token)).statusCode, 200)
    assert.equal(await lastUsed(), '25 November 2026 at 10:07')
  })

  it('changing your own password revokes all your API tokens', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const tokens = [
      /dst_[A-Za-z0-9_-]{43}/.exec((await office.post('/account/tokens', { tokenName: 'one' })).body)![0],
      /dst_[A-Za-z0-9_-]{43}/.exec((await office.post('/account/tokens', { tokenName: 'two' })).body)![0],
    ]
    for (const token of tokens) assert.equal((await bearer(ctx, token)).statusCode, 200)
    await office.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'correct horse battery', confirmPassword: 'correct horse battery' })
    for (const token of tokens) assertProblem(await bearer(ctx, token), 401, /it may have been revoked/)
    const page = textOf((await office.get('/account?done=password')).body)
    assert.match(page, /Your password has been changed\. Any other devices have been signed out, and your API tokens have been revoked\./)
    assert.match(page, /one dst_\S+… .* Revoked 25 November 2026/)
    const { rows } = await ctx.pool.query<{ change: { apiTokensRevoked: number } }>(`SELECT change FROM audit_log WHERE action = 'account.password_changed'`)
    assert.equal(rows[0]!.change.apiTokensRevoked, 2, 'the history says how many tokens were revoked')
  })

  it('an admin resetting someone’s password revokes all their API tokens; audited', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const token = /dst_[A-Za-z0-9_-]{43}/.exec((await visitor.post('/account/tokens', { tokenName: 'phone' })).body)![0]
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'visitor@westside.example')
    assert.equal((await admin.post(`/staff/${id}/reset-password`)).statusCode, 200)
    assertProblem(await bearer(ctx, token), 401, /it may have been revoked/)
    const { rows } = await ctx.pool.query<{ change: { apiTokensRevoked: number } }>(`SELECT change FROM audit_log WHERE action = 'staff.password_reset' AND subject_id = $1`, [id])
    assert.equal(rows[0]!.change.apiTokensRevoked, 1)
  })
})
