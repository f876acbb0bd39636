import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { getPreset, listPresets, presetIds, unknownPresetMessage } from './presets.ts'
import type { Policy } from './schema.ts'
import { settingLeaves, sourceFor } from './setting-paths.ts'
import { validatePolicy } from './validate.ts'

const today = '2026-11-25'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, `preset ${id}`)
  return preset.policy
}

/** The written policy, with curly quotes and runs of spaces evened out so quotes can be found in it. */
function writtenPolicy(id: string): string {
  return normalise(readFileSync(new URL(`./source-texts/${id}.txt`, import.meta.url), 'utf8'))
}

function normalise(text: string): string {
  return text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim()
}

function valueAt(policy: Policy, path: string): unknown {
  let value: unknown = policy
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(key in value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

describe('policy presets', () => {
  it('R-GOV-1 ships exactly the five seed policies', () => {
    assert.deepEqual(
      [...presetIds],
      ['harton-academy-2024', 'kings-academy-gomer-2024', 'morecambe-road-2024', 'westside-2025', 'wna-protocol-2017'],
    )
    assert.deepEqual(
      listPresets().map((preset) => preset.id),
      [...presetIds],
    )
    for (const preset of listPresets()) {
      assert.ok(preset.name.length > 0 && preset.summary.length > 0, preset.id)
    }
  })

  it('getPreset returns undefined for an unknown id, and the message lists the presets that exist', () => {
    assert.equal(getPreset('eton-1440'), undefined)
    assert.equal(
      unknownPresetMessage('eton-1440'),
      'There is no policy preset "eton-1440". The presets are: harton-academy-2024, kings-academy-gomer-2024, morecambe-road-2024, westside-2025, wna-protocol-2017.',
    )
  })

  it('getPreset returns a fresh copy each time', () => {
    const first = policyOf('westside-2025')
    first.waits.parentsNotPresentMinutes = 99
    first.hours.week.monday = null
    assert.equal(policyOf('westside-2025').waits.parentsNotPresentMinutes, 20)
    assert.notEqual(policyOf('westside-2025').hours.week.monday, null)
    assert.notEqual(policyOf('harton-academy-2024').hours.week.monday, null)
  })

  it('no two settings in a preset share one object, so editing one day or list never edits another', () => {
    for (const { id, policy } of listPresets()) {
      const seen = new Set<object>()
      const walk = (value: unknown, path: string): void => {
        if (value === null || typeof value !== 'object') return
        assert.ok(!seen.has(value), `${id}: ${path} is shared with another setting`)
        seen.add(value)
        for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`)
      }
      walk(policy, 'policy')
    }
    const policy = policyOf('harton-academy-2024')
    const monday = policy.hours.week.monday
    assert.ok(monday)
    monday.end = '15:00'
    assert.deepEqual(policy.hours.week.tuesday, { start: '08:30', end: '16:30' })
  })

  for (const id of presetIds) {
    it(`R-GOV-1 ${id} passes validatePolicy`, () => {
      const result = validatePolicy(policyOf(id), { today })
      assert.deepEqual(result.ok ? [] : result.errors, [])
    })
  }

  it('R-ITIN-1 R-CONF-1 no preset sends children’s names or home addresses to calendar providers: Doorstep’s default, said to be one', () => {
    for (const id of presetIds) {
      const policy = policyOf(id)
      assert.equal(policy.itinerary.calendarDetail, 'minimal', id)
      const source = sourceFor(policy, 'itinerary.calendarDetail')
      assert.equal(source?.basis, 'default', id)
      assert.match(source?.note ?? '', /^Not stated in the policy; Doorstep default: calendar feeds name the pupils by their initials/, id)
    }
  })

  describe('sources', () => {
    for (const id of presetIds) {
      it(`R-GOV-1 ${id}: every setting has a source`, () => {
        const policy = policyOf(id)
        const missing = settingLeaves(policy).filter((leaf) => !sourceFor(policy, leaf.path)).map((leaf) => leaf.path)
        assert.deepEqual(missing, [])
      })

      it(`R-GOV-1 ${id}: every source names a real setting`, () => {
        const policy = policyOf(id)
        const unknown = Object.keys(policy.sources).filter((path) => valueAt(policy, path) === undefined)
        assert.deepEqual(unknown, [])
      })

      it(`R-GOV-1 ${id}: every quote is copied exactly from the written policy`, () => {
        const text = writtenPolicy(id)
        const wrong = Object.entries(policyOf(id).sources)
          .filter(([, source]) => source.quote !== undefined && !text.includes(normalise(source.quote)))
          .map(([path, source]) => `${path}: ${source.quote}`)
        assert.deepEqual(wrong, [])
      })

      it(`R-GOV-1 ${id}: defaults say the policy is silent, interpretations explain themselves`, () => {
        for (const [path, source] of Object.entries(policyOf(id).sources)) {
          if (source.basis === 'default') assert.match(source.note ?? '', /^Not stated in the policy; Doorstep default: /, path)
          if (source.basis === 'interpreted') assert.ok(source.note && source.quote, path)
          if (source.basis === 'stated') assert.ok(source.quote, path)
        }
      })
    }
  })

  describe('Harton Academy', () => {
    const policy = policyOf('harton-academy-2024')
    it('R-STAFF-1 Harton requires two staff always', () => {
      assert.equal(policy.staffing.minimumStaff, 2)
      assert.deepEqual(policy.staffing.loneVisits, { allowed: false })
    })
    it('R-CHECK-1 Harton visitors contact the academy every 30 minutes and at the end', () => {
      assert.equal(policy.checkIns.repeatEveryMinutes, 30)
      assert.equal(policy.checkIns.initiatedBy, 'visitor')
      assert.equal(policy.checkIns.atEnd, true)
      assert.equal(policy.checkIns.firstCheck, null)
    })
    it('R-ITIN-2 Harton agrees a code word; R-ITIN-3 and a contingency plan', () => {
      assert.equal(policy.itinerary.codeWordRequired, true)
      assert.equal(policy.itinerary.contingencyPlanRequired, true)
    })
    it('R-ESC-1 Harton: the office phones, then the DSL considers the police', () => {
      assert.deepEqual(
        policy.escalation.steps.map((step) => [step.roles, step.action]),
        [
          [['office'], 'phone_visitors'],
          [['dsl'], 'consider_police'],
        ],
      )
    })
    it('R-NOTICE-1 Harton allows visits without notice for unanswered absence and emergency safeguarding', () => {
      assert.deepEqual(
        policy.notice.exceptions.map((exception) => exception.id),
        ['unexplained_absence_no_response', 'emergency_safeguarding'],
      )
    })
    it('R-RISK-4 Harton feeds visits back into its standing Lone Working and Home Visits risk assessment', () => {
      assert.deepEqual(policy.riskAssessment.standingAssessment, { name: 'Lone Working and Home Visits', updateAfterVisits: true })
    })
    it('R-REC-3 Harton logs records on CPOMS', () => {
      assert.equal(policy.records.cpomsExportRequired, true)
    })
  })

  describe('Westside', () => {
    const policy = policyOf('westside-2025')
    it('R-APPROVE-1 Westside: the headteacher approves every visit', () => {
      assert.deepEqual(policy.approval.approverRoles, ['headteacher'])
      assert.deepEqual(policy.approval.byPurpose, [])
    })
    it("R-STAFF-2 Westside: lone only by the headteacher's decision with a lone-working risk assessment", () => {
      assert.equal(policy.staffing.minimumStaff, 2)
      assert.deepEqual(policy.staffing.loneVisits, { allowed: true, approverRoles: ['headteacher'], riskAssessmentRequired: true })
    })
    it('R-CHECK-1 R-CHECK-2 Westside: the office calls 10 minutes after the scheduled start, then visitors check in every 2 hours', () => {
      assert.deepEqual(policy.checkIns.firstCheck, { minutesAfter: 10, from: 'scheduled_start', initiatedBy: 'office' })
      assert.equal(policy.checkIns.repeatEveryMinutes, 120)
      assert.equal(policy.checkIns.initiatedBy, 'visitor')
    })
    it('R-WAIT-1 Westside waits 20 minutes', () => {
      assert.equal(policy.waits.parentsNotPresentMinutes, 20)
    })
    it('R-ATT-1 Westside notifies the LA below 70% over three months', () => {
      assert.deepEqual(policy.attendance.localAuthorityReferral, { belowPercent: 70, fallingTrend: false, windowMonths: 3 })
    })
    it('R-HOURS-1 Westside: out of hours only with approval and a responsible contact, who replaces the office', () => {
      assert.deepEqual(policy.hours.outOfHours, { allowed: true, approverRoles: ['headteacher'], responsibleContactRequired: true })
      assert.equal(policy.escalation.outOfHoursOfficeReplacedBy, 'responsible_contact')
    })
    it('R-VEHICLE-2 Westside allows school-approved vehicles only', () => {
      assert.equal(policy.vehicles.approvedVehiclesOnly, true)
    })
    it('R-STAFF-3 Westside prefers one visitor trained in home visiting; R-STAFF-5 violence prevention is required', () => {
      assert.deepEqual(policy.training.atLeastOneVisitor, [{ trainingId: 'home_visiting', enforcement: 'warn' }])
      assert.deepEqual(policy.training.everyVisitor[0], { trainingId: 'violence_prevention', enforcement: 'block' })
    })
    it('R-CASH-1 Westside reminds visitors not to carry large cash or valuables', () => {
      assert.ok(policy.reminders.briefing.some((reminder) => /cash/.test(reminder)))
    })
    it('R-TUTOR-1 Westside has tutoring rules', () => {
      assert.equal(policy.tutoring?.doorKeptOpen, true)
      assert.equal(policy.tutoring?.bedroomOnlyIfNoAlternative, true)
    })
  })

  describe('Morecambe Road', () => {
    const policy = policyOf('morecambe-road-2024')
    it('R-STAFF-1 Morecambe Road advises two staff but does not enforce it', () => {
      assert.equal(policy.staffing.minimumStaff, 2)
      assert.deepEqual(policy.staffing.loneVisits, { allowed: true, approverRoles: null, riskAssessmentRequired: false })
    })
    it('R-RISK-2 Morecambe Road: the Central Leadership Team holds an assessment discussion; R-RISK-3 police accompaniment may be sought', () => {
      assert.equal(policy.riskAssessment.form, 'discussion')
      assert.deepEqual(policy.riskAssessment.completedBy, ['slt'])
      assert.equal(policy.riskAssessment.policeAccompanimentCanBeRequested, true)
    })
    it('R-WAIT-1 R-WAIT-2 Morecambe Road: 20-minute wait and 30-minute late limit', () => {
      assert.deepEqual(policy.waits, { parentsNotPresentMinutes: 20, parentsRunningLateMinutes: 30 })
    })
    it('R-CHECK-1 Morecambe Road checks in before and after the visit', () => {
      assert.equal(policy.checkIns.atArrival, true)
      assert.equal(policy.checkIns.atEnd, true)
      assert.equal(policy.checkIns.repeatEveryMinutes, null)
    })
    it('R-ATT-1 Morecambe Road refers pupils whose attendance keeps falling over three months', () => {
      assert.deepEqual(policy.attendance.localAuthorityReferral, { belowPercent: null, fallingTrend: true, windowMonths: 3 })
    })
    it('R-CANCEL-1 Morecambe Road sends cancellation reasons to the Central Leadership Team', () => {
      assert.deepEqual(policy.reporting.cancellationReasonsTo, ['slt'])
    })
  })

  describe('WNA', () => {
    const policy = policyOf('wna-protocol-2017')
    it('R-STAFF-1 WNA always visits in pairs', () => {
      assert.equal(policy.staffing.minimumStaff, 2)
      assert.deepEqual(policy.staffing.loneVisits, { allowed: false })
    })
    it('R-NOTICE-2 WNA families may decline visits', () => {
      assert.equal(policy.family.mayDeclineVisits, true)
    })
    it('R-NOTICE-1 WNA makes appointments in advance with a choice of times', () => {
      assert.equal(policy.notice.required, true)
      assert.equal(policy.notice.choiceOfTimes, true)
    })
    it('R-CHECK-1 WNA visitors tell the headteacher as they leave and text as they return', () => {
      assert.deepEqual(policy.checkIns.monitoredBy, ['headteacher'])
      assert.equal(policy.checkIns.atLeavingSchool, true)
      assert.equal(policy.checkIns.atReturn, true)
    })
    it('R-VEHICLE-1 WNA cars need business insurance', () => {
      assert.equal(policy.vehicles.businessInsuranceRequired, true)
    })
  })

  describe("King's Academy Gomer", () => {
    const policy = policyOf('kings-academy-gomer-2024')
    it('R-APPROVE-1 Gomer: approval by the associate headteacher or DSL', () => {
      assert.deepEqual(policy.approval.approverRoles, ['associate_head', 'dsl'])
    })
    it('R-STAFF-3 Gomer: at least one safeguarding-trained visitor, enforced', () => {
      assert.deepEqual(policy.training.atLeastOneVisitor, [{ trainingId: 'safeguarding', enforcement: 'block' }])
    })
    it('R-CHECK-1 Gomer: arrival and departure times reported', () => {
      assert.equal(policy.checkIns.atArrival, true)
      assert.equal(policy.checkIns.atEnd, true)
      assert.equal(policy.checkIns.repeatEveryMinutes, null)
    })
    it('R-STAFF-1 Gomer: pairs wherever possible, a lone visit by the approver’s decision', () => {
      assert.equal(policy.staffing.minimumStaff, 2)
      assert.deepEqual(policy.staffing.loneVisits, { allowed: true, approverRoles: ['associate_head', 'dsl'], riskAssessmentRequired: false })
    })
    it("R-HOURS-1 Gomer keeps to working hours unless approved for exceptional circumstances", () => {
      assert.equal(policy.hours.kind, 'working')
      assert.equal(policy.hours.outOfHours.allowed, true)
    })
    it('R-NOTICE-1 Gomer: the exception is persistent absence or children missing education', () => {
      assert.deepEqual(
        policy.notice.exceptions.map((exception) => exception.id),
        ['persistent_absence_cme'],
      )
    })
  })
})
