import assert from 'node:assert/strict'
import type { Agent } from '../../../test/helpers.ts'
import type { FixedClock } from '../../../test/clock.ts'
import { at } from '../live/fixtures.ts'

/**
 * The demo's approved Westside visit for Leo today (leave school 13:30, visit 14:00–15:00, back 15:30 on
 * 25 November 2026), taken through its day by the visitor's own taps, as the live pages record them.
 *   contact:    signed out 13:30, arrived 13:58, went in 14:01, left 14:52, back at school 15:20 → completed
 *   no_contact: signed out 13:30, arrived 13:58, back at school 14:30 without anyone answering → cancelled
 */
export const allEntryChecks = ['invitedByResponsibleAdult', 'parentalResponsibilityPresent', 'notOnlyAChild', 'animalsOutOfRoom', 'idShown', 'purposeExplained']

async function step(visitor: Agent, visitId: string, name: string, form: Record<string, string | string[]> = {}): Promise<void> {
  const response = await visitor.post(`/visits/${visitId}/live/${name}`, form)
  assert.equal(response.statusCode, 303, `${name}: ${response.body.slice(0, 400)}`)
}

export async function goOnVisit(ctx: { clock: FixedClock }, visitor: Agent, visitId: string, how: 'contact' | 'no_contact'): Promise<void> {
  ctx.clock.set(at('13:30'))
  await step(visitor, visitId, 'sign-out')
  ctx.clock.set(at('13:58'))
  await step(visitor, visitId, 'arrived')
  if (how === 'contact') {
    ctx.clock.set(at('14:01'))
    await step(visitor, visitId, 'go-in', { entry: allEntryChecks })
    ctx.clock.set(at('14:52'))
    await step(visitor, visitId, 'left')
    ctx.clock.set(at('15:20'))
  } else {
    ctx.clock.set(at('14:30'))
  }
  await step(visitor, visitId, 'back-at-school')
}
