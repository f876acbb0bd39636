import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { schoolRoles, type SchoolRole } from '../../src/domain/roles.ts'
import { apiScopes } from '../../src/domain/scopes.ts'
import { DEFAULT_TOKEN_DAYS, createApiToken } from '../../src/features/account/api-tokens.ts'
import { hashPassword } from '../../src/features/auth/passwords.ts'
import { demoSchoolId, signIn, testApp, type TestApp } from '../helpers.ts'

/**
 * Issue 10 point 13: one rule for status codes, checked on EVERY operation of /api/openapi.json — 400 bad input,
 * 401 not signed in, 403 not allowed for your role, 404 not found or not yours, 409 the state does not allow it.
 * Each operation documents the statuses the rule gives it, and answers them: without a token 401; as someone
 * holding only a role outside the operation's roles 403; with another school's id (and, for reads, unknown record
 * ids) 404; with a body that is not what it takes 400. API clients: a token without the operation's scope 403.
 */
type Operation = {
  responses: Record<string, { description: string }>
  security: Array<Record<string, string[]>>
  requestBody?: unknown
  parameters: Array<{ name: string; in: string }>
  'x-client-role'?: SchoolRole
}
type Document = { info: { description: string }; paths: Record<string, Record<string, Operation>> }

async function personWith(ctx: TestApp, schoolId: string, roles: readonly SchoolRole[], email: string): Promise<string> {
  const user = await ctx.pool.query<{ id: string }>('INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id', [email, email, await hashPassword('status-rule-pass')])
  for (const role of roles) await ctx.pool.query('INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, $3)', [schoolId, user.rows[0]!.id, role])
  return (await createApiToken(ctx.pool, user.rows[0]!.id, 'status rule', DEFAULT_TOKEN_DAYS, ctx.clock())).token
}

describe('the API status rule (issue 10 point 13)', () => {
  it('every operation documents 400/401/403/404/409 by the one rule and answers accordingly', async (t) => {
    const ctx = await testApp(t)
    const document = (await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Document
    for (const words of ['400 Bad input', '401 Not signed in', '403 Not allowed for your role', '404 Not found, or not yours', '409 The state']) {
      assert.ok(document.info.description.includes(words), `the API description states the rule: ${words}`)
    }
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const everything = await personWith(ctx, westside, schoolRoles, 'every.role@westside.example')
    const onlyRole = new Map<SchoolRole, string>()
    for (const role of schoolRoles) onlyRole.set(role, await personWith(ctx, westside, [role], `only.${role}@westside.example`))
    const routes = new Map(ctx.app.routeList.map((route) => [`${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`, route.access]))

    // A client holding every scope but one, per scope.
    const admin = await signIn(ctx, 'admin@westside.example')
    const clientWithout = new Map<string, string>()
    for (const missing of apiScopes) {
      const page = await admin.post('/api-clients', { name: `All but ${missing}`, scopes: apiScopes.filter((s) => s !== missing) })
      const shown = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(page.body)?.[1] ?? ''
      const grant = await ctx.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: shown('client-id'), client_secret: shown('client-secret') }).toString(),
      })
      clientWithout.set(missing, (grant.json() as { access_token: string }).access_token)
    }

    const wrong: string[] = []
    let operations = 0
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations++
        const key = `${method.toUpperCase()} ${path}`
        const access = routes.get(key)
        assert.ok(access, `${key} is a route`)
        const statuses = Object.keys(operation.responses).filter((s) => /^4\d\d$/.test(s))
        const hasParams = /\{\w+\}/.test(path)
        const expected = [
          ...(operation.parameters.length || operation.requestBody ? ['400'] : []),
          ...(access !== 'public' ? ['401', '403'] : []),
          ...(hasParams ? ['404'] : []),
        ]
        for (const status of expected) if (!statuses.includes(status)) wrong.push(`${key}: does not document ${status}`)
        if (access === 'public') continue

        const url = (values: (name: string) => string) => path.replace(/\{(\w+)\}/g, (_, name: string) => values(name))
        const real = (name: string) => (name === 'schoolId' ? westside : name.endsWith('Id') ? randomUUID() : name === 'preset' ? 'no-such-preset' : name === 'stepNumber' ? '1' : 'arrived')
        const send = (target: string, token?: string, body?: string) =>
          ctx.app.inject({
            method: method.toUpperCase() as 'GET',
            url: target,
            headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { payload: body }),
          })
        const body = method === 'get' || method === 'delete' ? undefined : '{}'
        const expect = async (what: string, response: Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>, status: number) => {
          const answer = await response
          if (answer.statusCode !== status) wrong.push(`${key} ${what}: ${answer.statusCode}, not ${status} (${answer.body.slice(0, 160)})`)
          else if (!String(answer.headers['content-type']).startsWith('application/problem+json')) wrong.push(`${key} ${what}: not problem details`)
        }

        // 401: no token.
        await expect('without a token', send(url(real), undefined, body), 401)
        // 403: a role outside the operation's roles.
        if (typeof access === 'object') {
          const outside = schoolRoles.find((role) => !access.roles.includes(role))
          if (outside) await expect(`as ${outside} only`, send(url(real), onlyRole.get(outside), body), 403)
        }
        // 403: an API client without the operation's scope; the scope's role is one the operation lets in.
        const scope = operation.security.find((s) => 'clientCredentials' in s)?.clientCredentials?.[0]
        if (scope) {
          await expect(`as a client without ${scope}`, send(url(real), clientWithout.get(scope), body), 403)
          const role = operation['x-client-role']
          if (!role || (typeof access === 'object' && !access.roles.includes(role))) wrong.push(`${key}: its scope's role ${role} is not one of its roles`)
        }
        // 404: another school's id (a school you do not belong to), and unknown records on reads.
        if (path.includes('{schoolId}')) await expect('in a school not yours', send(url((n) => (n === 'schoolId' ? randomUUID() : real(n))), everything, body), 404)
        if (hasParams && method === 'get' && path.replace('{schoolId}', '').match(/\{\w+\}/)) await expect('with unknown ids', send(url(real), everything), 404)
        if (hasParams && method === 'delete') await expect('with unknown ids', send(url(real), everything), 404)
        // 400: a body that is not what the operation takes.
        if (operation.requestBody) await expect('with a bad body', send(url(real), everything, '[1, 2, 3]'), 400)
      }
    }
    assert.ok(operations > 40, `walked ${operations} operations`)
    assert.deepEqual(wrong, [], 'operations that break the status rule')
  })
})
