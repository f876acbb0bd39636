import pg from 'pg'
import { migrate } from '../src/db/migrate.ts'
import { createPool } from '../src/db/pool.ts'
import { seedDemo } from '../src/demo/seed.ts'
import { TEST_EPOCH } from './clock.ts'

/**
 * Test databases. The runner (scripts/test.ts) migrates two template databases once per
 * server — `<prefix>_empty` and `<prefix>_demo` (with the demo trust, seeded at TEST_EPOCH, the moment every test clock starts from) — and every test file
 * copies one with CREATE DATABASE … TEMPLATE, which takes a few milliseconds.
 */
export const TEMPLATE_SUFFIXES = ['empty', 'demo'] as const
export type TemplateKind = (typeof TEMPLATE_SUFFIXES)[number]

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export async function createTemplates(serverUrl: string, prefix: string): Promise<void> {
  for (const kind of TEMPLATE_SUFFIXES) {
    const name = `${prefix}_${kind}`
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    await adminQuery(serverUrl, `CREATE DATABASE "${name}"`)
    const pool = createPool(withDatabase(serverUrl, name), 2)
    try {
      await migrate(pool)
      if (kind === 'demo') await seedDemo(pool, TEST_EPOCH)
    } finally {
      await pool.end()
    }
  }
}

export async function dropDatabasesWithPrefix(serverUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`])
    for (const row of rows) await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`)
  } finally {
    await client.end()
  }
}
