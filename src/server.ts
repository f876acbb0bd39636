import { buildApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { openDatabase } from './db/database.ts'
import { DataDirInUseError } from './db/embedded.ts'
import { DEMO_PASSWORD, isEmpty, seedDemo } from './demo/seed.ts'

/** The process: read config, open the database, seed the demo, listen, stop cleanly on signals. */
async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  const say = (message: string) => console.log(`[doorstep] ${message}`)

  say(config.databaseUrl ? 'Using the PostgreSQL server at DATABASE_URL' : `Starting embedded PostgreSQL in ${config.dataDir}`)
  const database = await openDatabase(config, say)

  if (config.demo && (await isEmpty(database.pool))) {
    const signIns = await seedDemo(database.pool)
    say(`Seeded the demo trust. Every demo account's password is: ${DEMO_PASSWORD}`)
    const width = Math.max(...signIns.map((s) => s.email.length))
    for (const signIn of signIns.filter((s) => s.school === 'All demo schools' || s.school === 'Westside School')) {
      say(`  ${signIn.email.padEnd(width)}  ${signIn.school}: ${signIn.roles}`)
    }
    say('  The other demo schools follow the same pattern: head@, dsl@, office@, visitor@, admin@ … at harton.example, kings-gomer.example, morecambe-road.example, wna.example')
  }

  const app = await buildApp({
    pool: database.pool,
    config,
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'] },
  })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    say(`${signal} received: stopping`)
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    await app.close().catch(() => {})
    await database.close().catch((error: unknown) => console.error(error))
    say('Stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))

  await app.listen({ port: config.port, host: config.host })
  say(`Doorstep is running at ${config.publicUrl.href}`)
}

main().catch((error: unknown) => {
  if (error instanceof DataDirInUseError) {
    console.error(`[doorstep] ${error.message}`)
  } else {
    console.error('[doorstep] Could not start:', error)
  }
  process.exit(1)
})
