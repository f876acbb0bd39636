import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/** Issue 10 §4: the home page shows the work, by role, and the menu fits on one line at 1280 px. */
describe('the home page and the menu', () => {
  it('R-CONF-1 the menu fits on one line at 1280 px for every role, and home shows each person their work', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 1280, height: 800 } })
    const { page } = journey
    const people = ['head@westside.example', 'dsl@harton.example', 'deputy@kings-gomer.example', 'office@westside.example', 'visitor@westside.example', 'admin@wna.example', 'slt@morecambe-road.example', 'trust.admin@demo-trust.example']
    for (const email of people) {
      await journey.context.clearCookies()
      await signInAs(page, email)
      await assertLoaded(journey)
      const tops = await page.$$eval('nav[aria-label="Menu"] li', (items) => items.map((item) => Math.round(item.getBoundingClientRect().top)))
      await screenshot(page, `home-${email.split('@')[0]}-${email.split('@')[1]!.split('.')[0]}`)
      assert.ok(tops.length > 1, `${email} has a menu`)
      assert.equal(new Set(tops).size, 1, `${email}: the menu wraps onto ${new Set(tops).size} lines`)
    }
    await journey.context.clearCookies()
    await signInAs(page, 'head@westside.example')
    await page.getByRole('link', { name: /1 visit waits for your approval/ }).click()
    await assertLoaded(journey, 'Approvals')
  })
})
