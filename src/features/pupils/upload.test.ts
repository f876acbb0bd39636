import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'

const csv = [
  'upn,pupil_first_name,pupil_last_name,date_of_birth,year_group,address_line1,town,postcode,adult_first_name,adult_last_name,relationship,parental_responsibility',
  ',Nia,Osei,2015-04-02,Year 6,12 Wendell Road,London,W12 9RS,Abena,Osei,Mother,yes',
].join('\n')

/** A form sent as a browser sends one with a file: multipart/form-data. */
async function upload(ctx: TestApp, agent: Agent, file: { name: string; type: string; content: string | Uint8Array }, fields: Record<string, string> = {}) {
  const form = new FormData()
  form.append('_csrf', agent.csrf)
  for (const [key, value] of Object.entries(fields)) form.append(key, value)
  form.append('file', new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type }), file.name)
  const request = new Request('http://doorstep.test/pupils/import', { method: 'POST', body: form })
  return ctx.app.inject({
    method: 'POST',
    url: '/pupils/import',
    headers: { cookie: agent.cookie, accept: 'text/html', 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  })
}

/** Issue 10 §7: pupils are imported from a file chosen on the page, as well as pasted. */
describe('importing pupils by uploading a file', () => {
  it('R-FAMILY-1 a CSV file chosen on the import page is imported', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const page = (await admin.get('/pupils/import')).body
    assert.match(page, /enctype="multipart\/form-data"/)
    assert.match(textOf(page), /Upload the CSV file .* Or paste the CSV file/)
    const response = await upload(ctx, admin, { name: 'pupils.csv', type: 'text/csv', content: `\uFEFF${csv}` })
    assert.equal(response.statusCode, 200, textOf(response.body).slice(0, 600))
    assert.match(textOf(response.body), /Pupils imported/)
    const { rows } = await ctx.pool.query(`SELECT 1 FROM pupils WHERE first_name = 'Nia' AND last_name = 'Osei'`)
    assert.equal(rows.length, 1)
  })

  it('R-FAMILY-1 a file that is not CSV gets the import page, with its layout, an error summary and a way back; nothing is imported', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    // An Excel workbook is a zip file: binary, not text.
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00])
    const response = await upload(ctx, admin, { name: 'pupils.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: xlsx })
    assert.equal(response.statusCode, 400)
    const text = textOf(response.body)
    assert.match(text, /Menu Home/, 'the normal layout, with the menu')
    assert.match(text, /There is a problem pupils\.xlsx is not a CSV file\. Save it from your spreadsheet or MIS as “CSV UTF-8 \(comma delimited\)” and choose that file, or paste its contents below/)
    assert.match(response.body, /href="#file"/)
    assert.match(response.body, /<a href="\/" class="govuk-back-link">/, 'a way back')
    assert.match(text, /Import pupils and families/)
  })

  it('R-FAMILY-1 a text file with a .pdf name is refused too, and a missing CSRF token still fails', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const pdf = await upload(ctx, admin, { name: 'pupils.pdf', type: 'application/pdf', content: '%PDF-1.7' })
    assert.equal(pdf.statusCode, 400)
    assert.match(textOf(pdf.body), /pupils\.pdf is not a CSV file/)
    const forged = await upload(ctx, { ...admin, csrf: 'forged' }, { name: 'pupils.csv', type: 'text/csv', content: csv })
    assert.equal(forged.statusCode, 403)
  })
})
