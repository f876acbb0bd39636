/**
 * `npm run bench:checkin [-- --visits N --seconds S --connections C --db embedded|postgres|embedded,postgres]`
 *
 * How many check-ins a second Doorstep takes (issue 8 §11), beside the simplest write the same app and
 * database can do. On N visits in progress (default 500, made with SQL over the 5 demo schools, none of
 * them near a deadline), visitors check in through the API — POST /api/v1/schools/:schoolId/visits/:visitId/check-ins
 * with their own Bearer token, each request a fresh clientRef — for S seconds (default 10) with C
 * connections (default 10, autocannon). Then, in the same run and process, a route registered only here
 * (POST /bench/bare-insert, through the same hooks, one INSERT) for as long. The requests are made from a
 * child process (bench/checkin-load.ts), so the app has its thread to itself. One JSON line per database:
 *
 *   {"checkins_per_s", "bare_insert_per_s", "ratio", "lost"}   lost: check-ins answered 2xx but not in check_ins
 *
 * Asserts nothing. Progress goes to stderr.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { testConfig } from '../src/config.ts'
import { migrate } from '../src/db/migrate.ts'
import { createPool, type Pool } from '../src/db/pool.ts'
import { seedDemo } from '../src/demo/seed.ts'
import { createApiToken } from '../src/features/account/api-tokens.ts'
import { liveSchools, makeOverdueVisits, scheduleMadeVisits } from '../test/live-visits.ts'
import type { LoadRequest, LoadResult } from './checkin-load.ts'
import { cpuSeconds, embeddedTarget, loadAverage, postgresTarget, resetStatementStats, statementReport, type Target } from './support.ts'

const { values: options } = parseArgs({
  options: {
    visits: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    db: { type: 'string', default: 'embedded' },
    // Load pg_stat_statements into the embedded server and print where its time went during the check-ins (stderr).
    statements: { type: 'boolean', default: false },
  },
})
const VISITS = Number(options.visits)
const SECONDS = Number(options.seconds)
const CONNECTIONS = Number(options.connections)
const postgresUrl = process.env.DOORSTEP_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const log = (message: string) => process.stderr.write(`[bench:checkin] ${message}\n`)
const round = (n: number) => Math.round(n * 10) / 10

/** The load runs in a child process (bench/checkin-load.ts), so the app has this process's thread to itself. */
function load(request: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./checkin-load.ts', import.meta.url)), { serialization: 'advanced' })
    let result: LoadResult | undefined
    child.once('message', (message) => (result = message as LoadResult))
    child.once('error', reject)
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the load process exited with ${code}`))))
    child.send(request)
  })
}

async function run(target: Target): Promise<Record<string, unknown>> {
  const pool: Pool = createPool(target.url, 10)
  let app: FastifyInstance | undefined
  try {
    await migrate(pool)
    await seedDemo(pool, systemClock())
    await pool.query('CREATE TABLE bench_bare_inserts (id bigserial PRIMARY KEY, client_ref text NOT NULL, at timestamptz NOT NULL DEFAULT now())')
    const schools = await liveSchools(pool, 5)
    // Visits in the home whose next check-in is two hours away: nothing falls due during the run.
    const later = Date.now() + 2 * 3_600_000
    const made = await makeOverdueVisits(pool, schools, Array.from({ length: VISITS }, (_, i) => new Date(later + i * 1000)), systemClock())
    await scheduleMadeVisits(pool, made, systemClock)
    const tokens = new Map<string, string>()
    for (const school of schools) tokens.set(school.schoolId, (await createApiToken(pool, school.visitorId, 'bench', 1, systemClock())).token)

    app = await buildApp({ pool, config: testConfig({ logLevel: 'silent' }), clock: systemClock, mailer: null, push: null })
    const bare = pool
    app.post('/bench/bare-insert', { config: { access: 'public', csrf: 'signed-in-only' } }, async (request, reply) => {
      await bare.query('INSERT INTO bench_bare_inserts (client_ref) VALUES ($1)', [(request.body as { clientRef: string }).clientRef])
      return reply.status(201).send({ ok: true })
    })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })

    const database = new URL(target.url).pathname.slice(1)
    const loadBefore = loadAverage()
    log(`${target.db}: ${VISITS} live visits over ${schools.length} schools; check-ins for ${SECONDS} s on ${CONNECTIONS} connections; load ${loadBefore.join(' ')}`)
    const statements = options.statements && target.db === 'embedded'
    if (statements) await resetStatementStats(target.url)
    const cpuCheckIns = cpuSeconds(database)
    const checkIns = await load({ address, connections: CONNECTIONS, seconds: SECONDS, visits: made.map((v) => ({ schoolId: v.schoolId, visitId: v.visitId, token: tokens.get(v.schoolId)! })) })
    const cpuBetween = cpuSeconds(database)
    if (statements) log(`${target.db}: statements of the check-ins by the server's time spent:\n${await statementReport(target.url)}`)
    log(`${target.db}: check-ins done (${checkIns.ok} answered 2xx, ${checkIns.non2xx} not); the bare INSERT route for ${SECONDS} s`)
    const bareRun = await load({ address, connections: CONNECTIONS, seconds: SECONDS, visits: [] })
    const cpuAfter = cpuSeconds(database)
    const loadAfter = loadAverage()

    const { rows } = await pool.query<{ ref: string }>('SELECT client_ref AS ref FROM check_ins WHERE client_ref = ANY($1)', [checkIns.acked])
    const found = new Set(rows.map((row) => row.ref))
    const lost = checkIns.acked.filter((ref) => !found.has(ref)).length
    const { rows: bareRows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_bare_inserts WHERE client_ref = ANY($1)', [bareRun.acked])
    const checkinsPerS = checkIns.ok / checkIns.duration
    const barePerS = bareRun.ok / bareRun.duration
    const cpu = (from: typeof cpuBetween, to: typeof cpuBetween, count: number) =>
      from && to && count > 0 ? { node: round(((to.node - from.node) * 1000) / count), postgres: round(((to.postgres - from.postgres) * 1000) / count) } : null
    return {
      db: target.db,
      checkins_per_s: Math.round(checkinsPerS),
      bare_insert_per_s: Math.round(barePerS),
      ratio: Math.round((checkinsPerS / barePerS) * 100) / 100,
      lost,
      bare_lost: bareRun.acked.length - bareRows[0]!.n,
      checkins_2xx: checkIns.ok,
      checkins_non2xx: checkIns.non2xx,
      checkins_errors: checkIns.errors,
      checkin_latency_ms: { p50: checkIns.latency.p50, p99: checkIns.latency.p99 },
      bare_latency_ms: { p50: bareRun.latency.p50, p99: bareRun.latency.p99 },
      cpu_ms_per_request: { checkin: cpu(cpuCheckIns, cpuBetween, checkIns.ok), bare: cpu(cpuBetween, cpuAfter, bareRun.ok) },
      visits: VISITS,
      connections: CONNECTIONS,
      seconds: SECONDS,
      load_before: loadBefore,
      load_after: loadAfter,
      node: process.version,
    }
  } finally {
    await app?.close().catch((error: unknown) => log(`closing the app: ${(error as Error).message}`))
    await pool.end().catch(() => {})
  }
}

async function main() {
  const wanted = new Set(options.db.split(','))
  const targets: Array<() => Promise<Target | null>> = []
  if (wanted.has('embedded')) targets.push(() => embeddedTarget('bench-checkin', { statementStats: options.statements }))
  if (wanted.has('postgres')) targets.push(() => postgresTarget(postgresUrl, 'doorstep_bench_checkin', log))
  for (const open of targets) {
    const target = await open()
    if (!target) continue
    try {
      console.log(JSON.stringify(await run(target)))
    } finally {
      await target.close()
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
