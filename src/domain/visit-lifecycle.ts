/**
 * The life of a visit (R-APPROVE-1, R-RISK-2): which status follows which, and what a change to
 * the plan does to a visit that is already on its way. Pure: no I/O, no clock.
 *
 *   draft ──submit──▶ awaiting_risk_assessment ──sign off RA──▶ awaiting_approval ──approve──▶ approved ──start──▶ in_progress ──complete──▶ completed
 *                          ▲          ▲                              │      │                      │
 *                          │          └──────── reopen RA ───────────┘      └──refuse──▶ refused   │
 *                          └──────────────────── reopen RA ────────────────────────────────────────┤
 *                                          awaiting_approval ◀── send back (a change) ─────────────┘
 *   cancel: from any status before the visit starts. Once the visitors have signed out, the visit's day
 *   runs in stages (below, `liveTransition`); a visit cancelled at the door ends as cancelled when the
 *   visitors are back, because they are still out until then.
 */

export const visitStatuses = [
  'draft',
  'awaiting_risk_assessment',
  'awaiting_approval',
  'approved',
  'refused',
  'cancelled',
  'in_progress',
  'completed',
] as const
export type VisitStatus = (typeof visitStatuses)[number]

export const statusLabels: Record<VisitStatus, string> = {
  draft: 'Draft',
  awaiting_risk_assessment: 'Awaiting risk assessment',
  awaiting_approval: 'Awaiting approval',
  approved: 'Approved',
  refused: 'Refused',
  cancelled: 'Cancelled',
  in_progress: 'In progress',
  completed: 'Completed',
}

export type VisitAction =
  | 'submit'
  | 'sign_off_risk_assessment'
  | 'reopen_risk_assessment'
  | 'approve'
  | 'refuse'
  | 'send_back'
  | 'cancel'
  | 'start'
  | 'complete'
  | 'end_cancelled'

const transitions: Record<VisitAction, Partial<Record<VisitStatus, VisitStatus>>> = {
  submit: { draft: 'awaiting_risk_assessment' },
  sign_off_risk_assessment: { awaiting_risk_assessment: 'awaiting_approval' },
  reopen_risk_assessment: {
    awaiting_risk_assessment: 'awaiting_risk_assessment',
    awaiting_approval: 'awaiting_risk_assessment',
    approved: 'awaiting_risk_assessment',
  },
  approve: { awaiting_approval: 'approved' },
  refuse: { awaiting_approval: 'refused' },
  send_back: { approved: 'awaiting_approval' },
  cancel: {
    draft: 'cancelled',
    awaiting_risk_assessment: 'cancelled',
    awaiting_approval: 'cancelled',
    approved: 'cancelled',
  },
  start: { approved: 'in_progress' },
  complete: { in_progress: 'completed' },
  end_cancelled: { in_progress: 'cancelled' },
}

/** Why an action is not possible from a status, in words a member of staff can act on. */
const refusals: Record<VisitAction, (from: VisitStatus) => string> = {
  submit: (from) => `This visit has already been sent for risk assessment (it is ${lower(from)}).`,
  sign_off_risk_assessment: (from) => `The risk assessment can only be signed off while the visit is awaiting its risk assessment; it is ${lower(from)}.`,
  reopen_risk_assessment: (from) => `The risk assessment of a visit that is ${lower(from)} cannot be re-opened.`,
  approve: (from) =>
    from === 'awaiting_risk_assessment' || from === 'draft'
      ? 'This visit cannot be approved until its risk assessment has been signed off.'
      : `This visit cannot be approved: it is ${lower(from)}.`,
  refuse: (from) => `This visit cannot be refused: it is ${lower(from)}.`,
  send_back: (from) => `Only an approved visit can be sent back for approval; this one is ${lower(from)}.`,
  cancel: (from) =>
    from === 'in_progress'
      ? 'The visitors are out on this visit: cancel it at the door from the visit page, so Doorstep keeps watching until they are back.'
      : `This visit cannot be cancelled: it is ${lower(from)}.`,
  start: (from) =>
    from === 'in_progress' || from === 'completed'
      ? `This visit has already started.`
      : `This visit cannot start until it is approved; it is ${lower(from)}.`,
  complete: (from) => `Only a visit in progress can be completed; this one is ${lower(from)}.`,
  end_cancelled: (from) => `Only a visit in progress can end as cancelled; this one is ${lower(from)}.`,
}

export type Transition = { ok: true; to: VisitStatus } | { ok: false; message: string }

/** The status a visit moves to when `action` happens, or why it cannot happen. */
export function transition(from: VisitStatus, action: VisitAction): Transition {
  const to = transitions[action][from]
  return to ? { ok: true, to } : { ok: false, message: refusals[action](from) }
}

export function canTransition(from: VisitStatus, action: VisitAction): boolean {
  return transitions[action][from] !== undefined
}

/** A visit whose plan can still be changed. */
export function isEditable(status: VisitStatus): boolean {
  return status === 'draft' || status === 'awaiting_risk_assessment' || status === 'awaiting_approval' || status === 'approved'
}

/**
 * An approver has approved the visit as it now stands and it has not finished: the staff going
 * may read what they need for it, its code word and the pupils' restricted notes (R-ITIN-2,
 * R-CONF-1, docs/decisions/0010). Any change to its staff, pupils, adults, address, time or code
 * word takes it out of this state until it is approved again (`effectOfChange`).
 */
export function isClearedToGo(status: VisitStatus): boolean {
  return status === 'approved' || status === 'in_progress'
}

/** Statuses in which a visit is still ahead of its visitors: a new risk re-opens its assessment (R-RISK-2). */
export function isUpcoming(status: VisitStatus): boolean {
  return status === 'awaiting_risk_assessment' || status === 'awaiting_approval' || status === 'approved'
}

export type RiskAssessmentStatus = 'open' | 'completed' | 'signed_off' | 'reopened'

/** The parts of a plan a change can touch. */
export type PlanPart = 'pupils' | 'adults' | 'address' | 'time' | 'staff' | 'vehicle' | 'notice' | 'purpose' | 'codeWord' | 'itinerary'

export const planPartLabels: Record<PlanPart, string> = {
  pupils: 'the pupils',
  adults: 'the adults being visited',
  address: 'the address',
  time: 'the time',
  staff: 'the staff going',
  vehicle: 'the vehicle',
  notice: 'the notice given to the family',
  purpose: 'the purpose',
  codeWord: 'the code word',
  itinerary: 'the contingency plan',
}

/** A change to the risk assessment's ground: a new place or new people means a new assessment. */
const reopensRiskAssessment: ReadonlySet<PlanPart> = new Set(['address', 'adults', 'pupils'])
/**
 * Changes an approver must see again (R-APPROVE-1): staff, time, address (and who is visited), and
 * the code word (R-ITIN-2): the staff going read it only on an approved visit, so a new word is
 * approved before they rely on it (docs/decisions/0010).
 */
const needsApprovalAgain: ReadonlySet<PlanPart> = new Set(['address', 'adults', 'pupils', 'time', 'staff', 'vehicle', 'purpose', 'codeWord'])

export type ChangeEffect = {
  /** Re-open the risk assessment and send the visit back to awaiting_risk_assessment. */
  reopenRiskAssessment: boolean
  /** Send an approved visit back to awaiting_approval. */
  sendBackForApproval: boolean
  /** Approvals already given no longer count: the approvers must decide on the changed plan. */
  newApprovalRound: boolean
  /** "the address and the time changed" — for the history and the approver. */
  because: string
}

/**
 * What a change to the plan does to a visit on its way (R-APPROVE-1, R-RISK-2).
 * `loneAssessmentMissing`: the change made the visit a lone visit and the policy wants a
 * lone-working assessment that the risk assessment does not have yet.
 */
export function effectOfChange(
  visit: { status: VisitStatus; riskAssessmentStatus: RiskAssessmentStatus | null },
  changed: readonly PlanPart[],
  options: { loneAssessmentMissing?: boolean } = {},
): ChangeEffect {
  const because = `${joinParts(changed.map((part) => planPartLabels[part]))} changed`
  const raDone = visit.riskAssessmentStatus === 'completed' || visit.riskAssessmentStatus === 'signed_off'
  const upcoming = isUpcoming(visit.status)
  const reopen =
    upcoming && raDone && (changed.some((part) => reopensRiskAssessment.has(part)) || options.loneAssessmentMissing === true)
  const approvalMatters = changed.some((part) => needsApprovalAgain.has(part))
  const sendBack = !reopen && visit.status === 'approved' && approvalMatters
  const newRound = reopen || ((visit.status === 'approved' || visit.status === 'awaiting_approval') && approvalMatters)
  return { reopenRiskAssessment: reopen, sendBackForApproval: sendBack, newApprovalRound: newRound, because }
}

function joinParts(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? 'the plan'
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
}

function lower(status: VisitStatus): string {
  return statusLabels[status].toLowerCase()
}

// ---------------------------------------------------------------- the day of the visit

/** Statuses in which the visit may go ahead or has gone ahead: the briefing, run list and calendar treat these as confirmed. */
export const goAheadStatuses = ['approved', 'in_progress', 'completed'] as const satisfies readonly VisitStatus[]
/** Statuses of a visit that is planned, happening or done (not refused, cancelled or a draft). */
export const plannedStatuses = ['awaiting_risk_assessment', 'awaiting_approval', 'approved', 'in_progress', 'completed'] as const satisfies readonly VisitStatus[]

export function isGoAhead(status: VisitStatus): boolean {
  return (goAheadStatuses as readonly VisitStatus[]).includes(status)
}

/**
 * Where the visitors are while a visit is in progress (R-SIGN-1/2, R-WAIT-1/2, R-ENTRY-2):
 *
 *   approved ─sign out─▶ signed_out ─arrive─▶ arrived ─go in─▶ in_home ─leave─▶ left_home ─back at school─▶ (ended)
 *                                          │   ├ waiting_for_parents ─┐           ▲
 *                                          │   ├ parents_running_late ┼─ go in / hold on the doorstep / cancel at the door
 *                                          │   └ on_doorstep ─────────┘
 *   "left, not returning to school" from any stage ends monitoring (R-SIGN-2).
 */
export const liveStages = ['signed_out', 'arrived', 'waiting_for_parents', 'parents_running_late', 'on_doorstep', 'in_home', 'left_home'] as const
export type LiveStage = (typeof liveStages)[number]

export const liveStageLabels: Record<LiveStage, string> = {
  signed_out: 'Signed out of school',
  arrived: 'Arrived at the address',
  waiting_for_parents: 'Waiting for the parents',
  parents_running_late: 'Parents running late',
  on_doorstep: 'On the doorstep',
  in_home: 'In the home',
  left_home: 'Left the address',
}

/** How a visit at the door turned out. */
export const visitOutcomes = ['contact', 'doorstep', 'no_contact', 'cancelled_at_door'] as const
export type VisitOutcome = (typeof visitOutcomes)[number]

export const visitOutcomeLabels: Record<VisitOutcome, string> = {
  contact: 'Visited in the home',
  doorstep: 'Held on the doorstep',
  no_contact: 'No contact: the parents were not there',
  cancelled_at_door: 'Cancelled at the door',
}

export type LiveAction =
  | 'sign_out'
  | 'arrive'
  | 'wait_for_parents'
  | 'parents_running_late'
  | 'hold_on_doorstep'
  | 'go_in'
  | 'cancel_at_door'
  | 'wait_limit_reached'
  | 'leave'
  | 'back_at_school'
  | 'left_not_returning'

export const liveActionLabels: Record<LiveAction, string> = {
  sign_out: 'Sign out of school',
  arrive: 'We have arrived',
  wait_for_parents: 'Waiting for the parents',
  parents_running_late: 'The parents are running late',
  hold_on_doorstep: 'Hold the visit on the doorstep',
  go_in: 'We are going in',
  cancel_at_door: 'Cancel at the door',
  wait_limit_reached: 'The wait limit passed',
  leave: 'We have left the address',
  back_at_school: 'Back at school',
  left_not_returning: 'Left, not returning to school',
}

export type LiveState = { status: VisitStatus; stage: LiveStage | null; outcome: VisitOutcome | null }

export type LiveTransition = { ok: true; to: LiveState; endsMonitoring: boolean } | { ok: false; message: string }

const atTheDoor: readonly LiveStage[] = ['arrived', 'waiting_for_parents', 'parents_running_late']
const stageMoves: Partial<Record<LiveAction, { from: readonly LiveStage[]; to: LiveStage }>> = {
  arrive: { from: ['signed_out'], to: 'arrived' },
  wait_for_parents: { from: ['arrived'], to: 'waiting_for_parents' },
  parents_running_late: { from: ['arrived', 'waiting_for_parents'], to: 'parents_running_late' },
  hold_on_doorstep: { from: atTheDoor, to: 'on_doorstep' },
  go_in: { from: [...atTheDoor, 'on_doorstep'], to: 'in_home' },
  cancel_at_door: { from: ['signed_out', ...atTheDoor, 'on_doorstep'], to: 'left_home' },
  wait_limit_reached: { from: ['waiting_for_parents', 'parents_running_late'], to: 'left_home' },
  leave: { from: ['in_home', 'on_doorstep'], to: 'left_home' },
}

/**
 * The next state of a visit's day, or why the action cannot happen now, in words the visitor can act on.
 * Ending (back at school, or left and not returning) finishes the visit: completed, or cancelled when it
 * was cancelled at the door or had no contact (R-WAIT-1).
 */
export function liveTransition(state: LiveState, action: LiveAction): LiveTransition {
  if (action === 'sign_out') {
    const start = transition(state.status, 'start')
    if (!start.ok) return start
    return { ok: true, to: { status: 'in_progress', stage: 'signed_out', outcome: null }, endsMonitoring: false }
  }
  if (state.status !== 'in_progress' || state.stage === null) {
    return {
      ok: false,
      message:
        state.status === 'approved'
          ? 'Sign out of school first: monitoring starts when you sign out.'
          : `This visit is not in progress (it is ${lower(state.status)}), so there is nothing to record.`,
    }
  }
  if (action === 'back_at_school' || action === 'left_not_returning') {
    // Ending before anyone was seen (they turned back, or never went in) is a visit with no contact.
    const outcome = state.outcome ?? 'no_contact'
    const cancelled = outcome === 'cancelled_at_door' || outcome === 'no_contact'
    return { ok: true, to: { status: cancelled ? 'cancelled' : 'completed', stage: null, outcome }, endsMonitoring: true }
  }
  const move = stageMoves[action]
  if (!move || !move.from.includes(state.stage)) {
    return { ok: false, message: `You cannot record "${liveActionLabels[action].toLowerCase()}" now: the visit is at "${liveStageLabels[state.stage].toLowerCase()}".` }
  }
  const outcome: VisitOutcome | null =
    action === 'go_in'
      ? 'contact'
      : action === 'hold_on_doorstep'
        ? 'doorstep'
        : action === 'cancel_at_door'
          ? 'cancelled_at_door'
          : action === 'wait_limit_reached'
            ? 'no_contact'
            : state.outcome
  return { ok: true, to: { status: 'in_progress', stage: move.to, outcome }, endsMonitoring: false }
}

/** The actions a visitor may take from a state, in the order the visit page offers them. */
export function liveActionsFrom(state: LiveState): LiveAction[] {
  const order: LiveAction[] = ['sign_out', 'arrive', 'go_in', 'wait_for_parents', 'parents_running_late', 'hold_on_doorstep', 'leave', 'cancel_at_door', 'back_at_school', 'left_not_returning']
  return order.filter((action) => liveTransition(state, action).ok)
}
