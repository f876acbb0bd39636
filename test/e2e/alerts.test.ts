import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/**
 * Alerts on a phone in a real browser (R-ESC-1, R-ALERT-1): the account page registers Doorstep's
 * service worker and offers to turn alerts on; a push message delivered to the worker (through the
 * DevTools protocol, as DevTools' "Push" button does: headless Chromium has no push service of its
 * own to subscribe to) is shown as a notification with the alert's title and body, linking to the
 * alarm.
 */

describe('alerts on a phone, in Chromium', () => {
  it('R-ESC-1 the account page registers the service worker, which shows a pushed alarm with its title and body and keeps its link', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page, context, baseUrl } = journey
    await context.grantPermissions(['notifications'], { origin: baseUrl })
    await signInAs(page, 'office@westside.example')
    await page.goto(`${baseUrl}/account`)
    await assertLoaded(journey, 'Your account')

    const turnOn = page.getByRole('button', { name: 'Turn on alerts on this phone' })
    await turnOn.waitFor({ state: 'visible' })
    assert.match(await page.locator('[data-push-state]').innerText(), /Alerts are off on this phone\./)
    assert.equal(await page.getByRole('button', { name: 'Turn off alerts on this phone' }).isVisible(), false, 'only the button that applies')
    assert.equal(await page.locator('[data-push-unsupported]').isVisible(), false, 'the "open this on your phone" note gives way to the button')
    await screenshot(page, 'account-alerts')
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
    assert.equal(scope, `${baseUrl}/`)

    // Deliver a push message to the worker, as a push service would after Doorstep sent one.
    const cdp = await context.newCDPSession(page)
    const registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> = []
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: typeof registrations }) => registrations.push(...event.registrations))
    await cdp.send('ServiceWorker.enable')
    const until = Date.now() + 10_000
    while (!registrations.some((r) => r.scopeURL === `${baseUrl}/` && !r.isDeleted) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
    const registration = registrations.find((r) => r.scopeURL === `${baseUrl}/` && !r.isDeleted)
    assert.ok(registration, 'the service worker is registered for the whole site')
    const alert = {
      title: 'Doorstep alarm at Westside School: a home visit needs attention now',
      body: 'Open Doorstep to see what to do.',
      url: `${baseUrl}/alarms/00000000-0000-4000-8000-000000000001`,
      tag: 'notification-1',
      urgent: true,
    }
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: baseUrl, registrationId: registration.registrationId, data: JSON.stringify(alert) })

    const shown = await page.evaluate(async () => {
      const ready = await navigator.serviceWorker.ready
      for (let i = 0; i < 100; i++) {
        const notifications = await ready.getNotifications()
        if (notifications.length) return notifications.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url, requireInteraction: n.requireInteraction }))
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      return []
    })
    assert.deepEqual(shown, [{ title: alert.title, body: alert.body, tag: alert.tag, url: alert.url, requireInteraction: true }])

    // A message that points outside Doorstep opens Doorstep's home page instead.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: baseUrl, registrationId: registration.registrationId, data: JSON.stringify({ ...alert, tag: 'notification-2', url: 'https://elsewhere.example/' }) })
    const elsewhere = await page.evaluate(async () => {
      const ready = await navigator.serviceWorker.ready
      for (let i = 0; i < 100; i++) {
        const found = (await ready.getNotifications({ tag: 'notification-2' }))[0]
        if (found) return (found.data as { url: string }).url
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      return null
    })
    assert.equal(elsewhere, `${baseUrl}/`)
    assert.deepEqual(journey.problems, [], 'no script errors or CSP violations')

    // Turning alerts on asks the browser's push service for a subscription. Headless Chromium has
    // none (it answers "permission denied"): either way the person is told what happened.
    await turnOn.click()
    await page.waitForFunction(() => !/Alerts are off/.test(document.querySelector('[data-push-state]')?.textContent ?? ''), undefined, { timeout: 15_000 })
    const told = await page.locator('[data-push-state]').innerText()
    t.diagnostic(`after "Turn on": ${told}`)
    const saved = (await journey.pool.query('SELECT 1 FROM push_subscriptions')).rowCount
    if (saved) assert.equal(told, 'Alerts are on on this phone.')
    else assert.match(told, /^Alerts could not be turned on: .+/)
  })
})
