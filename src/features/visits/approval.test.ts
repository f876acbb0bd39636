import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'
import { allAnswers, as, basePlan, completePlan, createDraft, ok, school, type School } from './fixtures.ts'
import { findVisit } from './repository.ts'
import { mayStartVisit } from './service.ts'

type VisitJson = {
  id: string
  status: string
  version: number
  history: Array<{ summary: string }>
  approvals: { outstanding: unknown[]; decisions: Array<{ outcome: string; reason: string; decidedBy: string }> }
  riskAssessment: { status: string } | null
}
type Problem = { detail: string; errors?: Array<{ pointer: string; detail: string }> }

/** A Westside visit (visitor + SLT) taken to "awaiting approval": the deputy completes the assessment, the head signs it off. */
async function awaitingApproval(ctx: TestApp, s: School, plan: Record<string, unknown> = {}): Promise<{ visitId: string; visitor: Agent; head: Agent }> {
  const visitor = await as(ctx, 'visitor', 'westside')
  const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', plan))
  await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
  const deputy = await as(ctx, 'deputy', 'westside')
  await ok(await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false }))
  const head = await as(ctx, 'head', 'westside')
  await ok(await head.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))
  return { visitId, visitor, head }
}

describe('approving a visit (R-APPROVE-1)', () => {
  it('R-APPROVE-1 a visit goes from draft through risk assessment to approval by the headteacher', async (t) => {
    const ctx = await testApp(t)
    const westside = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, westside, await completePlan(ctx, westside, 'Leo', 'Hannah'))

    const submitted = await visitor.json('POST', westside.url(`/${visitId}/submit`), {})
    await ok(submitted)
    assert.equal((submitted.json() as VisitJson).status, 'awaiting_risk_assessment')

    const slt = await as(ctx, 'slt', 'westside')
    const deputy = await as(ctx, 'deputy', 'westside')
    const completed = await deputy.json('POST', westside.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false })
    await ok(completed)
    assert.equal((completed.json() as VisitJson).riskAssessment?.status, 'completed')

    const head = await as(ctx, 'head', 'westside')
    const notYet = await head.json('POST', westside.url(`/${visitId}/approve`), {})
    assert.equal(notYet.statusCode, 409)
    assert.equal((notYet.json() as Problem).detail, 'This visit cannot be approved until its risk assessment has been signed off.')

    await ok(await head.json('POST', westside.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))

    const bySlt = await slt.json('POST', westside.url(`/${visitId}/approve`), {})
    assert.equal(bySlt.statusCode, 403)
    assert.equal((bySlt.json() as Problem).detail, 'This visit must be approved by the headteacher. You do not hold that role in this school.')

    const queue = textOf((await head.get('/visits/approvals')).body)
    assert.match(queue, /Visits waiting for your approval.*Leo Marsh.*Approve or refuse/)

    const waiting = await findVisit(ctx.pool, westside.id, visitId)
    assert.deepEqual(mayStartVisit(waiting!), { ok: false, reasons: ['This visit cannot start until it is approved; it is awaiting approval.'] })

    const approved = await head.post(`/visits/${visitId}/approve`, {})
    assert.equal(approved.headers.location, `/visits/${visitId}?done=approved`)

    assert.deepEqual(mayStartVisit((await findVisit(ctx.pool, westside.id, visitId))!), { ok: true })
    const page = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(page, /Approved/)
    assert.match(page, /Sent for risk assessment/)
    assert.match(page, /Risk assessment completed: no potential risks found/)
    assert.match(page, /Risk assessment signed off; the visit now awaits approval/)
    assert.match(page, /Grace Adeyemi Approved the visit /)
  })

  it('R-APPROVE-1 nobody approves a visit they are going on (King’s Academy Gomer: the DSL on the visit, the associate head approves)', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'kings-gomer')
    const visitor = await as(ctx, 'visitor', 'kings-gomer')
    const visitId = await createDraft(
      visitor,
      s,
      await completePlan(ctx, s, 'Oliver', 'Sarah', { staff: [{ userId: await s.staff('visitor'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }] }),
    )
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
    // King's Gomer: the visiting staff complete the dynamic assessment; the associate head or DSL signs it off.
    const completeByOffice = await (await as(ctx, 'office', 'kings-gomer')).json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false })
    assert.equal(completeByOffice.statusCode, 403)
    assert.match((completeByOffice.json() as Problem).detail, /completed by the staff going on the visit/)
    await ok(await visitor.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false }))
    const deputy = await as(ctx, 'deputy', 'kings-gomer')
    await ok(await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'sign_off' }))

    const dsl = await as(ctx, 'dsl', 'kings-gomer')
    const own = await dsl.json('POST', s.url(`/${visitId}/approve`), {})
    assert.equal(own.statusCode, 403)
    assert.match((own.json() as Problem).detail, /You are going on this visit, and this policy does not let anyone approve a visit they are going on/)
    const page = await dsl.post(`/visits/${visitId}/approve`, {})
    assert.equal(page.statusCode, 403)
    assert.match(textOf(page.body), /You are going on this visit/)

    const approved = await deputy.json('POST', s.url(`/${visitId}/approve`), {})
    await ok(approved)
    assert.equal((approved.json() as VisitJson).status, 'approved')
  })

  it('R-APPROVE-2 a refusal needs a reason, and both are recorded', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s)
    const noReason = await head.post(`/visits/${visitId}/refuse`, { reason: '  ' })
    assert.equal(noReason.statusCode, 400)
    assert.match(textOf(noReason.body), /There is a problem Give the reason for refusing the visit/)
    const apiNoReason = await head.json('POST', s.url(`/${visitId}/refuse`), {})
    assert.equal((apiNoReason.json() as Problem).detail, 'Give the reason for refusing the visit')

    const refused = await head.json('POST', s.url(`/${visitId}/refuse`), { reason: 'Invite Ms Marsh into school first; she has agreed to come on Friday.' })
    await ok(refused)
    const visit = refused.json() as VisitJson
    assert.equal(visit.status, 'refused')
    assert.deepEqual(visit.approvals.decisions.map((d) => [d.outcome, d.reason]), [['refused', 'Invite Ms Marsh into school first; she has agreed to come on Friday.']])
    const page = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(page, /Refused by Grace Adeyemi on .*: Invite Ms Marsh into school first/)
    const change = await visitor.json('PATCH', s.url(`/${visitId}`), { purposeDetail: 'Try again' })
    assert.equal(change.statusCode, 409)
  })

  it('R-APPROVE-1 a change to the staff, time or address after approval sends the visit back', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s)
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))

    // A new contingency plan needs nothing re-done.
    const contingency = await visitor.json('PATCH', s.url(`/${visitId}`), { contingencyPlan: 'Ring the office from the corner shop; they send a taxi.' })
    assert.equal((contingency.json() as VisitJson).status, 'approved')

    const moved = await visitor.json('PATCH', s.url(`/${visitId}`), { startAt: '10:30', endAt: '11:15' })
    await ok(moved)
    const visit = moved.json() as VisitJson
    assert.equal(visit.status, 'awaiting_approval')
    assert.ok(visit.history.some((e) => e.summary === 'Sent back for approval because the time changed'))
    assert.equal(visit.approvals.outstanding.length, 1)

    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    const staffed = await visitor.json('PATCH', s.url(`/${visitId}`), { staff: [{ userId: await s.staff('visitor'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }] })
    assert.equal((staffed.json() as VisitJson).status, 'awaiting_approval')
    assert.ok((staffed.json() as VisitJson).history.some((e) => e.summary === 'Sent back for approval because the staff going changed'))

    const page = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(page, /Sent back for approval because the staff going changed/)
  })
})

describe('a new address (R-RISK-2)', () => {
  it('R-RISK-2 moving an approved visit to another address re-opens its risk assessment', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s)
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    const { rows } = await ctx.pool.query<{ id: string }>(
      `WITH address AS (
         INSERT INTO addresses (school_id, line1, town, postcode) VALUES ($1, '3 Rylett Crescent', 'London', 'W12 9RP') RETURNING id)
       INSERT INTO pupil_addresses (school_id, pupil_id, address_id, is_main)
       SELECT $1, vp.pupil_id, address.id, false FROM address, visit_pupils vp WHERE vp.visit_id = $2
       RETURNING address_id AS id`,
      [s.id, visitId],
    )
    const moved = await visitor.json('PATCH', s.url(`/${visitId}`), { addressId: rows[0]!.id })
    await ok(moved)
    const visit = moved.json() as VisitJson
    assert.equal(visit.status, 'awaiting_risk_assessment')
    assert.equal(visit.riskAssessment?.status, 'reopened')
    assert.ok(visit.history.some((e) => e.summary === 'Risk assessment re-opened because the address changed'))
  })
})

describe('the risk assessment (R-RISK-1..3, R-PURPOSE-2)', () => {
  it('R-RISK-2 the assessment is completed by the role the policy names (Westside: SLT)', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', { staff: [{ userId: await s.staff('visitor'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }] }))
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
    const response = await visitor.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false })
    assert.equal(response.statusCode, 403)
    assert.equal((response.json() as Problem).detail, 'This risk assessment is completed by a member of the senior or central leadership team and signed off by the headteacher.')

    const deputy = await as(ctx, 'deputy', 'westside')
    const missing = await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: { ...allAnswers(), exit_routes: '' } })
    assert.equal(missing.statusCode, 400)
    const problem = missing.json() as Problem
    assert.ok(problem.errors?.some((e) => e.pointer === '/answers/exit_routes' && e.detail === 'Record exit routes, or write “None known”'))
    assert.ok(problem.errors?.some((e) => e.pointer === '/risksFound'))

    await ok(await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false }))
    const bySlt = await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'sign_off' })
    assert.equal(bySlt.statusCode, 403)
    assert.equal((bySlt.json() as Problem).detail, 'This risk assessment must be signed off by the headteacher.')
  })

  it('R-PURPOSE-2 where risks are found, Doorstep suggests inviting the family into school and records the decision', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const deputy = await as(ctx, 'deputy', 'westside')
    const first = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah'))
    await ok(await visitor.json('POST', s.url(`/${first}/submit`), {}))

    const undecided = await deputy.json('POST', s.url(`/${first}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: true })
    assert.equal(undecided.statusCode, 400)
    assert.equal((undecided.json() as Problem).detail, 'The assessment found potential risks. Decide whether to invite the family into school instead of visiting')
    const page = await deputy.post(`/visits/${first}/risk-assessment`, { ...Object.fromEntries(Object.entries(allAnswers()).map(([k, v]) => [`answers-${k}`, v])), risksFound: 'yes', action: 'complete' })
    assert.equal(page.statusCode, 400)
    assert.match(textOf(page.body), /consider inviting the family into school instead/i)

    const noReason = await deputy.json('POST', s.url(`/${first}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: true, inviteDecision: 'go_ahead' })
    assert.equal((noReason.json() as Problem).detail, 'Say why the visit should still go ahead rather than inviting the family into school')
    const goAhead = await deputy.json('POST', s.url(`/${first}/risk-assessment`), {
      action: 'complete',
      answers: allAnswers(),
      risksFound: true,
      inviteDecision: 'go_ahead',
      inviteReason: 'Ms Marsh cannot leave her baby; two experienced staff, doorstep first.',
    })
    await ok(goAhead)
    assert.ok((goAhead.json() as VisitJson).history.some((e) => /Decided to go ahead with the home visit rather than invite the family into school: Ms Marsh cannot leave her baby/.test(e.summary)))

    const second = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', { date: '2026-11-27' }))
    await ok(await visitor.json('POST', s.url(`/${second}/submit`), {}))
    const invite = await deputy.json('POST', s.url(`/${second}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: true, inviteDecision: 'invite_instead' })
    await ok(invite)
    const cancelled = invite.json() as VisitJson & { cancelledReason: string }
    assert.equal(cancelled.status, 'cancelled')
    assert.match(cancelled.cancelledReason, /The family will be invited into school instead, because the risk assessment found potential risks/)
  })

  it('R-RISK-3 Morecambe Road can request police accompaniment, shown to everyone on the visit', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'morecambe-road')
    // A Morecambe Road pupil and parent from the demo visits (the demo names them from its pupils).
    const { rows } = await ctx.pool.query<{ pupilId: string; contactId: string; addressId: string }>(
      `SELECT vp.pupil_id AS "pupilId", vc.contact_id AS "contactId", v.address_id AS "addressId"
         FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN visit_contacts vc ON vc.visit_id = v.id
        WHERE v.school_id = $1 AND v.status = 'awaiting_approval'`,
      [s.id],
    )
    const demo = rows[0]!
    const visitor = await as(ctx, 'visitor', 'morecambe-road')
    const visitId = await createDraft(visitor, s, await basePlan(s, { pupilIds: [demo.pupilId], contactIds: [demo.contactId], addressId: demo.addressId, date: '2026-11-30' }))
    await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
    const deputy = await as(ctx, 'deputy', 'morecambe-road')
    await ok(await deputy.json('POST', s.url(`/${visitId}/risk-assessment`), { action: 'complete', answers: allAnswers(), risksFound: false, animalsKeptAwayRequested: true, policeAccompanimentRequested: true }))
    const page = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(page, /Police accompaniment has been requested for this visit/)
    assert.match(page, /Police accompaniment requested for this visit/)

    // Westside's policy has no such request.
    const westside = await school(ctx, 'westside')
    const wsVisitor = await as(ctx, 'visitor', 'westside')
    const wsVisit = await createDraft(wsVisitor, westside, await completePlan(ctx, westside, 'Leo', 'Hannah'))
    await ok(await wsVisitor.json('POST', westside.url(`/${wsVisit}/submit`), {}))
    const refused = await (await as(ctx, 'deputy', 'westside')).json('POST', westside.url(`/${wsVisit}/risk-assessment`), { action: 'save', policeAccompanimentRequested: true })
    assert.equal(refused.statusCode, 400)
  })

  it('R-RISK-2 a hazard added to the address after the assessment re-opens it and sends the visit back', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s)
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    const { rows } = await ctx.pool.query<{ pupil_id: string; address_id: string }>(
      'SELECT vp.pupil_id, v.address_id FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id WHERE v.id = $1',
      [visitId],
    )
    const dsl = await as(ctx, 'dsl', 'westside')
    const added = await dsl.post(`/pupils/${rows[0]!.pupil_id}/addresses/${rows[0]!.address_id}/hazards`, { kind: 'animal', description: 'New Rottweiler, not friendly.', animalsWillBeShutAway: 'not-asked' })
    assert.equal(added.statusCode, 303, added.body.slice(0, 500))

    const visit = (await visitor.json('GET', s.url(`/${visitId}`))).json() as VisitJson
    assert.equal(visit.status, 'awaiting_risk_assessment')
    assert.equal(visit.riskAssessment?.status, 'reopened')
    assert.ok(visit.history.some((e) => /Risk assessment re-opened: A new hazard was recorded at the address: animal.*New Rottweiler/i.test(e.summary)))
    const approve = await head.json('POST', s.url(`/${visitId}/approve`), {})
    assert.equal(approve.statusCode, 409)
  })

  it('R-RISK-2 a hazard recorded some other way is caught when the visit is read', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor } = await awaitingApproval(ctx, s)
    await ctx.pool.query(
      `INSERT INTO address_hazards (school_id, address_id, kind, description, recorded_at)
       SELECT school_id, address_id, 'aggression', 'Neighbour reports threats to callers.', now() FROM visits WHERE id = $1`,
      [visitId],
    )
    const page = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(page, /Awaiting risk assessment/)
    assert.match(page, /Re-opened: A new hazard was recorded at the address after the assessment was completed: Neighbour reports threats to callers\./)
  })
})

/** The visitor (lead) and the DSL (second) go; the deputy completes the assessment, the head signs it off. */
async function visitorAndDsl(s: School, codeWord: string) {
  return {
    codeWord,
    staff: [{ userId: await s.staff('visitor'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }],
  }
}

const codeWordOf = async (agent: Agent, s: School, visitId: string) => ((await agent.json('GET', s.url(`/${visitId}`))).json() as { codeWord?: string }).codeWord

describe('the code word (R-ITIN-2)', () => {
  it('R-ITIN-2 is seen by the office and the DSL or head, by the visitors once the visit is approved, by nobody else, and never kept in the history', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s, await visitorAndDsl(s, 'Purple elephant'))
    await ok(await visitor.json('PATCH', s.url(`/${visitId}`), { codeWord: 'Orange giraffe' }))
    // Not approved yet: the visitor who is not also office, DSL or head does not see it.
    assert.equal(await codeWordOf(visitor, s, visitId), undefined)
    assert.match(textOf((await visitor.get(`/visits/${visitId}`)).body), /Agreed\. You will see it here once the visit is approved\./)
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))

    for (const local of ['visitor', 'dsl', 'office', 'head', 'deputy.dsl', 'deputy']) {
      const agent = await as(ctx, local, 'westside')
      assert.match(textOf((await agent.get(`/visits/${visitId}`)).body), /Orange giraffe/, `${local} sees the code word`)
      assert.equal(((await agent.json('GET', s.url(`/${visitId}`))).json() as { codeWord?: string }).codeWord, 'Orange giraffe')
    }
    const slt = await as(ctx, 'slt', 'westside')
    const page = await slt.get(`/visits/${visitId}`)
    await ok(page)
    assert.equal(page.headers['cache-control'], 'private, no-store')
    assert.equal((await slt.json('GET', s.url(`/${visitId}`))).headers['cache-control'], 'private, no-store')
    assert.doesNotMatch(page.body, /Orange giraffe|Purple elephant/)
    assert.match(textOf(page.body), /Agreed\. Only the office, the DSL or headteacher, and the staff going on the visit once it is approved, can see it\./)
    const api = (await slt.json('GET', s.url(`/${visitId}`))).json() as Record<string, unknown>
    assert.equal(api.codeWord, undefined)
    assert.equal(api.hasCodeWord, true)
    assert.doesNotMatch(JSON.stringify(api), /Orange giraffe|Purple elephant/)
    const editPage = await slt.get(`/visits/${visitId}/plan/staff`)
    assert.doesNotMatch(editPage.body, /Orange giraffe|Purple elephant/)

    // Not in lists, the history or the audit trail.
    assert.doesNotMatch((await visitor.get('/visits')).body, /Orange giraffe/)
    assert.doesNotMatch((await visitor.json('GET', s.url())).body, /Orange giraffe/)
    const leaks = await ctx.pool.query(
      `SELECT (SELECT count(*)::int FROM visit_events WHERE summary ILIKE '%giraffe%' OR payload::text ILIKE '%giraffe%' OR summary ILIKE '%elephant%' OR payload::text ILIKE '%elephant%') AS events,
              (SELECT count(*)::int FROM audit_log WHERE summary ILIKE '%giraffe%' OR change::text ILIKE '%giraffe%' OR summary ILIKE '%elephant%' OR change::text ILIKE '%elephant%') AS audit`,
    )
    assert.deepEqual(leaks.rows[0], { events: 0, audit: 0 })
    const history = textOf((await visitor.get(`/visits/${visitId}`)).body)
    assert.match(history, /Changed the code word/)
  })

  it('R-ITIN-2 someone who may change a visit but not read its code word (SLT) does not see it by adding themselves: the approved visit goes back for approval first', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, head } = await awaitingApproval(ctx, s, await visitorAndDsl(s, 'Silver kettle'))
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    const slt = await as(ctx, 'slt', 'westside')
    assert.equal(await codeWordOf(slt, s, visitId), undefined)

    const joined = await slt.json('PATCH', s.url(`/${visitId}`), {
      staff: [{ userId: await s.staff('visitor'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }, { userId: await s.staff('slt'), role: 'note_taker' }],
    })
    await ok(joined)
    assert.equal((joined.json() as VisitJson).status, 'awaiting_approval')
    assert.doesNotMatch(joined.body, /Silver kettle/)
    assert.equal(await codeWordOf(slt, s, visitId), undefined, 'not while the changed visit waits for approval')
    const page = await slt.get(`/visits/${visitId}`)
    assert.doesNotMatch(page.body, /Silver kettle/)
    const briefing = await slt.get(`/visits/${visitId}/briefing`)
    await ok(briefing)
    assert.doesNotMatch(briefing.body, /Silver kettle/)
    assert.match(textOf(briefing.body), /A code word has been agreed\. You will see it here once the visit is approved\./)

    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    assert.equal(await codeWordOf(slt, s, visitId), 'Silver kettle', 'once re-approved, everyone going reads it')
  })

  it('R-ITIN-2 adding yourself to a draft or a visit waiting for approval does not show its code word before the visit is approved', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const slt = await as(ctx, 'slt', 'westside')
    const withSlt = [{ userId: await s.staff('visitor'), role: 'lead' }, { userId: await s.staff('dsl'), role: 'second' }, { userId: await s.staff('slt'), role: 'note_taker' }]
    const draft = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah', await visitorAndDsl(s, 'Copper kettle')))
    await ok(await slt.json('PATCH', s.url(`/${draft}`), { staff: withSlt }))
    assert.equal(await codeWordOf(slt, s, draft), undefined)
    assert.doesNotMatch((await slt.get(`/visits/${draft}/plan/staff`)).body, /Copper kettle/)

    const { visitId } = await awaitingApproval(ctx, s, await visitorAndDsl(s, 'Brass kettle'))
    await ok(await slt.json('PATCH', s.url(`/${visitId}`), { staff: withSlt }))
    assert.equal(await codeWordOf(slt, s, visitId), undefined)
    assert.doesNotMatch((await slt.get(`/visits/${visitId}/briefing`)).body, /Brass kettle/)
  })

  it('R-ITIN-2 R-APPROVE-1 a new code word on an approved visit sends it back for approval; the visitors read the new word once it is approved again', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s, await visitorAndDsl(s, 'Red kite'))
    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    assert.equal(await codeWordOf(visitor, s, visitId), 'Red kite')

    const slt = await as(ctx, 'slt', 'westside')
    const changed = await slt.json('PATCH', s.url(`/${visitId}`), { codeWord: 'Blue tit' })
    await ok(changed)
    const visit = changed.json() as VisitJson
    assert.equal(visit.status, 'awaiting_approval')
    assert.ok(visit.history.some((e) => e.summary === 'Sent back for approval because the code word changed'))
    assert.equal(visit.approvals.outstanding.length, 1)
    assert.equal(await codeWordOf(visitor, s, visitId), undefined)
    assert.match(textOf((await visitor.get(`/visits/${visitId}/briefing`)).body), /Not approved yet — you cannot leave for this visit/)

    await ok(await head.json('POST', s.url(`/${visitId}/approve`), {}))
    assert.equal(await codeWordOf(visitor, s, visitId), 'Blue tit')
  })
})

describe('pages and the API check a decision alike (R-APPROVE-2, R-CANCEL-1)', () => {
  /** The messages in a page's GOV.UK error summary. */
  const summaryOf = (html: string) => {
    const list = /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? ''
    return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item]) => textOf(item!))
  }
  const problemOf = (body: string) => (JSON.parse(body) as Problem).errors?.map((e) => e.detail) ?? [(JSON.parse(body) as Problem).detail]

  it('R-APPROVE-2 R-CANCEL-1 the approve, refuse and cancel pages refuse what the API refuses, with the same message, and nothing changes', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const { visitId, visitor, head } = await awaitingApproval(ctx, s)
    const tooLong = 'x'.repeat(5001)
    const cases: Array<{ who: Agent; action: string; form: Record<string, string>; json: Record<string, unknown>; message: string }> = [
      { who: head, action: 'refuse', form: { reason: tooLong }, json: { reason: tooLong }, message: 'The reason must be 5000 characters or fewer' },
      { who: head, action: 'refuse', form: { reason: '   ' }, json: { reason: '   ' }, message: 'Give the reason for refusing the visit' },
      { who: head, action: 'approve', form: { note: tooLong }, json: { note: tooLong }, message: 'The note must be 5000 characters or fewer' },
      { who: head, action: 'approve', form: { version: 'yesterday' }, json: { version: 'yesterday' }, message: 'The version of the visit must be a whole number' },
      { who: visitor, action: 'cancel', form: { cancelReason: 'other', reason: tooLong }, json: { cancelReason: 'other', reason: tooLong }, message: 'The reason must be 5000 characters or fewer' },
      { who: visitor, action: 'cancel', form: { cancelReason: 'other', reason: '' }, json: { cancelReason: 'other', reason: '' }, message: 'Say why the visit is cancelled' },
      { who: visitor, action: 'cancel', form: { reason: 'Moved away' }, json: { reason: 'Moved away' }, message: 'Choose why the visit is cancelled' },
      { who: visitor, action: 'cancel', form: { cancelReason: 'other', reason: ['Moved away', 'Twice'] as unknown as string }, json: { cancelReason: 'other', reason: ['Moved away', 'Twice'] }, message: 'The reason must be text' },
    ]
    for (const { who, action, form, json, message } of cases) {
      const page = await who.post(`/visits/${visitId}/${action}`, form)
      assert.equal(page.statusCode, 400, `${action} page: ${textOf(page.body).slice(0, 300)}`)
      assert.deepEqual(summaryOf(page.body), [message], `${action} page`)
      const api = await who.json('POST', s.url(`/${visitId}/${action}`), json)
      assert.equal(api.statusCode, 400, `${action} API`)
      assert.deepEqual(problemOf(api.body), [message], `${action} API`)
    }
    const after = (await head.json('GET', s.url(`/${visitId}`))).json() as VisitJson
    assert.equal(after.status, 'awaiting_approval')
    assert.deepEqual(after.approvals.decisions, [])

    // What both accept: the longest reason there may be.
    const longest = await head.post(`/visits/${visitId}/refuse`, { reason: 'y'.repeat(5000) })
    assert.equal(longest.statusCode, 303)
  })

  it('the pupils page and the API refuse a visit about nobody alike, with the same message', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const visitor = await as(ctx, 'visitor', 'westside')
    const visitId = await createDraft(visitor, s, await completePlan(ctx, s, 'Leo', 'Hannah'))
    const page = await visitor.post(`/visits/${visitId}/pupils`, {})
    assert.equal(page.statusCode, 400)
    assert.deepEqual(summaryOf(page.body), ['Choose at least one pupil to visit'])
    const api = await visitor.json('PATCH', s.url(`/${visitId}`), { pupilIds: [] })
    assert.equal(api.statusCode, 400)
    assert.deepEqual(problemOf(api.body), ['Choose at least one pupil to visit'])
    assert.equal(((await visitor.json('GET', s.url(`/${visitId}`))).json() as { pupils: unknown[] }).pupils.length, 1)
  })
})
