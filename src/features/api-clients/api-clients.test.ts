import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { demoSchoolId, signIn, textOf, testApp, type TestApp } from '../../../test/helpers.ts'
import { ACCESS_TOKEN_SECONDS } from './clients.ts'

/**
 * Issue 10 point 11 (docs/decisions/0025-api-clients.md): a school admin registers an API client with scopes;
 * it exchanges its id and secret for a short-lived token at POST /oauth/token (RFC 6749 section 4.4, errors as
 * section 5.2); the token reaches only its scopes' operations, in its school, as the scope's role.
 */
type Registered = { clientId: string; secret: string; schoolId: string; page: string }

async function register(ctx: TestApp, email: string, name: string, scopes: string[]): Promise<Registered> {
  const admin = await signIn(ctx, email)
  const response = await admin.post('/api-clients', { name, scopes })
  assert.equal(response.statusCode, 200, response.body)
  const code = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(response.body)?.[1] ?? ''
  return { clientId: code('client-id'), secret: code('client-secret'), schoolId: code('school-id'), page: textOf(response.body) }
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

function token(ctx: TestApp, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return ctx.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: form(fields) })
}

const call = (ctx: TestApp, method: 'GET' | 'POST', url: string, accessToken: string, body?: unknown) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })

describe('API clients (OAuth 2.0 client credentials)', () => {
  it('R-AUDIT-1 a school admin registers a client and sees its secret once; the client gets a token by HTTP Basic or body parameters and reads pupils', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const client = await register(ctx, 'admin@westside.example', 'MIS sync', ['pupils:read', 'readiness:read'])
    assert.match(client.page, /API client registered/)
    assert.match(client.page, /Copy the secret now\. It is shown only once/)
    assert.match(client.secret, /^dsc_/)
    assert.equal(client.schoolId, westside)

    // The list shows it, never the secret again.
    const admin = await signIn(ctx, 'admin@westside.example')
    const list = await admin.get('/api-clients')
    assert.match(textOf(list.body), /MIS sync/)
    assert.match(textOf(list.body), /pupils:read readiness:read/)
    assert.ok(!list.body.includes(client.secret), 'the secret is not shown again')
    const { rows } = await ctx.pool.query<{ secret_hash: string }>('SELECT secret_hash FROM api_clients WHERE id = $1', [client.clientId])
    assert.match(rows[0]!.secret_hash, /^\$argon2id\$/, 'only an argon2id hash is kept')

    // HTTP Basic.
    const byBasic = await token(ctx, { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) })
    assert.equal(byBasic.statusCode, 200, byBasic.body)
    assert.match(byBasic.headers['content-type'] as string, /^application\/json/)
    assert.equal(byBasic.headers['cache-control'], 'private, no-store')
    const grant = byBasic.json() as { access_token: string; token_type: string; expires_in: number; scope: string; school_id: string }
    assert.equal(grant.token_type, 'Bearer')
    assert.equal(grant.expires_in, ACCESS_TOKEN_SECONDS)
    assert.equal(grant.scope, 'pupils:read readiness:read')
    assert.equal(grant.school_id, westside)

    // Body parameters, asking for fewer scopes.
    const byBody = await token(ctx, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret, scope: 'pupils:read' })
    assert.equal(byBody.statusCode, 200, byBody.body)
    assert.equal((byBody.json() as { scope: string }).scope, 'pupils:read')

    const pupils = await call(ctx, 'GET', `/api/v1/schools/${westside}/pupils`, grant.access_token)
    assert.equal(pupils.statusCode, 200, pupils.body)
    assert.ok((pupils.json() as { total: number }).total > 0)

    // Every issue of a token is in the school's audit history, naming the client.
    const audit = await ctx.pool.query<{ action: string; actor_name: string; actor_user_id: string | null }>(
      `SELECT action, actor_name, actor_user_id FROM audit_log WHERE school_id = $1 AND subject_id = $2 ORDER BY seq`,
      [westside, client.clientId],
    )
    assert.deepEqual(audit.rows.map((r) => r.action), ['api_client.registered', 'api_client.token_issued', 'api_client.token_issued'])
    assert.equal(audit.rows[1]!.actor_name, 'API client "MIS sync"')
    assert.equal(audit.rows[1]!.actor_user_id, null)
  })

  it('refuses a wrong secret, an unknown client, an unknown or ungranted scope, another grant type and a bad request, as RFC 6749 section 5.2 says', async (t) => {
    const ctx = await testApp(t)
    const client = await register(ctx, 'admin@westside.example', 'HR feed', ['readiness:read'])
    const cases: Array<[string, Awaited<ReturnType<typeof token>>, number, string]> = [
      ['wrong secret', await token(ctx, { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, `${client.secret.slice(0, -1)}x`) }), 401, 'invalid_client'],
      ['unknown client', await token(ctx, { grant_type: 'client_credentials', client_id: '3f1e7b5c-0000-4000-8000-000000000000', client_secret: client.secret }), 401, 'invalid_client'],
      ['no credentials', await token(ctx, { grant_type: 'client_credentials' }), 401, 'invalid_client'],
      ['unknown scope', await token(ctx, { grant_type: 'client_credentials', scope: 'visits:write' }, { authorization: basic(client.clientId, client.secret) }), 400, 'invalid_scope'],
      ['scope not given', await token(ctx, { grant_type: 'client_credentials', scope: 'pupils:read' }, { authorization: basic(client.clientId, client.secret) }), 400, 'invalid_scope'],
      ['other grant', await token(ctx, { grant_type: 'password', username: 'a', password: 'b' }, { authorization: basic(client.clientId, client.secret) }), 400, 'unsupported_grant_type'],
      ['no grant type', await token(ctx, {}, { authorization: basic(client.clientId, client.secret) }), 400, 'invalid_request'],
      ['both ways', await token(ctx, { grant_type: 'client_credentials', client_secret: client.secret }, { authorization: basic(client.clientId, client.secret) }), 400, 'invalid_request'],
      ['JSON body', await ctx.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":"client_credentials"}' }), 400, 'invalid_request'],
    ]
    for (const [what, response, status, error] of cases) {
      assert.equal(response.statusCode, status, `${what}: ${response.body}`)
      const body = response.json() as { error: string; error_description: string }
      assert.equal(body.error, error, what)
      assert.ok(body.error_description.length > 10, what)
      if (status === 401) assert.match(response.headers['www-authenticate'] as string, /^Basic realm="Doorstep"/, what)
    }
    const issued = await ctx.pool.query(`SELECT 1 FROM audit_log WHERE action = 'api_client.token_issued'`)
    assert.equal(issued.rowCount, 0, 'no token was issued')
  })

  it('a token works for its scopes only, in its own school, as its scope\'s role; it expires; revoking the client stops it', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const harton = await demoSchoolId(ctx.pool, 'Harton Academy')
    const client = await register(ctx, 'head@westside.example', 'Visits dashboard', ['visits:read', 'pupils:read'])
    const grant = (await token(ctx, { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) })).json() as { access_token: string }
    const bearer = grant.access_token

    const visits = await call(ctx, 'GET', `/api/v1/schools/${westside}/visits`, bearer)
    assert.equal(visits.statusCode, 200, visits.body)
    const visitList = (visits.json() as { visits: Array<{ id: string }> }).visits
    assert.ok(visitList.length > 0, 'the client reads every visit, as the office does')
    const withCodeWord = await ctx.pool.query<{ id: string }>(`SELECT id FROM visits WHERE school_id = $1 AND code_word <> '' ORDER BY id LIMIT 1`, [westside])
    const visitId = withCodeWord.rows[0]!.id
    const office = await signIn(ctx, 'office@westside.example')
    assert.ok((await office.json('GET', `/api/v1/schools/${westside}/visits/${visitId}`)).json().codeWord, 'the office sees this visit\'s code word')
    const visit = await call(ctx, 'GET', `/api/v1/schools/${westside}/visits/${visitId}`, bearer)
    assert.equal(visit.statusCode, 200, visit.body)
    assert.equal((visit.json() as { codeWord?: string }).codeWord, undefined, 'never a code word for a client')

    const problem = (response: Awaited<ReturnType<typeof call>>) => (response.json() as { detail: string }).detail
    // A scope it does not hold; an operation for people only; another school's records; a write it was not given.
    const noScope = await call(ctx, 'GET', `/api/v1/schools/${westside}/readiness/expiring`, bearer)
    assert.equal(noScope.statusCode, 403)
    assert.match(problem(noScope), /does not have the scope "readiness:read"/)
    const people = await call(ctx, 'GET', '/api/v1/me', bearer)
    assert.equal(people.statusCode, 403)
    assert.match(problem(people), /for people/)
    const approve = await call(ctx, 'POST', `/api/v1/schools/${westside}/visits/${visitId}/approve`, bearer, {})
    assert.equal(approve.statusCode, 403)
    assert.equal((await call(ctx, 'GET', `/api/v1/schools/${harton}/visits`, bearer)).statusCode, 404, 'another school is not found')

    // The pupil's restricted notes are for safeguarding roles: the client counts as the office, so never gets them.
    const pupilId = (await ctx.pool.query<{ id: string }>('SELECT id FROM pupils WHERE school_id = $1 LIMIT 1', [westside])).rows[0]!.id
    const pupil = await call(ctx, 'GET', `/api/v1/schools/${westside}/pupils/${pupilId}`, bearer)
    assert.equal(pupil.statusCode, 200)
    assert.equal((pupil.json() as { restrictedNotes?: unknown }).restrictedNotes, undefined)

    // Short-lived: after 15 minutes the token is refused, and a new one is asked for.
    ctx.clock.advance(ACCESS_TOKEN_SECONDS * 1000)
    const expired = await call(ctx, 'GET', `/api/v1/schools/${westside}/visits`, bearer)
    assert.equal(expired.statusCode, 401)
    assert.match(problem(expired), /expired/)
    const fresh = (await token(ctx, { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) })).json() as { access_token: string }
    assert.equal((await call(ctx, 'GET', `/api/v1/schools/${westside}/visits`, fresh.access_token)).statusCode, 200)

    // Revoked: its tokens stop now, and no new one is given.
    const head = await signIn(ctx, 'head@westside.example')
    const revoked = await head.post(`/api-clients/${client.clientId}/revoke`)
    assert.equal(revoked.statusCode, 303)
    assert.match(textOf((await head.get('/api-clients?done=revoked')).body), /API client revoked[\s\S]*Revoked/)
    assert.equal((await call(ctx, 'GET', `/api/v1/schools/${westside}/visits`, fresh.access_token)).statusCode, 401)
    const again = await token(ctx, { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) })
    assert.equal(again.statusCode, 401)
    assert.equal((again.json() as { error: string }).error, 'invalid_client')
    assert.equal((await head.post(`/api-clients/${client.clientId}/revoke`)).statusCode, 404, 'revoked once')
  })

  it('the registration form refuses a missing name or no scopes with the error summary; a visitor cannot open it; another school\'s client is not found', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const empty = await admin.post('/api-clients', { name: ' ' })
    assert.equal(empty.statusCode, 400)
    const text = textOf(empty.body)
    assert.match(text, /There is a problem/)
    assert.match(text, /Enter a name for the client/)
    assert.match(text, /Select at least one thing the client may do/)
    const bogus = await admin.post('/api-clients', { name: 'X', scopes: ['everything'] })
    assert.equal(bogus.statusCode, 400)
    assert.equal(await ctx.pool.query('SELECT 1 FROM api_clients').then((r) => r.rowCount), 0)
    assert.equal((await (await signIn(ctx, 'visitor@westside.example')).get('/api-clients')).statusCode, 403)
    const harton = await register(ctx, 'admin@harton.example', 'Harton MIS', ['pupils:read'])
    assert.equal((await admin.post(`/api-clients/${harton.clientId}/revoke`)).statusCode, 404)
  })
})
