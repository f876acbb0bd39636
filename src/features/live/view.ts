import type { Db } from '../../db/pool.ts'
import type { Itinerary } from '../../domain/itinerary.ts'
import type { Policy } from '../../policy/schema.ts'
import { checkInStatus } from '../../domain/check-in-schedule.ts'
import { formatMinutes } from '../../domain/dates.ts'
import { londonTime } from '../../domain/hours.ts'
import { alarmEscalation, alarmKindLabels, seesAlarmsOf, waitLimit, watchesVisit } from '../../domain/monitoring.ts'
import { liveActionLabels, liveActionsFrom, liveStageLabels, visitOutcomeLabels, type LiveAction } from '../../domain/visit-lifecycle.ts'
import type { Viewer } from '../visits/service.ts'
import { alarmsOfVisit, checkInsOf, visitorsOf, type AlarmRow, type CheckInRow, type LiveStaff, type LiveVisitRow } from './repository.ts'
import { cancelReasons, entryChecks, tutoringRooms } from './service.ts'
import { currentItinerary } from './write-path.ts'
import { findLiveVisit } from './repository.ts'

/** What the visit's day looks like to the person reading it: the visit page's panel and the phone page. */
export type LiveView = {
  visitId: string
  status: string
  stage: string | null
  stageLabel: string
  outcome: string | null
  /** "Next: routine check-in by 10:30 (in 25 minutes)" */
  next: { label: string; dueAt: Date; overdueAt: Date; state: string; byOffice: boolean; text: string } | null
  wait: { until: Date; text: string } | null
  expected: { endAt: Date; backAt: Date | null } | null
  /** The itinerary the visit runs to (the plan's until they sign out). */
  planned: Itinerary | null
  actions: Array<{ action: LiveAction; slug: string; label: string }>
  mayCheckIn: boolean
  isVisitor: boolean
  isWatcher: boolean
  /**
   * Whether this person is shown alarms (the panel's list, the history's alarm events): watchers who are
   * not on the visit themselves. A visitor's own pages never show one: a silent alarm or the duress PIN
   * stays silent on the phone that raised it, even when that visitor is the DSL.
   */
  seesAlarms: boolean
  needsPin: boolean
  /** The policy's tutoring rules on a tutoring visit (R-TUTOR-1), else null. */
  tutoring: Policy['tutoring']
  visitors: LiveStaff[]
  checkIns: CheckInRow[]
  /** Only when `seesAlarms`. */
  alarms: Array<AlarmRow & { label: string; currentStep: number | null }>
  lastContactAt: Date | null
  entryChecks: typeof entryChecks
  cancelReasons: typeof cancelReasons
  tutoringRooms: typeof tutoringRooms
}

export const actionSlugs: Record<LiveAction, string> = {
  sign_out: 'sign-out',
  arrive: 'arrived',
  wait_for_parents: 'waiting',
  parents_running_late: 'parents-late',
  hold_on_doorstep: 'doorstep',
  go_in: 'go-in',
  cancel_at_door: 'cancel-at-door',
  wait_limit_reached: 'wait-limit',
  leave: 'left',
  back_at_school: 'back-at-school',
  left_not_returning: 'not-returning',
}

export function actionFromSlug(slug: string): LiveAction | undefined {
  return (Object.keys(actionSlugs) as LiveAction[]).find((action) => actionSlugs[action] === slug && action !== 'wait_limit_reached')
}

const hhmm = (at: Date) => londonTime(at).time

function inWords(from: Date, to: Date): string {
  const minutes = Math.round((to.getTime() - from.getTime()) / 60_000)
  if (minutes === 0) return 'now'
  return minutes > 0 ? `in ${formatMinutes(minutes)}` : `${formatMinutes(-minutes)} ago`
}

export async function liveView(db: Db, viewer: Viewer, visit: LiveVisitRow, now: Date): Promise<LiveView> {
  const visitors = await visitorsOf(db, visit.schoolId, visit.id)
  const isVisitor = visitors.some((v) => v.userId === viewer.userId)
  const watched = { staffUserIds: visitors.map((v) => v.userId), monitoredBy: visit.policy.checkIns.monitoredBy, responsibleContactUserId: visit.responsibleContactUserId }
  const isWatcher = watchesVisit(viewer, watched)
  const checkIns = await checkInsOf(db, visit.schoolId, visit.id)
  const state = { status: visit.status, stage: visit.stage, outcome: visit.outcome }
  const itinerary = currentItinerary(visit)
  const schedule = itinerary && visit.status === 'in_progress'
    ? checkInStatus(visit.policy, itinerary, checkIns.flatMap((c) => (c.kind && c.answered ? [{ kind: c.kind, at: c.at }] : [])), now)
    : null
  const next = schedule
    ? {
        label: schedule.next.label,
        dueAt: schedule.next.dueAt,
        overdueAt: schedule.next.overdueAt,
        state: schedule.state,
        byOffice: schedule.next.initiatedBy === 'office',
        text:
          schedule.next.initiatedBy === 'office'
            ? `The office calls you at ${hhmm(schedule.next.dueAt)} (${inWords(now, schedule.next.dueAt)})`
            : `${schedule.next.label} by ${hhmm(schedule.next.dueAt)} (${inWords(now, schedule.next.dueAt)})`,
      }
    : null
  const limit = itinerary ? waitLimit(visit.policy, { state, itinerary, arrivedAt: visit.arrivedAt }) : null
  const needsPin = isVisitor && (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE id = $1 AND (visit_pin_hash IS NOT NULL OR duress_pin_hash IS NOT NULL)', [viewer.userId])).rows[0]!.n > 0
  const seesAlarms = seesAlarmsOf(viewer, watched)
  const alarms = seesAlarms
    ? (await alarmsOfVisit(db, visit.schoolId, visit.id)).map((alarm) => {
        const escalation = alarmEscalation(visit.policy, alarm, visit.outOfHours, now)
        return { ...alarm, label: alarmKindLabels[alarm.kind], currentStep: escalation.current?.number ?? null }
      })
    : []
  const contacts = checkIns.filter((c) => c.answered)
  return {
    visitId: visit.id,
    status: visit.status,
    stage: visit.stage,
    stageLabel: visit.stage ? liveStageLabels[visit.stage] : visit.status === 'approved' ? 'Not signed out yet' : visit.outcome ? visitOutcomeLabels[visit.outcome] : 'Finished',
    outcome: visit.outcome && visitOutcomeLabels[visit.outcome],
    next,
    wait: limit && { until: limit.at, text: `Wait until ${hhmm(limit.at)} at the latest (${inWords(now, limit.at)}), then leave` },
    expected: itinerary && visit.status === 'in_progress' ? { endAt: itinerary.endAt, backAt: itinerary.backAtSchoolAt } : null,
    planned: itinerary,
    actions: isVisitor || isWatcher ? liveActionsFrom(state).map((action) => ({ action, slug: actionSlugs[action], label: liveActionLabels[action] })) : [],
    mayCheckIn: isVisitor && visit.status === 'in_progress',
    isVisitor,
    isWatcher,
    seesAlarms,
    needsPin,
    tutoring: visit.purposeId === 'tutoring' ? visit.policy.tutoring : null,
    visitors,
    checkIns,
    alarms,
    lastContactAt: contacts.at(-1)?.at ?? visit.signedOutAt,
    entryChecks,
    cancelReasons,
    tutoringRooms,
  }
}

/** The live view of a visit by id (read-only: the row is read in its own short transaction). */
export async function liveViewOf(db: Db, viewer: Viewer, schoolId: string, visitId: string, now: Date): Promise<LiveView | undefined> {
  const visit = await findLiveVisit(db, schoolId, visitId)
  return visit && liveView(db, viewer, visit, now)
}
