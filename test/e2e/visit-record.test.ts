import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import { describe, it } from 'node:test'
import { createSession } from '../../src/features/auth/sessions.ts'
import { goOnVisit } from '../../src/features/records/fixtures.ts'
import { agentFor, sessionCsrf } from '../helpers.ts'
import { testConfig } from '../../src/config.ts'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/**
 * After the visit on a 360 px phone (R-REC-1, R-REC-3): the visitor has been on the demo's Westside visit for
 * Leo (taken through its day by the visitor's taps, as the live pages record them), writes the record on
 * the phone — it saves as they type — completes it, finds it in Leo's chronology and downloads the text to
 * paste into CPOMS. Every page passes axe and none scrolls sideways.
 */

const allDay = { session: { idleMinutes: 24 * 60, absoluteHours: 24 } }

describe('the visit record on a phone', () => {
  it('R-REC-1 R-REC-3 the visitor writes the record at 360 px, it autosaves, is completed, shows in the pupil’s chronology and exports for CPOMS', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 }, config: allDay })
    const { page, pool, clock, app } = journey
    const { rows } = await pool.query<{ visitId: string; pupilId: string; visitorId: string; schoolId: string }>(
      `SELECT v.id AS "visitId", p.id AS "pupilId", v.school_id AS "schoolId", (SELECT id FROM users WHERE email = 'visitor@westside.example') AS "visitorId"
         FROM visits v JOIN visit_pupils vp ON vp.visit_id = v.id JOIN pupils p ON p.id = vp.pupil_id
        WHERE v.status = 'approved' AND p.first_name = 'Leo'`,
    )
    const { visitId, pupilId, visitorId, schoolId } = rows[0]!
    const session = await createSession(pool, visitorId, schoolId, clock(), testConfig(allDay))
    await goOnVisit({ clock }, agentFor(app, session.token, await sessionCsrf(pool, session.token)), visitId, 'contact')

    const noSideways = async (what: string) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= 360, `${what} is ${width} px wide at 360 px`)
    }

    await signInAs(page, 'visitor@westside.example')
    await page.goto(`/visits/${visitId}`)
    await assertLoaded(journey, 'Leo Marsh')
    await page.getByRole('link', { name: 'Write the visit record' }).click()
    await assertLoaded(journey, 'Visit record')
    await noSideways('the record page')
    assert.equal(await page.getByLabel('Time you arrived').inputValue(), '13:58')
    assert.equal(await page.getByLabel('Time you left').inputValue(), '14:52')

    await page.getByRole('checkbox', { name: /Hannah Marsh/ }).check()
    await page.getByLabel('What was discussed').fill('Leo’s Monday absences. His mum says PE on Mondays worries him.')
    // Saves as you go: the draft is on the server before any button is pressed.
    await page.getByText(/Draft saved at \d\d:\d\d/).waitFor({ timeout: 15_000 })
    const draft = await pool.query<{ status: string; discussed: string }>('SELECT status, discussed FROM visit_records WHERE visit_id = $1', [visitId])
    assert.deepEqual(draft.rows[0], { status: 'draft', discussed: 'Leo’s Monday absences. His mum says PE on Mondays worries him.' })
    await page.getByLabel('Agreements made').fill('Leo will be in school every Monday for four weeks; review on 23 December.')
    await page.getByLabel('Actions', { exact: true }).fill('Talk to the PE teacher about Mondays.')
    await screenshot(page, 'visit-record-1-phone')

    await page.getByRole('button', { name: 'Complete the record' }).click()
    await assertLoaded(journey, 'Visit record')
    assert.match(await page.locator('main').innerText(), /Visit record completed\. The visit is closed\./)
    assert.match(await page.locator('#record-status').innerText(), /Closed/)
    await noSideways('the completed record')
    await screenshot(page, 'visit-record-2-completed')

    await page.goto(`/pupils/${pupilId}`)
    await assertLoaded(journey, 'Leo Marsh')
    await noSideways('the pupil’s page')
    const chronology = await page.locator('#chronology').innerText()
    assert.match(chronology, /Home visit[\s\S]*Visit record[\s\S]*Present: Ms Hannah Marsh \(Mother\)[\s\S]*Discussed: Leo’s Monday absences/)
    await page.locator('#chronology').screenshot({ path: await screenshot(page, 'visit-record-3-chronology') })

    const download = page.waitForEvent('download')
    await page.getByRole('link', { name: 'Download the chronology as text to paste into CPOMS' }).click()
    const file = await (await download).path()
    const text = await fs.readFile(file, 'utf8')
    assert.match(text, /^Chronology for Leo Marsh \(from Doorstep\)\n\nDate: 25\/11\/2026 13:58\nCategory: Home visit\n/)
    assert.match(text, /Category: Visit record\nWho: Present: Ms Hannah Marsh \(Mother\), .*\nWhat: Arrived 13:58, left 14:52\. Discussed: Leo’s Monday absences\./)
    const logged = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'pupil.chronology_exported' AND subject_id = $1`, [pupilId])
    assert.equal(logged.rows[0]!.n, 1, 'the export is in the audit history')

    await page.goto('/follow-ups')
    await assertLoaded(journey, 'Follow-ups')
    await noSideways('Follow-ups')
  })
})
