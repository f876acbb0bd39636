import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset, presetIds } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { checkHours, isOutOfHours, londonTime } from './hours.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

const at = (iso: string) => new Date(iso)

describe('hours', () => {
  it('reads Europe/London wall-clock time, in winter and in summer', () => {
    assert.deepEqual(londonTime(at('2026-11-25T10:00:00Z')), { date: '2026-11-25', weekday: 'wednesday', time: '10:00' })
    assert.deepEqual(londonTime(at('2026-07-01T07:45:00Z')), { date: '2026-07-01', weekday: 'wednesday', time: '08:45' })
    assert.deepEqual(londonTime(at('2026-03-29T01:30:00Z')), { date: '2026-03-29', weekday: 'sunday', time: '02:30' })
    assert.deepEqual(londonTime(at('2026-06-30T23:30:00Z')), { date: '2026-07-01', weekday: 'wednesday', time: '00:30' })
  })

  const cases: Array<{ name: string; start: string; end: string; out: boolean; reason?: RegExp }> = [
    { name: 'a weekday morning in winter', start: '2026-11-25T10:00:00Z', end: '2026-11-25T11:30:00Z', out: false },
    { name: 'exactly the school day', start: '2026-11-25T08:30:00Z', end: '2026-11-25T16:30:00Z', out: false },
    { name: '08:45 in summer (07:45 UTC)', start: '2026-07-01T07:45:00Z', end: '2026-07-01T09:00:00Z', out: false },
    { name: 'a start before the day begins', start: '2026-11-25T08:00:00Z', end: '2026-11-25T09:00:00Z', out: true, reason: /starts at 08:00, before .* hours begin at 08:30 on Wednesday/ },
    { name: '16:45 in summer (15:45 UTC)', start: '2026-07-01T14:45:00Z', end: '2026-07-01T15:45:00Z', out: true, reason: /ends at 16:45, after .* hours end at 16:30/ },
    { name: 'a Saturday', start: '2026-11-28T10:00:00Z', end: '2026-11-28T11:00:00Z', out: true, reason: /Saturday has no .* hours in this policy/ },
    { name: 'a visit past midnight', start: '2026-11-25T15:00:00Z', end: '2026-11-26T01:00:00Z', out: true, reason: /past midnight/ },
  ]

  for (const id of presetIds) {
    for (const { name, start, end, out, reason } of cases) {
      it(`R-HOURS-1 ${id}: ${name} is ${out ? 'out of' : 'within'} hours`, () => {
        const policy = policyOf(id)
        const result = checkHours(policy, { start: at(start), end: at(end) })
        assert.equal(result.outOfHours, out)
        assert.equal(isOutOfHours(policy, { start: at(start), end: at(end) }), out)
        if (result.outOfHours && reason) assert.match(result.reason, reason)
      })
    }
  }

  it("R-HOURS-1 names the policy's kind of hours", () => {
    const result = checkHours(policyOf('kings-academy-gomer-2024'), { start: at('2026-11-28T10:00:00Z'), end: at('2026-11-28T11:00:00Z') })
    assert.deepEqual(result, { outOfHours: true, reason: 'Saturday has no working hours in this policy.' })
  })

  it('R-HOURS-1 follows the policy’s own hours, weekends included', () => {
    const policy = policyOf('westside-2025')
    policy.hours.week.saturday = { start: '09:00', end: '12:00' }
    policy.hours.week.wednesday = { start: '08:30', end: '12:30' }
    assert.equal(isOutOfHours(policy, { start: at('2026-11-28T09:30:00Z'), end: at('2026-11-28T11:00:00Z') }), false)
    assert.equal(isOutOfHours(policy, { start: at('2026-11-25T13:00:00Z'), end: at('2026-11-25T14:00:00Z') }), true)
  })

  it('refuses a visit that ends before it starts', () => {
    assert.throws(() => checkHours(policyOf('westside-2025'), { start: at('2026-11-25T11:00:00Z'), end: at('2026-11-25T10:00:00Z') }), RangeError)
  })
})
