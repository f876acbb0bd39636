import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, signInAs, startJourney } from './browser.ts'

/**
 * Lists on a 360 px phone (R-BRIEF-1: the visits list is how a visitor reaches the briefing on a phone):
 * wide tables become stacked rows, so no page scrolls sideways.
 */
describe('list pages on a phone', () => {
  it('no list page scrolls sideways at 360 px, and each still passes axe', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page } = journey
    const pages: Array<[string, string, string]> = [
      ['head@westside.example', '/visits', 'Visits'],
      ['head@westside.example', '/pupils', 'Pupils'],
      ['head@westside.example', '/readiness', 'Staff readiness'],
      ['head@westside.example', '/visits/approvals', 'Waiting for you'],
      ['head@westside.example', '/staff', 'Staff'],
      ['visitor@westside.example', '/readiness/me', 'Your readiness'],
    ]
    let who = ''
    for (const [email, url] of pages) {
      if (email !== who) {
        await journey.context.clearCookies()
        await signInAs(page, email)
        who = email
      }
      await page.goto(url)
      await assertLoaded(journey)
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= 360, `${url} is ${width} px wide at 360 px`)
    }
  })
})
