import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keptFields, newRef, outcomeOf, parseTaps, type Answer, type Tap } from './taps.ts'

/**
 * R-CHECK-1: the phone page says a tap was recorded only when the server answered with its redirect to
 * the day's page; anything unclear keeps the tap to send again (decision 0018).
 */

const visitId = '6f1c2d7e-0000-4000-8000-000000000001'
const answer = (status: number, url: string, redirected = true, heading = ''): Answer => ({ status, redirected, url: `http://127.0.0.1:3000${url}`, heading })

describe('what the answer to a tap means', () => {
  const cases: Array<[string, Answer, ReturnType<typeof outcomeOf>['kind']]> = [
    ['the network failed (no answer)', null, 'unsent'],
    ["the server's redirect to the day's page, with what was done", answer(200, `/visits/${visitId}/live?done=checked-in`), 'recorded'],
    ["the day's page of another visit", answer(200, '/visits/6f1c2d7e-0000-4000-8000-000000000002/live?done=checked-in'), 'sign-in'],
    ["the day's page without a redirect (not the answer to a post)", answer(200, `/visits/${visitId}/live?done=checked-in`, false), 'unsent'],
    ["the day's page without what was done", answer(200, `/visits/${visitId}/live`), 'sign-in'],
    ['sent to sign in', answer(200, `/sign-in?next=%2Fvisits%2F${visitId}%2Flive`), 'sign-in'],
    ['sent to choose a new password', answer(200, '/account/choose-password'), 'sign-in'],
    ['401 signed out', answer(401, `/visits/${visitId}/check-ins`, false), 'sign-in'],
    ['403 the form expired (the session changed)', answer(403, `/visits/${visitId}/check-ins`, false, 'Your form expired'), 'sign-in'],
    ['403 not allowed', answer(403, `/visits/${visitId}/check-ins`, false, 'You do not have permission'), 'refused'],
    ['400 a wrong PIN', answer(400, `/visits/${visitId}/live/left`, false, 'The day of the visit'), 'refused'],
    ['409 the visit has moved on', answer(409, `/visits/${visitId}/live/arrived`, false), 'refused'],
    ['404', answer(404, `/visits/${visitId}/check-ins`, false), 'refused'],
    ['408 the server timed out', answer(408, `/visits/${visitId}/check-ins`, false), 'unsent'],
    ['429 too many requests', answer(429, `/visits/${visitId}/check-ins`, false), 'unsent'],
    ['500', answer(500, `/visits/${visitId}/check-ins`, false), 'unsent'],
    ['503 from a proxy', answer(503, `/visits/${visitId}/check-ins`, false), 'unsent'],
  ]
  for (const [label, given, expected] of cases) {
    it(`R-CHECK-1 ${label}: ${expected}`, () => assert.equal(outcomeOf(given, visitId).kind, expected))
  }
})

describe('what the phone keeps of a tap', () => {
  it('R-ALERT-1 never the PIN, nor the security token; only text fields', () => {
    const fields = keptFields([
      ['_csrf', 'token'],
      ['clientRef', 'abcdef0123456789'],
      ['pin', '1357'],
      ['latitude', '51.5'],
      ['photo', { name: 'a file' }],
    ])
    assert.deepEqual(fields, [
      ['clientRef', 'abcdef0123456789'],
      ['latitude', '51.5'],
    ])
  })

  it('R-CHECK-1 a fresh reference per tap, of the form the server accepts', () => {
    const refs = new Set(Array.from({ length: 200 }, () => newRef()))
    assert.equal(refs.size, 200)
    for (const ref of refs) assert.match(ref, /^[A-Za-z0-9_-]{8,64}$/)
  })

  it('R-CHECK-1 kept taps survive being read back; anything else in storage is ignored, not fatal', () => {
    const tap: Tap = { ref: 'abcdef0123456789', userId: 'u', visitId, url: `/visits/${visitId}/check-ins`, fields: [['clientRef', 'abcdef0123456789']], label: 'Check in now', done: 'Check-in recorded.', hasPin: false }
    assert.deepEqual(parseTaps(JSON.stringify([tap])), [tap])
    assert.deepEqual(parseTaps(JSON.stringify([tap, { ref: 3 }, null, 'x'])), [tap])
    assert.deepEqual(parseTaps('{not json'), [])
    assert.deepEqual(parseTaps('{"a":1}'), [])
    assert.deepEqual(parseTaps(null), [])
  })
})
