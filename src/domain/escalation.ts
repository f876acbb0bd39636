import { escalationActions, type EscalationAction, type Policy } from '../policy/schema.ts'
import { addMinutes } from './dates.ts'
import type { SchoolRole } from './roles.ts'

/** Who an escalation step alerts: school roles, or the out-of-hours responsible contact (R-HOURS-1). */
export type AlertRecipient = SchoolRole | 'responsible_contact'

/**
 * What the person acknowledging a step found (R-ESC-2):
 * no_contact — still no contact, go to the next step now; trying — still trying, the next step follows on its timer;
 * visitor_safe — a visitor is confirmed safe, the escalation closes (R-ESC-4).
 */
export type EscalationOutcome = 'no_contact' | 'trying' | 'visitor_safe'

export type EscalationAcknowledgement = { stepId: string; at: Date; byUserId: string; outcome: EscalationOutcome }

export type EscalationInput = {
  /** When the missed check-in or return became overdue (its `overdueAt`). */
  overdueAt: Date
  /** Out of hours, the office's place in the ladder goes to the policy's replacement. */
  outOfHours: boolean
  acknowledgements: readonly EscalationAcknowledgement[]
  now: Date
}

export type EscalationStepStatus = 'waiting' | 'alerted' | 'acknowledged' | 'not_needed'

export type EscalationStepState = {
  stepId: string
  /** 1 for the first step. */
  number: number
  roles: AlertRecipient[]
  action: EscalationAction
  /** "try to reach each visitor by phone". */
  actionText: string
  alertAt: Date
  status: EscalationStepStatus
  acknowledgement: EscalationAcknowledgement | null
  /** Re-alerts already due while nobody acknowledged the step. */
  realertsSoFar: number
  /** The next re-alert, while the step is alerted and unacknowledged. */
  nextRealertAt: Date | null
}

export type EscalationState = {
  /** A visitor has been confirmed safe. */
  closed: boolean
  steps: EscalationStepState[]
  /** The latest step already alerted. */
  current: EscalationStepState | null
  /** The next step not yet alerted, with its roles, action and time. */
  next: EscalationStepState | null
  /** The earliest future alert or re-alert: when to wake up next. Null when there is nothing left to do. */
  nextEventAt: Date | null
}

/**
 * R-ESC-1, R-ESC-2: the escalation ladder at `now`. Step 1 alerts its delay after the check-in became overdue;
 * each later step its delay after the step before, or at once when the step before was acknowledged with no contact.
 * Unacknowledged steps re-alert at their interval until someone acknowledges them.
 */
export function escalationState(policy: Policy, input: EscalationInput): EscalationState {
  const closedAt = firstTime(input.acknowledgements.filter((ack) => ack.outcome === 'visitor_safe'))
  const steps: EscalationStepState[] = []
  let previousAlertAt = input.overdueAt
  let previousAck: EscalationAcknowledgement | null = null
  policy.escalation.steps.forEach((step, index) => {
    const scheduled = addMinutes(previousAlertAt, step.delayMinutes)
    const alertAt = previousAck?.outcome === 'no_contact' && previousAck.at < scheduled ? previousAck.at : scheduled
    const acknowledgement = firstAcknowledgement(input.acknowledgements, step.id)
    steps.push(stepState(policy, step, index, alertAt, acknowledgement, input, closedAt))
    previousAlertAt = alertAt
    previousAck = acknowledgement
  })
  const current = steps.filter((step) => step.status === 'alerted' || step.status === 'acknowledged').at(-1) ?? null
  const next = steps.find((step) => step.status === 'waiting') ?? null
  const upcoming = [next?.alertAt ?? null, ...steps.map((step) => step.nextRealertAt)].filter((at): at is Date => at !== null)
  return {
    closed: closedAt !== null && closedAt <= input.now,
    steps,
    current,
    next,
    nextEventAt: upcoming.length === 0 ? null : new Date(Math.min(...upcoming.map((at) => at.getTime()))),
  }
}

/** The next step to alert, with its roles, action and time; null when every step has been alerted or the escalation closed. */
export function nextEscalationStep(policy: Policy, input: EscalationInput): EscalationStepState | null {
  return escalationState(policy, input).next
}

/** Out of hours the office is not there: its place goes to the policy's replacement (usually the responsible contact). */
export function alertRecipients(policy: Policy, roles: readonly SchoolRole[], outOfHours: boolean): AlertRecipient[] {
  const replacement = policy.escalation.outOfHoursOfficeReplacedBy
  const recipients: AlertRecipient[] = roles.map((role) => (outOfHours && role === 'office' ? replacement : role))
  return [...new Set(recipients)]
}

function stepState(
  policy: Policy,
  step: Policy['escalation']['steps'][number],
  index: number,
  alertAt: Date,
  acknowledgement: EscalationAcknowledgement | null,
  input: EscalationInput,
  closedAt: Date | null,
): EscalationStepState {
  const now = input.now.getTime()
  const closedBeforeAlert = closedAt !== null && closedAt.getTime() <= alertAt.getTime()
  const alerted = alertAt.getTime() <= now && !closedBeforeAlert
  const status: EscalationStepStatus = closedBeforeAlert ? 'not_needed' : acknowledgement ? 'acknowledged' : alerted ? 'alerted' : 'waiting'
  const stopsAt = Math.min(now, closedAt?.getTime() ?? Infinity)
  const realertsSoFar = status === 'alerted' ? Math.floor((stopsAt - alertAt.getTime()) / (step.realertEveryMinutes * 60_000)) : 0
  const open = status === 'alerted' && (closedAt === null || closedAt.getTime() > now)
  return {
    stepId: step.id,
    number: index + 1,
    roles: alertRecipients(policy, step.roles, input.outOfHours),
    action: step.action,
    actionText: escalationActions[step.action],
    alertAt,
    status,
    acknowledgement,
    realertsSoFar,
    nextRealertAt: open ? addMinutes(alertAt, (realertsSoFar + 1) * step.realertEveryMinutes) : null,
  }
}

function firstAcknowledgement(acknowledgements: readonly EscalationAcknowledgement[], stepId: string): EscalationAcknowledgement | null {
  const forStep = acknowledgements.filter((ack) => ack.stepId === stepId)
  return forStep.sort((a, b) => a.at.getTime() - b.at.getTime())[0] ?? null
}

function firstTime(acknowledgements: readonly EscalationAcknowledgement[]): Date | null {
  const times = acknowledgements.map((ack) => ack.at.getTime())
  return times.length === 0 ? null : new Date(Math.min(...times))
}
