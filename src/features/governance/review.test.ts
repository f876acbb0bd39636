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
})
