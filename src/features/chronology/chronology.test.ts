import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { chronologyCsv, chronologyText, type ChronologyEntry } from './chronology.ts'

const entries: ChronologyEntry[] = [
  { at: new Date('2026-07-01T13:05:00Z'), category: 'Home visit', who: 'Sam Baker, Jo Oak', what: 'Attendance concern.\nOutcome: Visited in the home.', actions: '' },
  { at: new Date('2026-11-25T16:10:00Z'), category: 'Visit record', who: 'Present: Ms Hannah "Annie" Marsh (Mother)', what: '=HYPERLINK("http://example.com")', actions: 'Talk to the PE teacher, then write' },
]

describe('the chronology exports (R-REC-3)', () => {
  it('R-REC-3 the text export is one CPOMS-style block per entry: date and UK time, category, who, what, actions', () => {
    assert.equal(
      chronologyText(entries, 'Chronology for Leo Marsh'),
      [
        'Chronology for Leo Marsh (from Doorstep)',
        '',
        'Date: 01/07/2026 14:05',
        'Category: Home visit',
        'Who: Sam Baker, Jo Oak',
        'What: Attendance concern. Outcome: Visited in the home.',
        'Actions: None',
        '',
        'Date: 25/11/2026 16:10',
        'Category: Visit record',
        'Who: Present: Ms Hannah "Annie" Marsh (Mother)',
        'What: =HYPERLINK("http://example.com")',
        'Actions: Talk to the PE teacher, then write',
        '',
      ].join('\n'),
    )
    assert.match(chronologyText([], 'Chronology for Leo Marsh'), /Nothing recorded yet\./)
  })

  it('R-REC-3 the CSV export parses back to the same entries, quotes and commas intact, and a formula stays text', () => {
    const rows = parse(chronologyCsv(entries), { columns: true }) as Array<Record<string, string>>
    assert.deepEqual(rows, [
      { Date: '01/07/2026', Time: '14:05', Category: 'Home visit', Who: 'Sam Baker, Jo Oak', What: 'Attendance concern. Outcome: Visited in the home.', Actions: '' },
      { Date: '25/11/2026', Time: '16:10', Category: 'Visit record', Who: 'Present: Ms Hannah "Annie" Marsh (Mother)', What: `'=HYPERLINK("http://example.com")`, Actions: 'Talk to the PE teacher, then write' },
    ])
  })
})
