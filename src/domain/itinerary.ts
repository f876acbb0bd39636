import { addMinutes, formatDate } from './dates.ts'
import { londonDate } from './hours.ts'

/**
 * The visit's times (R-ITIN-1), built in one place from a visit. `scheduledStart` is the time agreed
 * with the family (Westside's office call counts from it); `arriveAt` is when the visitors expect to
 * reach the address, which may be earlier. `backAtSchoolAt` is null when they will not return (R-SIGN-2).
 *
 *   leaveSchoolAt ≤ arriveAt ≤ scheduledStart < endAt ≤ backAtSchoolAt
 */
export type Itinerary = { leaveSchoolAt: Date; arriveAt: Date; scheduledStart: Date; endAt: Date; backAtSchoolAt: Date | null }

/** The times a visit holds: the plan's columns, any of which may be blank on a draft. */
export type VisitTimes = {
  plannedStart: Date | null
  plannedEnd: Date | null
  leaveSchoolAt: Date | null
  arriveAt: Date | null
  finishAt: Date | null
  backAtSchoolAt: Date | null
}

/**
 * The itinerary of a planned visit, or null while it has no start and end. Blank moments follow the
 * visit: arrival defaults to the start, leaving school to arrival, leaving the address to the end.
 */
export function itineraryOf(visit: VisitTimes): Itinerary | null {
  if (!visit.plannedStart || !visit.plannedEnd) return null
  const arriveAt = visit.arriveAt ?? visit.plannedStart
  return {
    leaveSchoolAt: visit.leaveSchoolAt ?? arriveAt,
    arriveAt,
    scheduledStart: visit.plannedStart,
    endAt: visit.finishAt ?? visit.plannedEnd,
    backAtSchoolAt: visit.backAtSchoolAt,
  }
}

/**
 * R-CHECK-3: the visitors are running late or need more time. Every moment still ahead (at or after
 * `now`) moves by `minutes`; moments already past stay where they were.
 */
export function shiftItinerary(itinerary: Itinerary, minutes: number, now: Date): Itinerary {
  const move = (at: Date) => (at.getTime() >= now.getTime() ? addMinutes(at, minutes) : at)
  return {
    leaveSchoolAt: move(itinerary.leaveSchoolAt),
    arriveAt: move(itinerary.arriveAt),
    scheduledStart: move(itinerary.scheduledStart),
    endAt: move(itinerary.endAt),
    backAtSchoolAt: itinerary.backAtSchoolAt && move(itinerary.backAtSchoolAt),
  }
}

/** Leaving school later than planned moves everything after it by the same amount (never earlier). */
export function itineraryFromSignOut(itinerary: Itinerary, signedOutAt: Date): { itinerary: Itinerary; lateByMinutes: number } {
  const lateByMinutes = Math.floor((signedOutAt.getTime() - itinerary.leaveSchoolAt.getTime()) / 60_000)
  if (lateByMinutes <= 0) return { itinerary, lateByMinutes: 0 }
  return { itinerary: shiftItinerary(itinerary, lateByMinutes, itinerary.leaveSchoolAt), lateByMinutes }
}

/**
 * R-SIGN-1: visitors cannot sign out before the day the visit is planned for. Its times, and so every
 * check-in and the alarm for a missed one, are that day's: a visit signed out a week early would not be
 * watched at all today. (Signing out later than planned, even on a later day, moves the times to match.)
 */
export function signOutTooEarly(itinerary: Itinerary, now: Date): string | null {
  const planned = londonDate(itinerary.leaveSchoolAt)
  if (londonDate(now) >= planned) return null
  return `This visit is planned for ${formatDate(planned)}. Sign out on that day: its check-ins are set for then, so Doorstep would not watch it today. To go today, change the visit's date first.`
}
