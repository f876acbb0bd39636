import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fixedClock } from '../../../test/clock.ts'
import { runDeadlines, signIn, testApp, textOf, tick, userId, type TestApp } from '../../../test/helpers.ts'
import { startSmtpSink } from '../../../test/smtp-server.ts'
import { allDay, at, leoVisit, ok, signOutOfSchool } from '../live/fixtures.ts'
import { school } from '../visits/fixtures.ts'
import { readPdf } from './fixtures.ts'

/**
 * Cancellations in writing (R-CANCEL-1): one list of reasons in planning and at the door; for the reasons the
 * policies want in writing, a notice to the policy's recipients (in Doorstep and by email, with no family
 * detail) and a PDF kept on the visit for those who may read the visit.
 */

async function visitOf(ctx: TestApp, schoolName: string, status: string): Promise<{ id: string; pupil: string }> {
  const { rows } = await ctx.pool.query<{ id: string; pupil: string }>(
    `SELECT v.id, p.first_name || ' ' || p.last_name AS pupil FROM visits v JOIN schools s ON s.id = v.school_id
       JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE s.name = $1 AND v.status = $2 ORDER BY v.planned_start LIMIT 1`,
    [schoolName, status],
  )
  assert.ok(rows[0], `a ${status} visit at ${schoolName}`)
  return rows[0]
}

async function notificationsOf(ctx: TestApp, email: string, kind: string): Promise<Array<{ title: string; link: string }>> {
  const { rows } = await ctx.pool.query<{ title: string; link: string }>('SELECT title, link FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY created_at', [await userId(ctx.pool, email), kind])
  return rows
}

describe('cancellations in writing', () => {
  it('R-CANCEL-1 a visit cancelled in planning because the staff felt unsafe sends the head a notice in Doorstep and by email (no family detail), kept on the visit as a PDF', async (t) => {
    const sink = await startSmtpSink(t)
    const ctx = await testApp(t, { jobs: { pollInterval: 50 }, mailer: sink.mailer() })
    const visit = await visitOf(ctx, 'Westside School', 'awaiting_approval')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const page = textOf((await visitor.get(`/visits/${visit.id}/cancel`)).body)
    assert.match(page, /We felt unsafe/)
    assert.match(page, /Animals were not kept away/)
    assert.match(page, /sent in writing to the headteacher/)
    await ok(visitor.post(`/visits/${visit.id}/cancel`, { cancelReason: 'felt_unsafe', reason: 'A man at the address shouted at us on the phone.' }))

    const shown = textOf((await visitor.get(`/visits/${visit.id}`)).body)
    assert.match(shown, /Cancelled: We felt unsafe: A man at the address shouted at us on the phone\./)
    assert.match(shown, /The reason was sent in writing to Grace Adeyemi on .* Download the cancellation notice \(PDF\)/)
    assert.deepEqual(await notificationsOf(ctx, 'head@westside.example', 'cancellation'), [{ title: 'Westside School: a home visit was cancelled', link: `/visits/${visit.id}` }])
    assert.deepEqual(await notificationsOf(ctx, 'office@westside.example', 'cancellation'), [], 'only the policy’s recipients are told')

    const [mail] = await sink.waitFor(1)
    assert.deepEqual(mail!.to, ['head@westside.example'])
    assert.equal(mail!.subject, 'Westside School: a home visit was cancelled')
    assert.ok(mail!.text.includes(`/visits/${visit.id}`), mail!.text)
    for (const secret of [visit.pupil, visit.pupil.split(' ')[1]!, 'shouted', 'unsafe']) assert.ok(!mail!.text.includes(secret) && !mail!.subject.includes(secret), `the email does not say "${secret}"`)

    const pdf = await visitor.get(`/visits/${visit.id}/cancellation-notice.pdf`)
    assert.equal(pdf.statusCode, 200)
    assert.equal(pdf.headers['content-type'], 'application/pdf')
    const { pages, text } = await readPdf(pdf.rawPayload)
    assert.equal(pages, 1)
    assert.match(text, /Notice of a cancelled home visit/)
    assert.match(text, new RegExp(visit.pupil))
    assert.match(text, /Reason: We felt unsafe/)
    assert.match(text, /A man at the address shouted at us on the phone/)
    assert.match(text, /To: the headteacher \(Grace Adeyemi\)/)
    // R-CONF-1: who may read the visit reads the notice; a visitor not on it gets "not found".
    assert.equal((await (await signIn(ctx, 'office@westside.example')).get(`/visits/${visit.id}/cancellation-notice.pdf`)).statusCode, 200)
    assert.equal((await (await signIn(ctx, 'visitor2@westside.example')).get(`/visits/${visit.id}/cancellation-notice.pdf`)).statusCode, 404)
    const head = await signIn(ctx, 'head@westside.example')
    const list = textOf((await ok(head.get('/cancellations'), 200)).body)
    assert.match(list, new RegExp(`${visit.pupil} We felt unsafe: A man at the address shouted`))
    const audit = await ctx.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY seq`, [visit.id])
    assert.ok(audit.rows.some((r) => r.action === 'visit.cancellation.notice_sent'), 'the notice is in the audit history')
  })

  it('R-CANCEL-1 the recipients come from the policy: Morecambe Road’s go to its central leadership team', async (t) => {
    const ctx = await testApp(t)
    const visit = await visitOf(ctx, 'Morecambe Road School', 'draft')
    const head = await signIn(ctx, 'head@morecambe-road.example')
    const s = await school(ctx, 'morecambe-road')
    const response = await head.json('POST', s.url(`/${visit.id}/cancel`), { cancelReason: 'family_declined', reason: '' })
    assert.equal(response.statusCode, 200, response.body)
    const notice = await head.json('GET', `/api/v1/schools/${s.id}/visits/${visit.id}/cancellation-notice`)
    assert.equal(notice.statusCode, 200, notice.body)
    const body = JSON.parse(notice.body) as { reason: string; recipientRoles: string[]; recipientNames: string[]; pdf: string }
    assert.equal(body.reason, 'family_declined')
    assert.deepEqual(body.recipientRoles, ['slt'])
    const slt = await ctx.pool.query<{ name: string }>(`SELECT DISTINCT u.name FROM school_memberships m JOIN users u ON u.id = m.user_id WHERE m.school_id = $1 AND m.role = 'slt' ORDER BY u.name`, [s.id])
    assert.deepEqual(body.recipientNames, slt.rows.map((r) => r.name))
    assert.equal((await notificationsOf(ctx, 'slt@morecambe-road.example', 'cancellation')).length, 1)
    assert.equal((await notificationsOf(ctx, 'head@morecambe-road.example', 'cancellation')).length, 0, 'the head is not on Morecambe Road’s list')
  })

  it('R-CANCEL-1 bad input: no reason, or "another reason" without words, is refused with the GOV.UK error summary and nothing is cancelled; "another reason" sends no notice', async (t) => {
    const ctx = await testApp(t)
    const visit = await visitOf(ctx, 'Westside School', 'awaiting_approval')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const none = await visitor.post(`/visits/${visit.id}/cancel`, { reason: 'x' })
    assert.equal(none.statusCode, 400)
    assert.match(textOf(none.body), /There is a problem Choose why the visit is cancelled/)
    const other = await visitor.post(`/visits/${visit.id}/cancel`, { cancelReason: 'other', reason: '  ' })
    assert.equal(other.statusCode, 400)
    assert.match(textOf(other.body), /There is a problem Say why the visit is cancelled/)
    const made = await visitor.post(`/visits/${visit.id}/cancel`, { cancelReason: 'not_a_reason' })
    assert.equal(made.statusCode, 400)
    const s = await school(ctx, 'westside')
    const api = await visitor.json('POST', s.url(`/${visit.id}/cancel`), { reason: 'The family moved away' })
    assert.equal(api.statusCode, 400)
    assert.match(api.headers['content-type'] as string, /application\/problem\+json/)
    assert.equal((await ctx.pool.query('SELECT status FROM visits WHERE id = $1', [visit.id])).rows[0].status, 'awaiting_approval', 'nothing was cancelled')

    await ok(visitor.post(`/visits/${visit.id}/cancel`, { cancelReason: 'other', reason: 'The pupil is back in school.' }))
    assert.equal((await ctx.pool.query('SELECT count(*)::int AS n FROM cancellation_notices WHERE visit_id = $1', [visit.id])).rows[0].n, 0)
    assert.equal((await visitor.get(`/visits/${visit.id}/cancellation-notice.pdf`)).statusCode, 404)
    assert.match(textOf((await visitor.get(`/visits/${visit.id}`)).body), /Cancelled: Another reason: The pupil is back in school\./)
  })

  it('R-CANCEL-1 R-ENTRY-1 cancelled at the door because animals were not kept away: the same list, a notice to the head', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')) })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOutOfSchool(visitor, visitId)
    ctx.clock.set(at('13:58'))
    await ok(visitor.post(`/visits/${visitId}/live/arrived`))
    const panel = textOf((await visitor.get(`/visits/${visitId}/live`)).body)
    assert.match(panel, /Animals were not kept away/)
    const refused = await visitor.post(`/visits/${visitId}/live/cancel-at-door`, { cancelReason: 'other' })
    assert.equal(refused.statusCode, 400)
    await ok(visitor.post(`/visits/${visitId}/live/cancel-at-door`, { cancelReason: 'animals_not_kept_away', reason: 'Two large dogs loose in the front room' }))
    const head = await signIn(ctx, 'head@westside.example')
    assert.deepEqual(await notificationsOf(ctx, 'head@westside.example', 'cancellation'), [{ title: 'Westside School: a home visit was cancelled', link: `/visits/${visitId}` }])
    const { text } = await readPdf((await head.get(`/visits/${visitId}/cancellation-notice.pdf`)).rawPayload)
    assert.match(text, /Cancelled at the door/)
    assert.match(text, /Reason: Animals were not kept away/)
    assert.match(text, /Two large dogs loose in the front room/)
  })

  it('R-CANCEL-1 R-WAIT-1 when the wait for the parents ends, Doorstep sends the notice itself: the parents were not there', async (t) => {
    const ctx = await testApp(t, { config: allDay, clock: fixedClock(at('13:30')) })
    const { visitId } = await leoVisit(ctx.pool)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    await signOutOfSchool(visitor, visitId)
    ctx.clock.set(at('13:55'))
    await ok(visitor.post(`/visits/${visitId}/live/arrived`))
    await ok(visitor.post(`/visits/${visitId}/live/waiting`))
    ctx.clock.set(at('14:19'))
    await runDeadlines(ctx)
    assert.equal((await notificationsOf(ctx, 'head@westside.example', 'cancellation')).length, 0, 'not before the wait is over')
    await tick(ctx, 60_000)
    assert.equal((await notificationsOf(ctx, 'head@westside.example', 'cancellation')).length, 1)
    const head = await signIn(ctx, 'head@westside.example')
    const s = await school(ctx, 'westside')
    const notice = JSON.parse((await head.json('GET', `/api/v1/schools/${s.id}/visits/${visitId}/cancellation-notice`)).body) as { reason: string; moment: string; cancelledByName: string }
    assert.deepEqual([notice.reason, notice.moment, notice.cancelledByName], ['parents_absent', 'wait_limit', 'Doorstep'])
    const { text } = await readPdf((await head.get(`/visits/${visitId}/cancellation-notice.pdf`)).rawPayload)
    assert.match(text, /The parents were not there after 20 minutes/)
  })
})
