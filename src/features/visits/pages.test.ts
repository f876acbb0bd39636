import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testApp, textOf } from '../../../test/helpers.ts'
import { adultId, as, createDraft, mainAddressId, pupilId, school } from './fixtures.ts'
import { findVisit } from './repository.ts'

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

describe('changing the pupils', () => {
  it('adults and an address of pupils no longer on the visit are dropped, and the new pupil’s main address is used', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const leo = await pupilId(ctx, s.id, 'Leo')
    const kai = await pupilId(ctx, s.id, 'Kai')
    const visitId = await createDraft(visitor, s, { pupilIds: [leo], contactIds: [await adultId(ctx, s.id, 'Hannah')] })
    const changed = await visitor.post(`/visits/${visitId}/pupils`, { pupilIds: kai })
    assert.equal(changed.headers.location, `/visits/${visitId}/plan/family`)
    const visit = await findVisit(ctx.pool, s.id, visitId)
    assert.deepEqual(visit?.pupils.map((p) => p.name), ['Kai Osei'])
    assert.deepEqual(visit?.adults, [])
    assert.equal(visit?.addressId, await mainAddressId(ctx, s.id, kai))
  })
})
