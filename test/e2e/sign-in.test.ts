import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/** Foundation item 10: a person signs in, finds their way round, and signs out — in a real browser. */
describe('signing in and out in a browser', () => {
  it('the Westside DSL signs in, visits every page in the menu and signs out', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey

    await page.goto('/')
    assert.match(new URL(page.url()).pathname, /^\/sign-in$/, 'a signed-out visitor is sent to the sign-in page')
    await assertLoaded(journey, 'Sign in to Doorstep')
    await screenshot(page, 'sign-in')

    await page.getByLabel('Email address').fill('dsl@westside.example')
    await page.getByLabel('Password', { exact: true }).fill('doorstep-demo')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await assertLoaded(journey, 'Westside School')
    await assert.doesNotReject(page.getByRole('banner').getByText('Priya Sharma').waitFor())

    const menu = page.getByRole('navigation', { name: 'Menu' })
    const entries = await menu.getByRole('link').evaluateAll((links) => links.map((a) => ({ text: a.textContent!.trim(), href: a.getAttribute('href')! })))
    assert.deepEqual(entries.slice(0, 1), [{ text: 'Home', href: '/' }])
    assert.ok(!entries.some((e) => e.text === 'Staff'), 'the DSL is not a staff admin, so has no Staff entry')
    for (const entry of entries) {
      await menu.getByRole('link', { name: entry.text, exact: true }).click()
      assert.equal(new URL(page.url()).pathname, entry.href)
      await assertLoaded(journey)
      const current = menu.getByRole('link', { name: entry.text, exact: true })
      assert.equal(await current.getAttribute('aria-current'), 'page', `the menu marks “${entry.text}” as the current page`)
      await screenshot(page, `dsl-${entry.href === '/' ? 'home' : entry.href.slice(1).replace(/\//g, '-')}`)
      // A group of the menu lists its pages: each of them is checked too.
      if (entry.href === '/follow-up' || entry.href === '/reports') {
        const pages = await page.getByRole('main').getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')!))
        assert.ok(pages.length > 0, `the DSL has pages under “${entry.text}”`)
        for (const href of pages) {
          await page.goto(href)
          await assertLoaded(journey)
          assert.equal(await menu.getByRole('link', { name: entry.text, exact: true }).getAttribute('aria-current'), 'true', `“${entry.text}” is marked on ${href}`)
        }
        await page.goto(entry.href)
      }
    }

    await page.getByRole('banner').getByRole('link', { name: 'Your account' }).click()
    await assertLoaded(journey, 'Your account')
    await screenshot(page, 'dsl-account')

    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click()
    await assertLoaded(journey, 'Sign in to Doorstep')
    await assert.doesNotReject(page.getByText('You have signed out').waitFor())
    await screenshot(page, 'signed-out')
    await page.goto('/account')
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'after signing out the account page needs signing in again')
  })

  it('a wrong password shows the error summary, which links to the email field', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    await page.goto('/sign-in')
    await page.getByLabel('Email address').fill('dsl@westside.example')
    await page.getByLabel('Password', { exact: true }).fill('not-the-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await assertLoaded(journey, 'Sign in to Doorstep')
    assert.match(await page.title(), /^Error: /)
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    const link = summary.getByRole('link', { name: 'Enter a correct email address and password' })
    assert.equal(await link.getAttribute('href'), '#email')
    assert.equal(await page.getByLabel('Email address').inputValue(), 'dsl@westside.example', 'the email address is kept')
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not sent back')
    await screenshot(page, 'sign-in-wrong-password')
    await link.click()
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'email', 'the summary link moves focus to the field')
  })

  it('signing in and out works with JavaScript turned off', async (t) => {
    const journey = await startJourney(t, { javaScriptEnabled: false })
    const { page } = journey
    await signInAs(page, 'dsl@westside.example')
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Westside School')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('You have signed out').waitFor()
    assert.equal(new URL(page.url()).pathname, '/sign-in')
  })

  it('the home page fits a 360 px wide phone without sideways scrolling', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page } = journey
    await page.goto('/sign-in')
    await assertLoaded(journey, 'Sign in to Doorstep')
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the sign-in page is no wider than the screen')
    await screenshot(page, 'phone-sign-in')
    await signInAs(page, 'dsl@westside.example')
    await assertLoaded(journey, 'Westside School')
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(width <= 360, `the home page is ${width} px wide on a 360 px screen`)
    await screenshot(page, 'phone-home')
  })

  it('assertLoaded fails when axe finds a violation (the check can fail)', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    await page.goto('/sign-in')
    await page.evaluate(() => {
      const image = document.createElement('img')
      image.src = '/assets/doorstep.svg'
      document.querySelector('main')!.append(image)
    })
    await assert.rejects(assertLoaded(journey), /image-alt: Images must have alternative text/)
  })
})
