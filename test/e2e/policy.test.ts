import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sections } from '../../src/features/policy/sections.ts'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

describe('the school policy in a browser', () => {
  it('R-GOV-1 the headteacher reads and prints the policy, changes it section by section, and publishes a new version', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    await signInAs(page, 'head@westside.example')
    await assertLoaded(journey, 'Westside School')

    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Policy', exact: true }).click()
    await assertLoaded(journey, 'Westside School: Home Visit Policy')
    await assert.doesNotReject(page.getByText('A member of staff may visit alone only with a recorded decision by the headteacher').waitFor())
    await screenshot(page, 'policy')
    await page.emulateMedia({ media: 'print' })
    assert.equal(await page.getByRole('navigation', { name: 'Menu' }).isVisible(), false, 'the menu is not printed')
    assert.equal(await page.getByRole('link', { name: 'Download this policy as a PDF' }).isVisible(), false, 'the links are not printed')
    assert.equal(await page.getByRole('heading', { name: '3. During the visit' }).isVisible(), true)
    await screenshot(page, 'policy-print')
    await page.emulateMedia({ media: 'screen' })

    await page.getByRole('link', { name: 'Where each setting comes from' }).click()
    await assertLoaded(journey, 'Where each setting comes from')
    await screenshot(page, 'policy-sources')
    await page.goBack()

    await page.getByRole('link', { name: 'Change the policy' }).click()
    await assertLoaded(journey, 'Change the policy')
    for (const section of sections) {
      await page.goto(`/policy/edit/${section.slug}`)
      await assertLoaded(journey, section.title)
    }
    await screenshot(page, 'policy-edit-review')

    // The escalation ladder: add a step, leave it without a role, and be told.
    await page.goto('/policy/edit/escalation')
    await page.getByRole('button', { name: 'Add a step' }).click()
    await assertLoaded(journey, 'Escalation ladder')
    await assert.doesNotReject(page.getByRole('group', { name: 'Step 4' }).waitFor())
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await assertLoaded(journey, 'Escalation ladder')
    const problem = page.getByRole('alert').getByRole('link', { name: 'Escalation step 4 must alert at least one role.' })
    assert.equal(await problem.getAttribute('href'), '#escalation-steps-3-roles')
    await screenshot(page, 'policy-edit-escalation-error')
    await page.getByRole('button', { name: 'Remove step 4' }).click()
    await assertLoaded(journey, 'Escalation ladder')

    // Three staff on every visit, then check and publish.
    await page.goto('/policy/edit/staffing')
    await page.getByLabel('Minimum number of staff on a home visit').fill('3')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await assertLoaded(journey, 'Change the policy')
    await page.getByRole('button', { name: 'Check and publish' }).click()
    await assertLoaded(journey, 'Check and publish')
    await assert.doesNotReject(page.getByRole('row', { name: /Minimum staff on a visit 2 3/ }).waitFor())
    await page.getByLabel('What changed, and why?').fill('Three staff on every visit, after the governors’ review.')
    await screenshot(page, 'policy-publish')
    await page.getByRole('button', { name: 'Publish version 2' }).click()
    await assertLoaded(journey, /^Westside School: Home Visit Policy$/)
    await assert.doesNotReject(page.getByText('This is the version in force.').waitFor())

    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Policy', exact: true }).click()
    await assertLoaded(journey, 'Westside School: Home Visit Policy')
    await assert.doesNotReject(page.getByText('Home visits are made by at least 3 members of staff.').waitFor())
    await page.getByRole('link', { name: 'All versions of the policy' }).click()
    await assertLoaded(journey, 'Versions of the policy')
    await page.getByRole('button', { name: 'Compare' }).click()
    await assertLoaded(journey, 'Compare version 1 with version 2')
    await assert.doesNotReject(page.getByRole('row', { name: /Minimum staff on a visit 2 3/ }).waitFor())
    await screenshot(page, 'policy-compare')
  })
})
