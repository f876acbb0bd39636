import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { TestContext } from 'node:test'
import axe from 'axe-core'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildApp } from '../../src/app.ts'
import { testConfig, type Config } from '../../src/config.ts'
import type { Pool } from '../../src/db/pool.ts'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { stylesheet } from '../../src/web/assets.ts'
import { runningClock, type FixedClock } from '../clock.ts'
import { closeWithDatabase, testDatabase } from '../helpers.ts'

/**
 * Browser journeys: the real app listening on a free port over a fresh copy of the demo
 * database, driven by Debian's Chromium through playwright-core. Locate things the way a
 * person does (labels, roles, headings) and call assertLoaded() on every page: it waits for
 * the page, checks its heading, and runs axe (WCAG 2.2 AA) — any violation fails the test.
 *
 * The page keeps the app's Content Security Policy: axe is injected through the DevTools
 * protocol (page.evaluate), which CSP does not govern, so a script the policy blocks still
 * shows up as a failure (see `problems` below) instead of being hidden by bypassCSP.
 */

export const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', '.tmp', 'screenshots')
// WCAG 2.2 AA and axe's best-practice rules (landmarks, empty table headers, headings in order …): issue 10 §8.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice']

export type Journey = {
  page: Page
  context: BrowserContext
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string
  pool: Pool
  /** The app's clock (it runs from TEST_EPOCH); dates a journey types come from it. */
  clock: FixedClock
  /** The app itself, for what a journey does besides the browser (running a deadline after moving the clock). */
  app: FastifyInstance
  /** Console errors, failed requests and CSP violations seen so far; checked by assertLoaded. */
  problems: string[]
}

/** The app on a free port, over a fresh demo database; closed when the test ends. */
export async function startApp(t: TestContext, config: Partial<Config> = {}): Promise<{ baseUrl: string; pool: Pool; clock: FixedClock; app: FastifyInstance }> {
  const { pool } = await testDatabase(t, 'demo')
  // The demo template was seeded at TEST_EPOCH: the app's clock runs on from there.
  const clock = runningClock()
  const app = await buildApp({ pool, config: testConfig(config), clock })
  // Closed before the database is dropped (a plain t.after would run after testDatabase's drop).
  closeWithDatabase(pool, () => app.close())
  // The stylesheet is compiled from Sass on first use (seconds on a busy machine): do it before
  // the browser asks, so the first page load is not what times out.
  await stylesheet()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('The app is not listening on a TCP port')
  return { baseUrl: `http://127.0.0.1:${address.port}`, pool, clock, app }
}

/** `extraArgs`: more Chromium switches, e.g. `--autoplay-policy=no-user-gesture-required` to let a page play sound. */
export async function launchBrowser(t: TestContext, extraArgs: readonly string[] = []): Promise<Browser> {
  await fs.access(CHROMIUM).catch(() => {
    throw new Error(`No Chromium at ${CHROMIUM}. Install Debian's: apt-get install -y chromium`)
  })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  })
  t.after(() => browser.close())
  return browser
}

/**
 * Everything a journey needs: the app, a browser and one page on it.
 * `viewport` defaults to a laptop screen; pass { width: 360, height: 740 } for a small phone.
 * `config` overrides settings (a journey that moves the clock hours on keeps its sessions with
 * `{ session: { idleMinutes: 24 * 60, absoluteHours: 24 } }`).
 */
export async function startJourney(
  t: TestContext,
  options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean; browserArgs?: readonly string[]; config?: Partial<Config> } = {},
): Promise<Journey> {
  const { baseUrl, pool, clock, app } = await startApp(t, options.config)
  const browser = await launchBrowser(t, options.browserArgs)
  return openBrowser(browser, { baseUrl, pool, clock, app }, options)
}

/**
 * A second person on the same app, in a browser of their own (their own cookies, screen size and
 * problems list): the office at its desk while the visitor is out, say.
 */
export async function anotherPerson(
  journey: Journey,
  options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {},
): Promise<Journey> {
  const browser = journey.context.browser()
  if (!browser) throw new Error('The journey has no browser')
  return openBrowser(browser, journey, options)
}

async function openBrowser(
  browser: Browser,
  { baseUrl, pool, clock, app }: Pick<Journey, 'baseUrl' | 'pool' | 'clock' | 'app'>,
  options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean },
): Promise<Journey> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  })
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    // A 4xx page (a form with errors) logs "Failed to load resource"; responses are checked below instead.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console error on ${page.url()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`script error on ${page.url()}: ${error.message}`))
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown'
    // ERR_ABORTED: the journey moved on before the request finished, not a fault of the page.
    if (reason !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} (${reason})`)
  })
  page.on('response', (response) => {
    const url = response.url()
    if (response.status() >= 500 || (url.includes('/assets/') && response.status() >= 400)) {
      problems.push(`${response.status()} for ${url}`)
    }
  })
  return { page, context, baseUrl, pool, clock, app, problems }
}

type AxeNode = { target: unknown[]; html: string; failureSummary?: string }
type AxeViolation = { id: string; impact?: string | null; help: string; helpUrl: string; nodes: AxeNode[] }

/**
 * Waits for the page to load, checks its main heading (if given), that nothing went wrong
 * loading it, and that axe finds no WCAG 2.2 AA or best-practice violations. Fails with a readable list.
 */
export async function assertLoaded(journey: Journey | Page, heading?: string | RegExp): Promise<void> {
  const page = 'page' in journey ? journey.page : journey
  await page.waitForLoadState('load')
  if (heading !== undefined) {
    const h1 = page.getByRole('heading', { level: 1 })
    assert.equal(await h1.count(), 1, `expected one <h1> on ${page.url()}`)
    const text = (await h1.innerText()).trim()
    if (typeof heading === 'string') assert.equal(text, heading, `heading on ${page.url()}`)
    else assert.match(text, heading, `heading on ${page.url()}`)
  }
  const title = await page.title()
  assert.match(title, / – Doorstep$/, `page title on ${page.url()} should end "– Doorstep", got "${title}"`)

  await page.evaluate(axe.source)
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
    }))
  }, AXE_TAGS)
  if (violations.length) assert.fail(describeViolations(page.url(), violations))

  if ('problems' in journey && journey.problems.length) {
    const found = journey.problems.splice(0)
    assert.fail(`Problems loading ${page.url()}:\n${found.map((p) => `  - ${p}`).join('\n')}`)
  }
}

function describeViolations(url: string, violations: AxeViolation[]): string {
  const lines = [`${violations.length} accessibility violation(s) on ${url}:`]
  for (const v of violations) {
    lines.push(`  - [${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})`)
    for (const node of v.nodes.slice(0, 5)) {
      lines.push(`      at ${node.target.join(' ')}: ${node.html.slice(0, 160)}`)
      if (node.failureSummary) lines.push(`        ${node.failureSummary.replace(/\n/g, '\n        ')}`)
    }
    if (v.nodes.length > 5) lines.push(`      … and ${v.nodes.length - 5} more`)
  }
  return lines.join('\n')
}

/** A full-page screenshot at .tmp/screenshots/<name>.png, for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SCREENSHOTS, { recursive: true })
  const file = path.join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Signs in through the sign-in form, as a person would. */
export async function signInAs(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/sign-in')
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForLoadState('load')
}

declare global {
  interface Window {
    axe: typeof axe
  }
}
