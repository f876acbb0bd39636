import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { apiScopes, isApiScope, scopeLabels, scopeRoles, type ApiScope } from '../../domain/scopes.ts'
import { roleNamesInText } from '../../domain/roles.ts'
import { actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { NotFoundError, type FieldError } from '../../web/errors.ts'
import { asArray, errorView, parseForm } from '../../web/forms.ts'
import { doneFlash } from '../../web/flash.ts'
import { staffAdmins } from '../../web/navigation.ts'
import { ACCESS_TOKEN_SECONDS, issueAccessToken, listApiClients, registerApiClient, revokeApiClient } from './clients.ts'

/**
 * API clients (issue 10 point 11, docs/decisions/0025-api-clients.md): the page where a school admin (or the
 * headteacher) registers an integration for their school with scopes and sees its secret once, and revokes it;
 * and the OAuth 2.0 token endpoint (RFC 6749 section 4.4 client credentials, errors as section 5.2).
 */
const access = { roles: staffAdmins }

const clientForm = z.object({
  name: z
    .string({ error: 'Enter a name for the client, like "MIS sync"' })
    .trim()
    .min(1, 'Enter a name for the client, like "MIS sync"')
    .max(100, 'The name must be 100 characters or fewer'),
  scopes: z.preprocess(
    (value) => asArray(value),
    z.array(z.string()).min(1, 'Select at least one thing the client may do').refine((scopes) => scopes.every(isApiScope), 'Select things from the list'),
  ),
})

export function registerApiClientRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  async function page(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, errors: FieldError[] = []) {
    const school = schoolOf(request)
    if (errors.length) reply.status(400)
    const body = (errors.length ? request.body ?? {} : {}) as Record<string, unknown>
    const chosen = asArray(body.scopes)
    const clients = await listApiClients(pool, school.id)
    return reply.page('api-clients/views/clients.njk', {
      title: 'API clients',
      clients: clients.map((client) => ({ ...client, scopeText: client.scopes.join(' ') })),
      values: { name: typeof body.name === 'string' ? body.name : '' },
      scopeItems: apiScopes.map((scope) => ({
        value: scope,
        text: scope,
        hint: { text: `${scopeLabels[scope]}. Counts as ${roleNamesInText[scopeRoles[scope]]}.` },
        checked: chosen.includes(scope),
      })),
      tokenMinutes: ACCESS_TOKEN_SECONDS / 60,
      flash: doneFlash(request, { revoked: 'API client revoked. Its access tokens have stopped working.' }),
      ...errorView(errors),
      ...extra,
    })
  }

  app.get('/api-clients', { config: { access } }, async (request, reply) => page(request, reply))

  app.post('/api-clients', { config: { access } }, async (request, reply) => {
    const form = parseForm(clientForm, request.body)
    if (!form.ok) return page(request, reply, {}, form.errors)
    const school = schoolOf(request)
    const registered = await registerApiClient(pool, actorOf(request), school.id, { name: form.data.name, scopes: form.data.scopes as ApiScope[] }, clock())
    return page(request, reply, { created: { id: registered.id, secret: registered.secret, name: form.data.name, schoolId: school.id } })
  })

  app.post<{ Params: { apiClientId: string } }>('/api-clients/:apiClientId/revoke', { config: { access } }, async (request, reply) => {
    const revoked = await revokeApiClient(pool, actorOf(request), schoolOf(request).id, request.params.apiClientId, clock())
    if (!revoked) throw new NotFoundError('This school has no API client with that id that is still in use.')
    return reply.redirect('/api-clients?done=revoked', 303)
  })

  // The token endpoint. Public (the client authenticates here), no cookies, no CSRF; answers as RFC 6749 section 5.
  app.post('/oauth/token', { config: { access: 'public', csrf: 'none' } }, async (request, reply) => {
    void reply.header('pragma', 'no-cache')
    const fail = (status: 400 | 401, error: string, description: string) => {
      if (status === 401) void reply.header('www-authenticate', 'Basic realm="Doorstep", charset="UTF-8"')
      return reply.status(status).type('application/json').send({ error, error_description: description })
    }
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
      return fail(400, 'invalid_request', 'Send the request as application/x-www-form-urlencoded.')
    }
    const body = (request.body ?? {}) as Record<string, unknown>
    for (const [name, value] of Object.entries(body)) {
      if (Array.isArray(value)) return fail(400, 'invalid_request', `The parameter "${name}" is given more than once.`)
    }
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined)
    const grantType = field('grant_type')
    if (!grantType) return fail(400, 'invalid_request', 'Give grant_type=client_credentials.')
    if (grantType !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'Doorstep gives tokens only for grant_type=client_credentials.')

    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '')?.[1]
    let clientId = field('client_id')
    let secret = field('client_secret')
    if (request.headers.authorization !== undefined) {
      if (!basic) return fail(401, 'invalid_client', 'The Authorization header must be "Basic" with the client id and secret.')
      if (secret !== undefined) return fail(400, 'invalid_request', 'Authenticate the client once: with HTTP Basic or with client_secret in the body, not both.')
      const decoded = Buffer.from(basic, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon < 0) return fail(401, 'invalid_client', 'HTTP Basic credentials must be client_id:client_secret.')
      const decode = (part: string) => {
        try {
          return decodeURIComponent(part.replaceAll('+', ' '))
        } catch {
          return part
        }
      }
      const headerId = decode(decoded.slice(0, colon))
      if (clientId !== undefined && clientId !== headerId) return fail(400, 'invalid_request', 'The client_id in the body is not the one in the Authorization header.')
      clientId = headerId
      secret = decode(decoded.slice(colon + 1))
    }
    if (!clientId || !secret) return fail(401, 'invalid_client', 'Authenticate the client: HTTP Basic with its id and secret, or client_id and client_secret in the body.')
    const scopeText = field('scope')
    const requested = scopeText === undefined ? undefined : scopeText.split(' ').filter(Boolean)
    if (scopeText !== undefined && (requested!.length === 0 || scopeText !== requested!.join(' '))) {
      return fail(400, 'invalid_scope', 'Give scopes separated by single spaces, like "pupils:read readiness:read".')
    }
    if (requested?.some((scope) => !isApiScope(scope))) {
      return fail(400, 'invalid_scope', `Unknown scope. Doorstep's scopes are: ${apiScopes.join(' ')}.`)
    }
    const grant = await issueAccessToken(pool, clientId, secret, requested, clock())
    if (!grant.ok) return grant.error === 'invalid_client' ? fail(401, grant.error, grant.description) : fail(400, grant.error, grant.description)
    return reply
      .status(200)
      .type('application/json')
      .send({ access_token: grant.accessToken, token_type: 'Bearer', expires_in: grant.expiresIn, scope: grant.scopes.join(' '), school_id: grant.schoolId })
  })
}
