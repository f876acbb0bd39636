import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { runDeadline } from '../../src/features/live/write-path.ts'
import { londonInstant } from '../../src/features/visits/times.ts'
import { anotherPerson, assertLoaded, screenshot, signInAs, startJourney, type Journey } from './browser.ts'

/**
 * The day of a visit in a browser (decision 0018): the visitor on a small phone (360 × 740), the office
 * and the headteacher at their desks. On the demo's approved Westside visit for Leo, today (Wednesday
 * 25 November 2026): leave school 13:30, visit 14:00–15:00, back at school 15:30. The app's clock runs
 * from TEST_EPOCH and the journey moves it to the moment each step happens; a deadline that comes due is
 * run as the deadline worker runs it (`runDeadline`), so nothing waits real minutes.
 */

const PHONE = { width: 360, height: 740 }
const at = (time: string) => londonInstant('2026-11-25', time)
const allEntryChecks = [
  'A responsible adult invited us in',
  'An adult with parental responsibility (or someone they asked) is there',
  'An adult is at home, not only a child',
  'Animals are out of the room',
  'We showed our identification',
  'We explained why we are visiting',
]

async function leoVisit(journey: Journey): Promise<{ schoolId: string; visitId: string }> {
  const { rows } = await journey.pool.query<{ schoolId: string; visitId: string }>(
    `SELECT v.school_id AS "schoolId", v.id AS "visitId" FROM visits v JOIN schools s ON s.id = v.school_id
       JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE s.name = 'Westside School' AND v.status = 'approved' AND p.first_name = 'Leo'`,
  )
  assert.ok(rows[0], "the demo has today's approved visit for Leo")
  return rows[0]
}

/** Nothing on the page is wider than the phone: no sideways scrolling. */
async function assertFitsPhone(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, screen: window.innerWidth }))
  assert.ok(widths.page <= PHONE.width && widths.body <= PHONE.width, `${page.url()} scrolls sideways on a ${PHONE.width} px phone: ${JSON.stringify(widths)}`)
}

/** Every page a visitor sees on their phone: loaded, accessible, not wider than the screen. */
async function assertPhonePage(journey: Journey, heading: string | RegExp): Promise<void> {
  await assertLoaded(journey, heading)
  await assertFitsPhone(journey.page)
}

async function appCheckIns(journey: Journey, visitId: string): Promise<number> {
  const { rows } = await journey.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM check_ins WHERE visit_id = $1 AND channel = 'app' AND kind IS DISTINCT FROM 'leaving_school'`, [visitId])
  return rows[0]!.n
}

async function stageOf(journey: Journey, visitId: string): Promise<string | null> {
  const { rows } = await journey.pool.query<{ stage: string | null }>('SELECT stage FROM visits WHERE id = $1', [visitId])
  return rows[0]!.stage
}

/** The visits list → "Today" → the day's page: the next step is the second tap. */
async function openTodayFromTheList(journey: Journey): Promise<void> {
  const { page } = journey
  // On a phone the menu folds behind its button (when JavaScript runs).
  const toggle = page.getByRole('button', { name: 'Menu' })
  if (await toggle.isVisible()) await toggle.click()
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Visits', exact: true }).click()
  await assertPhonePage(journey, 'Visits')
  await page.getByRole('link', { name: 'Today – the day of the visit to Leo Marsh' }).click()
  await assertPhonePage(journey, 'The day of the visit')
}

/** The requests made while there was no signal failed, as they should; nothing else went wrong. */
function assertOnlyLostRequests(journey: Journey): void {
  const lost = journey.problems.splice(0)
  assert.ok(lost.length > 0, 'the taps made without signal did fail to send')
  assert.ok(lost.every((problem) => /^request failed: .*\/check-ins \(net::ERR_INTERNET_DISCONNECTED\)$/.test(problem)), `only the taps made without signal failed:\n${lost.join('\n')}`)
}

/** What the page says about the last taps. */
const tapStatus = (page: Page) => page.getByRole('status').filter({ has: page.locator('.doorstep-tap-status__line') })

describe('the day of a visit in a browser', () => {
  it('R-SIGN-1 R-CHECK-1 R-ESC-1 R-ESC-2 R-ESC-4 the visitor signs out and checks in on a phone, offline too; the next check-in is missed; the office answers the alarm and the headteacher records the visitors safe', { timeout: 240_000 }, async (t) => {
    const journey = await startJourney(t, { viewport: PHONE })
    const { page, context } = journey
    const { schoolId, visitId } = await leoVisit(journey)
    await context.grantPermissions(['geolocation'])
    await context.setGeolocation({ latitude: 51.4927, longitude: -0.2339, accuracy: 20 })

    journey.clock.set(at('13:28'))
    await signInAs(page, 'visitor@westside.example')
    await assertPhonePage(journey, 'Westside School')
    await openTodayFromTheList(journey)
    await screenshot(page, 'live-1-phone-before-sign-out')
    // The visit page opens with the same panel: signing out is one tap from there too.
    await page.getByRole('link', { name: 'The visit' }).click()
    await assertPhonePage(journey, 'Leo Marsh')
    assert.match(await page.locator('.doorstep-today-panel').innerText(), /^Today\s+Not signed out yet\s+Leave school at 13:30, visit 14:00 to 15:00, back at school by 15:30\./)
    await assert.doesNotReject(page.locator('.doorstep-today-panel').getByRole('button', { name: 'Sign out of school' }).waitFor())
    await screenshot(page, 'live-1b-phone-visit-page')
    await page.goBack()
    await assertPhonePage(journey, 'The day of the visit')

    // Sign out: the tap goes by fetch, and the day's panel is replaced with the one the server sent back.
    journey.clock.set(at('13:30'))
    await page.getByRole('button', { name: 'Sign out of school' }).click()
    await tapStatus(page).getByText('Sign out of school: recorded.').waitFor()
    assert.equal(await stageOf(journey, visitId), 'signed_out')
    assert.match(await page.locator('#live').innerText(), /Signed out of school[\s\S]*Next: The office calls you at 14:10/)
    await assertPhonePage(journey, 'The day of the visit')

    // Check in, with the phone's location.
    journey.clock.set(at('13:45'))
    await page.getByRole('button', { name: 'Check in now' }).click()
    await tapStatus(page).getByText('Check-in recorded.').waitFor()
    const located = await journey.pool.query<{ latitude: number; longitude: number; accuracy: number }>(
      `SELECT latitude, longitude, accuracy_m AS accuracy FROM check_ins WHERE visit_id = $1 AND channel = 'app' AND kind IS DISTINCT FROM 'leaving_school'`,
      [visitId],
    )
    assert.deepEqual(located.rows, [{ latitude: 51.4927, longitude: -0.2339, accuracy: 20 }])
    await assertPhonePage(journey, 'The day of the visit')
    await screenshot(page, 'live-2-phone-checked-in')

    // No signal: the check-in is kept on the phone and said to be not sent; the server has nothing yet.
    await context.setOffline(true)
    journey.clock.set(at('14:20'))
    await page.getByRole('button', { name: 'Check in now' }).click()
    await tapStatus(page).getByText('Check in now: not sent yet — Doorstep will keep trying.').waitFor()
    assert.equal(await tapStatus(page).getByText('Check-in recorded.').count(), 0, 'the earlier "recorded" does not read as this tap\'s')
    assert.equal(await page.getByRole('button', { name: 'Check in now' }).isDisabled(), true, 'the same tap is not made twice while it waits')
    assert.equal(await appCheckIns(journey, visitId), 1)
    await screenshot(page, 'live-3-phone-offline-not-sent')
    const kept = JSON.parse((await page.evaluate(() => localStorage.getItem('doorstep.taps'))) ?? '[]') as Array<{ label: string; fields: string[][] }>
    assert.deepEqual(kept.map((tap) => tap.label), ['Check in now'], 'the tap is kept on the phone')
    assert.ok(kept[0]!.fields.some(([name, value]) => name === 'latitude' && value === '51.4927'), 'with its location')
    await context.setOffline(false)
    await tapStatus(page).getByText('Check-in recorded.').waitFor({ timeout: 20_000 })
    assert.equal(await tapStatus(page).getByText(/not sent yet/).count(), 0)
    assert.equal(await appCheckIns(journey, visitId), 2, 'sent once signal was back, and recorded once')
    assertOnlyLostRequests(journey)
    await assertPhonePage(journey, 'The day of the visit')
    await screenshot(page, 'live-4-phone-sent-after-offline')
    assert.equal(await page.evaluate(() => localStorage.getItem('doorstep.taps')), '[]', 'nothing is left waiting on the phone')

    // A kept tap outlives the page: check-ins cannot get through, the page is reloaded, and the new page sends it.
    const noCheckIns = (route: { abort(code: string): Promise<void> }) => route.abort('internetdisconnected')
    await page.route('**/check-ins', noCheckIns)
    journey.clock.set(at('14:40'))
    await page.getByRole('button', { name: 'Check in now' }).click()
    await tapStatus(page).getByText('Check in now: not sent yet — Doorstep will keep trying.').waitFor()
    await page.reload()
    await tapStatus(page).getByText('Check in now: not sent yet — Doorstep will keep trying.').waitFor()
    assert.equal(await appCheckIns(journey, visitId), 2)
    await page.unroute('**/check-ins', noCheckIns)
    await tapStatus(page).getByText('Check-in recorded.').waitFor({ timeout: 20_000 })
    assert.equal(await appCheckIns(journey, visitId), 3, 'recorded once')
    assertOnlyLostRequests(journey)
    await assertPhonePage(journey, 'The day of the visit')

    // The visitors arrive and go in; then nobody checks in, and they are not back by 15:30 (+10 minutes' grace).
    await page.getByRole('button', { name: 'We have arrived' }).click()
    await tapStatus(page).getByText('We have arrived: recorded.').waitFor()
    for (const check of allEntryChecks) await page.getByRole('checkbox', { name: check }).check()
    await page.getByRole('button', { name: 'We are going in' }).click()
    await assertPhonePage(journey, 'The day of the visit')
    await page.getByText('We are going in: recorded.').waitFor()
    journey.clock.set(at('15:41'))
    await runDeadline(journey.app.deps, { schoolId, visitId })

    // The office: the alert, the alarm page, "no answer" on both mobiles.
    const office = await anotherPerson(journey)
    await signInAs(office.page, 'office@westside.example')
    await assertLoaded(office, 'Westside School')
    await office.page.goto('/notifications')
    await assertLoaded(office, 'Your alerts')
    await office.page.getByRole('link', { name: 'Doorstep alarm at Westside School: a home visit needs attention now' }).first().click()
    await assertLoaded(office, 'Missed check-in')
    assert.match(await office.page.locator('#summary').innerText(), /Missed check-in: back at school was due at 15:30/)
    await screenshot(office.page, 'live-5-office-alarm')
    const step1 = office.page.locator('#acknowledge-1')
    await step1.getByRole('radio', { name: 'No answer' }).check()
    await step1.getByLabel('Note (optional)').fill('Both mobiles went to voicemail')
    await step1.getByRole('button', { name: 'Acknowledge step 1' }).click()
    await assertLoaded(office, 'Missed check-in')
    await office.page.getByText('Acknowledgement recorded.').waitFor()
    assert.match(await office.page.locator('#step-1').innerText(), /Acknowledged by .* No answer/)

    // Westside's ladder: the headteacher is alerted at once, and records that the visitors are safe.
    const head = await anotherPerson(journey)
    await signInAs(head.page, 'head@westside.example')
    await assertLoaded(head, 'Westside School')
    await head.page.goto('/notifications')
    await assertLoaded(head, 'Your alerts')
    await head.page.getByRole('link', { name: 'Doorstep alarm at Westside School: a home visit needs attention now' }).first().click()
    await assertLoaded(head, 'Missed check-in')
    const safe = head.page.locator('#safe-form')
    await safe.getByRole('radio', { name: 'Spoke to a visitor, who is safe' }).check()
    await safe.getByLabel('Who confirmed it, and anything else to record').fill('Spoke to Sam: the meeting ran over, both safe')
    await safe.getByRole('button', { name: 'Record that the visitors are safe' }).click()
    await assertLoaded(head, 'Missed check-in')
    await head.page.getByText('Recorded that the visitors are safe. The alarm is closed.').waitFor()
    assert.match(await head.page.locator('#safe').locator('xpath=following-sibling::p[1]').innerText(), /confirmed the visitors are safe at 15:41: Spoke to a visitor, who is safe \(Spoke to Sam: the meeting ran over, both safe\)/)
    await screenshot(head.page, 'live-6-head-visitors-safe')
    const { rows } = await journey.pool.query<{ closedHow: string }>('SELECT closed_how AS "closedHow" FROM alarms WHERE visit_id = $1', [visitId])
    assert.deepEqual(rows, [{ closedHow: 'spoke_to_visitor' }])

    // The visitor's own page never showed the alarm.
    await page.reload()
    await assertPhonePage(journey, 'The day of the visit')
    assert.doesNotMatch(await page.locator('main').innerText(), /alarm/i)
  })

  it('R-ALERT-1 the visitor sets PINs; the duress PIN ends the visit as normal on the phone and raises a silent alarm that only the office sees', { timeout: 240_000 }, async (t) => {
    const journey = await startJourney(t, { viewport: PHONE })
    const { page } = journey
    const { visitId } = await leoVisit(journey)

    journey.clock.set(at('12:50'))
    await signInAs(page, 'visitor@westside.example')
    await page.getByRole('banner').getByRole('link', { name: 'Your account' }).click()
    await assertPhonePage(journey, 'Your account')
    await page.getByLabel('Visit PIN', { exact: true }).fill('2468')
    await page.getByLabel('Confirm your visit PIN').fill('2468')
    await page.getByLabel('Duress PIN', { exact: true }).fill('2468')
    await page.getByLabel('Confirm your duress PIN').fill('2468')
    await page.getByRole('button', { name: 'Set your PINs' }).click()
    await assertPhonePage(journey, 'Your account')
    await page.getByRole('alert').getByRole('link', { name: 'Your duress PIN must be different from your visit PIN' }).waitFor()
    await screenshot(page, 'live-7-phone-pins-error')
    for (const [label, pin] of [['Visit PIN', '2468'], ['Confirm your visit PIN', '2468'], ['Duress PIN', '1357'], ['Confirm your duress PIN', '1357']] as const) {
      await page.getByLabel(label, { exact: true }).fill(pin)
    }
    await page.getByRole('button', { name: 'Set your PINs' }).click()
    await assertPhonePage(journey, 'Your account')
    await page.getByText('Your PINs are saved. Ending a visit now asks for your PIN.').waitFor()

    // The day's page is left open for 40 minutes: the session ends (30 idle minutes) before the visitor signs out.
    // The tap is kept; once they sign in again, it is sent.
    await openTodayFromTheList(journey)
    journey.clock.set(at('13:30'))
    await page.getByRole('button', { name: 'Sign out of school' }).click()
    await tapStatus(page).getByText('Sign out of school: not sent yet — you have been signed out. Sign in again and Doorstep will send it.').waitFor()
    assert.equal(await stageOf(journey, visitId), null, 'not signed out of school yet')
    await assertPhonePage(journey, 'The day of the visit')
    await screenshot(page, 'live-7b-phone-signed-out-tap-kept')
    await tapStatus(page).getByRole('link', { name: 'Sign in again' }).click()
    await assertPhonePage(journey, 'Sign in to Doorstep')
    await page.getByLabel('Email address').fill('visitor@westside.example')
    await page.getByLabel('Password', { exact: true }).fill('doorstep-demo')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await tapStatus(page).getByText('Sign out of school: recorded.').waitFor()
    await assertPhonePage(journey, 'The day of the visit')
    assert.equal(await stageOf(journey, visitId), 'signed_out')

    // Out on the visit: arrive, go in (the entry checklist first refuses, then takes every check).
    journey.clock.set(at('13:58'))
    await page.getByRole('button', { name: 'We have arrived' }).click()
    await tapStatus(page).getByText('We have arrived: recorded.').waitFor()
    await page.getByRole('checkbox', { name: 'A responsible adult invited us in' }).check()
    await page.getByRole('button', { name: 'We are going in' }).click()
    await assertPhonePage(journey, 'The day of the visit')
    const summary = page.getByRole('alert')
    await summary.getByRole('link', { name: /Do not go in if only a child is at home/ }).click()
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'child-alone', 'the error takes the visitor to "Child alone at home"')
    await screenshot(page, 'live-8-phone-go-in-errors')
    for (const check of allEntryChecks) await page.getByRole('checkbox', { name: check }).check()
    journey.clock.set(at('14:00'))
    await page.getByRole('button', { name: 'We are going in' }).click()
    await assertPhonePage(journey, 'The day of the visit')
    assert.equal(await stageOf(journey, visitId), 'in_home')

    // Leaving asks for the PIN: a wrong one is refused with the page's own errors; the visit PIN ends the stage.
    journey.clock.set(at('15:00'))
    const leave = page.locator('#end-left')
    await leave.getByLabel('Your PIN').fill('0000')
    await leave.getByRole('button', { name: 'We have left the address' }).click()
    // Refused: the page posts the form itself, and shows the server's page with its errors.
    await page.waitForURL(`**/visits/${visitId}/live/left`)
    await assertPhonePage(journey, 'The day of the visit')
    await page.getByRole('alert').getByText('That PIN is not right. Try again').waitFor()
    assert.equal(await stageOf(journey, visitId), 'in_home')
    await page.locator('#end-left').getByLabel('Your PIN').fill('2468')
    await page.locator('#end-left').getByRole('button', { name: 'We have left the address' }).click()
    await tapStatus(page).getByText('We have left the address: recorded.').waitFor()
    await screenshot(page, 'live-9-phone-pin-box')

    // Back at school, under duress: the phone shows an ordinary ending.
    journey.clock.set(at('15:25'))
    await page.locator('#end-back-at-school').getByLabel('Your PIN').fill('1357')
    await page.locator('#end-back-at-school').getByRole('button', { name: 'Back at school' }).click()
    await tapStatus(page).getByText('Back at school: recorded.').waitFor()
    await assertPhonePage(journey, 'The day of the visit')
    await screenshot(page, 'live-10-phone-after-duress')
    const { rows } = await journey.pool.query<{ kind: string; status: string }>('SELECT a.kind, v.status FROM alarms a JOIN visits v ON v.id = a.visit_id WHERE a.visit_id = $1', [visitId])
    assert.deepEqual(rows, [{ kind: 'duress', status: 'completed' }])
    for (const url of [`/visits/${visitId}/live`, `/visits/${visitId}`, '/visits', '/notifications', '/']) {
      await page.goto(url)
      await assertPhonePage(journey, /./)
      assert.doesNotMatch(await page.locator('body').innerText(), /alarm|duress/i, `the visitor's ${url} says nothing of the alarm`)
    }

    // The office's alerts have it, at the top, as urgent.
    const office = await anotherPerson(journey)
    await signInAs(office.page, 'office@westside.example')
    await assertLoaded(office, 'Westside School')
    await office.page.goto('/notifications')
    await assertLoaded(office, 'Your alerts')
    assert.match(await office.page.locator('#notifications').innerText(), /Urgent\s+Doorstep alarm at Westside School: a home visit needs attention now/)
    await office.page.getByRole('link', { name: 'Doorstep alarm at Westside School: a home visit needs attention now' }).first().click()
    await assertLoaded(office, 'Silent alarm')
    assert.match(await office.page.locator('#summary').innerText(), /The duress PIN was used to end the visit/)
    await screenshot(office.page, 'live-11-office-duress-alarm')
  })

  it('R-SIGN-1 R-CHECK-1 without JavaScript the day\'s forms post as ordinary forms', { timeout: 240_000 }, async (t) => {
    // With scripts off the browser runs none of ours, axe included: these are the pages the journeys above check with axe.
    const journey = await startJourney(t, { viewport: PHONE, javaScriptEnabled: false })
    const { page } = journey
    const { visitId } = await leoVisit(journey)
    const heading = async (text: string) => assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), text)
    journey.clock.set(at('13:30'))
    await signInAs(page, 'visitor@westside.example')
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Visits', exact: true }).click()
    await heading('Visits')
    await page.getByRole('link', { name: 'Today – the day of the visit to Leo Marsh' }).click()
    await heading('The day of the visit')
    await page.getByRole('button', { name: 'Sign out of school' }).click()
    await heading('The day of the visit')
    await page.getByText('Sign out of school: recorded.').waitFor()
    await page.getByRole('button', { name: 'Check in now' }).click()
    await heading('The day of the visit')
    await page.getByText('Check-in recorded.').waitFor()
    assert.equal(await appCheckIns(journey, visitId), 1)
    assert.deepEqual(journey.problems, [])
    await screenshot(page, 'live-12-phone-no-javascript')
  })
})
