import pg from 'pg'
import type { Config } from '../config.ts'
import { runningEmbeddedServer, startEmbeddedPostgres, type EmbeddedServer } from './embedded.ts'
import { migrate } from './migrate.ts'
import { createPool, type Pool } from './pool.ts'

export type Database = { pool: Pool; embedded: EmbeddedServer | undefined; close(): Promise<void> }

type Log = (message: string) => void

/**
 * Opens Doorstep's database: the server at DATABASE_URL when it is set, otherwise the
 * embedded server in the data directory (started here). Migrations are applied either way.
 * With `shareRunning`, a command-line tool uses the embedded server of a Doorstep process
 * that is already running instead of refusing the data directory.
 */
export async function openDatabase(config: Config, log: Log, options: { shareRunning?: boolean } = {}): Promise<Database> {
  let embedded: EmbeddedServer | undefined
  let url = config.databaseUrl
  if (!url && options.shareRunning) url = (await runningEmbeddedServer(config.dataDir))?.connectionString
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, log)
    await ensureDatabase(embedded.connectionString('postgres'), 'doorstep')
    url = embedded.connectionString('doorstep')
  }
  const pool = createPool(url)
  try {
    const applied = await migrate(pool)
    if (applied.length > 0) log(`Applied migrations: ${applied.join(', ')}`)
  } catch (error) {
    await pool.end()
    await embedded?.stop()
    throw error
  }
  return {
    pool,
    embedded,
    async close() {
      await pool.end()
      await embedded?.stop()
    },
  }
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
  } finally {
    await client.end()
  }
}
