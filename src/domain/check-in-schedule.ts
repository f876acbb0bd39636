import type { Policy } from '../policy/schema.ts'
import { addMinutes } from './dates.ts'
import type { Itinerary } from './itinerary.ts'

export type { Itinerary } from './itinerary.ts'

/** The moments a check-in can answer, in the order they happen. */
export const checkInKinds = ['leaving_school', 'arrival', 'first_check', 'interval', 'end', 'return'] as const
export type CheckInKind = (typeof checkInKinds)[number]

/** A check-in made (or an office call recorded), and which due check-in it answered. */
export type CheckInRecord = { kind: CheckInKind; at: Date }

export type CheckInInitiator = 'office' | 'visitor'

export type DueCheckIn = {
  kind: CheckInKind
  label: string
  /** Who makes the contact: the office calls (R-CHECK-2), or the visitors check in. */
  initiatedBy: CheckInInitiator
  dueAt: Date
  /** When to prompt whoever initiates it. */
  remindAt: Date
  /** After this, the check-in is missed and escalation starts (R-ESC-1). */
  overdueAt: Date
}

/**
 * R-CHECK-1, R-CHECK-2: the next check-in the policy asks for, given the check-ins so far.
 * Interval check-ins run from the last contact, so an early or late check-in moves the next one;
 * a changed itinerary (R-CHECK-3) moves the fixed moments. Null when monitoring has ended.
 */
export function nextCheckIn(policy: Policy, itinerary: Itinerary, checkIns: readonly CheckInRecord[]): DueCheckIn | null {
  const latestDone = Math.max(-1, ...checkIns.map((checkIn) => checkInKinds.indexOf(checkIn.kind)))
  for (const kind of checkInKinds) {
    const order = checkInKinds.indexOf(kind)
    const repeatable = kind === 'interval' && order >= latestDone
    if (order <= latestDone && !repeatable) continue
    const dueAt = dueTime(policy, itinerary, checkIns, kind)
    if (dueAt) return describe(policy, itinerary, kind, dueAt)
  }
  return null
}

/** The whole plan for a visit if every check-in is made exactly on time — for the briefing and the office board. */
export function plannedCheckIns(policy: Policy, itinerary: Itinerary): DueCheckIn[] {
  const plan: DueCheckIn[] = []
  const made: CheckInRecord[] = []
  for (let next = nextCheckIn(policy, itinerary, made); next; next = nextCheckIn(policy, itinerary, made)) {
    plan.push(next)
    made.push({ kind: next.kind, at: next.dueAt })
  }
  return plan
}

export type CheckInState = 'upcoming' | 'reminder' | 'due' | 'overdue'

/** Where the next check-in stands at `now`: upcoming, time to remind, due, or overdue (missed). */
export function checkInStatus(
  policy: Policy,
  itinerary: Itinerary,
  checkIns: readonly CheckInRecord[],
  now: Date,
): { next: DueCheckIn; state: CheckInState } | null {
  const next = nextCheckIn(policy, itinerary, checkIns)
  if (!next) return null
  const time = now.getTime()
  const state: CheckInState =
    time < next.remindAt.getTime() ? 'upcoming' : time < next.dueAt.getTime() ? 'reminder' : time < next.overdueAt.getTime() ? 'due' : 'overdue'
  return { next, state }
}

function dueTime(policy: Policy, itinerary: Itinerary, checkIns: readonly CheckInRecord[], kind: CheckInKind): Date | null {
  const rules = policy.checkIns
  switch (kind) {
    case 'leaving_school':
      return rules.atLeavingSchool ? itinerary.leaveSchoolAt : null
    case 'arrival':
      return rules.atArrival ? itinerary.arriveAt : null
    case 'first_check': {
      if (!rules.firstCheck) return null
      // From the scheduled start (Westside's office call), or from when the visitors said they arrived.
      const from = rules.firstCheck.from === 'arrival' ? (latest(checkIns, ['arrival']) ?? itinerary.arriveAt) : itinerary.scheduledStart
      return addMinutes(from, rules.firstCheck.minutesAfter)
    }
    case 'interval': {
      if (rules.repeatEveryMinutes === null || rules.repeatEveryMinutes <= 0) return null
      const lastContact = latest(checkIns, ['arrival', 'first_check', 'interval']) ?? itinerary.arriveAt
      const dueAt = addMinutes(lastContact, rules.repeatEveryMinutes)
      return dueAt.getTime() < itinerary.endAt.getTime() ? dueAt : null
    }
    case 'end':
      return rules.atEnd || itinerary.backAtSchoolAt === null ? itinerary.endAt : null
    case 'return':
      return rules.atReturn ? itinerary.backAtSchoolAt : null
  }
}

function describe(policy: Policy, itinerary: Itinerary, kind: CheckInKind, dueAt: Date): DueCheckIn {
  const rules = policy.checkIns
  const initiatedBy = kind === 'first_check' && rules.firstCheck ? rules.firstCheck.initiatedBy : rules.initiatedBy
  return {
    kind,
    label: labelFor(kind, itinerary, initiatedBy),
    initiatedBy,
    dueAt,
    remindAt: addMinutes(dueAt, -rules.reminderMinutesBefore),
    overdueAt: addMinutes(dueAt, rules.graceMinutes),
  }
}

function labelFor(kind: CheckInKind, itinerary: Itinerary, initiatedBy: CheckInInitiator): string {
  switch (kind) {
    case 'leaving_school':
      return 'Leaving school'
    case 'arrival':
      return 'Arrived at the visit'
    case 'first_check':
      return initiatedBy === 'office' ? 'Office call to the visitors' : 'First check-in'
    case 'interval':
      return 'Routine check-in'
    case 'end':
      return itinerary.backAtSchoolAt === null ? 'Left the visit (not returning to school)' : 'Visit ended'
    case 'return':
      return 'Back at school'
  }
}

function latest(checkIns: readonly CheckInRecord[], kinds: readonly CheckInKind[]): Date | null {
  const times = checkIns.filter((checkIn) => kinds.includes(checkIn.kind)).map((checkIn) => checkIn.at.getTime())
  return times.length === 0 ? null : new Date(Math.max(...times))
}
