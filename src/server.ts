import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import { stylesheet } from './web/assets.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { openDatabase, type Database } from './db/database.ts'
import { DataDirInUseError, takeOverStopSignals } from './db/embedded.ts'
import { DEMO_PASSWORD, isEmpty, seedDemo } from './demo/seed.ts'
import { systemClock } from './clock.ts'
import { sweepExpired } from './features/auth/sweep.ts'
import { startDigestSchedule } from './features/records/digest.ts'
import { remindPolicyReviews } from './features/governance/review.ts'

/** The process: read config, open the database, seed the demo, listen, stop cleanly on signals. */
const say = (message: string) => console.log(`[doorstep] ${message}`)

let config: Config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

let database: Database | undefined
let app: FastifyInstance | undefined
let sweeper: NodeJS.Timeout | undefined
let stopDigests: (() => void) | undefined
let stopping = false

// SIGTERM or Ctrl-C at any moment, even during start-up: let start-up settle, close the app,
// then the database (stopping the embedded server and releasing the data directory), exit 0.
takeOverStopSignals()
const started = start()
const stop = async (signal: string) => {
  if (stopping) return
  stopping = true
  say(`${signal} received: stopping`)
  const force = setTimeout(() => {
    console.error('[doorstep] Did not stop within 15 s: exiting anyway')
    process.exit(1)
  }, 15_000)
  force.unref()
  await started.catch(() => {})
  clearInterval(sweeper)
  stopDigests?.()
  await app?.close().catch((error: unknown) => console.error(error))
  await database?.close().catch((error: unknown) => console.error(error))
  say('Stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))

started.catch(async (error: unknown) => {
  if (error instanceof DataDirInUseError) console.error(`[doorstep] ${error.message}`)
  else if (config.logLevel === 'debug' || config.logLevel === 'trace') console.error('[doorstep] Could not start:', error)
  else console.error(`[doorstep] Could not start: ${error instanceof Error ? error.message : String(error)}`)
  clearInterval(sweeper)
  await app?.close().catch(() => {})
  await database?.close().catch(() => {})
  process.exit(1)
})

async function start(): Promise<void> {
  say(config.databaseUrl ? 'Using the PostgreSQL server at DATABASE_URL' : `Starting embedded PostgreSQL in ${config.dataDir}`)
  database = await openDatabase(config, say)
  if (stopping) return

  if (config.demo && (await isEmpty(database.pool))) {
    const signIns = await seedDemo(database.pool, systemClock())
    say(`Seeded the demo trust. Every demo account's password is: ${DEMO_PASSWORD}`)
    const width = Math.max(...signIns.map((s) => s.email.length))
    for (const signIn of signIns.filter((s) => s.school === 'All demo schools' || s.school === 'Westside School')) {
      say(`  ${signIn.email.padEnd(width)}  ${signIn.school}: ${signIn.roles}`)
    }
    say('  The other demo schools follow the same pattern: head@, dsl@, office@, visitor@, admin@ … at harton.example, kings-gomer.example, morecambe-road.example, wna.example')
  }

  app = await buildApp({
    pool: database.pool,
    config,
    clock: systemClock,
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'] },
  })
  if (stopping) return
  // Expired sessions and expired or revoked API tokens are deleted at start-up and every hour.
  const sweep = async (pool: Database['pool']) => {
    const swept = await sweepExpired(pool, systemClock(), config)
    app?.log.info({ swept }, 'swept expired sessions, API tokens and sign-in browsers')
    // R-GOV-2: headteachers reminded that the policy review is due (once per due date).
    const reminded = await remindPolicyReviews(pool, systemClock()).catch((error: unknown) => {
      app?.log.error({ err: error }, 'policy review reminders failed')
      return 0
    })
    if (reminded) app?.log.info({ reminded }, 'sent policy review reminders')
  }
  const pool = database.pool
  await sweep(pool)
  if (stopping) return
  sweeper = setInterval(() => void sweep(pool).catch((error: unknown) => app?.log.error({ err: error }, 'sweeping expired sessions failed')), 3_600_000)
  sweeper.unref()
  // The daily digests of overdue visit records and follow-up actions (R-REC-1, R-FOLLOW-1).
  stopDigests = startDigestSchedule(pool, systemClock, (error: unknown) => app?.log.error({ err: error }, 'sending the daily digests failed'))
  const address = new URL(await app.listen({ port: config.port, host: config.host }))
  // The address people use is PUBLIC_URL; when it is not this machine on this port, show both.
  const here = ['localhost', '127.0.0.1', '[::1]'].includes(config.publicUrl.hostname) && config.publicUrl.port === address.port
  say(`Doorstep is running at ${here ? config.publicUrl.href : address.href}`)
  if (!here) say(`Its public address (PUBLIC_URL) is ${config.publicUrl.href}`)
  // Compile the stylesheet now (in a worker thread), so the first person to open a page does not wait
  // for it. Not awaited: stopping does not wait for start-up to finish compiling it.
  stylesheet().catch((error: unknown) => app?.log.error({ err: error }, 'stylesheet did not compile'))
}
