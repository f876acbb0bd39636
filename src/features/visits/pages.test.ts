import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testApp, textOf } from '../../../test/helpers.ts'
import { as, school } from './fixtures.ts'

describe('visit pages', () => {
  it('every visit page opens for the demo visits, for each kind of user who may see them', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { rows } = await ctx.pool.query<{ id: string; status: string }>('SELECT id, status FROM visits WHERE school_id = $1 ORDER BY status', [s.id])
    assert.deepEqual(rows.map((r) => r.status).sort(), ['approved', 'awaiting_approval', 'draft'])
    for (const local of ['head', 'office', 'visitor', 'dsl']) {
      const agent = await as(ctx, local, 'westside')
      const list = await agent.get('/visits')
      assert.equal(list.statusCode, 200)
      assert.match(textOf(list.body), /Leo Marsh/)
      for (const { id, status } of rows) {
        const pages = [`/visits/${id}`, `/visits/${id}/decision`, `/visits/${id}/cancel`, `/visits/${id}/pupils`, ...['family', 'purpose', 'when', 'staff'].map((p) => `/visits/${id}/plan/${p}`)]
        if (status !== 'draft') pages.push(`/visits/${id}/risk-assessment`)
        for (const url of pages) {
          const response = await agent.get(url)
          assert.equal(response.statusCode, 200, `${local} ${url}: ${response.body.slice(0, 300)}`)
        }
      }
    }
    const head = await as(ctx, 'head', 'westside')
    const approvals = textOf((await head.get('/visits/approvals')).body)
    assert.match(approvals, /Visits waiting for your approval.*Sofia Ferreira/)
    const filtered = textOf((await head.get('/visits?status=draft')).body)
    assert.match(filtered, /1 visit/)
    assert.match(filtered, /Maja Wiśniewska/)
    const badDate = await head.get('/visits?from=2026-02-31')
    assert.equal(badDate.statusCode, 400)
  })
})
