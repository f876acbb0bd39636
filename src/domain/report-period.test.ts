import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { choosePeriod, recentTerms, termById } from './report-period.ts'

describe('the period of a governors’ report', () => {
  it('R-GOV-3 terms: the current one first, none in the future', () => {
    const terms = recentTerms('2026-11-25')
    assert.deepEqual(terms.map((t) => t.termId), ['autumn-2026', 'summer-2026', 'spring-2026', 'autumn-2025', 'summer-2025', 'spring-2025'])
    assert.equal(terms[0]!.label, 'Autumn term 2026 (1 September 2026 to 31 December 2026)')
    assert.equal(termById('spring-2027', '2026-11-25'), undefined)
    assert.equal(termById('winter-2026', '2026-11-25'), undefined)
    assert.deepEqual(recentTerms('2027-01-01').map((t) => t.termId)[0], 'spring-2027')
  })

  it('R-GOV-3 chosen dates, a term, or the current term; bad input is refused with a reason', () => {
    assert.deepEqual(choosePeriod({}, '2026-11-25'), { ok: true, period: termById('autumn-2026', '2026-11-25') })
    assert.deepEqual(choosePeriod({ term: 'summer-2026' }, '2026-11-25').ok, true)
    assert.deepEqual(choosePeriod({ from: '2026-10-01', to: '2026-10-31', term: 'summer-2026' }, '2026-11-25'), { ok: true, period: { from: '2026-10-01', to: '2026-10-31', label: '1 October 2026 to 31 October 2026' } })
    const refused = (query: Record<string, string>) => {
      const result = choosePeriod(query, '2026-11-25')
      return result.ok ? [] : result.errors.map((e) => `${e.field}: ${e.message}`)
    }
    assert.deepEqual(refused({ term: 'constructor' }), ['term: Choose a term from the list'])
    assert.deepEqual(refused({ from: '2026-02-30', to: '' }), ['from: The start must be a real date, like 2026-09-01', 'to: Enter the last day of the period'])
    assert.deepEqual(refused({ from: '2026-10-02', to: '2026-10-01' }), ['to: The end must be on or after the start'])
    assert.deepEqual(refused({ from: '2026-12-01', to: '2026-12-31' }), ['from: The period must start by today'])
    assert.deepEqual(refused({ from: '2020-01-01', to: '2026-01-01' }), ['to: A report covers at most two years'])
  })
})
