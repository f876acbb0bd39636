import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { signInDelayMs } from './sign-in-delay.ts'

describe('sign-in delay after wrong passwords in a row', () => {
  const rule = { freeFailures: 5, maxDelaySeconds: 60 }
  const cases: Array<[number, number]> = [
    [0, 0],
    [1, 0],
    [4, 0],
    [5, 1_000],
    [6, 2_000],
    [7, 4_000],
    [8, 8_000],
    [10, 32_000],
    [11, 60_000],
    [12, 60_000],
    [1_000_000, 60_000],
  ]
  for (const [failures, delay] of cases) {
    it(`${failures} failures: waits ${delay / 1000} s`, () => {
      assert.equal(signInDelayMs(failures, rule), delay)
    })
  }

  it('never waits longer than the cap, whatever the cap', () => {
    assert.equal(signInDelayMs(40, { freeFailures: 1, maxDelaySeconds: 3600 }), 3_600_000)
    assert.equal(signInDelayMs(3, { freeFailures: 1, maxDelaySeconds: 3 }), 3_000)
    assert.equal(signInDelayMs(1, { freeFailures: 1, maxDelaySeconds: 3 }), 1_000)
  })
})
