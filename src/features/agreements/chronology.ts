import { formatDate } from '../../domain/dates.ts'
import type { ChronologyEntry, ChronologySource } from '../chronology/types.ts'
import { noticesOfPupil } from '../cancellations/notice.ts'
import { agreementsOfPupil, lettersOfPupil, reviewsOfPupil } from './repository.ts'

/**
 * This feature's entries in a pupil's chronology (R-REC-3; the types are src/features/chronology's).
 * Agreements, their letters and cancellations are not safeguarding detail: every role that reads the pupil's
 * page reads these entries (the chronology itself decides who reads the pupil's page).
 */

/** Each agreement when it was made, and each of its reviews. */
export const agreementChronology: ChronologySource = async (db, schoolId, pupilId) => {
  const entries: ChronologyEntry[] = []
  for (const agreement of await agreementsOfPupil(db, schoolId, pupilId)) {
    entries.push({
      at: agreement.createdAt,
      category: 'Agreement',
      who: `${agreement.createdByName} with ${agreement.adults.map((a) => a.name).join(' and ')}`,
      what: `Agreed on ${formatDate(agreement.agreedOn)}: ${agreement.text}`,
      actions: agreement.status === 'open' ? `Review on ${formatDate(agreement.reviewOn)}` : agreement.status === 'kept' ? 'Kept' : 'Withdrawn',
      href: `/agreements/${agreement.id}`,
    })
  }
  for (const review of await reviewsOfPupil(db, schoolId, pupilId)) {
    entries.push({
      at: review.reviewedAt,
      category: 'Agreement review',
      who: review.reviewedByName,
      what: `${review.outcome === 'kept' ? 'Kept' : 'Not kept'}: ${review.text}${review.note ? ` (${review.note})` : ''}`,
      actions: review.nextReviewOn ? `Reminder letter; next review on ${formatDate(review.nextReviewOn)}` : 'None',
      href: `/agreements/${review.agreementId}`,
    })
  }
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime())
}

/** Each reminder letter when it was produced, and when it was posted. */
export const letterChronology: ChronologySource = async (db, schoolId, pupilId) => {
  const entries: ChronologyEntry[] = []
  for (const letter of await lettersOfPupil(db, schoolId, pupilId)) {
    entries.push({
      at: letter.producedAt,
      category: 'Letter',
      who: letter.producedByName,
      what: `Reminder letter to ${letter.addressedTo} about an agreement not kept`,
      actions: letter.postedAt ? `Posted ${formatDate(letter.postedAt.toISOString().slice(0, 10))} by ${letter.postedByName}` : 'To post',
      href: `/agreements/${letter.agreementId}#letters`,
    })
  }
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime())
}

/** Each visit of the pupil's cancelled in writing (R-CANCEL-1). */
export const cancellationChronology: ChronologySource = async (db, schoolId, pupilId) =>
  (await noticesOfPupil(db, schoolId, pupilId)).map((notice) => ({
    at: notice.cancelledAt,
    category: 'Visit cancelled',
    who: notice.cancelledByName,
    what: `${notice.momentLabel}: ${notice.summary}`,
    actions: `Notice sent in writing to ${notice.recipientNames.join(', ') || 'the policy’s recipients'}`,
    href: `/visits/${notice.visitId}`,
  }))

