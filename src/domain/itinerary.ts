import { addMinutes } from './dates.ts'

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
