import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset, presetIds } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { escalationState, nextEscalationStep, type EscalationAcknowledgement, type EscalationInput } from './escalation.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

const t = (time: string) => new Date(`2026-11-25T${time}:00Z`)
const overdue = (now: string, acknowledgements: EscalationAcknowledgement[] = [], outOfHours = false): EscalationInput => ({
  overdueAt: t('10:40'),
  outOfHours,
  acknowledgements,
  now: t(now),
})
const hhmm = (at: Date | null | undefined) => at?.toISOString().slice(11, 16) ?? null

describe('escalation', () => {
  const ladders: Array<{ id: string; steps: string[] }> = [
    { id: 'harton-academy-2024', steps: ['10:40 office phone_visitors', '10:55 dsl consider_police'] },
    { id: 'westside-2025', steps: ['10:40 office phone_visitors', '10:50 headteacher decide', '11:05 headteacher consider_police'] },
    { id: 'morecambe-road-2024', steps: ['10:40 office phone_visitors', '10:55 slt decide', '11:10 slt consider_police'] },
    { id: 'kings-academy-gomer-2024', steps: ['10:40 office phone_visitors', '10:55 dsl+associate_head decide', '11:10 dsl+associate_head consider_police'] },
    { id: 'wna-protocol-2017', steps: ['10:40 headteacher phone_visitors', '10:55 headteacher+dsl decide', '11:10 headteacher+dsl consider_police'] },
  ]
  for (const { id, steps } of ladders) {
    it(`R-ESC-1 ${id}: the ladder starts by itself when a check-in is missed`, () => {
      const state = escalationState(policyOf(id), overdue('10:39'))
      assert.deepEqual(
        state.steps.map((step) => `${hhmm(step.alertAt)} ${step.roles.join('+')} ${step.action}`),
        steps,
      )
      assert.equal(state.current, null)
      assert.equal(state.next?.number, 1)
      assert.equal(hhmm(state.nextEventAt), '10:40')
    })
  }

  it('R-ESC-1 Harton: at 10:40 the office is alerted; next, the DSL considers the police at 10:55', () => {
    const state = escalationState(policyOf('harton-academy-2024'), overdue('10:40'))
    assert.equal(state.current?.stepId, 'office_phones')
    assert.equal(state.current?.status, 'alerted')
    assert.equal(state.current?.actionText, 'try to reach each visitor by phone')
    const next = nextEscalationStep(policyOf('harton-academy-2024'), overdue('10:40'))
    assert.deepEqual([next?.stepId, next?.roles, next?.action, hhmm(next?.alertAt)], ['dsl_considers_police', ['dsl'], 'consider_police', '10:55'])
    assert.equal(hhmm(state.nextEventAt), '10:45')
  })

  it('R-ESC-2 an unacknowledged step re-alerts at its interval', () => {
    const state = escalationState(policyOf('harton-academy-2024'), overdue('10:52'))
    const office = state.steps[0]
    assert.equal(office?.realertsSoFar, 2)
    assert.equal(hhmm(office?.nextRealertAt), '10:55')
    assert.equal(hhmm(state.nextEventAt), '10:55')
  })

  it('R-ESC-2 an acknowledged step stops re-alerting, and the next step still follows on its timer', () => {
    const acknowledgements: EscalationAcknowledgement[] = [{ stepId: 'office_phones', at: t('10:43'), byUserId: 'olu', outcome: 'trying' }]
    const state = escalationState(policyOf('harton-academy-2024'), overdue('10:50', acknowledgements))
    assert.equal(state.steps[0]?.status, 'acknowledged')
    assert.equal(state.steps[0]?.nextRealertAt, null)
    assert.equal(hhmm(state.next?.alertAt), '10:55')
    assert.equal(hhmm(state.nextEventAt), '10:55')
  })

  it('R-ESC-1 "no contact" moves to the next step at once', () => {
    const acknowledgements: EscalationAcknowledgement[] = [{ stepId: 'office_phones', at: t('10:46'), byUserId: 'olu', outcome: 'no_contact' }]
    const state = escalationState(policyOf('westside-2025'), overdue('10:46', acknowledgements))
    assert.equal(state.current?.stepId, 'headteacher_decides')
    assert.equal(hhmm(state.current?.alertAt), '10:46')
    assert.equal(hhmm(state.next?.alertAt), '11:01')
  })

  it('R-ESC-2 every step alerted and unacknowledged keeps re-alerting; nothing is dropped', () => {
    const state = escalationState(policyOf('westside-2025'), overdue('11:30'))
    assert.equal(state.next, null)
    assert.deepEqual(
      state.steps.map((step) => [step.status, hhmm(step.nextRealertAt)]),
      [
        ['alerted', '11:35'],
        ['alerted', '11:35'],
        ['alerted', '11:35'],
      ],
    )
    assert.equal(hhmm(state.nextEventAt), '11:35')
  })

  it('R-ESC-4 the escalation closes when a visitor is confirmed safe', () => {
    const acknowledgements: EscalationAcknowledgement[] = [{ stepId: 'office_phones', at: t('10:44'), byUserId: 'olu', outcome: 'visitor_safe' }]
    const state = escalationState(policyOf('westside-2025'), overdue('11:30', acknowledgements))
    assert.equal(state.closed, true)
    assert.equal(state.next, null)
    assert.equal(state.nextEventAt, null)
    assert.deepEqual(
      state.steps.map((step) => step.status),
      ['acknowledged', 'not_needed', 'not_needed'],
    )
  })

  it('R-ESC-4 confirmation at a later step stops the re-alerts of earlier unacknowledged steps', () => {
    const acknowledgements: EscalationAcknowledgement[] = [{ stepId: 'headteacher_decides', at: t('10:58'), byUserId: 'head', outcome: 'visitor_safe' }]
    const state = escalationState(policyOf('westside-2025'), overdue('11:30', acknowledgements))
    assert.equal(state.closed, true)
    assert.deepEqual(
      state.steps.map((step) => [step.status, step.nextRealertAt]),
      [
        ['alerted', null],
        ['acknowledged', null],
        ['not_needed', null],
      ],
    )
    assert.equal(state.nextEventAt, null)
  })

  for (const id of presetIds) {
    it(`R-ESC-1 R-HOURS-1 ${id}: out of hours the responsible contact takes the office's place`, () => {
      const state = escalationState(policyOf(id), overdue('10:40', [], true))
      const roles = state.steps.flatMap((step) => step.roles)
      assert.ok(!roles.includes('office'), 'office not alerted out of hours')
      if (policyOf(id).escalation.steps.some((step) => step.roles.includes('office'))) assert.deepEqual(state.steps[0]?.roles, ['responsible_contact'])
    })
  }

  it('R-ESC-1 the replacement out of hours follows the policy', () => {
    const policy = policyOf('harton-academy-2024')
    policy.escalation.outOfHoursOfficeReplacedBy = 'dsl'
    policy.escalation.steps[0] = { id: 'office_and_dsl', roles: ['office', 'dsl'], action: 'phone_visitors', delayMinutes: 5, realertEveryMinutes: 2 }
    const state = escalationState(policy, overdue('10:46', [], true))
    assert.deepEqual(state.steps[0]?.roles, ['dsl'])
    assert.equal(hhmm(state.steps[0]?.alertAt), '10:45')
    assert.equal(hhmm(state.steps[0]?.nextRealertAt), '10:47')
  })
})
