import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { alarmDeliveries, channelStateLabels } from './alarm-deliveries.ts'
import { z } from 'zod'
import { acknowledgementOutcomeLabels, acknowledgementOutcomes, alarmEscalation, alarmKindLabels } from '../../domain/monitoring.ts'
import { liveActionLabels, liveStageLabels, type LiveAction } from '../../domain/visit-lifecycle.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { HttpError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { asArray, errorView, parseForm } from '../../web/forms.ts'
import { viewerOf, visitUsers } from '../visits/service.ts'
import { notificationsFor } from './notify.ts'
import { findAlarm, findLiveVisit, openAlarmsOf } from './repository.ts'
import {
  acknowledgeAlarmStep,
  acknowledgeSchema,
  alarmAccess,
  askForMoreTime,
  checkIn,
  checkInSchema,
  moreTimeSchema,
  officeContactSchema,
  raiseAlarm,
  raiseAlarmSchema,
  recordOfficeContact,
  recordStage,
  recordVisitorsSafe,
  safeHowLabels,
  safeSchema,
  stageInputSchema,
  type StageInput,
} from './service.ts'
import { actionFromSlug, actionSlugs, liveViewOf } from './view.ts'
import type { LiveDeps } from './write-path.ts'

/**
 * The day of a visit in the browser (a phone at the door; the office's desk) and over the API
 * (R-SIGN, R-CHECK, R-WAIT, R-ENTRY, R-ALERT, R-ESC). Pages and API call the same service functions
 * with input parsed by the same schemas.
 */

type V = { Params: { visitId: string } }
type A = { Params: { alarmId: string } }
type S = { Params: { alarmId: string; stepNumber: string } }
type Step = { Params: { visitId: string; step: string } }

const access = { roles: visitUsers }
const view = (name: string) => `live/views/${name}.njk`

const doneMessages = new Map<string, string>([
  ...(Object.keys(actionSlugs) as LiveAction[]).map((action): [string, string] => [actionSlugs[action], `${liveActionLabels[action]}: recorded.`]),
  ['checked-in', 'Check-in recorded.'],
  ['contact', 'Call recorded.'],
  ['more-time', 'Your times have moved.'],
  // Deliberately plain: a silent alarm's confirmation must not give it away on the visitor's screen.
  ['saved', 'Saved.'],
  ['acknowledged', 'Acknowledgement recorded.'],
  ['safe', 'Recorded that the visitors are safe. The alarm is closed.'],
])

/** Where an error summary link goes: "only a child at home" to the "Child alone at home" button (R-ALERT-3). */
const errorAnchor = (field: string) => (field === 'childAlone' ? 'child-alone' : field.replaceAll('.', '-'))

/** Form fields → the service's input. Blank boxes are absent. */
function stageInputFrom(body: Record<string, unknown>): unknown {
  const value = (name: string) => (typeof body[name] === 'string' && (body[name] as string).trim() !== '' ? (body[name] as string) : undefined)
  const entry = Object.fromEntries(asArray(body.entry).map((check) => [check, true]))
  const yesNo = (name: string) => (value(name) === 'yes' ? true : value(name) === 'no' ? false : undefined)
  const tutoringFields = ['tutoringAsked', 'appropriateAdultPresent', 'room', 'bedroomReason', 'doorKeptOpen']
  const tutoring = tutoringFields.some((name) => value(name) !== undefined)
    ? { appropriateAdultPresent: yesNo('appropriateAdultPresent'), room: value('room'), bedroomReason: value('bedroomReason') ?? '', doorKeptOpen: yesNo('doorKeptOpen') }
    : undefined
  return {
    pin: value('pin'),
    reason: value('reason'),
    cancelReason: value('cancelReason'),
    entry: asArray(body.entry).length ? entry : undefined,
    tutoring,
    location: locationFrom(body),
    clientRef: value('clientRef'),
  }
}

function locationFrom(body: Record<string, unknown>): unknown {
  const latitude = typeof body.latitude === 'string' ? body.latitude.trim() : ''
  const longitude = typeof body.longitude === 'string' ? body.longitude.trim() : ''
  if (!latitude && !longitude) return undefined
  const accuracy = typeof body.accuracy === 'string' && body.accuracy.trim() ? body.accuracy : undefined
  return { latitude, longitude, ...(accuracy ? { accuracy } : {}) }
}

export function registerLiveRoutes(app: FastifyInstance): void {
  const { pool, clock, config } = app.deps
  const deps: LiveDeps = { pool, clock, config }

  const livePage = async (request: FastifyRequest<V>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const viewer = viewerOf(request)
    const live = await liveViewOf(pool, viewer, schoolOf(request).id, request.params.visitId, clock())
    if (!live || (!live.isVisitor && !live.isWatcher && !viewer.roles.includes('slt'))) throw new NotFoundError('There is no visit with that id in this school.')
    const visit = (await findLiveVisit(pool, schoolOf(request).id, request.params.visitId))!
    const done = (request.query as { done?: unknown }).done
    return reply.status(status).page(view('live'), {
      title: 'The day of the visit',
      live,
      visit,
      stageLabels: liveStageLabels,
      flash: typeof done === 'string' ? doneMessages.get(done) : undefined,
      ...extra,
    })
  }

  /** Runs a page action; a refusal re-shows the phone page with the GOV.UK error summary (nothing was saved). */
  const act = async (request: FastifyRequest<V>, reply: FastifyReply, done: string, work: () => Promise<unknown>, field = 'actions') => {
    try {
      await work()
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        const errors: FieldError[] = error instanceof ValidationError ? error.fieldErrors : [{ field, message: error.message }]
        const body = (request.body ?? {}) as Record<string, unknown>
        return livePage(request, reply, { ...errorView(errors, errorAnchor), values: { ...body, entry: asArray(body.entry), pin: undefined } }, error.status)
      }
      throw error
    }
    return reply.redirect(`/visits/${request.params.visitId}/live?done=${done}`, 303)
  }

  const parsed = <T>(result: { ok: true; data: T } | { ok: false; errors: FieldError[] }): T => {
    if (!result.ok) throw new ValidationError(result.errors)
    return result.data
  }

  app.get<V>('/visits/:visitId/live', { config: { access } }, async (request, reply) => livePage(request, reply))

  app.post<Step>('/visits/:visitId/live/:step', { config: { access } }, async (request, reply) => {
    const action = actionFromSlug(request.params.step)
    if (!action) throw new NotFoundError()
    const body = (request.body ?? {}) as Record<string, unknown>
    return act(request, reply, actionSlugs[action], async () => {
      const input = parsed(parseForm(stageInputSchema, stageInputFrom(body))) as StageInput
      await recordStage(deps, viewerOf(request), { schoolId: schoolOf(request).id, visitId: request.params.visitId }, action, input)
    })
  })

  app.post<V>('/visits/:visitId/check-ins', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return act(request, reply, 'checked-in', async () => {
      const input = parsed(parseForm(checkInSchema, { location: locationFrom(body), clientRef: typeof body.clientRef === 'string' && body.clientRef ? body.clientRef : undefined }))
      await checkIn(deps, viewerOf(request), { schoolId: schoolOf(request).id, visitId: request.params.visitId }, input)
    }, 'check-in')
  })

  app.post<V>('/visits/:visitId/office-contacts', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return act(request, reply, 'contact', async () => {
      const answered = body.answered === 'yes' ? true : body.answered === 'no' ? false : undefined
      const input = parsed(parseForm(officeContactSchema, { channel: body.channel || undefined, answered, note: body.note ?? '' }))
      await recordOfficeContact(deps, viewerOf(request), { schoolId: schoolOf(request).id, visitId: request.params.visitId }, input)
    }, 'channel')
  })

  app.post<V>('/visits/:visitId/more-time', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return act(request, reply, 'more-time', async () => {
      const input = parsed(parseForm(moreTimeSchema, { minutes: body.minutes === '' ? undefined : body.minutes, reason: body.reason }))
      await askForMoreTime(deps, viewerOf(request), { schoolId: schoolOf(request).id, visitId: request.params.visitId }, input)
    }, 'minutes')
  })

  app.post<V>('/visits/:visitId/alarms', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return act(request, reply, 'saved', async () => {
      const input = parsed(parseForm(raiseAlarmSchema, { kind: body.kind || undefined, note: body.note ?? '', clientRef: body.clientRef || undefined }))
      await raiseAlarm(deps, viewerOf(request), { schoolId: schoolOf(request).id, visitId: request.params.visitId }, input)
    }, 'kind')
  })

  // ------------------------------------------------------------ an alarm: its ladder, acknowledgements, safe

  const alarmPage = async (request: FastifyRequest<A>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const viewer = viewerOf(request)
    const schoolId = schoolOf(request).id
    const alarm = await findAlarm(pool, schoolId, request.params.alarmId)
    const visit = alarm && (await findLiveVisit(pool, schoolId, alarm.visitId))
    if (!alarm || !visit) throw new NotFoundError('There is no alarm with that id in this school.')
    const now = clock()
    const may = alarmAccess(viewer, alarm, visit, now)
    const live = await liveViewOf(pool, viewer, schoolId, alarm.visitId, now)
    if (!live?.isWatcher && !may.maySayVisitorsSafe && may.acknowledgeSteps.length === 0) throw new NotFoundError('There is no alarm with that id in this school.')
    const escalation = alarmEscalation(visit.policy, alarm, visit.outOfHours, now)
    const deliveries = await alarmDeliveries(pool, schoolId, alarm.id)
    const done = (request.query as { done?: unknown }).done
    return reply.status(status).page(view('alarm'), {
      title: `Alarm: ${alarmKindLabels[alarm.kind]}`,
      alarm,
      visit,
      live,
      escalation,
      may,
      deliveries,
      channelStateLabels,
      label: alarmKindLabels[alarm.kind],
      outcomes: acknowledgementOutcomes.map((id) => ({ value: id, text: acknowledgementOutcomeLabels[id] })),
      outcomeLabels: acknowledgementOutcomeLabels,
      safeLabels: safeHowLabels,
      safeHows: Object.entries(safeHowLabels).map(([value, text]) => ({ value, text })),
      flash: typeof done === 'string' ? doneMessages.get(done) : undefined,
      ...extra,
    })
  }

  const alarmAct = async (request: FastifyRequest<A>, reply: FastifyReply, done: string, work: () => Promise<unknown>) => {
    try {
      await work()
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
        const errors: FieldError[] = error instanceof ValidationError ? error.fieldErrors : [{ field: 'alarm', message: error.message }]
        return alarmPage(request, reply, { ...errorView(errors), values: request.body ?? {} }, error.status)
      }
      throw error
    }
    return reply.redirect(`/alarms/${request.params.alarmId}?done=${done}`, 303)
  }

  app.get<A>('/alarms/:alarmId', { config: { access } }, async (request, reply) => alarmPage(request, reply))

  app.post<S>('/alarms/:alarmId/steps/:stepNumber/acknowledge', { config: { access } }, async (request, reply) => {
    const step = Number(request.params.stepNumber)
    if (!Number.isInteger(step) || step < 1 || step > 20) throw new NotFoundError()
    const body = (request.body ?? {}) as Record<string, unknown>
    return alarmAct(request, reply, 'acknowledged', async () => {
      const input = parsed(parseForm(acknowledgeSchema, { outcome: body.outcome || undefined, reference: body.reference ?? '', note: body.note ?? '' }))
      await acknowledgeAlarmStep(deps, viewerOf(request), { schoolId: schoolOf(request).id, alarmId: request.params.alarmId }, step, input)
    })
  })

  app.post<A>('/alarms/:alarmId/safe', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    return alarmAct(request, reply, 'safe', async () => {
      const input = parsed(parseForm(safeSchema, { how: body.how || undefined, note: body.note ?? '' }))
      await recordVisitorsSafe(deps, viewerOf(request), { schoolId: schoolOf(request).id, alarmId: request.params.alarmId }, input)
    })
  })

  app.get('/notifications', { config: { access: 'signed-in' } }, async (request, reply) => {
    const school = schoolOf(request)
    const notifications = await notificationsFor(pool, school.id, viewerOf(request).userId)
    return reply.page(view('notifications'), { title: 'Your alerts', notifications })
  })

  registerLiveApi(app, deps)
  void config
}

const visitParams = z.object({ schoolId: z.uuid(), visitId: z.uuid() })
const alarmParams = z.object({ schoolId: z.uuid(), alarmId: z.uuid() })
const tag = 'The day of the visit'
const liveAnswer = z.object({
  visitId: z.string(),
  status: z.string(),
  stage: z.string().nullable(),
  stageLabel: z.string(),
  outcome: z.string().nullable(),
  next: z.object({ label: z.string(), dueAt: z.string(), overdueAt: z.string(), state: z.string(), byOffice: z.boolean() }).nullable(),
  expected: z.object({ endAt: z.string(), backAt: z.string().nullable() }).nullable(),
  actions: z.array(z.string()),
  checkIns: z.array(z.object({ at: z.string(), kind: z.string().nullable(), by: z.string(), channel: z.string(), answered: z.boolean() })),
})

function registerLiveApi(app: FastifyInstance, deps: LiveDeps): void {
  const { pool, clock } = deps
  const answer = async (request: FastifyRequest, visitId: string) => {
    const live = await liveViewOf(pool, viewerOf(request), schoolOf(request).id, visitId, clock())
    if (!live || (!live.isVisitor && !live.isWatcher)) throw new NotFoundError('There is no visit with that id in this school.')
    return {
      visitId: live.visitId,
      status: live.status,
      stage: live.stage,
      stageLabel: live.stageLabel,
      outcome: live.outcome,
      next: live.next && { label: live.next.label, dueAt: live.next.dueAt.toISOString(), overdueAt: live.next.overdueAt.toISOString(), state: live.next.state, byOffice: live.next.byOffice },
      expected: live.expected && { endAt: live.expected.endAt.toISOString(), backAt: live.expected.backAt?.toISOString() ?? null },
      actions: live.actions.map((a) => a.slug),
      checkIns: live.checkIns.map((c) => ({ at: c.at.toISOString(), kind: c.kind, by: c.byName, channel: c.channel, answered: c.answered })),
    }
  }

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/visits/:visitId/live',
    summary: 'Where a visit in progress stands: its stage, the next check-in and what can be recorded now',
    tag,
    access,
    params: visitParams,
    response: liveAnswer,
    handler: ({ request, params }) => answer(request, params.visitId),
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/live/:step',
    summary: 'Record a step of the day: sign-out, arrived, waiting, parents-late, doorstep, go-in, cancel-at-door, left, back-at-school, not-returning',
    conflict: 'The visit is not at a stage where this can be recorded (not approved yet, not out, already back …).',
    tag,
    access,
    params: visitParams.extend({ step: z.string() }),
    body: stageInputSchema,
    response: liveAnswer,
    handler: async ({ request, params, body }) => {
      const action = actionFromSlug(params.step)
      if (!action) throw new NotFoundError('There is no such step. Use one of the slugs listed in "actions".')
      await recordStage(deps, viewerOf(request), { schoolId: params.schoolId, visitId: params.visitId }, action, body)
      return answer(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/check-ins',
    summary: 'Check in (a visitor on the visit), optionally with a location; a clientRef makes a retried tap count once',
    conflict: 'The visit is not at a stage where this can be recorded (not approved yet, not out, already back …).',
    tag,
    access,
    status: 201,
    params: visitParams,
    body: checkInSchema,
    response: z.object({ recordedAt: z.string(), duplicate: z.boolean(), answered: z.string() }),
    handler: async ({ request, params, body }) => {
      const result = await checkIn(deps, viewerOf(request), params, body)
      return { ...result, recordedAt: result.recordedAt.toISOString() }
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/office-contacts',
    summary: 'The office records a call or text to the visitors and whether it reached them',
    conflict: 'The visit is not at a stage where this can be recorded (not approved yet, not out, already back …).',
    tag,
    access,
    status: 201,
    params: visitParams,
    body: officeContactSchema,
    response: liveAnswer,
    handler: async ({ request, params, body }) => {
      await recordOfficeContact(deps, viewerOf(request), params, body)
      return answer(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/more-time',
    summary: 'Running late or need more time: moves every time still ahead, with the reason logged',
    conflict: 'The visit is not at a stage where this can be recorded (not approved yet, not out, already back …).',
    tag,
    access,
    params: visitParams,
    body: moreTimeSchema,
    response: liveAnswer,
    handler: async ({ request, params, body }) => {
      await askForMoreTime(deps, viewerOf(request), params, body)
      return answer(request, params.visitId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/alarms',
    summary: 'Raise a top-priority alarm: silent alarm, child alone at home, 999 called, or (the office) code word used',
    conflict: 'The visit is not at a stage where this can be recorded (not approved yet, not out, already back …).',
    tag,
    access,
    status: 201,
    params: visitParams,
    body: raiseAlarmSchema,
    response: z.object({ alarmId: z.string() }),
    handler: ({ request, params, body }) => raiseAlarm(deps, viewerOf(request), params, body),
  })

  const alarmAnswer = z.object({
    id: z.string(),
    visitId: z.string(),
    kind: z.string(),
    priority: z.string(),
    summary: z.string(),
    raisedAt: z.string(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    closedHow: z.string().nullable(),
    steps: z.array(z.object({ number: z.int(), action: z.string(), recipients: z.array(z.string()), alertedAt: z.string().nullable(), realerts: z.int(), acknowledgedAt: z.string().nullable(), acknowledgedBy: z.string().nullable(), outcome: z.string().nullable(), reference: z.string().nullable() })),
  })
  const toAlarm = (alarm: NonNullable<Awaited<ReturnType<typeof findAlarm>>>) => ({
    id: alarm.id,
    visitId: alarm.visitId,
    kind: alarm.kind,
    priority: alarm.priority,
    summary: alarm.summary,
    raisedAt: alarm.raisedAt.toISOString(),
    closedAt: alarm.closedAt?.toISOString() ?? null,
    closedBy: alarm.closedByName,
    closedHow: alarm.closedHow,
    steps: alarm.steps.map((s) => ({
      number: s.number,
      action: s.action,
      recipients: s.recipients,
      alertedAt: s.alertedAt?.toISOString() ?? null,
      realerts: s.realerts,
      acknowledgedAt: s.acknowledgedAt?.toISOString() ?? null,
      acknowledgedBy: s.acknowledgedByName,
      outcome: s.outcome,
      reference: s.reference,
    })),
  })
  const watcherAccess = { roles: ['office', 'dsl', 'deputy_dsl', 'headteacher', 'associate_head'] as const }

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/alarms',
    summary: 'Open alarms, with each step of their ladders',
    tag,
    access: watcherAccess,
    params: z.object({ schoolId: z.uuid() }),
    response: z.object({ alarms: z.array(alarmAnswer) }),
    handler: async ({ params }) => ({ alarms: (await openAlarmsOf(pool, params.schoolId)).map(toAlarm) }),
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/alarms/:alarmId/steps/:stepNumber/acknowledgement',
    summary: 'Acknowledge a step of an alarm with what you found (reached_visitors, no_answer, decided, police_called with a reference)',
    conflict: 'The alarm is already closed, or the step is not alerted yet.',
    tag,
    access,
    params: alarmParams.extend({ stepNumber: z.coerce.number().int().min(1).max(20) }),
    body: acknowledgeSchema,
    response: alarmAnswer,
    handler: async ({ request, params, body }) => {
      await acknowledgeAlarmStep(deps, viewerOf(request), params, params.stepNumber, body)
      return toAlarm((await findAlarm(pool, params.schoolId, params.alarmId))!)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/alarms/:alarmId/safe',
    summary: 'Record that the visitors are safe, with how you know: the only way an alarm closes',
    conflict: 'The alarm is already closed, or the step is not alerted yet.',
    tag,
    access,
    params: alarmParams,
    body: safeSchema,
    response: alarmAnswer,
    handler: async ({ request, params, body }) => {
      await recordVisitorsSafe(deps, viewerOf(request), params, body)
      return toAlarm((await findAlarm(pool, params.schoolId, params.alarmId))!)
    },
  })
}
