/**
 * `npm run bench:escalation [-- --visits N --seconds S --schools K --boards B --db embedded,postgres]`
 *
 * Are alarms raised on time when many check-ins fall overdue at once (issue 8 §11)? N visits in progress
 * (default 10,000), made with SQL on the real clock, whose next check-in becomes overdue at instants spread
 * evenly over S seconds (default 60), across K schools (default the 5 demo schools; more are copies of
 * them). The real app runs with its real job runners (buildApp, jobs on) and B office boards per school
 * listen for live changes over real HTTP Server-Sent Events. Measured per database:
 *
 *   alarm_lateness_ms   the alarm row's raised_at (the write path's clock when the deadline ran) − its due_at
 *   commit_lateness_ms  when the app's live channel heard the alarm's transaction commit (pg_notify) − due
 *   board_lateness_ms   when an SSE client received the change − due (every board of the visit's school)
 *   missed              visits with no alarm by 60 s after the last due time
 *   duplicates          extra alarms for a visit, extra step-1 alerts of an alarm, extra step-1 messages to a person
 *
 * One JSON line per database: the embedded server, then the PostgreSQL server at DOORSTEP_BENCH_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres) when it is reachable, in a database this run
 * creates and drops. Asserts nothing. Progress goes to stderr.
 */
import http from 'node:http'
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { testConfig } from '../src/config.ts'
import { migrate } from '../src/db/migrate.ts'
import { createPool, type Pool } from '../src/db/pool.ts'
import { seedDemo } from '../src/demo/seed.ts'
import { liveSchools, makeOverdueVisits, scheduleMadeVisits, type MadeVisit } from '../test/live-visits.ts'
import { cpuSeconds, embeddedTarget, loadAverage, postgresTarget, resetStatementStats, statementReport, summary, type Target } from './support.ts'

const { values: options } = parseArgs({
  options: {
    visits: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    schools: { type: 'string', default: '5' },
    boards: { type: 'string', default: '2' },
    db: { type: 'string', default: 'embedded,postgres' },
    lead: { type: 'string' },
    // Load pg_stat_statements into the embedded server and print where its time went (stderr).
    statements: { type: 'boolean', default: false },
  },
})
const VISITS = Number(options.visits)
const SPREAD_MS = Number(options.seconds) * 1000
const SCHOOLS = Number(options.schools)
const BOARDS = Number(options.boards)
const MISSED_AFTER_MS = 60_000
const postgresUrl = process.env.DOORSTEP_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const log = (message: string) => process.stderr.write(`[bench:escalation] ${message}\n`)

/**
 * The office board's live feed. If this branch has the board's own SSE route (GET /board/events) the
 * bench would use it; until then a bench-only route streams exactly what the board will stream from:
 * the app's live channel (LISTEN/NOTIFY, channel.ts), subscribed per school.
 */
function registerBenchBoard(app: FastifyInstance): void {
  app.get('/bench/board-events', { config: { access: 'public' } }, (request, reply) => {
    const schoolId = String((request.query as { school?: string }).school ?? '')
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    reply.raw.write(': connected\n\n')
    const off = app.live.channel!.subscribe(schoolId, (change) => reply.raw.write(`data: ${JSON.stringify(change)}\n\n`))
    request.raw.on('close', off)
  })
}

type Board = { received: Map<string, number>; close(): void }

/** An SSE client: remembers when it first heard of each visit. */
function connectBoard(url: string): Promise<Board> {
  return new Promise((resolve, reject) => {
    const received = new Map<string, number>()
    const request = http.get(url, { agent: false }, (response) => {
      response.setEncoding('utf8')
      let buffer = ''
      response.on('data', (chunk: string) => {
        const at = Date.now()
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (event.startsWith(': connected')) resolve({ received, close: () => request.destroy() })
          for (const line of event.split('\n')) {
            if (!line.startsWith('data: ')) continue
            const change = JSON.parse(line.slice(6)) as { visitId?: string | null }
            if (change.visitId && !received.has(change.visitId)) received.set(change.visitId, at)
          }
        }
      })
    })
    request.on('error', reject)
  })
}

const round = (n: number) => Math.round(n * 10) / 10

async function run(target: Target): Promise<Record<string, unknown>> {
  const pool: Pool = createPool(target.url, 10)
  let app: FastifyInstance | undefined
  const boards: Board[] = []
  try {
    await migrate(pool)
    await seedDemo(pool, systemClock())
    const schools = await liveSchools(pool, SCHOOLS)
    app = await buildApp({ pool, config: testConfig({ logLevel: 'silent' }), clock: systemClock, mailer: null, push: null })
    registerBenchBoard(app)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const boardRoute = app.routeList.some((r) => r.method === 'GET' && r.url === '/board/events')
    if (boardRoute) log('Note: GET /board/events exists, but signing office boards in to it is not wired up here yet; using the bench feed over the same channel')
    for (const school of schools) for (let b = 0; b < BOARDS; b++) boards.push(await connectBoard(`${address}/bench/board-events?school=${school.schoolId}`))
    // The commit witness: the app's own live channel, which hears each transaction's pg_notify as it commits.
    const committed = new Map<string, number>()
    for (const school of schools) {
      app.live.channel!.subscribe(school.schoolId, (change) => {
        if (change.visitId && !committed.has(change.visitId)) committed.set(change.visitId, Date.now())
      })
    }

    const statements = options.statements && target.db === 'embedded'
    if (statements) await resetStatementStats(target.url)
    const loadBefore = loadAverage()
    const lead = options.lead ? Number(options.lead) * 1000 : 8_000 + VISITS * 1.5
    const first = Date.now() + lead
    const dueTimes = Array.from({ length: VISITS }, (_, i) => new Date(first + Math.floor((i * SPREAD_MS) / VISITS)))
    log(`${target.db}: making ${VISITS} live visits over ${schools.length} schools, overdue from ${dueTimes[0]!.toISOString()} for ${SPREAD_MS / 1000} s; ${boards.length} boards listening; load ${loadBefore.join(' ')}`)
    const made: MadeVisit[] = await makeOverdueVisits(pool, schools, dueTimes, systemClock())
    await scheduleMadeVisits(pool, made, systemClock)
    const readyIn = first - Date.now()
    if (readyIn < 500) throw new Error(`Making the visits took too long (the first was due ${-readyIn} ms before they were ready): run with a longer --lead (seconds)`)
    log(`${target.db}: ready ${readyIn} ms before the first deadline`)
    // From here on the machine's work is the deadlines, the alarms and their messages.
    const database = new URL(target.url).pathname.slice(1)
    const cpuBefore = cpuSeconds(database)

    const byVisit = new Map(made.map((v) => [v.visitId, v]))
    const last = dueTimes.at(-1)!.getTime()
    const cutoff = last + MISSED_AFTER_MS
    for (let tick = 0; ; tick++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const now = Date.now()
      const boardsDone = boards.every((b) => b.received.size >= VISITS / schools.length - 1)
      if (now > cutoff || (committed.size >= VISITS && boardsDone)) break
      if (tick % 40 === 0 && now > first) log(`${target.db}: ${committed.size}/${VISITS} alarms committed, ${Math.round((now - first) / 1000)} s after the first was due; load ${loadAverage().join(' ')}`)
    }
    // A little longer, so a deadline that ran twice would show as a duplicate.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const loadAfter = loadAverage()
    const cpuAfter = cpuSeconds(database)
    if (statements) log(`${target.db}: statements by the server's time spent:\n${await statementReport(target.url)}`)

    const { rows: alarms } = await pool.query<{ visitId: string; key: string; dueAt: Date; raisedAt: Date }>(
      `SELECT visit_id AS "visitId", key, due_at AS "dueAt", raised_at AS "raisedAt" FROM alarms WHERE kind = 'missed_check_in' ORDER BY raised_at`,
    )
    const firstAlarm = new Map<string, (typeof alarms)[number]>()
    let duplicates = 0
    let early = 0
    let wrongDue = 0
    for (const alarm of alarms) {
      const visit = byVisit.get(alarm.visitId)
      if (!visit) continue
      if (firstAlarm.has(alarm.visitId)) duplicates++
      else firstAlarm.set(alarm.visitId, alarm)
      if (alarm.raisedAt.getTime() < visit.overdueAt.getTime()) early++
      if (alarm.dueAt.getTime() !== visit.overdueAt.getTime() || alarm.key !== visit.alarmKey) wrongDue++
    }
    const { rows: stepDuplicates } = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(n - 1), 0)::int AS n FROM (SELECT count(*) AS n FROM visit_events WHERE kind = 'alarm.step_alerted' AND payload->>'step' = '1'
         GROUP BY payload->>'alarmId' HAVING count(*) > 1) d`,
    )
    const { rows: messageDuplicates } = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(n - 1), 0)::int AS n FROM (SELECT count(*) AS n FROM notifications WHERE kind = 'alarm' GROUP BY alarm_id, user_id HAVING count(*) > 1) d`,
    )
    duplicates += stepDuplicates[0]!.n + messageDuplicates[0]!.n
    const missed = made.filter((v) => {
      const alarm = firstAlarm.get(v.visitId)
      return !alarm || alarm.raisedAt.getTime() > cutoff
    }).length
    const lateness = [...firstAlarm.values()].map((a) => a.raisedAt.getTime() - byVisit.get(a.visitId)!.overdueAt.getTime())
    const commitLateness = [...committed].flatMap(([visitId, at]) => (byVisit.has(visitId) ? [at - byVisit.get(visitId)!.overdueAt.getTime()] : []))
    const boardLateness: number[] = []
    let boardMissed = 0
    for (const [index, board] of boards.entries()) {
      const school = schools[Math.floor(index / BOARDS)]!
      for (const visit of made) {
        if (visit.schoolId !== school.schoolId) continue
        const at = board.received.get(visit.visitId)
        if (at === undefined) boardMissed++
        else boardLateness.push(at - visit.overdueAt.getTime())
      }
    }
    const board = summary(boardLateness)
    return {
      db: target.db,
      visits: VISITS,
      alarm_lateness_ms: summary(lateness),
      board_lateness_ms: { p50: board.p50, p99: board.p99 },
      missed,
      duplicates,
      commit_lateness_ms: summary(commitLateness),
      board_max_ms: board.max,
      board_deliveries_missing: boardMissed,
      early,
      wrong_due: wrongDue,
      schools: schools.length,
      boards: boards.length,
      spread_s: SPREAD_MS / 1000,
      cpu_s: cpuBefore && cpuAfter && { node: round(cpuAfter.node - cpuBefore.node), postgres: round(cpuAfter.postgres - cpuBefore.postgres) },
      load_before: loadBefore,
      load_after: loadAfter,
      node: process.version,
      note: boardRoute
        ? 'boards: bench SSE feed over app.live.channel (GET /board/events exists but is not used yet)'
        : 'boards: GET /board/events is not in this branch; each board is a real SSE client of a bench-only route fed by app.live.channel (listenForLiveChanges, LISTEN/NOTIFY), the mechanism the board will use',
    }
  } finally {
    for (const board of boards) board.close()
    await app?.close().catch((error: unknown) => log(`closing the app: ${(error as Error).message}`))
    await pool.end().catch(() => {})
  }
}

async function main() {
  const wanted = new Set(options.db.split(','))
  const targets: Array<() => Promise<Target | null>> = []
  if (wanted.has('embedded')) targets.push(() => embeddedTarget('bench-escalation', { statementStats: options.statements }))
  if (wanted.has('postgres')) targets.push(() => postgresTarget(postgresUrl, 'doorstep_bench_escalation', log))
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
