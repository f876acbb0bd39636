import path from 'node:path'
import { z } from 'zod'

/**
 * The one place that reads process.env. Every variable is parsed and typed here; a bad
 * value stops the process with a list of every problem, not just the first.
 */
const booleanish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of 1, 0, true, false, yes, no, on, off',
  })
  .transform((value) => ['1', 'true', 'yes', 'on'].includes(value))

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('localhost'),
  PUBLIC_URL: z.url({ error: 'must be a URL such as https://doorstep.example.org' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
    .optional(),
  DOORSTEP_DATA_DIR: z.string().min(1).default('data'),
  DOORSTEP_DEMO: booleanish.default(true),
  SESSION_IDLE_MINUTES: z.coerce.number({ error: 'must be a number of minutes' }).int().min(1).max(24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number({ error: 'must be a number of hours' }).int().min(1).max(24 * 7).default(12),
  // Wrong passwords in a row before Doorstep waits before judging the next attempt (1 s, 2 s, 4 s …
  // up to SIGN_IN_MAX_DELAY_SECONDS). Nothing is locked: see docs/decisions/0011-accounts.md.
  SIGN_IN_MAX_FAILURES: z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(100).default(5),
  SIGN_IN_MAX_DELAY_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).int().min(1).max(3600).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Behind a load balancer every request comes from its address: say which proxies to believe
  // for X-Forwarded-For, so the sign-in rate limit counts each person's device, not the proxy.
  TRUST_PROXY: z
    .string()
    .regex(
      /^(?:false|true|\d{1,2}|[0-9a-fA-F.:/]+(?:\s*,\s*[0-9a-fA-F.:/]+)*)$/,
      'must be false, true, a number of proxy hops, or a comma-separated list of proxy addresses or CIDR ranges',
    )
    .default('false'),
  // Email for alarms and reminders (R-ESC-1): an SMTP server URL such as smtp://user:pass@mail.example.org:587.
  // Unset, Doorstep alerts in the app and by Web Push only; each alarm's email delivery is recorded as
  // "no address: email is not set up".
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address').default('doorstep@localhost'),
  // GET /metrics (Prometheus) answers only a request with "Authorization: Bearer <METRICS_TOKEN>".
  // Unset, /metrics is off (404). See docs/decisions/0016-police-sheet-and-operations.md.
  // Web Push endpoints must be a push service on the internet: an https:// address that is not this
  // machine or a private network (the server posts to it). Only tests (a push service on 127.0.0.1) allow them.
  PUSH_ALLOW_PRIVATE_ENDPOINTS: booleanish.default(false),
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{24,200}$/, 'must be 24 to 200 letters, digits or . _ ~ + / = - (for example: openssl rand -hex 24)')
    .optional(),
})

export type Config = Readonly<{
  env: 'development' | 'production' | 'test'
  port: number
  host: string
  publicUrl: URL
  secureCookies: boolean
  databaseUrl: string | undefined
  dataDir: string
  demo: boolean
  session: Readonly<{ idleMinutes: number; absoluteHours: number }>
  signIn: Readonly<{ maxFailures: number; maxDelaySeconds: number }>
  logLevel: string
  /** Fastify's trustProxy: which proxies' X-Forwarded-For to believe for the client address. */
  trustProxy: boolean | number | string[]
  mail: Readonly<{ smtpUrl: string | undefined; from: string }>
  /** The bearer token a Prometheus scraper sends to GET /metrics; undefined turns /metrics off. */
  metricsToken: string | undefined
  /** Whether a Web Push endpoint may be on this machine or a private network (tests only). */
  push: Readonly<{ allowPrivateEndpoints: boolean }>
}>

export class ConfigError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`Doorstep cannot start: fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to nothing (`PORT=` in an env file) means "not set": without this, PORT= would
  // quietly become port 0 and DATABASE_URL= an error.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''))
  const parsed = envSchema.safeParse(given)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(problems)
  }
  const e = parsed.data
  // Unset, the public address is this machine on PORT, so PORT=4000 alone gives http://localhost:4000.
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`)
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    secureCookies: publicUrl.protocol === 'https:',
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DOORSTEP_DATA_DIR),
    demo: e.DOORSTEP_DEMO,
    session: Object.freeze({ idleMinutes: e.SESSION_IDLE_MINUTES, absoluteHours: e.SESSION_ABSOLUTE_HOURS }),
    signIn: Object.freeze({ maxFailures: e.SIGN_IN_MAX_FAILURES, maxDelaySeconds: e.SIGN_IN_MAX_DELAY_SECONDS }),
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    mail: Object.freeze({ smtpUrl: e.SMTP_URL, from: e.MAIL_FROM }),
    metricsToken: e.METRICS_TOKEN,
    push: Object.freeze({ allowPrivateEndpoints: e.PUSH_ALLOW_PRIVATE_ENDPOINTS }),
  })
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true' || value === 'false') return value === 'true'
  if (/^\d+$/.test(value)) return Number(value)
  return value.split(',').map((part) => part.trim())
}

/** Settings for tests: the defaults, with overrides. Never reads process.env. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  // The tests' push service (test/push-service.ts) listens on 127.0.0.1.
  return Object.freeze({ ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUSH_ALLOW_PRIVATE_ENDPOINTS: '1' }), ...overrides })
}
