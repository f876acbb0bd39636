import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { afterReview, isReviewDue } from './agreements.ts'
import { cancellationProblem, cancellationReasons, describeCancellation, needsWrittenNotice, reasonForWaitLimit } from './cancellation.ts'
import { reviewPeriodOf } from './feedback.ts'
import { defaultLetterTemplate, fillTemplate, fullNameOf, letterPlaceholders, salutationOf, templateProblems, unknownPlaceholders, type LetterValues } from './letter-template.ts'

describe('cancellation reasons', () => {
  it('R-CANCEL-1 the reasons the policies want in writing send a notice; "another reason" does not', () => {
    assert.deepEqual(cancellationReasons.filter(needsWrittenNotice), ['felt_unsafe', 'animals_not_kept_away', 'parents_absent', 'parents_too_late', 'family_declined'])
  })
  it('R-CANCEL-1 R-WAIT-1 R-WAIT-2 the end of the wait is absence, or lateness', () => {
    assert.equal(reasonForWaitLimit('not_present'), 'parents_absent')
    assert.equal(reasonForWaitLimit('running_late'), 'parents_too_late')
  })
  it('R-CANCEL-1 a reason is needed, and words for another reason', () => {
    for (const [reason, detail, expected] of [
      [undefined, '', 'Choose why the visit is cancelled'],
      ['other', '  ', 'Say why the visit is cancelled'],
      ['other', 'Back in school', null],
      ['felt_unsafe', '', null],
    ] as const) assert.equal(cancellationProblem(reason, detail)?.message ?? null, expected)
    assert.equal(describeCancellation('felt_unsafe', ''), 'We felt unsafe')
    assert.equal(describeCancellation('other', ' Back in school '), 'Another reason: Back in school')
  })
})

describe('agreement reviews', () => {
  const both = { agreementReminderLetters: true, followUpVisitOnContinuedFailure: true }
  it('R-AGREE-1 kept closes it; not kept asks for letters and a new date; the second not-kept review drafts a follow-up visit, once', () => {
    assert.deepEqual(afterReview('kept', 1, both), { status: 'kept', reminderLetters: false, followUpVisit: false, needsNextReview: false })
    assert.deepEqual(afterReview('not_kept', 0, both), { status: 'open', reminderLetters: true, followUpVisit: false, needsNextReview: true })
    assert.equal(afterReview('not_kept', 1, both).followUpVisit, true)
    assert.equal(afterReview('not_kept', 2, both).followUpVisit, false)
  })
  it('R-AGREE-1 the policy decides: no letters and no follow-up where it says so', () => {
    assert.deepEqual(afterReview('not_kept', 1, { agreementReminderLetters: false, followUpVisitOnContinuedFailure: false }), { status: 'open', reminderLetters: false, followUpVisit: false, needsNextReview: true })
  })
  it('R-AGREE-1 a review is due on its date and after, while the agreement is open', () => {
    assert.equal(isReviewDue({ status: 'open', reviewOn: '2026-11-25' }, '2026-11-25'), true)
    assert.equal(isReviewDue({ status: 'open', reviewOn: '2026-11-26' }, '2026-11-25'), false)
    assert.equal(isReviewDue({ status: 'kept', reviewOn: '2026-11-01' }, '2026-11-25'), false)
  })
})

describe('the reminder letter template', () => {
  const values: LetterValues = {
    'adult.title': 'Mr', 'adult.name': 'Mr Paweł Wiśniewski', 'adult.salutation': 'Mr Wiśniewski', 'pupil.name': 'Maja Wiśniewska',
    'agreement.text': 'On time every day', 'agreement.date': '11 November 2026', 'review.date': '25 November 2026', 'school.name': 'Westside School', today: '25 November 2026',
  }
  it('R-AGREE-1 unknown placeholders are named, each once; broken braces are refused; the default template is clean', () => {
    assert.deepEqual(unknownPlaceholders('{{adult.surname}} {{ child.name }} {{adult.surname}} {{pupil.name}}'), ['adult.surname', 'child.name'])
    assert.deepEqual(templateProblems(defaultLetterTemplate), [])
    assert.deepEqual(templateProblems('Dear {{adult.name}, hi'), ['Each placeholder needs two braces on both sides, like {{pupil.name}}'])
    assert.deepEqual(templateProblems('   '), ['Enter the text of the letter'])
    assert.match(templateProblems('{{constructor}}')[0]!, /This placeholder is not known: \{\{constructor\}\}/)
    for (const name of Object.keys(letterPlaceholders)) assert.deepEqual(unknownPlaceholders(`{{${name}}}`), [])
  })
  it('R-AGREE-1 R-FAMILY-1 filled for each adult with their own title and name, never the child’s surname', () => {
    assert.equal(fillTemplate('Dear {{adult.salutation}}, about {{ pupil.name }}.', values), 'Dear Mr Wiśniewski, about Maja Wiśniewska.')
    assert.ok(!fillTemplate(defaultLetterTemplate, values).includes('{{'))
    assert.equal(salutationOf({ title: 'Mrs', firstName: 'Katarzyna', lastName: 'Wiśniewska' }), 'Mrs Wiśniewska')
    assert.equal(salutationOf({ title: '', firstName: 'Sam', lastName: 'Okoro' }), 'Sam Okoro')
    assert.equal(fullNameOf({ title: ' ', firstName: 'Sam', lastName: 'Okoro' }), 'Sam Okoro')
  })
})

describe('feedback periods', () => {
  it('R-FEEDBACK-1 R-GOV-2 the period runs from the last review to the next review date, or a cycle after the last', () => {
    assert.deepEqual(reviewPeriodOf({ lastReviewedOn: '2025-09-01', nextReviewDate: '2026-09-01', cycleMonths: 12 }), { from: '2025-09-01', to: '2026-09-01' })
    assert.deepEqual(reviewPeriodOf({ lastReviewedOn: '2024-01-31', nextReviewDate: null, cycleMonths: 1 }), { from: '2024-01-31', to: '2024-02-29' })
  })
})
