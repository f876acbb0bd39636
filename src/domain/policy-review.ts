import { addMonthsIso, addDaysIso } from './attendance.ts'

/**
 * When a school's home-visit policy is next reviewed (R-GOV-2): the policy's next review date, or one review
 * cycle after the last review when none is set. The headteacher is reminded `REMIND_DAYS_BEFORE` days before.
 */
export const REMIND_DAYS_BEFORE = 30

export type ReviewSetting = { cycleMonths: number; lastReviewedOn: string; nextReviewDate: string | null }
export type ReviewStatus = { dueOn: string; remindFrom: string; state: 'overdue' | 'due_soon' | 'not_yet'; daysLeft: number }

const dayNumber = (date: string) => Math.round(new Date(`${date}T00:00:00Z`).getTime() / 86_400_000)

export function reviewStatus(review: ReviewSetting, today: string): ReviewStatus {
  const dueOn = review.nextReviewDate ?? addMonthsIso(review.lastReviewedOn, review.cycleMonths)
  const remindFrom = addDaysIso(dueOn, -REMIND_DAYS_BEFORE)
  const daysLeft = dayNumber(dueOn) - dayNumber(today)
  return { dueOn, remindFrom, daysLeft, state: today > dueOn ? 'overdue' : today >= remindFrom ? 'due_soon' : 'not_yet' }
}
