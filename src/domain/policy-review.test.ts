import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { reviewStatus } from './policy-review.ts'

describe('the policy review date', () => {
  it('R-GOV-2 due on the policy’s review date, or one cycle after the last review; a reminder from 30 days before', () => {
    const set = { cycleMonths: 12, lastReviewedOn: '2025-11-25', nextReviewDate: '2026-11-25' }
    assert.deepEqual(reviewStatus(set, '2026-10-25'), { dueOn: '2026-11-25', remindFrom: '2026-10-26', daysLeft: 31, state: 'not_yet' })
    assert.equal(reviewStatus(set, '2026-10-26').state, 'due_soon')
    assert.equal(reviewStatus(set, '2026-11-25').state, 'due_soon', 'due today is not yet overdue')
    assert.equal(reviewStatus(set, '2026-11-26').state, 'overdue')
    assert.equal(reviewStatus(set, '2026-11-26').daysLeft, -1)
    const noDate = { cycleMonths: 36, lastReviewedOn: '2024-02-29', nextReviewDate: null }
    assert.equal(reviewStatus(noDate, '2026-01-01').dueOn, '2027-02-28', 'a cycle from 29 February ends on the last day of February')
  })
})
