import { cancellationProblem, cancellationReasonLabels, cancellationReasons, describeCancellation, type CancellationReason } from '../../domain/cancellation.ts'
import { sendCancellationNotice } from '../cancellations/notice.ts'
import { z } from 'zod'
import type { Actor } from '../../audit/audit.ts'
import { nextCheckIn, type CheckInKind } from '../../domain/check-in-schedule.ts'
import { formatMinutes } from '../../domain/dates.ts'
import { londonTime } from '../../domain/hours.ts'
import { itineraryFromSignOut, itineraryOf, shiftItinerary, signOutTooEarly } from '../../domain/itinerary.ts'
import {
  acknowledgementOutcomeLabels,
  acknowledgementOutcomes,
  alarmEscalation,
  alarmKindLabels,
  liveWatchers,
  type AlarmKind,
} from '../../domain/monitoring.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import type { Policy } from '../../policy/schema.ts'
import { liveActionLabels, liveTransition, type LiveAction } from '../../domain/visit-lifecycle.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { verifyPassword } from '../auth/passwords.ts'
import { findVisit } from '../visits/repository.ts'
import { mayStartVisit, type Viewer } from '../visits/service.ts'
import { notify } from './notify.ts'
import {
  acknowledgeStep,
  checkInByClientRef,
  closeAlarm,
  findAlarm,
  insertAlarm,
  insertCheckIn,
  insertTap,
  safeHows,
  tapSeen,
  updateLiveVisit,
  visitorsOf,
  type AlarmRow,
  type CheckInChannel,
  type SafeHow,
} from './repository.ts'
import { changeLiveVisit, currentItinerary, liveStateOf, type LiveDeps, type LiveTx } from './write-path.ts'

/**
 * What people do while a visit is out (R-SIGN-1/2, R-CHECK-1..3, R-WAIT-1/2, R-ENTRY-1/2, R-ALERT-1..3,
 * R-ESC-2..4, R-TUTOR-1). Every action goes through `changeLiveVisit`: the visit is locked, the
 * transition checked, the change and its history written, and the deadlines reset, in one transaction.
 * Pages and the API call these same functions with input parsed by the same schemas (below).
 */

export { liveWatchers }

const actorOf = (viewer: Viewer): Actor => ({ userId: viewer.userId, name: viewer.name })
const hhmm = (at: Date) => londonTime(at).time

// ---------------------------------------------------------------- input

const text = (max: number) => z.string().trim().max(max, `Keep this under ${max} characters`)
const reason = z.string({ error: 'Say why' }).trim().min(1, 'Say why').max(500, 'Keep the reason under 500 characters')

export const locationSchema = z
  .object({
    latitude: z.coerce.number({ error: 'The location is not a place on Earth' }).min(-90, 'The location is not a place on Earth').max(90, 'The location is not a place on Earth'),
    longitude: z.coerce.number({ error: 'The location is not a place on Earth' }).min(-180, 'The location is not a place on Earth').max(180, 'The location is not a place on Earth'),
    accuracy: z.coerce.number().min(0).max(100_000).optional(),
  })
  .strict()

export const clientRefSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'The tap reference is not valid').optional()

export const checkInSchema = z.object({
  location: locationSchema.optional(),
  clientRef: clientRefSchema,
})
export type CheckInInput = z.infer<typeof checkInSchema>

export const officeContactSchema = z.object({
  channel: z.enum(['phone_call', 'text'], { error: 'Choose whether you called or texted' }),
  answered: z.boolean({ error: 'Say whether you reached the visitors' }),
  note: text(500).default(''),
})
export type OfficeContactInput = z.infer<typeof officeContactSchema>

export const moreTimeSchema = z.object({
  minutes: z.coerce.number({ error: 'Enter the extra time in minutes, like 15' }).int('Enter a whole number of minutes').min(5, 'Ask for at least 5 minutes').max(240, 'Ask for at most 4 hours; call the school if you need longer'),
  reason,
})
export type MoreTimeInput = z.infer<typeof moreTimeSchema>

/** R-CANCEL-1: the one list of reasons (domain/cancellation.ts), as the door's radios show them. */
export const cancelReasons = cancellationReasonLabels
export type CancelReason = CancellationReason

/** R-ENTRY-1 and R-TUTOR-1: what visitors confirm as they go in. */
export const entryChecks = {
  invitedByResponsibleAdult: 'A responsible adult invited us in',
  parentalResponsibilityPresent: 'An adult with parental responsibility (or someone they asked) is there',
  notOnlyAChild: 'An adult is at home, not only a child',
  animalsOutOfRoom: 'Animals are out of the room',
  idShown: 'We showed our identification',
  purposeExplained: 'We explained why we are visiting',
} as const
export type EntryCheck = keyof typeof entryChecks

export const tutoringRooms = { living_room: 'Living room', kitchen: 'Kitchen or dining room', bedroom: "The pupil's bedroom", other: 'Another room' } as const

export const stageInputSchema = z.object({
  pin: z.string().trim().max(12).optional(),
  reason: text(500).optional(),
  cancelReason: z.enum(cancellationReasons, { error: 'Choose why the visit is cancelled' }).optional(),
  entry: z.record(z.string(), z.boolean()).optional(),
  // Answers may be missing here: the service says what is missing, with the entry checks, all at once.
  tutoring: z
    .object({
      appropriateAdultPresent: z.boolean().optional(),
      room: z.enum(Object.keys(tutoringRooms) as [keyof typeof tutoringRooms, ...Array<keyof typeof tutoringRooms>], { error: 'Choose the room you are using' }).optional(),
      bedroomReason: text(500).default(''),
      doorKeptOpen: z.boolean().optional(),
    })
    .optional(),
  location: locationSchema.optional(),
  clientRef: clientRefSchema,
})
export type StageInput = z.infer<typeof stageInputSchema>

export const raiseAlarmSchema = z.object({
  kind: z.enum(['silent_alarm', 'child_alone', 'emergency_services', 'code_word'], { error: 'Choose what happened' }),
  note: text(500).default(''),
  clientRef: clientRefSchema,
})
export type RaiseAlarmInput = z.infer<typeof raiseAlarmSchema>

export const acknowledgeSchema = z
  .object({
    outcome: z.enum(acknowledgementOutcomes, { error: 'Choose what you found' }),
    reference: text(100).default(''),
    note: text(1000).default(''),
  })
  .refine((input) => input.outcome !== 'police_called' || input.reference.length > 0, { path: ['reference'], message: 'Enter the police reference number' })
export type AcknowledgeInput = z.infer<typeof acknowledgeSchema>

export const safeHowLabels: Record<SafeHow, string> = {
  spoke_to_visitor: 'Spoke to a visitor, who is safe',
  visitor_back_at_school: 'A visitor is back at school',
  seen_in_person: 'Saw a visitor in person',
  police_confirmed: 'The police confirmed they are safe',
  other: 'Another way (say how)',
}

export const safeSchema = z
  .object({
    how: z.enum(safeHows, { error: 'Choose how you know the visitors are safe' }),
    note: text(1000).default(''),
  })
  .refine((input) => input.how !== 'other' || input.note.length > 0, { path: ['note'], message: 'Say how you know the visitors are safe' })
export type SafeInput = z.infer<typeof safeSchema>

// ---------------------------------------------------------------- who may

function onVisit(staff: Array<{ userId: string }>, viewer: Viewer): boolean {
  return staff.some((s) => s.userId === viewer.userId)
}

function watches(viewer: Viewer, tx: LiveTx): boolean {
  return holdsAnyRole(viewer.roles, [...liveWatchers, ...tx.visit.policy.checkIns.monitoredBy]) || tx.visit.responsibleContactUserId === viewer.userId
}

async function visitorOrWatcher(tx: LiveTx, viewer: Viewer): Promise<{ visitor: boolean }> {
  const staff = await visitorsOf(tx.client, tx.visit.schoolId, tx.visit.id)
  const visitor = onVisit(staff, viewer)
  if (visitor || watches(viewer, tx)) return { visitor }
  if (!holdsAnyRole(viewer.roles, ['slt', 'visitor'])) throw new NotFoundError('There is no visit with that id in this school.')
  throw new ForbiddenError('Only the staff on this visit and the people watching it can record this.')
}

// ---------------------------------------------------------------- the day of the visit

const stageCheckIn: Partial<Record<LiveAction, CheckInKind>> = {
  arrive: 'arrival',
  leave: 'end',
  left_not_returning: 'end',
  back_at_school: 'return',
}

const endingActions: readonly LiveAction[] = ['leave', 'back_at_school', 'left_not_returning']

export type StageResult = { action: LiveAction; summary: string }

/**
 * One tap on the visit page (R-SIGN-1/2, R-WAIT-1/2, R-ENTRY-1/2, R-TUTOR-1). A visitor who set
 * PINs confirms an ending with one; the duress PIN looks exactly like the normal one but raises a silent
 * alarm (R-ALERT-1). Repeating a tap that already happened (a retry after lost signal) is answered as done.
 */
export async function recordStage(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; visitId: string }, action: LiveAction, input: StageInput): Promise<StageResult> {
  if (action === 'wait_limit_reached') throw new ForbiddenError('Doorstep records the end of the wait itself.')
  const pinCheck = endingActions.includes(action) ? await checkPin(deps, viewer, input.pin) : 'none'
  return changeLiveVisit(deps, ref, actorOf(viewer), async (tx) => {
    const { visitor } = await visitorOrWatcher(tx, viewer)
    const { visit, now } = tx
    // A tap the phone sent again because it could not tell whether the first try arrived.
    if (input.clientRef && (await tapSeen(tx.client, visit.schoolId, visit.id, input.clientRef))) {
      return { action, summary: `${liveActionLabels[action]}: already recorded` }
    }
    if (action === 'sign_out') {
      const full = await findVisit(tx.client, visit.schoolId, visit.id)
      const may = full ? mayStartVisit(full) : { ok: false as const, reasons: ['There is no such visit.'] }
      if (!may.ok) throw new ConflictError(`This visit cannot start yet. ${may.reasons.join(' ')}`)
    }
    const move = liveTransition({ status: visit.status, stage: visit.stage, outcome: visit.outcome }, action)
    if (!move.ok) throw new ConflictError(move.message)
    const problems = stageProblems(action, input, visit.purposeId === 'tutoring' ? visit.policy.tutoring : null)
    if (problems.length) throw new ValidationError(problems)

    const change: Parameters<typeof updateLiveVisit>[3] = { status: move.to.status, stage: move.to.stage, stageSince: now, outcome: move.to.outcome }
    let summary = liveActionLabels[action]
    const payload: Record<string, unknown> = { action, stage: move.to.stage, outcome: move.to.outcome }
    if (action === 'sign_out') {
      const planned = itineraryOf(visit)
      if (!planned) throw new ConflictError('This visit has no times yet.')
      const tooEarly = signOutTooEarly(planned, now)
      if (tooEarly) throw new ConflictError(tooEarly)
      const { itinerary, lateByMinutes } = itineraryFromSignOut(planned, now)
      change.signedOutAt = now
      change.expected = itinerary
      summary = lateByMinutes > 0 ? `Signed out of school, ${formatMinutes(lateByMinutes)} later than planned: the expected times move to match` : 'Signed out of school'
      payload.lateByMinutes = lateByMinutes
    }
    if (action === 'arrive') change.arrivedAt = now
    if (action === 'hold_on_doorstep') {
      change.outcomeReason = input.reason ?? ''
      summary = `Holding the visit on the doorstep: ${input.reason}`
      payload.reason = input.reason
    }
    if (action === 'cancel_at_door') {
      change.outcomeReason = describeCancellation(input.cancelReason!, input.reason ?? '')
      summary = `Cancelled at the door: ${change.outcomeReason}`
      payload.cancelReason = input.cancelReason
      payload.reason = input.reason ?? ''
    }
    if (action === 'go_in') {
      change.entryChecklist = { entry: input.entry ?? {}, tutoring: input.tutoring ?? null }
      payload.entry = input.entry
      if (input.tutoring) payload.tutoring = input.tutoring
      const room = input.tutoring?.room
      const bedroomReason = room === 'bedroom' && input.tutoring?.bedroomReason ? `, because ${input.tutoring.bedroomReason}` : ''
      summary = room ? `Went in for tutoring (room: ${tutoringRooms[room].toLowerCase()}${bedroomReason})` : 'Went in: the entry checklist was confirmed'
    }
    if (move.endsMonitoring) {
      change.monitoringEndedAt = now
      if (move.to.status === 'cancelled') change.cancelledReason = visit.outcomeReason || 'No contact'
    }
    await updateLiveVisit(tx.client, visit.schoolId, visit.id, change, now)
    const kind = action === 'sign_out' ? 'leaving_school' : stageCheckIn[action]
    if (kind) {
      await recordTap(tx, viewer, kind, visitor ? 'app' : 'in_person', input)
    }
    await tx.record(`live.${action}`, summary, payload)
    if (action === 'cancel_at_door') {
      // R-CANCEL-1: the reason in writing to the policy's recipients, in this transaction.
      const cancellation = { schoolId: visit.schoolId, visitId: visit.id, reason: input.cancelReason!, detail: input.reason ?? '', moment: 'at_door' as const, actor: tx.actor, policy: visit.policy }
      await sendCancellationNotice(tx.client, cancellation, tx.record, now)
    }
    const alarmId = pinCheck === 'duress' ? await raiseTopAlarm(tx, viewer, 'duress', 'The duress PIN was used to end the visit') : null
    if (input.clientRef) await insertTap(tx.client, visit.schoolId, visit.id, { clientRef: input.clientRef, action, at: now, byUserId: viewer.userId, alarmId })
    return { action, summary }
  })
}

/**
 * What stops a step (R-ENTRY-1/2, R-TUTOR-1), every problem at once so a phone at the door shows them together.
 * `tutoring`: the policy's tutoring rules on a tutoring visit, else null.
 */
function stageProblems(action: LiveAction, input: StageInput, tutoring: Policy['tutoring']): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = []
  if (action === 'hold_on_doorstep' && !input.reason) problems.push({ field: 'reason', message: 'Say why you are holding the visit on the doorstep' })
  if (action === 'cancel_at_door') {
    const problem = cancellationProblem(input.cancelReason, input.reason ?? '')
    if (problem) problems.push(problem)
  }
  if (action === 'go_in') {
    const entry = input.entry ?? {}
    // Its own field: the page links this one to the "Child alone at home" button (R-ALERT-3).
    if (!entry.notOnlyAChild) problems.push({ field: 'childAlone', message: 'Do not go in if only a child is at home: leave, and tell the safeguarding team straight away with "Child alone at home"' })
    const missing = (Object.keys(entryChecks) as EntryCheck[]).filter((check) => check !== 'notOnlyAChild' && !entry[check])
    if (missing.length) problems.push({ field: 'entry', message: `Go in only when every check is true: ${missing.length === 1 ? '1 is' : `${missing.length} are`} not ticked yet` })
    if (tutoring) {
      const answers = input.tutoring ?? { bedroomReason: '' }
      const field = (name: string) => `tutoring.${name}`
      if (tutoring.appropriateAdultPresent) {
        if (answers.appropriateAdultPresent === undefined) problems.push({ field: field('appropriateAdultPresent'), message: 'Say whether an appropriate adult is in the home throughout' })
        else if (!answers.appropriateAdultPresent) problems.push({ field: field('appropriateAdultPresent'), message: 'Tutor only while an appropriate adult is in the home: do not start until one is there' })
      }
      if (!answers.room) problems.push({ field: field('room'), message: 'Choose the room you are using' })
      if (tutoring.bedroomOnlyIfNoAlternative && answers.room === 'bedroom' && !answers.bedroomReason) {
        problems.push({ field: field('bedroomReason'), message: "Say why the pupil's bedroom is the only suitable room" })
      }
      if (tutoring.doorKeptOpen) {
        if (answers.doorKeptOpen === undefined) problems.push({ field: field('doorKeptOpen'), message: 'Say whether the door will be kept open' })
        else if (!answers.doorKeptOpen) problems.push({ field: field('doorKeptOpen'), message: 'Keep the door of the room open' })
      }
    }
  }
  return problems
}

type PinCheck = 'none' | 'normal' | 'duress'

async function checkPin(deps: LiveDeps, viewer: Viewer, pin: string | undefined): Promise<PinCheck> {
  const { rows } = await deps.pool.query<{ visit: string | null; duress: string | null }>('SELECT visit_pin_hash AS visit, duress_pin_hash AS duress FROM users WHERE id = $1', [viewer.userId])
  const hashes = rows[0]
  if (!hashes?.visit && !hashes?.duress) return 'none'
  if (!pin) throw new ValidationError([{ field: 'pin', message: 'Enter your PIN to confirm' }])
  if (hashes.duress && (await verifyPassword(hashes.duress, pin))) return 'duress'
  if (hashes.visit && (await verifyPassword(hashes.visit, pin))) return 'normal'
  throw new ValidationError([{ field: 'pin', message: 'That PIN is not right. Try again' }])
}

/** A contact the visitor's own tap records (a check-in or a step of the day), with its location and tap reference. */
function recordTap(tx: LiveTx, viewer: Viewer, kind: CheckInKind | null, channel: CheckInChannel, input: { location?: CheckInInput['location']; clientRef?: string }): Promise<string> {
  return insertCheckIn(tx.client, tx.visit.schoolId, tx.visit.id, {
    kind,
    at: tx.now,
    byUserId: viewer.userId,
    byName: viewer.name,
    channel,
    answered: true,
    note: '',
    latitude: input.location?.latitude ?? null,
    longitude: input.location?.longitude ?? null,
    accuracyM: input.location?.accuracy ?? null,
    clientRef: input.clientRef ?? null,
  })
}

/** R-CHECK-1: the one-tap check-in. It answers the check-in that is due; a tap already recorded is answered as done. */
export async function checkIn(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; visitId: string }, input: CheckInInput): Promise<{ recordedAt: Date; duplicate: boolean; answered: string }> {
  return changeLiveVisit(deps, ref, actorOf(viewer), async (tx) => {
    const { visitor } = await visitorOrWatcher(tx, viewer)
    if (!visitor) throw new ForbiddenError('Only the staff on the visit check in. The office records its calls and texts instead.')
    if (input.clientRef) {
      const earlier = await checkInByClientRef(tx.client, tx.visit.schoolId, tx.visit.id, input.clientRef)
      if (earlier) return { recordedAt: earlier.at, duplicate: true, answered: 'already recorded' }
    }
    // A tap answers the routine check-in that is due, or the arrival one if that is next; leaving and
    // getting back are their own taps, so a check-in never ends monitoring.
    const kind = await answerableKind(tx, ['arrival', 'first_check', 'interval'])
    await recordTap(tx, viewer, kind, 'app', input)
    const where = input.location ? ` at ${input.location.latitude.toFixed(5)}, ${input.location.longitude.toFixed(5)}` : ''
    await tx.record('check_in.made', `${viewer.name} checked in${where}`, { kind, channel: 'app', location: input.location ?? null })
    return { recordedAt: tx.now, duplicate: false, answered: kind ?? 'extra' }
  })
}

/** Which scheduled check-in a contact now answers, if it is one of `kinds`. */
async function answerableKind(tx: LiveTx, kinds: readonly CheckInKind[]): Promise<CheckInKind | null> {
  if (tx.visit.status !== 'in_progress') throw new ConflictError('This visit is not in progress, so there is nothing to check in to.')
  const live = await liveStateOf(tx.client, tx.visit)
  const itinerary = currentItinerary(tx.visit)
  if (!live || !itinerary) return null
  const next = nextCheckIn(tx.visit.policy, itinerary, live.checkIns)
  return next && kinds.includes(next.kind) ? next.kind : null
}

/** R-CHECK-2: the office records a call or text to the visitors, and what came of it. */
export async function recordOfficeContact(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; visitId: string }, input: OfficeContactInput): Promise<void> {
  await changeLiveVisit(deps, ref, actorOf(viewer), async (tx) => {
    if (!watches(viewer, tx)) throw new ForbiddenError('Only the office and the people watching visits record calls to the visitors.')
    const kind = input.answered ? await answerableKind(tx, ['arrival', 'first_check', 'interval']) : (await answerableKind(tx, []), null)
    await insertCheckIn(tx.client, tx.visit.schoolId, tx.visit.id, {
      kind,
      at: tx.now,
      byUserId: viewer.userId,
      byName: viewer.name,
      channel: input.channel as CheckInChannel,
      answered: input.answered,
      note: input.note,
      latitude: null,
      longitude: null,
      accuracyM: null,
    })
    const how = input.channel === 'phone_call' ? 'called' : 'texted'
    const summary = input.answered ? `${viewer.name} ${how} the visitors and reached them` : `${viewer.name} ${how} the visitors: no answer`
    await tx.record('check_in.office_contact', input.note ? `${summary} (${input.note})` : summary, { kind, channel: input.channel, answered: input.answered })
  })
}

/** R-CHECK-3: running late, or need more time: every time still ahead moves, and the change is logged. */
export async function askForMoreTime(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; visitId: string }, input: MoreTimeInput): Promise<{ backAt: Date | null; endAt: Date }> {
  return changeLiveVisit(deps, ref, actorOf(viewer), async (tx) => {
    await visitorOrWatcher(tx, viewer)
    if (tx.visit.status !== 'in_progress') throw new ConflictError('This visit is not in progress, so its times cannot move now.')
    const before = currentItinerary(tx.visit)!
    const after = shiftItinerary(before, input.minutes, tx.now)
    await updateLiveVisit(tx.client, tx.visit.schoolId, tx.visit.id, { expected: after }, tx.now)
    const back = after.backAtSchoolAt ? `, back at school by ${hhmm(after.backAtSchoolAt)}` : ''
    await tx.record('live.more_time', `${formatMinutes(input.minutes)} more: ${input.reason}. Now leaving the address by ${hhmm(after.endAt)}${back}`, {
      minutes: input.minutes,
      reason: input.reason,
      endAt: after.endAt,
      backAt: after.backAtSchoolAt,
    })
    return { backAt: after.backAtSchoolAt, endAt: after.endAt }
  })
}

// ---------------------------------------------------------------- alarms

/**
 * R-ALERT-1..3: the silent alarm, "child alone at home", "999 called" (by the visitors) and "code word
 * used" (logged by the office from a call or text). Each raises a top-priority alarm that alerts every
 * step of the ladder at once, office and DSL first. The visitor's own page does not show it.
 */
export async function raiseAlarm(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; visitId: string }, input: RaiseAlarmInput): Promise<{ alarmId: string }> {
  return changeLiveVisit(deps, ref, actorOf(viewer), async (tx) => {
    const { visitor } = await visitorOrWatcher(tx, viewer)
    // The same alarm sent again by the phone is the alarm already raised; a reference seen on anything else raises it anyway.
    const earlier = input.clientRef ? await tapSeen(tx.client, tx.visit.schoolId, tx.visit.id, input.clientRef) : undefined
    if (earlier?.alarmId) return { alarmId: earlier.alarmId }
    if (input.kind === 'code_word' && !watches(viewer, tx)) throw new ForbiddenError('The office logs that the code word was used, from a call or text.')
    if (input.kind !== 'code_word' && !visitor && !watches(viewer, tx)) throw new ForbiddenError('Only the staff on the visit can raise this alarm.')
    const summaries: Record<typeof input.kind, string> = {
      silent_alarm: `${viewer.name} pressed the silent alarm`,
      child_alone: `${viewer.name} found a child alone at home`,
      emergency_services: `${viewer.name} called the emergency services (999)`,
      code_word: `${viewer.name} logged that the code word was used on a call or text`,
    }
    const id = await raiseTopAlarm(tx, viewer, input.kind, input.note ? `${summaries[input.kind]}: ${input.note}` : summaries[input.kind])
    if (input.clientRef) await insertTap(tx.client, tx.visit.schoolId, tx.visit.id, { clientRef: input.clientRef, action: `alarm:${input.kind}`, at: tx.now, byUserId: viewer.userId, alarmId: id })
    return { alarmId: id }
  })
}

async function raiseTopAlarm(tx: LiveTx, viewer: Viewer, kind: AlarmKind, summary: string): Promise<string> {
  const id = await insertAlarm(tx.client, tx.visit.schoolId, tx.visit.id, {
    kind,
    key: `${kind}@${tx.now.toISOString()}:${viewer.userId}`,
    priority: 'top',
    summary,
    dueAt: tx.now,
    raisedAt: tx.now,
    raisedBy: viewer.userId,
    raisedByName: viewer.name,
  })
  if (!id) throw new ConflictError('That alarm has just been raised.')
  // The history says an alarm was raised; the visitor's pages never show alarm events (a silent alarm stays silent).
  await tx.record('alarm.raised', `${alarmKindLabels[kind]}: ${summary}`, { alarmId: id, kind })
  return id
}

export type AlarmAccess = { acknowledgeSteps: number[]; maySayVisitorsSafe: boolean }

/** Who may act on an alarm: the step's roles or a later step's (seniors can take over), or the responsible contact. */
export function alarmAccess(viewer: Viewer, alarm: AlarmRow, visit: { policy: Policy; outOfHours: boolean; responsibleContactUserId: string | null }, now: Date): AlarmAccess {
  const escalation = alarmEscalation(visit.policy, alarm, visit.outOfHours, now)
  const isContact = visit.responsibleContactUserId === viewer.userId
  const mayAct = (roles: readonly string[]) => (isContact && roles.includes('responsible_contact')) || holdsAnyRole(viewer.roles, roles.filter((role): role is SchoolRole => role !== 'responsible_contact'))
  const acknowledgeSteps = escalation.steps
    .filter((step, index) => alarm.steps.some((s) => s.number === step.number && s.alertedAt && !s.acknowledgedAt) && escalation.steps.slice(index).some((later) => mayAct(later.roles)))
    .map((step) => step.number)
  const maySayVisitorsSafe = alarm.closedAt === null && (escalation.steps.some((step) => mayAct(step.roles)) || holdsAnyRole(viewer.roles, liveWatchers))
  return { acknowledgeSteps, maySayVisitorsSafe }
}

/** R-ESC-2: a named person acknowledges a step with what they found. */
export async function acknowledgeAlarmStep(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; alarmId: string }, stepNumber: number, input: AcknowledgeInput): Promise<void> {
  const alarm = await findAlarm(deps.pool, ref.schoolId, ref.alarmId)
  if (!alarm) throw new NotFoundError('There is no alarm with that id in this school.')
  await changeLiveVisit(deps, { schoolId: ref.schoolId, visitId: alarm.visitId }, actorOf(viewer), async (tx) => {
    const current = (await findAlarm(tx.client, ref.schoolId, ref.alarmId))!
    if (current.closedAt) throw new ConflictError(`This alarm was closed at ${hhmm(current.closedAt)} by ${current.closedByName}: the visitors are safe.`)
    const step = current.steps.find((s) => s.number === stepNumber)
    if (!step) throw new ConflictError(`Step ${stepNumber} of this alarm has not alerted anyone yet.`)
    if (step.acknowledgedAt) throw new ConflictError(`Step ${stepNumber} was already acknowledged by ${step.acknowledgedByName} at ${hhmm(step.acknowledgedAt)}.`)
    if (!alarmAccess(viewer, current, tx.visit, tx.now).acknowledgeSteps.includes(stepNumber)) {
      throw new ForbiddenError(`Step ${stepNumber} is for ${step.recipients.join(', ')} or the people on the later steps.`)
    }
    await acknowledgeStep(tx.client, ref.schoolId, ref.alarmId, stepNumber, {
      at: tx.now,
      byUserId: viewer.userId,
      byName: viewer.name,
      outcome: input.outcome,
      reference: input.reference || null,
      note: input.note || null,
    })
    const detail = [input.reference && `police reference ${input.reference}`, input.note].filter(Boolean).join('; ')
    await tx.record('alarm.acknowledged', `${viewer.name} acknowledged alarm step ${stepNumber}: ${acknowledgementOutcomeLabels[input.outcome].toLowerCase()}${detail ? ` (${detail})` : ''}`, {
      alarmId: ref.alarmId,
      step: stepNumber,
      outcome: input.outcome,
      reference: input.reference || null,
    })
  })
}

/**
 * R-ESC-4: the only way an alarm ends. Someone records that the visitors are safe, with who and how; for a
 * missed check-in that counts as the contact, so the visit's schedule carries on from now.
 */
export async function recordVisitorsSafe(deps: LiveDeps, viewer: Viewer, ref: { schoolId: string; alarmId: string }, input: SafeInput): Promise<void> {
  const alarm = await findAlarm(deps.pool, ref.schoolId, ref.alarmId)
  if (!alarm) throw new NotFoundError('There is no alarm with that id in this school.')
  await changeLiveVisit(deps, { schoolId: ref.schoolId, visitId: alarm.visitId }, actorOf(viewer), async (tx) => {
    const current = (await findAlarm(tx.client, ref.schoolId, ref.alarmId))!
    if (current.closedAt) throw new ConflictError(`This alarm was already closed at ${hhmm(current.closedAt)} by ${current.closedByName}.`)
    if (!alarmAccess(viewer, current, tx.visit, tx.now).maySayVisitorsSafe) throw new ForbiddenError('Only the people this alarm alerts can record that the visitors are safe.')
    await closeAlarm(tx.client, ref.schoolId, ref.alarmId, { at: tx.now, byUserId: viewer.userId, byName: viewer.name, how: input.how, note: input.note })
    if (tx.visit.status === 'in_progress' && current.kind === 'missed_check_in') await carryOnAfterSafe(tx, viewer, input)
    await tx.record('alarm.closed', `${viewer.name} confirmed the visitors are safe: ${safeHowLabels[input.how].toLowerCase()}${input.note ? ` (${input.note})` : ''}. The alarm is closed`, {
      alarmId: ref.alarmId,
      how: input.how,
    })
    const alerted = await tx.client.query<{ user_id: string }>('SELECT DISTINCT user_id FROM notifications WHERE alarm_id = $1 AND user_id <> $2', [ref.alarmId, viewer.userId])
    await notify(tx.client, {
      schoolId: tx.visit.schoolId,
      userIds: alerted.rows.map((row) => row.user_id),
      visitId: tx.visit.id,
      alarmId: ref.alarmId,
      kind: 'safe',
      priority: 'normal',
      title: `Doorstep at ${tx.visit.schoolName}: the alarm is closed, the visitors are safe`,
      body: 'No action needed.',
      link: `/alarms/${ref.alarmId}`,
      channels: ['push'],
    }, tx.now)
  })
}

/**
 * After a missed check-in, the visitors are safe: the visit carries on from now. A visitor back at school
 * ends it; a missed end or return is expected again one check-in interval from now (Doorstep keeps watching
 * until they are back); any other missed check-in counts as made, by the person who confirmed it.
 */
async function carryOnAfterSafe(tx: LiveTx, viewer: Viewer, input: SafeInput): Promise<void> {
  const { visit, now } = tx
  const itinerary = currentItinerary(visit)!
  const live = await liveStateOf(tx.client, visit)
  const due = live && nextCheckIn(visit.policy, itinerary, live.checkIns)
  const contact = (kind: CheckInKind | null) =>
    insertCheckIn(tx.client, visit.schoolId, visit.id, {
      kind,
      at: now,
      byUserId: viewer.userId,
      byName: viewer.name,
      channel: input.how === 'spoke_to_visitor' ? 'phone_call' : 'in_person',
      answered: true,
      note: `Confirmed safe: ${safeHowLabels[input.how]}`,
      latitude: null,
      longitude: null,
      accuracyM: null,
    })
  if (input.how === 'visitor_back_at_school') {
    const move = liveTransition({ status: visit.status, stage: visit.stage, outcome: visit.outcome }, 'back_at_school')
    if (move.ok) {
      await updateLiveVisit(tx.client, visit.schoolId, visit.id, {
        status: move.to.status,
        stage: null,
        stageSince: now,
        outcome: move.to.outcome,
        monitoringEndedAt: now,
        ...(move.to.status === 'cancelled' ? { cancelledReason: visit.outcomeReason || 'No contact' } : {}),
      }, now)
      await contact('return')
      await tx.record('live.back_at_school', `${viewer.name} confirmed a visitor is back at school: monitoring ended`, { action: 'back_at_school', by: 'confirmed safe' })
      return
    }
  }
  if (due && (due.kind === 'end' || due.kind === 'return')) {
    const minutes = visit.policy.checkIns.repeatEveryMinutes ?? 30
    const moveBy = Math.max(1, Math.ceil((now.getTime() + minutes * 60_000 - due.dueAt.getTime()) / 60_000))
    const after = shiftItinerary(itinerary, moveBy, due.dueAt)
    await contact(null)
    await updateLiveVisit(tx.client, visit.schoolId, visit.id, { expected: after }, now)
    const expected = due.kind === 'return' ? after.backAtSchoolAt : after.endAt
    await tx.record('live.more_time', `After the alarm, ${due.kind === 'return' ? 'the return' : 'leaving the address'} is now expected by ${expected ? hhmm(expected) : 'later'}`, { minutes: moveBy, reason: 'confirmed safe after a missed check-in' })
    return
  }
  await contact(due ? due.kind : null)
}
