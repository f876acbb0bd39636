import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset, presetIds } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { checkNotice, familyDeclinedWarning } from './notice.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

const visitStartsAt = new Date('2026-11-25T10:00:00Z')
const toldMonday = new Date('2026-11-23T15:00:00Z')

describe('notice to parents', () => {
  for (const id of presetIds) {
    it(`R-NOTICE-1 ${id}: parents told in advance and offered a choice of times`, () => {
      const result = checkNotice(policyOf(id), { parentsToldAt: toldMonday, choiceOfTimesOffered: true }, visitStartsAt)
      assert.deepEqual(result, { satisfied: true, basis: 'parents_told', text: 'The parents were told on 23 November 2026.' })
    })

    it(`R-NOTICE-1 ${id}: parents not told and no exception recorded`, () => {
      const result = checkNotice(policyOf(id), {}, visitStartsAt)
      assert.equal(result.satisfied, false)
      assert.match(result.satisfied ? '' : (result.problems[0] ?? ''), /^The parents have not been told about this visit\. Tell them in advance, or record an allowed exception\./)
    })
  }

  const exceptions: Array<{ id: string; exception: string; allowed: boolean }> = [
    { id: 'harton-academy-2024', exception: 'unexplained_absence_no_response', allowed: true },
    { id: 'harton-academy-2024', exception: 'emergency_safeguarding', allowed: true },
    { id: 'westside-2025', exception: 'emergency_safeguarding', allowed: true },
    { id: 'kings-academy-gomer-2024', exception: 'persistent_absence_cme', allowed: true },
    { id: 'kings-academy-gomer-2024', exception: 'emergency_safeguarding', allowed: false },
    { id: 'morecambe-road-2024', exception: 'unexplained_absence_no_response', allowed: true },
    { id: 'wna-protocol-2017', exception: 'emergency_safeguarding', allowed: false },
  ]
  for (const { id, exception, allowed } of exceptions) {
    it(`R-NOTICE-1 ${id}: the exception "${exception}" is ${allowed ? 'allowed' : 'not allowed'}`, () => {
      const result = checkNotice(policyOf(id), { exception: { id: exception, reason: 'No answer to calls since Monday.' } }, visitStartsAt)
      assert.equal(result.satisfied, allowed)
      if (result.satisfied) assert.equal(result.basis, 'exception')
    })
  }

  it('R-NOTICE-1 a refused exception lists the ones the policy allows', () => {
    const result = checkNotice(policyOf('kings-academy-gomer-2024'), { exception: { id: 'emergency_safeguarding', reason: 'Concern raised' } }, visitStartsAt)
    assert.deepEqual(result, {
      satisfied: false,
      problems: [
        `"emergency_safeguarding" is not an exception this policy allows. The allowed exceptions are: Persistent absence, or a child missing education, that needs 'on-the-spot' monitoring.`,
      ],
    })
  })

  it('R-NOTICE-1 WNA allows no exceptions, and says so', () => {
    const result = checkNotice(policyOf('wna-protocol-2017'), {}, visitStartsAt)
    assert.match(result.satisfied ? '' : (result.problems[0] ?? ''), /This policy allows no exceptions\.$/)
  })

  it('R-NOTICE-1 an exception needs its reason', () => {
    const result = checkNotice(policyOf('harton-academy-2024'), { exception: { id: 'emergency_safeguarding', reason: ' ' } }, visitStartsAt)
    assert.deepEqual(result, { satisfied: false, problems: ['Explain why "An emergency or immediate safeguarding concern" applies to this visit.'] })
  })

  it('R-NOTICE-1 telling the parents after the visit starts is not notice', () => {
    const result = checkNotice(policyOf('westside-2025'), { parentsToldAt: new Date('2026-11-25T10:05:00Z'), choiceOfTimesOffered: true }, visitStartsAt)
    assert.equal(result.satisfied, false)
  })

  it('R-NOTICE-1 a choice of times must be offered where the policy asks for it', () => {
    const result = checkNotice(policyOf('wna-protocol-2017'), { parentsToldAt: toldMonday, choiceOfTimesOffered: false }, visitStartsAt)
    assert.deepEqual(result, {
      satisfied: false,
      problems: ['This policy asks for the parents to be offered a choice of times. Record that a choice was offered.'],
    })
    const policy = policyOf('wna-protocol-2017')
    policy.notice.choiceOfTimes = false
    assert.equal(checkNotice(policy, { parentsToldAt: toldMonday }, visitStartsAt).satisfied, true)
  })

  it('R-NOTICE-1 where notice is not required, nothing is needed', () => {
    const policy = policyOf('morecambe-road-2024')
    policy.notice.required = false
    assert.deepEqual(checkNotice(policy, {}, visitStartsAt), {
      satisfied: true,
      basis: 'not_required',
      text: 'This policy does not require parents to be told in advance.',
    })
  })

  it('R-NOTICE-2 a decline is shown before a new visit is planned, with the right to decline where the policy gives it', () => {
    assert.equal(familyDeclinedWarning(policyOf('wna-protocol-2017'), null), null)
    assert.equal(
      familyDeclinedWarning(policyOf('wna-protocol-2017'), '2026-10-02'),
      'This family declined home visits on 2 October 2026. This policy accepts a family’s right not to want a home visit. Consider inviting them into school instead.',
    )
    assert.equal(
      familyDeclinedWarning(policyOf('westside-2025'), '2026-10-02'),
      'This family declined home visits on 2 October 2026. Consider inviting them into school instead.',
    )
  })
})
