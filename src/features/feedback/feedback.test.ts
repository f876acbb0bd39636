import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fixedClock } from '../../../test/clock.ts'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'
import { allDay, at, leoVisit, ok, signOutOfSchool } from '../live/fixtures.ts'
import { school } from '../visits/fixtures.ts'

/**
 * Staff feedback after a visit (R-FEEDBACK-1, R-GOV-2): offered to the visitors once the visit has ended, every
 * question optional, kept with the policy-review period, summarised for the head without pupils' names.
 */
describe('staff feedback', () => {
  it('R-FEEDBACK-1 once the visit has ended its visitors are offered the questions; the head reads the answers for the policy review, with no pupil named', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')) })
    const { visitId, schoolId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const before = await visitor.get(`/visits/${visitId}/feedback`)
    assert.match(textOf(before.body), /Feedback is asked for once the visit has ended\./)
    await signOutOfSchool(visitor, visitId)
    ctx.clock.set(at('14:00'))
    await ok(visitor.post(`/visits/${visitId}/live/arrived`))
    await ok(visitor.post(`/visits/${visitId}/live/go-in`, { entry: ['invitedByResponsibleAdult', 'parentalResponsibilityPresent', 'notOnlyAChild', 'animalsOutOfRoom', 'idShown', 'purposeExplained'] }))
    ctx.clock.set(at('15:00'))
    await ok(visitor.post(`/visits/${visitId}/live/left`))
    ctx.clock.set(at('15:25'))
    await ok(visitor.post(`/visits/${visitId}/live/back-at-school`))

    assert.match(textOf((await visitor.get(`/visits/${visitId}`)).body), /Give feedback on this visit \(optional, a minute\)/)
    const form = textOf((await visitor.get(`/visits/${visitId}/feedback`)).body)
    assert.match(form, /Did you feel safe during the visit\?/)
    const bad = await visitor.post(`/visits/${visitId}/feedback`, { feltSafe: 'maybe' })
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem Choose an answer to “Did you feel safe during the visit\?”, or leave it blank/)
    const given = await visitor.post(`/visits/${visitId}/feedback`, { feltSafe: 'mostly', checkInsWorked: 'yes', comments: 'The dog was loose in the garden: ask about animals outside too.' })
    assert.equal(given.statusCode, 200, textOf(given.body))
    assert.match(textOf(given.body), /Thank you for your feedback/)
    const twice = await visitor.post(`/visits/${visitId}/feedback`, { feltSafe: 'yes' })
    assert.equal(twice.statusCode, 409)
    assert.match(textOf(twice.body), /You have already given feedback on this visit/)
    assert.doesNotMatch(textOf((await visitor.get(`/visits/${visitId}`)).body), /Give feedback on this visit/)
    const office = await signIn(ctx, 'office@westside.example')
    const notOnIt = await office.post(`/visits/${visitId}/feedback`, { feltSafe: 'yes' })
    assert.equal(notOnIt.statusCode, 403)
    assert.match(textOf(notOnIt.body), /Only the staff who went on this visit give feedback on it/)

    const head = await signIn(ctx, 'head@westside.example')
    const summary = textOf((await ok(head.get('/feedback'), 200)).body)
    assert.match(summary, /1 visitor has answered/)
    assert.match(summary, /Did you feel safe during the visit\? Yes: 0 Mostly: 1 No: 0 Not answered: 0/)
    assert.match(summary, /Did the briefing tell you what you needed to know\? Yes: 0 Partly: 0 No: 0 Not answered: 1/)
    assert.match(summary, /The dog was loose in the garden/)
    for (const name of ['Leo', 'Marsh']) assert.ok(!summary.includes(name), `the summary does not name ${name}`)
    const api = JSON.parse((await head.json('GET', `/api/v1/schools/${schoolId}/feedback`)).body) as { count: number; period: { from: string } }
    assert.equal(api.count, 1)
    const westside = await school(ctx, 'westside')
    const policy = JSON.parse((await head.json('GET', `/api/v1/schools/${westside.id}/policy`)).body) as { policy: { review: { lastReviewedOn: string } } }
    assert.equal(api.period.from, policy.policy.review.lastReviewedOn, 'answers are kept with the policy-review period')
    const history = await ctx.pool.query<{ summary: string; payload: unknown }>(`SELECT summary, payload FROM visit_events WHERE visit_id = $1 AND kind = 'feedback.given'`, [visitId])
    assert.deepEqual(history.rows.map((r) => r.payload), [{}], 'the history says feedback was given, not what it said')
    assert.equal((await (await signIn(ctx, 'dsl@westside.example')).get('/feedback')).statusCode, 403)
  })
})
