import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { anotherPerson, assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/**
 * Attendance in a browser (R-ATT-1, R-GOV-3): the office uploads a MIS export (a CSV file the test writes, as
 * SIMS would: names and registration group beside the marks) after first choosing a spreadsheet by mistake; the
 * DSL sees the pupil flagged with why, opens their page with its chart, produces the referral pack for the local
 * authority and marks it sent; a governor reads the term's report.
 * Every page is checked with axe.
 */

describe('attendance in a browser', () => {
  it('R-ATT-1 R-GOV-3 the office imports attendance, the DSL sees the pupil flagged, and a governor reads the report', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    const { rows } = await journey.pool.query<{ id: string; upn: string; first: string; last: string }>(
      `SELECT p.id, p.upn, p.first_name AS first, p.last_name AS last FROM pupils p JOIN schools s ON s.id = p.school_id
       WHERE s.name = 'Westside School' ORDER BY p.created_at, p.upn, p.id OFFSET 4 LIMIT 1`,
    )
    const pupil = rows[0]!
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'doorstep-attendance-'))
    t.after(() => fs.rm(dir, { recursive: true, force: true }))
    // Three weeks of November: absent without a reason every session.
    const lines = ['UPN,Legal Surname,Legal Forename,Reg Group,Date,Session,Mark']
    for (let day = 2; day <= 20; day++) {
      const date = `2026-11-${String(day).padStart(2, '0')}`
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay()
      if (weekday === 0 || weekday === 6) continue
      for (const session of ['AM', 'PM']) lines.push(`${pupil.upn},${pupil.last},${pupil.first},10W,${date},${session},O`)
    }
    const csvFile = path.join(dir, 'sims-attendance.csv')
    await fs.writeFile(csvFile, lines.join('\r\n'))
    const xlsxFile = path.join(dir, 'attendance.xlsx')
    await fs.writeFile(xlsxFile, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0, 8, 0, 0, 0]))

    await signInAs(page, 'office@westside.example')
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Reports' }).click()
    await assertLoaded(journey, 'Reports')
    await page.getByRole('main').getByRole('link', { name: 'Import attendance' }).click()
    await assertLoaded(journey, 'Import attendance')
    await page.getByLabel('Upload the CSV file').setInputFiles(xlsxFile)
    await page.getByRole('button', { name: 'Import' }).click()
    await assertLoaded(journey, 'Import attendance')
    assert.match(await page.locator('.govuk-error-summary').innerText(), /This is an Excel workbook or another zipped file, not a CSV file/)

    await page.getByLabel('Upload the CSV file').setInputFiles(csvFile)
    await page.getByLabel('From', { exact: true }).fill('2026-11-02')
    await page.getByLabel('To', { exact: true }).fill('2026-11-20')
    await page.getByRole('button', { name: 'Import' }).click()
    await assertLoaded(journey, 'Attendance imported')
    assert.match(await page.locator('main').innerText(), /30 marks for 1 pupil/)
    await screenshot(page, 'attendance-imported')

    const dsl = await anotherPerson(journey)
    await signInAs(dsl.page, 'dsl@westside.example')
    await dsl.page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Reports' }).click()
    await assertLoaded(dsl, 'Reports')
    await dsl.page.getByRole('main').getByRole('link', { name: 'Attendance', exact: true }).click()
    await assertLoaded(dsl, 'Attendance')
    const entry = dsl.page.locator('#flagged > li').filter({ hasText: `${pupil.first} ${pupil.last}` })
    assert.match(await entry.innerText(), /Consider a penalty notice \(a Notice to Improve first\)\. \d+ unauthorised sessions/)
    await screenshot(dsl.page, 'attendance-flags')
    await entry.getByRole('link', { name: `${pupil.first} ${pupil.last}`, exact: true }).click()
    await assertLoaded(dsl, `${pupil.first} ${pupil.last}`)
    const section = await dsl.page.locator('main').innerText()
    assert.match(section, /Flagged by attendance:/)
    assert.match(section, /Attendance by month \(the figures in the chart\)/)
    assert.equal(await dsl.page.locator('svg[role="img"]').count(), 1)
    await screenshot(dsl.page, 'attendance-pupil')

    // The referral pack (R-ATT-1): produced from the pupil's page, then marked sent to the local authority.
    await dsl.page.getByRole('link', { name: /Produce the referral pack for the local authority/ }).click()
    await assertLoaded(dsl, `Referral pack: ${pupil.first} ${pupil.last}`)
    assert.match(await dsl.page.locator('#contents').innerText(), /attendance: .*% this school year/)
    await screenshot(dsl.page, 'referral-pack-produce')
    await dsl.page.getByRole('button', { name: 'Produce the referral pack' }).click()
    await assertLoaded(dsl, `Referral pack: ${pupil.first} ${pupil.last}`)
    assert.match(await dsl.page.locator('.govuk-notification-banner').innerText(), /Referral pack produced/)
    const pdf = await dsl.page.request.get(await dsl.page.getByRole('link', { name: 'Open the referral pack (PDF)' }).getAttribute('href') ?? '')
    assert.equal(pdf.headers()['content-type'], 'application/pdf')
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-')
    await dsl.page.getByLabel('Day').fill('25')
    await dsl.page.getByLabel('Month').fill('11')
    await dsl.page.getByLabel('Year').fill('2026')
    await dsl.page.getByRole('button', { name: 'Mark sent to the local authority' }).click()
    await assertLoaded(dsl, `Referral pack: ${pupil.first} ${pupil.last}`)
    assert.match(await dsl.page.locator('main').innerText(), /Sent to the local authority\s+25 November 2026, marked by/)
    await dsl.page.getByRole('link', { name: 'All referral packs' }).click()
    await assertLoaded(dsl, 'Referral packs for the local authority')
    assert.match(await dsl.page.locator('#sent').innerText(), new RegExp(`${pupil.first} ${pupil.last}`))
    await screenshot(dsl.page, 'referral-packs')

    const governor = await anotherPerson(journey)
    await signInAs(governor.page, 'governor@westside.example')
    await governor.page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Reports' }).click()
    await assertLoaded(governor, 'Reports')
    await governor.page.getByRole('main').getByRole('link', { name: 'Governors’ report' }).click()
    await assertLoaded(governor, /^Governors’ report/)
    const report = await governor.page.locator('main').innerText()
    for (const heading of ['Visits by purpose and outcome', 'Check-in timeliness', 'Escalations and how fast they were acknowledged', 'Training, DBS and vehicle compliance', 'Attendance']) {
      assert.match(report, new RegExp(heading))
    }
    assert.ok(!report.includes(pupil.last), 'no pupil names for governors')
    await screenshot(governor.page, 'governors-report')
    await governor.page.getByText('Choose dates instead').click()
    await governor.page.getByLabel('From', { exact: true }).fill('2026-11-31')
    await governor.page.getByLabel('To', { exact: true }).fill('2026-11-30')
    await governor.page.getByRole('button', { name: 'Show the report' }).click()
    await assertLoaded(governor, /^Governors’ report/)
    assert.match(await governor.page.locator('.govuk-error-summary').innerText(), /The start must be a real date/)

    const trust = await anotherPerson(journey)
    await signInAs(trust.page, 'trust.admin@demo-trust.example')
    await trust.page.goto('/reports/governors/schools?term=autumn-2026')
    await assertLoaded(trust, /^Governors’ reports side by side/)
    await screenshot(trust.page, 'governors-reports-side-by-side')
  })

  it('R-ATT-1 R-GOV-3 no attendance or report page scrolls sideways at 360 px, and each passes axe', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page } = journey
    const { rows } = await journey.pool.query<{ id: string }>(
      `SELECT p.id FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = 'Westside School' ORDER BY p.attendance_percent NULLS LAST LIMIT 1`,
    )
    const pages: Array<[string, string]> = [
      ['dsl@westside.example', '/attendance'],
      ['dsl@westside.example', '/attendance/import'],
      ['dsl@westside.example', '/referral-packs'],
      ['dsl@westside.example', `/pupils/${rows[0]!.id}/referral-pack`],
      ['dsl@westside.example', '/reports/governors'],
      ['head@westside.example', '/reports/policy-review'],
      ['trust.admin@demo-trust.example', '/reports/governors/schools'],
    ]
    let who = ''
    for (const [email, url] of pages) {
      if (email !== who) {
        await journey.context.clearCookies()
        await signInAs(page, email)
        who = email
      }
      await page.goto(url)
      await assertLoaded(journey)
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 361 && !e.closest('.doorstep-table-container')).slice(0, 3).map((e) => e.outerHTML.slice(0, 120)),
      )
      assert.ok(width <= 360, `${url} is ${width} px wide at 360 px: ${wide.join(' | ')}`)
    }
    await screenshot(page, 'governors-reports-side-by-side-phone')
    // The pupil's page: its attendance section fits (the page's own agency and hazard tables are the pupils feature's).
    await journey.context.clearCookies()
    await signInAs(page, 'dsl@westside.example')
    await page.goto(`/pupils/${rows[0]!.id}`)
    await assertLoaded(journey)
    const tooWide = await page.evaluate(() => {
      const heading = document.getElementById('attendance')!
      const out: string[] = []
      for (let e = heading.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) if (e.getBoundingClientRect().right > 361) out.push(e.outerHTML.slice(0, 80))
      return out
    })
    assert.deepEqual(tooWide, [], 'the attendance section fits 360 px')
    await screenshot(page, 'attendance-pupil-phone')
  })
})
