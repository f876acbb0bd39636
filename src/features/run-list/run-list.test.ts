import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { fixedClock, signIn, testApp, textOf, type TestApp } from '../../../test/helpers.ts'
import { as, completePlan, createDraft, ok, school, type School } from '../visits/fixtures.ts'

/** A day well clear of the demo's visits (which are seeded around the day the demo was made). */
const DAY = '2027-01-13'

async function plannedVisit(ctx: TestApp, s: School, pupil: string, adult: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const visitor = await as(ctx, 'visitor', 'westside')
  const visitId = await createDraft(visitor, s, await completePlan(ctx, s, pupil, adult, { date: DAY, ...overrides }))
  await ok(await visitor.json('POST', s.url(`/${visitId}/submit`), {}))
  return visitId
}

type CsvRow = Record<string, string>

describe('the run list (R-LIST-1)', () => {
  it('R-LIST-1 lists the day’s visits with time, pupil, address, parents’ numbers, attendance, staff and status; never code words or restricted notes', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    const afternoon = await plannedVisit(ctx, s, 'Maja', 'Katarzyna', { leaveSchoolAt: '13:30', startAt: '14:00', endAt: '14:45', backAtSchoolAt: '15:15', codeWord: 'Pine cone' })
    const morning = await plannedVisit(ctx, s, 'Leo', 'Hannah')
    const visitor = await as(ctx, 'visitor', 'westside')
    await createDraft(visitor, s, await completePlan(ctx, s, 'Kai', (await firstAdult(ctx, s, 'Kai')), { date: DAY }))
    const cancelled = await plannedVisit(ctx, s, 'Kai', await firstAdult(ctx, s, 'Kai'))
    await ok(await visitor.json('POST', s.url(`/${cancelled}/cancel`), { cancelReason: 'other', reason: 'The family moved the meeting into school.' }))

    const office = await as(ctx, 'office', 'westside')
    const response = await office.get(`/visits/run-list?date=${DAY}`)
    await ok(response)
    assert.equal(response.headers['cache-control'], 'private, no-store')
    const page = textOf(response.body)
    assert.match(page, /Run list, Westside School Wednesday 13 January 2027/)
    assert.match(page, /2 visits Time Pupil Address Parents and carers Attendance Staff Status/)
    assert.match(
      page,
      /10:00 to 11:00 Away 09:30 to 11:30 Leo Marsh Year 9 18 Glenthorne Road London W6 0LS Ms Hannah Marsh \(Mother of Leo\) 07700900811 86\.5% \(as of .*?\) .*\(lead visitor\) 07700\d+ .*\(second visitor\) 07700\d+ Awaiting risk assessment/,
    )
    assert.match(page, /14:00 to 14:45 Away 13:30 to 15:15 Maja Wiśniewska Year 8 Flat 12, Becklow Gardens Becklow Road London W12 9HL Mrs Katarzyna Wiśniewska \(Mother of Maja\) 07700900813 64% /)
    assert.ok(page.indexOf('Leo Marsh') < page.indexOf('Maja Wiśniewska'), 'soonest first')
    assert.ok(!page.includes('Kai Osei'), 'drafts and cancelled visits are not on the run list')
    for (const secret of ['Bluebell', 'Pine cone', 'Dyslexia']) assert.ok(!page.includes(secret), `no "${secret}" on the run list`)
    assert.match(response.body, new RegExp(`href="/visits/${morning}"`))
    assert.match(response.body, new RegExp(`href="/visits/${afternoon}"`))

    const csv = await office.get(`/visits/run-list.csv?date=${DAY}`)
    await ok(csv)
    assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/)
    assert.equal(csv.headers['content-disposition'], `attachment; filename="run-list-${DAY}.csv"`)
    const rows = parse(csv.body, { columns: true, bom: true }) as CsvRow[]
    assert.equal(rows.length, 2)
    const [leo, maja] = rows as [CsvRow, CsvRow]
    assert.equal(leo.Date, DAY)
    assert.equal(leo['Away from school'], '09:30 to 11:30')
    assert.equal(leo.Visit, '10:00 to 11:00')
    assert.equal(leo.Pupils, 'Leo Marsh')
    assert.equal(leo['Year groups'], 'Year 9')
    assert.match(leo.Attendance!, /^86\.5% \(as of \d+ \w+ \d{4}\)$/)
    assert.equal(leo.Address, '18 Glenthorne Road, London, W6 0LS')
    assert.equal(leo['Parents and carers'], 'Ms Hannah Marsh (Mother of Leo)')
    assert.equal(leo['Contact numbers'], 'Ms Hannah Marsh: 07700900811')
    assert.match(leo.Staff!, /\(Lead visitor\); .* \(Second visitor\)$/)
    assert.equal(leo.Status, 'Awaiting risk assessment')
    assert.equal(maja.Pupils, 'Maja Wiśniewska')
    assert.ok(!csv.body.includes('Bluebell') && !csv.body.includes('Pine cone') && !csv.body.includes('Dyslexia'))
  })

  it('R-LIST-1 the day is today in the UK unless chosen; a date that is not real is a 400 with the error summary', async (t) => {
    const clock = fixedClock(new Date('2026-06-30T23:30:00Z'))
    const ctx = await testApp(t, { clock })
    const office = await as(ctx, 'office', 'westside')
    assert.match(textOf((await office.get('/visits/run-list')).body), /Run list, Westside School Wednesday 1 July 2026/, 'half past midnight in London is already the 1st')

    const bad = await office.get('/visits/run-list?date=2026-02-30')
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem Enter a real date, like 26 11 2026/)
    assert.match(bad.body, /href="#date"/)
    assert.match(bad.body, /id="date-day" name="date-day"[^>]*value="30"/, 'the date is shown in its boxes')
    // Typed in the day, month and year boxes, as the page asks.
    const typed = await office.get('/visits/run-list?date-day=30&date-month=2&date-year=2026')
    assert.equal(typed.statusCode, 400)
    assert.match(textOf(typed.body), /Enter a real date, like 26 11 2026/)
    assert.match(typed.body, /id="date-day" name="date-day"[^>]*value="30"/)
    assert.match(textOf((await office.get('/visits/run-list?date-day=1&date-month=12&date-year=2026')).body), /Tuesday 1 December 2026/)
    assert.equal((await office.get('/visits/run-list.csv?date=banana')).statusCode, 400)
    assert.match(textOf((await office.get('/visits/run-list.csv?date=banana')).body), /Enter a real date/)
  })

  it('R-CONF-1 R-LIST-1 only the office and senior staff, the deputy DSL among them, see the run list, and only their own school’s visits; not a school admin', async (t) => {
    const ctx = await testApp(t)
    const s = await school(ctx, 'westside')
    await plannedVisit(ctx, s, 'Leo', 'Hannah')
    for (const local of ['visitor', 'governor', 'admin']) {
      const agent = await as(ctx, local, 'westside')
      assert.equal((await agent.get(`/visits/run-list?date=${DAY}`)).statusCode, 403, `${local} has no run list`)
      assert.equal((await agent.get(`/visits/run-list.csv?date=${DAY}`)).statusCode, 403, `${local} has no run list CSV`)
      assert.doesNotMatch((await agent.get('/')).body, /href="\/visits\/run-list"/)
    }
    for (const local of ['office', 'dsl', 'deputy.dsl', 'head', 'deputy', 'slt']) {
      assert.match(textOf((await (await as(ctx, local, 'westside')).get(`/visits/run-list?date=${DAY}`)).body), /Leo Marsh/, `${local} sees the run list`)
    }
    const harton = await signIn(ctx, 'head@harton.example')
    const theirs = await harton.get(`/visits/run-list?date=${DAY}`)
    await ok(theirs)
    assert.match(textOf(theirs.body), /No visits are planned for this day\./)
    assert.ok(!(await harton.get(`/visits/run-list.csv?date=${DAY}`)).body.includes('Leo Marsh'))
  })
})

async function firstAdult(ctx: TestApp, s: School, pupil: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ name: string }>(
    `SELECT c.first_name AS name FROM pupils p JOIN pupil_contacts pc ON pc.pupil_id = p.id JOIN contacts c ON c.id = pc.contact_id
      WHERE p.school_id = $1 AND p.first_name = $2 AND pc.parental_responsibility AND NOT c.no_appointments ORDER BY c.first_name LIMIT 1`,
    [s.id, pupil],
  )
  return rows[0]!.name
}
