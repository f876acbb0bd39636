import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { schoolRoles } from '../../domain/roles.ts'
import { defineApi } from '../../web/api.ts'
import { actingAs, schoolOf } from '../../web/auth-plugin.ts'
import { ValidationError } from '../../web/errors.ts'
import { parseForm } from '../../web/forms.ts'
import { currentPolicy } from '../policy/repository.ts'
import { visitUsers } from '../visits/service.ts'
import { ukDateOf } from './dates.ts'
import { listVisitingStaff } from './repository.ts'
import { isoDate, readinessAnswer, toReadinessAnswer, vehicleCheck, verdict, verdictAnswer } from './api-schemas.ts'
import { dbsForm, dbsLevels, trainingRecordForm, vehicleForm } from './schema.ts'
import {
  addTrainingRecord,
  addVehicle,
  changeTrainingRecord,
  changeVehicle,
  personReadiness,
  readinessEditors,
  recordDbs,
  removeTrainingRecord,
  removeVehicleRecord,
  requirePerson,
  requireTrainingRecord,
  requireVehicle,
  staffDirectory,
  vehiclesOf,
} from './service.ts'
import { checkVehicle, vehicleName } from './vehicle-rules.ts'

/**
 * Staff readiness writes in the API (issue 10 point 12): what the readiness pages do (src/features/readiness/routes.ts),
 * with the same form schemas, so the same rules and the same messages; and the staff directory for planning.
 * The API takes booleans where a form has yes/no radios, and dates as YYYY-MM-DD.
 */
const tag = 'Readiness'
const edit = { roles: readinessEditors }
const personParams = z.object({ schoolId: z.uuid(), userId: z.uuid() })
const trainingParams = personParams.extend({ trainingRecordId: z.uuid() })
const vehicleParams = z.object({ schoolId: z.uuid(), vehicleId: z.uuid() })
const day = isoDate.describe('YYYY-MM-DD')

const dbsBody = z.object({
  level: z.enum(dbsLevels),
  barredListChecked: z.boolean(),
  certificateNumber: z.string().describe('12 digits'),
  issuedOn: day,
  updateService: z.boolean().describe('They subscribe to the DBS Update Service and the school checks it'),
})
const trainingBody = z.object({ trainingId: z.string().describe('One of the policy’s trainings'), completedOn: day, expiresOn: day.nullable().optional() })
const vehicleBody = z.object({
  owner: z.string().describe('"school" for a school vehicle, or the user id of the member of staff who owns it'),
  make: z.string(),
  model: z.string(),
  registration: z.string(),
  colour: z.string(),
  insuranceExpiresOn: day,
  businessUseCover: z.boolean(),
  schoolApproved: z.boolean(),
})
const vehicleAnswer = z.object({
  id: z.uuid(),
  owner: z.object({ userId: z.uuid(), name: z.string() }).nullable().describe('null: a school vehicle'),
  name: z.string(),
  make: z.string(),
  model: z.string(),
  registration: z.string(),
  colour: z.string(),
  insuranceExpiresOn: isoDate,
  businessUseCover: z.boolean(),
  schoolApproved: z.boolean(),
  check: vehicleCheck,
})

/** Booleans to the forms' yes/no, so the pages' schemas check the API's input with the same messages. */
function asForm(body: Record<string, unknown>, yesNo: readonly string[]): Record<string, unknown> {
  const form: Record<string, unknown> = { ...body }
  for (const field of yesNo) if (typeof body[field] === 'boolean') form[field] = body[field] ? 'yes' : 'no'
  if (form.expiresOn === null || form.expiresOn === undefined) form.expiresOn = ''
  return form
}

function checked<T>(result: { ok: true; data: T } | { ok: false; errors: Array<{ field: string; message: string }> }): T {
  if (!result.ok) throw new ValidationError(result.errors)
  return result.data
}

export function registerReadinessWriteApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const school = (request: FastifyRequest) => schoolOf(request).id
  const trainingIds = async (schoolId: string) => (await currentPolicy(pool, schoolId, clock())).policy.training.trainings.map((t) => t.id)
  const answerFor = async (schoolId: string, userId: string) => toReadinessAnswer(await personReadiness(pool, schoolId, userId, clock()))
  const ownerIds = async (schoolId: string, current?: string | null) => {
    const ids = (await listVisitingStaff(pool, schoolId)).map((person) => person.id)
    return current ? [...ids, current] : ids
  }
  const vehicleOut = async (schoolId: string, id: string): Promise<z.input<typeof vehicleAnswer>> => {
    const vehicle = await requireVehicle(pool, schoolId, id)
    const { policy } = await currentPolicy(pool, schoolId, clock())
    return toVehicle(vehicle, checkVehicle(policy, vehicle, clock()))
  }

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/staff-directory',
    summary:
      'The staff directory for planning: the colleagues a visit may be planned with (as the staff page of planning offers them), each with their readiness at a time (default now)',
    tag,
    access: { roles: visitUsers },
    scope: 'readiness:read',
    params: z.object({ schoolId: z.uuid() }),
    query: z.object({ at: z.iso.datetime({ error: 'Give "at" as an ISO 8601 date-time, like 2026-12-07T10:00:00Z' }).optional() }),
    response: z.object({
      at: z.iso.datetime(),
      staff: z.array(z.object({ id: z.uuid(), name: z.string(), roles: z.array(z.enum(schoolRoles)), hasMobile: z.boolean(), readiness: verdict })),
    }),
    handler: async ({ request, query }) => {
      const at = query.at ? new Date(query.at) : clock()
      const people = await staffDirectory(pool, school(request), at)
      return {
        at: at.toISOString(),
        staff: people.map(({ person, verdict: v }) => ({ id: person.id, name: person.name, roles: person.roles, hasMobile: Boolean(person.mobile?.trim()), readiness: verdictAnswer(v) })),
      }
    },
  })

  defineApi(app, {
    method: 'PUT',
    url: '/api/v1/schools/:schoolId/staff/:userId/readiness/dbs',
    summary: 'Record a member of staff’s DBS check (R-STAFF-4); answers with their readiness',
    tag,
    access: edit,
    scope: 'readiness:write',
    params: personParams,
    body: dbsBody,
    response: readinessAnswer,
    handler: async ({ request, params, body }) => {
      const schoolId = school(request)
      await requirePerson(pool, schoolId, params.userId)
      const input = checked(parseForm(dbsForm(ukDateOf(clock())), asForm(body, ['barredListChecked', 'updateService'])))
      await recordDbs(pool, actingAs(request), schoolId, params.userId, input, clock())
      return answerFor(schoolId, params.userId)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/staff/:userId/readiness/trainings',
    summary: 'Add a training record (R-STAFF-5); answers with their readiness',
    tag,
    access: edit,
    scope: 'readiness:write',
    status: 201,
    params: personParams,
    body: trainingBody,
    response: readinessAnswer.extend({ trainingRecordId: z.uuid() }),
    handler: async ({ request, params, body }) => {
      const schoolId = school(request)
      await requirePerson(pool, schoolId, params.userId)
      const input = checked(parseForm(trainingRecordForm(ukDateOf(clock()), await trainingIds(schoolId)), asForm(body, [])))
      const id = await addTrainingRecord(pool, actingAs(request), schoolId, params.userId, input, clock())
      return { ...(await answerFor(schoolId, params.userId)), trainingRecordId: id }
    },
  })

  defineApi(app, {
    method: 'PUT',
    url: '/api/v1/schools/:schoolId/staff/:userId/readiness/trainings/:trainingRecordId',
    summary: 'Change a training record; answers with their readiness',
    tag,
    access: edit,
    scope: 'readiness:write',
    params: trainingParams,
    body: trainingBody,
    response: readinessAnswer,
    handler: async ({ request, params, body }) => {
      const schoolId = school(request)
      await requirePerson(pool, schoolId, params.userId)
      const record = await requireTrainingRecord(pool, schoolId, params.userId, params.trainingRecordId)
      const allowed = [...new Set([...(await trainingIds(schoolId)), record.trainingId])]
      const input = checked(parseForm(trainingRecordForm(ukDateOf(clock()), allowed), asForm(body, [])))
      await changeTrainingRecord(pool, actingAs(request), schoolId, params.userId, record.id, input, clock())
      return answerFor(schoolId, params.userId)
    },
  })

  defineApi(app, {
    method: 'DELETE',
    url: '/api/v1/schools/:schoolId/staff/:userId/readiness/trainings/:trainingRecordId',
    summary: 'Remove a training record recorded by mistake; answers with their readiness',
    tag,
    access: edit,
    scope: 'readiness:write',
    params: trainingParams,
    response: readinessAnswer,
    handler: async ({ request, params }) => {
      const schoolId = school(request)
      await requirePerson(pool, schoolId, params.userId)
      await removeTrainingRecord(pool, actingAs(request), schoolId, params.userId, params.trainingRecordId, clock())
      return answerFor(schoolId, params.userId)
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/vehicles',
    summary: 'The vehicles recorded for visits: the school’s own and staff’s, each with its check against the policy (R-VEHICLE-1/2)',
    tag,
    access: { roles: readinessEditors },
    scope: 'readiness:read',
    params: z.object({ schoolId: z.uuid() }),
    response: z.object({ vehicles: z.array(vehicleAnswer) }),
    handler: async ({ request }) => {
      const schoolId = school(request)
      const { policy } = await currentPolicy(pool, schoolId, clock())
      return { vehicles: (await vehiclesOf(pool, schoolId)).map((v) => toVehicle(v, checkVehicle(policy, v, clock()))) }
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/vehicles',
    summary: 'Add a vehicle: the school’s own (owner "school") or a member of staff’s (R-VEHICLE-1)',
    tag,
    access: edit,
    scope: 'readiness:write',
    status: 201,
    params: z.object({ schoolId: z.uuid() }),
    body: vehicleBody,
    response: vehicleAnswer,
    handler: async ({ request, body }) => {
      const schoolId = school(request)
      const input = checked(parseForm(vehicleForm(await ownerIds(schoolId)), asForm(body, ['businessUseCover', 'schoolApproved'])))
      const id = await addVehicle(pool, actingAs(request), schoolId, input, clock())
      return vehicleOut(schoolId, id)
    },
  })

  defineApi(app, {
    method: 'PUT',
    url: '/api/v1/schools/:schoolId/vehicles/:vehicleId',
    summary: 'Change a vehicle’s details',
    tag,
    access: edit,
    scope: 'readiness:write',
    params: vehicleParams,
    body: vehicleBody,
    response: vehicleAnswer,
    handler: async ({ request, params, body }) => {
      const schoolId = school(request)
      const vehicle = await requireVehicle(pool, schoolId, params.vehicleId)
      const input = checked(parseForm(vehicleForm(await ownerIds(schoolId, vehicle.ownerUserId)), asForm(body, ['businessUseCover', 'schoolApproved'])))
      await changeVehicle(pool, actingAs(request), schoolId, vehicle.id, input, clock())
      return vehicleOut(schoolId, vehicle.id)
    },
  })

  defineApi(app, {
    method: 'DELETE',
    url: '/api/v1/schools/:schoolId/vehicles/:vehicleId',
    summary: 'Remove a vehicle no longer used for visits',
    tag,
    access: edit,
    scope: 'readiness:write',
    params: vehicleParams,
    response: z.object({ removed: z.uuid() }),
    handler: async ({ request, params }) => {
      const removed = await removeVehicleRecord(pool, actingAs(request), school(request), params.vehicleId, clock())
      return { removed: removed.id }
    },
  })

}

function toVehicle(
  v: { id: string; ownerUserId: string | null; ownerName: string | null; make: string; model: string; registration: string; colour: string; insuranceExpiresOn: string; businessUseCover: boolean; schoolApproved: boolean },
  check: z.input<typeof vehicleCheck>,
): z.input<typeof vehicleAnswer> {
  return {
    id: v.id,
    owner: v.ownerUserId ? { userId: v.ownerUserId, name: v.ownerName ?? '' } : null,
    name: vehicleName(v),
    make: v.make,
    model: v.model,
    registration: v.registration,
    colour: v.colour,
    insuranceExpiresOn: v.insuranceExpiresOn,
    businessUseCover: v.businessUseCover,
    schoolApproved: v.schoolApproved,
    check,
  }
}
