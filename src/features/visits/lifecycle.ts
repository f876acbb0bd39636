/**
 * The life of a visit (R-APPROVE-1, R-RISK-2): which status follows which, and what a change to
 * the plan does to a visit that is already on its way. Pure: no I/O, no clock.
 *
 *   draft ──submit──▶ awaiting_risk_assessment ──sign off RA──▶ awaiting_approval ──approve──▶ approved ──start──▶ in_progress ──complete──▶ completed
 *                          ▲          ▲                              │      │                      │
 *                          │          └──────── reopen RA ───────────┘      └──refuse──▶ refused   │
 *                          └──────────────────── reopen RA ────────────────────────────────────────┤
 *                                          awaiting_approval ◀── send back (a change) ─────────────┘
 *   cancel: from any status before the visit starts.
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
  cancel: (from) => `This visit cannot be cancelled: it is ${lower(from)}.`,
  start: (from) =>
    from === 'in_progress' || from === 'completed'
      ? `This visit has already started.`
      : `This visit cannot start until it is approved; it is ${lower(from)}.`,
  complete: (from) => `Only a visit in progress can be completed; this one is ${lower(from)}.`,
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
