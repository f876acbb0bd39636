import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import type { Pool } from '../../db/pool.ts'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'

const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))

async function readPdf(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent()
    for (const item of content.items) if ('str' in item) parts.push(item.str)
  }
  const pages = loaded.numPages
  await loaded.destroy()
  return { pages, text: parts.join(' ').replace(/\s+/g, ' ') }
}

/** Every name of a pupil or an adult of the school's families, and of its staff: none may reach governors. */
async function namesAt(pool: Pool, school: string): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT p.first_name || ' ' || p.last_name AS name FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = $1
     UNION SELECT c.first_name || ' ' || c.last_name FROM contacts c JOIN schools s ON s.id = c.school_id WHERE s.name = $1
     UNION SELECT u.name FROM users u JOIN school_memberships m ON m.user_id = u.id JOIN schools s ON s.id = m.school_id WHERE s.name = $1`,
    [school],
  )
  return rows.map((r) => r.name)
}

/** What the page's main content says (the header names the person signed in). */
const mainOf = (html: string) => textOf(/<main[\s\S]*<\/main>/.exec(html)?.[0] ?? '')

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql, params)
  return rows[0]!.n
}

describe('governors’ reports', () => {
  it('R-GOV-3 a governor reads the term’s report: visits, cancellations, check-ins, escalations, readiness and attendance, with charts, and no names', async (t) => {
    const ctx = await testApp(t)
    // An alarm in the term, its first step acknowledged after 4 minutes and its second after 11; closed after 20.
    await ctx.pool.query(
      `WITH v AS (SELECT v.id, v.school_id FROM visits v JOIN schools s ON s.id = v.school_id WHERE s.name = 'Westside School' ORDER BY v.created_at LIMIT 1),
            a AS (INSERT INTO alarms (school_id, visit_id, kind, key, priority, summary, due_at, raised_at, raised_by_name, closed_at, closed_by_name, closed_how)
                  SELECT school_id, id, 'missed_check_in', 'test', 'normal', 'Missed check-in', '2026-11-10T10:00Z', '2026-11-10T10:00Z', 'Doorstep', '2026-11-10T10:20Z', 'Office', 'spoke_to_visitor' FROM v RETURNING id, school_id)
       INSERT INTO alarm_steps (school_id, alarm_id, number, action, recipients, alerted_at, last_alerted_at, realerts, acknowledged_at, acknowledged_by_name, outcome)
       SELECT school_id, id, 1, 'phone_visitors', '[]'::jsonb, '2026-11-10T10:00Z'::timestamptz, '2026-11-10T10:00Z'::timestamptz, 0, '2026-11-10T10:04Z'::timestamptz, 'Office', 'no_answer' FROM a
       UNION ALL SELECT school_id, id, 2, 'decide', '[]'::jsonb, '2026-11-10T10:05Z'::timestamptz, '2026-11-10T10:10Z'::timestamptz, 1, '2026-11-10T10:16Z'::timestamptz, 'Head', 'decided' FROM a`,
    )
    const governor = await signIn(ctx, 'governor@westside.example')
    const page = await governor.get('/reports/governors')
    assert.equal(page.statusCode, 200)
    const text = textOf(page.body)
    assert.match(text, /Governors’ report Westside School: Autumn term 2026 \(1 September 2026 to 31 December 2026\)/)
    for (const heading of ['Visits by purpose and outcome', 'Cancellations and their reasons', 'Check-in timeliness', 'Escalations and how fast they were acknowledged', 'Training, DBS and vehicle compliance', 'Attendance']) {
      assert.match(page.body, new RegExp(`<h2 class="govuk-heading-m" id="[a-z-]+">${heading}</h2>`), heading)
    }
    const planned = await count(ctx.pool, `SELECT count(*)::int AS n FROM visits v JOIN schools s ON s.id = v.school_id WHERE s.name = 'Westside School' AND v.status <> 'draft' AND v.planned_start >= '2026-09-01' AND v.planned_start < '2027-01-01'`)
    assert.match(text, new RegExp(`${planned} visits? w(as|ere) planned for the period`))
    assert.match(text, /Visiting staff Status People Share Ready to visit \d+/)
    assert.match(text, /Pupils flagged Flag Pupils Below the policy’s attendance threshold: notify the local authority [1-9]/)
    assert.match(page.body, /<svg[^>]*role="img"[^>]*aria-labelledby="chart-[0-9a-f]+-0-title"/)
    assert.match(text, /Alarms by kind Kind Alarms Median time to close Longest time to close Still open Missed check-in 1 20 min 20 min 0/)
    assert.match(text, /Step 1 1 1 4 min 4 min 0 Step 2 1 1 11 min 11 min 1/)
    const main = mainOf(page.body)
    for (const name of await namesAt(ctx.pool, 'Westside School')) assert.ok(!main.includes(name), `no name on the page: ${name}`)

    // The PDF and CSV carry the same figures.
    const pdf = await governor.get('/reports/governors.pdf?term=autumn-2026')
    assert.equal(pdf.statusCode, 200)
    assert.equal(pdf.headers['content-type'], 'application/pdf')
    const { text: pdfText, pages } = await readPdf(pdf.rawPayload)
    assert.ok(pages >= 1)
    assert.match(pdfText, /Home visits: report for governors/)
    assert.match(pdfText, /Westside School\. Autumn term 2026/)
    assert.match(pdfText, new RegExp(`${planned} visits? w(as|ere) planned for the period`))
    assert.match(pdfText, /Training, DBS and vehicle compliance/)
    assert.match(pdfText, /Step 2 1 1 11 min 11 min 1/)
    for (const name of await namesAt(ctx.pool, 'Westside School')) assert.ok(!pdfText.includes(name), `no name in the PDF: ${name}`)

    const csv = await governor.get('/reports/governors.csv?term=autumn-2026')
    assert.equal(csv.statusCode, 200)
    assert.match(String(csv.headers['content-disposition']), /governors-report-2026-09-01-to-2026-12-31\.csv/)
    const rows = parse(csv.body, { bom: true, columns: true }) as Array<Record<string, string>>
    const staffReady = rows.find((r) => r.Table === 'Visiting staff' && r.Item === 'Ready to visit' && r.Measure === 'People')
    assert.ok(staffReady)
    assert.match(text, new RegExp(`Ready to visit ${staffReady.Value} `))
    assert.ok(rows.every((r) => r.School === 'Westside School' && r.From === '2026-09-01' && r.To === '2026-12-31'))
    for (const name of await namesAt(ctx.pool, 'Westside School')) assert.ok(!csv.body.includes(name), `no name in the CSV: ${name}`)
  })

  it('R-GOV-3 incidents by type and visit records completed late, against the policy’s hours, on the page, in the PDF and CSV and side by side; no names', async (t) => {
    const ctx = await testApp(t)
    const governor = await signIn(ctx, 'governor@harton.example')
    const lateIn = (text: string) => Number(/Completed late (\d+)/.exec(text)?.[1])
    const before = textOf((await governor.get('/reports/governors?term=autumn-2026')).body)
    assert.match(before, /The policy asks for the visit record within 24 hours of the visit/)
    // The demo's visit to Callum (signed out, no completed record): its record completed three days later.
    const { rowCount } = await ctx.pool.query(
      `INSERT INTO visit_records (visit_id, school_id, status, created_at, updated_by_name, updated_at, completed_by_name, completed_at)
       SELECT v.id, v.school_id, 'completed', now(), 'Late writer', now(), 'Late writer', v.planned_end + interval '3 days'
         FROM visits v JOIN schools s ON s.id = v.school_id
        WHERE s.name = 'Harton Academy' AND v.signed_out_at IS NOT NULL AND v.status = 'completed' AND v.planned_start >= '2026-09-01'
          AND NOT EXISTS (SELECT 1 FROM visit_records r WHERE r.visit_id = v.id AND r.status = 'completed')
        ORDER BY v.planned_start LIMIT 1
       ON CONFLICT (visit_id) DO UPDATE SET status = 'completed', completed_at = EXCLUDED.completed_at, completed_by_name = 'Late writer'`,
    )
    assert.equal(rowCount, 1)
    const page = await governor.get('/reports/governors?term=autumn-2026')
    const text = textOf(page.body)
    assert.equal(lateIn(text), lateIn(before) + 1)
    assert.match(page.body, /<h2 class="govuk-heading-m" id="incidents">Incidents on home visits<\/h2>/)
    assert.match(text, /Incidents by type Type Incidents Trip or fall 1 Accident 0 Abusive or threatening behaviour 0 Physical intervention 0 Other 0/)
    assert.match(text, /1 of them asks for a review of the standing risk assessment not yet done/)
    const main = mainOf(page.body)
    for (const name of await namesAt(ctx.pool, 'Harton Academy')) assert.ok(!main.includes(name), `no name on the page: ${name}`)
    assert.doesNotMatch(main, /paving slab/, 'nothing anyone wrote')

    const { text: pdfText } = await readPdf((await governor.get('/reports/governors.pdf?term=autumn-2026')).rawPayload)
    assert.match(pdfText, /Incidents on home visits/)
    assert.match(pdfText, /Trip or fall 1/)
    assert.match(pdfText, new RegExp(`Completed late ${lateIn(text)}`))
    const rows = parse((await governor.get('/reports/governors.csv?term=autumn-2026')).body, { bom: true, columns: true }) as Array<Record<string, string>>
    assert.equal(rows.find((r) => r.Table === 'Incidents by type' && r.Item === 'Trip or fall')?.Value, '1')
    assert.equal(rows.find((r) => r.Table === 'Visit records' && r.Item === 'Completed late' && r.Measure === 'Visits')?.Value, String(lateIn(text)))

    const trust = await signIn(ctx, 'trust.admin@demo-trust.example')
    const across = mainOf((await trust.get('/reports/governors/schools?term=autumn-2026')).body)
    assert.match(across, /Incidents by type: incidents Item .* Trip or fall 1 0 0 0 0/)
    assert.match(across, /Visit records: visits Item .* Completed late/)
  })

  it('R-GOV-3 a chosen period; bad dates re-render with the error summary, and the files refuse them', async (t) => {
    const ctx = await testApp(t)
    const head = await signIn(ctx, 'head@westside.example')
    const chosen = await head.get('/reports/governors?from=2026-11-01&to=2026-11-30')
    assert.equal(chosen.statusCode, 200)
    assert.match(textOf(chosen.body), /Westside School: 1 November 2026 to 30 November 2026/)
    assert.match(chosen.body, /href="\/reports\/governors.pdf\?from=2026-11-01&amp;to=2026-11-30"/)
    const bad = await head.get('/reports/governors?from=2026-11-31&to=2026-11-01')
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem The start must be a real date, like 2026-09-01/)
    assert.equal((await head.get('/reports/governors?term=autumn-2099')).statusCode, 400)
    assert.equal((await head.get('/reports/governors.pdf?from=2026-12-01&to=2026-11-01')).statusCode, 400)
    assert.equal((await head.get('/reports/governors.csv?term=__proto__')).statusCode, 400)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitor.get('/reports/governors')).statusCode, 403)
  })

  it('R-GOV-3 the trust admin sees every school of the trust side by side; a school’s own admin does not', async (t) => {
    const ctx = await testApp(t)
    const trust = await signIn(ctx, 'trust.admin@demo-trust.example')
    const own = await trust.get('/reports/governors')
    assert.match(own.body, /href="\/reports\/governors\/schools\?term=autumn-2026"/)
    const page = await trust.get('/reports/governors/schools?term=autumn-2026')
    assert.equal(page.statusCode, 200, textOf(page.body))
    const text = mainOf(page.body)
    assert.match(text, /Item Harton Academy King's Academy Gomer Morecambe Road School Westside School WNA/)
    assert.match(text, /Visiting staff: people Item .* Ready to visit \d+ \d+ \d+ \d+ \d+/)
    assert.match(page.body, /<svg[^>]*role="img"[^>]*aria-labelledby="chart-schools-visits-title"/)
    const csv = await trust.get('/reports/governors/schools.csv?term=autumn-2026')
    const rows = parse(csv.body, { bom: true, columns: true }) as Array<Record<string, string>>
    assert.deepEqual([...new Set(rows.map((r) => r.School))].sort(), ['Harton Academy', "King's Academy Gomer", 'Morecambe Road School', 'WNA', 'Westside School'])
    for (const school of ['Westside School', 'Harton Academy']) {
      for (const name of await namesAt(ctx.pool, school)) assert.ok(!text.includes(name), name)
    }
    const admin = await signIn(ctx, 'admin@westside.example')
    const refused = await admin.get('/reports/governors/schools')
    assert.equal(refused.statusCode, 403)
    assert.equal((await admin.get('/reports/governors/schools.csv')).statusCode, 403)
    assert.equal((await admin.get('/reports/governors')).statusCode, 200)
  })
})
