import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset, listPresets } from './presets.ts'
import type { Policy } from './schema.ts'
import { validatePolicy, type PolicyError } from './validate.ts'

const today = '2026-11-25'

function preset(id: string): Policy {
  const found = getPreset(id)
  assert.ok(found, `preset ${id}`)
  return found.policy
}

/** A preset with one change, checked; returns the errors. */
function errorsAfter(change: (policy: Policy) => void, id = 'westside-2025'): PolicyError[] {
  const policy = preset(id)
  change(policy)
  const result = validatePolicy(policy, { today })
  assert.equal(result.ok, false, 'expected the change to be rejected')
  return result.ok ? [] : result.errors
}

function errorAt(errors: PolicyError[], path: string): PolicyError {
  const error = errors.find((candidate) => candidate.path === path)
  assert.ok(error, `expected an error at ${path}, got ${JSON.stringify(errors)}`)
  return error
}

describe('validatePolicy', () => {
  it('R-GOV-1 accepts every preset', () => {
    for (const { id, policy } of listPresets()) {
      const result = validatePolicy(policy, { today })
      assert.deepEqual(result.ok ? [] : result.errors, [], id)
      assert.equal(result.ok, true)
    }
  })

  it('R-GOV-1 returns the parsed policy', () => {
    const result = validatePolicy(preset('harton-academy-2024'), { today })
    assert.ok(result.ok)
    assert.equal(result.policy.staffing.minimumStaff, 2)
  })

  it('R-STAFF-1 rejects minimum staff 1 while lone visits are not allowed', () => {
    const errors = errorsAfter((policy) => {
      policy.staffing.minimumStaff = 1
    }, 'harton-academy-2024')
    assert.match(errorAt(errors, 'staffing.minimumStaff').message, /lone visits are not allowed/)
  })

  it('R-STAFF-1 accepts minimum staff 2 with lone visits allowed, and minimum 1 with lone visits allowed', () => {
    const westside = preset('westside-2025')
    assert.equal(validatePolicy(westside, { today }).ok, true)
    westside.staffing.minimumStaff = 1
    assert.equal(validatePolicy(westside, { today }).ok, true)
  })

  it('R-STAFF-2 rejects an empty list of lone-visit approvers', () => {
    const errors = errorsAfter((policy) => {
      policy.staffing.loneVisits = { allowed: true, approverRoles: [], riskAssessmentRequired: true }
    })
    assert.match(errorAt(errors, 'staffing.loneVisits.approverRoles').message, /at least one role/)
  })

  it('R-CHECK-1 rejects a grace period longer than the check-in interval', () => {
    const errors = errorsAfter((policy) => {
      policy.checkIns.graceMinutes = 45
    }, 'harton-academy-2024')
    assert.match(errorAt(errors, 'checkIns.graceMinutes').message, /grace period \(45 minutes\) must be shorter than the check-in interval \(30 minutes\)/)
  })

  it('R-CHECK-1 rejects a policy with no check-in moment at all', () => {
    const errors = errorsAfter((policy) => {
      Object.assign(policy.checkIns, { atLeavingSchool: false, atArrival: false, firstCheck: null, repeatEveryMinutes: null, atEnd: false, atReturn: false })
    })
    errorAt(errors, 'checkIns')
  })

  it('R-ESC-1 rejects an empty escalation ladder', () => {
    const errors = errorsAfter((policy) => {
      policy.escalation.steps = []
    })
    assert.match(errorAt(errors, 'escalation.steps').message, /at least one step/)
  })

  it('R-ESC-1 rejects an escalation step with no role', () => {
    const errors = errorsAfter((policy) => {
      const second = policy.escalation.steps[1]
      assert.ok(second)
      second.roles = []
    })
    assert.equal(errorAt(errors, 'escalation.steps.1.roles').message, 'Escalation step 2 must alert at least one role.')
  })

  it('R-ESC-2 rejects a re-alert interval of zero', () => {
    const errors = errorsAfter((policy) => {
      const first = policy.escalation.steps[0]
      assert.ok(first)
      first.realertEveryMinutes = 0
    })
    errorAt(errors, 'escalation.steps.0.realertEveryMinutes')
  })

  it('R-GOV-2 rejects a review date in the past, relative to today', () => {
    const errors = errorsAfter((policy) => {
      policy.review.nextReviewDate = '2026-09-01'
    })
    assert.match(errorAt(errors, 'review.nextReviewDate').message, /has passed/)
    const policy = preset('westside-2025')
    policy.review.nextReviewDate = '2026-09-01'
    assert.equal(validatePolicy(policy, { today: '2026-08-31' }).ok, true)
    assert.equal(validatePolicy(policy, { today: '2026-09-01' }).ok, true)
  })

  it('R-HOURS-1 rejects school hours that end before they start', () => {
    const errors = errorsAfter((policy) => {
      policy.hours.week.monday = { start: '16:00', end: '08:00' }
    })
    assert.equal(errorAt(errors, 'hours.week.monday.end').message, "Monday's end time (08:00) must be after its start time (16:00).")
  })

  it('R-HOURS-1 rejects an out-of-hours approval with no approver role', () => {
    const errors = errorsAfter((policy) => {
      policy.hours.outOfHours = { allowed: true, approverRoles: [], responsibleContactRequired: true }
    })
    errorAt(errors, 'hours.outOfHours.approverRoles')
  })

  it('R-HOURS-1 rejects a badly written time', () => {
    const errors = errorsAfter((policy) => {
      policy.hours.week.friday = { start: '8.30', end: '16:30' }
    })
    assert.match(errorAt(errors, 'hours.week.friday.start').message, /24-hour clock, for example 08:30/)
  })

  it('R-PURPOSE-1 rejects duplicate purpose ids', () => {
    const errors = errorsAfter((policy) => {
      policy.purposes.push({ id: 'tutoring', label: 'Tutoring again' })
    })
    const error = errorAt(errors, `purposes.${preset('westside-2025').purposes.length}.id`)
    assert.match(error.message, /"tutoring" is used more than once/)
  })

  it('R-WAIT-1 rejects a wait limit of zero or less', () => {
    const zero = errorsAfter((policy) => {
      policy.waits.parentsNotPresentMinutes = 0
    })
    errorAt(zero, 'waits.parentsNotPresentMinutes')
    const negative = errorsAfter((policy) => {
      policy.waits.parentsRunningLateMinutes = -5
    })
    errorAt(negative, 'waits.parentsRunningLateMinutes')
  })

  it('R-APPROVE-1 rejects an empty list of approver roles', () => {
    const errors = errorsAfter((policy) => {
      policy.approval.approverRoles = []
    })
    assert.equal(errorAt(errors, 'approval.approverRoles').message, 'Choose at least one role that approves visits.')
  })

  it('R-APPROVE-1 rejects a purpose-specific approval for a purpose the policy does not have', () => {
    const errors = errorsAfter((policy) => {
      policy.approval.byPurpose = [{ purposeId: 'holiday_club', approverRoles: ['dsl'] }]
    })
    errorAt(errors, 'approval.byPurpose.0.purposeId')
  })

  it('R-APPROVE-1 rejects a role that does not exist, naming the roles that do', () => {
    const errors = errorsAfter((policy) => {
      ;(policy.approval.approverRoles as string[]) = ['caretaker']
    })
    assert.match(errorAt(errors, 'approval.approverRoles.0').message, /must be one of: headteacher, associate_head, dsl/)
  })

  it('R-STAFF-5 rejects a training requirement for a training not in the list', () => {
    const errors = errorsAfter((policy) => {
      policy.training.everyVisitor.push({ trainingId: 'first_aid', enforcement: 'warn' })
    })
    assert.match(errorAt(errors, 'training.everyVisitor.2.trainingId').message, /not in the list of trainings/)
  })

  it('R-ATT-1 rejects a referral rule with neither a threshold nor a falling trend', () => {
    const errors = errorsAfter((policy) => {
      policy.attendance.localAuthorityReferral = { belowPercent: null, fallingTrend: false, windowMonths: 3 }
    })
    errorAt(errors, 'attendance.localAuthorityReferral.belowPercent')
  })

  it('R-HOURS-1 rejects a ladder that hands over to a responsible contact the policy does not require', () => {
    const errors = errorsAfter((policy) => {
      policy.hours.outOfHours = { allowed: true, approverRoles: ['headteacher'], responsibleContactRequired: false }
    })
    errorAt(errors, 'hours.outOfHours.responsibleContactRequired')
  })

  it('gives a plain-English message and a dotted path for a wrong type', () => {
    const errors = errorsAfter((policy) => {
      ;(policy.staffing as { minimumStaff: unknown }).minimumStaff = 'two'
    })
    assert.equal(errorAt(errors, 'staffing.minimumStaff').message, 'Minimum staff must be a number.')
  })

  it('says which setting is missing', () => {
    const errors = errorsAfter((policy) => {
      delete (policy.waits as Partial<Policy['waits']>).parentsNotPresentMinutes
    })
    assert.equal(errorAt(errors, 'waits.parentsNotPresentMinutes').message, 'Minutes to wait for parents who are not at home is missing.')
  })

  it('names a misspelt setting instead of ignoring it', () => {
    const errors = errorsAfter((policy) => {
      ;(policy.staffing as Record<string, unknown>).minimunStaff = 3
    })
    assert.match(errorAt(errors, 'staffing').message, /"minimunStaff" is not a setting of staffing/)
  })

  it('labels a field inside a list with its position', () => {
    const errors = errorsAfter((policy) => {
      const first = policy.escalation.steps[0]
      assert.ok(first)
      ;(first as { delayMinutes: unknown }).delayMinutes = 'soon'
    })
    assert.equal(errorAt(errors, 'escalation.steps.0.delayMinutes').message, 'Delay in minutes (step 1) must be a number.')
  })

  it('rejects something that is not a policy at all', () => {
    const result = validatePolicy('harton', { today })
    assert.equal(result.ok, false)
    assert.deepEqual(result.ok ? [] : result.errors, [{ path: '', message: 'The policy must be a group of settings.' }])
  })

  it('R-GOV-1 names a bad source by its key, even a key that is one of Object’s built-ins', () => {
    const errors = errorsAfter((policy) => {
      const sources: Record<string, unknown> = policy.sources
      sources['toString'] = 5
      sources['constructor'] = 'x'
    })
    assert.deepEqual(
      errors.map((error) => error.message),
      ['To string must be a group of settings.', 'Constructor must be a group of settings.'],
    )
  })

  it('accepts a policy without sources (a school-written policy need not cite any)', () => {
    const policy: Partial<Policy> = preset('westside-2025')
    delete policy.sources
    const result = validatePolicy(policy, { today })
    assert.ok(result.ok)
    assert.deepEqual(result.policy.sources, {})
  })
})
