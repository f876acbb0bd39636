import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

describe('a school admin registers an API client in a browser (issue 10 point 11)', () => {
  it('registers one from the Staff page, sees the secret once, the client gets a token over HTTP, and revoking stops it', async (t) => {
    const journey = await startJourney(t)
    const { page, baseUrl } = journey
    await signInAs(page, 'admin@westside.example')
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Staff', exact: true }).click()
    await assertLoaded(journey, 'Staff')
    await page.getByRole('link', { name: 'API clients' }).click()
    await assertLoaded(journey, 'API clients')

    await page.getByRole('button', { name: 'Register API client' }).click()
    await assertLoaded(journey, 'API clients')
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter a name for the client[\s\S]*Select at least one thing the client may do/)

    await page.getByLabel('Name').fill('MIS sync')
    await page.getByLabel('pupils:read').check()
    await page.getByRole('button', { name: 'Register API client' }).click()
    await assertLoaded(journey, 'API clients')
    assert.match(await page.locator('.govuk-panel').innerText(), /API client registered[\s\S]*MIS sync/)
    const id = (await page.locator('#client-id').innerText()).trim()
    const secret = (await page.locator('#client-secret').innerText()).trim()
    await screenshot(page, 'api-client-registered')
    await page.setViewportSize({ width: 360, height: 800 })
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'nothing scrolls sideways at 360 px')
    await screenshot(page, 'api-client-registered-360')
    await page.setViewportSize({ width: 1280, height: 800 })

    const grant = await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    assert.equal(grant.status, 200)
    const { access_token: token, school_id: school } = (await grant.json()) as { access_token: string; school_id: string }
    assert.equal((await fetch(`${baseUrl}/api/v1/schools/${school}/pupils`, { headers: { authorization: `Bearer ${token}` } })).status, 200)

    await page.goto(`${baseUrl}/api-clients`)
    await assertLoaded(journey, 'API clients')
    assert.equal(await page.locator('#client-secret').count(), 0, 'the secret is not shown again')
    await page.getByRole('button', { name: 'Revoke MIS sync' }).click()
    await assertLoaded(journey, 'API clients')
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /API client revoked/)
    assert.equal((await fetch(`${baseUrl}/api/v1/schools/${school}/pupils`, { headers: { authorization: `Bearer ${token}` } })).status, 401)
  })
})
