import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testApp, textOf } from '../../../test/helpers.ts'
import { as, createDraft, pupilId, school } from './fixtures.ts'

/** Issue 10 §2: a problem is shown on the page where it is typed, not pages later at Send. */
describe('errors where they arise', () => {
  const when = (day: string, month: string, year: string) => ({ 'date-day': day, 'date-month': month, 'date-year': year, leaveSchoolAt: '09:30', startAt: '10:00', endAt: '11:00' })

  it('R-ITIN-1 the When page refuses a date in the past at Continue, in the hint’s format, and saves nothing', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, s, { pupilIds: [await pupilId(ctx, s.id, 'Leo')] })
    const response = await visitor.post(`/visits/${visitId}/plan/when`, when('24', '11', '2026'))
    assert.equal(response.statusCode, 400)
    const text = textOf(response.body)
    assert.match(text, /There is a problem The date of the visit must be today or in the future – today is 25 11 2026/)
    assert.match(text, /For example, 27 3 2027/, 'the hint writes dates the same way')
    assert.match(response.body, /href="#date-day"|href="#date"/)
    const stored = await ctx.pool.query('SELECT planned_start FROM visits WHERE id = $1', [visitId])
    assert.equal(stored.rows[0].planned_start, null)
  })

  it('R-ITIN-1 the When page refuses a date more than a year ahead, and takes one within the year', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, s, { pupilIds: [await pupilId(ctx, s.id, 'Leo')] })
    const far = await visitor.post(`/visits/${visitId}/plan/when`, when('25', '11', '2029'))
    assert.equal(far.statusCode, 400)
    assert.match(textOf(far.body), /The date of the visit must be within a year – 26 11 2027 or sooner/)
    const fine = await visitor.post(`/visits/${visitId}/plan/when`, when('1', '12', '2026'))
    assert.equal(fine.statusCode, 303, textOf(fine.body).slice(0, 400))
  })

  it('R-ITIN-1 the API refuses the same dates with the same words', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const bad = await visitor.json('POST', s.url(), { pupilIds: [await pupilId(ctx, s.id, 'Leo')], date: '2026-11-20', leaveSchoolAt: '09:30', startAt: '10:00', endAt: '11:00' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /The date of the visit must be today or in the future – today is 25 11 2026/)
  })
})

describe('the staff page says who cannot go', () => {
  it('R-STAFF-1 each person’s readiness is in the choice, and choosing someone who cannot go is refused at once, with why', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const jo = await s.staff('visitor2')
    await ctx.pool.query('DELETE FROM staff_dbs WHERE school_id = $1 AND user_id = $2', [s.id, jo])
    const visitId = await createDraft(visitor, s, { pupilIds: [await pupilId(ctx, s.id, 'Leo')] })
    const page = await visitor.get(`/visits/${visitId}/plan/staff`)
    const text = textOf(page.body)
    assert.match(text, /Jo Bennett \(Visiting staff\) – cannot go/)
    assert.match(text, /Sam Carter \(Visiting staff\) – ready/)
    assert.match(text, /Cannot go on this visit .*Jo Bennett/)
    const refused = await visitor.post(`/visits/${visitId}/plan/staff`, { leadUserId: await s.staff('visitor'), secondUserId: jo, version: '1' })
    assert.equal(refused.statusCode, 400, 'refused on the staff page, not at Send')
    assert.match(textOf(refused.body), /There is a problem .*Jo Bennett/)
  })
})

describe('no silent loss of an approval', () => {
  it('R-APPROVE-1 the edit pages of an approved visit say, before saving, that a change sends it back for approval and who will know', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM visits WHERE school_id = $1 AND status = 'approved'`, [s.id])
    const visitId = rows[0]!.id
    const visitor = await as(ctx, 'visitor', 'westside')
    const when = textOf((await visitor.get(`/visits/${visitId}/plan/when`)).body)
    assert.match(when, /Warning Saving a change here sends the visit back for approval\. This visit is approved\. Changing the time sends it back for approval: it cannot go ahead until it is approved again\. Grace Adeyemi will see it waiting for approval again on their Approvals page, and Sam Carter and Laura Quinn will see that it is no longer approved\./)
    const family = textOf((await visitor.get(`/visits/${visitId}/plan/family`)).body)
    assert.match(family, /Changing the adults being visited or the address sends it back for approval.* also re-opens the risk assessment/)
    const pupils = textOf((await visitor.get(`/visits/${visitId}/pupils`)).body)
    assert.match(pupils, /Saving a change here sends the visit back for approval/)
    // A draft has no approval to lose.
    const draft = await createDraft(visitor, s, { pupilIds: [await pupilId(ctx, s.id, 'Leo')] })
    assert.doesNotMatch(textOf((await visitor.get(`/visits/${draft}/plan/when`)).body), /sends the visit back for approval/)
  })
})
