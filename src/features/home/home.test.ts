import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'

/** Issue 10 §4: the home page shows each person the work their roles bring, not a list of menu links. */
describe('the home page', () => {
  it('R-APPROVE-1 the head sees how many visits wait for their approval and today’s visits', async (t) => {
    const ctx = await testApp(t)
    const head = await signIn(ctx, 'head@westside.example')
    const text = textOf((await head.get('/')).body)
    assert.match(text, /Waiting for you 1 visit waits for your approval/)
    assert.match(text, /Today’s visits 14:00 to 15:00: Leo Marsh – Sam Carter, Laura Quinn Approved/)
    assert.match(text, /See who is out now on the office board/)
    assert.doesNotMatch(text, /What you can do/, 'not a list of menu links')
  })

  it('R-CONF-1 a visitor sees their next visits and what they must do', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const page = (await visitor.get('/')).body
    const text = textOf(page)
    assert.match(text, /Your visits What you need to do/)
    assert.match(text, /Finish planning and send the visit to Maja Wiśniewska/)
    assert.match(text, /Your next visits Today – the day of the visit to Leo Marsh .*Leo Marsh Approved .*Sofia Ferreira Awaiting approval/)
    assert.doesNotMatch(text, /Waiting for you|Today’s visits/, 'no approvals or the school’s day for a visitor')
  })

  it('R-CONF-1 a visitor with a gap in their readiness is told on the home page', async (t) => {
    const ctx = await testApp(t)
    const s = await ctx.pool.query<{ id: string; school_id: string }>(
      `SELECT u.id, m.school_id FROM users u JOIN school_memberships m ON m.user_id = u.id WHERE u.email = 'visitor2@westside.example'`,
    )
    await ctx.pool.query('DELETE FROM staff_trainings WHERE user_id = $1 AND school_id = $2', [s.rows[0]!.id, s.rows[0]!.school_id])
    const visitor = await signIn(ctx, 'visitor2@westside.example')
    const text = textOf((await visitor.get('/')).body)
    assert.match(text, /What you need to do You cannot go on visits yet: .*training.* See your readiness/)
  })

  it('R-ESC-1 the office sees today’s visits and the way to the board', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const text = textOf((await office.get('/')).body)
    assert.match(text, /Today’s visits 14:00 to 15:00: Leo Marsh/)
    assert.match(text, /See who is out now on the office board/)
    assert.doesNotMatch(text, /Waiting for you|Your next visits/)
  })

  it('someone with no work of this kind is told so, plainly', async (t) => {
    const ctx = await testApp(t)
    const governor = await signIn(ctx, 'governor@westside.example')
    assert.match(textOf((await governor.get('/')).body), /Nothing is waiting for you here/)
  })
})
