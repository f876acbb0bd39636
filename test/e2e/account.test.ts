import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

describe('a member of staff manages their account in a browser', () => {
  it('creates an API token, which then works as Bearer authentication on the API', async (t) => {
    const journey = await startJourney(t)
    const { page, baseUrl } = journey
    await signInAs(page, 'admin@westside.example')
    await page.getByRole('banner').getByRole('link', { name: 'Your account' }).click()
    await assertLoaded(journey, 'Your account')

    await page.getByLabel('Name for a new token').fill('MIS sync')
    await page.getByRole('button', { name: 'Create API token' }).click()
    await assertLoaded(journey, 'Your account')
    const panel = page.locator('.govuk-panel')
    assert.match(await panel.innerText(), /API token created[\s\S]*MIS sync/)
    const token = (await page.locator('#new-token').innerText()).trim()
    assert.ok(token.length > 20, 'the new token is shown once')
    assert.equal(await page.getByRole('row').filter({ hasText: 'MIS sync' }).count(), 1, 'the token is listed')
    await screenshot(page, 'account-token-created')

    const me = await fetch(`${baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(me.status, 200)
    assert.equal(((await me.json()) as { email: string }).email, 'admin@westside.example')
    const anonymous = await fetch(`${baseUrl}/api/v1/me`)
    assert.equal(anonymous.status, 401)
    assert.match(anonymous.headers.get('content-type') ?? '', /application\/problem\+json/)

    await page.getByRole('button', { name: 'Revoke MIS sync' }).click()
    await assertLoaded(journey, 'Your account')
    const revoked = await fetch(`${baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(revoked.status, 401, 'a revoked token no longer works')
  })
})
