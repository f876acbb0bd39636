import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { assertLoaded, screenshot, signInAs, startJourney, type Journey } from './browser.ts'

/**
 * The police information sheet in a browser (R-ESC-3): the office signs the demo's Westside visit for
 * Leo out, logs that the code word was used, opens the sheet from the visit's day page and prints it.
 * Chromium's own print to A4 must come out as one page; the page is read at 360 px without sideways scroll.
 */

const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))

async function pdfPages(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    for (const item of (await (await loaded.getPage(number)).getTextContent()).items) if ('str' in item) parts.push(item.str)
  }
  const pages = loaded.numPages
  await loaded.destroy()
  return { pages, text: parts.join(' ').replace(/\s+/g, ' ') }
}

/** What the school knows: the school's Skoda on the plan, a dog and an aggression warning at the address, a description. */
async function richVisit(journey: Journey): Promise<string> {
  const { rows } = await journey.pool.query<{ id: string; schoolId: string; addressId: string }>(
    `SELECT v.id, v.school_id AS "schoolId", v.address_id AS "addressId" FROM visits v
       JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
      WHERE v.status = 'approved' AND p.first_name = 'Leo'`,
  )
  const visit = rows[0]
  assert.ok(visit)
  const now = journey.clock()
  await journey.pool.query(`UPDATE visits SET vehicle_id = (SELECT id FROM vehicles WHERE registration = 'WS72 SCH') WHERE id = $1`, [visit.id])
  for (const [kind, description] of [
    ['animal', 'Large dog called Łatka, friendly but jumps up'],
    ['aggression', 'The mother’s partner shouted at the attendance officer in June'],
  ]) {
    await journey.pool.query(`INSERT INTO address_hazards (school_id, address_id, kind, description, recorded_at) VALUES ($1, $2, $3, $4, $5)`, [visit.schoolId, visit.addressId, kind, description, now])
  }
  await journey.pool.query(
    `INSERT INTO staff_descriptions (school_id, user_id, description, updated_at)
     SELECT $1, id, 'About 1.70 m, slim, short grey hair, round glasses', $2 FROM users WHERE email = 'visitor@westside.example'`,
    [visit.schoolId, now],
  )
  return visit.id
}

describe('the police information sheet in a browser', () => {
  it('R-ESC-3 the office opens the sheet from the visit\'s day page; it prints on one A4 page, reads at 360 px and never shows the code word', async (t) => {
    const journey = await startJourney(t)
    const { page } = journey
    const visitId = await richVisit(journey)

    await signInAs(page, 'office@westside.example')
    await page.goto(`/visits/${visitId}/live`)
    await assertLoaded(journey, 'The day of the visit')
    await page.getByRole('button', { name: 'Sign out of school' }).click()
    await assertLoaded(journey, 'The day of the visit')
    await page.getByRole('button', { name: 'The code word was used' }).click()
    await assertLoaded(journey, 'The day of the visit')
    await page.getByRole('link', { name: 'Information sheet for the police' }).click()
    await assertLoaded(journey, 'Police information sheet')
    await screenshot(page, 'police-sheet-1-screen')

    const sheet = page.locator('main')
    for (const text of ['The code word was used at', 'OPEN ALARM: Code word used', 'Blue Skoda Octavia Estate, registration WS72 SCH', '18 Glenthorne Road, London, W6 0LS', 'About 1.70 m, slim, short grey hair, round glasses', 'Large dog called Łatka']) {
      assert.ok((await sheet.innerText()).includes(text), `the sheet says: ${text}`)
    }
    assert.doesNotMatch(await sheet.innerText(), /Blue kettle/i)

    // Printed by Chromium on A4: one page, with the sheet's text.
    await page.emulateMedia({ media: 'print' })
    await screenshot(page, 'police-sheet-2-print')
    const printed = await pdfPages(await page.pdf({ format: 'A4', printBackground: true }))
    assert.equal(printed.pages, 1, 'the printed sheet is one A4 page')
    assert.ok(printed.text.includes('Police information sheet') && printed.text.includes('WS72 SCH'), printed.text)
    assert.ok(!printed.text.includes('Print this page from your browser'), 'the on-screen advice is not printed')
    await page.emulateMedia({ media: 'screen' })

    // The PDF from the link: one page too.
    const pdf = await page.request.get(`/visits/${visitId}/police-sheet.pdf`)
    assert.equal(pdf.status(), 200)
    assert.equal(pdf.headers()['content-type'], 'application/pdf')
    assert.equal((await pdfPages(await pdf.body())).pages, 1)

    // A small phone: no sideways scroll.
    await page.setViewportSize({ width: 360, height: 740 })
    await page.reload()
    await assertLoaded(journey, 'Police information sheet')
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`)
    await screenshot(page, 'police-sheet-3-phone')

    const { rows } = await journey.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'visit.police_sheet_viewed' AND subject_id = $1`, [visitId])
    assert.equal(rows[0]!.n, 3, 'the page, the PDF and the page again: each view is in the audit log')
  })

  it('R-ESC-3 the sheet works without JavaScript', async (t) => {
    const journey = await startJourney(t, { javaScriptEnabled: false })
    const visitId = await richVisit(journey)
    await signInAs(journey.page, 'dsl@westside.example')
    await journey.page.goto(`/visits/${visitId}/police-sheet`)
    // No assertLoaded here: axe cannot run in a page without JavaScript (it ran on this page above).
    assert.equal(await journey.page.getByRole('heading', { level: 1 }).innerText(), 'Police information sheet')
    assert.match(await journey.page.locator('main').innerText(), /No use of the code word has been logged/)
  })
})
