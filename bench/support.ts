import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { ensureDatabase } from '../src/db/database.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'

/** Pieces the live-safety benchmarks share: where they run, and how they summarise timings. */

export type Target = { db: 'embedded' | 'postgres'; url: string; close(): Promise<void> }

/**
 * A fresh embedded server in .tmp. With `statementStats`, it runs with pg_stat_statements loaded (set,
 * then a restart), so a run can say which statements the server spent its time on.
 */
export async function embeddedTarget(name: string, { statementStats = false } = {}): Promise<Target> {
  const dataDir = path.resolve('.tmp', `${name}-pg-${process.pid}`)
  fs.rmSync(dataDir, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(dataDir), { recursive: true })
  let server = await startEmbeddedPostgres(dataDir)
  if (statementStats) {
    const admin = new pg.Client({ connectionString: server.connectionString('postgres') })
    await admin.connect()
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`)
    await admin.end()
    await server.stop()
    server = await startEmbeddedPostgres(dataDir)
    const again = new pg.Client({ connectionString: server.connectionString('postgres') })
    await again.connect()
    await again.query('ALTER SYSTEM SET pg_stat_statements.track_planning = on')
    await again.query('SELECT pg_reload_conf()')
    await again.end()
  }
  await ensureDatabase(server.connectionString('postgres'), 'bench')
  if (statementStats) {
    const bench = new pg.Client({ connectionString: server.connectionString('bench') })
    await bench.connect()
    await bench.query('CREATE EXTENSION pg_stat_statements')
    await bench.end()
  }
  return {
    db: 'embedded',
    url: server.connectionString('bench'),
    async close() {
      await server.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The statements the server spent most time on since `pg_stat_statements_reset()`, one line each. */
export async function statementReport(url: string, limit = 25): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ calls: number; total: number; mean: number; plan: number; query: string }>(
      `SELECT calls::int, round(total_exec_time)::int AS total, round(mean_exec_time::numeric, 3)::float AS mean,
              round(total_plan_time)::int AS plan, regexp_replace(query, '\\s+', ' ', 'g') AS query
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`,
      [limit],
    )
    const header = '   calls exec total  exec mean  plan total  statement'
    return [header, ...rows.map((r) => `${String(r.calls).padStart(8)} ${String(r.total).padStart(7)} ms ${r.mean.toFixed(3).padStart(7)} ms ${String(r.plan).padStart(7)} ms  ${r.query.slice(0, 100)}`)].join('\n')
  } finally {
    await client.end()
  }
}

export async function resetStatementStats(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('SELECT pg_stat_statements_reset()')
  await client.end()
}

/** A fresh database on the PostgreSQL server at `adminUrl`, or null when the server cannot be reached. */
export async function postgresTarget(adminUrl: string, name: string, log: (message: string) => void): Promise<Target | null> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 })
  try {
    await admin.connect()
  } catch (error) {
    log(`The PostgreSQL server at ${new URL(adminUrl).host} cannot be reached (${(error as Error).message}): skipped`)
    return null
  }
  const database = `${name}_${process.pid}`
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
  await admin.query(`CREATE DATABASE "${database}"`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  return {
    db: 'postgres',
    url: url.toString(),
    async close() {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
      await client.end()
    },
  }
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export function summary(values: number[]): { p50: number | null; p99: number | null; max: number | null } {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null }
}

export const loadAverage = () => os.loadavg().map((n) => Math.round(n * 100) / 100)


/**
 * CPU seconds (user + system) used so far by this process and by the PostgreSQL processes serving
 * `database` (their command lines name it: "postgres: <user> <database> …"), read from /proc. Linux only;
 * null elsewhere. Backends that ended between two readings are not counted, so take both readings while
 * the app's connections are open.
 */
export function cpuSeconds(database: string): { node: number; postgres: number } | null {
  try {
    const tick = 100
    const used = (stat: string) => {
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) / tick
    }
    const node = used(fs.readFileSync('/proc/self/stat', 'utf8'))
    let postgres = 0
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      try {
        const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        // "postgres: postgres bench 127.0.0.1(5123) idle", or "postgres: 15/main: postgres bench …" (a packaged cluster)
        if (/^postgres: (?:\S+: )?\S+ (\S+) /.exec(commandLine)?.[1] === database) postgres += used(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
      } catch {
        // the process ended
      }
    }
    return { node, postgres }
  } catch {
    return null
  }
}
