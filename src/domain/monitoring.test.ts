import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getPreset, presetIds } from '../policy/presets.ts'
import type { Policy } from '../policy/schema.ts'
import { plannedCheckIns, type CheckInRecord } from './check-in-schedule.ts'
import { itineraryFromSignOut, shiftItinerary, type Itinerary } from './itinerary.ts'
import { monitor, topPriorityPolicy, waitLimit, type AlarmStepRecord, type LiveAlarm, type LiveVisit } from './monitoring.ts'
import { liveActionsFrom, liveTransition, type LiveState } from './visit-lifecycle.ts'

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

const t = (time: string) => new Date(`2026-11-25T${time}:00Z`)
const morning: Itinerary = { leaveSchoolAt: t('09:30'), arriveAt: t('09:55'), scheduledStart: t('10:00'), endAt: t('11:30'), backAtSchoolAt: t('12:00') }
const inHome: LiveState = { status: 'in_progress', stage: 'in_home', outcome: 'contact' }

function live(overrides: Partial<LiveVisit> = {}): LiveVisit {
  return { state: inHome, itinerary: morning, outOfHours: false, arrivedAt: t('09:55'), checkIns: [], signals: new Set(), alarms: [], ...overrides }
}

const kinds = (visit: LiveVisit, policy: Policy, at: string) => monitor(policy, visit, t(at)).actions.map((a) => a.kind)

describe('the day of a visit: stages', () => {
  it('R-SIGN-1 R-APPROVE-1 only an approved visit can be signed out; nothing else can be recorded before', () => {
    for (const status of ['draft', 'awaiting_risk_assessment', 'awaiting_approval', 'refused', 'cancelled', 'completed'] as const) {
      assert.equal(liveTransition({ status, stage: null, outcome: null }, 'sign_out').ok, false, status)
    }
    const approved: LiveState = { status: 'approved', stage: null, outcome: null }
    assert.deepEqual(liveActionsFrom(approved), ['sign_out'])
    const arrive = liveTransition(approved, 'arrive')
    assert.equal(arrive.ok, false)
    if (!arrive.ok) assert.match(arrive.message, /Sign out of school first/)
  })

  it('R-SIGN-1 R-ENTRY-2 R-WAIT-1 R-WAIT-2 each stage offers its next steps', () => {
    const at = (stage: LiveState['stage'], outcome: LiveState['outcome'] = null): LiveState => ({ status: 'in_progress', stage, outcome })
    assert.deepEqual(liveActionsFrom(at('signed_out')), ['arrive', 'cancel_at_door', 'back_at_school', 'left_not_returning'])
    assert.deepEqual(liveActionsFrom(at('arrived')), ['go_in', 'wait_for_parents', 'parents_running_late', 'hold_on_doorstep', 'cancel_at_door', 'back_at_school', 'left_not_returning'])
    assert.deepEqual(liveActionsFrom(at('waiting_for_parents')), ['go_in', 'parents_running_late', 'hold_on_doorstep', 'cancel_at_door', 'back_at_school', 'left_not_returning'])
    assert.deepEqual(liveActionsFrom(at('in_home', 'contact')), ['leave', 'back_at_school', 'left_not_returning'])
    assert.deepEqual(liveActionsFrom(at('left_home', 'contact')), ['back_at_school', 'left_not_returning'])
  })

  it('R-SIGN-2 R-WAIT-1 ending: completed after contact, cancelled after no contact or a cancellation at the door; both end monitoring', () => {
    const end = (outcome: LiveState['outcome'], action: 'back_at_school' | 'left_not_returning') => liveTransition({ status: 'in_progress', stage: 'left_home', outcome }, action)
    assert.deepEqual(end('contact', 'back_at_school'), { ok: true, to: { status: 'completed', stage: null, outcome: 'contact' }, endsMonitoring: true })
    assert.deepEqual(end('doorstep', 'left_not_returning'), { ok: true, to: { status: 'completed', stage: null, outcome: 'doorstep' }, endsMonitoring: true })
    assert.deepEqual(end('no_contact', 'back_at_school'), { ok: true, to: { status: 'cancelled', stage: null, outcome: 'no_contact' }, endsMonitoring: true })
    assert.deepEqual(end('cancelled_at_door', 'back_at_school'), { ok: true, to: { status: 'cancelled', stage: null, outcome: 'cancelled_at_door' }, endsMonitoring: true })
    assert.deepEqual(liveTransition({ status: 'in_progress', stage: 'signed_out', outcome: null }, 'back_at_school'), {
      ok: true,
      to: { status: 'cancelled', stage: null, outcome: 'no_contact' },
      endsMonitoring: true,
    })
  })

  it('R-WAIT-1 the planning cancel is refused once the visitors are out, and says how to cancel at the door', async () => {
    const { transition } = await import('./visit-lifecycle.ts')
    const result = transition('in_progress', 'cancel')
    assert.equal(result.ok, false)
    if (!result.ok) assert.match(result.message, /cancel it at the door/)
  })
})

describe('the itinerary', () => {
  it('R-CHECK-3 more time moves only what is still ahead', () => {
    const moved = shiftItinerary(morning, 20, t('10:30'))
    assert.deepEqual(moved, { ...morning, endAt: t('11:50'), backAtSchoolAt: t('12:20') })
  })

  it('R-SIGN-1 signing out late moves the day by the lateness; early or on time moves nothing', () => {
    assert.deepEqual(itineraryFromSignOut(morning, t('09:25')), { itinerary: morning, lateByMinutes: 0 })
    const late = itineraryFromSignOut(morning, t('09:45'))
    assert.equal(late.lateByMinutes, 15)
    assert.deepEqual(late.itinerary.arriveAt, t('10:10'))
    assert.deepEqual(late.itinerary.backAtSchoolAt, t('12:15'))
  })
})

describe('what is due while visitors are out', () => {
  for (const id of presetIds) {
    const policy = policyOf(id)
    it(`R-CHECK-1 R-ESC-1 ${id}: each planned check-in is reminded or prompted once before it is due, and missed only after its grace`, () => {
      const done: CheckInRecord[] = []
      for (const due of plannedCheckIns(policy, morning)) {
        const visit = live({ checkIns: [...done] })
        const office = due.initiatedBy === 'office'
        const promptAt = office ? due.dueAt : due.remindAt
        const before = new Date(promptAt.getTime() - 1000)
        assert.deepEqual(monitor(policy, visit, before).actions, [], `${id} ${due.kind}: nothing before its prompt`)
        assert.deepEqual(monitor(policy, visit, before).wakeAt.reminder, promptAt)
        const prompted = monitor(policy, visit, promptAt).actions
        assert.deepEqual(prompted.map((a) => a.kind), [office ? 'prompt_office' : 'remind_visitors'], `${id} ${due.kind}`)
        const key = prompted[0]!.kind === 'prompt_office' || prompted[0]!.kind === 'remind_visitors' ? prompted[0]!.key : ''
        const reminded = live({ checkIns: [...done], signals: new Set([key]) })
        assert.deepEqual(monitor(policy, reminded, new Date(due.overdueAt.getTime() - 1000)).actions, [], 'the grace period runs before the alarm')
        assert.deepEqual(monitor(policy, reminded, new Date(due.overdueAt.getTime() - 1000)).wakeAt.check_in, due.overdueAt)
        assert.deepEqual(monitor(policy, reminded, due.overdueAt).actions.map((a) => a.kind), ['raise_alarm'])
        done.push({ kind: due.kind, at: due.dueAt })
      }
      assert.deepEqual(monitor(policy, live({ checkIns: done }), t('13:00')), { next: null, actions: [], wakeAt: {} }, 'every check-in made: nothing left to watch')
    })
  }

  it('R-ESC-1 one ladder at a time: a second missed check-in while an alarm is open raises nothing more', () => {
    const policy = policyOf('harton-academy-2024')
    const alarm: LiveAlarm = { id: 'a1', kind: 'missed_check_in', key: 'x', dueAt: t('10:40'), closedAt: null, steps: [] }
    const actions = monitor(policy, live({ checkIns: [{ kind: 'leaving_school', at: t('09:30') }], alarms: [alarm] }), t('11:40')).actions
    assert.ok(!actions.some((a) => a.kind === 'raise_alarm'))
    assert.ok(actions.some((a) => a.kind === 'alert_step'), 'the open alarm goes on escalating')
  })

  it('R-ESC-2 a step alerts once, re-alerts at its interval until acknowledged, and the next step follows on its delay', () => {
    const policy = policyOf('westside-2025')
    const step = (number: number, realerts: number, acknowledged: string | null = null, outcome: AlarmStepRecord['outcome'] = null): AlarmStepRecord => ({
      number,
      alertedAt: t('10:00'),
      realerts,
      acknowledgedAt: acknowledged ? t(acknowledged) : null,
      acknowledgedBy: acknowledged ? 'u1' : null,
      outcome,
    })
    const alarm = (steps: AlarmStepRecord[]): LiveAlarm => ({ id: 'a1', kind: 'missed_check_in', key: 'k', dueAt: t('10:00'), closedAt: null, steps })
    const visit = (steps: AlarmStepRecord[]) => live({ state: { status: 'completed', stage: null, outcome: 'contact' }, alarms: [alarm(steps)] })
    assert.deepEqual(monitor(policy, visit([]), t('10:00')).actions.map((a) => a.kind === 'alert_step' && [a.step, a.realert]), [[1, 0]])
    assert.deepEqual(monitor(policy, visit([step(1, 0)]), t('10:04')).actions, [])
    assert.deepEqual(monitor(policy, visit([step(1, 0)]), t('10:04')).wakeAt.escalation, t('10:05'))
    assert.deepEqual(monitor(policy, visit([step(1, 0)]), t('10:05')).actions.map((a) => a.kind === 'alert_step' && [a.step, a.realert]), [[1, 1]])
    // Down for 12 minutes: one catch-up re-alert, not a burst, and step 2 (10 minutes on).
    assert.deepEqual(monitor(policy, visit([step(1, 0)]), t('10:12')).actions.map((a) => a.kind === 'alert_step' && [a.step, a.realert]), [[1, 2], [2, 0]])
    // "No answer" at 10:03 alerts step 2 at once.
    assert.deepEqual(monitor(policy, visit([step(1, 0, '10:03', 'no_answer')]), t('10:03')).actions.map((a) => a.kind === 'alert_step' && [a.step, a.realert]), [[2, 0]])
    // "Decided" keeps step 2 on its timer.
    assert.deepEqual(monitor(policy, visit([step(1, 0, '10:03', 'decided')]), t('10:05')).actions, [])
  })

  it('R-ESC-4 a closed alarm alerts nobody, however long it is left', () => {
    const policy = policyOf('westside-2025')
    const closed: LiveAlarm = { id: 'a1', kind: 'missed_check_in', key: 'k', dueAt: t('10:00'), closedAt: t('10:02'), steps: [] }
    assert.deepEqual(monitor(policy, live({ state: { status: 'completed', stage: null, outcome: 'contact' }, alarms: [closed] }), t('15:00')).actions, [])
  })

  it('R-ALERT-1 an alarm a person raises alerts every step at once, the office and the DSL first', () => {
    for (const id of presetIds) {
      const policy = policyOf(id)
      const silent: LiveAlarm = { id: 's1', kind: 'silent_alarm', key: 's', dueAt: t('10:20'), closedAt: null, steps: [] }
      const actions = monitor(policy, live({ alarms: [silent] }), t('10:20')).actions.filter((a) => a.kind === 'alert_step')
      assert.equal(actions.length, policy.escalation.steps.length, id)
      const first = topPriorityPolicy(policy).escalation.steps[0]!
      assert.ok(first.roles.includes('office') && first.roles.includes('dsl'), id)
    }
  })

  it('R-ESC-1 out of hours the responsible contact takes the office\'s place', () => {
    const policy = policyOf('westside-2025')
    const alarm: LiveAlarm = { id: 'a1', kind: 'missed_check_in', key: 'k', dueAt: t('18:00'), closedAt: null, steps: [] }
    const action = monitor(policy, live({ outOfHours: true, alarms: [alarm] }), t('18:00')).actions.find((a) => a.kind === 'alert_step')
    assert.ok(action && action.kind === 'alert_step')
    assert.deepEqual(action.escalation.steps[0]!.roles, ['responsible_contact'])
  })

  it('R-WAIT-1 R-WAIT-2 the wait counts from the arranged time, or from arrival if later; late parents get the late limit', () => {
    for (const id of presetIds) {
      const policy = policyOf(id)
      const waiting = live({ state: { status: 'in_progress', stage: 'waiting_for_parents', outcome: null }, arrivedAt: t('09:55') })
      assert.deepEqual(waitLimit(policy, waiting)?.at, new Date(t('10:00').getTime() + policy.waits.parentsNotPresentMinutes * 60_000), id)
      const lateArrival = live({ state: { status: 'in_progress', stage: 'waiting_for_parents', outcome: null }, arrivedAt: t('10:10') })
      assert.deepEqual(waitLimit(policy, lateArrival)?.at, new Date(t('10:10').getTime() + policy.waits.parentsNotPresentMinutes * 60_000), id)
      const late = live({ state: { status: 'in_progress', stage: 'parents_running_late', outcome: null } })
      const limit = waitLimit(policy, late)!
      assert.equal(limit.minutes, policy.waits.parentsRunningLateMinutes, id)
      assert.deepEqual(kinds(late, policy, limit.at.toISOString().slice(11, 16)).filter((k) => k === 'wait_limit'), ['wait_limit'], id)
      assert.equal(waitLimit(policy, live()), null, 'no wait once in the home')
    }
  })
})
