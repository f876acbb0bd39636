import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getPreset } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { checkInStatus, nextCheckIn, plannedCheckIns, type CheckInRecord, type DueCheckIn, type Itinerary } from './check-in-schedule.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

/** Wednesday 25 November 2026 (GMT, so UTC is London time). */
const t = (time: string) => new Date(`2026-11-25T${time}:00Z`)

const morning: Itinerary = { leaveSchoolAt: t('09:30'), arriveAt: t('10:00'), scheduledStart: t('10:00'), endAt: t('11:30'), backAtSchoolAt: t('12:00') }

function plan(due: DueCheckIn[]): string[] {
  return due.map((checkIn) => `${checkIn.kind} ${checkIn.dueAt.toISOString().slice(11, 16)} ${checkIn.initiatedBy}`)
}

describe('check-in schedule', () => {
  const plans: Array<{ id: string; expected: string[] }> = [
    {
      id: 'harton-academy-2024',
      expected: ['leaving_school 09:30 visitor', 'interval 10:30 visitor', 'interval 11:00 visitor', 'end 11:30 visitor', 'return 12:00 visitor'],
    },
    { id: 'westside-2025', expected: ['first_check 10:10 office', 'return 12:00 visitor'] },
    { id: 'morecambe-road-2024', expected: ['arrival 10:00 visitor', 'end 11:30 visitor', 'return 12:00 visitor'] },
    { id: 'kings-academy-gomer-2024', expected: ['arrival 10:00 visitor', 'end 11:30 visitor', 'return 12:00 visitor'] },
    { id: 'wna-protocol-2017', expected: ['leaving_school 09:30 visitor', 'return 12:00 visitor'] },
  ]
  for (const { id, expected } of plans) {
    it(`R-CHECK-1 ${id}: the check-ins for a 90-minute morning visit`, () => {
      assert.deepEqual(plan(plannedCheckIns(policyOf(id), morning)), expected)
    })
  }

  it('R-CHECK-1 R-CHECK-2 Westside: the office calls 10 minutes after the scheduled start, then visitors check in every 2 hours', () => {
    const long: Itinerary = { leaveSchoolAt: t('09:30'), arriveAt: t('10:00'), scheduledStart: t('10:00'), endAt: t('14:30'), backAtSchoolAt: t('15:00') }
    assert.deepEqual(plan(plannedCheckIns(policyOf('westside-2025'), long)), [
      'first_check 10:10 office',
      'interval 12:10 visitor',
      'interval 14:10 visitor',
      'return 15:00 visitor',
    ])
    const first = nextCheckIn(policyOf('westside-2025'), long, [])
    assert.equal(first?.label, 'Office call to the visitors')
  })

  it('R-CHECK-1 Harton: the next check-in runs 30 minutes from the last contact', () => {
    const policy = policyOf('harton-academy-2024')
    const made: CheckInRecord[] = [
      { kind: 'leaving_school', at: t('09:31') },
      { kind: 'interval', at: t('10:20') },
    ]
    const next = nextCheckIn(policy, morning, made)
    assert.equal(next?.kind, 'interval')
    assert.deepEqual(next?.dueAt, t('10:50'))
  })

  it('R-CHECK-1 reminds before and marks overdue after the grace period', () => {
    const next = nextCheckIn(policyOf('harton-academy-2024'), morning, [{ kind: 'leaving_school', at: t('09:30') }])
    assert.ok(next)
    assert.deepEqual([next.remindAt, next.dueAt, next.overdueAt], [t('10:25'), t('10:30'), t('10:40')])
    assert.equal(next.initiatedBy, 'visitor')
  })

  it('R-CHECK-1 the reminder and grace follow the policy', () => {
    const policy = policyOf('harton-academy-2024')
    policy.checkIns.reminderMinutesBefore = 0
    policy.checkIns.graceMinutes = 5
    const next = nextCheckIn(policy, morning, [{ kind: 'leaving_school', at: t('09:30') }])
    assert.deepEqual([next?.remindAt, next?.overdueAt], [t('10:30'), t('10:35')])
  })

  it('R-CHECK-3 a later finish moves the end and return, and adds interval check-ins', () => {
    const policy = policyOf('harton-academy-2024')
    const delayed: Itinerary = { ...morning, endAt: t('12:10'), backAtSchoolAt: t('12:40') }
    assert.deepEqual(plan(plannedCheckIns(policy, delayed)).slice(-4), ['interval 11:30 visitor', 'interval 12:00 visitor', 'end 12:10 visitor', 'return 12:40 visitor'])
  })

  it('R-CHECK-3 a later scheduled start moves the office call', () => {
    const late: Itinerary = { ...morning, arriveAt: t('10:25'), scheduledStart: t('10:25') }
    assert.deepEqual(nextCheckIn(policyOf('westside-2025'), late, [])?.dueAt, t('10:35'))
  })

  it('R-CHECK-2 Westside: the office call is ten minutes into the scheduled start, not ten minutes after the visitors expect to arrive', () => {
    const early: Itinerary = { ...morning, arriveAt: t('09:45'), scheduledStart: t('10:00') }
    const call = nextCheckIn(policyOf('westside-2025'), early, [])
    assert.equal(call?.kind, 'first_check')
    assert.equal(call?.initiatedBy, 'office')
    assert.deepEqual(call?.dueAt, t('10:10'))
  })

  it('R-SIGN-2 visitors not returning to school check in when they leave the visit, and that ends monitoring', () => {
    const notReturning: Itinerary = { ...morning, backAtSchoolAt: null }
    const due = plannedCheckIns(policyOf('wna-protocol-2017'), notReturning)
    assert.deepEqual(plan(due), ['leaving_school 09:30 visitor', 'end 11:30 visitor'])
    assert.equal(due[1]?.label, 'Left the visit (not returning to school)')
    assert.equal(nextCheckIn(policyOf('wna-protocol-2017'), notReturning, [{ kind: 'end', at: t('11:25') }]), null)
  })

  it('R-SIGN-1 monitoring ends when the visitors are back at school', () => {
    const made: CheckInRecord[] = [
      { kind: 'arrival', at: t('10:01') },
      { kind: 'end', at: t('11:28') },
      { kind: 'return', at: t('11:55') },
    ]
    assert.equal(nextCheckIn(policyOf('morecambe-road-2024'), morning, made), null)
  })

  it('R-CHECK-1 a check-in already past is not asked for again once a later one is made', () => {
    const made: CheckInRecord[] = [{ kind: 'end', at: t('11:30') }]
    assert.equal(nextCheckIn(policyOf('kings-academy-gomer-2024'), morning, made)?.kind, 'return')
  })

  it('R-CHECK-1 a first check from arrival runs from the arrival check-in', () => {
    const policy = policyOf('kings-academy-gomer-2024')
    policy.checkIns.firstCheck = { minutesAfter: 15, from: 'arrival', initiatedBy: 'office' }
    const next = nextCheckIn(policy, morning, [{ kind: 'arrival', at: t('10:07') }])
    assert.deepEqual([next?.kind, next?.dueAt, next?.initiatedBy], ['first_check', t('10:22'), 'office'])
  })

  describe('status at a moment', () => {
    const policy = policyOf('harton-academy-2024')
    const made: CheckInRecord[] = [{ kind: 'leaving_school', at: t('09:30') }]
    const cases: Array<[string, string]> = [
      ['10:20', 'upcoming'],
      ['10:25', 'reminder'],
      ['10:30', 'due'],
      ['10:39', 'due'],
      ['10:40', 'overdue'],
    ]
    for (const [time, state] of cases) {
      it(`R-CHECK-1 at ${time} the 10:30 check-in is ${state}`, () => {
        assert.equal(checkInStatus(policy, morning, made, t(time))?.state, state)
      })
    }
    it('R-CHECK-1 nothing is due once monitoring has ended', () => {
      assert.equal(checkInStatus(policyOf('wna-protocol-2017'), morning, [{ kind: 'return', at: t('12:00') }], t('12:30')), null)
    })
  })
})
