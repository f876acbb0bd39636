import type { Policy } from '../policy/schema.ts'
import { checkInStatus, type CheckInRecord, type CheckInState, type DueCheckIn } from './check-in-schedule.ts'
import { addMinutes } from './dates.ts'
import { escalationState, type EscalationAcknowledgement, type EscalationOutcome, type EscalationState } from './escalation.ts'
import type { Itinerary } from './itinerary.ts'
import { holdsAnyRole, type SchoolRole } from './roles.ts'
import type { LiveState } from './visit-lifecycle.ts'

/**
 * What Doorstep must do for a visit in progress, now (R-CHECK-1..3, R-WAIT-1/2, R-ESC-1/2, R-ALERT-1).
 * Pure: given the policy, what has happened so far and the time, it answers which reminders, alarms and
 * escalation alerts are due and not yet done, and when to look again. The caller does them in the same
 * transaction as it records them, under the visit's lock, so each happens exactly once however often
 * (and on however many app instances) this runs.
 */

/** Who watches visits in progress and answers alarms, besides the roles the policy names. */
export const liveWatchers = ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head'] as const satisfies readonly SchoolRole[]

export type Watching = { userId: string; roles: readonly SchoolRole[] }
export type WatchedVisit = { staffUserIds: readonly string[]; monitoredBy: readonly SchoolRole[]; responsibleContactUserId: string | null }

/** Watches this visit: one of the watching roles or the policy's monitors, or its responsible contact. */
export function watchesVisit(person: Watching, visit: WatchedVisit): boolean {
  return holdsAnyRole(person.roles, [...liveWatchers, ...visit.monitoredBy]) || visit.responsibleContactUserId === person.userId
}

/**
 * R-ALERT-1: who is shown a visit's alarms (its alarm list, the alarm events in its history): the people
 * watching it who are not on it. A visitor's own pages never show one, so a silent alarm or the duress
 * PIN stays silent on the phone that raised it, even when that visitor is the DSL (decision 0018).
 */
export function seesAlarmsOf(person: Watching, visit: WatchedVisit): boolean {
  return watchesVisit(person, visit) && !visit.staffUserIds.includes(person.userId)
}

/** A history event about an alarm (raised, alerted, acknowledged, closed). */
export function isAlarmEvent(kind: string): boolean {
  return kind.startsWith('alarm.')
}

/** The kinds of deadline a visit can have pending; each is one durable job (a job key per visit and kind). */
export const deadlineKinds = ['reminder', 'check_in', 'wait', 'escalation'] as const
export type DeadlineKind = (typeof deadlineKinds)[number]

export type AlarmKind = 'missed_check_in' | 'silent_alarm' | 'duress' | 'code_word' | 'child_alone' | 'emergency_services'

/** Alarms a person raises skip the ladder's delays: every step alerts at once (R-ALERT-1..3). */
export const topPriorityAlarms: readonly AlarmKind[] = ['silent_alarm', 'duress', 'code_word', 'child_alone', 'emergency_services']

export const alarmKindLabels: Record<AlarmKind, string> = {
  missed_check_in: 'Missed check-in',
  silent_alarm: 'Silent alarm',
  duress: 'Silent alarm',
  code_word: 'Code word used',
  child_alone: 'Child alone at home',
  emergency_services: 'Emergency services called (999)',
}

/** How a step was acknowledged (R-ESC-2). `no_answer` moves the ladder on at once. */
export const acknowledgementOutcomes = ['reached_visitors', 'no_answer', 'decided', 'police_called'] as const
export type AcknowledgementOutcome = (typeof acknowledgementOutcomes)[number]

export const acknowledgementOutcomeLabels: Record<AcknowledgementOutcome, string> = {
  reached_visitors: 'Reached the visitors',
  no_answer: 'No answer',
  decided: 'Decided what to do',
  police_called: 'Police called',
}

export type AlarmStepRecord = {
  number: number
  alertedAt: Date | null
  /** Re-alerts sent so far while nobody acknowledged the step. */
  realerts: number
  acknowledgedAt: Date | null
  acknowledgedBy: string | null
  outcome: AcknowledgementOutcome | null
}

export type LiveAlarm = {
  id: string
  kind: AlarmKind
  /** For a missed check-in, which one: `<kind>@<due time>`; one alarm per key. */
  key: string
  /** When the ladder counts from: the missed check-in's overdue time, or when the alarm was raised. */
  dueAt: Date
  closedAt: Date | null
  steps: readonly AlarmStepRecord[]
}

export type LiveVisit = {
  state: LiveState
  /** The itinerary as it stands now (moved by running late, R-CHECK-3). */
  itinerary: Itinerary
  outOfHours: boolean
  /** When the visitors reached the address (the arrival tap), for the wait limits. */
  arrivedAt: Date | null
  checkIns: readonly CheckInRecord[]
  /** Keys of the reminders, office prompts and wait-limit notices already given. */
  signals: ReadonlySet<string>
  alarms: readonly LiveAlarm[]
}

export type MonitorAction =
  /** Tell the visitors a check-in is coming up (R-CHECK-1). */
  | { kind: 'remind_visitors'; key: string; due: DueCheckIn }
  /** Tell the office it is time to call the visitors (R-CHECK-2). */
  | { kind: 'prompt_office'; key: string; due: DueCheckIn }
  /** A check-in or the return is overdue: raise the alarm (R-ESC-1). */
  | { kind: 'raise_alarm'; key: string; due: DueCheckIn }
  /** The parents did not come in time: tell the visitors to leave; the visit has no contact (R-WAIT-1/2). */
  | { kind: 'wait_limit'; key: string; limitMinutes: number; because: 'not_present' | 'running_late' }
  /** Alert (or re-alert) a step of an open alarm's ladder (R-ESC-1/2). */
  | { kind: 'alert_step'; alarmId: string; step: number; realert: number; escalation: EscalationState }

export type MonitorResult = {
  next: { due: DueCheckIn; state: CheckInState } | null
  actions: MonitorAction[]
  /** When to look again, per kind of deadline; a kind that is absent has nothing pending. */
  wakeAt: Partial<Record<DeadlineKind, Date>>
}

export function monitor(policy: Policy, visit: LiveVisit, now: Date): MonitorResult {
  const actions: MonitorAction[] = []
  const wakeAt: Partial<Record<DeadlineKind, Date>> = {}
  const at = now.getTime()
  // Check-ins and waits only while the visitors are out; an open alarm escalates whatever the visit's
  // status (a duress PIN can end a visit that still needs help).
  const live = visit.state.status === 'in_progress' && visit.state.stage !== null

  const status = live ? checkInStatus(policy, visit.itinerary, visit.checkIns, now) : null
  const next = status && { due: status.next, state: status.state }
  if (next) {
    const { due } = next
    const key = `${due.kind}@${due.dueAt.toISOString()}`
    const office = due.initiatedBy === 'office'
    const promptAt = office ? due.dueAt : due.remindAt
    const promptKey = `${office ? 'prompt' : 'remind'}:${key}`
    if (!visit.signals.has(promptKey)) {
      if (promptAt.getTime() <= at && at < due.overdueAt.getTime()) {
        actions.push(office ? { kind: 'prompt_office', key: promptKey, due } : { kind: 'remind_visitors', key: promptKey, due })
      } else if (promptAt.getTime() > at) {
        wakeAt.reminder = promptAt
      }
    }
    const missed = visit.alarms.some((alarm) => alarm.key === key)
    const ladderRunning = visit.alarms.some((alarm) => alarm.kind === 'missed_check_in' && alarm.closedAt === null)
    if (due.overdueAt.getTime() <= at) {
      if (!missed && !ladderRunning) actions.push({ kind: 'raise_alarm', key, due })
    } else {
      wakeAt.check_in = due.overdueAt
    }
  }

  const wait = live ? waitLimit(policy, visit) : null
  if (wait && !visit.signals.has(wait.key)) {
    if (wait.at.getTime() <= at) actions.push({ kind: 'wait_limit', key: wait.key, limitMinutes: wait.minutes, because: wait.because })
    else wakeAt.wait = wait.at
  }

  for (const alarm of visit.alarms) {
    if (alarm.closedAt !== null) continue
    const escalation = alarmEscalation(policy, alarm, visit.outOfHours, now)
    for (const step of escalation.steps) {
      if (step.status !== 'alerted' && step.status !== 'acknowledged') continue
      const record = alarm.steps.find((s) => s.number === step.number)
      if (!record?.alertedAt) actions.push({ kind: 'alert_step', alarmId: alarm.id, step: step.number, realert: 0, escalation })
      else if (step.status === 'alerted' && step.realertsSoFar > record.realerts) {
        actions.push({ kind: 'alert_step', alarmId: alarm.id, step: step.number, realert: step.realertsSoFar, escalation })
      }
    }
    if (escalation.nextEventAt && escalation.nextEventAt.getTime() > at) {
      wakeAt.escalation = earliest(wakeAt.escalation, escalation.nextEventAt)
    }
  }
  return { next, actions, wakeAt }
}

/** The ladder an alarm follows: the policy's, or for an alarm a person raised, every step at once. */
export function alarmEscalation(policy: Policy, alarm: LiveAlarm, outOfHours: boolean, now: Date): EscalationState {
  const ladder = topPriorityAlarms.includes(alarm.kind) ? topPriorityPolicy(policy) : policy
  return escalationState(ladder, { overdueAt: alarm.dueAt, outOfHours, acknowledgements: acknowledgementsOf(alarm, ladder), now })
}

/** Every step alerts at once, and the first also alerts the office and the DSL (R-ALERT-1). */
export function topPriorityPolicy(policy: Policy): Policy {
  const steps = policy.escalation.steps.map((step, index) => ({
    ...step,
    delayMinutes: 0,
    roles: index === 0 ? [...new Set([...step.roles, 'office', 'dsl'] as const)] : step.roles,
  }))
  return { ...policy, escalation: { ...policy.escalation, steps } }
}

function acknowledgementsOf(alarm: LiveAlarm, policy: Policy): EscalationAcknowledgement[] {
  const acks: EscalationAcknowledgement[] = []
  for (const record of alarm.steps) {
    const step = policy.escalation.steps[record.number - 1]
    if (!step || !record.acknowledgedAt || !record.outcome) continue
    const outcome: EscalationOutcome = record.outcome === 'no_answer' ? 'no_contact' : 'trying'
    acks.push({ stepId: step.id, at: record.acknowledgedAt, byUserId: record.acknowledgedBy ?? '', outcome })
  }
  if (alarm.closedAt) acks.push({ stepId: '', at: alarm.closedAt, byUserId: '', outcome: 'visitor_safe' })
  return acks
}

/**
 * R-WAIT-1/2: how long the visitors wait at the door. Counted from the arranged time, or from when they
 * arrived if that was later: the policy's wait when the parents are not there, its late limit when the
 * parents said they are running late.
 */
export function waitLimit(policy: Policy, visit: Pick<LiveVisit, 'state' | 'itinerary' | 'arrivedAt'>): { at: Date; minutes: number; key: string; because: 'not_present' | 'running_late' } | null {
  const stage = visit.state.stage
  if (stage !== 'waiting_for_parents' && stage !== 'parents_running_late') return null
  const from = new Date(Math.max(visit.itinerary.scheduledStart.getTime(), visit.arrivedAt?.getTime() ?? 0))
  const because = stage === 'waiting_for_parents' ? 'not_present' : 'running_late'
  const minutes = because === 'not_present' ? policy.waits.parentsNotPresentMinutes : policy.waits.parentsRunningLateMinutes
  return { at: addMinutes(from, minutes), minutes, key: `wait:${because}@${from.toISOString()}`, because }
}

function earliest(a: Date | undefined, b: Date): Date {
  return a && a.getTime() < b.getTime() ? a : b
}
