/**
 * Staff feedback after a visit (R-FEEDBACK-1, R-GOV-2): a short optional question set, gathered for the
 * policy's review. Pure: no I/O.
 */
export const feedbackQuestions = {
  feltSafe: { question: 'Did you feel safe during the visit?', answers: { yes: 'Yes', mostly: 'Mostly', no: 'No' } },
  briefingEnough: { question: 'Did the briefing tell you what you needed to know?', answers: { yes: 'Yes', partly: 'Partly', no: 'No' } },
  checkInsWorked: { question: 'Did the check-ins with the school work?', answers: { yes: 'Yes', partly: 'Partly', no: 'No' } },
} as const
export type FeedbackQuestion = keyof typeof feedbackQuestions

/**
 * The policy-review period a moment falls in: from the policy's last review to its next review date (or, with no
 * date set, cycleMonths after the last review). Feedback is stored with the period's start, so the head's summary
 * for the review reads the answers given since the policy was last reviewed.
 */
export function reviewPeriodOf(review: { lastReviewedOn: string; nextReviewDate: string | null; cycleMonths: number }): { from: string; to: string } {
  return { from: review.lastReviewedOn, to: review.nextReviewDate ?? addMonths(review.lastReviewedOn, review.cycleMonths) }
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(y, m - 1 + months, d))
  if (target.getUTCDate() !== d) target.setUTCDate(0)
  return target.toISOString().slice(0, 10)
}
