import type { Policy } from '../policy/schema.ts'
import { formatDate } from './dates.ts'
import { londonDate } from './hours.ts'

/** What the visit plan records about telling the parents (R-NOTICE-1). */
export type NoticeRecord = {
  /** When the parents were told of the visit; null or absent when they were not. */
  parentsToldAt?: Date | null
  choiceOfTimesOffered?: boolean
  /** An allowed exception from the policy's list, with the reason it applies to this visit. */
  exception?: { id: string; reason: string } | null
}

export type NoticeCheck =
  | { satisfied: true; basis: 'not_required' | 'parents_told' | 'exception'; text: string }
  | { satisfied: false; problems: string[] }

/** R-NOTICE-1: have the parents been told in advance (with a choice of times), or is an allowed exception recorded? */
export function checkNotice(policy: Policy, record: NoticeRecord, visitStartsAt: Date): NoticeCheck {
  const { notice } = policy
  if (!notice.required) return { satisfied: true, basis: 'not_required', text: 'This policy does not require parents to be told in advance.' }
  if (record.exception) return checkException(policy, record.exception)

  const problems: string[] = []
  const toldAt = record.parentsToldAt ?? null
  if (toldAt === null) {
    problems.push(noticeMissing(policy))
  } else if (toldAt.getTime() >= visitStartsAt.getTime()) {
    problems.push('The parents must be told before the visit starts. Record when they were told, or record an allowed exception.')
  }
  if (notice.choiceOfTimes && !record.choiceOfTimesOffered) {
    problems.push('This policy asks for the parents to be offered a choice of times. Record that a choice was offered.')
  }
  if (problems.length > 0) return { satisfied: false, problems }
  return { satisfied: true, basis: 'parents_told', text: `The parents were told on ${formatDate(londonDate(toldAt ?? visitStartsAt))}.` }
}

function checkException(policy: Policy, exception: { id: string; reason: string }): NoticeCheck {
  const allowed = policy.notice.exceptions.find((candidate) => candidate.id === exception.id)
  if (!allowed) {
    return { satisfied: false, problems: [`"${exception.id}" is not an exception this policy allows. ${exceptionsList(policy)}`] }
  }
  if (!exception.reason.trim()) {
    return { satisfied: false, problems: [`Explain why "${allowed.label}" applies to this visit.`] }
  }
  return { satisfied: true, basis: 'exception', text: `Visiting without notice: ${allowed.label}. Reason: ${exception.reason.trim()}` }
}

function noticeMissing(policy: Policy): string {
  return `The parents have not been told about this visit. Tell them in advance, or record an allowed exception. ${exceptionsList(policy)}`
}

function exceptionsList(policy: Policy): string {
  const { exceptions } = policy.notice
  if (exceptions.length === 0) return 'This policy allows no exceptions.'
  return `The allowed exceptions are: ${exceptions.map((exception) => exception.label).join('; ')}.`
}

/** R-NOTICE-2: the message to show before a new visit is planned for a family that has declined visits. */
export function familyDeclinedWarning(policy: Policy, declinedOn: string | null): string | null {
  if (declinedOn === null) return null
  const right = policy.family.mayDeclineVisits ? ' This policy accepts a family’s right not to want a home visit.' : ''
  return `This family declined home visits on ${formatDate(declinedOn)}.${right} Consider inviting them into school instead.`
}
