/**
 * Why a visit was cancelled (R-CANCEL-1): one list, used when a visit is cancelled while it is being
 * planned, at the door, and when Doorstep ends the wait for parents (R-WAIT-1/2). Pure: no I/O.
 */
export const cancellationReasons = ['felt_unsafe', 'animals_not_kept_away', 'parents_absent', 'parents_too_late', 'family_declined', 'other'] as const
export type CancellationReason = (typeof cancellationReasons)[number]

/** As a visitor says it at the door. */
export const cancellationReasonLabels: Record<CancellationReason, string> = {
  felt_unsafe: 'We felt unsafe',
  animals_not_kept_away: 'Animals were not kept away',
  parents_absent: 'The parents were not there after the wait',
  parents_too_late: 'The parents were too late',
  family_declined: 'The family declined the visit',
  other: 'Another reason',
}

/** As the written notice puts it, in the third person. */
export const cancellationReasonInWriting: Record<CancellationReason, string> = {
  felt_unsafe: 'the staff felt unsafe',
  animals_not_kept_away: 'animals at the home were not kept away',
  parents_absent: 'the parents were not there after the wait',
  parents_too_late: 'the parents arrived too late',
  family_declined: 'the family declined the visit',
  other: 'another reason',
}

/**
 * R-CANCEL-1: the reasons the policies require in writing ("a visit cancelled for safety, animals, absence or
 * refusal"). "Another reason" (the pupil is back in school, the meeting moved into school) is kept on the visit
 * with its words but sends no notice (docs/decisions/0023).
 */
const inWriting: ReadonlySet<CancellationReason> = new Set(['felt_unsafe', 'animals_not_kept_away', 'parents_absent', 'parents_too_late', 'family_declined'])

export function needsWrittenNotice(reason: CancellationReason): boolean {
  return inWriting.has(reason)
}

export function isCancellationReason(value: unknown): value is CancellationReason {
  return typeof value === 'string' && (cancellationReasons as readonly string[]).includes(value)
}

/** The wait limit passed (R-WAIT-1/2): nobody came to the door, or the parents who said they were on their way did not arrive in time. */
export function reasonForWaitLimit(because: 'not_present' | 'running_late'): CancellationReason {
  return because === 'not_present' ? 'parents_absent' : 'parents_too_late'
}

/** What a cancellation needs besides its reason: words for "other". Returns the problem, or null. */
export function cancellationProblem(reason: CancellationReason | undefined, detail: string): { field: 'cancelReason' | 'reason'; message: string } | null {
  if (!reason) return { field: 'cancelReason', message: 'Choose why the visit is cancelled' }
  if (reason === 'other' && !detail.trim()) return { field: 'reason', message: 'Say why the visit is cancelled' }
  return null
}

/** "The staff felt unsafe" / "Another reason: the pupil is back in school", for the visit and the notice. */
export function describeCancellation(reason: CancellationReason, detail: string): string {
  const words = cancellationReasonLabels[reason]
  return detail.trim() ? `${words}: ${detail.trim()}` : words
}
