import type pg from 'pg'
import { recordAudits, type Actor, type AuditEntry } from '../../audit/audit.ts'
import type { Clock } from '../../clock.ts'
import type { Config } from '../../config.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { londonTime } from '../../domain/hours.ts'
import { itineraryOf, type Itinerary } from '../../domain/itinerary.ts'
import { alarmEscalation, monitor, topPriorityAlarms, type LiveVisit, type MonitorAction, type MonitorResult } from '../../domain/monitoring.ts'
import { liveTransition } from '../../domain/visit-lifecycle.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import { NotFoundError } from '../../web/errors.ts'
import { insertEvent } from '../visits/repository.ts'
import { scheduleDeadlines } from './deadlines.ts'
import { notify } from './notify.ts'
import { reasonForWaitLimit } from '../../domain/cancellation.ts'
import { sendCancellationNotice } from '../cancellations/notice.ts'
import {
  insertAlarm,
  insertSignal,
  liveStateRows,
  lockedLiveVisitState,
  lockLiveVisit,
  updateLiveVisit,
  upsertStepAlert,
  usersWithRoles,
  visitorsOf,
  type LiveStateRows,
  type LiveVisitRow,
} from './repository.ts'

/**
 * The one write path for a visit's day (DESIGN: one write path per visit change). Every change —
 * a tap by a visitor, a call the office records, an acknowledgement, a deadline coming due — runs
 * `changeLiveVisit`: lock the visit row, let the caller check its transition and write its rows and
 * events (`tx.record` writes the typed event and the audit entry together), then, still under the
 * lock, work out what is now due (`monitor`, pure), do it, set the visit's deadlines to match and
 * publish the change for the office board — all in one transaction. Nothing half-done is ever kept.
 */

export type LiveDeps = { pool: Pool; clock: Clock; config: Config }

export type LiveTx = {
  client: pg.PoolClient
  visit: LiveVisitRow
  now: Date
  actor: Actor
  /** Writes the visit's history event and its audit entry. The payload never holds the code word. */
  record(kind: string, summary: string, payload?: Record<string, unknown>): Promise<void>
}

export const SYSTEM: Actor = { userId: null, name: 'Doorstep' }
export const LIVE_CHANNEL = 'doorstep_live'

export async function changeLiveVisit<T>(
  deps: LiveDeps,
  ref: { schoolId: string; visitId: string },
  actor: Actor,
  work: (tx: LiveTx) => Promise<T>,
): Promise<T> {
  return inTransaction(deps.pool, async (client) => {
    const now = deps.clock()
    const visit = await lockLiveVisit(client, ref.schoolId, ref.visitId)
    if (!visit) throw new NotFoundError('There is no visit with that id in this school.')
    const history = historyOf(client, now)
    const tx: LiveTx = { client, visit, now, actor, record: (kind, summary, payload = {}) => history.record(visit, actor, kind, summary, payload) }
    const result = await work(tx)
    await reconcile(client, ref, now, history)
    await client.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, JSON.stringify({ schoolId: ref.schoolId, visitId: ref.visitId })])
    // Last, just before the commit: the school's audit chain is locked from its first entry until the
    // transaction ends, so every other change in the school waits that long (decision 0017).
    await history.writeAudit()
    return result
  })
}

/** A deadline came due: do whatever is due now, under the visit's lock (the job handler). */
export async function runDeadline(deps: LiveDeps, ref: { schoolId: string; visitId: string }): Promise<void> {
  await changeLiveVisit(deps, ref, SYSTEM, async () => {}).catch((error: unknown) => {
    // A visit removed from under its job has nothing left to watch.
    if (!(error instanceof NotFoundError)) throw error
  })
}

type History = {
  /** Writes the visit's history event now and keeps its audit entry for `writeAudit`. */
  record(visit: { id: string; schoolId: string }, actor: Actor, kind: string, summary: string, payload: Record<string, unknown>): Promise<void>
  /** Appends the kept audit entries to the school's chain, in the order they were recorded. */
  writeAudit(): Promise<void>
}

/**
 * The visit's history and its audit entries, in the transaction of the change. Events are written as
 * they happen; the audit entries (R-AUDIT-1) are appended together at the end of the transaction,
 * because appending one takes the school's chain lock until the commit.
 */
function historyOf(client: pg.PoolClient, now: Date): History {
  const audit: AuditEntry[] = []
  return {
    async record(visit, actor, kind, summary, payload) {
      await insertEvent(client, { schoolId: visit.schoolId, visitId: visit.id, at: now, actorUserId: actor.userId, actorName: actor.name, kind, summary, payload })
      // As the payload is now: what the audit entry says cannot change after the event is written.
      const change = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>
      audit.push({ schoolId: visit.schoolId, actor, action: `visit.${kind}`, subjectType: 'visit', subjectId: visit.id, summary, change })
    },
    async writeAudit() {
      if (audit.length > 0) await recordAudits(client, audit.splice(0), now)
    },
  }
}

/** The itinerary the visit is running to: the live one once signed out, the plan's before. */
export function currentItinerary(visit: LiveVisitRow): Itinerary | null {
  return visit.expected ?? itineraryOf(visit)
}

export async function liveStateOf(client: pg.PoolClient, visit: LiveVisitRow): Promise<LiveVisit | null> {
  if (!currentItinerary(visit)) return null
  return liveVisitOf(visit, await liveStateRows(client, visit.schoolId, visit.id))
}

function liveVisitOf(visit: LiveVisitRow, rows: LiveStateRows): LiveVisit | null {
  const itinerary = currentItinerary(visit)
  if (!itinerary) return null
  return {
    state: { status: visit.status, stage: visit.stage, outcome: visit.outcome },
    itinerary,
    outOfHours: visit.outOfHours,
    arrivedAt: visit.arrivedAt,
    checkIns: rows.checkIns.flatMap((c) => (c.kind && c.answered ? [{ kind: c.kind, at: c.at }] : [])),
    signals: rows.signals,
    alarms: rows.alarms,
  }
}

async function reconcile(client: pg.PoolClient, ref: { schoolId: string; visitId: string }, now: Date, history: History): Promise<MonitorResult> {
  let result: MonitorResult = { next: null, actions: [], wakeAt: {} }
  // Each pass does what is due; doing it can make more due at once (an alarm raised → its first step).
  // The visit is locked (changeLiveVisit), so each pass reads it and its state in one round trip.
  for (let pass = 0; pass < 8; pass++) {
    const read = await lockedLiveVisitState(client, ref.schoolId, ref.visitId)
    const visit = read?.visit
    const live = read && liveVisitOf(read.visit, read.state)
    if (!visit || !live) break
    result = monitor(visit.policy, live, now)
    if (result.actions.length === 0) break
    for (const action of result.actions) await apply(client, visit, live, action, now, history)
  }
  await scheduleDeadlines(client, ref, result.wakeAt, now)
  return result
}

const hhmm = (at: Date) => londonTime(at).time

async function apply(client: pg.PoolClient, visit: LiveVisitRow, live: LiveVisit, action: MonitorAction, now: Date, history: History): Promise<void> {
  const system = (kind: string, summary: string, payload: Record<string, unknown> = {}) => history.record(visit, SYSTEM, kind, summary, payload)
  const base = { schoolId: visit.schoolId, visitId: visit.id }
  switch (action.kind) {
    case 'remind_visitors': {
      if (!(await insertSignal(client, visit.schoolId, visit.id, action.key, now))) return
      const visitors = await visitorsOf(client, visit.schoolId, visit.id)
      await system('check_in.reminder', `Reminded the visitors: ${action.due.label.toLowerCase()} is due at ${hhmm(action.due.dueAt)}`, { kind: action.due.kind, dueAt: action.due.dueAt })
      await notify(client, {
        ...base,
        userIds: visitors.map((v) => v.userId),
        alarmId: null,
        kind: 'reminder',
        priority: 'normal',
        title: `${visit.schoolName}: check in by ${hhmm(action.due.dueAt)}`,
        body: 'Open Doorstep and check in with one tap.',
        link: `/visits/${visit.id}/live`,
        channels: ['push'],
      }, now)
      return
    }
    case 'prompt_office': {
      if (!(await insertSignal(client, visit.schoolId, visit.id, action.key, now))) return
      const monitors = await monitorsOf(client, visit, visit.policy.checkIns.monitoredBy)
      await system('check_in.office_prompted', `Prompted the office to call the visitors (${action.due.label.toLowerCase()}, due at ${hhmm(action.due.dueAt)})`, { kind: action.due.kind, dueAt: action.due.dueAt })
      await notify(client, {
        ...base,
        userIds: monitors,
        alarmId: null,
        kind: 'office_prompt',
        priority: 'high',
        title: `${visit.schoolName}: time to call the visitors on a home visit`,
        body: 'Open the office board in Doorstep and record the call.',
        link: '/board',
        channels: ['push'],
      }, now)
      return
    }
    case 'wait_limit': {
      if (!(await insertSignal(client, visit.schoolId, visit.id, action.key, now))) return
      const move = liveTransition(live.state, 'wait_limit_reached')
      if (!move.ok) return
      const reason = action.because === 'not_present' ? `The parents were not there after ${action.limitMinutes} minutes` : `The parents were more than ${action.limitMinutes} minutes late`
      await updateLiveVisit(client, visit.schoolId, visit.id, { stage: move.to.stage, stageSince: now, outcome: move.to.outcome, outcomeReason: reason }, now)
      await system('live.wait_limit', `${reason}: the visitors were told to leave; the visit is recorded as no contact`, { limitMinutes: action.limitMinutes, because: action.because })
      // R-CANCEL-1, R-WAIT-1/2: absence after the wait is a cancellation the policy wants in writing.
      await sendCancellationNotice(
        client,
        { schoolId: visit.schoolId, visitId: visit.id, reason: reasonForWaitLimit(action.because), detail: reason, moment: 'wait_limit', actor: SYSTEM, policy: visit.policy },
        system,
        now,
      )
      const visitors = await visitorsOf(client, visit.schoolId, visit.id)
      await notify(client, {
        ...base,
        userIds: visitors.map((v) => v.userId),
        alarmId: null,
        kind: 'wait_limit',
        priority: 'high',
        title: `${visit.schoolName}: the wait is over, please leave now`,
        body: 'The visit is recorded as no contact. Tell Doorstep when you are back.',
        link: `/visits/${visit.id}/live`,
        channels: ['push'],
      }, now)
      return
    }
    case 'raise_alarm': {
      const summary = `Missed check-in: ${action.due.label.toLowerCase()} was due at ${hhmm(action.due.dueAt)}`
      const id = await insertAlarm(client, visit.schoolId, visit.id, {
        kind: 'missed_check_in',
        key: action.key,
        priority: 'normal',
        summary,
        dueAt: action.due.overdueAt,
        raisedAt: now,
        raisedBy: null,
        raisedByName: SYSTEM.name,
      })
      if (id) await system('alarm.raised', `Alarm raised. ${summary}`, { alarmId: id, kind: 'missed_check_in', checkIn: action.due.kind, dueAt: action.due.dueAt })
      return
    }
    case 'alert_step': {
      const alarm = live.alarms.find((a) => a.id === action.alarmId)
      const step = action.escalation.steps[action.step - 1]
      if (!alarm || !step) return
      const recipients = await recipientsOf(client, visit, step.roles)
      await upsertStepAlert(client, visit.schoolId, alarm.id, { number: step.number, action: step.actionText, recipients: recipients.names, realert: action.realert }, now)
      const top = topPriorityAlarms.includes(alarm.kind)
      const who = recipients.names.join(', ') || 'nobody'
      await system(
        action.realert === 0 ? 'alarm.step_alerted' : 'alarm.realerted',
        action.realert === 0
          ? `Alarm step ${step.number}: alerted ${who} to ${step.actionText}`
          : `Alarm step ${step.number} not acknowledged: alerted ${who} again (${action.realert})`,
        { alarmId: alarm.id, step: step.number, realert: action.realert, recipients: recipients.names, fallback: recipients.fallback },
      )
      await notify(client, {
        ...base,
        userIds: recipients.userIds,
        alarmId: alarm.id,
        kind: action.realert === 0 ? 'alarm' : 'realert',
        priority: top ? 'top' : 'high',
        title: `Doorstep alarm at ${visit.schoolName}: a home visit needs attention now`,
        body: 'Open Doorstep to see what to do.',
        link: `/alarms/${alarm.id}`,
        channels: ['push', 'email'],
      }, now)
      return
    }
  }
}

/** Who watches check-ins: the policy's roles, or out of hours the visit's responsible contact. */
async function monitorsOf(client: pg.PoolClient, visit: LiveVisitRow, roles: readonly SchoolRole[]): Promise<string[]> {
  if (visit.outOfHours && visit.responsibleContactUserId) return [visit.responsibleContactUserId]
  return (await usersWithRoles(client, visit.schoolId, roles)).map((u) => u.id)
}

/**
 * The people a step alerts. Roles nobody holds, or a responsible contact the visit does not name,
 * fall back to the headteacher and the DSL: an alarm is never sent to nobody.
 * The visit's own staff are left out (a DSL on the visit, say): an alert on the phone of a visitor who
 * pressed the silent alarm or gave the duress PIN would give it away (decision 0018). Only when nobody
 * else could be alerted at all does it go to them.
 */
async function recipientsOf(client: pg.PoolClient, visit: LiveVisitRow, roles: readonly string[]): Promise<{ userIds: string[]; names: string[]; fallback: boolean }> {
  // Everyone the choice below may need, in one round trip (it runs under the visit's lock as an alarm is
  // raised): the active staff holding the step's roles, the responsible contact, the visit's own staff,
  // and the active headteachers and DSLs; each group in name order, as usersWithRoles gives them.
  const contactId = roles.includes('responsible_contact') ? visit.responsibleContactUserId : null
  const { rows } = await client.query<{ source: 'role' | 'contact' | 'visitor' | 'senior'; id: string; name: string }>({
    name: 'doorstep-alarm-recipients',
    text: `SELECT source, id, name FROM (
             SELECT DISTINCT 'role' AS source, 0 AS o, u.id, u.name FROM school_memberships m JOIN users u ON u.id = m.user_id
              WHERE m.school_id = $1 AND m.role = ANY($2::text[]) AND u.active
             UNION ALL SELECT 'contact', 1, u.id, u.name FROM users u WHERE u.id = $3
             UNION ALL SELECT 'visitor', 2, vs.user_id, '' FROM visit_staff vs WHERE vs.school_id = $1 AND vs.visit_id = $4
             UNION ALL SELECT DISTINCT 'senior', 3, u.id, u.name FROM school_memberships m JOIN users u ON u.id = m.user_id
              WHERE m.school_id = $1 AND m.role IN ('headteacher', 'dsl') AND u.active) r
           ORDER BY o, name, id`,
    values: [visit.schoolId, roles.filter((r) => r !== 'responsible_contact'), contactId, visit.id],
  })
  const of = (source: string) => rows.filter((r) => r.source === source).map(({ id, name }) => ({ id, name }))
  const people = [...of('role'), ...of('contact')]
  const onVisit = new Set(of('visitor').map((v) => v.id))
  const answer = (list: Array<{ id: string; name: string }>, fallback: boolean) => {
    const unique = [...new Map(list.map((p) => [p.id, p])).values()]
    return { userIds: unique.map((p) => p.id), names: unique.map((p) => p.name), fallback }
  }
  const named = people.filter((p) => !onVisit.has(p.id))
  if (named.length > 0) return answer(named, false)
  const seniors = of('senior')
  const others = seniors.filter((p) => !onVisit.has(p.id))
  return answer(others.length > 0 ? others : [...people, ...seniors], true)
}

export { alarmEscalation }
