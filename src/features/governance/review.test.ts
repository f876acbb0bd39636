import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from '../../db/pool.ts'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'
import { remindPolicyReviews } from './review.ts'

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql, params)
  return rows[0]!.n
}

describe('the annual policy review', () => {
  it('R-GOV-2 the headteacher is reminded once, from 30 days before the review is due, with nothing sensitive in the message', async (t) => {
    const ctx = await testApp(t)
    // Adopted when the demo was seeded (25 November 2026): Westside, King's Academy Gomer and Harton review after 12 months, WNA after 36.
    assert.equal(await remindPolicyReviews(ctx.pool, new Date('2027-10-25T09:00:00Z')), 0, 'not yet: 31 days before')
    const sent = await remindPolicyReviews(ctx.pool, new Date('2027-10-27T09:00:00Z'))
    assert.equal(sent, 4, 'the four schools on a 12-month cycle')
    const { rows } = await ctx.pool.query<{ title: string; body: string; link: string; email: string }>(
      `SELECT n.title, n.body, n.link, u.email FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'reminder' AND n.link = '/reports/policy-review' ORDER BY u.email`,
    )
    assert.ok(rows.some((r) => r.email === 'head@westside.example' && r.title === 'Westside School: the home visits policy is due for review' && /due by 25 November 2027/.test(r.body)))
    assert.ok(rows.every((r) => r.email.startsWith('head@')), 'only headteachers')
    assert.equal(await remindPolicyReviews(ctx.pool, new Date('2027-11-20T09:00:00Z')), 0, 'once per due date')
    assert.equal(await count(ctx.pool, "SELECT count(*)::int AS n FROM audit_log WHERE action = 'policy.review_reminder_sent'"), 4)
  })

  it('R-GOV-2 R-RISK-4 the review pack gathers escalations and cancellations since the last review and the standing risk assessment’s prompts', async (t) => {
    const ctx = await testApp(t)
    const head = await signIn(ctx, 'head@harton.example')
    const page = await head.get('/reports/policy-review')
    assert.equal(page.statusCode, 200)
    const text = textOf(page.body)
    assert.match(text, /Last reviewed 25 November 2026 Next review due by 25 November 2027 \(in 365 days\)/)
    assert.match(text, /The review pack: since 25 November 2026/)
    assert.match(text, /Escalations and how fast they were acknowledged/)
    assert.match(text, /Cancellations and their reasons/)
    assert.match(text, /Review the standing risk assessment, “Lone Working and Home Visits”/)
    const governor = await signIn(ctx, 'governor@morecambe-road.example')
    assert.match(textOf((await governor.get('/reports/policy-review')).body), /The policy keeps no standing risk assessment/)
    const visitor = await signIn(ctx, 'visitor@harton.example')
    assert.equal((await visitor.get('/reports/policy-review')).statusCode, 403)
  })

  it('R-GOV-2 the review pack gathers incidents (counts by type) and staff feedback since the last review; the comments only for the head', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ schoolId: string; visitId: string; userId: string }>(
      `SELECT v.school_id AS "schoolId", v.id AS "visitId", vs.user_id AS "userId" FROM visits v JOIN schools s ON s.id = v.school_id
         JOIN visit_staff vs ON vs.visit_id = v.id WHERE s.name = 'Harton Academy' ORDER BY v.planned_start, vs.user_id LIMIT 1`,
    )
    const { schoolId, visitId, userId } = rows[0]!
    await ctx.pool.query(
      `INSERT INTO incidents (school_id, visit_id, kind, happened_at, location, what_happened, reported_by_name, recorded_at)
       VALUES ($1, $2, 'abusive_behaviour', '2026-11-25T09:00:00Z', 'The doorstep', 'Shouted at from the window', 'Harton visitor', '2026-11-25T09:30:00Z')`,
      [schoolId, visitId],
    )
    await ctx.pool.query(
      `INSERT INTO visit_feedback (school_id, visit_id, user_id, period_from, felt_safe, briefing_enough, check_ins_worked, comments, given_at)
       VALUES ($1, $2, $3, '2026-11-25', 'mostly', 'yes', 'partly', 'The second check-in came while we were still inside', '2026-11-25T09:45:00Z')`,
      [schoolId, visitId, userId],
    )
    const head = await signIn(ctx, 'head@harton.example')
    const text = textOf((await head.get('/reports/policy-review')).body)
    assert.match(text, /Incidents on home visits 1 incident was recorded in the period/)
    assert.match(text, /Abusive or threatening behaviour 1/)
    assert.doesNotMatch(text, /Shouted at from the window/)
    assert.match(text, /Feedback from staff who made visits 1 answer since 25 November 2026/)
    assert.match(text, /Mostly 1/)
    assert.match(text, /The second check-in came while we were still inside/)
    const governor = await signIn(ctx, 'governor@harton.example')
    const forGovernors = textOf((await governor.get('/reports/policy-review')).body)
    assert.match(forGovernors, /Feedback from staff who made visits 1 answer/)
    assert.doesNotMatch(forGovernors, /The second check-in came/)
    assert.match(forGovernors, /The comments are for the headteacher and associate head/)
  })
})
