import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { anotherPerson, assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/**
 * Safeguarding concerns in a browser (R-SAFE-1): after the demo's Westside visit to Leo Marsh, the
 * visitor raises a disclosure on a 360 px phone; the DSL sees the alert, opens the concern and records
 * a referral to children's social care. axe runs on every page.
 */
describe('a safeguarding concern after a visit', () => {
  it('R-SAFE-1 R-CONF-1 a visitor raises a disclosure on a phone; the DSL sees the alert, opens it and records a referral', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page, pool } = journey
    const { rows } = await pool.query<{ id: string }>(
      `SELECT v.id FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id JOIN schools s ON s.id = v.school_id
        WHERE s.name = 'Westside School' AND v.status = 'approved' AND p.first_name = 'Leo'`,
    )
    const visitId = rows[0]!.id
    // The visit has happened.
    await pool.query(`UPDATE visits SET status = 'completed', outcome = 'contact' WHERE id = $1`, [visitId])

    await signInAs(page, 'visitor@westside.example')
    await assertLoaded(journey, 'Westside School')
    await page.goto(`/visits/${visitId}`)
    await assertLoaded(journey)
    await page.getByRole('link', { name: 'Raise a safeguarding concern' }).click()
    await assertLoaded(journey, 'Raise a safeguarding concern')

    // Sent without the child's words: the form says what is missing, and keeps what was typed.
    await page.getByRole('radio', { name: /A disclosure/ }).check()
    await page.getByLabel('Category').selectOption({ label: 'Neglect' })
    await page.getByLabel('What did you see or hear?').fill('No food in the kitchen and the heating off. Leo was in a T-shirt.')
    await page.getByLabel('What did you do straight away?').fill('Phoned the DSL from the car.')
    await page.getByRole('button', { name: 'Send to the DSL' }).click()
    await assertLoaded(journey, 'Raise a safeguarding concern')
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Write down what the child said, in their own words/)
    assert.equal(await page.getByLabel('What did you see or hear?').inputValue(), 'No food in the kitchen and the heating off. Leo was in a T-shirt.')
    await page.getByLabel('What did the child say, in their own words?').fill('We haven’t had tea since Sunday.')
    await screenshot(page, 'concern-1-form-phone')
    await page.getByRole('button', { name: 'Send to the DSL' }).click()
    await assertLoaded(journey, 'Safeguarding disclosure: Neglect')
    const raised = await page.locator('main').innerText()
    assert.match(raised, /Sent to the DSL/)
    assert.match(raised, /Open: the DSL has it/)
    assert.doesNotMatch(raised, /heating/, 'the raiser’s view does not repeat the detail')
    const hasSideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)
    assert.equal(hasSideways, false, 'nothing scrolls sideways at 360 px')
    await screenshot(page, 'concern-2-raised-phone')

    // The DSL at a desk: the alert, the concern, a referral.
    const dsl = await anotherPerson(journey)
    await signInAs(dsl.page, 'dsl@westside.example')
    await assertLoaded(dsl, 'Westside School')
    await dsl.page.goto('/notifications')
    await assertLoaded(dsl, 'Your alerts')
    await dsl.page.getByRole('link', { name: 'Doorstep at Westside School: a safeguarding concern has been raised' }).click()
    await assertLoaded(dsl, 'Safeguarding disclosure: Neglect')
    const detail = await dsl.page.locator('main').innerText()
    assert.match(detail, /We haven’t had tea since Sunday\./)
    assert.match(detail, /Nothing recorded yet/)
    const form = dsl.page.locator('form[action$="/actions"]')
    await form.getByRole('radio', { name: 'Referral to children’s social care' }).check()
    await form.getByLabel('What was done').fill('Referred to the front door (MASH) by phone; written referral sent.')
    await form.getByLabel('Reference (optional)').fill('MASH-88231')
    await form.getByRole('button', { name: 'Record' }).click()
    await assertLoaded(dsl, 'Safeguarding disclosure: Neglect')
    assert.match(await dsl.page.locator('#action-list').innerText(), /Referral to children’s social care: Referred to the front door \(MASH\) by phone; written referral sent\. \(reference MASH-88231\)/)
    await screenshot(dsl.page, 'concern-3-dsl-referral')

    await dsl.page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Follow-up' }).click()
    await assertLoaded(dsl, 'Follow-up after visits')
    await dsl.page.getByRole('main').getByRole('link', { name: 'Safeguarding concerns' }).click()
    await assertLoaded(dsl, 'Safeguarding concerns')
    assert.match(await dsl.page.locator('#concerns').innerText(), /Leo Marsh: Neglect \(disclosure\)/)
    await screenshot(dsl.page, 'concern-4-list')

    const views = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'concern.viewed' AND actor_name = (SELECT name FROM users WHERE email = 'dsl@westside.example')`)
    assert.equal(views.rows[0]!.n, 2, 'each of the DSL’s views of the concern is in the history')
  })

  it('R-INC-1 R-RISK-4 the headteacher, on a phone, sees the incident that asks for a review of the standing risk assessment, and marks the review done', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page } = journey
    const fits = async () => assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, `${page.url()} scrolls sideways at 360 px`)
    await signInAs(page, 'head@harton.example')
    await assertLoaded(journey, 'Harton Academy')
    await page.goto('/incidents')
    await assertLoaded(journey, 'Incidents')
    await fits()
    await screenshot(page, 'incident-1-list')
    await page.locator('#review-list').getByRole('link').first().click()
    await assertLoaded(journey, 'Incident: Trip or fall')
    await fits()
    assert.match(await page.locator('main').innerText(), /The school’s policy asks for the Lone Working and Home Visits risk assessment to reflect what visits reveal/)
    await page.getByLabel('What did the review find or change?').fill('Added a check of paths and steps on arrival.')
    await page.getByRole('button', { name: 'Mark the review done' }).click()
    await assertLoaded(journey, 'Incident: Trip or fall')
    assert.match(await page.locator('#risk-review ~ p').first().innerText(), /Reviewed by .*Added a check of paths and steps on arrival\./)
    await screenshot(page, 'incident-2-reviewed')
    await page.goto('/incidents')
    await assertLoaded(journey, 'Incidents')
    assert.equal(await page.locator('#reviews-due').count(), 0, 'the prompt has gone from the list')

    // The DSL team's list and the open disclosure, on the same phone.
    await page.goto('/concerns')
    await assertLoaded(journey, 'Safeguarding concerns')
    await fits()
    await page.getByRole('link', { name: /Callum Robson: Neglect \(disclosure\)/ }).click()
    await assertLoaded(journey, 'Safeguarding disclosure: Neglect')
    await fits()
    assert.match(await page.locator('main').innerText(), /There’s never any breakfast/)
    await screenshot(page, 'concern-5-head-phone')
  })
})
