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
import { listenForLiveChanges, type LiveChannel } from './features/live/channel.ts'
import { startJobRunners, type JobRunners } from './features/live/deadlines.ts'
import { deliver, mailerFromConfig, vapidKeys, vapidSubject, webPushSender, type DeliveryDeps, type Mailer, type PushSender } from './features/live/deliver.ts'
import { registerLiveRoutes } from './features/live/routes.ts'
import { runDeadline } from './features/live/write-path.ts'
import { registerAssets } from './web/assets.ts'
import { registerAuth } from './web/auth-plugin.ts'
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
  /** Email for alarms (nodemailer over SMTP). Default: from SMTP_URL, or none. Tests pass one on an in-process SMTP server. */
  mailer?: Mailer | null
  /** Web Push. Default: VAPID with keys kept in the database. Tests pass one aimed at an in-process push service. */
  push?: PushSender | null
  /** Run this instance's durable deadline and delivery workers (default true). Tests that drive deadlines by hand turn them off. */
  jobs?: boolean | { pollInterval?: number }
  /** Listen for live changes (the office board's Server-Sent Events) across instances (default true). */
  liveChannel?: boolean
}

declare module 'fastify' {
  interface FastifyReply {
    page(template: string, context?: Record<string, unknown>): FastifyReply
  }
  interface FastifyInstance {
    deps: Required<Pick<AppDeps, 'pool' | 'config' | 'clock'>>
    /** The live side: job runners (null when off), the change channel (null when off), delivery. */
    live: { jobs: JobRunners | null; channel: LiveChannel | null; delivery: DeliveryDeps }
    /** Every route, as registered: what the tenancy test walks. */
    routeList: ReadonlyArray<{ method: string; url: string }>
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Builds the whole app. No side effects at import; the caller owns the pool and the server. */
export async function buildApp({ pool, config, clock, logger = false, ...deps }: AppDeps): Promise<FastifyInstance> {
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
  const routeList: Array<{ method: string; url: string }> = []
  app.decorate('routeList', routeList)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeList.push({ method, url: route.url })
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

  const connectionString = (pool as unknown as { options: { connectionString: string } }).options.connectionString
  const delivery: DeliveryDeps = {
    pool,
    config,
    mailer: deps.mailer === undefined ? mailerFromConfig(config) : deps.mailer,
    push: deps.push === undefined ? webPushSender(await vapidKeys(pool), vapidSubject(config)) : deps.push,
  }
  const liveDeps = { pool, clock, config }
  const jobs =
    deps.jobs === false
      ? null
      : await startJobRunners({
          connectionString,
          pollInterval: typeof deps.jobs === 'object' ? deps.jobs.pollInterval : undefined,
          onDeadline: (payload, _job, jobsPool) => runDeadline({ ...liveDeps, pool: jobsPool }, payload),
          onDelivery: (payload, _job, jobsPool) => deliver({ ...delivery, pool: jobsPool }, payload.notificationId, payload.channel),
          onError: (error) => app.log.error({ err: error }, 'background job failed'),
        })
  const channel = deps.liveChannel === false ? null : await listenForLiveChanges(connectionString, (error) => app.log.warn({ err: error }, 'live channel'))
  app.decorate('live', { jobs, channel, delivery })
  app.addHook('onClose', async () => {
    await jobs?.stop()
    await channel?.close()
    delivery.mailer?.close?.()
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
  registerLiveRoutes(app)
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
