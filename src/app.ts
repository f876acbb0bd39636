import { randomBytes } from 'node:crypto'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import { registerUploads } from './web/uploads.ts'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.ts'
import type { Pool } from './db/pool.ts'
import { registerAccountRoutes } from './features/account/routes.ts'
import { registerApiRoutes } from './features/api/routes.ts'
import { registerApiClientRoutes } from './features/api-clients/routes.ts'
import { registerAuditRoutes } from './features/audit/routes.ts'
import { registerAuthRoutes } from './features/auth/routes.ts'
import { registerBoardRoutes } from './features/board/routes.ts'
import { registerBriefingRoutes } from './features/briefing/routes.ts'
import { registerCalendarRoutes } from './features/calendar/routes.ts'
import { registerHomeRoutes } from './features/home/routes.ts'
import { registerPolicyRoutes } from './features/policy/routes.ts'
import { registerPushRoutes } from './features/push/routes.ts'
import { registerPupilRoutes } from './features/pupils/routes.ts'
import { registerAttendanceRoutes } from './features/attendance/routes.ts'
import { registerGovernanceRoutes } from './features/governance/routes.ts'
import { registerReferralPackRoutes } from './features/referral/routes.ts'
import { registerReadinessRoutes } from './features/readiness/routes.ts'
import { registerRunListRoutes } from './features/run-list/routes.ts'
import { registerStaffRoutes } from './features/staff/routes.ts'
import { registerVisitRoutes } from './features/visits/routes.ts'
import { registerOperationsRoutes } from './features/operations/routes.ts'
import { registerPoliceSheetRoutes } from './features/police-sheet/routes.ts'
import { registerConcernRoutes } from './features/concerns/routes.ts'
import { registerCancellationRoutes } from './features/cancellations/routes.ts'
import { registerAgreementRoutes } from './features/agreements/routes.ts'
import { registerFeedbackRoutes } from './features/feedback/routes.ts'
import { registerRecordRoutes } from './features/records/routes.ts'
import { registerSchoolDetailsRoutes } from './features/school-details/routes.ts'
import { listenForLiveChanges, type LiveChannel } from './features/live/channel.ts'
import { startJobRunners, type JobRunners } from './features/live/deadlines.ts'
import { mailerFromConfig, runDelivery, vapidKeys, vapidSubject, webPushSender, type DeliveryDeps, type Mailer, type PushSender } from './features/live/deliver.ts'
import { registerLiveRoutes } from './features/live/routes.ts'
import { runDeadline } from './features/live/write-path.ts'
import { registerAssets } from './web/assets.ts'
import { registerAuth, type Access } from './web/auth-plugin.ts'
import { registerErrorHandling } from './web/error-handler.ts'
import { navigationFor } from './web/navigation.ts'
import { HttpError, NotFoundError } from './web/errors.ts'
import { createViewEnvironment } from './web/views.ts'
import { createMetrics, observeLateness, type Metrics } from './web/metrics.ts'

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
  jobs?: boolean | { pollInterval?: number; emailConcurrency?: number; pushConcurrency?: number }
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
    /** This instance's Prometheus registry and the metrics its job handlers record (src/web/metrics.ts). */
    metrics: Metrics
    /** Every route, as registered, with who may call it: what the tenancy and role-matrix tests walk. */
    routeList: ReadonlyArray<{ method: string; url: string; access: Access | undefined }>
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
  // Pages and API answers carry personal and safeguarding detail: no browser or proxy keeps any of them
  // (docs/decisions/0012). Only the public assets (stylesheet, scripts, images, the service worker), when found,
  // set their own caching.
  app.addHook('onSend', async (request, reply) => {
    const url = request.routeOptions.url
    const asset = (url?.startsWith('/assets/') === true || url === '/sw.js') && reply.statusCode < 400
    if (!asset) void reply.header('cache-control', 'private, no-store')
  })
  await app.register(cookie)
  await app.register(formbody, { bodyLimit: 256 * 1024 })
  await registerUploads(app)
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
    // Characters Doorstep cannot store, anywhere in what was sent: refused here, not with a 500 later (docs/decisions/0012).
    if (containsUnstorableText(request.query, request.body, request.params)) {
      throw new HttpError(
        400,
        'There is a problem with the request',
        'What you sent contains a character Doorstep cannot store: a NUL character, or an unpaired UTF-16 surrogate (half of a character, such as \\udfff on its own). Remove it and try again. Nothing was saved.',
      )
    }
  })

  const connectionString = (pool as unknown as { options: { connectionString: string } }).options.connectionString
  const delivery: DeliveryDeps = {
    pool,
    config,
    clock,
    mailer: deps.mailer === undefined ? mailerFromConfig(config) : deps.mailer,
    push: deps.push === undefined ? webPushSender(await vapidKeys(pool), vapidSubject(config)) : deps.push,
  }
  const liveDeps = { pool, clock, config }
  let jobs: JobRunners | null = null
  const metrics = createMetrics({ pool, clock, workerRunning: () => (jobs ? jobs.running() : null) })
  app.decorate('metrics', metrics)
  jobs =
    deps.jobs === false
      ? null
      : await startJobRunners({
          connectionString,
          ...(typeof deps.jobs === 'object' ? deps.jobs : {}),
          // Handlers run on the runners' own pool (sized for every job at once), not the web requests' pool.
          onDeadline: async (payload, _job, jobsPool) => {
            await runDeadline({ ...liveDeps, pool: jobsPool }, payload)
            // Committed: how late was it? (payload.dueAt is the app clock's due time.)
            observeLateness(metrics, payload.kind, payload.dueAt, clock())
          },
          onDelivery: async (payload, _job, jobsPool) =>
            void (await runDelivery({ ...delivery, pool: jobsPool }, payload, app.log, () => metrics.notificationFailures.inc({ channel: payload.channel }))),
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
  registerOperationsRoutes(app)
  registerHomeRoutes(app)
  registerStaffRoutes(app)
  registerReadinessRoutes(app)
  registerPupilRoutes(app)
  registerAttendanceRoutes(app)
  registerGovernanceRoutes(app)
  registerReferralPackRoutes(app)
  registerVisitRoutes(app)
  registerLiveRoutes(app)
  registerBoardRoutes(app)
  registerBriefingRoutes(app)
  registerRunListRoutes(app)
  registerPoliceSheetRoutes(app)
  registerConcernRoutes(app)
  registerCancellationRoutes(app)
  registerAgreementRoutes(app)
  registerFeedbackRoutes(app)
  registerRecordRoutes(app)
  registerSchoolDetailsRoutes(app)
  registerCalendarRoutes(app)
  registerPolicyRoutes(app)
  registerAccountRoutes(app)
  registerPushRoutes(app)
  registerAuditRoutes(app)
  registerApiRoutes(app)
  registerApiClientRoutes(app)
  return app
}

/**
 * PostgreSQL stores neither a NUL character (in text or jsonb) nor an unpaired UTF-16 surrogate in jsonb
 * (JSON's `\udfff` is refused; a text column would silently turn it into U+FFFD). Without the `u` flag a regular
 * expression reads UTF-16 code units, so this finds a high surrogate with no low one after it and a low one
 * with no high one before it.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text)

/** Whether any string in these values, key or value, at any depth, holds a character Doorstep cannot store. */
function containsUnstorableText(...values: unknown[]): boolean {
  const pending = [...values]
  const seen = new Set<object>()
  while (pending.length) {
    const value = pending.pop()
    if (typeof value === 'string') {
      if (unstorable(value)) return true
      continue
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) continue
    seen.add(value)
    for (const [key, item] of Object.entries(value)) {
      if (unstorable(key)) return true
      pending.push(item)
    }
  }
  return false
}

async function loadCsrfSecret(pool: Pool): Promise<string> {
  await pool.query(`INSERT INTO app_secrets (name, value) VALUES ('csrf', $1) ON CONFLICT (name) DO NOTHING`, [
    randomBytes(32).toString('hex'),
  ])
  const { rows } = await pool.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'csrf'`)
  return rows[0]!.value
}
