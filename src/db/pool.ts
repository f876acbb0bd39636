import pg from 'pg'

export type Pool = pg.Pool
export type Db = pg.Pool | pg.PoolClient

// Dates stay as text: a school day is a calendar date, not a moment in UTC.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'doorstep' })
  // A client losing its connection (the database restarting, a failover) must not crash the process:
  // idle clients report it to the pool, and a client in use reports it on itself — with no listener
  // there, Node throws it as an uncaught exception. The query running on it fails with the error,
  // and the pool drops the client when it is released.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

/**
 * Runs `work` in one transaction: everything it writes is kept, or nothing is. `begin` may ask for
 * another kind of transaction (a read-only snapshot, say).
 */
export async function inTransaction<T>(pool: Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query(begin)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
