import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { effectOfChange, isEditable, transition, visitStatuses, type VisitAction, type VisitStatus } from './visit-lifecycle.ts'

describe('visit lifecycle', () => {
  const allowed: Array<[VisitStatus, VisitAction, VisitStatus]> = [
    ['draft', 'submit', 'awaiting_risk_assessment'],
    ['awaiting_risk_assessment', 'sign_off_risk_assessment', 'awaiting_approval'],
    ['awaiting_approval', 'approve', 'approved'],
    ['awaiting_approval', 'refuse', 'refused'],
    ['approved', 'send_back', 'awaiting_approval'],
    ['awaiting_approval', 'reopen_risk_assessment', 'awaiting_risk_assessment'],
    ['approved', 'reopen_risk_assessment', 'awaiting_risk_assessment'],
    ['awaiting_risk_assessment', 'reopen_risk_assessment', 'awaiting_risk_assessment'],
    ['draft', 'cancel', 'cancelled'],
    ['awaiting_risk_assessment', 'cancel', 'cancelled'],
    ['awaiting_approval', 'cancel', 'cancelled'],
    ['approved', 'cancel', 'cancelled'],
    ['approved', 'start', 'in_progress'],
    ['in_progress', 'complete', 'completed'],
  ]
  for (const [from, action, to] of allowed) {
    it(`${action} moves a visit from ${from} to ${to}`, () => {
      assert.deepEqual(transition(from, action), { ok: true, to })
    })
  }

  it('allows nothing else', () => {
    const actions: VisitAction[] = ['submit', 'sign_off_risk_assessment', 'reopen_risk_assessment', 'approve', 'refuse', 'send_back', 'cancel', 'start', 'complete']
    for (const from of visitStatuses) {
      for (const action of actions) {
        const expected = allowed.find(([f, a]) => f === from && a === action)
        const result = transition(from, action)
        assert.equal(result.ok, expected !== undefined, `${action} from ${from}`)
        if (!result.ok) assert.ok(result.message.length > 10, `a message for ${action} from ${from}`)
      }
    }
  })

  it('R-APPROVE-1 a visit cannot start unapproved', () => {
    for (const from of ['draft', 'awaiting_risk_assessment', 'awaiting_approval', 'refused', 'cancelled'] as const) {
      const result = transition(from, 'start')
      assert.equal(result.ok, false)
      if (!result.ok) assert.match(result.message, /cannot start until it is approved/)
    }
  })

  it('R-RISK-2 a visit cannot be approved before its risk assessment is signed off', () => {
    for (const from of ['draft', 'awaiting_risk_assessment'] as const) {
      const result = transition(from, 'approve')
      assert.deepEqual(result, { ok: false, message: 'This visit cannot be approved until its risk assessment has been signed off.' })
    }
  })

  it('refused, cancelled and finished visits are closed to changes', () => {
    assert.deepEqual(
      visitStatuses.filter((status) => isEditable(status)),
      ['draft', 'awaiting_risk_assessment', 'awaiting_approval', 'approved'],
    )
  })
})

describe('what a change does to a visit on its way', () => {
  const approved = { status: 'approved', riskAssessmentStatus: 'signed_off' } as const

  it('R-APPROVE-1 a change of staff or time sends an approved visit back for approval', () => {
    for (const part of ['staff', 'time'] as const) {
      const effect = effectOfChange(approved, [part])
      assert.equal(effect.sendBackForApproval, true)
      assert.equal(effect.newApprovalRound, true)
      assert.equal(effect.reopenRiskAssessment, false)
    }
    assert.equal(effectOfChange(approved, ['staff', 'time']).because, 'the staff going and the time changed')
  })

  it('R-RISK-2 a new address re-opens a completed risk assessment instead', () => {
    const effect = effectOfChange(approved, ['address'])
    assert.equal(effect.reopenRiskAssessment, true)
    assert.equal(effect.sendBackForApproval, false)
    assert.equal(effect.newApprovalRound, true)
    assert.equal(effect.because, 'the address changed')
  })

  it('R-STAFF-2 becoming a lone visit re-opens the assessment for its lone-working section', () => {
    const effect = effectOfChange(approved, ['staff'], { loneAssessmentMissing: true })
    assert.equal(effect.reopenRiskAssessment, true)
  })

  it('R-ITIN-2 a new code word sends an approved visit back for approval', () => {
    assert.deepEqual(effectOfChange(approved, ['codeWord']), {
      reopenRiskAssessment: false,
      sendBackForApproval: true,
      newApprovalRound: true,
      because: 'the code word changed',
    })
  })

  it('a new contingency plan does not need approval again', () => {
    assert.deepEqual(effectOfChange(approved, ['itinerary']), {
      reopenRiskAssessment: false,
      sendBackForApproval: false,
      newApprovalRound: false,
      because: 'the contingency plan changed',
    })
  })

  it('changes to a draft or an open assessment need nothing re-done', () => {
    assert.equal(effectOfChange({ status: 'draft', riskAssessmentStatus: null }, ['address', 'time']).reopenRiskAssessment, false)
    const open = effectOfChange({ status: 'awaiting_risk_assessment', riskAssessmentStatus: 'open' }, ['address'])
    assert.equal(open.reopenRiskAssessment, false)
    assert.equal(open.sendBackForApproval, false)
  })

  it('a change while awaiting approval starts a new approval round', () => {
    const effect = effectOfChange({ status: 'awaiting_approval', riskAssessmentStatus: 'signed_off' }, ['time'])
    assert.equal(effect.sendBackForApproval, false)
    assert.equal(effect.newApprovalRound, true)
  })
})
