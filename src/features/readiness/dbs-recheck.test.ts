import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { demoSchoolId, signIn, testApp, textOf, userId, type TestApp } from '../../../test/helpers.ts'
import { currentPolicy } from '../policy/repository.ts'
import { sectionBySlug } from '../policy/sections.ts'

/**
 * Issue 10 point 14: how often a DBS check is renewed is a policy setting (never, or every N years) with whether an
 * overdue re-check warns or blocks; it is set in the policy editor, stated in the policy, and readiness shows when
 * each re-check is due. No preset states a re-check, so by default none falls due.
 */
function trainingForm(policy: Parameters<NonNullable<ReturnType<typeof sectionBySlug>>['toBody']>[0], changes: Record<string, string>) {
  const body = { ...sectionBySlug('training')!.toBody(policy), ...changes }
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, Array.isArray(value) ? value.map(String) : String(value ?? '')]))
}

async function publishTraining(ctx: TestApp, schoolId: string, changes: Record<string, string>) {
  const head = await signIn(ctx, 'head@westside.example')
  const { policy } = await currentPolicy(ctx.pool, schoolId, ctx.clock())
  const saved = await head.post('/policy/edit/training', trainingForm(policy, changes))
  if (saved.statusCode !== 303) return saved
  const published = await head.post('/policy/edit/publish', { 'effectiveFrom-day': '25', 'effectiveFrom-month': '11', 'effectiveFrom-year': '2026', note: 'DBS re-checks' })
  assert.equal(published.statusCode, 303, textOf(published.body).slice(0, 500))
  return published
}

describe('DBS re-checks (issue 10 point 14)', () => {
  it('R-STAFF-4 R-GOV-1 with the preset (no re-check) an old certificate is fine; every 3 years it warns and shows when it was due; set to block, the staff directory for planning shows them blocked', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const dbs = { level: 'enhanced', barredListChecked: 'yes', certificateNumber: '001234567890', issuedOn: '2022-06-01', updateService: 'no' }
    assert.equal((await office.post(`/staff/${visitor}/readiness/dbs`, dbs)).statusCode, 303)

    const person = async () => textOf((await office.get(`/staff/${visitor}/readiness`)).body)
    assert.match(await person(), /Re-check Not needed: the school’s policy does not ask for DBS re-checks/)
    assert.doesNotMatch(await person(), /was due to be renewed/)
    const head = await signIn(ctx, 'head@westside.example')
    assert.match(textOf((await head.get('/policy')).body), /A DBS check does not need renewing while the person works at the school\./)

    // The editor refuses a number out of range with the GOV.UK error summary, and saves nothing.
    const refused = await publishTraining(ctx, westside, { 'training.dbs.recheck.everyYears': '12', 'training.dbs.recheck.overdue': 'warn' })
    assert.equal(refused.statusCode, 400)
    assert.match(textOf(refused.body), /There is a problem[\s\S]*How often a DBS check is renewed must be 10 or less/)

    await publishTraining(ctx, westside, { 'training.dbs.recheck.everyYears': '3', 'training.dbs.recheck.overdue': 'warn' })
    assert.deepEqual((await currentPolicy(ctx.pool, westside, ctx.clock())).policy.training.dbs.recheck, { everyYears: 3, overdue: 'warn' })
    assert.match(textOf((await head.get('/policy')).body), /A DBS check is renewed every 3 years after its certificate was issued/)
    const warned = await person()
    assert.match(warned, /Re-check Expired Due 1 June 2025 \(3 years after issue, as they are not on the DBS Update Service; an overdue re-check is a warning\)/)
    assert.match(warned, /was due to be renewed on 1 June 2025: this policy renews it every 3 years\. They may still go/)
    const api = (await office.json('GET', `/api/v1/schools/${westside}/staff/${visitor}/readiness`)).json() as { dbs: { recheckDueOn: string }; verdict: { warnings: Array<{ code: string }> } }
    assert.equal(api.dbs.recheckDueOn, '2025-06-01')
    assert.ok(api.verdict.warnings.some((w) => w.code === 'dbs_recheck_due'))
    const directory = (await office.json('GET', `/api/v1/schools/${westside}/staff-directory`)).json() as { staff: Array<{ id: string; readiness: { status: string; warnings: Array<{ code: string }> } }> }
    assert.ok(directory.staff.find((s) => s.id === visitor)!.readiness.warnings.some((w) => w.code === 'dbs_recheck_due'))

    await publishTraining(ctx, westside, { 'training.dbs.recheck.everyYears': '3', 'training.dbs.recheck.overdue': 'block' })
    assert.match(textOf((await head.get('/policy')).body), /Doorstep will not assign anyone whose re-check is overdue\./)
    const blocked = (await office.json('GET', `/api/v1/schools/${westside}/staff-directory`)).json() as typeof directory
    const entry = blocked.staff.find((s) => s.id === visitor)!
    assert.equal(entry.readiness.status, 'blocked')
    assert.match(await person(), /an overdue re-check stops them being assigned to visits/)

    // Renewed: a new certificate, and nothing is due for 3 years.
    assert.equal((await office.post(`/staff/${visitor}/readiness/dbs`, { ...dbs, certificateNumber: '001234567891', issuedOn: '2026-11-20' })).statusCode, 303)
    assert.match(await person(), /Re-check Valid Due 20 November 2029/)
  })
})
