import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

describe('a school admin manages staff in a browser', () => {
  it('R-STAFF-1 lists staff, opens one, and adds a member of staff who can then sign in', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    await signInAs(page, 'admin@westside.example')
    await assertLoaded(journey, 'Westside School')

    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Staff', exact: true }).click()
    await assertLoaded(journey, 'Staff')
    await screenshot(page, 'staff-list')
    const dslRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'dsl@westside.example', exact: true }) })
    const dslName = (await dslRow.getByRole('link').innerText()).trim()
    await dslRow.getByRole('link').click()
    await assertLoaded(journey, dslName)
    await assert.doesNotReject(page.getByText('Designated safeguarding lead (DSL)').first().waitFor())
    await screenshot(page, 'staff-detail')

    await page.getByRole('link', { name: 'Staff', exact: true }).first().click()
    await page.getByRole('button', { name: 'Add a member of staff' }).click()
    await assertLoaded(journey, 'Add a member of staff')
    await page.getByLabel('Full name').fill('Priya Shah')
    await page.getByLabel('Email address').fill('priya.shah-at-westside')
    await page.getByLabel('Mobile number (optional)').fill('07700 900 123')
    await page.getByLabel('Visiting staff').check()
    await page.getByRole('button', { name: 'Save' }).click()
    await assertLoaded(journey, 'Add a member of staff')
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    const problem = summary.getByRole('link', { name: /Enter an email address in the correct format/ })
    assert.equal(await problem.getAttribute('href'), '#email')
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Priya Shah', 'what was typed is kept')
    await screenshot(page, 'staff-add-error')

    await page.getByLabel('Email address').fill('priya.shah@westside.example')
    await page.getByRole('button', { name: 'Save' }).click()
    await assertLoaded(journey, 'Member of staff added')
    const panel = page.locator('.govuk-panel')
    const password = (await panel.locator('.doorstep-secret').innerText()).trim()
    assert.ok(password.length >= 10, `a temporary password is shown (got “${password}”)`)
    await screenshot(page, 'staff-added')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('You have signed out').waitFor()
    await signInAs(page, 'priya.shah@westside.example', password)
    // A temporary password: Doorstep asks for her own before anything else.
    await assertLoaded(journey, 'Choose a new password')
    await page.getByLabel('New password', { exact: true }).fill(password)
    await page.getByLabel('Confirm new password').fill(password)
    await page.getByRole('button', { name: 'Save password' }).click()
    await assertLoaded(journey, 'Choose a new password')
    await page.getByRole('alert').filter({ hasText: 'There is a problem' }).getByRole('link', { name: 'Your new password must be different from the temporary password' }).waitFor()
    await screenshot(page, 'choose-password-error')
    await page.getByLabel('New password', { exact: true }).fill('priya’s own passphrase')
    await page.getByLabel('Confirm new password').fill('priya’s own passphrase')
    await page.getByRole('button', { name: 'Save password' }).click()
    await assertLoaded(journey, 'Westside School')
    await assert.doesNotReject(page.getByRole('banner').getByText('Priya Shah').waitFor())
  })
})
