import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cardOffered, closureOf, completionProblems, dueDateProblem, isActionOverdue, isRecordOverdue, mayWriteRecord, needsRecord, recordDueAt, type VisitForRecord } from './visit-record.ts'

const out = new Date('2026-11-25T13:30:00Z')
const completed: VisitForRecord = { status: 'completed', outcome: 'contact', signedOutAt: out }
const noContact: VisitForRecord = { status: 'cancelled', outcome: 'no_contact', signedOutAt: out }
const cancelledAhead: VisitForRecord = { status: 'cancelled', outcome: null, signedOutAt: null }

describe('the visit record and closing a visit (R-REC-1)', () => {
  it('R-REC-1 a completed visit is closed only once its record is completed', () => {
    assert.deepEqual(closureOf(completed, null), { state: 'awaiting_record' })
    assert.deepEqual(closureOf(completed, { status: 'draft' }), { state: 'awaiting_record' })
    assert.deepEqual(closureOf(completed, { status: 'completed' }), { state: 'closed' })
  })

  it('R-REC-1 a visit the visitors went out on and that ended cancelled (no contact) also needs its record', () => {
    assert.equal(needsRecord(noContact), true)
    assert.deepEqual(closureOf(noContact, null), { state: 'awaiting_record' })
  })

  it('R-REC-1 a visit cancelled before anyone left school, or refused, needs no record', () => {
    assert.equal(needsRecord(cancelledAhead), false)
    assert.deepEqual(closureOf(cancelledAhead, null), { state: 'closed_without_record' })
    assert.deepEqual(closureOf({ status: 'refused', outcome: null, signedOutAt: null }, null), { state: 'closed_without_record' })
  })

  it('R-REC-1 a visit not yet over is not closed, and its record can be started once the visitors are out', () => {
    for (const status of ['draft', 'approved', 'in_progress'] as const) {
      assert.deepEqual(closureOf({ status, outcome: null, signedOutAt: null }, { status: 'completed' }), { state: 'not_ended' })
    }
    assert.equal(mayWriteRecord({ status: 'approved', outcome: null, signedOutAt: null }), false)
    assert.equal(mayWriteRecord({ status: 'in_progress', outcome: null, signedOutAt: out }), true)
    assert.equal(mayWriteRecord(completed), true)
    assert.equal(mayWriteRecord(cancelledAhead), false)
  })

  it('R-REC-1 the record is due the policy’s hours after the visit ended, and overdue only after that while not completed', () => {
    const ended = new Date('2026-11-25T15:30:00Z')
    const due = recordDueAt(ended, 24)
    assert.equal(due.toISOString(), '2026-11-26T15:30:00.000Z')
    assert.equal(recordDueAt(ended, 48).toISOString(), '2026-11-27T15:30:00.000Z')
    assert.equal(isRecordOverdue(completed, null, due, new Date('2026-11-26T15:30:00Z')), false)
    assert.equal(isRecordOverdue(completed, null, due, new Date('2026-11-26T15:31:00Z')), true)
    assert.equal(isRecordOverdue(completed, { status: 'draft' }, due, new Date('2026-11-27T09:00:00Z')), true)
    assert.equal(isRecordOverdue(completed, { status: 'completed' }, due, new Date('2026-11-27T09:00:00Z')), false)
    assert.equal(isRecordOverdue(cancelledAhead, null, due, new Date('2026-11-27T09:00:00Z')), false)
  })

  it('R-REC-1 completing needs who was present, the times and what was discussed; a visit with no contact needs nobody present', () => {
    const empty = { present: [], arrivedAt: null, leftAt: null, discussed: ' ' }
    assert.deepEqual(completionProblems(empty, 'contact').map((p) => p.field), ['present', 'arrivedAt', 'leftAt', 'discussed'])
    assert.deepEqual(completionProblems(empty, 'no_contact').map((p) => p.field), ['arrivedAt', 'leftAt', 'discussed'])
    assert.match(completionProblems(empty, 'no_contact').at(-1)!.message, /card was left/)
    const full = { present: [{ name: 'Hannah Ward', relationship: 'Mother' }], arrivedAt: out, leftAt: out, discussed: 'Attendance plan' }
    assert.deepEqual(completionProblems(full, 'contact'), [])
  })

  it('R-REC-2 the home visit card is offered when no parent was reached', () => {
    assert.equal(cardOffered('no_contact'), true)
    assert.equal(cardOffered('doorstep'), true)
    assert.equal(cardOffered('contact'), false)
    assert.equal(cardOffered(null), false)
  })
})

describe('follow-up actions (R-FOLLOW-1)', () => {
  it('R-FOLLOW-1 an open action is overdue the day after its due date; a done one never', () => {
    assert.equal(isActionOverdue({ status: 'open', dueOn: '2026-11-25' }, '2026-11-25'), false)
    assert.equal(isActionOverdue({ status: 'open', dueOn: '2026-11-25' }, '2026-11-26'), true)
    assert.equal(isActionOverdue({ status: 'done', dueOn: '2026-11-01' }, '2026-11-26'), false)
  })

  it('R-FOLLOW-1 a new action may not be due in the past', () => {
    assert.equal(dueDateProblem('2026-11-24', '2026-11-25'), 'The due date must be today or in the future')
    assert.equal(dueDateProblem('2026-11-25', '2026-11-25'), null)
  })
})
