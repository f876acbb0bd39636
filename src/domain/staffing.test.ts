import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset, presetIds } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { checkStaffing, checkVisitorEligibility, dbsRecheckDueOn, type ProposedVisitor, type StaffingCheck } from './staffing.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

const at = new Date('2026-11-25T10:00:00Z')

/** A member of staff who meets everything the policy asks, to change one thing at a time. */
function qualified(policy: Policy, userId: string, name: string): ProposedVisitor {
  return {
    userId,
    name,
    dbs: { level: 'enhanced', barredListChecked: true, issuedOn: '2024-09-01' },
    trainings: policy.training.trainings.map((training) => ({ trainingId: training.id, completedOn: '2025-01-10', expiresOn: '2027-01-10' })),
    mobile: '07700 900123',
  }
}

function pairFor(policy: Policy): ProposedVisitor[] {
  return [qualified(policy, 'amy', 'Amy Shah'), qualified(policy, 'ben', 'Ben Okafor')]
}

const codes = (check: StaffingCheck) => ({ blocks: check.blocks.map((message) => message.code), warnings: check.warnings.map((message) => message.code) })

describe('staffing', () => {
  for (const id of presetIds) {
    it(`R-STAFF-1 R-STAFF-4 R-STAFF-5 ${id}: a qualified pair may go, with nothing to warn about`, () => {
      const policy = policyOf(id)
      assert.deepEqual(checkStaffing(policy, { staff: pairFor(policy), at }), { blocks: [], warnings: [] })
    })
  }

  const lone: Array<{ id: string; without: { blocks: string[]; warnings: string[] }; decided: { blocks: string[]; warnings: string[] } }> = [
    { id: 'harton-academy-2024', without: { blocks: ['lone_visit_not_allowed'], warnings: [] }, decided: { blocks: ['lone_visit_not_allowed'], warnings: [] } },
    { id: 'wna-protocol-2017', without: { blocks: ['lone_visit_not_allowed'], warnings: [] }, decided: { blocks: ['lone_visit_not_allowed'], warnings: [] } },
    {
      id: 'westside-2025',
      without: { blocks: ['lone_visit_needs_decision', 'lone_visit_risk_assessment_missing'], warnings: ['team_training_missing'] },
      decided: { blocks: [], warnings: [] },
    },
    { id: 'kings-academy-gomer-2024', without: { blocks: ['lone_visit_needs_decision'], warnings: [] }, decided: { blocks: [], warnings: [] } },
    { id: 'morecambe-road-2024', without: { blocks: [], warnings: ['pairs_advised'] }, decided: { blocks: [], warnings: ['pairs_advised'] } },
  ]
  for (const { id, without, decided } of lone) {
    it(`R-STAFF-1 R-STAFF-2 ${id}: one member of staff alone`, () => {
      const policy = policyOf(id)
      const amy = qualified(policy, 'amy', 'Amy Shah')
      if (id === 'westside-2025') amy.trainings = amy.trainings.filter((record) => record.trainingId !== 'home_visiting')
      assert.deepEqual(codes(checkStaffing(policy, { staff: [amy], at })), without)
      const withDecision = { staff: [qualified(policy, 'amy', 'Amy Shah')], at, loneApproved: true, loneRiskAssessmentCompleted: true }
      assert.deepEqual(codes(checkStaffing(policy, withDecision)), decided)
    })
  }

  it('R-STAFF-1 tells Harton exactly why a lone visit is refused', () => {
    const policy = policyOf('harton-academy-2024')
    const [message] = checkStaffing(policy, { staff: [qualified(policy, 'amy', 'Amy Shah')], at }).blocks
    assert.deepEqual(message, {
      code: 'lone_visit_not_allowed',
      userId: 'amy',
      text: 'This policy does not allow lone visits: at least 2 staff go on every visit, and only Amy Shah is on this one. Add a second member of staff.',
    })
  })

  it("R-STAFF-2 tells Westside the lone visit needs the headteacher's decision and a lone-working risk assessment", () => {
    const policy = policyOf('westside-2025')
    const check = checkStaffing(policy, { staff: [qualified(policy, 'amy', 'Amy Shah')], at, loneApproved: true })
    assert.deepEqual(check.blocks.map((message) => message.text), [
      "A lone visit needs its own lone-working risk assessment. Complete it for Amy Shah's visit before it goes ahead.",
    ])
    const undecided = checkStaffing(policy, { staff: [qualified(policy, 'amy', 'Amy Shah')], at, loneRiskAssessmentCompleted: true })
    assert.match(undecided.blocks[0]?.text ?? '', /Amy Shah would be visiting alone\. A lone visit needs the headteacher to decide that it is safe and appropriate\./)
  })

  it('R-STAFF-1 a team smaller than a minimum of three is blocked, saying how many to add', () => {
    const policy = policyOf('harton-academy-2024')
    policy.staffing.minimumStaff = 3
    const check = checkStaffing(policy, { staff: pairFor(policy), at })
    assert.deepEqual(check.blocks.map((message) => message.text), ['This policy needs at least 3 staff on a visit, and this visit has 2. Add 1 more.'])
  })

  it('R-STAFF-1 a visit with nobody on it is blocked', () => {
    assert.deepEqual(codes(checkStaffing(policyOf('westside-2025'), { staff: [], at })), { blocks: ['team_empty'], warnings: [] })
  })

  it('R-STAFF-1 the same person twice is not a pair', () => {
    const policy = policyOf('harton-academy-2024')
    const amy = qualified(policy, 'amy', 'Amy Shah')
    assert.deepEqual(codes(checkStaffing(policy, { staff: [amy, amy], at })).blocks, ['lone_visit_not_allowed', 'visitor_listed_twice'])
  })

  describe('DBS (R-STAFF-4)', () => {
    for (const id of presetIds) {
      it(`R-STAFF-4 ${id}: no DBS check blocks the visitor, naming them and the check needed`, () => {
        const policy = policyOf(id)
        const amy = { ...qualified(policy, 'amy', 'Amy Shah'), dbs: undefined }
        const check = checkVisitorEligibility(policy, amy, at)
        assert.deepEqual(check.blocks, [
          {
            code: 'dbs_missing',
            userId: 'amy',
            text: 'Amy Shah has no DBS check on record. Record an enhanced DBS check with a barred list check before assigning them to a visit.',
          },
        ])
      })
    }

    it('R-STAFF-4 a standard DBS check is not enough', () => {
      const policy = policyOf('morecambe-road-2024')
      const amy = { ...qualified(policy, 'amy', 'Amy Shah'), dbs: { level: 'standard' as const, barredListChecked: true, issuedOn: '2023-01-01' } }
      assert.deepEqual(codes(checkVisitorEligibility(policy, amy, at)).blocks, ['dbs_level_too_low'])
    })

    it('R-STAFF-4 a missing barred list check blocks where the policy asks for it, and not where it does not', () => {
      const policy = policyOf('westside-2025')
      const amy = { ...qualified(policy, 'amy', 'Amy Shah'), dbs: { level: 'enhanced' as const, barredListChecked: false, issuedOn: '2023-01-01' } }
      assert.deepEqual(codes(checkVisitorEligibility(policy, amy, at)).blocks, ['dbs_barred_list_missing'])
      policy.training.dbs.barredListCheck = false
      assert.deepEqual(codes(checkVisitorEligibility(policy, amy, at)).blocks, [])
    })
  })

  describe('training (R-STAFF-3, R-STAFF-5)', () => {
    it('R-STAFF-5 Gomer blocks a visitor without safeguarding training; R-STAFF-3 and the team when nobody has it', () => {
      const policy = policyOf('kings-academy-gomer-2024')
      const [amy, ben] = pairFor(policy)
      assert.ok(amy && ben)
      const untrained = { ...ben, trainings: ben.trainings.filter((record) => record.trainingId !== 'safeguarding') }
      const oneUntrained = checkStaffing(policy, { staff: [amy, untrained], at })
      assert.deepEqual(oneUntrained.blocks, [
        {
          code: 'training_missing',
          userId: 'ben',
          text: 'Ben Okafor has no record of the training "Safeguarding procedures". Every visitor must have it. Record the training, or choose someone else for this visit.',
        },
      ])
      const amyUntrained = { ...amy, trainings: amy.trainings.filter((record) => record.trainingId !== 'safeguarding') }
      const noneTrained = checkStaffing(policy, { staff: [amyUntrained, untrained], at })
      assert.deepEqual(codes(noneTrained).blocks, ['training_missing', 'training_missing', 'team_training_missing'])
      assert.equal(
        noneTrained.blocks[2]?.text,
        'At least one visitor must have the training "Safeguarding procedures", and nobody on this visit has it. Add someone who has it.',
      )
    })

    it('R-STAFF-5 Westside blocks expired violence-prevention training and warns about missing cultural awareness', () => {
      const policy = policyOf('westside-2025')
      const amy = qualified(policy, 'amy', 'Amy Shah')
      amy.trainings = [
        { trainingId: 'violence_prevention', completedOn: '2023-03-01', expiresOn: '2026-03-01' },
        { trainingId: 'home_visiting', completedOn: '2024-01-01' },
      ]
      const check = checkVisitorEligibility(policy, amy, at)
      assert.deepEqual(check.blocks.map((message) => message.text), [
        'Amy Shah\'s training "Strategies for the prevention of violence" expired on 1 March 2026. Every visitor must have it. Record the training, or choose someone else for this visit.',
      ])
      assert.deepEqual(check.warnings.map((message) => message.text), [
        'Amy Shah has no record of the training "Cultural awareness". Visitors should have it; they may still go. Arrange the training.',
      ])
    })

    it('R-STAFF-5 training that expires today still counts; a renewal replaces an expired record', () => {
      const policy = policyOf('westside-2025')
      const amy = qualified(policy, 'amy', 'Amy Shah')
      amy.trainings = [
        ...amy.trainings.filter((record) => record.trainingId !== 'violence_prevention'),
        { trainingId: 'violence_prevention', completedOn: '2023-03-01', expiresOn: '2026-11-25' },
      ]
      assert.deepEqual(checkVisitorEligibility(policy, amy, at).blocks, [])
      amy.trainings = [...amy.trainings, { trainingId: 'violence_prevention', completedOn: '2022-01-01', expiresOn: '2023-01-01' }]
      assert.deepEqual(checkVisitorEligibility(policy, amy, at).blocks, [])
    })

    it('R-STAFF-5 the latest completion of a training decides, as on the readiness page', () => {
      const policy = policyOf('westside-2025')
      const amy = qualified(policy, 'amy', 'Amy Shah')
      amy.trainings = [
        ...amy.trainings.filter((record) => record.trainingId !== 'violence_prevention'),
        { trainingId: 'violence_prevention', completedOn: '2024-01-01', expiresOn: '2027-01-01' },
        { trainingId: 'violence_prevention', completedOn: '2025-06-01', expiresOn: '2026-06-01' },
      ]
      assert.deepEqual(codes(checkVisitorEligibility(policy, amy, at)).blocks, ['training_expired'])
    })

    it('R-STAFF-5 training dated in the future does not count yet', () => {
      const policy = policyOf('kings-academy-gomer-2024')
      const amy = qualified(policy, 'amy', 'Amy Shah')
      amy.trainings = amy.trainings.map((record) => (record.trainingId === 'risk_management' ? { ...record, completedOn: '2026-12-01' } : record))
      assert.deepEqual(codes(checkVisitorEligibility(policy, amy, at)).blocks, ['training_missing'])
    })

    it('R-STAFF-3 Westside warns when nobody on the visit is trained in home visiting', () => {
      const policy = policyOf('westside-2025')
      const staff = pairFor(policy).map((person) => ({ ...person, trainings: person.trainings.filter((record) => record.trainingId !== 'home_visiting') }))
      const check = checkStaffing(policy, { staff, at })
      assert.deepEqual(check.blocks, [])
      assert.deepEqual(check.warnings, [
        {
          code: 'team_training_missing',
          text: 'Where possible, at least one visitor should have the training "Home visiting (for example, as an education welfare officer)", and nobody on this visit has it. Add someone who has it if you can.',
        },
      ])
    })

    it('R-STAFF-5 WNA only warns about safeguarding and safer working practice training', () => {
      const policy = policyOf('wna-protocol-2017')
      const amy = { ...qualified(policy, 'amy', 'Amy Shah'), trainings: [] }
      assert.deepEqual(codes(checkVisitorEligibility(policy, amy, at)), { blocks: [], warnings: ['training_missing', 'training_missing'] })
    })
  })

  describe('mobile numbers (R-CONTACT-1)', () => {
    for (const id of presetIds) {
      it(`R-CONTACT-1 ${id}: a visitor without a mobile number on record is blocked`, () => {
        const policy = policyOf(id)
        const amy = { ...qualified(policy, 'amy', 'Amy Shah'), mobile: '  ' }
        const check = checkVisitorEligibility(policy, amy, at)
        assert.deepEqual(check.blocks, [
          {
            code: 'mobile_missing',
            userId: 'amy',
            text: 'No mobile number is held for Amy Shah. Add it to their staff record so the school office can reach them during the visit.',
          },
        ])
      })
    }
  })
})

describe('DBS re-checks (issue 10 point 14)', () => {
  const oldCheck = (policy: Policy, updateService = false): ProposedVisitor => ({
    ...qualified(policy, 'amy', 'Amy Shah'),
    dbs: { level: 'enhanced', barredListChecked: true, issuedOn: '2022-11-24', updateService },
  })
  const withRecheck = (id: string, recheck: Policy['training']['dbs']['recheck']): Policy => {
    const policy = structuredClone(policyOf(id))
    policy.training.dbs.recheck = recheck
    return policy
  }

  for (const id of presetIds) {
    it(`R-STAFF-4 ${id}: the policy states no re-check, so an old certificate neither warns nor blocks`, () => {
      const policy = policyOf(id)
      assert.equal(policy.training.dbs.recheck, null)
      assert.deepEqual(codes(checkVisitorEligibility(policy, oldCheck(policy), at)), { blocks: [], warnings: [] })
      assert.equal(dbsRecheckDueOn(policy, { issuedOn: '2022-11-24' }), null)
    })

    it(`R-STAFF-4 ${id}: every 3 years and "warn": a re-check due yesterday warns; due today does not yet`, () => {
      const policy = withRecheck(id, { everyYears: 3, overdue: 'warn' })
      assert.equal(dbsRecheckDueOn(policy, { issuedOn: '2022-11-24' }), '2025-11-24')
      const check = checkVisitorEligibility(policy, oldCheck(policy), at)
      assert.deepEqual(codes(check), { blocks: [], warnings: ['dbs_recheck_due'] })
      assert.match(check.warnings[0]!.text, /Amy Shah's DBS check was issued on 24 November 2022 and was due to be renewed on 24 November 2025: this policy renews it every 3 years\. They may still go/)
      const dueToday = { ...oldCheck(policy), dbs: { level: 'enhanced' as const, barredListChecked: true, issuedOn: '2023-11-25' } }
      assert.deepEqual(codes(checkVisitorEligibility(withRecheck(id, { everyYears: 3, overdue: 'warn' }), dueToday, at)), { blocks: [], warnings: [] })
    })
  }

  it('R-STAFF-4 "block": an overdue re-check stops the person being assigned; the Update Service never falls due', () => {
    const policy = withRecheck('westside-2025', { everyYears: 1, overdue: 'block' })
    const ben = { ...qualified(policy, 'ben', 'Ben Okafor'), dbs: { level: 'enhanced' as const, barredListChecked: true, issuedOn: '2026-01-05' } }
    const check = checkStaffing(policy, { staff: [oldCheck(policy), ben], at })
    assert.deepEqual(codes(check).blocks, ['dbs_recheck_due'])
    assert.match(check.blocks[0]!.text, /renews it every year\. Record the new check before assigning them to a visit\./)
    assert.deepEqual(codes(checkVisitorEligibility(policy, oldCheck(policy, true), at)), { blocks: [], warnings: [] })
  })

  it('a certificate issued on 29 February falls due on 28 February', () => {
    assert.equal(dbsRecheckDueOn(withRecheck('harton-academy-2024', { everyYears: 1, overdue: 'warn' }), { issuedOn: '2024-02-29' }), '2025-02-28')
  })
})
