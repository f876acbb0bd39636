import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { listPresets } from '../../policy/presets.ts'
import { concernInput, incidentInput, instantFromForm } from './schema.ts'
import { concernRecipientRoles, describeDelay } from './service.ts'

/** The rules of concerns and incidents that need no database: who is told under each preset, times typed in forms. */
describe('concern and incident rules', () => {
  it('R-SAFE-1 under every preset the DSL and deputy DSLs are told, with the roles the policy sends concerns to', () => {
    const told = Object.fromEntries(listPresets().map((preset) => [preset.id, concernRecipientRoles(preset.policy).sort()]))
    assert.deepEqual(told, {
      'harton-academy-2024': ['deputy_dsl', 'dsl'],
      'kings-academy-gomer-2024': ['deputy_dsl', 'dsl'],
      'morecambe-road-2024': ['deputy_dsl', 'dsl', 'slt'],
      'westside-2025': ['deputy_dsl', 'dsl'],
      'wna-protocol-2017': ['deputy_dsl', 'dsl'],
    })
  })

  it('R-RISK-4 only a policy with a standing risk assessment that visits feed asks for its review after an incident', () => {
    const asking = listPresets().filter((preset) => preset.policy.riskAssessment.standingAssessment?.updateAfterVisits).map((preset) => preset.id)
    assert.deepEqual(asking, ['harton-academy-2024'])
  })

  it('a date and time typed in a form is UK time: GMT in winter, BST in summer; anything else is refused', () => {
    const form = (day: string, month: string, year: string, time: string) => ({ 'at-day': day, 'at-month': month, 'at-year': year, 'at-time': time })
    assert.equal(instantFromForm(form('25', '11', '2026', '14:30'), 'at'), '2026-11-25T14:30:00.000Z')
    assert.equal(instantFromForm(form('1', '7', '2026', '9:05'), 'at'), '2026-07-01T08:05:00.000Z')
    assert.equal(instantFromForm(form('', '', '', ''), 'at'), undefined)
    for (const bad of [form('31', '2', '2026', '10:00'), form('1', '1', '26', '10:00'), form('1', '1', '2026', '25:00'), form('x', '1', '2026', '10:00')]) {
      assert.equal(instantFromForm(bad, 'at'), 'not-a-time')
    }
  })

  it('R-SAFE-1 a disclosure needs the child’s own words; R-INC-1 a physical intervention needs what was done and why', () => {
    const base = { pupilIds: ['6f9619ff-8b86-4d11-b42d-00c04fc964ff'], category: 'neglect', account: 'Seen', happenedAt: '2026-11-25T14:00:00Z', immediateAction: 'None' }
    assert.equal(concernInput.safeParse({ ...base, kind: 'concern' }).success, true)
    const disclosure = concernInput.safeParse({ ...base, kind: 'disclosure' })
    assert.equal(disclosure.success, false)
    assert.deepEqual(disclosure.error?.issues.map((i) => i.path.join('.')), ['childWords'])
    const hold = incidentInput.safeParse({ kind: 'physical_intervention', happenedAt: '2026-11-25T14:00:00Z', location: 'Hall', whatHappened: 'Held' })
    assert.deepEqual(hold.error?.issues.map((i) => i.path.join('.')).sort(), ['interventionWhat', 'interventionWhy'])
  })

  it('how long after something a record was made reads as a person would say it', () => {
    const at = new Date('2026-11-25T10:00:00Z')
    assert.equal(describeDelay(at, new Date('2026-11-25T12:13:00Z')), '2 hours 13 minutes')
    assert.equal(describeDelay(at, new Date('2026-11-28T15:00:00Z')), '3 days 5 hours')
  })
})
