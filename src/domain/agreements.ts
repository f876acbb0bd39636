/**
 * Agreements with parents (R-AGREE-1): what follows a review. Pure: no I/O.
 *
 *   open ──review: kept──▶ kept
 *     └──review: not kept──▶ open again, with a new review date; a reminder letter for each adult (if the policy
 *                             sends them); at the second not-kept review of the same agreement, a follow-up visit
 *                             is drafted (if the policy says continued failure leads to one).
 */
export const agreementStatuses = ['open', 'kept', 'withdrawn'] as const
export type AgreementStatus = (typeof agreementStatuses)[number]
export const agreementStatusLabels: Record<AgreementStatus, string> = { open: 'Open', kept: 'Kept', withdrawn: 'Withdrawn' }

export type ReviewOutcome = 'kept' | 'not_kept'

/** "Continued failure" (docs/decisions/0023): this many not-kept reviews of the same agreement, counting this one. */
export const CONTINUED_FAILURE_REVIEWS = 2

export type AfterReview = {
  status: AgreementStatus
  /** Reminder letters to produce for this review. */
  reminderLetters: boolean
  /** Draft a follow-up visit now. */
  followUpVisit: boolean
  /** A new review date must be given. */
  needsNextReview: boolean
}

export function afterReview(
  outcome: ReviewOutcome,
  notKeptBefore: number,
  policy: { agreementReminderLetters: boolean; followUpVisitOnContinuedFailure: boolean },
): AfterReview {
  if (outcome === 'kept') return { status: 'kept', reminderLetters: false, followUpVisit: false, needsNextReview: false }
  const notKept = notKeptBefore + 1
  return {
    status: 'open',
    reminderLetters: policy.agreementReminderLetters,
    followUpVisit: policy.followUpVisitOnContinuedFailure && notKept === CONTINUED_FAILURE_REVIEWS,
    needsNextReview: true,
  }
}

/** Whether a review is due: open and its review date is today or has passed (dates are YYYY-MM-DD). */
export function isReviewDue(agreement: { status: AgreementStatus; reviewOn: string }, today: string): boolean {
  return agreement.status === 'open' && agreement.reviewOn <= today
}
