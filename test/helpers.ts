import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp, type AppDeps } from '../src/app.ts'
import type { Mailer, PushSender } from '../src/features/live/deliver.ts'
import { runDeadline } from '../src/features/live/write-path.ts'
import { testConfig, type Config } from '../src/config.ts'
import { createPool, type Pool } from '../src/db/pool.ts'
import { DEMO_PASSWORD } from '../src/demo/seed.ts'
import { SESSION_COOKIE, csrfToken, hashToken } from '../src/features/auth/sessions.ts'
import { fixedClock, type FixedClock } from './clock.ts'
import { adminQuery, withDatabase, type TemplateKind } from './harness.ts'

export { fixedClock } from './clock.ts'

/**
 * Helpers for integration tests: a fresh copy of a template database per test, and the real
 * app built on it (app.inject, no sockets). Run through `npm test`, which sets the env below.
 */
function serverUrl(): string {
  const url = process.env.DOORSTEP_TEST_SERVER_URL
  if (!url) throw new Error('Run the tests with `npm test` (it starts PostgreSQL and sets DOORSTEP_TEST_SERVER_URL).')
  return url
}

function templatePrefix(): string {
  return process.env.DOORSTEP_TEST_PREFIX ?? 'doorstep_test'
}

const closeBeforeDrop = new WeakMap<Pool, Array<() => Promise<unknown>>>()

/**
 * Runs `close` (an app on the database, say) when the test ends, before the database is dropped.
 * node:test runs `t.after` hooks in the order they were added, so a hook added after
 * `testDatabase`'s would run after the drop: an app's workers would then fail on a missing database.
 */
export function closeWithDatabase(pool: Pool, close: () => Promise<unknown>): void {
  const closers = closeBeforeDrop.get(pool)
  if (!closers) throw new Error('closeWithDatabase: the pool is not a testDatabase pool')
  closers.push(close)
}

/** A new database copied from a template, dropped when the test ends (after what `closeWithDatabase` was given). */
export async function testDatabase(
  t: TestContext,
  template: TemplateKind = 'demo',
): Promise<{ pool: Pool; url: string; closeBeforeDrop(close: () => Promise<unknown>): void }> {
  const name = `${templatePrefix()}_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(serverUrl(), `CREATE DATABASE "${name}" TEMPLATE "${templatePrefix()}_${template}"`)
  const url = withDatabase(serverUrl(), name)
  const pool = createPool(url, 5)
  const closers: Array<() => Promise<unknown>> = []
  closeBeforeDrop.set(pool, closers)
  t.after(async () => {
    try {
      // Last opened, first closed.
      for (const close of closers.reverse()) await close()
    } finally {
      await pool.end()
      await adminQuery(serverUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    }
  })
  return { pool, url, closeBeforeDrop: (close: () => Promise<unknown>) => void closers.push(close) }
}

export type TestApp = { app: FastifyInstance; pool: Pool; clock: FixedClock; config: Config }

export type TestAppOptions = {
  template?: TemplateKind
  config?: Partial<Config>
  clock?: FixedClock
  /** Extra routes for a test (e.g. one that throws), added before the app is ready. */
  beforeReady?: (app: FastifyInstance) => void | Promise<void>
  /**
   * The live side's parts. By default no background workers run (tests move the clock and call
   * `runDeadlines`, the job handler itself) and nothing is sent outside; pass real ones to test them.
   */
  jobs?: AppDeps['jobs']
  mailer?: Mailer | null
  /** A sender, or one made from the database (its VAPID keys live there): see `pushTo` in test/push-service.ts. */
  push?: PushSender | null | ((pool: Pool) => Promise<PushSender>)
}

export async function testApp(t: TestContext, options: TestAppOptions = {}): Promise<TestApp> {
  const { pool } = await testDatabase(t, options.template ?? 'demo')
  return appOn(pool, options)
}

/**
 * Another app on a test app's database (another instance, or the same server started again after
 * a crash), closed before the database is dropped. `ctx.app.close()` first to play a crash.
 */
export async function appOn(pool: Pool, options: Omit<TestAppOptions, 'template'> = {}): Promise<TestApp> {
  const clock = options.clock ?? fixedClock()
  const config = testConfig(options.config)
  const push = typeof options.push === 'function' ? await options.push(pool) : (options.push ?? null)
  const app = await buildApp({ pool, config, clock, jobs: options.jobs ?? false, mailer: options.mailer ?? null, push })
  closeWithDatabase(pool, () => app.close())
  await options.beforeReady?.(app)
  await app.ready()
  return { app, pool, clock, config }
}

type Form = Record<string, string | string[] | undefined>

/** A signed-in browser: keeps its session cookie and adds the CSRF token to every form. */
export type Agent = {
  cookie: string
  csrf: string
  get(url: string): Promise<LightMyRequestResponse>
  post(url: string, form?: Form): Promise<LightMyRequestResponse>
  json(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<LightMyRequestResponse>
}

export function encodeForm(form: Form): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(form)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item)
  }
  return params.toString()
}

export async function signIn({ app, pool }: TestApp, email: string, password = DEMO_PASSWORD): Promise<Agent> {
  const page = await app.inject({ method: 'GET', url: '/sign-in' })
  const pre = page.cookies.find((c) => c.name === 'doorstep_pre')?.value ?? ''
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const response = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}` },
    payload: encodeForm({ _csrf: csrf, email, password }),
  })
  const session = response.cookies.find((c) => c.name === SESSION_COOKIE)?.value
  if (response.statusCode !== 303 || !session) throw new Error(`Sign-in as ${email} failed: ${response.statusCode} ${response.body.slice(0, 500)}`)
  return agentFor(app, session, await sessionCsrf(pool, session))
}

export async function sessionCsrf(pool: Pool, sessionCookie: string): Promise<string> {
  const { rows } = await pool.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'csrf'`)
  return csrfToken(rows[0]!.value, `session:${hashToken(sessionCookie)}`)
}

export function agentFor(app: FastifyInstance, sessionCookie: string, csrf: string): Agent {
  const cookie = `${SESSION_COOKIE}=${sessionCookie}`
  return {
    cookie,
    csrf,
    get: (url) => app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } }),
    post: (url, form = {}) =>
      app.inject({
        method: 'POST',
        url,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: encodeForm({ _csrf: csrf, ...form }),
      }),
    json: (method, url, body) =>
      app.inject({
        method,
        url,
        headers: { cookie, 'x-csrf-token': csrf, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      }),
  }
}

/** Ids of demo records, for tests. */
export async function demoSchoolId(pool: Pool, name: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM schools WHERE name = $1', [name])
  if (!rows[0]) throw new Error(`No demo school called ${name}`)
  return rows[0].id
}

export async function userId(pool: Pool, email: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1)', [email])
  if (!rows[0]) throw new Error(`No user ${email}`)
  return rows[0].id
}

/** The visible text of an HTML page, tags removed and whitespace folded, for asserting what a user reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * Moves the test clock on and runs every visit's deadlines at the new time, exactly as the deadline
 * worker's job handler does when a job comes due (tests never wait for real minutes).
 */
export async function tick(ctx: TestApp, ms: number): Promise<void> {
  ctx.clock.advance(ms)
  await runDeadlines(ctx)
}

export async function runDeadlines({ pool, clock, config }: TestApp): Promise<void> {
  const { rows } = await pool.query<{ schoolId: string; visitId: string }>(
    `SELECT school_id AS "schoolId", id AS "visitId" FROM visits
      WHERE status = 'in_progress' OR id IN (SELECT visit_id FROM alarms WHERE closed_at IS NULL)`,
  )
  for (const ref of rows) await runDeadline({ pool, clock, config }, ref)
}
