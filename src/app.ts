import { randomBytes } from 'node:crypto'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.ts'
import type { Pool } from './db/pool.ts'
import { registerAccountRoutes } from './features/account/routes.ts'
import { registerApiRoutes } from './features/api/routes.ts'
import { registerAuditRoutes } from './features/audit/routes.ts'
import { registerAuthRoutes } from './features/auth/routes.ts'
import { registerBriefingRoutes } from './features/briefing/routes.ts'
import { registerCalendarRoutes } from './features/calendar/routes.ts'
import { registerHomeRoutes } from './features/home/routes.ts'
import { registerPolicyRoutes } from './features/policy/routes.ts'
import { registerPupilRoutes } from './features/pupils/routes.ts'
import { registerReadinessRoutes } from './features/readiness/routes.ts'
import { registerRunListRoutes } from './features/run-list/routes.ts'
import { registerStaffRoutes } from './features/staff/routes.ts'
import { registerVisitRoutes } from './features/visits/routes.ts'
import { registerAssets } from './web/assets.ts'
import { registerAuth, type Access } from './web/auth-plugin.ts'
import { registerErrorHandling } from './web/error-handler.ts'
import { navigationFor } from './web/navigation.ts'
import { HttpError, NotFoundError } from './web/errors.ts'
import { createViewEnvironment } from './web/views.ts'

export type AppDeps = {
  pool: Pool
  config: Config
  /** The clock every rule reads; the server passes the real one, tests a fixed or test-epoch one. */
  clock: () => Date
  logger?: FastifyServerOptions['logger']
}

declare module 'fastify' {
  interface FastifyReply {
    page(template: string, context?: Record<string, unknown>): FastifyReply
  }
  interface FastifyInstance {
    deps: Required<Pick<AppDeps, 'pool' | 'config' | 'clock'>>
    /** Every route, as registered, with who may call it: what the tenancy and role-matrix tests walk. */
    routeList: ReadonlyArray<{ method: string; url: string; access: Access | undefined }>
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Builds the whole app. No side effects at import; the caller owns the pool and the server. */
export async function buildApp({ pool, config, clock, logger = false }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: 1024 * 1024,
    // A number of hops means: believe that many proxies nearest to us (what proxy-addr does with a number).
    trustProxy: typeof config.trustProxy === 'number' ? ((hops: number) => (_address: string, hop: number) => hop < hops)(config.trustProxy) : config.trustProxy,
    requestIdHeader: false,
    genReqId: () => randomBytes(6).toString('hex'),
    routerOptions: { ignoreTrailingSlash: true },
  })
  app.decorate('deps', { pool, config, clock })
  const routeList: Array<{ method: string; url: string; access: Access | undefined }> = []
  app.decorate('routeList', routeList)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeList.push({ method, url: route.url, access: route.config?.access })
  })

  const views = createViewEnvironment()
  const csrfSecret = await loadCsrfSecret(pool)

  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: config.secureCookies,
    // The same rule as frame-ancestors 'none', for browsers that only read X-Frame-Options.
    frameguard: { action: 'deny' },
  })
  await app.register(cookie)
  await app.register(formbody, { bodyLimit: 256 * 1024 })
  await app.register(rateLimit, { global: false })

  app.decorateReply('page', function (this, template: string, context: Record<string, unknown> = {}) {
    const request = this.request
    const roles = request.school?.roles ?? []
    const html = views.render(template, {
      principal: request.principal,
      school: request.school,
      schools: request.principal?.schools ?? [],
      roles,
      navigation: request.principal ? navigationFor(roles, request.url.split('?')[0] ?? '/') : [],
      csrfToken: request.csrfToken,
      cspNonce: this.cspNonce?.script,
      serviceName: 'Doorstep',
      ...context,
    })
    return this.type('text/html; charset=utf-8').send(html)
  })

  // Ids in paths are UUIDs; anything else is simply a page that does not exist.
  app.addHook('preValidation', async (request) => {
    for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, string>)) {
      if (name.endsWith('Id') && !UUID.test(value)) throw new NotFoundError()
    }
    // PostgreSQL cannot store a NUL character in text or jsonb: refuse it here, not with a 500 later.
    if (containsNul(request.query) || containsNul(request.body) || containsNul(request.params)) {
      throw new HttpError(400, 'There is a problem with the request', 'What you sent contains a character Doorstep cannot accept (NUL). Nothing was saved.')
    }
  })

  registerAuth(app, { pool, config, clock, csrfSecret })
  registerErrorHandling(app)
  registerAssets(app)
  app.get('/healthz', { config: { access: 'public' } }, async () => {
    await pool.query('SELECT 1')
    return { status: 'ok' }
  })
  registerAuthRoutes(app)
  registerHomeRoutes(app)
  registerStaffRoutes(app)
  registerReadinessRoutes(app)
  registerPupilRoutes(app)
  registerVisitRoutes(app)
  registerBriefingRoutes(app)
  registerRunListRoutes(app)
  registerCalendarRoutes(app)
  registerPolicyRoutes(app)
  registerAccountRoutes(app)
  registerAuditRoutes(app)
  registerApiRoutes(app)
  return app
}

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (depth > 32 || value === null || typeof value !== 'object') return false
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item, depth + 1))
}

async function loadCsrfSecret(pool: Pool): Promise<string> {
  await pool.query(`INSERT INTO app_secrets (name, value) VALUES ('csrf', $1) ON CONFLICT (name) DO NOTHING`, [
    randomBytes(32).toString('hex'),
  ])
  const { rows } = await pool.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'csrf'`)
  return rows[0]!.value
}
