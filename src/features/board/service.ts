import type pg from 'pg'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { checkInStatus, type CheckInKind, type CheckInState, type DueCheckIn } from '../../domain/check-in-schedule.ts'
import { formatMinutes } from '../../domain/dates.ts'
import type { AlertRecipient } from '../../domain/escalation.ts'
import { londonDate, londonTime } from '../../domain/hours.ts'
import { itineraryOf } from '../../domain/itinerary.ts'
import { acknowledgementOutcomeLabels, alarmEscalation, alarmKindLabels, waitLimit, type AlarmKind } from '../../domain/monitoring.ts'
import { holdsAnyRole, joinWords, roleNamesInText, type SchoolRole } from '../../domain/roles.ts'
import { liveStageLabels, statusLabels, visitOutcomeLabels, type LiveStage, type VisitStatus } from '../../domain/visit-lifecycle.ts'
import type { Policy } from '../../policy/schema.ts'
import { ForbiddenError } from '../../web/errors.ts'
import { currentPolicy } from '../policy/repository.ts'
import { alarmsOfVisit, checkInsOf, findLiveVisit, visitorsOf, type AlarmRow, type LiveVisitRow } from '../live/repository.ts'
import { alarmAccess, liveWatchers } from '../live/service.ts'
import type { Viewer } from '../visits/service.ts'
import { currentItinerary } from '../live/write-path.ts'

/**
 * The office board (R-SIGN-1, R-CHECK-2, R-ESC-1..3): who is out, where, where each visit stands,
 * when each is next due, how long since anyone heard from them, and — in words — what the person
 * watching must do now. Read in one snapshot (a read-only, repeatable-read transaction), so the
 * board never shows half of a change. The words come from the same pure rules the write path
 * follows (checkInStatus, waitLimit, alarmEscalation), so the board says what Doorstep is doing.
 */

// ---------------------------------------------------------------- who may watch

/**
 * Roles a policy may name (in checkIns.monitoredBy, the escalation steps or the out-of-hours
 * replacement) that still never open the board by holding the role: the staff who go on visits,
 * governors and school admins are not the people watching visits in progress (R-CONF-1). They are
 * still alerted by the alarms the policy sends them, and act on the alarm page.
 */
const neverWatchByRole: readonly SchoolRole[] = ['visitor', 'governor', 'school_admin']

/** The roles that watch visits under a policy: the office, DSLs, headteacher, associate head, and whoever the policy names. */
export function watchingRoles(policy: Policy): SchoolRole[] {
  const replacement = policy.escalation.outOfHoursOfficeReplacedBy
  const named: SchoolRole[] = [
    ...policy.checkIns.monitoredBy,
    ...policy.escalation.steps.flatMap((step) => step.roles),
    ...(replacement === 'responsible_contact' ? [] : [replacement]),
  ]
  return [...new Set<SchoolRole>([...liveWatchers, ...named.filter((role) => !neverWatchByRole.includes(role))])]
}


/** The board a person sees: the whole school's, or only the visits they are the responsible contact for. */
export type BoardScope = 'school' | 'own'

// ---------------------------------------------------------------- what the board holds

export type TagColour = 'red' | 'orange' | 'yellow' | 'green' | 'grey'
export type BoardTag = { text: string; colour: TagColour }

export type BoardPerson = { name: string; mobile: string | null; tel: string | null; roleOnVisit: string }

export type BoardPlace = { town: string; district: string }

export type BoardAlarmStep = {
  number: number
  /** "try to reach each visitor by phone" */
  action: string
  /** "the school office" */
  who: string
  alertedAt: Date | null
  realerts: number
  acknowledgedAt: Date | null
  acknowledgedByName: string | null
  outcome: string | null
}

export type BoardAlarm = {
  id: string
  kind: AlarmKind
  label: string
  priority: 'top' | 'normal'
  summary: string
  raisedAt: Date
  /** Alerted steps nobody has acknowledged yet: the board sounds while there are any. */
  unacknowledged: number[]
  /** Which of them the person reading may acknowledge. */
  mayAcknowledge: number[]
  steps: BoardAlarmStep[]
  /** The next step still to alert, and when. */
  nextStep: { number: number; action: string; who: string; at: Date } | null
  /** What to do about it now, in words. */
  todo: string
}

export type BoardNext = {
  kind: CheckInKind
  label: string
  dueAt: Date
  overdueAt: Date
  state: CheckInState
  byOffice: boolean
  /** "Office call at 14:10 (in 5 minutes)", "Signing back in at school by 15:30 (in 1 hour)" */
  text: string
  /** Minutes since it was due, once it is overdue. */
  overdueByMinutes: number | null
}

export type BoardVisit = {
  visitId: string
  status: VisitStatus
  stage: LiveStage | null
  /** "In the home"; for a visit that ended with an alarm still open, how it ended. */
  stageText: string
  inProgress: boolean
  visitors: BoardPerson[]
  place: BoardPlace | null
  next: BoardNext | null
  wait: { until: Date; text: string } | null
  expected: { endAt: Date; backAt: Date | null } | null
  lastContact: { at: Date; text: string } | null
  outOfHours: boolean
  responsibleContactName: string | null
  alarms: BoardAlarm[]
  tag: BoardTag
  /** What the person watching must do now, most urgent first. Never empty. */
  todo: string[]
  /** Sort key: open alarms (top priority first), then overdue, due, due soon, on schedule. */
  rank: number
  rankAt: number
}

export type BoardDeparture = {
  visitId: string
  visitors: BoardPerson[]
  place: BoardPlace | null
  leaveAt: Date
  late: boolean
  /** "due to leave at 13:30 (in 3 hours 30 minutes)", "was due to leave at 13:30 (15 minutes ago)" */
  when: string
  /** "Not signed out yet; due to leave at 13:30 (in 3 hours 30 minutes)" */
  text: string
}

export type Board = {
  generatedAt: Date
  scope: BoardScope
  visits: BoardVisit[]
  notSignedOut: BoardDeparture[]
  openAlarms: number
  /** Alarm steps alerted and not acknowledged, across the board. */
  unacknowledgedSteps: number
}

// ---------------------------------------------------------------- words

const hhmm = (at: Date) => londonTime(at).time

function minutesBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / 60_000)
}

/** "in 5 minutes", "12 minutes ago", "now". */
export function relative(now: Date, at: Date): string {
  const minutes = Math.round((at.getTime() - now.getTime()) / 60_000)
  if (minutes === 0) return 'now'
  return minutes > 0 ? `in ${formatMinutes(minutes)}` : `${formatMinutes(-minutes)} ago`
}

/** How the board names each check-in in a sentence. */
const checkInPhrases: Record<CheckInKind, string> = {
  leaving_school: 'the check-in on leaving school',
  arrival: 'the arrival check-in',
  first_check: 'the first check-in',
  interval: 'the routine check-in',
  end: 'the check-in on leaving the address',
  return: 'signing back in at school',
}

function phraseFor(due: DueCheckIn): string {
  if (due.initiatedBy === 'office') return 'the office call'
  return checkInPhrases[due.kind]
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function recipientWords(roles: readonly AlertRecipient[], contactName: string | null): string {
  return joinWords(
    roles.map((role) => (role === 'responsible_contact' ? (contactName ? `the responsible contact (${contactName})` : 'the responsible contact') : roleNamesInText[role])),
    'or',
  )
}

/** "W12 7AB" → "W12": the outward part of a UK postcode is enough on a screen others may glimpse. */
export function postcodeDistrict(postcode: string): string {
  const compact = postcode.trim().toUpperCase().replace(/\s+/g, ' ')
  const [outward] = compact.split(' ')
  if (compact.includes(' ') && outward) return outward
  const joined = compact.replace(/ /g, '')
  return joined.length > 3 ? joined.slice(0, -3) : joined
}

/** A number a phone can dial: digits and a leading +. */
function telOf(mobile: string | null): string | null {
  if (!mobile) return null
  const digits = mobile.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '')
  return digits.length >= 3 ? digits : null
}

// ---------------------------------------------------------------- one visit

type VisitFacts = {
  visit: LiveVisitRow
  visitors: BoardPerson[]
  place: BoardPlace | null
  responsibleContactName: string | null
  checkIns: Awaited<ReturnType<typeof checkInsOf>>
  alarms: AlarmRow[]
}

function describeAlarm(viewer: Viewer, facts: VisitFacts, alarm: AlarmRow, now: Date): BoardAlarm {
  const { visit, responsibleContactName } = facts
  const escalation = alarmEscalation(visit.policy, alarm, visit.outOfHours, now)
  const may = alarmAccess(viewer, alarm, visit, now)
  const steps: BoardAlarmStep[] = escalation.steps.map((step) => {
    const record = alarm.steps.find((s) => s.number === step.number)
    return {
      number: step.number,
      action: record?.action ?? step.actionText,
      who: recipientWords(step.roles, responsibleContactName),
      alertedAt: record?.alertedAt ?? null,
      realerts: record?.realerts ?? 0,
      acknowledgedAt: record?.acknowledgedAt ?? null,
      acknowledgedByName: record?.acknowledgedByName ?? null,
      outcome: record?.outcome ? acknowledgementOutcomeLabels[record.outcome] : null,
    }
  })
  const unacknowledged = steps.filter((s) => s.alertedAt && !s.acknowledgedAt).map((s) => s.number)
  const next = escalation.next
  const nextStep = next ? { number: next.number, action: next.actionText, who: recipientWords(next.roles, responsibleContactName), at: next.alertAt } : null

  let todo: string
  const first = steps.find((s) => s.number === unacknowledged[0])
  if (first) {
    const alerted = first.alertedAt ? ` (alerted at ${hhmm(first.alertedAt)}${first.realerts ? `, and ${first.realerts} time${first.realerts === 1 ? '' : 's'} since` : ''})` : ''
    todo = may.acknowledgeSteps.includes(first.number)
      ? `Alarm step ${first.number}: ${first.action} — acknowledge`
      : `Alarm step ${first.number}: waiting for ${first.who} to ${first.action}: not acknowledged yet${alerted}`
    const others = unacknowledged.slice(1)
    if (others.length) todo += `. Step${others.length === 1 ? '' : 's'} ${joinWords(others.map(String), 'and')} also wait${others.length === 1 ? 's' : ''} to be acknowledged`
  } else {
    const current = [...steps].reverse().find((s) => s.acknowledgedAt)
    const done = current ? `Alarm step ${current.number} acknowledged by ${current.acknowledgedByName ?? 'someone'}${current.outcome ? ` (${current.outcome.toLowerCase()})` : ''}` : 'Alarm raised'
    todo = nextStep
      ? `${done}. Keep trying the visitors: step ${nextStep.number} alerts ${nextStep.who} at ${hhmm(nextStep.at)} unless they are confirmed safe`
      : `${done}. Every step has been taken: keep trying the visitors, and record that they are safe as soon as someone confirms it`
  }
  return {
    id: alarm.id,
    kind: alarm.kind,
    label: alarmKindLabels[alarm.kind],
    priority: alarm.priority,
    summary: alarm.summary,
    raisedAt: alarm.raisedAt,
    unacknowledged,
    mayAcknowledge: may.acknowledgeSteps,
    steps,
    nextStep,
    todo,
  }
}

function describeNext(due: DueCheckIn, state: CheckInState, now: Date): BoardNext {
  const byOffice = due.initiatedBy === 'office'
  const what = byOffice ? 'Office call' : capitalise(phraseFor(due))
  const text = byOffice ? `${what} at ${hhmm(due.dueAt)} (${relative(now, due.dueAt)})` : `${what} by ${hhmm(due.dueAt)} (${relative(now, due.dueAt)})`
  return {
    kind: due.kind,
    label: due.label,
    dueAt: due.dueAt,
    overdueAt: due.overdueAt,
    state,
    byOffice,
    text,
    overdueByMinutes: state === 'overdue' ? minutesBetween(due.dueAt, now) : null,
  }
}

/** The words for a visit's next check-in when no alarm is open on it. */
function checkInTodo(next: BoardNext, due: DueCheckIn, now: Date): string {
  const phrase = phraseFor(due)
  const at = hhmm(next.dueAt)
  switch (next.state) {
    case 'overdue':
      return `Overdue by ${formatMinutes(next.overdueByMinutes ?? 0)}: ${phrase} was due at ${at}. Call the visitors now`
    case 'due':
      return next.byOffice
        ? `Call the visitors now: the office call was due at ${at}. Then record the call`
        : `${capitalise(phrase)} was due at ${at}: if nothing comes by ${hhmm(next.overdueAt)}, Doorstep raises the alarm`
    case 'reminder':
      return next.byOffice ? `Get ready to call the visitors at ${at} (${relative(now, next.dueAt)})` : `Nothing to do yet: ${phrase} is due at ${at} (${relative(now, next.dueAt)})`
    case 'upcoming':
      return next.byOffice ? `Nothing to do yet: call the visitors at ${at} (${relative(now, next.dueAt)})` : `Nothing to do yet: ${phrase} is due at ${at} (${relative(now, next.dueAt)})`
  }
}

const urgencyTags: Record<CheckInState, { tag: BoardTag; rank: number }> = {
  overdue: { tag: { text: 'Overdue', colour: 'red' }, rank: 2 },
  due: { tag: { text: 'Due now', colour: 'orange' }, rank: 3 },
  reminder: { tag: { text: 'Due soon', colour: 'yellow' }, rank: 4 },
  upcoming: { tag: { text: 'On schedule', colour: 'green' }, rank: 5 },
}

export function describeVisit(viewer: Viewer, facts: VisitFacts, now: Date): BoardVisit {
  const { visit } = facts
  const inProgress = visit.status === 'in_progress' && visit.stage !== null
  const itinerary = currentItinerary(visit)
  const made = facts.checkIns.flatMap((c) => (c.kind && c.answered ? [{ kind: c.kind, at: c.at }] : []))
  const schedule = inProgress && itinerary ? checkInStatus(visit.policy, itinerary, made, now) : null
  const next = schedule ? describeNext(schedule.next, schedule.state, now) : null
  const limit = inProgress && itinerary ? waitLimit(visit.policy, { state: { status: visit.status, stage: visit.stage, outcome: visit.outcome }, itinerary, arrivedAt: visit.arrivedAt }) : null
  const wait = limit && { until: limit.at, text: `The visitors wait for the parents until ${hhmm(limit.at)} (${relative(now, limit.at)}), then leave` }

  const alarms = facts.alarms
    .filter((alarm) => alarm.closedAt === null)
    .map((alarm) => describeAlarm(viewer, facts, alarm, now))
    .sort((a, b) => (a.priority === b.priority ? a.raisedAt.getTime() - b.raisedAt.getTime() : a.priority === 'top' ? -1 : 1))

  const contact = facts.checkIns.filter((c) => c.answered).at(-1)
  const lastAt = contact?.at ?? visit.signedOutAt
  const lastContact = lastAt && {
    at: lastAt,
    text: `${hhmm(lastAt)} (${relative(now, lastAt)})${contact ? '' : ', when they signed out'}`,
  }

  const todo: string[] = alarms.map((alarm) => alarm.todo)
  if (alarms.length === 0) {
    if (next && schedule) todo.push(checkInTodo(next, schedule.next, now))
    else if (inProgress) todo.push('Nothing to do now: no more check-ins are due on this visit')
  }
  if (wait) todo.push(wait.text)
  if (!inProgress) todo.push('The visit has ended, but its alarm is still open: find out whether the visitors are safe')

  let tag: BoardTag
  let rank: number
  const firstAlarm = alarms[0]
  if (firstAlarm) {
    tag = { text: firstAlarm.label, colour: 'red' }
    rank = firstAlarm.priority === 'top' ? 0 : 1
  } else if (next) {
    tag = urgencyTags[next.state].tag
    rank = urgencyTags[next.state].rank
  } else {
    tag = { text: 'Nothing due', colour: 'grey' }
    rank = 6
  }

  const stageText = visit.stage
    ? liveStageLabels[visit.stage]
    : `The visit has ended (${visit.outcome ? visitOutcomeLabels[visit.outcome].toLowerCase() : statusLabels[visit.status].toLowerCase()})`

  return {
    visitId: visit.id,
    status: visit.status,
    stage: visit.stage,
    stageText,
    inProgress,
    visitors: facts.visitors,
    place: facts.place,
    next,
    wait,
    expected: inProgress && itinerary ? { endAt: itinerary.endAt, backAt: itinerary.backAtSchoolAt } : null,
    lastContact,
    outOfHours: visit.outOfHours,
    responsibleContactName: facts.responsibleContactName,
    alarms,
    tag,
    todo,
    rank,
    rankAt: firstAlarm ? firstAlarm.raisedAt.getTime() : (next?.dueAt.getTime() ?? Number.MAX_SAFE_INTEGER),
  }
}

function describeDeparture(facts: VisitFacts, now: Date): BoardDeparture | null {
  const itinerary = itineraryOf(facts.visit)
  if (!itinerary) return null
  const leaveAt = itinerary.leaveSchoolAt
  const late = leaveAt.getTime() < now.getTime()
  const when = `${late ? 'was due' : 'due'} to leave at ${hhmm(leaveAt)} (${relative(now, leaveAt)})`
  return {
    visitId: facts.visit.id,
    visitors: facts.visitors,
    place: facts.place,
    leaveAt,
    late,
    when,
    text: `Not signed out yet; ${when}`,
  }
}

// ---------------------------------------------------------------- reading it

/** Reads in one snapshot: a read-only, repeatable-read transaction on one connection. */
function inSnapshot<T>(pool: Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
}

/**
 * The visits the board is about: every visit in progress, every visit with an open alarm (whatever
 * its status: a duress PIN can end a visit that still needs help), and today's approved visits that
 * have not signed out yet.
 */
async function boardVisitIds(db: pg.PoolClient, schoolId: string, today: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT v.id FROM visits v
      WHERE v.school_id = $1
        AND (v.status = 'in_progress'
             OR EXISTS (SELECT 1 FROM alarms a WHERE a.school_id = v.school_id AND a.visit_id = v.id AND a.closed_at IS NULL)
             OR (v.status = 'approved'
                 AND v.planned_start >= ($2::date::timestamp AT TIME ZONE 'Europe/London')
                 AND v.planned_start < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/London')))
      ORDER BY v.planned_start, v.id`,
    [schoolId, today],
  )
  return rows.map((row) => row.id)
}

/** The responsible contact of a visit today keeps their board after it ends (an empty one, not a refusal). */
async function watchesToday(db: pg.PoolClient, viewer: Viewer, schoolId: string, today: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM visits v
      WHERE v.school_id = $1 AND v.responsible_contact_user_id = $2
        AND v.status IN ('approved', 'in_progress', 'completed', 'cancelled')
        AND v.planned_start >= ($3::date::timestamp AT TIME ZONE 'Europe/London')
        AND v.planned_start < (($3::date + 1)::timestamp AT TIME ZONE 'Europe/London')
      LIMIT 1`,
    [schoolId, viewer.userId, today],
  )
  return rows.length > 0
}

async function factsOf(db: pg.PoolClient, schoolId: string, visitId: string): Promise<VisitFacts | null> {
  const visit = await findLiveVisit(db, schoolId, visitId)
  if (!visit) return null
  const staff = await visitorsOf(db, schoolId, visitId)
  const { rows } = await db.query<{ town: string | null; postcode: string | null; contactName: string | null }>(
    `SELECT a.town, a.postcode, rc.name AS "contactName"
       FROM visits v
       LEFT JOIN addresses a ON a.id = v.address_id AND a.school_id = v.school_id
       LEFT JOIN users rc ON rc.id = v.responsible_contact_user_id
      WHERE v.school_id = $1 AND v.id = $2`,
    [schoolId, visitId],
  )
  const where = rows[0]
  const checkIns = await checkInsOf(db, schoolId, visitId)
  const alarms = await alarmsOfVisit(db, schoolId, visitId)
  return {
    visit,
    visitors: staff.map((person) => ({ name: person.name, mobile: person.mobile, tel: telOf(person.mobile), roleOnVisit: person.roleOnVisit })),
    place: where?.town && where.postcode ? { town: where.town, district: postcodeDistrict(where.postcode) } : null,
    responsibleContactName: where?.contactName ?? null,
    checkIns,
    alarms,
  }
}

export const notAllowed =
  'The office board is for the school office, the safeguarding leads, the headteacher and associate head, the staff your policy names to watch visits, and the responsible contact of a visit out of hours.'

/**
 * The board as this person may see it, or ForbiddenError. The school office, the DSL and deputy DSLs,
 * the headteacher, the associate head and the roles the school's policy names see every visit; a
 * visit's responsible contact sees the visits they watch (R-HOURS-1); nobody else sees a board.
 */
export async function officeBoard(pool: Pool, viewer: Viewer, schoolId: string, now: Date): Promise<Board> {
  return inSnapshot(pool, async (client) => {
    const policy = await currentPolicy(client, schoolId, now)
    const schoolWide = holdsAnyRole(viewer.roles, watchingRoles(policy.policy))
    const all: VisitFacts[] = []
    for (const id of await boardVisitIds(client, schoolId, londonDate(now))) {
      const facts = await factsOf(client, schoolId, id)
      if (facts) all.push(facts)
    }
    const seen = all.filter(
      (facts) => schoolWide || holdsAnyRole(viewer.roles, watchingRoles(facts.visit.policy)) || facts.visit.responsibleContactUserId === viewer.userId,
    )
    if (!schoolWide && seen.length === 0 && !(await watchesToday(client, viewer, schoolId, londonDate(now)))) throw new ForbiddenError(notAllowed)

    const live = seen.filter((facts) => facts.visit.status !== 'approved')
    const visits = live
      .map((facts) => describeVisit(viewer, facts, now))
      .sort((a, b) => a.rank - b.rank || a.rankAt - b.rankAt)
    const notSignedOut = seen
      .filter((facts) => facts.visit.status === 'approved')
      .flatMap((facts) => describeDeparture(facts, now) ?? [])
      .sort((a, b) => a.leaveAt.getTime() - b.leaveAt.getTime())
    return {
      generatedAt: now,
      scope: schoolWide ? 'school' : 'own',
      visits,
      notSignedOut,
      openAlarms: visits.reduce((sum, visit) => sum + visit.alarms.length, 0),
      unacknowledgedSteps: visits.reduce((sum, visit) => sum + visit.alarms.reduce((n, alarm) => n + alarm.unacknowledged.length, 0), 0),
    }
  })
}

/** May this person open the board at all (the live updates stream checks this before it starts)? */
export async function mayOpenBoard(pool: Pool, viewer: Viewer, schoolId: string, now: Date): Promise<boolean> {
  try {
    await officeBoard(pool, viewer, schoolId, now)
    return true
  } catch (error) {
    if (error instanceof ForbiddenError) return false
    throw error
  }
}
