import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { readPdf } from '../../src/features/cancellations/fixtures.ts'
import { londonInstant } from '../../src/features/visits/times.ts'
import { signIn, type TestApp } from '../helpers.ts'
import { assertLoaded, screenshot, signInAs, startJourney, type Journey } from './browser.ts'

/**
 * After a visit in a browser (R-AGREE-1, R-FEEDBACK-1): the visitor, on a 360 px phone, records on the ended
 * visit the agreement made with Leo's mother and answers the feedback questions; at the review the agreement is
 * marked not kept; the office produces the reminder letter (read back with pdf.js) and marks it posted.
 * axe runs on every page (assertLoaded).
 */
const PHONE = { width: 360, height: 740 }
const at = (time: string) => londonInstant('2026-11-25', time)

async function assertFitsPhone(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth }))
  assert.ok(widths.page <= PHONE.width && widths.body <= PHONE.width, `${page.url()} scrolls sideways at ${PHONE.width} px: ${JSON.stringify(widths)}`)
}

/** The demo's visit to Leo today, gone out on and ended (through the app, as the day-of-visit journey does in its browser). */
async function endedVisit(journey: Journey): Promise<string> {
  const { rows } = await journey.pool.query<{ id: string }>(
    `SELECT v.id FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id WHERE v.status = 'approved' AND p.first_name = 'Leo'`,
  )
  const visitId = rows[0]!.id
  const visitor = await signIn({ app: journey.app, pool: journey.pool } as TestApp, 'visitor@westside.example')
  const step = async (time: string, slug: string, form: Record<string, string | string[]> = {}) => {
    journey.clock.set(at(time))
    const response = await visitor.post(`/visits/${visitId}/live/${slug}`, form)
    assert.equal(response.statusCode, 303, `${slug}: ${response.body.slice(0, 300)}`)
  }
  await step('13:30', 'sign-out')
  await step('13:58', 'arrived')
  await step('14:00', 'go-in', { entry: ['invitedByResponsibleAdult', 'parentalResponsibilityPresent', 'notOnlyAChild', 'animalsOutOfRoom', 'idShown', 'purposeExplained'] })
  await step('15:00', 'left')
  await step('15:25', 'back-at-school')
  return visitId
}

describe('agreements and letters in a browser', () => {
  it('R-AGREE-1 R-FEEDBACK-1 an agreement recorded from the visit on a phone, not kept at review, gives a letter the office prints and marks posted', { timeout: 240_000 }, async (t) => {
    const journey = await startJourney(t, { viewport: PHONE, config: { session: { idleMinutes: 1440, absoluteHours: 24 } } })
    const { page } = journey
    const visitId = await endedVisit(journey)

    // The visitor, on a phone: the ended visit offers the agreement and the feedback.
    await signInAs(page, 'visitor@westside.example')
    await assertLoaded(journey, 'Westside School')
    await page.goto(`/visits/${visitId}`)
    await assertLoaded(journey, 'Leo Marsh')
    await assertFitsPhone(page)
    await page.getByRole('link', { name: 'Record an agreement made for Leo Marsh' }).click()
    await assertLoaded(journey, 'Record an agreement for Leo Marsh')
    await assertFitsPhone(page)
    await page.getByRole('button', { name: 'Record the agreement' }).click()
    await assertLoaded(journey, 'Record an agreement for Leo Marsh')
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Choose who the agreement was made with/)
    await screenshot(page, 'agreement-1-phone-errors')
    await page.getByRole('checkbox', { name: 'Ms Hannah Marsh (Mother)' }).check()
    await page.getByLabel('What was agreed?').fill('Leo will be in school by 8:45 every Monday; his mum will phone the office by 9:00 if he is ill.')
    const review = page.getByRole('group', { name: 'Review date' })
    await review.getByLabel('Day').fill('9')
    await review.getByLabel('Month').fill('12')
    await review.getByLabel('Year').fill('2026')
    await page.getByRole('button', { name: 'Record the agreement' }).click()
    await assertLoaded(journey, 'Agreement for Leo Marsh')
    await assertFitsPhone(page)
    assert.match(await page.locator('main').innerText(), /Agreement recorded\.[\s\S]*With\s+Ms Hannah Marsh[\s\S]*Next review\s+9 December 2026/)
    await screenshot(page, 'agreement-2-phone-recorded')

    await page.goto(`/visits/${visitId}`)
    await assertLoaded(journey, 'Leo Marsh')
    await page.getByRole('link', { name: /Give feedback on this visit/ }).click()
    await assertLoaded(journey, 'Feedback on the visit')
    await assertFitsPhone(page)
    await page.getByRole('group', { name: 'Did you feel safe during the visit?' }).getByRole('radio', { name: 'Yes' }).check()
    await page.getByLabel('Anything the policy should change? (optional)').fill('The check-in reminder came at a good moment.')
    await page.getByRole('button', { name: 'Send feedback' }).click()
    await assertLoaded(journey, 'Thank you for your feedback')
    await assertFitsPhone(page)
    await screenshot(page, 'agreement-3-phone-feedback')

    // At the review (a laptop): not kept.
    await page.setViewportSize({ width: 1280, height: 800 })
    const agreementId = (await journey.pool.query<{ id: string }>(`SELECT id FROM agreements WHERE visit_id = $1`, [visitId])).rows[0]!.id
    await page.goto(`/agreements/${agreementId}`)
    await assertLoaded(journey, 'Agreement for Leo Marsh')
    await page.getByRole('button', { name: 'Review the agreement' }).click()
    await assertLoaded(journey, 'Review the agreement for Leo Marsh')
    await page.getByRole('radio', { name: 'Not kept' }).check()
    const next = page.getByRole('group', { name: 'Next review date' })
    await next.getByLabel('Day').fill('16')
    await next.getByLabel('Month').fill('12')
    await next.getByLabel('Year').fill('2026')
    await page.getByLabel('Note (optional)').fill('Late on three Mondays.')
    await page.getByRole('button', { name: 'Save the review' }).click()
    await assertLoaded(journey, 'Agreement for Leo Marsh')
    assert.match(await page.locator('main').innerText(), /Agreement marked not kept\. Produce the reminder letters below\./)

    // The office produces the letter, prints it and marks it posted.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signInAs(page, 'office@westside.example')
    await assertLoaded(journey, 'Westside School')
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Follow-up' }).click()
    await assertLoaded(journey, 'Follow-up after visits')
    await page.getByRole('main').getByRole('link', { name: 'Letters and agreement reviews' }).click()
    await assertLoaded(journey, 'Letters and agreement reviews')
    await page.getByRole('link', { name: 'Leo Marsh: not kept, letters to Ms Hannah Marsh' }).click()
    await assertLoaded(journey, 'Agreement for Leo Marsh')
    await page.getByRole('button', { name: 'Produce the reminder letters' }).click()
    await assertLoaded(journey, 'Agreement for Leo Marsh')
    await screenshot(page, 'agreement-4-letters-produced')
    const link = page.getByRole('link', { name: 'Letter to Ms Hannah Marsh (PDF)' })
    const pdf = await page.request.get((await link.getAttribute('href'))!)
    assert.equal(pdf.status(), 200)
    assert.equal(pdf.headers()['content-type'], 'application/pdf')
    const { pages, text } = await readPdf(await pdf.body())
    assert.equal(pages, 1)
    assert.match(text, /Ms Hannah Marsh .*Dear Ms Marsh, Reminder about our agreement for Leo Marsh/)
    assert.match(text, /Leo will be in school by 8:45 every Monday/)

    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Follow-up' }).click()
    await assertLoaded(journey, 'Follow-up after visits')
    await page.getByRole('main').getByRole('link', { name: 'Letters and agreement reviews' }).click()
    await assertLoaded(journey, 'Letters and agreement reviews')
    await page.getByRole('button', { name: /^Mark posted.*the letter to Ms Hannah Marsh/ }).click()
    await assertLoaded(journey, 'Letters and agreement reviews')
    assert.match(await page.locator('main').innerText(), /Letter marked posted\./)
    const main = await page.locator('main').innerText()
    assert.doesNotMatch(main.slice(main.indexOf('Letters to post'), main.indexOf('Letters to produce')), /Ms Hannah Marsh/, 'a posted letter leaves the list')
    await screenshot(page, 'agreement-5-posted')
    const posted = await journey.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM letters WHERE agreement_id = $1 AND posted_at IS NOT NULL`, [agreementId])
    assert.equal(posted.rows[0]!.n, 1)
  })
})
