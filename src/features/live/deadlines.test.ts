import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testDatabase } from '../../../test/helpers.ts'
import { startJobRunners } from './deadlines.ts'

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
})
