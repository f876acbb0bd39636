import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testDatabase } from '../../../test/helpers.ts'
import { isConnectionError, startJobRunners } from './deadlines.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the job runners', () => {
  it('R-ESC-1 a job that runs longer than the dead-worker window is not taken from its own live instance and run again', async (t) => {
    const { url, pool } = await testDatabase(t, 'empty')
    let runs = 0
    let finished = 0
    const runners = await startJobRunners({
      connectionString: url,
      pollInterval: 50,
      // Far shorter than the job: a runner that mistook its own busy workers for dead ones would
      // release the job while it runs, and another worker would start it again.
      deadAfterMs: 500,
      onDeadline: async () => {},
      onDelivery: async () => {
        runs++
        await sleep(3_500)
        finished++
      },
    })
    t.after(() => runners.stop())
    await pool.query(`SELECT graphile_worker.add_job('deliver-notification', '{"notificationId": "x", "channel": "email"}'::json)`)
    for (let i = 0; i < 200 && finished === 0; i++) await sleep(50)
    await sleep(1_000)
    assert.equal(finished, 1, 'the job finished')
    assert.equal(runs, 1, 'and ran once')
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs')
    assert.equal(rows[0]!.n, 0, 'its job is done')
    await runners.stop()
  })

  it('R-ESC-1 a deadline whose database connection fails is tried again at once, not after the backoff; any other failure is left to the backoff', async (t) => {
    const { url, pool } = await testDatabase(t, 'empty')
    const tries = new Map<string, number>()
    const runners = await startJobRunners({
      connectionString: url,
      pollInterval: 50,
      onDeadline: async (payload) => {
        const n = (tries.get(payload.visitId) ?? 0) + 1
        tries.set(payload.visitId, n)
        if (payload.visitId === 'restarting' && n <= 2) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
        if (payload.visitId === 'broken') throw new Error('a bug')
      },
      onDelivery: async () => {},
    })
    t.after(() => runners.stop())
    for (const visitId of ['restarting', 'broken']) {
      await pool.query(`SELECT graphile_worker.add_job('visit-deadline', json_build_object('schoolId', 's', 'visitId', $1::text, 'kind', 'check_in', 'dueAt', now()), max_attempts => 1000)`, [visitId])
    }
    // Well inside graphile-worker's first retry after a failure (e^1 = 2.7 s).
    for (let i = 0; i < 40 && (tries.get('restarting') ?? 0) < 3; i++) await sleep(50)
    await sleep(500)
    const { rows } = await pool.query<{ visitId: string; attempts: number }>(`SELECT payload->>'visitId' AS "visitId", attempts FROM graphile_worker._private_jobs ORDER BY 1`)
    assert.equal(tries.get('restarting'), 3, 'tried three times in a row')
    assert.deepEqual(rows, [{ visitId: 'broken', attempts: 1 }], 'the one that lost its connection is done; the broken one waits for its retry')
    assert.equal(tries.get('broken'), 1)
    await runners.stop()
  })

  it('R-ESC-1 tells connection failures from other errors', () => {
    for (const code of ['57P01', '57P03', '53300', '08006', 'ECONNREFUSED']) assert.ok(isConnectionError(Object.assign(new Error('x'), { code })), code)
    assert.ok(isConnectionError(new Error('Connection terminated unexpectedly')))
    assert.ok(isConnectionError(new Error('Client has encountered a connection error and is not queryable')))
    assert.ok(!isConnectionError(Object.assign(new Error('duplicate key'), { code: '23505' })))
    assert.ok(!isConnectionError(new Error('a bug')))
    assert.ok(!isConnectionError(undefined))
  })
})
