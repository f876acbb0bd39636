import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { approvalsNeeded, approverRolesFor, canApprove, mayStart, outstandingApprovals, type VisitForApproval } from './approval.ts'
import type { SchoolRole } from './roles.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

const pair: VisitForApproval = { purposeId: 'attendance_concern', outOfHours: false, lone: false, staffIds: ['amy', 'ben'] }
const lone: VisitForApproval = { ...pair, lone: true, staffIds: ['amy'] }
const evening: VisitForApproval = { ...pair, outOfHours: true }

describe('approval', () => {
  const approvers: Array<[string, SchoolRole[]]> = [
    ['harton-academy-2024', ['headteacher']],
    ['kings-academy-gomer-2024', ['associate_head', 'dsl']],
    ['morecambe-road-2024', ['slt']],
    ['westside-2025', ['headteacher']],
    ['wna-protocol-2017', ['headteacher']],
  ]
  for (const [id, roles] of approvers) {
    it(`R-APPROVE-1 ${id}: a paired visit in hours is approved by ${roles.join(' or ')}`, () => {
      assert.deepEqual(approverRolesFor(policyOf(id), pair), roles)
      const needed = approvalsNeeded(policyOf(id), pair)
      assert.ok(needed.ok)
      assert.deepEqual(
        needed.approvals.map((approval) => approval.kind),
        ['visit'],
      )
    })
  }

  const loneCases: Array<[string, string]> = [
    ['harton-academy-2024', 'not allowed'],
    ['wna-protocol-2017', 'not allowed'],
    ['westside-2025', 'headteacher'],
    ['kings-academy-gomer-2024', 'associate_head,dsl'],
    ['morecambe-road-2024', 'no separate decision'],
  ]
  for (const [id, expected] of loneCases) {
    it(`R-STAFF-2 ${id}: a lone visit — ${expected}`, () => {
      const needed = approvalsNeeded(policyOf(id), lone)
      if (expected === 'not allowed') {
        assert.equal(needed.ok, false)
        assert.match(needed.ok ? '' : needed.reason, /does not allow lone visits: at least 2 staff go on every visit\. Add a second member of staff\./)
        return
      }
      assert.ok(needed.ok)
      const loneApproval = needed.approvals.find((approval) => approval.kind === 'lone_visit')
      if (expected === 'no separate decision') assert.equal(loneApproval, undefined)
      else assert.equal(loneApproval?.roles.join(','), expected)
    })
  }

  const outOfHoursApprovers: Array<[string, SchoolRole[]]> = [
    ['harton-academy-2024', ['headteacher']],
    ['kings-academy-gomer-2024', ['associate_head', 'dsl']],
    ['morecambe-road-2024', ['headteacher']],
    ['westside-2025', ['headteacher']],
    ['wna-protocol-2017', ['headteacher']],
  ]
  for (const [id, roles] of outOfHoursApprovers) {
    it(`R-HOURS-1 ${id}: an out-of-hours visit also needs ${roles.join(' or ')} to approve it as exceptional`, () => {
      const needed = approvalsNeeded(policyOf(id), evening)
      assert.ok(needed.ok)
      const approval = needed.approvals.find((candidate) => candidate.kind === 'out_of_hours')
      assert.deepEqual(approval?.roles, roles)
      assert.match(approval?.text ?? '', /as an exceptional case/)
    })
  }

  it('R-HOURS-1 refuses out-of-hours visits where the policy does not allow them', () => {
    const policy = policyOf('westside-2025')
    policy.hours.outOfHours = { allowed: false }
    const needed = approvalsNeeded(policy, evening)
    assert.deepEqual(needed, { ok: false, reason: 'This policy does not allow visits outside school hours. Move the visit into school hours.' })
  })

  it('R-APPROVE-1 uses a purpose-specific approver where the policy names one', () => {
    const policy = policyOf('westside-2025')
    policy.approval.byPurpose = [{ purposeId: 'tutoring', approverRoles: ['slt'] }]
    assert.deepEqual(approverRolesFor(policy, { ...pair, purposeId: 'tutoring' }), ['slt'])
    assert.deepEqual(approverRolesFor(policy, pair), ['headteacher'])
    const needed = approvalsNeeded(policy, { ...pair, purposeId: 'tutoring' })
    assert.ok(needed.ok)
    assert.equal(needed.approvals[0]?.text, 'A visit for "Tutoring" needs approval by a member of the senior or central leadership team.')
  })

  it('R-PURPOSE-1 refuses a purpose the policy does not list', () => {
    const needed = approvalsNeeded(policyOf('morecambe-road-2024'), { ...pair, purposeId: 'tutoring' })
    assert.equal(needed.ok, false)
    assert.deepEqual(approverRolesFor(policyOf('morecambe-road-2024'), { ...pair, purposeId: 'tutoring' }), [])
  })

  describe('canApprove', () => {
    it('R-APPROVE-1 the headteacher approves a Westside visit, lone and out of hours included', () => {
      const result = canApprove(policyOf('westside-2025'), {
        visit: { ...lone, outOfHours: true },
        approverUserId: 'head',
        approverRoles: ['headteacher'],
      })
      assert.deepEqual(result, { ok: true, covers: ['visit', 'out_of_hours', 'lone_visit'] })
    })

    it('R-APPROVE-1 the school office cannot approve, and is told who can', () => {
      const result = canApprove(policyOf('kings-academy-gomer-2024'), { visit: pair, approverUserId: 'olu', approverRoles: ['office', 'visitor'] })
      assert.deepEqual(result, {
        ok: false,
        reason: 'This visit must be approved by the associate or deputy headteacher, or the designated safeguarding lead (DSL). You do not hold that role in this school.',
      })
    })

    it('R-APPROVE-1 either Gomer approver may approve', () => {
      for (const role of ['associate_head', 'dsl'] as const) {
        assert.deepEqual(canApprove(policyOf('kings-academy-gomer-2024'), { visit: pair, approverUserId: 'x', approverRoles: [role] }), { ok: true, covers: ['visit'] })
      }
    })

    it('R-APPROVE-1 no one approves a visit they are going on', () => {
      const result = canApprove(policyOf('westside-2025'), { visit: { ...pair, staffIds: ['head', 'ben'] }, approverUserId: 'head', approverRoles: ['headteacher'] })
      assert.equal(result.ok, false)
      assert.match(result.ok ? '' : result.reason, /You are going on this visit.*Ask another person who is the headteacher to approve it\./)
    })

    it('R-APPROVE-1 an approver may approve their own visit where the policy allows it', () => {
      const policy = policyOf('westside-2025')
      policy.approval.approverMayBeOnVisit = true
      assert.equal(canApprove(policy, { visit: { ...pair, staffIds: ['head', 'ben'] }, approverUserId: 'head', approverRoles: ['headteacher'] }).ok, true)
    })

    it('R-STAFF-2 a lone Harton visit cannot be approved by anyone', () => {
      const result = canApprove(policyOf('harton-academy-2024'), { visit: lone, approverUserId: 'head', approverRoles: ['headteacher'] })
      assert.equal(result.ok, false)
    })

    it('R-HOURS-1 a DSL covers only the approvals a DSL may give', () => {
      const policy = policyOf('westside-2025')
      policy.hours.outOfHours = { allowed: true, approverRoles: ['dsl'], responsibleContactRequired: true }
      assert.deepEqual(canApprove(policy, { visit: evening, approverUserId: 'dee', approverRoles: ['dsl'] }), { ok: true, covers: ['out_of_hours'] })
    })
  })

  describe('before the visit starts', () => {
    it('R-APPROVE-1 a visit cannot start until every approval it needs is given', () => {
      const policy = policyOf('westside-2025')
      const visit = { ...lone, outOfHours: true }
      assert.deepEqual(
        outstandingApprovals(policy, visit, ['visit']).map((approval) => approval.kind),
        ['out_of_hours', 'lone_visit'],
      )
      const notYet = mayStart(policy, visit, ['visit', 'out_of_hours'])
      assert.deepEqual(notYet, {
        ok: false,
        reasons: ['Not yet approved. A lone visit needs the headteacher to decide that it is safe and appropriate.'],
      })
      assert.deepEqual(mayStart(policy, visit, ['visit', 'out_of_hours', 'lone_visit']), { ok: true })
    })

    it('R-APPROVE-1 an unapproved visit cannot start', () => {
      const result = mayStart(policyOf('harton-academy-2024'), pair, [])
      assert.deepEqual(result, { ok: false, reasons: ['Not yet approved. Every visit needs approval by the headteacher.'] })
    })

    it('R-STAFF-1 a visit the policy forbids cannot start whatever was approved', () => {
      const result = mayStart(policyOf('wna-protocol-2017'), lone, ['visit', 'lone_visit'])
      assert.equal(result.ok, false)
    })
  })
})
