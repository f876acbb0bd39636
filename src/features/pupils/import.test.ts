import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from '../../db/pool.ts'
import { demoSchoolId, signIn, testApp, textOf } from '../../../test/helpers.ts'

const header =
  'upn,pupil_first_name,pupil_last_name,date_of_birth,year_group,attendance_percent,attendance_as_of,address_line1,address_line2,town,postcode,' +
  'adult_title,adult_first_name,adult_last_name,relationship,parental_responsibility,lives_with_pupil,adult_phone,adult_email,adult_language,interpreter_needed'

const validCsv = [
  header,
  // Two siblings share an address and both parents; the father's surname differs from the children's.
  'A123456789012,Amara,Bello,2014-02-03,Year 7,88.5,2026-11-20,5 Cathnor Road,,London,W12 9JD,Mrs,Grace,Bello,Mother,yes,yes,07700 900 401,grace.b@example.com,,no',
  'A123456789012,Amara,Bello,2014-02-03,Year 7,88.5,2026-11-20,5 Cathnor Road,,London,W12 9JD,Mr,Tunde,Adeyinka,Father,yes,no,07700 900 402,,Yoruba,no',
  ',Tobi,Bello,2016-07-19,5,,,5 Cathnor Road,,London,w129jd,Mrs,Grace,Bello,Mother,yes,yes,07700900401,grace.b@example.com,,no',
  ',Tobi,Bello,2016-07-19,5,,,5 Cathnor Road,,London,w129jd,Mr,Tunde,Adeyinka,Father,yes,no,07700900402,,Yoruba,no',
  // A pupil with a Polish-speaking mother who needs an interpreter.
  ',Zofia,Kaminska,2013-10-01,Y8,62,2026-11-20,Flat 3,44 Goldhawk Road,London,W12 8DH,Pani,Ewa,Kaminska,Mother,Y,Y,,,Polish,yes',
  // A pupil with no adults yet.
  ',Reuben,Achterberg,2012-01-15,Year 9,,,9 Bassein Park Road,,London,W12 9RY,,,,,,,,,,',
].join('\n')

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql, params)
  return rows[0]!.n
}

describe('importing pupils from a CSV file', () => {
  it('R-FAMILY-1 a file with any bad row imports nothing and lists every problem by row and column', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const before = await count(ctx.pool, 'SELECT count(*)::int AS n FROM pupils')
    const badCsv = [
      header,
      validCsv.split('\n')[1],
      ',Nia,Okoro,2014-13-40,Year 7,,,1 Loftus Road,,London,NOTAPOSTCODE,Ms,Ada,Okoro,Mother,maybe,yes,,,,',
      ',Kit,Parry,2015-05-05,Year 6,101,,2 Loftus Road,,London,W12 7EJ,,Ben,,,yes,,12345,bad-email,,',
      'A123456789012,Amara,Bello,2014-02-03,Year 8,88.5,2026-11-20,5 Cathnor Road,,London,W12 9JD,Mr,Tunde,Adeyinka,Father,yes,no,07700 900 402,,Yoruba,no',
    ].join('\n')
    const response = await office.post('/pupils/import', { csv: badCsv })
    assert.equal(response.statusCode, 400)
    const text = textOf(response.body)
    assert.match(text, /There is a problem/)
    assert.match(text, /Nothing was imported/)
    assert.match(response.body, /href="#row-errors"/)
    for (const expected of [
      /3 date_of_birth Date of birth must be a real date, like 2014-03-27/,
      /3 postcode Enter a real UK postcode/,
      /3 parental_responsibility Say whether the adult has parental responsibility: yes or no/,
      /4 attendance_percent Attendance must be a percentage from 0 to 100/,
      /4 adult_last_name Enter the adult’s own last name/,
      /4 relationship Enter the adult’s relationship to the pupil/,
      /4 adult_phone Enter a UK phone number/,
      /4 adult_email Enter an email address in the correct format/,
      /5 year_group This is different from row 2 for the same pupil/,
    ]) {
      assert.match(text, expected)
    }
    assert.match(response.body, /Amara,Bello/, 'the pasted file is kept for fixing')
    assert.equal(await count(ctx.pool, 'SELECT count(*)::int AS n FROM pupils'), before)
    assert.equal(await count(ctx.pool, "SELECT count(*)::int AS n FROM audit_log WHERE action = 'pupils.imported'"), 0)
  })

  it('R-FAMILY-1 a valid file imports every pupil and adult in one go, siblings sharing their address and parents', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const response = await office.post('/pupils/import', { csv: validCsv })
    assert.equal(response.statusCode, 200)
    assert.match(textOf(response.body), /Pupils imported 4 pupils and 3 adults created/)
    assert.match(textOf(response.body), /6 rows were read\. 3 new addresses were recorded/)

    const list = textOf((await office.get('/pupils?q=Bello')).body)
    assert.match(list, /Bello, Amara Year 7/)
    assert.match(list, /Bello, Tobi Year 5/)
    const { rows } = await ctx.pool.query<{ id: string }>("SELECT id FROM pupils WHERE first_name = 'Tobi'")
    const tobi = textOf((await office.get(`/pupils/${rows[0]!.id}`)).body)
    assert.match(tobi, /Mr Tunde Adeyinka Change details \(Mr Tunde Adeyinka\) Relationship Father Parental responsibility Yes Lives with Tobi No/)
    assert.match(tobi, /W12 9JD/)
    assert.equal(await count(ctx.pool, "SELECT count(*)::int AS n FROM contacts WHERE last_name = 'Adeyinka'"), 1, 'one father for both children')
    assert.equal(await count(ctx.pool, "SELECT count(DISTINCT pa.address_id)::int AS n FROM pupil_addresses pa JOIN pupils p ON p.id = pa.pupil_id WHERE p.last_name = 'Bello'"), 1)
    const { rows: zofia } = await ctx.pool.query<{ id: string }>("SELECT id FROM pupils WHERE first_name = 'Zofia'")
    assert.match(textOf((await office.get(`/pupils/${zofia[0]!.id}`)).body), /Pani Ewa Kaminska .* Language Polish – needs an interpreter/)
    assert.equal(await count(ctx.pool, "SELECT count(*)::int AS n FROM audit_log WHERE action = 'pupils.imported'"), 1)

    // The same file again would duplicate pupils: refused, with the rows named.
    const again = await office.post('/pupils/import', { csv: validCsv })
    assert.equal(again.statusCode, 400)
    assert.match(textOf(again.body), /2 upn A pupil with the UPN A123456789012 is already in Doorstep/)
    assert.match(textOf(again.body), /4 pupil_first_name Tobi Bello, born 2016-07-19, is already in Doorstep/)
  })

  it('R-CONF-1 only the school admin, office or headteacher can import, and only the headteacher can import restricted notes', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitor.get('/pupils/import')).statusCode, 403)
    assert.equal((await visitor.post('/pupils/import', { csv: validCsv })).statusCode, 403)
    const csv = 'pupil_first_name,pupil_last_name,date_of_birth,year_group,address_line1,town,postcode,medical_needs\nIvo,Brandt,2014-04-04,Year 7,1 Bloemfontein Road,London,W12 7BX,Epilepsy'
    const admin = await signIn(ctx, 'admin@westside.example')
    const refused = await admin.post('/pupils/import', { csv })
    assert.equal(refused.statusCode, 400)
    assert.match(textOf(refused.body), /1 medical_needs Only the headteacher can import medical, SEND and behaviour notes/)
    const head = await signIn(ctx, 'head@westside.example')
    assert.equal((await head.post('/pupils/import', { csv })).statusCode, 200)
    const { rows } = await ctx.pool.query<{ medical_needs: string }>("SELECT medical_needs FROM pupils WHERE first_name = 'Ivo'")
    assert.equal(rows[0]!.medical_needs, 'Epilepsy')
  })

  it('R-FAMILY-1 the API imports text/csv or JSON with the same rules, answering problem details listing row errors', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const schoolId = await demoSchoolId(ctx.pool, 'Westside School')
    const url = `/api/v1/schools/${schoolId}/pupils/import`

    const bad = await office.json('POST', url, { csv: `${header}\n,Nia,Okoro,2014-02-30,Year 7,,,1 Loftus Road,,London,W12 7EJ,,,,,,,,,,` })
    assert.equal(bad.statusCode, 400)
    const problem = bad.json()
    assert.match(problem.detail, /Nothing was imported/)
    assert.deepEqual(problem.errors, [{ pointer: '/rows/2/date_of_birth', detail: 'Row 2, date_of_birth: Date of birth must be a real date, like 2014-03-27' }])

    const ok = await ctx.app.inject({
      method: 'POST',
      url,
      headers: { cookie: office.cookie, 'x-csrf-token': office.csrf, 'content-type': 'text/csv' },
      payload: validCsv,
    })
    assert.equal(ok.statusCode, 201, ok.body)
    assert.deepEqual(ok.json(), { pupilsCreated: 4, adultsCreated: 3, addressesCreated: 3, rows: 6 })

    const listed = (await office.json('GET', `/api/v1/schools/${schoolId}/pupils?q=Kaminska`)).json()
    assert.equal(listed.total, 1)
    assert.equal(listed.pupils[0].attendancePercent, 62)
  })
})
