import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { attendanceCodes, checkCode, counts, lookUpCode, penaltyNoticeCodes } from './attendance-codes.ts'
import {
  addMonthsIso,
  attendanceFlags,
  byMonth,
  hasWeekday,
  mondayOf,
  penaltyWindow,
  schoolWeeks,
  schoolYearStart,
  tally,
  type Mark,
} from './attendance.ts'
import { addDaysIso } from './attendance.ts'

/** Marks for every weekday from `from` to `to` (both sessions), with `code(date, session)` giving each mark. */
function weekdays(from: string, to: string, code: (date: string, session: 'AM' | 'PM', index: number) => string): Mark[] {
  const marks: Mark[] = []
  let index = 0
  for (let date = from; date <= to; date = addDaysIso(date, 1)) {
    const day = new Date(`${date}T00:00:00Z`).getUTCDay()
    if (day === 0 || day === 6) continue
    for (const session of ['AM', 'PM'] as const) marks.push({ date, session, code: code(date, session, index++) })
  }
  return marks
}
const present = (_d: string, s: 'AM' | 'PM') => (s === 'AM' ? '/' : '\\')
const westside = { belowPercent: 70, fallingTrend: false, windowMonths: 3 }
const morecambe = { belowPercent: null, fallingTrend: true, windowMonths: 3 }

describe('the DfE attendance codes', () => {
  it('R-ATT-1 every code has a meaning and one statistical category; the 2024 codes are there', () => {
    const codes = attendanceCodes.map((c) => c.code)
    assert.equal(new Set(codes).size, codes.length, 'no code twice')
    for (const code of ['/', '\\', 'L', 'U', 'B', 'D', 'J1', 'P', 'V', 'K', 'C1', 'C2', 'C', 'M', 'I', 'E', 'G', 'N', 'O', 'Q', 'R', 'S', 'T', 'W', 'X', 'Y1', 'Y2', 'Y7', 'Z', '#']) {
      assert.ok(codes.includes(code), code)
    }
    for (const c of attendanceCodes) assert.ok(c.meaning.length > 5, c.code)
    assert.equal(lookUpCode('/')!.category, 'present')
    assert.equal(lookUpCode('L')!.category, 'present')
    assert.equal(lookUpCode('u')!.category, 'unauthorised', 'late after the register closed is unauthorised')
    for (const code of ['K', 'V', 'P', 'W', 'B']) assert.equal(lookUpCode(code)!.category, 'approved_activity', code)
    for (const code of ['C1', 'C2', 'C', 'M', 'J1', 'S', 'T', 'R', 'I', 'E']) assert.equal(lookUpCode(code)!.category, 'authorised', code)
    for (const code of ['D', 'X', 'Q', 'Y1', 'Y2', 'Y3', 'Y4', 'Y5', 'Y6', 'Y7', 'Z', '#']) assert.equal(lookUpCode(code)!.category, 'not_possible', code)
    assert.deepEqual(penaltyNoticeCodes, ['G', 'N', 'O', 'U'])
    assert.deepEqual(counts('approved_activity'), { possible: true, attended: true })
    assert.deepEqual(counts('not_possible'), { possible: false, attended: false })
    assert.deepEqual(counts('authorised'), { possible: true, attended: false })
  })

  it('R-ATT-1 unknown codes, missing marks and withdrawn codes after August 2024 are refused with a reason', () => {
    assert.deepEqual(checkCode(' y1 ', '2026-10-01'), { ok: true, code: lookUpCode('Y1') })
    assert.match((checkCode('A', '2026-10-01') as { message: string }).message, /“A” is not a DfE attendance code/)
    assert.match((checkCode('-', '2026-10-01') as { message: string }).message, /No mark was recorded/)
    assert.match((checkCode('', '2026-10-01') as { message: string }).message, /No mark was recorded/)
    assert.match((checkCode('J', '2024-08-19') as { message: string }).message, /withdrawn on 19 August 2024: use J1/)
    assert.equal(checkCode('J', '2024-07-19').ok, true, 'the old code before the change')
    assert.equal(checkCode('H', '2024-08-18').ok, true)
  })
})

describe('attendance in sessions', () => {
  it('R-ATT-1 counts present and approved activities as attended, and leaves out sessions that are not possible', () => {
    const marks: Mark[] = ['/', '\\', 'L', 'V', 'I', 'M', 'N', 'U', 'D', '#', 'Y2', 'X'].map((code, i) => ({ date: `2026-10-${String(i + 1).padStart(2, '0')}`, session: 'AM', code }))
    assert.deepEqual(tally(marks), { possible: 8, attended: 4, present: 3, approvedActivity: 1, authorised: 2, unauthorised: 2, notPossible: 4, percent: 50 })
    assert.equal(tally([{ date: '2026-10-01', session: 'AM', code: '#' }]).percent, null, 'no possible sessions: no percentage')
    assert.equal(tally(weekdays('2026-10-05', '2026-10-09', (_d, _s, i) => (i === 0 ? 'I' : '/'))).percent, 90)
    assert.equal(tally(weekdays('2026-10-05', '2026-10-07', (_d, _s, i) => (i === 0 ? 'I' : '/'))).percent, 83.3, 'one decimal place')
  })

  it('R-ATT-1 groups by calendar month across month ends, leaving out months with no marks', () => {
    const marks = weekdays('2026-09-28', '2026-10-02', present).concat(weekdays('2026-12-28', '2027-01-05', (d) => (d < '2027-01-01' ? '#' : 'I')))
    const months = byMonth(marks)
    assert.deepEqual(months.map((m) => [m.label, m.possible, m.percent]), [
      ['September 2026', 6, 100],
      ['October 2026', 4, 100],
      ['December 2026', 0, null],
      ['January 2027', 6, 0],
    ])
  })

  it('dates: months added on month ends, weeks from Monday, school years from August', () => {
    assert.equal(addMonthsIso('2026-05-31', -3), '2026-02-28')
    assert.equal(addMonthsIso('2028-05-31', -3), '2028-02-29')
    assert.equal(addMonthsIso('2027-01-31', -3), '2026-10-31')
    assert.equal(addMonthsIso('2026-11-30', -3), '2026-08-30')
    assert.equal(addMonthsIso('2027-02-15', -13), '2026-01-15')
    assert.equal(addMonthsIso('2026-12-31', 2), '2027-02-28')
    assert.equal(mondayOf('2026-11-29'), '2026-11-23', 'Sunday belongs to the week before')
    assert.equal(mondayOf('2026-11-30'), '2026-11-30')
    assert.equal(mondayOf('2027-01-01'), '2026-12-28', 'a week across the new year')
    assert.equal(schoolYearStart('2026-07-31'), '2025-08-01')
    assert.equal(schoolYearStart('2026-08-01'), '2026-08-01')
    assert.equal(hasWeekday('2026-11-28', '2026-11-29'), false)
    assert.equal(hasWeekday('2026-11-28', '2026-11-30'), true)
    assert.equal(hasWeekday('2026-11-30', '2026-11-29'), false, 'a period that ends before it starts')
  })
})

describe('flags from the policy', () => {
  it('R-ATT-1 below the threshold over the window: flagged just below, not at the threshold', () => {
    // 20 possible sessions a week; September to November 2026.
    const at = (percentPerTen: number) => weekdays('2026-09-01', '2026-11-30', (_d, _s, i) => (i % 10 < percentPerTen ? '/' : 'O'))
    const below = attendanceFlags(at(6), '2026-11-30', westside)
    assert.deepEqual(below.map((f) => f.kind).filter((k) => k === 'policy_below'), ['policy_below'])
    assert.match(below[0]!.why, /Attendance was 60% over the 3 months to 30 November 2026 \(\d+ of \d+ sessions\), below the policy’s threshold of 70%/)
    assert.equal(attendanceFlags(at(7), '2026-11-30', westside).some((f) => f.kind === 'policy_below'), false, 'exactly 70% is not below')
  })

  it('R-ATT-1 the window is the months to the as-of date: older absence drops out, on month ends too', () => {
    // Absent all of late August (before the window), present since.
    const marks = weekdays('2026-08-17', '2026-08-31', () => 'O').concat(weekdays('2026-09-01', '2026-11-30', present))
    assert.equal(attendanceFlags(marks, '2026-11-30', westside).some((f) => f.kind === 'policy_below'), false, '30 Aug to 30 Nov: the absence of 31 August counts but is outweighed')
    const absentLate = weekdays('2026-09-01', '2026-11-16', present).concat(weekdays('2026-11-17', '2027-02-28', (d) => (d.slice(5, 7) === '12' && d > '2026-12-18' ? '#' : 'N')))
    const flags = attendanceFlags(absentLate, '2027-02-28', westside)
    assert.match(flags.find((f) => f.kind === 'policy_below')!.why, /0% over the 3 months to 28 February 2027/)
    // As of 31 May the window starts after 28 February (the month end is clamped), so February's absence is out.
    const spring = weekdays('2027-02-01', '2027-02-26', () => 'O').concat(weekdays('2027-03-01', '2027-05-31', present))
    assert.equal(attendanceFlags(spring, '2027-05-31', westside).some((f) => f.kind === 'policy_below'), false)
    assert.equal(attendanceFlags(spring, '2027-05-28', westside).some((f) => f.kind === 'policy_below'), false)
    assert.equal(attendanceFlags(spring, '2027-04-30', westside).some((f) => f.kind === 'policy_below'), true, 'to 30 April the window still holds February')
    // Marks after the as-of date are ignored.
    assert.equal(attendanceFlags(weekdays('2026-09-01', '2026-09-30', present).concat(weekdays('2026-10-01', '2026-12-18', () => 'O')), '2026-09-30', westside).length, 0)
  })

  it('R-ATT-1 falling month on month over three months, passing over a holiday month; not when one month holds steady', () => {
    const monthly = (percents: Record<string, number>) =>
      Object.entries(percents).flatMap(([month, percent]) => {
        const all = weekdays(`${month}-01`, addDaysIso(addMonthsIso(`${month}-01`, 1), -1), present)
        const missed = Math.round((all.length * (100 - percent)) / 100)
        return all.map((m, i) => (i < missed ? { ...m, code: 'I' } : m))
      })
    const falling = monthly({ '2026-06': 95, '2026-07': 90, '2026-09': 85 })
    const flag = attendanceFlags(falling, '2026-09-30', morecambe).find((f) => f.kind === 'policy_falling')
    assert.ok(flag, 'August, a holiday month with no marks, is passed over')
    assert.match(flag.why, /fell every month over the last 3 months: June 2026 9[\d.]+%, July 2026 [\d.]+%, September 2026 [\d.]+%\./)
    const withClosedMonth = falling.concat(weekdays('2026-08-03', '2026-08-07', () => '#'))
    assert.ok(attendanceFlags(withClosedMonth, '2026-09-30', morecambe).some((f) => f.kind === 'policy_falling'), 'a month of planned closure only is passed over too')
    assert.equal(attendanceFlags(monthly({ '2026-09': 90, '2026-10': 100, '2026-11': 100 }), '2026-11-30', morecambe).some((f) => f.kind === 'policy_falling'), false, 'holding steady is not falling')
    assert.equal(attendanceFlags(monthly({ '2026-10': 95, '2026-11': 90 }), '2026-11-30', morecambe).some((f) => f.kind === 'policy_falling'), false, 'two months are not three')
    assert.equal(attendanceFlags(monthly({ '2026-09': 80, '2026-10': 100, '2026-11': 90 }), '2026-11-30', morecambe).some((f) => f.kind === 'policy_falling'), false)
    // A partial month (the first days of December) counts as it stands.
    const partial = monthly({ '2026-10': 100, '2026-11': 95 }).concat(weekdays('2026-12-01', '2026-12-02', (_d, s) => (s === 'AM' ? '/' : 'I')))
    assert.ok(attendanceFlags(partial, '2026-12-02', morecambe).some((f) => f.kind === 'policy_falling'))
    assert.equal(attendanceFlags(falling, '2026-09-30', westside).some((f) => f.kind === 'policy_falling'), false, 'Westside’s rule is a threshold, not a trend')
    assert.equal(attendanceFlags(falling, '2026-09-30', null).some((f) => f.kind.startsWith('policy')), false, 'no referral rule: no policy flag')
  })

  it('R-ATT-1 persistent absence at 10% of possible sessions missed, severe at 50%, over the school year to date', () => {
    const year = (missedPerTwenty: number) => weekdays('2026-09-07', '2026-10-30', (_d, _s, i) => (i % 20 < missedPerTwenty ? 'I' : '/'))
    const kinds = (marks: Mark[]) => attendanceFlags(marks, '2026-10-30', null).map((f) => f.kind)
    assert.deepEqual(kinds(year(1)), [], '5% missed')
    assert.deepEqual(kinds(year(2)), ['persistent'], 'exactly 10% missed is persistent')
    assert.deepEqual(kinds(year(9)), ['persistent'])
    assert.deepEqual(kinds(year(10)), ['severe'], 'exactly 50% missed is severe, instead of persistent')
    assert.match(attendanceFlags(year(2), '2026-10-30', null)[0]!.why, /Missed \d+ of \d+ sessions since 1 August 2026 \(10%\): 10% or more is persistent absence/)
    // Last school year's absence does not count in this one.
    const lastYear = weekdays('2026-06-01', '2026-07-17', () => 'I').concat(weekdays('2026-09-01', '2026-10-30', present))
    assert.deepEqual(kinds(lastYear), [])
    // Sessions that are not possible do not count against the pupil.
    assert.deepEqual(kinds(weekdays('2026-09-01', '2026-10-30', (_d, _s, i) => (i % 2 ? 'Y2' : '/'))), [])
  })

  it('R-ATT-1 ten unauthorised sessions within a rolling ten school weeks, holidays not counting as school weeks', () => {
    // One unauthorised session a week for 10 school weeks, with the half-term week (26–30 October) of "#" in between.
    const spread = weekdays('2026-09-07', '2026-11-20', (date, session) => {
      if (date >= '2026-10-26' && date <= '2026-10-30') return '#'
      return new Date(`${date}T00:00:00Z`).getUTCDay() === 3 && session === 'AM' ? 'O' : '/'
    })
    assert.equal(schoolWeeks(spread).length, 10, 'eleven calendar weeks, ten school weeks')
    const window = penaltyWindow(spread, '2026-11-20')
    assert.deepEqual(window, { from: '2026-09-07', to: '2026-11-20', unauthorised: 10 })
    const flag = attendanceFlags(spread, '2026-11-20', null).find((f) => f.kind === 'penalty_notice')!
    assert.match(flag.why, /10 unauthorised sessions \(codes G, N, O, U\) in the 10 school weeks from 7 September 2026 to 20 November 2026/)
    assert.match(flag.why, /A Notice to Improve, with an improvement period of 3 to 6 weeks, comes first/)
    // Nine is not enough.
    const nine = spread.map((m) => (m.date === '2026-09-09' && m.session === 'AM' ? { ...m, code: '/' } : m))
    assert.equal(penaltyWindow(nine, '2026-11-20'), undefined)
    // Spread over eleven school weeks (no holiday): the first falls out of every window.
    const eleven = weekdays('2026-09-07', '2026-11-20', (date, session) => (new Date(`${date}T00:00:00Z`).getUTCDay() === 3 && session === 'AM' && date !== '2026-10-28' ? 'O' : '/'))
    assert.equal(penaltyWindow(eleven, '2026-11-20'), undefined)
    // Authorised absence (I) and late before the register closed (L) do not count; U (after it closed) does.
    assert.equal(penaltyWindow(weekdays('2026-09-07', '2026-09-18', () => 'I'), '2026-09-18'), undefined)
    assert.equal(penaltyWindow(weekdays('2026-09-07', '2026-09-18', () => 'L'), '2026-09-18'), undefined)
    assert.deepEqual(penaltyWindow(weekdays('2026-09-07', '2026-09-11', () => 'U'), '2026-09-11'), { from: '2026-09-07', to: '2026-09-11', unauthorised: 10 })
    // A partial week (two days) is a school week; G, N, O, U all count.
    const partial = weekdays('2026-12-17', '2026-12-18', () => 'G').concat(weekdays('2027-01-04', '2027-01-04', () => 'N'), weekdays('2027-01-05', '2027-01-08', () => '/'))
    assert.equal(schoolWeeks(partial).length, 2, 'the Christmas holiday weeks have no marks')
    assert.equal(schoolWeeks(partial).reduce((sum, week) => sum + week.unauthorised, 0), 6)
    assert.equal(penaltyWindow(partial, '2027-01-08'), undefined)
    const partialTen = partial.concat(weekdays('2027-01-11', '2027-01-12', () => 'O'))
    assert.deepEqual(penaltyWindow(partialTen, '2027-01-12'), { from: '2026-12-17', to: '2027-01-12', unauthorised: 10 }, 'across the Christmas holidays and the new year')
  })

  it('R-ATT-1 the rolling window spans the summer holiday, but one ending in an earlier school year does not flag this one', () => {
    const marks = weekdays('2026-07-06', '2026-07-10', () => 'O').concat(weekdays('2026-09-01', '2026-09-04', present))
    assert.ok(penaltyWindow(marks, '2026-07-10'))
    assert.equal(penaltyWindow(marks, '2026-09-04')?.to, '2026-09-04', 'the window ending this year still holds July’s sessions, within 10 school weeks')
    const later = marks.concat(weekdays('2026-09-07', '2026-11-13', present))
    assert.equal(penaltyWindow(later, '2026-11-13')?.to, '2026-10-30', 'the latest window still holding July’s sessions, ending this school year')
    assert.equal(penaltyWindow(weekdays('2026-07-06', '2026-07-10', () => 'O'), '2026-09-04'), undefined, 'a window of last school year alone')
  })
})
