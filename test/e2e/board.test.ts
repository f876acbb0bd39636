import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { recordStage } from '../../src/features/live/service.ts'
import { runDeadline } from '../../src/features/live/write-path.ts'
import { londonInstant } from '../../src/features/visits/times.ts'
import { assertLoaded, screenshot, signInAs, startJourney, type Journey } from './browser.ts'

/**
 * The office board in a browser (R-SIGN-1, R-CHECK-2, R-ESC-1, R-ESC-2): the Westside office watches
 * Leo's visit (the demo's approved visit today: leave school 13:30, the office calls at 14:10). The
 * visitors sign out; the office call is missed; the alarm reaches the open board without a reload,
 * in words and in red, and the board beeps; the office acknowledges "no answer" on the alarm page in
 * another tab and the board moves to step 2; then the office records that the visitors are safe and
 * the board goes quiet. The app's clock runs from TEST_EPOCH; the journey moves it and runs the
 * visit's deadline as the deadline worker would when the job comes due.
 */

const TODAY = '2026-11-25'
const at = (time: string) => londonInstant(TODAY, time)
const SOUND = ['--autoplay-policy=no-user-gesture-required']
// The journey jumps the clock hours on; sessions last the day (a real board keeps its own alive by refreshing).
const allDay = { session: { idleMinutes: 24 * 60, absoluteHours: 24 } }

async function leoVisit(journey: Journey): Promise<{ schoolId: string; visitId: string }> {
  const { rows } = await journey.pool.query<{ schoolId: string; visitId: string }>(
    `SELECT v.school_id AS "schoolId", v.id AS "visitId" FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE v.status = 'approved' AND p.first_name = 'Leo'`,
  )
  assert.ok(rows[0], 'the demo has an approved visit for Leo today')
  return rows[0]
}

async function visitorOf(journey: Journey, email: string) {
  const { rows } = await journey.pool.query<{ userId: string; name: string }>('SELECT id AS "userId", name FROM users WHERE email = $1', [email])
  assert.ok(rows[0])
  return { ...rows[0], roles: ['visitor'] as const }
}

/** Waits until the board's list says `text` (it changes by itself: live updates). */
async function boardSays(page: Page, text: string | RegExp): Promise<void> {
  try {
    await page.locator('#board-list').getByText(text).first().waitFor({ timeout: 10_000 })
  } catch (error) {
    await screenshot(page, 'board-failed')
    throw error
  }
}

const sounding = (page: Page) => page.evaluate(() => document.body.dataset.alarmSounding)
const beeps = (page: Page) => page.evaluate(() => Number(document.body.dataset.alarmBeeps ?? '0'))

describe('the office board in a browser', () => {
  it('R-ESC-1 R-ESC-2 R-CHECK-2 a missed office call reaches the open board at once, in words and red, with an alarm sound; acknowledging "no answer" moves it to step 2; "visitors safe" quietens it', async (t) => {
    const journey = await startJourney(t, { browserArgs: SOUND, config: allDay })
    const { page } = journey
    const leo = await leoVisit(journey)
    const visitor = await visitorOf(journey, 'visitor@westside.example')

    await signInAs(page, 'office@westside.example')
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Board', exact: true }).click()
    await assertLoaded(journey, 'Office board')
    await page.locator('#board-live').getByText(/^Live: updated \d\d:\d\d:\d\d$/).waitFor()
    await boardSays(page, /not signed out yet; due to leave at 13:30/)
    assert.equal(await page.locator('meta[http-equiv="refresh"]').count(), 0, 'a page running the script does not reload itself')
    await screenshot(page, 'board-1-morning')

    // The browser blocks sound until a button is pressed: the office turns it on.
    await page.getByRole('button', { name: 'Turn on alarm sound' }).click()
    await page.getByText('The alarm sound is on').waitFor()
    assert.equal(await sounding(page), 'false', 'nothing to sound yet')

    // Marks this page: if the board reloaded, the mark would be gone.
    await page.evaluate(() => ((window as unknown as { sameBoard: boolean }).sameBoard = true))

    // 13:30: the visitors sign out (on their phones).
    journey.clock.set(at('13:30'))
    await recordStage(journey.app.deps, visitor, leo, 'sign_out', {})
    await boardSays(page, 'Signed out of school')
    await boardSays(page, /Nothing to do yet: call the visitors at 14:10/)
    assert.equal(await page.locator('#board-not-signed-out').count(), 0)

    // 14:20: nobody recorded the office call; it is overdue, and the deadline raises the alarm.
    journey.clock.set(at('14:20'))
    await runDeadline(journey.app.deps, leo)
    await boardSays(page, 'Alarm step 1: try to reach each visitor by phone — acknowledge')
    const card = page.locator('section.doorstep-board-visit').first()
    const tag = card.locator('.govuk-tag').first()
    assert.equal((await tag.innerText()).trim(), 'Missed check-in', 'the status in words')
    assert.equal(await tag.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(244, 215, 215)', 'and in red (GOV.UK red tag)')
    assert.equal(await card.evaluate((el) => getComputedStyle(el).borderLeftColor), 'rgb(202, 53, 53)', 'the card’s edge is red')
    await boardSays(page, /Overdue by 10 minutes/)
    assert.equal(await page.evaluate(() => (window as unknown as { sameBoard?: boolean }).sameBoard), true, 'the board changed without reloading')
    await page.waitForFunction(() => document.body.dataset.alarmSounding === 'true')
    const first = await beeps(page)
    await page.waitForFunction((n) => Number(document.body.dataset.alarmBeeps) > n, first, { timeout: 10_000 })
    await assertLoaded(journey, 'Office board')
    await screenshot(page, 'board-2-alarm')

    // On a phone-sized screen, nothing makes the page wider than the screen.
    await page.setViewportSize({ width: 360, height: 740 })
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px')
    await screenshot(page, 'board-3-alarm-360')
    await page.setViewportSize({ width: 1280, height: 800 })

    // Someone has a link on the board in focus while it changes: the focus stays on that link.
    await card.getByRole('link', { name: /Information sheet for the police/ }).focus()

    // The office acknowledges on the alarm page, in another tab: "no answer" alerts the headteacher at once.
    const alarmTab = await journey.context.newPage()
    await alarmTab.goto(await card.getByRole('link', { name: /Open the alarm to acknowledge step 1/ }).getAttribute('href') ?? '')
    await assertLoaded(alarmTab, 'Missed check-in')
    await alarmTab.getByRole('radio', { name: 'No answer' }).check()
    await alarmTab.getByLabel('Note (optional)').fill('Both mobiles went to voicemail')
    await alarmTab.getByRole('button', { name: 'Acknowledge step 1' }).click()
    await alarmTab.getByText('Acknowledgement recorded.').waitFor()

    await boardSays(page, /Alarm step 2: waiting for the headteacher to decide what to do next: not acknowledged yet/)
    assert.equal(await page.evaluate(() => (window as unknown as { sameBoard?: boolean }).sameBoard), true, 'still the same board')
    assert.equal(await sounding(page), 'true', 'step 2 waits to be acknowledged: the board keeps sounding')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Information sheet for the police about Sam Carter and Laura Quinn', 'the focus stayed on the same link')
    await assertLoaded(journey, 'Office board')
    await screenshot(page, 'board-4-step-2')

    // A visitor rings back: the office records that they are safe, and the alarm leaves the board.
    await alarmTab.getByRole('radio', { name: 'Spoke to a visitor, who is safe' }).check()
    await alarmTab.getByLabel('Who confirmed it, and anything else to record').fill('Sam rang from the car: both safe')
    await alarmTab.getByRole('button', { name: 'Record that the visitors are safe' }).click()
    await alarmTab.getByText('The alarm is closed.').waitFor()
    await alarmTab.close()

    await boardSays(page, /0 open alarms\.\s+1 visit out\./)
    await page.waitForFunction(() => document.body.dataset.alarmSounding === 'false')
    assert.equal(await page.locator('.doorstep-board-alarm').count(), 0)
    await assertLoaded(journey, 'Office board')
    await screenshot(page, 'board-5-safe')
  })

  it('R-ESC-1 when the live updates stop, the board says so in red and keeps itself up to date by checking every 20 seconds', async (t) => {
    const journey = await startJourney(t, { config: allDay })
    const { page } = journey
    const leo = await leoVisit(journey)
    const visitor = await visitorOf(journey, 'visitor@westside.example')
    // A proxy that refuses the stream.
    await page.route('**/board/events', (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'Service unavailable' }))
    await signInAs(page, 'office@westside.example')
    await page.goto('/board')
    const live = page.locator('#board-live')
    await live.getByText(/^Not live: live updates have stopped, so the board checks every 20 seconds\./).waitFor()
    assert.equal(await live.evaluate((el) => getComputedStyle(el).borderLeftColor), 'rgb(202, 53, 53)', 'in red')
    journey.problems.splice(0) // the refused stream, on purpose
    await assertLoaded(journey, 'Office board')
    await screenshot(page, 'board-8-not-live')

    journey.clock.set(at('13:30'))
    await recordStage(journey.app.deps, visitor, leo, 'sign_out', {})
    await page.locator('#board-list').getByText('Signed out of school').waitFor({ timeout: 30_000 })
  })

  it('R-ESC-1 without JavaScript the board still shows the alarm, refreshing itself', async (t) => {
    const journey = await startJourney(t, { javaScriptEnabled: false, config: allDay })
    const { page } = journey
    const leo = await leoVisit(journey)
    const visitor = await visitorOf(journey, 'visitor@westside.example')
    journey.clock.set(at('13:30'))
    await recordStage(journey.app.deps, visitor, leo, 'sign_out', {})
    journey.clock.set(at('14:20'))
    await runDeadline(journey.app.deps, leo)

    await signInAs(page, 'office@westside.example')
    await page.goto('/board')
    assert.equal(await page.locator('meta[http-equiv="refresh"]').getAttribute('content'), '20', 'the page reloads itself every 20 seconds')
    await page.getByText('Alarm step 1: try to reach each visitor by phone — acknowledge').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Turn on alarm sound' }).isVisible(), false, 'no button that would do nothing')
    await screenshot(page, 'board-6-no-javascript')
    await page.getByRole('link', { name: 'Stop it refreshing' }).click()
    await screenshot(page, 'board-7-no-javascript-stopped')
    assert.equal(await page.locator('meta[http-equiv="refresh"]').count(), 0)
    // (Playwright does not read text inside <noscript>, which is what a browser without scripts shows.)
    assert.match(await page.locator('#board-live').innerText(), /This page is not refreshing itself: it does not show new alarms until you reload it/)
  })
})
