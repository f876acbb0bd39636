import type { VisitOutcome, VisitStatus } from './visit-lifecycle.ts'

/**
 * After the visit (R-REC-1, R-REC-2, R-FOLLOW-1, decision 0021). Pure: no I/O, no clock.
 *
 * A visit's life ends `completed` or `cancelled` when its visitors are back (visit-lifecycle.ts). A visit
 * the visitors went out on needs a record; it is **closed** only once that record is completed:
 *
 *   in_progress ──back at school──▶ completed / cancelled (went out) ──record completed──▶ closed
 *                                     └─ "awaiting its record" until then; overdue after the policy's hours
 *
 * A visit cancelled before anyone left school needs no record (nobody went): it is closed as cancelled.
 */

export const recordStatuses = ['draft', 'completed'] as const
export type RecordStatus = (typeof recordStatuses)[number]

export const recordStatusLabels: Record<RecordStatus, string> = { draft: 'Draft', completed: 'Completed' }

export type VisitForRecord = {
  status: VisitStatus
  /** How the visit at the door turned out; null if the visitors never reached the door. */
  outcome: VisitOutcome | null
  /** When the visitors signed out of school; null if they never left. */
  signedOutAt: Date | null
}

export type Closure =
  /** Not over yet: planned, or the visitors are still out. */
  | { state: 'not_ended' }
  /** Over, with no record needed: cancelled or refused before anyone left school. */
  | { state: 'closed_without_record' }
  /** Over; the record is missing or still a draft. */
  | { state: 'awaiting_record' }
  /** Over, with its record completed. */
  | { state: 'closed' }

/** The visitors went out on this visit (signed out of school), so it needs a record. */
export function needsRecord(visit: VisitForRecord): boolean {
  return (visit.status === 'completed' || visit.status === 'cancelled') && (visit.signedOutAt !== null || visit.outcome !== null)
}

/** May the record be written now? From when the visitors sign out (notes on the phone) until ever after. */
export function mayWriteRecord(visit: VisitForRecord): boolean {
  return visit.status === 'in_progress' || needsRecord(visit)
}

/** Whether the visit is closed, and if not why. "A visit cannot be closed without its record." */
export function closureOf(visit: VisitForRecord, record: { status: RecordStatus } | null): Closure {
  if (visit.status === 'completed' || visit.status === 'cancelled' || visit.status === 'refused') {
    if (!needsRecord(visit)) return { state: 'closed_without_record' }
    return record?.status === 'completed' ? { state: 'closed' } : { state: 'awaiting_record' }
  }
  return { state: 'not_ended' }
}

export const closureLabels: Record<Closure['state'], string> = {
  not_ended: 'The visit is not over yet: its record can be started now',
  closed_without_record: 'Closed: nobody went, so no record is needed',
  awaiting_record: 'Waiting for its visit record',
  closed: 'Closed: the visit record is complete',
}

/** When the record is due: the policy's hours after the visit ended (the visitors back, or the planned end). */
export function recordDueAt(endedAt: Date, completeWithinHours: number): Date {
  return new Date(endedAt.getTime() + completeWithinHours * 3_600_000)
}

/** Overdue: the visit needs a record, it is not completed, and its time has passed. */
export function isRecordOverdue(visit: VisitForRecord, record: { status: RecordStatus } | null, dueAt: Date | null, now: Date): boolean {
  return closureOf(visit, record).state === 'awaiting_record' && dueAt !== null && now.getTime() > dueAt.getTime()
}

/**
 * What completing a record needs (R-REC-1): who was there, the times, and what was discussed. Agreements,
 * concerns and actions may truly be "none", so they are not required. Returns the problems by field.
 */
export function completionProblems(record: {
  present: readonly { name: string; relationship: string }[]
  arrivedAt: Date | null
  leftAt: Date | null
  discussed: string
}, outcome: VisitOutcome | null): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = []
  const metSomeone = outcome !== 'no_contact' && outcome !== 'cancelled_at_door'
  if (metSomeone && record.present.length === 0) problems.push({ field: 'present', message: 'Say who was present before completing the record' })
  if (!record.arrivedAt) problems.push({ field: 'arrivedAt', message: 'Enter the time you arrived before completing the record' })
  if (!record.leftAt) problems.push({ field: 'leftAt', message: 'Enter the time you left before completing the record' })
  if (record.discussed.trim() === '') {
    problems.push({ field: 'discussed', message: metSomeone ? 'Say what was discussed before completing the record' : 'Say what happened (for example, that nobody answered and a card was left) before completing the record' })
  }
  return problems
}

/** R-REC-2: a home visit card is offered when no parent was reached: nobody answered, or the visit was held on the doorstep. */
export function cardOffered(outcome: VisitOutcome | null): boolean {
  return outcome === 'no_contact' || outcome === 'doorstep'
}

// ---------------------------------------------------------------- follow-up actions (R-FOLLOW-1)

export const actionStatuses = ['open', 'done'] as const
export type ActionStatus = (typeof actionStatuses)[number]

/** An open action is overdue the day after its due date (UK dates, YYYY-MM-DD). */
export function isActionOverdue(action: { status: ActionStatus; dueOn: string }, today: string): boolean {
  return action.status === 'open' && action.dueOn < today
}

/** A new action may not be due in the past. */
export function dueDateProblem(dueOn: string, today: string): string | null {
  return dueOn < today ? 'The due date must be today or in the future' : null
}
