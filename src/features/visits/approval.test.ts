import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testApp, textOf } from '../../../test/helpers.ts'
import { allAnswers, as, completePlan, createDraft, ok, school } from './fixtures.ts'

type VisitJson = { id: string; status: string; history: Array<{ summary: string }>; approvals: { outstanding: unknown[] }; riskAssessment: { status: string } | null }

describe('approving a visit at Westside', () => {
  it('R-APPROVE-1 a visit goes from draft through risk assessment to approval by the headteacher', async (t) => {
    const ctx = await testApp(t)
    const westside = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, westside, await completePlan(ctx, westside, 'Leo', 'Hannah'))

    const submitted = await visitor.json('POST', westside.url(`/${visitId}/submit`), {})
    await ok(submitted)
    assert.equal((submitted.json() as VisitJson).status, 'awaiting_risk_assessment')

    const slt = await as(ctx, 'slt', 'westside')
    // slt is on the visit; the deputy (SLT) completes the assessment.
    const deputy = await as(ctx, 'deputy', 'westside')
    const completed = await deputy.json('POST', westside.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false })
    await ok(completed)
    assert.equal((completed.json() as VisitJson).riskAssessment?.status, 'completed')

    const notYet = await slt.json('POST', westside.url(`/${visitId}/approve`), {})
    assert.equal(notYet.statusCode, 409)
    assert.match(notYet.json().detail, /cannot be approved until its risk assessment has been signed off/)

    const head = await as(ctx, 'head', 'westside')
    await ok(await head.json('POST', westside.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))

    const bySlt = await slt.json('POST', westside.url(`/${visitId}/approve`), {})
    assert.equal(bySlt.statusCode, 403)
    assert.match(bySlt.json().detail, /must be approved by the headteacher/)

    const approved = await head.json('POST', westside.url(`/${visitId}/approve`), {})
    await ok(approved)
    const visit = approved.json() as VisitJson
    assert.equal(visit.status, 'approved')

    const page = await visitor.get(`/visits/${visitId}`)
    await ok(page)
    const text = textOf(page.body)
    assert.match(text, /Approved/)
    assert.match(text, /Sent for risk assessment/)
    assert.match(text, /Risk assessment signed off/)
    assert.match(text, /Approved the visit/)
  })
})
