import type { Policy } from '../policy/schema.ts'
import { describeRoles, holdsAnyRole, type SchoolRole } from './roles.ts'

/** The three approvals a visit can need: the visit itself, being out of hours, being a lone visit. */
export type ApprovalKind = 'visit' | 'out_of_hours' | 'lone_visit'

export type VisitForApproval = {
  purposeId: string
  /** From `checkHours` (R-HOURS-1). */
  outOfHours: boolean
  /** Fewer than two staff: one visitor (R-STAFF-2). */
  lone: boolean
  staffIds: readonly string[]
}

/** One approval the visit needs: a person holding any of `roles` gives it. */
export type RequiredApproval = { kind: ApprovalKind; roles: SchoolRole[]; text: string }

export type ApprovalsNeeded = { ok: true; approvals: RequiredApproval[] } | { ok: false; reason: string }

/**
 * R-APPROVE-1, R-STAFF-2, R-HOURS-1: which approvals a visit needs before it can start, and by whom.
 * Not ok when the policy forbids the visit outright (a lone visit where pairs are required, say).
 */
export function approvalsNeeded(policy: Policy, visit: VisitForApproval): ApprovalsNeeded {
  const purpose = policy.purposes.find((candidate) => candidate.id === visit.purposeId)
  if (!purpose) return { ok: false, reason: `"${visit.purposeId}" is not one of this policy's purposes. Choose a purpose from the list.` }

  const byPurpose = policy.approval.byPurpose.find((rule) => rule.purposeId === purpose.id)
  const visitRoles = byPurpose?.approverRoles ?? policy.approval.approverRoles
  const approvals: RequiredApproval[] = [
    {
      kind: 'visit',
      roles: visitRoles,
      text: byPurpose
        ? `A visit for "${purpose.label}" needs approval by ${describeRoles(visitRoles)}.`
        : `Every visit needs approval by ${describeRoles(visitRoles)}.`,
    },
  ]

  if (visit.outOfHours) {
    const { outOfHours } = policy.hours
    if (!outOfHours.allowed) {
      return { ok: false, reason: `This policy does not allow visits outside ${policy.hours.kind} hours. Move the visit into ${policy.hours.kind} hours.` }
    }
    approvals.push({
      kind: 'out_of_hours',
      roles: outOfHours.approverRoles,
      text: `A visit outside ${policy.hours.kind} hours needs approval by ${describeRoles(outOfHours.approverRoles)} as an exceptional case.`,
    })
  }

  if (visit.lone) {
    const { loneVisits } = policy.staffing
    if (!loneVisits.allowed) {
      return { ok: false, reason: `This policy does not allow lone visits: at least ${policy.staffing.minimumStaff} staff go on every visit. Add a second member of staff.` }
    }
    if (loneVisits.approverRoles !== null) {
      approvals.push({
        kind: 'lone_visit',
        roles: loneVisits.approverRoles,
        text: `A lone visit needs ${describeRoles(loneVisits.approverRoles)} to decide that it is safe and appropriate.`,
      })
    }
  }
  return { ok: true, approvals }
}

/** Every role that can give at least one of the visit's approvals (empty when the visit cannot be approved). */
export function approverRolesFor(policy: Policy, visit: VisitForApproval): SchoolRole[] {
  const needed = approvalsNeeded(policy, visit)
  if (!needed.ok) return []
  return [...new Set(needed.approvals.flatMap((approval) => approval.roles))]
}

export type ApproverCheck = {
  visit: VisitForApproval
  approverUserId: string
  approverRoles: readonly SchoolRole[]
}

export type CanApprove = { ok: true; covers: ApprovalKind[] } | { ok: false; reason: string }

/**
 * May this person approve this visit? When yes, `covers` lists the approvals their decision gives
 * (another approver may still be needed for the rest; see `outstandingApprovals`).
 */
export function canApprove(policy: Policy, check: ApproverCheck): CanApprove {
  const needed = approvalsNeeded(policy, check.visit)
  if (!needed.ok) return needed
  const mine = needed.approvals.filter((approval) => holdsAnyRole(check.approverRoles, approval.roles))
  if (mine.length === 0) {
    const everyone = [...new Set(needed.approvals.flatMap((approval) => approval.roles))]
    return { ok: false, reason: `This visit must be approved by ${describeRoles(everyone)}. You do not hold that role in this school.` }
  }
  if (!policy.approval.approverMayBeOnVisit && check.visit.staffIds.includes(check.approverUserId)) {
    const roles = [...new Set(mine.flatMap((approval) => approval.roles))]
    return {
      ok: false,
      reason: `You are going on this visit, and this policy does not let anyone approve a visit they are going on. Ask another person who is ${describeRoles(roles)} to approve it.`,
    }
  }
  return { ok: true, covers: mine.map((approval) => approval.kind) }
}

/** The approvals still missing, given the kinds already approved. A visit cannot start until this is empty (R-APPROVE-1). */
export function outstandingApprovals(policy: Policy, visit: VisitForApproval, approved: readonly ApprovalKind[]): RequiredApproval[] {
  const needed = approvalsNeeded(policy, visit)
  if (!needed.ok) return []
  return needed.approvals.filter((approval) => !approved.includes(approval.kind))
}

export type MayStart = { ok: true } | { ok: false; reasons: string[] }

/** R-APPROVE-1: a visit starts only when the policy allows it and every approval it needs has been given. */
export function mayStart(policy: Policy, visit: VisitForApproval, approved: readonly ApprovalKind[]): MayStart {
  const needed = approvalsNeeded(policy, visit)
  if (!needed.ok) return { ok: false, reasons: [needed.reason] }
  const missing = needed.approvals.filter((approval) => !approved.includes(approval.kind))
  return missing.length === 0 ? { ok: true } : { ok: false, reasons: missing.map((approval) => `Not yet approved. ${approval.text}`) }
}
