import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testApp } from '../../../test/helpers.ts'
import { schoolDaysAhead, schoolDaysBefore } from './demo.ts'

/** Issue 10 §9: demo data a person can read. */
describe('the demo data', () => {
  it('every demo person has a name of their own, first name and surname', async (t) => {
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ name: string }>(`SELECT name FROM users WHERE email LIKE '%.example'`)
    const names = rows.map((r) => r.name)
    assert.equal(new Set(names).size, names.length, 'no two demo people share a name')
    assert.ok(names.every((name) => /^[A-Z][a-z]+ [A-Z][A-Za-z'’-]+$/.test(name)), `names read as names: ${names.join(', ')}`)
    const surnames = rows.map((r) => r.name.split(' ')[1])
    assert.ok(new Set(surnames).size >= names.length - 5, 'a school is not one family')
  })

  it('demo visits fall on school days, even when the demo is seeded on a Friday', async (t) => {
    assert.equal(schoolDaysAhead('2026-11-27', 1), '2026-11-30', 'Friday + 1 school day is Monday')
    assert.equal(schoolDaysAhead('2026-11-27', 0), '2026-11-27')
    assert.equal(schoolDaysAhead('2026-11-25', 3), '2026-11-30', 'Wednesday + 3 school days is Monday')
    assert.equal(schoolDaysBefore('2026-11-25', 3), '2026-11-20', 'Wednesday − 3 school days is the Friday before')
    assert.equal(schoolDaysBefore('2026-11-30', 1), '2026-11-27', 'Monday − 1 school day is Friday')
    const ctx = await testApp(t)
    const { rows } = await ctx.pool.query<{ dow: number }>(`SELECT extract(isodow FROM planned_start AT TIME ZONE 'Europe/London')::int AS dow FROM visits WHERE planned_start IS NOT NULL`)
    assert.ok(rows.length > 0)
    assert.deepEqual(rows.filter((r) => r.dow > 5), [], 'no demo visit on a Saturday or Sunday')
  })
})
