import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Logger, runMigrations } from 'graphile-worker'
import type { Pool } from './pool.ts'

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
const MIGRATION_LOCK = 7_261_001

/**
 * Applies every migration in src/db/migrations that has not run yet, in name order, each in
 * its own transaction, then graphile-worker's own schema (the durable deadlines and outbound jobs).
 * An advisory lock keeps several app instances from migrating at once.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations')
    const done = new Set(rows.map((row) => row.name))
    const files = (await fs.readdir(migrationsDir)).filter((file) => file.endsWith('.sql')).sort()
    const applied: string[] = []
    for (const file of files) {
      if (done.has(file)) continue
      const sql = await fs.readFile(path.join(migrationsDir, file), 'utf8')
      try {
        await client.query('BEGIN')
        await client.query(sql)
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file])
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw new Error(`Migration ${file} failed: ${(error as Error).message}`, { cause: error })
      }
      applied.push(file)
    }
    await runMigrations({ pgPool: pool, logger: quietLogger })
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {})
    client.release()
  }
}

/** graphile-worker logs every step at info level; Doorstep reports what matters itself. */
export const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`[doorstep] jobs: ${message}`)
})
