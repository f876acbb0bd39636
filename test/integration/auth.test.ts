import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { SESSION_COOKIE } from '../../src/features/auth/sessions.ts'
import { agentFor, encodeForm, sessionCsrf, signIn, testApp, textOf, userId, type TestApp } from '../helpers.ts'

/** One sign-in attempt as a browser makes it: fetch the form (pre-session cookie + CSRF token), then post it. */
async function attempt(ctx: TestApp, email: string, password: string, extra: Record<string, string> = {}, headers: { cookie?: string; 'x-forwarded-for'?: string } = {}) {
  const forwarded = headers['x-forwarded-for'] ? { 'x-forwarded-for': headers['x-forwarded-for'] } : {}
  const page = await ctx.app.inject({ method: 'GET', url: '/sign-in', headers: forwarded })
  const pre = page.cookies.find((c) => c.name === 'doorstep_pre')?.value ?? ''
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  return ctx.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [`doorstep_pre=${pre}`, headers.cookie].filter(Boolean).join('; '),
      accept: 'text/html',
      ...forwarded,
    },
    payload: encodeForm({ _csrf: csrf, email, password, ...extra }),
  })
}

const sessionOf = (response: LightMyRequestResponse) => response.cookies.find((c) => c.name === SESSION_COOKIE)?.value

function assertErrorSummary(response: LightMyRequestResponse, message: RegExp) {
  assert.match(response.body, /govuk-error-summary/, 'the GOV.UK error summary is shown')
  assert.match(textOf(response.body), /There is a problem/)
  assert.match(textOf(response.body), message)
}

async function sessionsOf(ctx: TestApp, email: string): Promise<number> {
  const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [await userId(ctx.pool, email)])
  return rows[0]!.n
}

describe('accounts: signing in and out', () => {
  it('signing in redirects home, where the school and the person are shown', async (t) => {
    const ctx = await testApp(t)
    const response = await attempt(ctx, 'head@harton.example', DEMO_PASSWORD)
    assert.equal(response.statusCode, 303)
    assert.equal(response.headers.location, '/')
    const session = sessionOf(response)
    assert.ok(session)
    const head = agentFor(ctx.app, session, await sessionCsrf(ctx.pool, session))
    const home = await head.get('/')
    assert.equal(home.statusCode, 200)
    const text = textOf(home.body)
    assert.match(text, /Harton Academy/)
    assert.match(text, /Helen Hughes/)
    assert.match(text, /Headteacher/)
  })

  it('signing in sends the person back to the page they asked for, but never to another site', async (t) => {
    const ctx = await testApp(t)
    const back = await attempt(ctx, 'admin@westside.example', DEMO_PASSWORD, { next: '/staff' })
    assert.equal(back.statusCode, 303)
    assert.equal(back.headers.location, '/staff')
    for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/', '/\t/evil.example', '/\n/evil.example', '/ /x']) {
      const response = await attempt(ctx, 'admin@westside.example', DEMO_PASSWORD, { next })
      assert.equal(response.statusCode, 303, `next=${JSON.stringify(next)}`)
      assert.equal(response.headers.location, '/', `next=${JSON.stringify(next)} is not followed`)
    }
  })

  it('a wrong password and an unknown email give the same message, status 400 and the error summary', async (t) => {
    const ctx = await testApp(t)
    const wrongPassword = await attempt(ctx, 'dsl@westside.example', 'not-the-password')
    const unknownEmail = await attempt(ctx, 'nobody@westside.example', DEMO_PASSWORD)
    for (const response of [wrongPassword, unknownEmail]) {
      assert.equal(response.statusCode, 400)
      assertErrorSummary(response, /Enter a correct email address and password/)
      assert.equal(sessionOf(response), undefined, 'no session is started')
    }
    assert.match(wrongPassword.body, /value="dsl@westside.example"/, 'the email is kept in the form')
  })

  it('the email is matched whatever its case and surrounding spaces', async (t) => {
    const ctx = await testApp(t)
    const response = await attempt(ctx, '  DSL@Westside.Example ', DEMO_PASSWORD)
    assert.equal(response.statusCode, 303)
    assert.ok(sessionOf(response))
    assert.equal((await attempt(ctx, 'dsl@westside.example', DEMO_PASSWORD.toUpperCase())).statusCode, 400, 'the password is case-sensitive')
  })

  it('an empty form asks for the email and the password', async (t) => {
    const ctx = await testApp(t)
    const response = await attempt(ctx, '', '')
    assert.equal(response.statusCode, 400)
    assertErrorSummary(response, /Enter your email address/)
    assert.match(textOf(response.body), /Enter your password/)
    assert.match(response.body, /href="#email"/)
  })

  it('R-AUDIT-1 after SIGN_IN_MAX_FAILURES wrong passwords in a row the next attempt waits 1 s, then 2 s, 4 s …; a right password inside the wait gets the wrong-password answer and signs in once it has passed', async (t) => {
    const ctx = await testApp(t)
    const email = 'office@westside.example'
    assert.equal(ctx.config.signIn.maxFailures, 5)
    for (let i = 1; i <= 5; i++) {
      const response = await attempt(ctx, email, `wrong-${i}`)
      assert.equal(response.statusCode, 400)
      assertErrorSummary(response, /Enter a correct email address and password/)
    }
    const { rows } = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM audit_log WHERE action = 'account.sign_in_slowed' AND subject_id = $1`, [
      await userId(ctx.pool, email),
    ])
    assert.deepEqual(rows.map((r) => r.summary), ['Slowed sign-in attempts for office@westside.example after 5 wrong passwords in a row'], 'the slowing is in the audit history, once')

    // Five failures: the next attempt is judged after 1 s. Inside it, even the right password is refused, with the same words.
    const inside = await attempt(ctx, email, DEMO_PASSWORD)
    assert.equal(inside.statusCode, 400)
    assertErrorSummary(inside, /Enter a correct email address and password/)
    assert.doesNotMatch(textOf(inside.body), /locked/i)
    assert.equal(sessionOf(inside), undefined)

    ctx.clock.advance(1_000)
    assert.equal((await attempt(ctx, email, 'wrong-6')).statusCode, 400, 'judged: a sixth failure, so the next wait is 2 s')
    ctx.clock.advance(1_999)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD)).statusCode, 400, 'still inside the 2 s')
    ctx.clock.advance(1)
    const after = await attempt(ctx, email, DEMO_PASSWORD)
    assert.equal(after.statusCode, 303, 'the right password signs in once the wait has passed')
    assert.ok(sessionOf(after))
    assert.equal((await attempt(ctx, email, 'wrong-again')).statusCode, 400)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD)).statusCode, 303, 'signing in starts the count again')
  })

  it('the wait grows no longer than SIGN_IN_MAX_DELAY_SECONDS, and attempts inside it do not lengthen it', async (t) => {
    const ctx = await testApp(t, { config: { trustProxy: true } })
    const email = 'visitor@westside.example'
    assert.equal(ctx.config.signIn.maxDelaySeconds, 60)
    let device = 0
    const from = () => ({ 'x-forwarded-for': `203.0.113.${++device}` })
    // 5 free failures, then waits of 1, 2, 4, 8, 16, 32, 60, 60 s, each sat out before the next guess.
    for (const wait of [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]) {
      ctx.clock.advance(wait * 1_000)
      assert.equal((await attempt(ctx, email, 'wrong', {}, from())).statusCode, 400)
    }
    // Guesses inside the wait are refused unjudged and do not move it.
    for (let i = 0; i < 5; i++) {
      ctx.clock.advance(10_000)
      assert.equal((await attempt(ctx, email, DEMO_PASSWORD, {}, from())).statusCode, 400, `${(i + 1) * 10} s into the 60 s wait`)
    }
    ctx.clock.advance(10_000)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD, {}, from())).statusCode, 303, '60 s after the last judged failure, the right password signs in')
  })

  it('guesses sent at the same time cannot get round the wait: only one of them is judged', async (t) => {
    const ctx = await testApp(t)
    const email = 'visitor@westside.example'
    for (let i = 0; i < 5; i++) await attempt(ctx, email, `wrong-${i}`)
    ctx.clock.advance(1_000)
    const forms = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
        return { pre: page.cookies.find((c) => c.name === 'doorstep_pre')!.value, csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! }
      }),
    )
    // Ten guesses at once, as from ten machines.
    const responses = await Promise.all(
      forms.map((form, i) =>
        ctx.app.inject({
          method: 'POST',
          url: '/sign-in',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${form.pre}`, accept: 'text/html' },
          payload: encodeForm({ _csrf: form.csrf, email, password: `guess-${i}` }),
        }),
      ),
    )
    for (const response of responses) assertErrorSummary(response, /Enter a correct email address and password/)
    // One judged guess makes six failures, so a 2 s wait; ten judged would have made it 60 s.
    ctx.clock.advance(1_999)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD)).statusCode, 400, 'inside the 2 s wait')
    ctx.clock.advance(1)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD)).statusCode, 303, 'only one of the ten was counted')
  })

  it('someone guessing the office’s password elsewhere cannot keep the office out: a browser they have signed in on is slowed only by its own mistakes', async (t) => {
    const ctx = await testApp(t, { config: { trustProxy: true } })
    const email = 'office@westside.example'
    const office = { 'x-forwarded-for': '198.51.100.10' }
    const first = await attempt(ctx, email, DEMO_PASSWORD, {}, office)
    assert.equal(first.statusCode, 303)
    const device = first.cookies.find((c) => c.name === 'doorstep_device')
    assert.ok(device && device.httpOnly && device.path === '/sign-in', 'the office browser is remembered (an httpOnly cookie sent only to /sign-in)')

    // Someone else keeps guessing, fast enough to keep the address slowed all the time.
    for (let i = 0; i < 15; i++) {
      assert.equal((await attempt(ctx, email, `guess-${i}`, {}, { 'x-forwarded-for': `203.0.113.${i}` })).statusCode, 400)
      ctx.clock.advance(1_000)
    }
    const stranger = await attempt(ctx, email, DEMO_PASSWORD, {}, { 'x-forwarded-for': '203.0.113.200' })
    assert.equal(stranger.statusCode, 400, 'a browser Doorstep does not know waits, even with the right password')

    const again = await attempt(ctx, email, DEMO_PASSWORD, {}, { ...office, cookie: `doorstep_device=${device.value}` })
    assert.equal(again.statusCode, 303, 'the office’s own browser signs in at once')
    const signedIn = agentFor(ctx.app, sessionOf(again)!, await sessionCsrf(ctx.pool, sessionOf(again)!))
    assert.equal((await signedIn.get('/')).statusCode, 200)

    // Its own wrong passwords slow that browser down like any other.
    const withDevice = { ...office, cookie: `doorstep_device=${device.value}` }
    for (let i = 0; i < 5; i++) assert.equal((await attempt(ctx, email, `typo-${i}`, {}, withDevice)).statusCode, 400)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD, {}, withDevice)).statusCode, 400, 'five mistakes from this browser: it waits 1 s')
    ctx.clock.advance(1_000)
    assert.equal((await attempt(ctx, email, DEMO_PASSWORD, {}, withDevice)).statusCode, 303)

    // The cookie is tied to the person it signed in: for another, slowed, address it is just an unknown browser.
    for (let i = 0; i < 5; i++) await attempt(ctx, 'visitor@westside.example', `guess-${i}`, {}, { 'x-forwarded-for': `203.0.113.${100 + i}` })
    const otherPerson = await attempt(ctx, 'visitor@westside.example', DEMO_PASSWORD, {}, withDevice)
    assert.equal(otherPerson.statusCode, 400)
    assertErrorSummary(otherPerson, /Enter a correct email address and password/)
  })

  it('an unknown address, a wrong password, a deactivated account and a slowed address all get the same page and status', async (t) => {
    const ctx = await testApp(t, { config: { trustProxy: true } })
    let device = 0
    const from = () => ({ 'x-forwarded-for': `203.0.113.${++device}` })
    for (let i = 0; i < 5; i++) await attempt(ctx, 'office@westside.example', `wrong-${i}`, {}, from())
    await ctx.pool.query(`UPDATE users SET active = false WHERE email = 'visitor2@westside.example'`)
    const cases = {
      'unknown address': await attempt(ctx, 'nobody@westside.example', DEMO_PASSWORD, {}, from()),
      'wrong password': await attempt(ctx, 'dsl@westside.example', 'not-the-password', {}, from()),
      'deactivated account, right password': await attempt(ctx, 'visitor2@westside.example', DEMO_PASSWORD, {}, from()),
      'slowed address, right password': await attempt(ctx, 'office@westside.example', DEMO_PASSWORD, {}, from()),
      'slowed address, wrong password': await attempt(ctx, 'office@westside.example', 'still-wrong', {}, from()),
    }
    // The page, less what differs between any two requests: the email typed, the form token and the script nonce.
    const page = (response: LightMyRequestResponse) => response.body.replace(/value="[^"]*"/g, 'value=""').replace(/nonce="[^"]*"/g, 'nonce=""')
    const expected = page(cases['unknown address'])
    for (const [label, response] of Object.entries(cases)) {
      assert.equal(response.statusCode, 400, label)
      assertErrorSummary(response, /Enter a correct email address and password/)
      assert.equal(page(response), expected, `${label}: the same page as an unknown address`)
      assert.deepEqual(response.cookies.map((c) => c.name).filter((n) => n !== 'doorstep_pre'), [], `${label}: no cookie is set`)
    }
  })

  it('too many sign-in attempts from one device get 429 and a clear message, not an error', async (t) => {
    const ctx = await testApp(t)
    const statuses: number[] = []
    let last: LightMyRequestResponse | undefined
    for (let i = 0; i < 21; i++) {
      last = await ctx.app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: encodeForm({ email: 'nobody@example.org', password: 'x' }),
      })
      statuses.push(last.statusCode)
    }
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(403), 'the first 20 are answered (here: no CSRF token)')
    assert.equal(last!.statusCode, 429)
    assert.match(last!.headers['content-type'] as string, /text\/html/)
    assert.match(textOf(last!.body), /too many sign-in attempts from this device\. Wait a minute and try again/)
  })

  const postFrom = (ctx: TestApp, forwardedFor: string) =>
    ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-forwarded-for': forwardedFor },
      payload: encodeForm({ email: 'nobody@example.org', password: 'x' }),
    })

  it('the rate limit cannot be dodged with a made-up X-Forwarded-For when no proxy is trusted (the default)', async (t) => {
    const ctx = await testApp(t)
    const statuses: number[] = []
    for (let i = 0; i < 21; i++) statuses.push((await postFrom(ctx, `203.0.113.${i}`)).statusCode)
    assert.equal(statuses.at(-1), 429)
  })

  for (const trustProxy of [true, 1, ['127.0.0.1']]) {
    it(`behind a trusted proxy (TRUST_PROXY=${String(trustProxy)}) each person’s device has its own sign-in limit`, async (t) => {
      const ctx = await testApp(t, { config: { trustProxy } })
      for (let i = 0; i < 20; i++) assert.equal((await postFrom(ctx, '203.0.113.7')).statusCode, 403)
      assert.equal((await postFrom(ctx, '203.0.113.7')).statusCode, 429, 'that device has used its 20')
      assert.equal((await postFrom(ctx, '198.51.100.42')).statusCode, 403, 'someone else at the same school is not blocked')
    })
  }

  it('a new session id is issued at sign-in: a session cookie from before is no longer valid', async (t) => {
    const ctx = await testApp(t)
    const before = await signIn(ctx, 'dsl@westside.example')
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: before.cookie },
      payload: encodeForm({ _csrf: before.csrf, email: 'dsl@westside.example', password: DEMO_PASSWORD }),
    })
    assert.equal(again.statusCode, 303)
    const after = sessionOf(again)
    assert.ok(after)
    assert.notEqual(`${SESSION_COOKIE}=${after}`, before.cookie)
    const old = await before.get('/')
    assert.equal(old.statusCode, 302)
    assert.match(old.headers.location as string, /^\/sign-in/)
    const fresh = agentFor(ctx.app, after, await sessionCsrf(ctx.pool, after))
    assert.equal((await fresh.get('/')).statusCode, 200)
    assert.equal(await sessionsOf(ctx, 'dsl@westside.example'), 1, 'only the new session exists')
  })

  it('a cookie planted before sign-in is never used as the session id', async (t) => {
    const ctx = await testApp(t)
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in', cookies: { [SESSION_COOKIE]: 'planted-by-an-attacker' } })
    const pre = page.cookies.find((c) => c.name === 'doorstep_pre')!.value
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}; ${SESSION_COOKIE}=planted-by-an-attacker` },
      payload: encodeForm({ _csrf: csrf, email: 'dsl@westside.example', password: DEMO_PASSWORD }),
    })
    assert.equal(response.statusCode, 303)
    assert.notEqual(sessionOf(response), 'planted-by-an-attacker')
    const planted = await ctx.app.inject({ method: 'GET', url: '/', headers: { cookie: `${SESSION_COOKIE}=planted-by-an-attacker` } })
    assert.equal(planted.statusCode, 302)
  })

  it('signing out ends the session: the old cookie is sent to the sign-in page', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const out = await dsl.post('/sign-out')
    assert.equal(out.statusCode, 303)
    assert.equal(out.headers.location, '/sign-in?signedOut=1')
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in?signedOut=1' })
    assert.match(textOf(page.body), /You have signed out/)
    const home = await dsl.get('/')
    assert.equal(home.statusCode, 302)
    assert.equal(home.headers.location, '/sign-in?next=%2F')
    assert.equal(await sessionsOf(ctx, 'dsl@westside.example'), 0)
  })

  it('signing out needs the form token, so another site cannot sign someone out', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const forged = await ctx.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: dsl.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: '',
    })
    assert.equal(forged.statusCode, 403)
    assert.equal((await dsl.get('/')).statusCode, 200)
  })

  it('pressing "Sign out" after the session has timed out just signs out, without a "form expired" page', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    ctx.clock.advance(31 * 60_000)
    const out = await dsl.post('/sign-out')
    assert.equal(out.statusCode, 303)
    assert.equal(out.headers.location, '/sign-in?signedOut=1')
  })

  it(`a session ends after SESSION_IDLE_MINUTES (30) without a request`, async (t) => {
    const ctx = await testApp(t)
    assert.equal(ctx.config.session.idleMinutes, 30)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    ctx.clock.advance(29 * 60_000)
    assert.equal((await dsl.get('/')).statusCode, 200, 'active within 30 minutes')
    ctx.clock.advance(29 * 60_000)
    assert.equal((await dsl.get('/')).statusCode, 200, 'each request restarts the idle time')
    ctx.clock.advance(30 * 60_000)
    const idle = await dsl.get('/account')
    assert.equal(idle.statusCode, 302)
    assert.equal(idle.headers.location, '/sign-in?next=%2Faccount')
    assert.equal(await sessionsOf(ctx, 'dsl@westside.example'), 0, 'the expired session is removed')
  })

  it('a session ends 12 hours after sign-in however active the person is', async (t) => {
    const ctx = await testApp(t)
    assert.equal(ctx.config.session.absoluteHours, 12)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
      ctx.clock.advance(20 * 60_000)
      assert.equal((await dsl.get('/')).statusCode, 200, `still signed in after ${minutes} minutes`)
    }
    ctx.clock.advance(20 * 60_000)
    const expired = await dsl.get('/')
    assert.equal(expired.statusCode, 302)
    assert.match(expired.headers.location as string, /^\/sign-in/)
  })

  it('a forged or garbage session cookie is sent to sign in (GET) or refused (POST), never a 500', async (t) => {
    const ctx = await testApp(t)
    for (const value of ['garbage', 'x'.repeat(3000), '%00%ff%fe', 'AAAA.BBBB.CCCC', '"quoted"']) {
      const response = await ctx.app.inject({ method: 'GET', url: '/staff', headers: { cookie: `${SESSION_COOKIE}=${value}`, accept: 'text/html' } })
      assert.equal(response.statusCode, 302, `cookie ${value.slice(0, 20)}`)
      assert.equal(response.headers.location, '/sign-in?next=%2Fstaff')
      const cleared = response.cookies.find((c) => c.name === SESSION_COOKIE)
      assert.ok(cleared && cleared.value === '', 'the bad cookie is cleared')
      const post = await ctx.app.inject({
        method: 'POST',
        url: '/staff',
        headers: { cookie: `${SESSION_COOKIE}=${value}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: encodeForm({ _csrf: 'forged', name: 'Mallory', email: 'mallory@example.org', roles: 'school_admin' }),
      })
      assert.ok([401, 403].includes(post.statusCode), `POST with cookie ${value.slice(0, 20)}: ${post.statusCode}`)
      const api = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `${SESSION_COOKIE}=${value}` } })
      assert.equal(api.statusCode, 401)
      assert.equal(api.json().status, 401)
    }
    const { rows } = await ctx.pool.query(`SELECT 1 FROM users WHERE email = 'mallory@example.org'`)
    assert.equal(rows.length, 0)
  })

  it('a deactivated person is signed out at once and cannot sign in again', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'visitor@westside.example')
    assert.equal((await admin.post(`/staff/${id}/deactivate`)).statusCode, 303)
    const home = await visitor.get('/')
    assert.equal(home.statusCode, 302)
    assert.match(home.headers.location as string, /^\/sign-in/)
    assert.equal(await sessionsOf(ctx, 'visitor@westside.example'), 0)
    const again = await attempt(ctx, 'visitor@westside.example', DEMO_PASSWORD)
    assert.equal(again.statusCode, 400)
    assertErrorSummary(again, /Enter a correct email address and password/)
    assert.equal(sessionOf(again), undefined)
  })

  it('passwords are stored as argon2id hashes, never as given', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ password_hash: string }>('SELECT password_hash FROM users')
    assert.ok(rows.length > 50)
    for (const row of rows) {
      assert.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/)
      assert.ok(!row.password_hash.includes(DEMO_PASSWORD))
    }
    const admin = await signIn(ctx, 'admin@westside.example')
    const added = await admin.post('/staff', { name: 'Nia Evans', email: 'nia.evans@westside.example', roles: 'visitor' })
    assert.equal(added.statusCode, 200)
    const hash = await ctx.pool.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE email = 'nia.evans@westside.example'`)
    assert.match(hash.rows[0]!.password_hash, /^\$argon2id\$/)
  })
})
