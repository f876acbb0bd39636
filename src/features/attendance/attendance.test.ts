import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from '../../db/pool.ts'
import { demoSchoolId, signIn, testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'

/** A MIS-style export, as SIMS writes one: names and registration group beside the marks. */
function misExport(rows: Array<[upn: string, date: string, session: string, mark: string]>, header = 'UPN,Legal Surname,Legal Forename,Reg Group,Date,Session,Mark'): string {
  return [header, ...rows.map(([upn, date, session, mark]) => `${upn},Surname,Forename,7B,${date},${session},${mark}`)].join('\r\n')
}

/** Every weekday from `from` to `to`, both sessions, for one pupil. */
function sessionsOf(upn: string, from: string, to: string, mark: (date: string, session: 'AM' | 'PM') => string): Array<[string, string, string, string]> {
  const rows: Array<[string, string, string, string]> = []
  for (let at = new Date(`${from}T00:00:00Z`); at.toISOString().slice(0, 10) <= to; at.setUTCDate(at.getUTCDate() + 1)) {
    const day = at.getUTCDay()
    if (day === 0 || day === 6) continue
    const date = at.toISOString().slice(0, 10)
    for (const session of ['AM', 'PM'] as const) rows.push([upn, date, session, mark(date, session)])
  }
  return rows
}

/** Sends a form with a file, as a browser does (multipart/form-data). */
function upload(ctx: TestApp, agent: Agent, fields: Record<string, string>, file?: { name: string; type: string; content: Buffer | string }) {
  const boundary = '----doorstepTestBoundary7MA4YWxkTrZu0gW'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries({ _csrf: agent.csrf, ...fields })) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`))
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content))
    parts.push(Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return ctx.app.inject({
    method: 'POST',
    url: '/attendance/import',
    headers: { cookie: agent.cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' },
    payload: Buffer.concat(parts),
  })
}

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql, params)
  return rows[0]!.n
}

async function westsidePupil(pool: Pool, index: number): Promise<{ id: string; upn: string; name: string }> {
  const { rows } = await pool.query<{ id: string; upn: string; name: string }>(
    `SELECT p.id, p.upn, p.first_name || ' ' || p.last_name AS name FROM pupils p JOIN schools s ON s.id = p.school_id
     WHERE s.name = 'Westside School' ORDER BY p.attendance_percent NULLS LAST, p.created_at, p.upn, p.id OFFSET $1 LIMIT 1`,
    [index],
  )
  return rows[0]!
}

const marksIn = (pool: Pool, pupilId: string, from: string, to: string) =>
  count(pool, 'SELECT count(*)::int AS n FROM attendance_marks WHERE pupil_id = $1 AND date BETWEEN $2 AND $3', [pupilId, from, to])

describe('importing attendance from the MIS', () => {
  it('R-ATT-1 the office uploads a MIS export: every mark is imported, and importing the period again replaces it', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const pupil = await westsidePupil(ctx.pool, 3)
    const other = await westsidePupil(ctx.pool, 4)
    // The demo already holds marks; a period of two weeks in November is imported anew.
    const before = await marksIn(ctx.pool, pupil.id, '2026-11-09', '2026-11-20')
    assert.equal(before, 20, 'the demo holds two weeks of marks')
    const rows = [
      ...sessionsOf(pupil.upn, '2026-11-09', '2026-11-20', (date, s) => (date === '2026-11-10' ? 'I' : s === 'AM' ? '/' : '\\')),
      ...sessionsOf(other.upn.toLowerCase(), '2026-11-09', '2026-11-20', () => 'n'),
    ]
    const response = await upload(ctx, office, { from: '09/11/2026', to: '2026-11-20' }, { name: 'sims-export.csv', type: 'text/csv', content: misExport(rows) })
    assert.equal(response.statusCode, 200, textOf(response.body))
    const text = textOf(response.body)
    assert.match(text, /Attendance imported 40 marks for 2 pupils/)
    assert.match(text, /The period 9 November 2026 to 20 November 2026 now holds these marks\. The \d+ marks held for it before were replaced/)
    const { rows: stored } = await ctx.pool.query<{ code: string }>(`SELECT code FROM attendance_marks WHERE pupil_id = $1 AND date = '2026-11-10' ORDER BY session`, [pupil.id])
    assert.deepEqual(stored.map((r) => r.code), ['I', 'I'])
    assert.equal(await marksIn(ctx.pool, other.id, '2026-11-09', '2026-11-20'), 20)
    assert.equal(await count(ctx.pool, `SELECT count(*)::int AS n FROM attendance_marks WHERE pupil_id = $1 AND code = 'N' AND date BETWEEN '2026-11-09' AND '2026-11-20'`, [other.id]), 20, 'codes are stored in capitals')

    // The same period again, with only one pupil: the other pupil's marks for that period go.
    const again = await upload(ctx, office, {}, { name: 'sims-export.csv', type: 'text/csv', content: misExport(rows.slice(0, 20)) })
    assert.equal(again.statusCode, 200)
    assert.match(textOf(again.body), /The 40 marks held for it before were replaced/)
    assert.equal(await marksIn(ctx.pool, other.id, '2026-11-09', '2026-11-20'), 0)
    assert.equal(await marksIn(ctx.pool, other.id, '2026-11-02', '2026-11-06'), 10, 'marks outside the period are kept')
    const audit = await ctx.pool.query<{ summary: string }>("SELECT summary FROM audit_log WHERE action = 'attendance.imported' ORDER BY id")
    assert.equal(audit.rows.length, 2)
    assert.match(audit.rows[1]!.summary, /Imported 20 attendance marks for 1 pupil, 9 November 2026 to 20 November 2026, replacing 40 marks/)

    // A pasted file works the same way.
    const pasted = await office.post('/attendance/import', { csv: misExport(sessionsOf(pupil.upn, '2026-11-23', '2026-11-24', () => '/')) })
    assert.equal(pasted.statusCode, 200, textOf(pasted.body))
    assert.match(textOf(pasted.body), /4 marks for 1 pupil/)
  })

  it('R-ATT-1 bad input: unknown codes, future sessions, pupils not on roll and repeated sessions are listed by row, and nothing is imported', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const pupil = await westsidePupil(ctx.pool, 0)
    const harton = (await ctx.pool.query<{ upn: string }>("SELECT p.upn FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = 'Harton Academy' LIMIT 1")).rows[0]!.upn
    const marksBefore = await count(ctx.pool, 'SELECT count(*)::int AS n FROM attendance_marks')
    const csv = misExport([
      [pupil.upn, '2026-11-16', 'AM', '/'],
      [pupil.upn, '2026-11-16', 'PM', 'A'],
      [pupil.upn, '2026-11-26', 'AM', '/'],
      [pupil.upn, '2026-11-25', 'PM', '/'],
      [harton, '2026-11-16', 'AM', '/'],
      ['', '2026-11-16', 'AM', '/'],
      [pupil.upn, '2026-11-31', 'AM', '/'],
      [pupil.upn, '2026-11-17', 'Evening', '/'],
      [pupil.upn, '2026-11-16', 'AM', 'L'],
      [pupil.upn, '2026-11-18', 'AM', 'J'],
      [pupil.upn, '2026-11-18', 'PM', '-'],
    ])
    const response = await upload(ctx, office, {}, { name: 'export.csv', type: 'text/csv', content: csv })
    assert.equal(response.statusCode, 400)
    const text = textOf(response.body)
    assert.match(text, /There is a problem There are 10 problems in the file\. Nothing was imported\. The problems are in 10 rows/)
    for (const expected of [
      /3 mark “A” is not a DfE attendance code/,
      /4 date This session \(26 November 2026 AM\) has not happened yet/,
      /5 date This session \(25 November 2026 PM\) has not happened yet/,
      new RegExp(`6 upn No pupil with the UPN ${harton} is on roll at Westside School in Doorstep`),
      /7 upn Enter the pupil’s UPN/,
      /8 date The date must be a real date, like 2026-11-02 or 02\/11\/2026/,
      /9 session The session must be AM or PM/,
      /10 session Row 2 already has a mark for \S+ on 16 November 2026 AM/,
      /11 mark The code J was withdrawn on 19 August 2024: use J1/,
      /12 mark No mark was recorded for this session/,
    ]) {
      assert.match(text, expected)
    }
    assert.equal(await count(ctx.pool, 'SELECT count(*)::int AS n FROM attendance_marks'), marksBefore)
    assert.equal(await count(ctx.pool, "SELECT count(*)::int AS n FROM audit_log WHERE action = 'attendance.imported'"), 0)

    // A file in another format, a period with no school days, a missing column: refused before any row is read.
    const xlsx = await upload(ctx, office, {}, { name: 'export.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0, 8, 0]) })
    assert.equal(xlsx.statusCode, 400)
    assert.match(textOf(xlsx.body), /This is an Excel workbook or another zipped file, not a CSV file/)
    const pdf = await upload(ctx, office, {}, { name: 'export.pdf', type: 'application/pdf', content: '%PDF-1.7\n...' })
    assert.match(textOf(pdf.body), /This is a PDF, not a CSV file/)
    const weekend = await upload(ctx, office, { from: '2026-11-21', to: '2026-11-22' }, { name: 'export.csv', type: 'text/csv', content: misExport([[pupil.upn, '2026-11-21', 'AM', '/']]) })
    assert.equal(weekend.statusCode, 400)
    assert.match(textOf(weekend.body), /The period from 21 November 2026 to 22 November 2026 has no school days \(Monday to Friday\)/)
    const weekendMarks = await upload(ctx, office, {}, { name: 'export.csv', type: 'text/csv', content: misExport([[pupil.upn, '2026-11-21', 'AM', '#']]) })
    assert.match(textOf(weekendMarks.body), /The marks run from 21 November 2026 to 21 November 2026, which has no school days/)
    const outside = await upload(ctx, office, { from: '2026-11-02', to: '2026-11-06' }, { name: 'export.csv', type: 'text/csv', content: misExport([[pupil.upn, '2026-11-09', 'AM', '/']]) })
    assert.match(textOf(outside.body), /2 date 9 November 2026 is outside the period being imported \(2 November 2026 to 6 November 2026\)/)
    const columns = await office.post('/attendance/import', { csv: 'UPN,Date,Mark,Teacher\nA1,2026-11-16,/,Ms B' })
    assert.equal(columns.statusCode, 400)
    assert.match(textOf(columns.body), /1 teacher Unknown column/)
    assert.match(textOf(columns.body), /1 session This column is missing/)
    const nothing = await office.post('/attendance/import', { csv: '' })
    assert.equal(nothing.statusCode, 400)
    assert.match(textOf(nothing.body), /Choose the CSV file exported from your MIS, or paste it below/)
    const badPeriod = await office.post('/attendance/import', { csv: misExport([[pupil.upn, '2026-11-16', 'AM', '/']]), from: '2026-11-40', to: '' })
    assert.equal(badPeriod.statusCode, 400)
    assert.match(textOf(badPeriod.body), /The start of the period must be a real date/)
    assert.match(textOf(badPeriod.body), /Enter the end of the period, or leave both dates blank/)
    assert.equal(await count(ctx.pool, 'SELECT count(*)::int AS n FROM attendance_marks'), marksBefore)
  })

  it('R-ATT-1 the API imports text/csv or JSON with the same rules, answering problem details that list row errors', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const schoolId = await demoSchoolId(ctx.pool, 'Westside School')
    const pupil = await westsidePupil(ctx.pool, 4)
    const url = `/api/v1/schools/${schoolId}/attendance/import`
    const bad = await office.json('POST', url, { csv: misExport([[pupil.upn, '2026-11-16', 'AM', 'QQ']]) })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().detail, /Nothing was imported/)
    assert.deepEqual(bad.json().errors, [{ pointer: '/rows/2/mark', detail: 'Row 2, mark: “QQ” is not a DfE attendance code. See the list of codes on this page' }])
    const ok = await ctx.app.inject({
      method: 'POST',
      url: `${url}?from=2026-11-16&to=2026-11-20`,
      headers: { cookie: office.cookie, 'x-csrf-token': office.csrf, 'content-type': 'text/csv' },
      payload: misExport(sessionsOf(pupil.upn, '2026-11-16', '2026-11-20', () => 'U')),
    })
    assert.equal(ok.statusCode, 201, ok.body)
    assert.deepEqual(ok.json(), { from: '2026-11-16', to: '2026-11-20', marks: 10, pupils: 1, replaced: await Promise.resolve(ok.json().replaced) })
    assert.ok(ok.json().replaced > 0)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitor.json('POST', url, { csv: 'x' })).statusCode, 403)
  })
})

describe('attendance flags', () => {
  it('R-ATT-1 the attendance lead and DSL see flagged pupils with why: Westside’s threshold, and the national rules', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const page = await dsl.get('/attendance')
    assert.equal(page.statusCode, 200)
    const text = textOf(page.body)
    const first = await westsidePupil(ctx.pool, 0)
    assert.match(text, /The school’s policy: a pupil whose attendance falls below 70% over 3 months is flagged so that the local authority can be notified/)
    assert.match(text, new RegExp(`${first.name} ?, Year \\d+ This school year: [\\d.]+% attendance`))
    assert.match(text, /Below the policy’s attendance threshold: notify the local authority\. Attendance was [\d.]+% over the 3 months to 24 November 2026/)
    assert.match(text, /Persistent absence\.|Severe absence\./)
    assert.match(text, /Consider a penalty notice \(a Notice to Improve first\)\. \d+ unauthorised sessions \(codes G, N, O, U\) in the 10 school weeks/)
    assert.doesNotMatch(text, /Attendance keeps falling: notify/, 'Westside’s rule is a threshold')

    const morecambe = await signIn(ctx, 'slt@morecambe-road.example')
    const mr = textOf((await morecambe.get('/attendance')).body)
    assert.match(mr, /keeps falling month on month over 3 months/)
    assert.match(mr, /Attendance keeps falling: notify the local authority\. Attendance fell every month over the last 3 months: September 2026 [\d.]+%, October 2026 [\d.]+%, November 2026 [\d.]+%/)
    assert.doesNotMatch(mr, /Below the policy’s attendance threshold/)

    const api = await dsl.json('GET', `/api/v1/schools/${await demoSchoolId(ctx.pool, 'Westside School')}/attendance/flags`)
    assert.equal(api.statusCode, 200)
    const flagged = api.json().pupils.find((p: { pupilId: string }) => p.pupilId === first.id)
    assert.ok(flagged.flags.some((f: { kind: string }) => f.kind === 'policy_below'))
    assert.equal(api.json().asOf, '2026-11-24')

    for (const email of ['visitor@westside.example', 'office@westside.example', 'governor@westside.example']) {
      const other = await signIn(ctx, email)
      assert.equal((await other.get('/attendance')).statusCode, 403, email)
    }
  })

  it('R-ATT-1 the pupil’s page shows attendance by month as a chart and a table; the flags only to the attendance lead and DSL team', async (t) => {
    const ctx = await testApp(t)
    const first = await westsidePupil(ctx.pool, 0)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const page = await dsl.get(`/pupils/${first.id}`)
    assert.equal(page.statusCode, 200)
    const text = textOf(page.body)
    assert.match(page.body, /<svg[^>]*role="img"[^>]*aria-labelledby="attendance-[0-9a-f-]+-title"/)
    assert.match(page.body, /<title id="attendance-[0-9a-f-]+-title">Attendance by month, as a percentage of possible sessions, to 24 November 2026<\/title>/)
    assert.match(text, /Attendance by month \(the figures in the chart\) Month Attendance Attended Possible Authorised absence Unauthorised absence/)
    assert.match(text, /November 2026 [\d.]+% \d+ \d+ \d+ \d+/)
    assert.match(text, /Flagged by attendance: Below the policy’s attendance threshold/)
    // The chart's bars carry the table's figures.
    const novemberRow = /November 2026 ([\d.]+)%/.exec(text)![1]
    assert.match(page.body, new RegExp(`>${novemberRow}%</text>`))

    const visitor = await signIn(ctx, 'visitor@westside.example')
    const seen = textOf((await visitor.get(`/pupils/${first.id}`)).body)
    assert.match(seen, /Attendance by month \(the figures in the chart\)/)
    assert.doesNotMatch(seen, /Flagged by attendance|notify the local authority/)
  })
})
