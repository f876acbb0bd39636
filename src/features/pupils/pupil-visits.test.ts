import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''

/** Issue 10 §5: the pupil's page lists the pupil's visits and starts a plan for them. */
describe('the pupil’s visits', () => {
  it('R-CONF-1 the pupil’s page lists their visits, and “Plan a visit for this pupil” starts a plan with the pupil chosen', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT p.id FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = 'Westside School' AND p.first_name = 'Leo'`)
    const leo = rows[0]!.id
    const office = await signIn(ctx, 'office@westside.example')
    const page = await office.get(`/pupils/${leo}`)
    const text = textOf(page.body)
    assert.match(text, /Visits Plan a visit for this pupil Visits about Leo Marsh When Purpose Staff Status Wednesday 25 November 2026, 14:00 to 15:00 .* Sam Carter, Laura Quinn Approved/)

    const started = await office.post('/visits', { _csrf: csrfOf(page.body), pupilIds: leo })
    assert.equal(started.statusCode, 303)
    assert.match(String(started.headers.location), /^\/visits\/[0-9a-f-]{36}\/plan\/family$/)
    const visitId = String(started.headers.location).split('/')[2]
    const visit = textOf((await office.get(`/visits/${visitId}`)).body)
    assert.match(visit, /Leo Marsh/)
    assert.match(textOf((await office.get(`/pupils/${leo}`)).body), /Draft/, 'the new draft is on the pupil’s page')
  })

  it('R-CONF-1 a visitor sees only the visits they are on or planned', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT p.id FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = 'Westside School' AND p.first_name = 'Sofia'`)
    const visitor2 = await signIn(ctx, 'visitor2@westside.example')
    const text = textOf((await visitor2.get(`/pupils/${rows[0]!.id}`)).body)
    assert.match(text, /Visits Plan a visit for this pupil You have no visits planned for Sofia/)
  })
})
