import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { defineApi } from '../../web/api.ts'
import { ValidationError } from '../../web/errors.ts'
import { parseForm } from '../../web/forms.ts'
import { importPupils, MAX_IMPORT_ROWS } from './import.ts'
import { listPupils, type Family } from './repository.ts'
import { hazardKinds, importForm, newPupil, pupilDetails, pupilSearch } from './schema.ts'
import { createPupil, familyRecordKeepers, mayReadRestrictedNotes, pupilImporters, pupilViewers, readRestrictedNotes, requireFamily, requirePupil, staffOf, updatePupilDetails, type Staff } from './service.ts'

/**
 * JSON API for pupils and families. The same service rules as the pages: restricted notes only
 * for the DSL, deputy DSLs, the headteacher and associate head, and every such read is audited.
 */
const schoolParams = z.object({ schoolId: z.uuid() })
const pupilParams = z.object({ schoolId: z.uuid(), pupilId: z.uuid() })
const when = z.string().describe('ISO 8601 date-time')
const day = z.string().describe('YYYY-MM-DD')

const pupilSchema = z.object({
  id: z.uuid(),
  firstName: z.string(),
  lastName: z.string(),
  dateOfBirth: day,
  yearGroup: z.string(),
  upn: z.string().nullable(),
  attendancePercent: z.number().nullable(),
  attendanceAsOf: day.nullable(),
})

const familySchema = z.object({
  pupil: pupilSchema,
  mainAddress: z.object({ id: z.uuid(), line1: z.string(), line2: z.string(), town: z.string(), postcode: z.string() }).nullable(),
  adults: z.array(
    z.object({
      id: z.uuid(),
      title: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      relationship: z.string(),
      parentalResponsibility: z.boolean(),
      livesWithPupil: z.boolean(),
      phone: z.string(),
      email: z.string(),
      language: z.string(),
      interpreterNeeded: z.boolean(),
      literacyNeeds: z.string(),
      culturalConsiderations: z.string(),
      noAppointments: z
        .object({ reason: z.string(), setBy: z.string().nullable(), setAt: when.nullable() })
        .nullable()
        .describe('R-FAMILY-3: set when no appointment may be made with this adult until the case is reviewed'),
    }),
  ),
  agencies: z.array(
    z.object({ id: z.uuid(), name: z.string(), roleOrService: z.string(), contactName: z.string(), phone: z.string(), email: z.string(), isLeadPractitioner: z.boolean() }),
  ),
  hazards: z.array(
    z.object({ id: z.uuid(), kind: z.enum(hazardKinds), description: z.string(), animalsWillBeShutAway: z.boolean().nullable(), recordedAt: when }),
  ),
  activeDecline: z.object({ id: z.uuid(), declinedOn: day, reason: z.string(), recordedAt: when }).nullable(),
  restrictedNotes: z
    .object({ medicalNeeds: z.string(), sendNeeds: z.string(), behaviourNotes: z.string() })
    .optional()
    .describe('Only for the DSL, deputy DSLs, headteacher and associate head; every read is audited'),
})

function toApiFamily(family: Family) {
  const { pupil } = family
  return {
    pupil: {
      id: pupil.id,
      firstName: pupil.firstName,
      lastName: pupil.lastName,
      dateOfBirth: pupil.dateOfBirth,
      yearGroup: pupil.yearGroup,
      upn: pupil.upn,
      attendancePercent: pupil.attendancePercent,
      attendanceAsOf: pupil.attendanceAsOf,
    },
    mainAddress: family.mainAddress && {
      id: family.mainAddress.id,
      line1: family.mainAddress.line1,
      line2: family.mainAddress.line2,
      town: family.mainAddress.town,
      postcode: family.mainAddress.postcode,
    },
    adults: family.adults.map((a) => ({
      id: a.id,
      title: a.title,
      firstName: a.firstName,
      lastName: a.lastName,
      relationship: a.relationship,
      parentalResponsibility: a.parentalResponsibility,
      livesWithPupil: a.livesWithPupil,
      phone: a.phone,
      email: a.email,
      language: a.language,
      interpreterNeeded: a.interpreterNeeded,
      literacyNeeds: a.literacyNeeds,
      culturalConsiderations: a.culturalConsiderations,
      noAppointments: a.noAppointments
        ? { reason: a.noAppointmentsReason, setBy: a.noAppointmentsSetByName, setAt: a.noAppointmentsSetAt?.toISOString() ?? null }
        : null,
    })),
    agencies: family.agencies.map(({ id, name, roleOrService, contactName, phone, email, isLeadPractitioner }) => ({
      id, name, roleOrService, contactName, phone, email, isLeadPractitioner,
    })),
    hazards: family.hazards.map((h) => ({
      id: h.id, kind: h.kind, description: h.description, animalsWillBeShutAway: h.animalsWillBeShutAway, recordedAt: h.recordedAt.toISOString(),
    })),
    activeDecline: family.activeDecline && {
      id: family.activeDecline.id,
      declinedOn: family.activeDecline.declinedOn,
      reason: family.activeDecline.reason,
      recordedAt: family.activeDecline.recordedAt.toISOString(),
    },
  }
}

export function registerPupilApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  // CSV arrives as text; 8 MB is about 20,000 rows, well above MAX_IMPORT_ROWS.
  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (_request, body, done) => done(null, body))
  }

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/pupils',
    summary: "A school's pupils, by surname; q searches pupils' and adults' names and UPNs",
    tag: 'Pupils',
    access: { roles: pupilViewers },
    scope: 'pupils:read',
    params: schoolParams,
    query: pupilSearch,
    response: z.object({
      pupils: z.array(
        pupilSchema.extend({
          postcode: z.string().nullable(),
          declined: z.boolean(),
          adultsWithNoAppointments: z.number().int(),
          hazardCount: z.number().int(),
        }),
      ),
      total: z.number().int(),
      page: z.number().int(),
      pageSize: z.number().int(),
    }),
    handler: async ({ request, query }) => {
      const pageSize = 100
      const { q, page } = query
      const staff = staffOf(request)
      const { rows, total } = await listPupils(pool, staff.schoolId, { q, limit: pageSize, offset: (page - 1) * pageSize })
      return {
        pupils: rows.map((p) => ({
          id: p.id,
          firstName: p.firstName,
          lastName: p.lastName,
          dateOfBirth: p.dateOfBirth,
          yearGroup: p.yearGroup,
          upn: p.upn,
          attendancePercent: p.attendancePercent,
          attendanceAsOf: p.attendanceAsOf,
          postcode: p.postcode,
          declined: p.declined,
          adultsWithNoAppointments: p.adultsWithNoAppointments,
          hazardCount: p.hazardCount,
        })),
        total,
        page,
        pageSize,
      }
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/pupils/:pupilId',
    summary: 'A pupil and their family: address, adults, agencies, hazards, any decline of visits',
    tag: 'Pupils',
    access: { roles: pupilViewers },
    scope: 'pupils:read',
    params: pupilParams,
    response: familySchema,
    handler: async ({ request, params }) => {
      const staff = staffOf(request)
      const family = await requireFamily(pool, staff.schoolId, params.pupilId)
      const restrictedNotes = mayReadRestrictedNotes(staff) ? await readRestrictedNotes(pool, staff, params.pupilId, clock(), { where: 'API' }) : undefined
      return { ...toApiFamily(family), restrictedNotes }
    },
  })

  // Adding and changing a pupil (issue 10 point 12/13): the pupil form's schemas, so the same rules and messages.
  // Attendance (percentage and the date it was worked out) is one of the details an MIS keeps up to date here.
  const pupilBody = z.object({
    firstName: z.string(),
    lastName: z.string(),
    dateOfBirth: day,
    yearGroup: z.string().describe('Reception, Year 1 … Year 13'),
    upn: z.string().nullable().optional(),
    attendancePercent: z.number().nullable().optional(),
    attendanceAsOf: day.nullable().optional(),
    medicalNeeds: z.string().optional().describe('Restricted: only kept when the caller may read restricted notes'),
    sendNeeds: z.string().optional(),
    behaviourNotes: z.string().optional(),
  })
  const addressBody = z.object({ line1: z.string(), line2: z.string().optional(), town: z.string(), postcode: z.string() })
  const asForm = (staff: Staff, body: Record<string, unknown>) => {
    const form: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(body)) form[key] = value === null || value === undefined ? '' : typeof value === 'number' ? String(value) : value
    if (!mayReadRestrictedNotes(staff)) for (const key of ['medicalNeeds', 'sendNeeds', 'behaviourNotes']) delete form[key]
    return form
  }
  const familyOut = async (staff: Staff, pupilId: string) => {
    const family = await requireFamily(pool, staff.schoolId, pupilId)
    const restrictedNotes = mayReadRestrictedNotes(staff) ? await readRestrictedNotes(pool, staff, pupilId, clock(), { where: 'API' }) : undefined
    return { ...toApiFamily(family), restrictedNotes }
  }

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/pupils',
    summary: 'Add a pupil with their main address',
    tag: 'Pupils',
    access: { roles: familyRecordKeepers },
    scope: 'pupils:write',
    status: 201,
    params: schoolParams,
    body: pupilBody.extend(addressBody.shape),
    response: familySchema,
    handler: async ({ request, body }) => {
      const staff = staffOf(request)
      const form = parseForm(newPupil, asForm(staff, body))
      if (!form.ok) throw new ValidationError(form.errors)
      const pupilId = await createPupil(pool, staff, form.data, clock())
      return familyOut(staff, pupilId)
    },
  })

  defineApi(app, {
    method: 'PUT',
    url: '/api/v1/schools/:schoolId/pupils/:pupilId',
    summary: 'Change a pupil’s details, their attendance among them (the address is changed on its own)',
    tag: 'Pupils',
    access: { roles: familyRecordKeepers },
    scope: 'pupils:write',
    params: pupilParams,
    body: pupilBody,
    response: familySchema,
    handler: async ({ request, params, body }) => {
      const staff = staffOf(request)
      const pupil = await requirePupil(pool, staff.schoolId, params.pupilId)
      const form = parseForm(pupilDetails, asForm(staff, body))
      if (!form.ok) throw new ValidationError(form.errors)
      await updatePupilDetails(pool, staff, pupil.id, form.data, clock())
      return familyOut(staff, pupil.id)
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/pupils/import',
    summary: `Import pupils and families from CSV (docs/pupil-import.md): send text/csv, or JSON { "csv": "…" }. All rows or none; at most ${MAX_IMPORT_ROWS} rows`,
    tag: 'Pupils',
    access: { roles: pupilImporters },
    scope: 'pupils:write',
    params: schoolParams,
    body: z.union([z.string(), z.object({ csv: z.string() })], { error: 'Send the CSV file as text/csv, or as JSON { "csv": "…" }' }),
    response: z.object({ pupilsCreated: z.number().int(), adultsCreated: z.number().int(), addressesCreated: z.number().int(), rows: z.number().int() }),
    status: 201,
    handler: async ({ request, body }) => {
      // The import page's schema: an empty file gets the same message.
      const form = parseForm(importForm, { csv: typeof body === 'string' ? body : body.csv })
      if (!form.ok) throw new ValidationError(form.errors)
      return importPupils(pool, staffOf(request), form.data.csv, clock())
    },
  })
}
