import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { assertLoaded, screenshot, signInAs, startJourney } from './browser.ts'

/**
 * Every page on a 360 px phone (issue 10 §1, R-BRIEF-1: the visits list is how a visitor reaches the
 * briefing on a phone): for people in several roles, walk every page in the menu and, from each, one page
 * of every kind it links to (a visit, a pupil, a person's readiness …). No page may scroll sideways, and
 * each passes axe with its best-practice rules (assertLoaded).
 */
const people = [
  'head@westside.example',
  'office@westside.example',
  'visitor@westside.example',
  'dsl@harton.example',
  'admin@kings-gomer.example',
  'governor@morecambe-road.example',
]

/** /visits/5f0c…/briefing → /visits/:id/briefing: one page of each kind is enough. */
const kindOf = (pathname: string) => pathname.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id')

async function linksIn(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (anchors) =>
    anchors
      .map((a) => (a as HTMLAnchorElement).href)
      .filter((href) => href.startsWith(location.origin)),
  )
}

describe('every page on a phone', () => {
  it('R-BRIEF-1 no page reachable from the menu scrolls sideways at 360 px, for six roles, and each passes axe', async (t) => {
    const journey = await startJourney(t, { viewport: { width: 360, height: 740 } })
    const { page } = journey
    const tooWide: string[] = []
    const failures: string[] = []
    for (const email of people) {
      await journey.context.clearCookies()
      await signInAs(page, email)
      const seen = new Set<string>()
      const check = async (url: string) => {
        const { pathname, search } = new URL(url)
        // Files (calendar feeds, PDFs, CSV) are not pages; sign-out is a form.
        if (/\.(ics|pdf|csv|json)$/.test(pathname) || pathname.startsWith('/assets/') || pathname.startsWith('/api/')) return false
        const kind = kindOf(pathname) + (search ? '?' : '')
        if (seen.has(kind)) return false
        seen.add(kind)
        const response = await page.goto(pathname + search)
        const type = response?.headers()['content-type'] ?? ''
        if (!type.startsWith('text/html')) return false
        // Every problem on every page is reported at the end, not just the first.
        await assertLoaded(journey).catch((error: unknown) => failures.push(`${email} ${pathname}: ${error instanceof Error ? error.message : String(error)}`))
        const width = await page.evaluate(() => document.documentElement.scrollWidth)
        if (width > 360) {
          tooWide.push(`${email} ${pathname}: ${width} px`)
          await screenshot(page, `too-wide-${kind.replace(/[^a-z0-9]+/gi, '-')}`)
        }
        return true
      }
      await page.goto('/')
      const menu = await linksIn(page, 'nav[aria-label="Menu"] a, header a')
      for (const url of menu) {
        if (!(await check(url))) continue
        // One page of each kind this page links to (in its main content).
        for (const inner of await linksIn(page, 'main a')) await check(inner)
        await page.goto(url)
      }
    }
    assert.deepEqual({ tooWide, failures }, { tooWide: [], failures: [] }, 'pages wider than a 360 px phone, and pages that failed to load cleanly')
  })
})
