import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { Pool } from '../db/pool.ts'
import { holdsAnyRole, type SchoolRole } from '../domain/roles.ts'
import { resolveApiToken } from '../features/account/api-tokens.ts'
import { clientActor, clientSchool, isClientAccessToken, resolveClientToken } from '../features/api-clients/clients.ts'
import { scopeRoles, type ApiScope } from '../domain/scopes.ts'
import type { Actor } from '../audit/audit.ts'
import {
  PRE_SESSION_COOKIE,
  SESSION_COOKIE,
  csrfMatches,
  csrfToken,
  newToken,
  resumeSession,
  type SessionRow,
} from '../features/auth/sessions.ts'
import { findUserById, schoolsOf, type SchoolAccess } from '../features/staff/repository.ts'
import { ForbiddenError, HttpError, NotFoundError, UnauthorisedError } from './errors.ts'

/**
 * Who may call a route. Every route must say (the app refuses to start otherwise):
 *  - 'public'      anyone, signed in or not;
 *  - 'signed-in'   any signed-in person;
 *  - { roles }     a signed-in person holding one of these roles in the current school.
 * For HTML pages the current school is the one chosen in the session; for API routes with a
 * :schoolId parameter it is that school, which the caller must belong to (404 otherwise).
 */
export type Access = 'public' | 'signed-in' | { roles: readonly SchoolRole[] }

export type Principal = {
  user: { id: string; name: string; email: string }
  schools: SchoolAccess[]
  via: 'session' | 'token'
  /** Signed in with a temporary password: nothing but choosing a new one (and signing out) until then. */
  mustChangePassword: boolean
}

/**
 * An integration calling with an access token from POST /oauth/token (docs/decisions/0025-api-clients.md): it acts
 * for one school, only on routes that declare a scope it holds, as the role that scope names (src/domain/scopes.ts).
 */
export type ApiClientPrincipal = { id: string; name: string; schoolId: string; scopes: ApiScope[] }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
    /** The scope an API client needs for this route (defineApi's `scope`); none: people only. */
    scope?: ApiScope
    /**
     * 'signed-in-only': the CSRF token is needed only while a session is live (signing out).
     * 'none': the route ignores cookies and authenticates its caller otherwise (the OAuth token endpoint).
     */
    csrf?: 'always' | 'signed-in-only' | 'none'
    /** 'allowed': open to someone who still has a temporary password (the page that replaces it). */
    temporaryPassword?: 'allowed'
  }
  interface FastifyRequest {
    principal: Principal | undefined
    /** Set instead of `principal` when an API client calls with its access token. */
    apiClient: ApiClientPrincipal | undefined
    session: SessionRow | undefined
    school: SchoolAccess | undefined
    csrfToken: string
  }
}

/** The page where someone who signed in with a temporary password chooses their own. */
export const CHOOSE_PASSWORD_PATH = '/account/choose-password'

const MUST_CHANGE_PASSWORD =
  `Your password is a temporary one. Sign in to Doorstep in a browser and choose a new password (${CHOOSE_PASSWORD_PATH}) before using the API.`

export function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/')
}

export type AuthOptions = { pool: Pool; config: Config; clock: () => Date; csrfSecret: string }

export function registerAuth(app: FastifyInstance, { pool, config, clock, csrfSecret }: AuthOptions): void {
  app.decorateRequest('principal', undefined)
  app.decorateRequest('apiClient', undefined)
  app.decorateRequest('session', undefined)
  app.decorateRequest('school', undefined)
  app.decorateRequest('csrfToken', '')

  app.addHook('onRoute', (route) => {
    if (!route.config?.access && !route.url.startsWith('*')) {
      throw new Error(`Route ${route.method} ${route.url} does not declare who may call it (config.access).`)
    }
  })

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access
    if (!access) return // not-found handler
    await identify(request, reply)
    checkCsrf(request)
    if (access === 'public') return
    if (request.apiClient) return authoriseClient(request, request.apiClient, access)
    if (!request.principal) throw new UnauthorisedError()
    if (request.principal.mustChangePassword && request.routeOptions.config.temporaryPassword !== 'allowed') {
      // Before any other page or API call (signing out is public, so it still works).
      if (isApi(request)) throw new HttpError(403, 'Choose a new password first', MUST_CHANGE_PASSWORD)
      const next = request.method === 'GET' && request.url !== '/' ? `?next=${encodeURIComponent(request.url)}` : ''
      return reply.redirect(`${CHOOSE_PASSWORD_PATH}${next}`, 303)
    }
    if (access === 'signed-in') return
    const school = request.school
    if (!school) throw new ForbiddenError('You do not have a role in any school yet. Ask your school admin to add you.')
    if (!holdsAnyRole(school.roles, access.roles)) throw new ForbiddenError()
  })

  async function identify(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const now = clock()
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (request.headers.authorization !== undefined && isApi(request)) {
      if (!bearer) throw new UnauthorisedError('The Authorization header must be "Bearer <API token>".')
      if (isClientAccessToken(bearer)) return identifyClient(request, bearer, now)
      const resolved = await resolveApiToken(pool, bearer, now)
      if (!resolved.ok && resolved.reason === 'expired') throw new UnauthorisedError('This API token has expired. Create a new one on your account page.')
      if (!resolved.ok) throw new UnauthorisedError('This API token is not valid: it may have been revoked. Create a new one on your account page.')
      await loadPrincipal(request, resolved.userId, 'token', null)
    } else {
      const cookie = request.cookies[SESSION_COOKIE]
      const session = cookie ? await resumeSession(pool, cookie, now, config) : undefined
      if (session) {
        request.session = session
        await loadPrincipal(request, session.userId, 'session', session.schoolId)
        request.csrfToken = csrfToken(csrfSecret, `session:${session.idHash}`)
      } else {
        if (cookie) void reply.clearCookie(SESSION_COOKIE, { path: '/' })
        let pre = request.cookies[PRE_SESSION_COOKIE]
        if (!pre) {
          pre = newToken()
          void reply.setCookie(PRE_SESSION_COOKIE, pre, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies })
        }
        request.csrfToken = csrfToken(csrfSecret, `pre:${pre}`)
      }
    }
  }

  async function loadPrincipal(request: FastifyRequest, userId: string, via: Principal['via'], sessionSchoolId: string | null) {
    const user = await findUserById(pool, userId)
    if (!user || !user.active) return
    const schools = await schoolsOf(pool, user.id)
    request.principal = { user: { id: user.id, name: user.name, email: user.email }, schools, via, mustChangePassword: user.passwordIsTemporary }
    const params = request.params as Record<string, string | undefined>
    if (params.schoolId !== undefined) {
      request.school = schools.find((s) => s.id === params.schoolId)
      if (!request.school) throw new NotFoundError('There is no school with that id that you belong to.')
    } else {
      request.school = schools.find((s) => s.id === sessionSchoolId) ?? schools[0]
    }
  }

  async function identifyClient(request: FastifyRequest, bearer: string, now: Date): Promise<void> {
    const resolved = await resolveClientToken(pool, bearer, now)
    if (!resolved.ok && resolved.reason === 'expired') throw new UnauthorisedError('This access token has expired. Ask POST /oauth/token for a new one.')
    if (!resolved.ok) throw new UnauthorisedError('This access token is not valid: the API client may have been revoked. Ask POST /oauth/token for a new one.')
    request.apiClient = { ...resolved.client, scopes: resolved.scopes }
  }

  async function authoriseClient(request: FastifyRequest, client: ApiClientPrincipal, access: Exclude<Access, 'public'>): Promise<void> {
    const scope = request.routeOptions.config.scope
    if (!scope) {
      throw new ForbiddenError('API clients cannot call this operation: it is for people, with a personal API token or signed in. See "security" in /api/openapi.json.')
    }
    if (!client.scopes.includes(scope)) {
      throw new ForbiddenError(`This access token does not have the scope "${scope}". Ask for it at POST /oauth/token, if the client was given it.`)
    }
    const params = request.params as Record<string, string | undefined>
    if (params.schoolId !== undefined && params.schoolId !== client.schoolId) throw new NotFoundError('There is no school with that id that you belong to.')
    // The one role the scope names (src/domain/scopes.ts): never more than that role may do.
    const school = await clientSchool(pool, client.schoolId, [scopeRoles[scope]])
    if (!school) throw new NotFoundError('There is no school with that id that you belong to.')
    request.school = school
    if (access !== 'signed-in' && !holdsAnyRole(school.roles, access.roles)) throw new ForbiddenError()
  }

  function checkCsrf(request: FastifyRequest): void {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return
    if (request.routeOptions.config.csrf === 'none') return
    if (request.apiClient) return
    if (request.principal?.via === 'token') return
    // No session: nothing a forged request could ride on, so the API answers 401 (the status rule), not a CSRF 403.
    if (isApi(request) && !request.session) return
    if (!request.session && request.routeOptions.config.csrf === 'signed-in-only') return
    const body = request.body as Record<string, unknown> | undefined
    const submitted = request.headers['x-csrf-token'] ?? body?._csrf
    const binding = request.session ? `session:${request.session.idHash}` : `pre:${request.cookies[PRE_SESSION_COOKIE] ?? ''}`
    if (!csrfMatches(csrfSecret, binding, submitted)) {
      throw new HttpError(
        403,
        'Your form expired',
        'This form was sent without a valid security token, so nothing was saved. Go back, reload the page and try again.',
      )
    }
  }
}

/** The signed-in person making this request, as the audit history names them. */
export function actorOf(request: FastifyRequest): { userId: string; name: string } {
  if (request.apiClient) throw new ForbiddenError('API clients cannot call this operation: it is for people, with a personal API token or signed in.')
  if (!request.principal) throw new UnauthorisedError()
  return { userId: request.principal.user.id, name: request.principal.user.name }
}

/**
 * Who the audit history and the services name for this request: the signed-in person, or the API client
 * (no person: `userId` null). For routes an API client may call (those with a scope).
 */
export function actingAs(request: FastifyRequest): Actor {
  if (request.apiClient) return clientActor(request.apiClient.name)
  return actorOf(request)
}

/** The school this request acts in; routes with role access always have one. */
export function schoolOf(request: FastifyRequest): SchoolAccess {
  if (!request.school) throw new ForbiddenError('You do not have a role in any school yet. Ask your school admin to add you.')
  return request.school
}
