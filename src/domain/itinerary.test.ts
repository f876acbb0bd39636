import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signOutTooEarly, type Itinerary } from './itinerary.ts'

// A visit leaving school at 13:30 London time on Wednesday 25 November 2026 (GMT: London is UTC).
const itinerary: Itinerary = {
  leaveSchoolAt: new Date('2026-11-25T13:30:00Z'),
  arriveAt: new Date('2026-11-25T14:00:00Z'),
  scheduledStart: new Date('2026-11-25T14:00:00Z'),
  endAt: new Date('2026-11-25T15:00:00Z'),
  backAtSchoolAt: new Date('2026-11-25T15:30:00Z'),
}

describe('signing out on the day of the visit', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a week before', '2026-11-18T13:30:00Z', true],
    ['the evening before, London time', '2026-11-24T23:59:00Z', true],
    ['the morning of the day', '2026-11-25T00:01:00Z', false],
    ['on time', '2026-11-25T13:30:00Z', false],
    ['a day late (the times move to match)', '2026-11-26T09:00:00Z', false],
  ]
  for (const [label, now, refused] of cases) {
    it(`R-SIGN-1 ${label}: ${refused ? 'refused' : 'allowed'}`, () => {
      const problem = signOutTooEarly(itinerary, new Date(now))
      if (refused) assert.match(problem ?? '', /^This visit is planned for 25 November 2026\. Sign out on that day/)
      else assert.equal(problem, null)
    })
  }

  it('R-SIGN-1 reads the day in London, not UTC (summer time)', () => {
    const summer = { ...itinerary, leaveSchoolAt: new Date('2026-06-10T00:30:00+01:00') } // 23:30 UTC the day before
    assert.equal(signOutTooEarly(summer, new Date('2026-06-09T23:40:00Z')), null, '00:40 on the 10th in London')
    assert.match(signOutTooEarly(summer, new Date('2026-06-09T22:50:00Z')) ?? '', /planned for 10 June 2026/)
  })
})
