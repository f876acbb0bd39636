import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { SchoolRole } from '../../domain/roles.ts'
import { defineApi } from '../../web/api.ts'
import { actingAs, actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { ForbiddenError, ValidationError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { doneFlash } from '../../web/flash.ts'
import { currentPolicy } from '../policy/repository.ts'
import { ukDateOf } from './dates.ts'
import { registerReadinessWriteApi } from './api.ts'
import { isoDate, readinessAnswer, toReadinessAnswer } from './api-schemas.ts'
import { DESCRIPTION_MAX, descriptionForm, findDescription, mayDescribe, saveDescription } from './description.ts'
import { listDbs, listVisitingStaff, type StaffPerson } from './repository.ts'
import { dateValues, dbsForm, dbsLevelLabels, dbsLevels, fieldId, trainingRecordForm, vehicleForm } from './schema.ts'
import {
  EXPIRING_WITHIN_DAYS,
  addTrainingRecord,
  addVehicle,
  assertMayView,
  changeTrainingRecord,
  changeVehicle,
  expiringReadiness,
  mayEditReadiness,
  mayViewAllReadiness,
  ownReadinessViewers,
  personReadiness,
  readinessEditors,
  readinessOverview,
  readinessViewers,
  recordDbs,
  removeTrainingRecord,
  removeVehicleRecord,
  requirePerson,
  requireTrainingRecord,
  requireVehicle,
} from './service.ts'

type WithUser = { Params: { userId: string } }
type WithTraining = { Params: { userId: string; trainingRecordId: string } }
type WithVehicle = { Params: { vehicleId: string } }

const edit = { access: { roles: readinessEditors } }
const view = { access: { roles: readinessViewers } }
const own = { access: { roles: ownReadinessViewers } }

const doneMessages: Record<string, string> = {
  dbs: 'DBS check saved.',
  'training-added': 'Training record added.',
  'training-changed': 'Training record saved.',
  'training-removed': 'Training record removed.',
  'vehicle-added': 'Vehicle added.',
  'vehicle-changed': 'Vehicle details saved.',
  'vehicle-removed': 'Vehicle removed.',
  'description-saved': 'Description saved.',
  'description-removed': 'Description removed.',
}

const flashOf = (request: FastifyRequest) => doneFlash(request, doneMessages)

const readinessUrl = (userId: string) => `/staff/${userId}/readiness`

export function registerReadinessRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  addNavigation({ href: '/readiness', text: 'Readiness', roles: readinessViewers })
  addNavigation({ href: '/readiness/me', text: 'Your readiness', roles: ['visitor'] })

  // --- Overview and expiring (R-GOV-3) ---------------------------------------------------------------------

  app.get('/readiness', { config: view }, async (request, reply) => {
    const school = schoolOf(request)
    const overview = await readinessOverview(pool, school.id, clock())
    return reply.page('readiness/views/overview.njk', {
      title: 'Staff readiness for home visits',
      ...overview,
      canEdit: mayEditReadiness(school.roles),
      flash: flashOf(request),
    })
  })

  app.get('/readiness/expiring', { config: view }, async (request, reply) => {
    const expiring = await expiringReadiness(pool, schoolOf(request).id, clock())
    return reply.page('readiness/views/expiring.njk', { title: 'Expiring and expired', days: EXPIRING_WITHIN_DAYS, ...expiring })
  })

  // --- One person's readiness -------------------------------------------------------------------------------

  app.get('/readiness/me', { config: own }, async (request, reply) => {
    const school = schoolOf(request)
    const me = actorOf(request).userId
    const readiness = await personReadiness(pool, school.id, me, clock())
    const description = await findDescription(pool, school.id, me)
    return reply.page('readiness/views/person.njk', {
      title: 'Your readiness for home visits',
      readiness,
      description,
      self: true,
      mayDescribe: true,
      ...personAccess(school.roles),
      flash: flashOf(request),
    })
  })

  app.get<WithUser>('/staff/:userId/readiness', { config: own }, async (request, reply) => {
    const school = schoolOf(request)
    await requirePerson(pool, school.id, request.params.userId)
    const me = actorOf(request).userId
    assertMayView(school.roles, me, request.params.userId)
    const readiness = await personReadiness(pool, school.id, request.params.userId, clock())
    const description = await findDescription(pool, school.id, request.params.userId)
    return reply.page('readiness/views/person.njk', {
      title: `${readiness.person.name}: readiness for home visits`,
      readiness,
      description,
      self: me === request.params.userId,
      mayDescribe: mayDescribe(school.roles, me, request.params.userId),
      ...personAccess(school.roles),
      flash: flashOf(request),
    })
  })

  // --- A description for the police sheet (R-ESC-3) ----------------------------------------------------------

  const notYours = 'You can describe yourself for the police sheet; the office, the headteacher or a school admin describes others.'
  const descriptionPage = (person: StaffPerson, self: boolean, values: Record<string, unknown>) => ({
    title: self ? 'Your description for the police sheet' : `Description for the police sheet: ${person.name}`,
    person,
    self,
    values,
    max: DESCRIPTION_MAX,
  })

  app.get<WithUser>('/staff/:userId/readiness/description', { config: own }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const me = actorOf(request).userId
    if (!mayDescribe(school.roles, me, person.id)) throw new ForbiddenError(notYours)
    const held = await findDescription(pool, school.id, person.id)
    return reply.page('readiness/views/description-form.njk', descriptionPage(person, me === person.id, { description: held?.description ?? '' }))
  })

  app.post<WithUser>('/staff/:userId/readiness/description', { config: own }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const me = actorOf(request).userId
    if (!mayDescribe(school.roles, me, person.id)) throw new ForbiddenError(notYours)
    const form = parseForm(descriptionForm, request.body)
    if (!form.ok) {
      const body = (request.body ?? {}) as Record<string, unknown>
      return reply.status(400).page('readiness/views/description-form.njk', { ...descriptionPage(person, me === person.id, body), ...errors(form.errors) })
    }
    const outcome = await saveDescription(pool, actorOf(request), school, person.id, form.data, clock())
    const done = outcome === 'removed' ? 'description-removed' : 'description-saved'
    return reply.redirect(`${me === person.id ? '/readiness/me' : readinessUrl(person.id)}?done=${done}#description`, 303)
  })

  // --- DBS (R-STAFF-4) --------------------------------------------------------------------------------------

  app.get<WithUser>('/staff/:userId/readiness/dbs', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const [dbs] = await listDbs(pool, school.id, [person.id])
    const values = dbs
      ? { ...dbs, barredListChecked: yesNo(dbs.barredListChecked), updateService: yesNo(dbs.updateService), issuedOn: dateValues({ issuedOn: dbs.issuedOn }, 'issuedOn') }
      : { issuedOn: dateValues({}, 'issuedOn') }
    return reply.page('readiness/views/dbs-form.njk', await dbsContext(school.id, person, values))
  })

  app.post<WithUser>('/staff/:userId/readiness/dbs', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const form = parseForm(dbsForm(ukDateOf(clock())), request.body)
    if (!form.ok) return reply.status(400).page('readiness/views/dbs-form.njk', { ...(await dbsContext(school.id, person, submitted(request, ['issuedOn']))), ...errors(form.errors) })
    await recordDbs(pool, actorOf(request), school.id, person.id, form.data, clock())
    return reply.redirect(`${readinessUrl(person.id)}?done=dbs#dbs`, 303)
  })

  async function dbsContext(schoolId: string, person: StaffPerson, values: Record<string, unknown>) {
    const { policy } = await currentPolicy(pool, schoolId, clock())
    return {
      title: `DBS check: ${person.name}`,
      person,
      values,
      policyDbs: policy.training.dbs,
      levelItems: dbsLevels.map((level) => ({ value: level, text: dbsLevelLabels[level], checked: values.level === level })),
    }
  }

  // --- Training records (R-STAFF-5, R-STAFF-3) -------------------------------------------------------------

  async function trainingContext(schoolId: string, person: StaffPerson, values: Record<string, unknown>, recordId?: string) {
    const { policy } = await currentPolicy(pool, schoolId, clock())
    const options = policy.training.trainings.map((t) => ({ value: t.id, text: t.label }))
    if (typeof values.trainingId === 'string' && values.trainingId && !options.some((o) => o.value === values.trainingId)) {
      options.push({ value: values.trainingId, text: `${values.trainingId} (not in the current policy)` })
    }
    return {
      title: recordId ? `Change a training record: ${person.name}` : `Add a training record: ${person.name}`,
      person,
      recordId,
      action: recordId ? `${readinessUrl(person.id)}/trainings/${recordId}` : `${readinessUrl(person.id)}/trainings`,
      values,
      trainingItems: [{ value: '', text: 'Choose a training' }, ...options].map((o) => ({ ...o, selected: o.value === values.trainingId })),
    }
  }

  async function trainingIds(schoolId: string) {
    const { policy } = await currentPolicy(pool, schoolId, clock())
    return policy.training.trainings.map((t) => t.id)
  }

  app.get<WithUser>('/staff/:userId/readiness/trainings/new', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const training = (request.query as { training?: unknown }).training
    const preset = typeof training === 'string' ? training : ''
    const values = { trainingId: preset, completedOn: dateValues({}, 'completedOn'), expiresOn: dateValues({}, 'expiresOn') }
    return reply.page('readiness/views/training-form.njk', await trainingContext(school.id, person, values))
  })

  app.post<WithUser>('/staff/:userId/readiness/trainings', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const form = parseForm(trainingRecordForm(ukDateOf(clock()), await trainingIds(school.id)), request.body)
    if (!form.ok) {
      const context = await trainingContext(school.id, person, submitted(request, ['completedOn', 'expiresOn']))
      return reply.status(400).page('readiness/views/training-form.njk', { ...context, ...errors(form.errors) })
    }
    await addTrainingRecord(pool, actorOf(request), school.id, person.id, form.data, clock())
    return reply.redirect(`${readinessUrl(person.id)}?done=training-added#trainings`, 303)
  })

  app.get<WithTraining>('/staff/:userId/readiness/trainings/:trainingRecordId/edit', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const record = await requireTrainingRecord(pool, school.id, person.id, request.params.trainingRecordId)
    const values = {
      trainingId: record.trainingId,
      completedOn: dateValues(record, 'completedOn'),
      expiresOn: dateValues({ expiresOn: record.expiresOn ?? '' }, 'expiresOn'),
    }
    return reply.page('readiness/views/training-form.njk', await trainingContext(school.id, person, values, record.id))
  })

  app.post<WithTraining>('/staff/:userId/readiness/trainings/:trainingRecordId', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const person = await requirePerson(pool, school.id, request.params.userId)
    const record = await requireTrainingRecord(pool, school.id, person.id, request.params.trainingRecordId)
    const allowed = [...new Set([...(await trainingIds(school.id)), record.trainingId])]
    const form = parseForm(trainingRecordForm(ukDateOf(clock()), allowed), request.body)
    if (!form.ok) {
      const context = await trainingContext(school.id, person, submitted(request, ['completedOn', 'expiresOn']), record.id)
      return reply.status(400).page('readiness/views/training-form.njk', { ...context, ...errors(form.errors) })
    }
    await changeTrainingRecord(pool, actorOf(request), school.id, person.id, record.id, form.data, clock())
    return reply.redirect(`${readinessUrl(person.id)}?done=training-changed#trainings`, 303)
  })

  app.post<WithTraining>('/staff/:userId/readiness/trainings/:trainingRecordId/remove', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    await removeTrainingRecord(pool, actorOf(request), school.id, request.params.userId, request.params.trainingRecordId, clock())
    return reply.redirect(`${readinessUrl(request.params.userId)}?done=training-removed#trainings`, 303)
  })

  // --- Vehicles (R-VEHICLE-1, R-VEHICLE-2) ------------------------------------------------------------------

  async function vehicleContext(schoolId: string, values: Record<string, unknown>, vehicleId?: string) {
    const staff = await listVisitingStaff(pool, schoolId)
    const owner = typeof values.owner === 'string' ? values.owner : ''
    const ownerItems = [
      { value: '', text: 'Choose who owns it' },
      { value: 'school', text: 'The school (a school vehicle)' },
      ...staff.map((person) => ({ value: person.id, text: `${person.name} (their own vehicle)` })),
    ].map((item) => ({ ...item, selected: item.value === owner }))
    const back = owner && owner !== 'school' ? `${readinessUrl(owner)}#vehicles` : '/readiness#vehicles'
    return {
      title: vehicleId ? 'Change a vehicle’s details' : 'Add a vehicle',
      vehicleId,
      action: vehicleId ? `/readiness/vehicles/${vehicleId}` : '/readiness/vehicles',
      values,
      ownerItems,
      back,
    }
  }

  async function ownerIds(schoolId: string, current?: string | null) {
    const ids = (await listVisitingStaff(pool, schoolId)).map((person) => person.id)
    return current ? [...ids, current] : ids
  }

  const vehicleDone = (ownerUserId: string | null, done: string) =>
    ownerUserId ? `${readinessUrl(ownerUserId)}?done=${done}#vehicles` : `/readiness?done=${done}#vehicles`

  app.get('/readiness/vehicles/new', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const asked = (request.query as { owner?: unknown }).owner
    const owner = typeof asked === 'string' ? asked : ''
    const ids = await ownerIds(school.id)
    const values = { owner: owner === 'school' || ids.includes(owner) ? owner : '', insuranceExpiresOn: dateValues({}, 'insuranceExpiresOn') }
    return reply.page('readiness/views/vehicle-form.njk', await vehicleContext(school.id, values))
  })

  app.post('/readiness/vehicles', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const form = parseForm(vehicleForm(await ownerIds(school.id)), request.body)
    const failed = async (fieldErrors: FieldError[]) =>
      reply.status(400).page('readiness/views/vehicle-form.njk', { ...(await vehicleContext(school.id, submitted(request, ['insuranceExpiresOn']))), ...errors(fieldErrors) })
    if (!form.ok) return failed(form.errors)
    try {
      await addVehicle(pool, actorOf(request), school.id, form.data, clock())
    } catch (error) {
      if (error instanceof ValidationError) return failed(error.fieldErrors)
      throw error
    }
    return reply.redirect(vehicleDone(form.data.owner === 'school' ? null : form.data.owner, 'vehicle-added'), 303)
  })

  app.get<WithVehicle>('/readiness/vehicles/:vehicleId/edit', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const vehicle = await requireVehicle(pool, school.id, request.params.vehicleId)
    const values = {
      ...vehicle,
      owner: vehicle.ownerUserId ?? 'school',
      businessUseCover: yesNo(vehicle.businessUseCover),
      schoolApproved: yesNo(vehicle.schoolApproved),
      insuranceExpiresOn: dateValues(vehicle, 'insuranceExpiresOn'),
    }
    return reply.page('readiness/views/vehicle-form.njk', await vehicleContext(school.id, values, vehicle.id))
  })

  app.post<WithVehicle>('/readiness/vehicles/:vehicleId', { config: edit }, async (request, reply) => {
    const school = schoolOf(request)
    const vehicle = await requireVehicle(pool, school.id, request.params.vehicleId)
    const form = parseForm(vehicleForm(await ownerIds(school.id, vehicle.ownerUserId)), request.body)
    const failed = async (fieldErrors: FieldError[]) =>
      reply
        .status(400)
        .page('readiness/views/vehicle-form.njk', { ...(await vehicleContext(school.id, submitted(request, ['insuranceExpiresOn']), vehicle.id)), ...errors(fieldErrors) })
    if (!form.ok) return failed(form.errors)
    try {
      await changeVehicle(pool, actorOf(request), school.id, vehicle.id, form.data, clock())
    } catch (error) {
      if (error instanceof ValidationError) return failed(error.fieldErrors)
      throw error
    }
    return reply.redirect(vehicleDone(form.data.owner === 'school' ? null : form.data.owner, 'vehicle-changed'), 303)
  })

  app.post<WithVehicle>('/readiness/vehicles/:vehicleId/remove', { config: edit }, async (request, reply) => {
    const removed = await removeVehicleRecord(pool, actorOf(request), schoolOf(request).id, request.params.vehicleId, clock())
    return reply.redirect(vehicleDone(removed.ownerUserId, 'vehicle-removed'), 303)
  })

  registerReadinessApi(app)
}

function personAccess(roles: readonly SchoolRole[]) {
  return { canEdit: mayEditReadiness(roles), canViewAll: mayViewAllReadiness(roles) }
}

function yesNo(value: boolean): 'yes' | 'no' {
  return value ? 'yes' : 'no'
}

/** What the person typed, to show again on a form with errors; date fields as their three parts. */
function submitted(request: FastifyRequest, dates: readonly string[]): Record<string, unknown> {
  const body = (request.body ?? {}) as Record<string, unknown>
  const values: Record<string, unknown> = { ...body }
  for (const field of dates) values[field] = dateValues(body, field)
  return values
}

function errors(fieldErrors: FieldError[]) {
  return errorView(fieldErrors, fieldId)
}

// --- JSON API ---------------------------------------------------------------------------------------------------

function registerReadinessApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/staff/:userId/readiness',
    summary: 'A member of staff’s readiness for home visits: DBS, training, mobile number, vehicles and the verdict',
    tag: 'Readiness',
    access: { roles: ownReadinessViewers },
    scope: 'readiness:read',
    params: z.object({ schoolId: z.uuid(), userId: z.uuid() }),
    response: readinessAnswer,
    handler: async ({ request, params }) => {
      const school = schoolOf(request)
      await requirePerson(pool, school.id, params.userId)
      assertMayView(school.roles, actingAs(request).userId, params.userId)
      return toReadinessAnswer(await personReadiness(pool, school.id, params.userId, clock()))
    },
  })

  const expiringItem = z.object({
    kind: z.enum(['dbs', 'training', 'insurance']),
    date: isoDate,
    days: z.int(),
    userId: z.uuid().nullable(),
    personName: z.string().nullable(),
    what: z.string(),
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/readiness/expiring',
    summary: 'DBS re-checks, training and vehicle insurance expiring soon (default 30 days) or already expired',
    tag: 'Readiness',
    access: { roles: readinessViewers },
    scope: 'readiness:read',
    params: z.object({ schoolId: z.uuid() }),
    query: z.object({ withinDays: z.coerce.number().int().min(1).max(365).optional() }),
    response: z.object({ today: isoDate, until: isoDate, upcoming: z.array(expiringItem), expired: z.array(expiringItem) }),
    handler: async ({ request, query }) => {
      const result = await expiringReadiness(pool, schoolOf(request).id, clock(), query.withinDays ?? EXPIRING_WITHIN_DAYS)
      const strip = ({ href: _href, ...item }: (typeof result.upcoming)[number]) => item
      return { today: result.today, until: result.until, upcoming: result.upcoming.map(strip), expired: result.expired.map(strip) }
    },
  })

  registerReadinessWriteApi(app)
}
