import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'
import type { Pool } from '../../db/pool.ts'

async function held(pool: Pool, name = 'Westside School') {
  const { rows } = await pool.query<{ phone: string | null; address: string | null }>('SELECT phone, address FROM schools WHERE name = $1', [name])
  return rows[0]!
}

async function auditOf(pool: Pool) {
  const { rows } = await pool.query<{ summary: string; change: { before: unknown; after: unknown } }>(
    `SELECT summary, change FROM audit_log WHERE action = 'school.details_changed' ORDER BY seq`,
  )
  return rows
}

describe('school contact details', () => {
  it('R-ESC-3 R-AUDIT-1 a school admin sets the phone number and address the police sheet prints, changes and removes them; each change is audited with before and after', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const before = await held(ctx.pool)
    const harton = await held(ctx.pool, 'Harton Academy')
    const form = await admin.get('/school/details')
    assert.equal(form.statusCode, 200)
    assert.match(textOf(form.body), /School contact details .* School phone number .* School address/)
    assert.match(form.body, /name="_csrf"/)

    const saved = await admin.post('/school/details', { phone: ' 01632 960 001 ', address: 'Westside School\r\n\r\n1 School Lane\r\nWestside\r\nWS1 2AB' })
    assert.equal(saved.statusCode, 303)
    assert.equal(saved.headers.location, '/school/details?done=saved')
    assert.deepEqual(await held(ctx.pool), { phone: '01632 960 001', address: 'Westside School\n1 School Lane\nWestside\nWS1 2AB' })
    const page = textOf((await admin.get('/school/details?done=saved')).body)
    assert.match(page, /School contact details saved\./)
    assert.match((await admin.get('/school/details')).body, /value="01632 960 001"/)

    assert.equal((await admin.post('/school/details', { phone: '01632 960 001', address: 'Westside School\n1 School Lane\nWestside\nWS1 2AB' })).headers.location, '/school/details?done=unchanged')
    assert.equal((await admin.post('/school/details', { phone: '+44 1632 960 002 ext 12', address: '' })).statusCode, 303)
    assert.deepEqual(await held(ctx.pool), { phone: '+44 1632 960 002 ext 12', address: null })

    const head = await signIn(ctx, 'head@westside.example')
    assert.equal((await head.post('/school/details', { phone: '', address: '' })).statusCode, 303)
    assert.deepEqual(await held(ctx.pool), { phone: null, address: null })

    const audit = await auditOf(ctx.pool)
    assert.equal(audit.length, 3, 'the unchanged save is not audited')
    assert.match(audit[0]!.summary, /changed the school’s phone number and address for the police sheet/)
    assert.deepEqual(audit[0]!.change, { before, after: { phone: '01632 960 001', address: 'Westside School\n1 School Lane\nWestside\nWS1 2AB' } })
    assert.deepEqual(audit[2]!.change.after, { phone: null, address: null })
    assert.deepEqual(await held(ctx.pool, 'Harton Academy'), harton, 'another school is untouched')
  })

  it('R-ESC-3 a phone number that is not one, or an address too long, re-renders the form with the GOV.UK error summary and what was typed; nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const before = await held(ctx.pool)
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ phone: 'call the office', address: '' }, /Enter a phone number, like 01632 960 001/],
      [{ phone: '0163 29', address: '' }, /at least 10 digits/],
      [{ phone: '1'.repeat(41), address: '' }, /Phone number must be 40 characters or fewer/],
      [{ phone: '', address: 'x'.repeat(301) }, /Address must be 300 characters or fewer/],
    ]
    for (const [form, message] of cases) {
      const response = await admin.post('/school/details', form)
      assert.equal(response.statusCode, 400, JSON.stringify(form))
      const page = textOf(response.body)
      assert.match(page, /^Error: School contact details/)
      assert.match(page, /There is a problem/)
      assert.match(page, message)
      if (form.phone) assert.match(response.body, new RegExp(`value="${form.phone.slice(0, 20)}`), 'what was typed is kept')
    }
    assert.deepEqual(await held(ctx.pool), before)
    assert.deepEqual(await auditOf(ctx.pool), [])
  })

  it('R-CONF-1 only a school admin or the headteacher: the office is refused, and the Staff page offers it to them', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    assert.equal((await office.get('/school/details')).statusCode, 403)
    assert.equal((await office.post('/school/details', { phone: '01632 960 009', address: '' })).statusCode, 403)
    assert.doesNotMatch((await office.get('/')).body, /href="\/school\/details"/)
    const admin = await signIn(ctx, 'admin@westside.example')
    assert.match(textOf((await admin.get('/staff')).body), /School details ?: the school’s phone number and address/)
    assert.match((await admin.get('/staff')).body, /href="\/school\/details"/)
  })
})
