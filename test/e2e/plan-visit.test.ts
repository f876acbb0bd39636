import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { londonDate } from '../../src/domain/hours.ts'
import { riskAssessmentFields } from '../../src/policy/schema.ts'
import { assertLoaded, screenshot, signInAs, startJourney, type Journey } from './browser.ts'

/**
 * Planning and authorising a visit in a browser (R-PURPOSE-1, R-RISK-1/2, R-APPROVE-1, R-STAFF-1..5,
 * R-BRIEF-1, R-LIST-1, R-ITIN-1). Westside's policy: the visiting staff plan, a member of SLT
 * completes the risk assessment, the headteacher signs it off and approves the visit.
 * The app's clock runs on from TEST_EPOCH, so the visit is on the next school day after it.
 */

/** The next Monday to Friday after the app's today (UK), as YYYY-MM-DD. */
function nextSchoolDay(now: Date): string {
  for (let days = 1; ; days++) {
    const date = londonDate(new Date(now.getTime() + days * 86_400_000))
    const weekday = new Date(`${date}T12:00:00Z`).getUTCDay()
    if (weekday >= 1 && weekday <= 5) return date
  }
}

async function userIdOf(journey: Journey, email: string): Promise<string> {
  const { rows } = await journey.pool.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email])
  assert.ok(rows[0], `no user ${email}`)
  return rows[0].id
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByText('You have signed out').waitFor()
}

type Plan = { pupil: RegExp; adult: string; address: string; leadEmail: string; secondEmail: string | null; codeWord: string; refusedAtStaff?: boolean }

/** Plans a visit through the four plan pages, as the signed-in member of staff; returns the visit's id. */
async function planVisit(journey: Journey, plan: Plan, shots: string): Promise<string> {
  const { page } = journey
  const [year, month, day] = nextSchoolDay(journey.clock()).split('-') as [string, string, string]
  const today = londonDate(journey.clock()).split('-') as [string, string, string]

  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Visits', exact: true }).click()
  await assertLoaded(journey, 'Visits')
  await page.getByRole('button', { name: 'Plan a home visit' }).click()
  await assertLoaded(journey, 'Plan a home visit')
  await page.getByRole('checkbox', { name: plan.pupil }).check()
  await page.getByRole('button', { name: 'Continue' }).click()

  await assertLoaded(journey, 'Who you are visiting and where')
  await page.getByRole('checkbox', { name: plan.adult, exact: true }).check()
  await page.getByRole('radio', { name: plan.address }).check()
  await screenshot(page, `${shots}-1-family`)
  await page.getByRole('button', { name: 'Save and continue' }).click()

  await assertLoaded(journey, 'Why you are visiting, and telling the family')
  await page.getByRole('radio', { name: 'Attendance concern' }).check()
  await page.getByLabel('The purpose in more detail').fill('Attendance has dropped this half term. Agree a plan with the family.')
  await page.getByLabel('Why can the family not be invited into school instead?').fill('The family have missed the last two meetings in school.')
  await page.getByRole('checkbox', { name: 'I confirm this home visit is necessary' }).check()
  await page.getByRole('radio', { name: 'Yes, they have been told' }).check()
  const told = page.getByRole('group', { name: 'When were they told?' })
  await told.getByLabel('Day').fill(String(Number(today[2])))
  await told.getByLabel('Month').fill(String(Number(today[1])))
  await told.getByLabel('Year').fill(today[0])
  await page.getByLabel('How were they told?').fill('Phone call')
  await page.getByRole('checkbox', { name: 'They were offered a choice of times' }).check()
  await page.getByRole('button', { name: 'Save and continue' }).click()

  await assertLoaded(journey, 'When')
  const date = page.getByRole('group', { name: 'Date of the visit' })
  await date.getByLabel('Day').fill(String(Number(day)))
  await date.getByLabel('Month').fill(String(Number(month)))
  await date.getByLabel('Year').fill(year)
  await page.getByLabel('Leave school at').fill('09:30')
  await page.getByLabel('The visit starts at').fill('10:00')
  await page.getByLabel('The visit ends at').fill('11:00')
  await page.getByLabel('Back at school at (optional)').fill('11:30')
  await page.getByRole('button', { name: 'Save and continue' }).click()

  await assertLoaded(journey, 'Who is going')
  await page.getByLabel('Lead visitor').selectOption(await userIdOf(journey, plan.leadEmail))
  await page.getByLabel('Second visitor').selectOption(plan.secondEmail ? await userIdOf(journey, plan.secondEmail) : '')
  await page.getByLabel(/code word or phrase/i).fill(plan.codeWord)
  await page.getByLabel(/Contingency plan/).fill('If the car breaks down or we get lost, phone the office from a safe place and wait to be collected.')
  await screenshot(page, `${shots}-2-staff`)
  await page.getByRole('button', { name: 'Save and continue' }).click()
  // Someone who cannot go is refused on the staff page itself (issue 10 §2): the caller checks the page.
  if (plan.refusedAtStaff) return ''

  await page.waitForURL(/\/visits\/[0-9a-f-]{36}$/)
  const visitId = /\/visits\/([0-9a-f-]{36})$/.exec(page.url())![1]!
  return visitId
}

describe('planning and authorising a visit in a browser', () => {
  it('R-APPROVE-1 R-BRIEF-1 a visitor plans a visit, SLT assesses it, the head approves it from the queue, and the visitor reads the briefing on a phone', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey

    // The visitor plans the visit with a colleague who is fully trained (the DSL).
    await signInAs(page, 'visitor@westside.example')
    await assertLoaded(journey, 'Westside School')
    const visitId = await planVisit(
      journey,
      { pupil: /^Leo Marsh/, adult: 'Ms Hannah Marsh', address: '18 Glenthorne Road, London, W6 0LS', leadEmail: 'visitor@westside.example', secondEmail: 'dsl@westside.example', codeWord: 'Bluebell' },
      'plan-visit',
    )
    await assertLoaded(journey, 'Leo Marsh')
    await screenshot(page, 'plan-visit-3-check')
    await page.getByRole('button', { name: 'Send for risk assessment' }).click()
    await assertLoaded(journey, 'Leo Marsh')
    await page.getByText('Sent for risk assessment.').waitFor()
    // Westside: the visiting staff do not complete the risk assessment themselves.
    assert.equal(await page.getByRole('link', { name: 'Fill in the risk assessment' }).count(), 0)
    // Until it is approved, the briefing says at the top that nobody may leave for it.
    await page.goto(`/visits/${visitId}/briefing`)
    await assertLoaded(journey, 'Leo Marsh')
    await assert.doesNotReject(page.getByRole('alert').getByText('Not approved yet — you cannot leave for this visit').waitFor())
    await screenshot(page, 'plan-visit-3-briefing-not-approved')
    await signOut(page)

    // A member of SLT completes the risk assessment from the approvals page (R-RISK-2).
    await signInAs(page, 'slt@westside.example')
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Approvals', exact: true }).click()
    await assertLoaded(journey, 'Approvals')
    const toAssess = page.getByRole('table', { name: 'Risk assessments waiting for you' }).getByRole('row').filter({ hasText: 'Leo Marsh' })
    await toAssess.getByRole('link', { name: 'Complete' }).click()
    await assertLoaded(journey, 'Risk assessment')
    for (const label of Object.values(riskAssessmentFields)) {
      const box = page.getByLabel(label.charAt(0).toUpperCase() + label.slice(1), { exact: true })
      if (await box.count()) await box.fill(label === riskAssessmentFields.exit_routes ? 'Front door only; keep it behind you.' : 'Nothing known from school records or other professionals.')
    }
    await page.getByRole('group', { name: 'Did the assessment find potential risks?' }).getByRole('radio', { name: 'No' }).check()
    await screenshot(page, 'plan-visit-4-risk-assessment')
    await page.getByRole('button', { name: 'Complete the risk assessment' }).click()
    await assertLoaded(journey, 'Leo Marsh')
    await page.getByText('Risk assessment completed. It now needs signing off.').waitFor()
    await signOut(page)

    // The headteacher signs it off, then approves the visit from the queue (R-APPROVE-1).
    await signInAs(page, 'head@westside.example')
    const menu = page.getByRole('navigation', { name: 'Menu' })
    await menu.getByRole('link', { name: 'Approvals', exact: true }).click()
    await assertLoaded(journey, 'Approvals')
    await page.getByRole('table', { name: 'Risk assessments waiting for you' }).getByRole('row').filter({ hasText: 'Leo Marsh' }).getByRole('link', { name: 'Sign off' }).click()
    await assertLoaded(journey, 'Risk assessment')
    await page.getByRole('button', { name: 'Sign off the risk assessment' }).click()
    await assertLoaded(journey, 'Leo Marsh')
    await menu.getByRole('link', { name: 'Approvals', exact: true }).click()
    await assertLoaded(journey, 'Approvals')
    await screenshot(page, 'plan-visit-5-approvals')
    await page.getByRole('table', { name: 'Visits waiting for your approval' }).getByRole('row').filter({ hasText: 'Leo Marsh' }).getByRole('link', { name: 'Approve or refuse' }).click()
    await assertLoaded(journey, 'Approve or refuse the visit')
    await page.getByRole('button', { name: 'Approve the visit' }).click()
    await assertLoaded(journey, 'Leo Marsh')
    await page.getByText('Approval recorded.').waitFor()
    await signOut(page)

    // The visitor reads the briefing on a small phone: nothing wider than the screen, the code word in view.
    await page.setViewportSize({ width: 360, height: 740 })
    await signInAs(page, 'visitor@westside.example')
    await page.goto(`/visits/${visitId}/briefing`)
    await assertLoaded(journey, 'Leo Marsh')
    assert.equal(await page.getByText('Not approved yet').count(), 0, 'an approved visit has no warning')
    const codeWord = page.getByText('Bluebell', { exact: true })
    assert.ok(await codeWord.isVisible(), 'the code word is shown')
    const box = await codeWord.boundingBox()
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `the code word fits the screen (${JSON.stringify(box)})`)
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }))
    assert.ok(widths.page <= widths.screen, `no sideways scrolling at 360 px (page ${widths.page}px wide)`)
    await assert.doesNotReject(page.getByRole('heading', { name: 'Before you go' }).waitFor())
    await assert.doesNotReject(page.getByText('Do not carry large amounts of cash or valuable personal possessions.').waitFor())
    await screenshot(page, 'plan-visit-6-briefing-phone')
  })

  it('R-STAFF-1 R-STAFF-5 a plan with an untrained visitor, or a lone visit where the policy forbids one, cannot be sent', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey

    // Westside: visitor2 has not done the violence-prevention training every visitor must have.
    await signInAs(page, 'visitor@westside.example')
    await planVisit(
      journey,
      { pupil: /^Leo Marsh/, adult: 'Ms Hannah Marsh', address: '18 Glenthorne Road, London, W6 0LS', leadEmail: 'visitor@westside.example', secondEmail: 'visitor2@westside.example', codeWord: 'Kestrel', refusedAtStaff: true },
      'blocked-visit',
    )
    // Refused at once, on the staff page, not four pages later at Send (issue 10 §2).
    await assertLoaded(journey, 'Who is going')
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    const visitor2 = (await journey.pool.query<{ name: string }>(`SELECT name FROM users WHERE email = 'visitor2@westside.example'`)).rows[0]!.name
    const untrained = summary.getByRole('link', { name: new RegExp(`${visitor2} has no record of the training`) })
    await untrained.waitFor()
    assert.match((await untrained.getAttribute('href'))!, /^#/, 'the message links to the choice on this page')
    assert.match(await page.getByLabel('Second visitor').innerText(), new RegExp(`${visitor2} \\(Visiting staff\\) – cannot go`))
    await screenshot(page, 'blocked-visit-3-untrained')
    await signOut(page)

    // Harton: every visit needs two staff; a lone visit cannot be sent.
    await signInAs(page, 'visitor@harton.example')
    const harton = (await journey.pool.query<{ line1: string; town: string; postcode: string }>(
      `SELECT a.line1, a.town, a.postcode FROM pupils p JOIN pupil_addresses pa ON pa.pupil_id = p.id AND pa.is_main JOIN addresses a ON a.id = pa.address_id WHERE p.first_name = 'Callum' AND p.last_name = 'Robson'`,
    )).rows[0]!
    await planVisit(
      journey,
      { pupil: /^Callum Robson/, adult: 'Mrs Kelly Robson', address: `${harton.line1}, ${harton.town}, ${harton.postcode}`, leadEmail: 'visitor@harton.example', secondEmail: null, codeWord: 'Heron' },
      'lone-visit',
    )
    await assertLoaded(journey, 'Callum Robson')
    await page.getByRole('button', { name: 'Send for risk assessment' }).click()
    await assertLoaded(journey, 'Callum Robson')
    await assert.doesNotReject(
      page.getByRole('alert').filter({ hasText: 'There is a problem' }).getByRole('link', { name: /This policy does not allow lone visits: at least 2 staff go on every visit/ }).waitFor(),
    )
    await screenshot(page, 'blocked-visit-4-lone')
  })

  it('R-LIST-1 R-ITIN-1 the office prints the run list and subscribes to the office calendar', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    await signInAs(page, 'office@westside.example')
    const menu = page.getByRole('navigation', { name: 'Menu' })
    await menu.getByRole('link', { name: 'Visits', exact: true }).click()
    await assertLoaded(journey, 'Visits')
    await page.getByRole('link', { name: 'Run list for a day', exact: true }).click()
    await assertLoaded(journey, /^\w+day \d{1,2} \w+ \d{4}$/)
    // The demo has an approved visit for Leo Marsh today.
    await assert.doesNotReject(page.getByRole('table').getByRole('link', { name: 'Leo Marsh' }).first().waitFor())
    await screenshot(page, 'run-list')
    await page.emulateMedia({ media: 'print' })
    assert.equal(await menu.isVisible(), false, 'the menu is not printed')
    assert.equal(await page.getByRole('button', { name: 'Show the day' }).isVisible(), false, 'the day picker is not printed')
    await screenshot(page, 'run-list-print')
    await page.emulateMedia({ media: 'screen' })

    await page.goto('/visits/run-list?date=2026-02-30')
    await assertLoaded(journey, 'Run list')
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'There is a problem' }).getByRole('link', { name: 'Enter a real date, like 26 11 2026' }).waitFor())

    await menu.getByRole('link', { name: 'Visits', exact: true }).click()
    await assertLoaded(journey, 'Visits')
    await page.getByRole('main').getByRole('link', { name: 'Calendar', exact: true }).click()
    await assertLoaded(journey, 'Calendar')
    await page.locator('#office-create').click()
    await assertLoaded(journey, 'Calendar')
    const address = await page.getByLabel('Calendar address').inputValue()
    assert.match(address, /\/calendar\/feeds\/[A-Za-z0-9_-]{43}\.ics$/)
    await screenshot(page, 'calendar-office-link')
    const feed = await page.request.get(new URL(new URL(address).pathname, journey.baseUrl).toString())
    assert.equal(feed.status(), 200)
    assert.match(await feed.text(), /BEGIN:VEVENT/)
  })
})
