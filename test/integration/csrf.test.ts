import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Pool } from '../../src/db/pool.ts'
import { DEFAULT_TOKEN_DAYS, createApiToken } from '../../src/features/account/api-tokens.ts'
import { encodeForm, signIn, testApp, textOf, userId } from '../helpers.ts'

/** Every route the app serves, with its methods, read from Fastify's route tree. */
function routesOf(app: FastifyInstance): Array<{ url: string; methods: string[] }> {
  const routes: Array<{ url: string; methods: string[] }> = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*)(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    stack.length = depth
    const parent = stack[depth - 1] ?? ''
    const url = parent === '/' || parent === '' ? (match[2]!.startsWith('/') ? match[2]! : `/${match[2]}`) : `${parent}${match[2]}`
    stack.push(url)
    if (match[3]) routes.push({ url, methods: match[3].split(', ') })
  }
  return routes
}

/** A fingerprint of every table: any write at all changes it. */
async function fingerprint(pool: Pool): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  )
  const result: Record<string, string> = {}
  for (const { name } of tables) {
    const { rows } = await pool.query<{ digest: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${name}" t`)
    result[name] = rows[0]!.digest
  }
  return result
}

const everyField = {
  name: 'Mallory Evil',
  email: 'mallory@evil.example',
  mobile: '07700900999',
  roles: 'school_admin',
  password: 'doorstep-demo',
  currentPassword: 'doorstep-demo',
  newPassword: 'a-brand-new-password',
  confirmPassword: 'a-brand-new-password',
  tokenName: 'stolen',
}

describe('CSRF: forms need the token of the session that shows them', () => {
  it('every POST route refuses a form with no token, or a wrong one, with 403 "Your form expired" and changes nothing', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const other = await signIn(ctx, 'head@westside.example')
    const adminId = await userId(ctx.pool, 'admin@westside.example')
    const token = await createApiToken(ctx.pool, adminId, 'MIS sync', DEFAULT_TOKEN_DAYS, ctx.clock())
    const ids: Record<string, string> = {
      userId: await userId(ctx.pool, 'visitor@westside.example'),
      tokenId: token.id,
      schoolId: (await ctx.pool.query<{ school_id: string }>('SELECT school_id FROM school_memberships WHERE user_id = $1', [adminId])).rows[0]!.school_id,
    }
    // The OAuth token endpoint (decision 0025) ignores cookies: the client authenticates itself, so there is nothing to forge.
    const posts = routesOf(ctx.app).filter((route) => route.methods.includes('POST') && route.url !== '/oauth/token')
    const tokenEndpoint = await ctx.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    })
    assert.equal(tokenEndpoint.statusCode, 401, 'a session cookie does not authenticate a client')
    assert.equal(tokenEndpoint.json().error, 'invalid_client')
    for (const expected of ['/sign-in', '/sign-out', '/schools/switch', '/staff', '/staff/:userId', '/staff/:userId/deactivate', '/staff/:userId/reset-password', '/account/password', '/account/tokens', '/account/tokens/:tokenId/revoke']) {
      assert.ok(posts.some((route) => route.url === expected), `${expected} is among the routes found`)
    }
    const before = await fingerprint(ctx.pool)
    for (const route of posts) {
      const url = route.url.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? randomUUID())
      for (const csrf of [undefined, '', 'forged-token', other.csrf]) {
        const response = await ctx.app.inject({
          method: 'POST',
          url,
          headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
          payload: encodeForm({ ...everyField, schoolId: ids.schoolId, _csrf: csrf }),
        })
        const label = `POST ${route.url} with ${csrf === undefined ? 'no token' : csrf === other.csrf ? "another session's token" : `token "${csrf}"`}`
        assert.equal(response.statusCode, 403, label)
        assert.match(textOf(response.body), /Your form expired/, label)
        assert.match(textOf(response.body), /nothing was saved/, label)
      }
    }
    assert.deepEqual(await fingerprint(ctx.pool), before, 'no table changed')
    // The same form with the right token works, so the refusals above were the token's doing.
    const created = await admin.post('/account/tokens', { tokenName: 'With the right token' })
    assert.equal(created.statusCode, 200)
    assert.notDeepEqual(await fingerprint(ctx.pool), before)
  })

  it('a signed-out form (sign-in) needs the token bound to its pre-session cookie', async (t) => {
    const ctx = await testApp(t)
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'doorstep_pre=someone-elses', accept: 'text/html' },
      payload: encodeForm({ _csrf: csrf, email: 'dsl@westside.example', password: 'doorstep-demo' }),
    })
    assert.equal(response.statusCode, 403)
    assert.match(textOf(response.body), /Your form expired/)
    assert.equal(response.cookies.find((c) => c.name === 'doorstep_session'), undefined)
  })
})

describe('CSRF: the JSON API', () => {
  const withEcho = {
    beforeReady: (app: FastifyInstance) => {
      app.post('/api/v1/test-echo', { config: { access: 'signed-in' } }, async (request) => ({ received: request.body }))
    },
  }

  it('with the session cookie, a change needs the x-csrf-token header (problem details otherwise)', async (t) => {
    const ctx = await testApp(t, withEcho)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    for (const headers of [{}, { 'x-csrf-token': 'forged' }]) {
      const refused = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/test-echo',
        headers: { cookie: dsl.cookie, 'content-type': 'application/json', ...headers },
        payload: JSON.stringify({ hello: 'world' }),
      })
      assert.equal(refused.statusCode, 403)
      assert.match(refused.headers['content-type'] as string, /^application\/problem\+json/)
      assert.equal(refused.json().title, 'Your form expired')
      assert.equal(refused.json().status, 403)
    }
    const allowed = await dsl.json('POST', '/api/v1/test-echo', { hello: 'world' })
    assert.equal(allowed.statusCode, 200)
    assert.deepEqual(allowed.json(), { received: { hello: 'world' } })
  })

  it('with a Bearer API token no CSRF token is needed', async (t) => {
    const ctx = await testApp(t, withEcho)
    const { token } = await createApiToken(ctx.pool, await userId(ctx.pool, 'dsl@westside.example'), 'test', DEFAULT_TOKEN_DAYS, ctx.clock())
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/test-echo',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ hello: 'token' }),
    })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { received: { hello: 'token' } })
  })

  it('a JSON request to a form route with the session cookie needs the header too', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'trust.admin@demo-trust.example')
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM schools WHERE name = 'WNA'`)
    const refused = await ctx.app.inject({
      method: 'POST',
      url: '/schools/switch',
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ schoolId: rows[0]!.id }),
    })
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().title, 'Your form expired')
    assert.match(textOf((await admin.get('/')).body), /Harton Academy/, 'still in the first school')
    const allowed = await admin.json('POST', '/schools/switch', { schoolId: rows[0]!.id })
    assert.equal(allowed.statusCode, 303)
  })
})
