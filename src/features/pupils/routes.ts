import { agreementsOfPupil } from '../agreements/repository.ts'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { holdsAnyRole } from '../../domain/roles.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { doneFlash } from '../../web/flash.ts'
import { pupilAttendanceSection } from '../attendance/routes.ts'
import { registerPupilApi } from './api.ts'
import { pupilFollowUpContext } from '../records/pupil-page.ts'
import { UploadedFile } from '../../web/uploads.ts'
import { statusLabels } from '../../domain/visit-lifecycle.ts'
import { describeWhen, seeAllVisits, viewerOf, visitsFor, visitUsers } from '../visits/service.ts'
import { ImportRejected, MAX_IMPORT_ROWS, importColumns, importPupils, requiredColumns } from './import.ts'
import { adultsAtSameAddress, findAgency, findDecline, findPupilAddress, listPupils, type Family } from './repository.ts'
import {
  address,
  adultDetails,
  agencyDetails,
  declineDetails,
  hazardDetails,
  hazardKindLabels,
  hazardKinds,
  importForm,
  newPupil,
  noAppointmentsDetails,
  pupilDetails,
  pupilSearch,
  reviewDetails,
  titles,
  yearGroups,
} from './schema.ts'
import {
  addAdult,
  addAgency,
  addHazard,
  caseReviewers,
  correctAddress,
  createPupil,
  clearNoAppointmentsFlag,
  familyRecordKeepers,
  linkExistingAdult,
  mayClearNoAppointments,
  mayReadRestrictedNotes,
  pupilImporters,
  pupilViewers,
  readRestrictedNotes,
  recordDecline,
  recordMove,
  removeAdult,
  removeAgency,
  removeHazardFromAddress,
  requireAdult,
  requireFamily,
  requirePupil,
  setNoAppointmentsFlag,
  staffOf,
  updateAdult,
  updateAgencyDetails,
  updatePupilDetails,
  visitPlanners,
  withdrawDeclineOf,
  type Staff,
} from './service.ts'

const PAGE_SIZE = 50
const view = (name: string) => `pupils/views/${name}.njk`

type P = { pupilId: string }
type PC = P & { contactId: string }
type PG = P & { agencyId: string }
type PA = P & { addressId: string }
type PH = PA & { hazardId: string }
type PD = P & { declineId: string }

const viewers = { roles: pupilViewers }
const keepers = { roles: familyRecordKeepers }
const planners = { roles: visitPlanners }
const reviewers = { roles: caseReviewers }
const importers = { roles: pupilImporters }

/** The date fields of a GOV.UK date input, from a submitted form or from a stored YYYY-MM-DD. */
function dateParts(values: Record<string, unknown>, name: string) {
  if (values[`${name}-day`] !== undefined || values[`${name}-month`] !== undefined || values[`${name}-year`] !== undefined) {
    return { day: values[`${name}-day`] ?? '', month: values[`${name}-month`] ?? '', year: values[`${name}-year`] ?? '' }
  }
  const [year = '', month = '', day = ''] = String(values[name] ?? '').split('-')
  return { day: day.replace(/^0/, ''), month: month.replace(/^0/, ''), year }
}

const dateFieldId = (field: string) => (['dateOfBirth', 'attendanceAsOf', 'declinedOn'].includes(field) ? `${field}-day` : field)

/** A domain error that belongs on the form: re-render with it rather than show an error page. */
function formFailure(error: unknown, conflictField: string): { status: number; errors: FieldError[] } | undefined {
  if (error instanceof ValidationError) return { status: 400, errors: error.fieldErrors }
  if (error instanceof ConflictError) return { status: 409, errors: [{ field: conflictField, message: error.message }] }
  return undefined
}

const doneMessages: Record<string, string> = {
  created: 'Pupil added.',
  updated: 'Details saved.',
  'address-corrected': 'Address corrected.',
  moved: 'New address saved. It is now the main address.',
  'adult-added': 'Adult added to the family.',
  'adult-updated': 'Adult’s details saved.',
  'adult-removed': 'Adult taken out of this pupil’s family.',
  'no-appointments': 'Appointments stopped until the case is reviewed.',
  'appointments-allowed': 'Case reviewed: appointments can be made again.',
  'agency-added': 'Agency added.',
  'agency-updated': 'Agency details saved.',
  'agency-removed': 'Agency removed.',
  'hazard-added': 'Hazard recorded. Anyone planning a visit to this address will see it.',
  'hazard-removed': 'Hazard removed.',
  'decline-recorded': 'Decline recorded. It will be shown before anyone plans a visit.',
  'decline-withdrawn': 'Decline withdrawn.',
  'action-added': 'Follow-up action added.',
  'action-done': 'Follow-up action marked done.',
}

export function registerPupilRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/pupils', text: 'Pupils', roles: pupilViewers })
  // School admins import pupils without reading their pages (docs/decisions/0010); everyone else imports from the list.
  addNavigation({ href: '/pupils/import', text: 'Import pupils', roles: ['school_admin'] })
  const { pool, clock } = app.deps

  // ------------------------------------------------------------ list and search (R-FAMILY-1, R-LIST-1)
  app.get('/pupils', { config: { access: viewers } }, async (request, reply) => {
    const school = schoolOf(request)
    const form = parseForm(pupilSearch, request.query)
    const query = request.query as Record<string, string | undefined>
    if (!form.ok) {
      return reply.status(400).page(view('list'), { title: 'Pupils', q: query.q ?? '', pupils: [], total: 0, mayImport: holdsAnyRole(school.roles, pupilImporters), ...errorView(form.errors) })
    }
    const { q, page } = form.data
    const { rows, total } = await listPupils(pool, school.id, { q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })
    const link = (n: number) => `/pupils?${new URLSearchParams({ q, page: String(n) })}`
    return reply.page(view('list'), {
      title: 'Pupils',
      q,
      pupils: rows,
      total,
      mayImport: holdsAnyRole(school.roles, pupilImporters),
      previousHref: page > 1 ? link(page - 1) : undefined,
      nextHref: page * PAGE_SIZE < total ? link(page + 1) : undefined,
    })
  })

  // ------------------------------------------------------------ adding a pupil
  const pupilFormContext = (request: FastifyRequest, extra: Record<string, unknown>) => ({
    yearGroupItems: [{ value: '', text: 'Choose a year group' }, ...yearGroups.map((y) => ({ value: y, text: y }))],
    mayEditRestricted: mayReadRestrictedNotes(schoolOf(request)),
    ...extra,
  })

  app.get('/pupils/new', { config: { access: keepers } }, async (request, reply) =>
    reply.page(view('pupil-form'), pupilFormContext(request, { title: 'Add a pupil', action: '/pupils', isNew: true, values: {}, dates: {} })),
  )

  app.post('/pupils', { config: { access: keepers } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const fail = (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('pupil-form'), pupilFormContext(request, {
        title: 'Add a pupil',
        action: '/pupils',
        isNew: true,
        values: body,
        dates: { dateOfBirth: dateParts(body, 'dateOfBirth'), attendanceAsOf: dateParts(body, 'attendanceAsOf') },
        ...errorView(errors, dateFieldId),
      }))
    const form = parseForm(newPupil, withoutRestrictedUnlessAllowed(request, body))
    if (!form.ok) return fail(400, form.errors)
    try {
      const pupilId = await createPupil(pool, staffOf(request), form.data, clock())
      return reply.redirect(`/pupils/${pupilId}?done=created`, 303)
    } catch (error) {
      const failure = formFailure(error, 'firstName')
      if (failure) return fail(failure.status, failure.errors)
      throw error
    }
  })

  // ------------------------------------------------------------ import (before /pupils/:pupilId)
  const importContext = (request: FastifyRequest, extra: Record<string, unknown>) => ({
    title: 'Import pupils and families',
    mayViewPupils: holdsAnyRole(schoolOf(request).roles, pupilViewers),
    columns: importColumns,
    requiredColumns,
    maxRows: MAX_IMPORT_ROWS,
    ...extra,
  })

  app.get('/pupils/import', { config: { access: importers } }, async (request, reply) => reply.page(view('import'), importContext(request, { csv: '' })))

  app.post('/pupils/import', { config: { access: importers }, bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    // A file chosen (multipart, issue 10 §7) is imported instead of what was pasted; it must be CSV text.
    const file = body.file instanceof UploadedFile && body.file.size > 0 ? body.file : undefined
    if (file) {
      const text = file.text()
      const looksLikeCsv = /\.(csv|txt)$/i.test(file.filename) || /^text\/|csv|ms-excel/.test(file.mimetype)
      if (text === null || !looksLikeCsv) {
        const message = `${file.filename || 'The file'} is not a CSV file. Save it from your spreadsheet or MIS as “CSV UTF-8 (comma delimited)” and choose that file, or paste its contents below`
        return reply.status(400).page(view('import'), importContext(request, { csv: '', ...errorView([{ field: 'file', message }]) }))
      }
      body.csv = text
    }
    const form = parseForm(importForm, body)
    if (!form.ok) return reply.status(400).page(view('import'), importContext(request, { csv: '', ...errorView(form.errors) }))
    try {
      const result = await importPupils(pool, staffOf(request), form.data.csv, clock())
      return reply.page(view('import-done'), { title: 'Pupils imported', result, mayViewPupils: holdsAnyRole(schoolOf(request).roles, pupilViewers) })
    } catch (error) {
      if (!(error instanceof ImportRejected)) throw error
      const rowErrors = error.rowErrors
      const rowsAffected = new Set(rowErrors.map((e) => e.row)).size
      return reply.status(400).page(view('import'), importContext(request, {
        csv: form.data.csv,
        rowErrors,
        errorList: [
          { text: `${error.message} ${rowErrors.length === 1 ? '' : `The problems are in ${rowsAffected} ${rowsAffected === 1 ? 'row' : 'rows'}.`} Fix them and import the whole file again.`.replace(/\s+/g, ' '), href: '#row-errors' },
        ],
        fieldErrors: { csv: { text: 'Fix the problems listed in the table, then import again' } },
      }))
    }
  })

  // ------------------------------------------------------------ the pupil page
  app.get<{ Params: P }>('/pupils/:pupilId', { config: { access: viewers } }, async (request, reply) => {
    const staff = staffOf(request)
    const family = await requireFamily(pool, staff.schoolId, request.params.pupilId)
    const notes = mayReadRestrictedNotes(staff) ? await readRestrictedNotes(pool, staff, family.pupil.id, clock()) : undefined
    // The pupil's visits (issue 10 §5): those this person may see, newest plans last, as on the Visits page.
    const viewer = viewerOf(request)
    const visits = holdsAnyRole(viewer.roles, visitUsers) ? await visitsFor(pool, viewer, staff.schoolId, { pupilId: family.pupil.id }) : []
    return reply.page(view('pupil'), {
      ...pupilPageContext(staff, family, clock()),
      ...(await pupilFollowUpContext(pool, viewerOf(request), staff.schoolId, family.pupil.id, clock())),
      visits: visits.map((v) => ({ ...v, when: describeWhen(v), statusLabel: statusLabels[v.status] })),
      mayPlanVisit: holdsAnyRole(viewer.roles, visitUsers),
      seesAllVisits: holdsAnyRole(viewer.roles, seeAllVisits),
      notes,
      agreements: await agreementsOfPupil(pool, staff.schoolId, family.pupil.id),
      attendance: await pupilAttendanceSection(pool, staff, family.pupil.id, clock()),
      flash: doneFlash(request, doneMessages),
    })
  })

  // ------------------------------------------------------------ changing a pupil's details
  app.get<{ Params: P }>('/pupils/:pupilId/edit', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const notes = mayReadRestrictedNotes(staff) ? await readRestrictedNotes(pool, staff, pupil.id, clock(), { where: 'changing the pupil’s details' }) : {}
    const values = { ...pupil, ...notes, upn: pupil.upn ?? '', attendancePercent: pupil.attendancePercent ?? '' }
    return reply.page(view('pupil-form'), pupilFormContext(request, {
      title: `Change ${pupil.name}’s details`,
      action: `/pupils/${pupil.id}`,
      pupil,
      values,
      dates: { dateOfBirth: dateParts(values, 'dateOfBirth'), attendanceAsOf: dateParts({ attendanceAsOf: pupil.attendanceAsOf ?? '' }, 'attendanceAsOf') },
    }))
  })

  app.post<{ Params: P }>('/pupils/:pupilId', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const body = (request.body ?? {}) as Record<string, unknown>
    const fail = (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('pupil-form'), pupilFormContext(request, {
        title: `Change ${pupil.name}’s details`,
        action: `/pupils/${pupil.id}`,
        pupil,
        values: body,
        dates: { dateOfBirth: dateParts(body, 'dateOfBirth'), attendanceAsOf: dateParts(body, 'attendanceAsOf') },
        ...errorView(errors, dateFieldId),
      }))
    const form = parseForm(pupilDetails, withoutRestrictedUnlessAllowed(request, body))
    if (!form.ok) return fail(400, form.errors)
    try {
      await updatePupilDetails(pool, staff, pupil.id, form.data, clock())
    } catch (error) {
      const failure = formFailure(error, 'firstName')
      if (failure) return fail(failure.status, failure.errors)
      throw error
    }
    return reply.redirect(`/pupils/${pupil.id}?done=updated`, 303)
  })

  // ------------------------------------------------------------ addresses
  app.get<{ Params: PA }>('/pupils/:pupilId/addresses/:addressId/edit', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const current = await requirePupilAddress(staff.schoolId, pupil.id, request.params.addressId)
    return reply.page(view('address-form'), { title: 'Correct the address', pupil, action: `/pupils/${pupil.id}/addresses/${current.id}`, values: current, correcting: true })
  })

  app.post<{ Params: PA }>('/pupils/:pupilId/addresses/:addressId', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const current = await requirePupilAddress(staff.schoolId, pupil.id, request.params.addressId)
    const form = parseForm(address, request.body)
    if (!form.ok) {
      return reply.status(400).page(view('address-form'), {
        title: 'Correct the address', pupil, action: `/pupils/${pupil.id}/addresses/${current.id}`, values: request.body ?? {}, correcting: true, ...errorView(form.errors),
      })
    }
    await correctAddress(pool, staff, pupil.id, current.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=address-corrected`, 303)
  })

  app.get<{ Params: P }>('/pupils/:pupilId/move', { config: { access: keepers } }, async (request, reply) => {
    const pupil = await requirePupil(pool, schoolOf(request).id, request.params.pupilId)
    return reply.page(view('address-form'), { title: `${pupil.name} has moved`, pupil, action: `/pupils/${pupil.id}/move`, values: {} })
  })

  app.post<{ Params: P }>('/pupils/:pupilId/move', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const form = parseForm(address, request.body)
    if (!form.ok) {
      return reply.status(400).page(view('address-form'), { title: `${pupil.name} has moved`, pupil, action: `/pupils/${pupil.id}/move`, values: request.body ?? {}, ...errorView(form.errors) })
    }
    await recordMove(pool, staff, pupil.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=moved`, 303)
  })

  async function requirePupilAddress(schoolId: string, pupilId: string, addressId: string) {
    const found = await findPupilAddress(pool, schoolId, pupilId, addressId)
    if (!found) throw new NotFoundError('There is no such address for this pupil.')
    return found
  }

  // ------------------------------------------------------------ adults (R-FAMILY-1)
  const adultFormContext = async (request: FastifyRequest<{ Params: P }>, extra: Record<string, unknown>) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    return { pupil, titleItems: ['', ...titles], ...extra }
  }

  app.get<{ Params: P }>('/pupils/:pupilId/adults/new', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const context = await adultFormContext(request, { values: {} })
    const siblingsAdults = await adultsAtSameAddress(pool, staff.schoolId, context.pupil.id)
    return reply.page(view('adult-form'), { ...context, title: `Add an adult to ${context.pupil.name}’s family`, action: `/pupils/${context.pupil.id}/adults`, isNew: true, siblingsAdults })
  })

  app.post<{ Params: P }>('/pupils/:pupilId/adults', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const form = parseForm(adultDetails, request.body)
    if (!form.ok) {
      const context = await adultFormContext(request, { values: request.body ?? {} })
      return reply.status(400).page(view('adult-form'), {
        ...context, title: `Add an adult to ${pupil.name}’s family`, action: `/pupils/${pupil.id}/adults`, isNew: true, siblingsAdults: [], ...errorView(form.errors),
      })
    }
    await addAdult(pool, staff, pupil.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=adult-added#adults`, 303)
  })

  app.post<{ Params: P }>('/pupils/:pupilId/adults/link', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const body = (request.body ?? {}) as Record<string, unknown>
    const linkSchema = adultDetails.pick({ relationship: true, parentalResponsibility: true, livesWithPupil: true })
    const form = parseForm(linkSchema, { relationship: body.linkRelationship, parentalResponsibility: body.linkParentalResponsibility, livesWithPupil: body.linkLivesWithPupil })
    const contactId = String(body.contactId ?? '')
    const siblingsAdults = await adultsAtSameAddress(pool, staff.schoolId, pupil.id)
    const errors: FieldError[] = []
    if (!siblingsAdults.some((adult) => adult.id === contactId)) errors.push({ field: 'contactId', message: 'Choose an adult from the list' })
    if (!form.ok) errors.push(...form.errors.map((e) => ({ field: `link${e.field[0]!.toUpperCase()}${e.field.slice(1)}`, message: e.message })))
    if (errors.length > 0 || !form.ok) {
      return reply.status(400).page(view('adult-form'), {
        pupil, titleItems: ['', ...titles], title: `Add an adult to ${pupil.name}’s family`, action: `/pupils/${pupil.id}/adults`, isNew: true,
        siblingsAdults, values: {}, linkValues: body, ...errorView(errors),
      })
    }
    await linkExistingAdult(pool, staff, pupil.id, contactId, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=adult-added#adults`, 303)
  })

  app.get<{ Params: PC }>('/pupils/:pupilId/adults/:contactId/edit', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adult = await requireAdult(pool, staff.schoolId, pupil.id, request.params.contactId)
    const values = { ...adult, parentalResponsibility: yesNoValue(adult.parentalResponsibility), livesWithPupil: yesNoValue(adult.livesWithPupil), interpreterNeeded: yesNoValue(adult.interpreterNeeded) }
    return reply.page(view('adult-form'), { pupil, adult, titleItems: ['', ...titles], title: `Change ${adult.name}’s details`, action: `/pupils/${pupil.id}/adults/${adult.id}`, values })
  })

  app.post<{ Params: PC }>('/pupils/:pupilId/adults/:contactId', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adult = await requireAdult(pool, staff.schoolId, pupil.id, request.params.contactId)
    const form = parseForm(adultDetails, request.body)
    if (!form.ok) {
      return reply.status(400).page(view('adult-form'), {
        pupil, adult, titleItems: ['', ...titles], title: `Change ${adult.name}’s details`, action: `/pupils/${pupil.id}/adults/${adult.id}`, values: request.body ?? {}, ...errorView(form.errors),
      })
    }
    await updateAdult(pool, staff, pupil.id, adult.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=adult-updated#adults`, 303)
  })

  app.post<{ Params: PC }>('/pupils/:pupilId/adults/:contactId/remove', { config: { access: keepers } }, async (request, reply) => {
    await removeAdult(pool, staffOf(request), request.params.pupilId, request.params.contactId, clock())
    return reply.redirect(`/pupils/${request.params.pupilId}?done=adult-removed#adults`, 303)
  })

  // ------------------------------------------------------------ no appointments (R-FAMILY-3)
  app.get<{ Params: PC }>('/pupils/:pupilId/adults/:contactId/no-appointments', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adult = await requireAdult(pool, staff.schoolId, pupil.id, request.params.contactId)
    return reply.page(view('no-appointments'), { title: `Stop appointments with ${adult.name}`, pupil, adult, values: {} })
  })

  app.post<{ Params: PC }>('/pupils/:pupilId/adults/:contactId/no-appointments', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adult = await requireAdult(pool, staff.schoolId, pupil.id, request.params.contactId)
    const fail = (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('no-appointments'), { title: `Stop appointments with ${adult.name}`, pupil, adult, values: request.body ?? {}, ...errorView(errors) })
    const form = parseForm(noAppointmentsDetails, request.body)
    if (!form.ok) return fail(400, form.errors)
    try {
      await setNoAppointmentsFlag(pool, staff, pupil.id, adult.id, form.data.reason, clock())
    } catch (error) {
      const failure = formFailure(error, 'reason')
      if (failure) return fail(failure.status, failure.errors)
      throw error
    }
    return reply.redirect(`/pupils/${pupil.id}?done=no-appointments`, 303)
  })

  app.get<{ Params: PC }>('/pupils/:pupilId/adults/:contactId/review', { config: { access: reviewers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adult = await requireAdult(pool, staff.schoolId, pupil.id, request.params.contactId)
    return reply.page(view('review'), { title: `Review the case and allow appointments with ${adult.name}`, pupil, adult, values: {} })
  })

  app.post<{ Params: PC }>('/pupils/:pupilId/adults/:contactId/review', { config: { access: reviewers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adult = await requireAdult(pool, staff.schoolId, pupil.id, request.params.contactId)
    const fail = (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('review'), { title: `Review the case and allow appointments with ${adult.name}`, pupil, adult, values: request.body ?? {}, ...errorView(errors) })
    const form = parseForm(reviewDetails, request.body)
    if (!form.ok) return fail(400, form.errors)
    try {
      await clearNoAppointmentsFlag(pool, staff, pupil.id, adult.id, form.data.reviewNote, clock())
    } catch (error) {
      const failure = formFailure(error, 'reviewNote')
      if (failure) return fail(failure.status, failure.errors)
      throw error
    }
    return reply.redirect(`/pupils/${pupil.id}?done=appointments-allowed`, 303)
  })

  // ------------------------------------------------------------ agencies (R-FAMILY-2)
  app.get<{ Params: P }>('/pupils/:pupilId/agencies/new', { config: { access: keepers } }, async (request, reply) => {
    const pupil = await requirePupil(pool, schoolOf(request).id, request.params.pupilId)
    return reply.page(view('agency-form'), { title: `Add an agency working with ${pupil.name}’s family`, pupil, action: `/pupils/${pupil.id}/agencies`, values: {} })
  })

  app.post<{ Params: P }>('/pupils/:pupilId/agencies', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const form = parseForm(agencyDetails, request.body)
    if (!form.ok) {
      return reply.status(400).page(view('agency-form'), {
        title: `Add an agency working with ${pupil.name}’s family`, pupil, action: `/pupils/${pupil.id}/agencies`, values: request.body ?? {}, ...errorView(form.errors),
      })
    }
    await addAgency(pool, staff, pupil.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=agency-added#agencies`, 303)
  })

  app.get<{ Params: PG }>('/pupils/:pupilId/agencies/:agencyId/edit', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const agency = await requireAgency(staff.schoolId, pupil.id, request.params.agencyId)
    return reply.page(view('agency-form'), {
      title: `Change the details of ${agency.name}`, pupil, agency, action: `/pupils/${pupil.id}/agencies/${agency.id}`,
      values: { ...agency, isLeadPractitioner: yesNoValue(agency.isLeadPractitioner) },
    })
  })

  app.post<{ Params: PG }>('/pupils/:pupilId/agencies/:agencyId', { config: { access: keepers } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const agency = await requireAgency(staff.schoolId, pupil.id, request.params.agencyId)
    const form = parseForm(agencyDetails, request.body)
    if (!form.ok) {
      return reply.status(400).page(view('agency-form'), {
        title: `Change the details of ${agency.name}`, pupil, agency, action: `/pupils/${pupil.id}/agencies/${agency.id}`, values: request.body ?? {}, ...errorView(form.errors),
      })
    }
    await updateAgencyDetails(pool, staff, pupil.id, agency.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=agency-updated#agencies`, 303)
  })

  app.post<{ Params: PG }>('/pupils/:pupilId/agencies/:agencyId/remove', { config: { access: keepers } }, async (request, reply) => {
    await removeAgency(pool, staffOf(request), request.params.pupilId, request.params.agencyId, clock())
    return reply.redirect(`/pupils/${request.params.pupilId}?done=agency-removed#agencies`, 303)
  })

  async function requireAgency(schoolId: string, pupilId: string, agencyId: string) {
    const agency = await findAgency(pool, schoolId, pupilId, agencyId)
    if (!agency) throw new NotFoundError('There is no agency with that id for this pupil.')
    return agency
  }

  // ------------------------------------------------------------ hazards (R-FAMILY-4)
  const hazardContext = (pupil: { id: string; name: string }, at: { id: string }, extra: Record<string, unknown>) => ({
    title: 'Record a hazard at this address',
    pupil,
    address: at,
    action: `/pupils/${pupil.id}/addresses/${at.id}/hazards`,
    kindItems: hazardKinds.map((kind) => ({ value: kind, text: hazardKindLabels[kind] })),
    ...extra,
  })

  app.get<{ Params: PA }>('/pupils/:pupilId/addresses/:addressId/hazards/new', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const at = await requirePupilAddress(staff.schoolId, pupil.id, request.params.addressId)
    return reply.page(view('hazard-form'), hazardContext(pupil, at, { values: {} }))
  })

  app.post<{ Params: PA }>('/pupils/:pupilId/addresses/:addressId/hazards', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const at = await requirePupilAddress(staff.schoolId, pupil.id, request.params.addressId)
    const form = parseForm(hazardDetails, request.body)
    if (!form.ok) {
      return reply.status(400).page(view('hazard-form'), hazardContext(pupil, at, { values: request.body ?? {}, ...errorView(form.errors) }))
    }
    await addHazard(pool, staff, at.id, form.data, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=hazard-added#hazards`, 303)
  })

  app.post<{ Params: PH }>('/pupils/:pupilId/addresses/:addressId/hazards/:hazardId/remove', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const at = await requirePupilAddress(staff.schoolId, pupil.id, request.params.addressId)
    await removeHazardFromAddress(pool, staff, at.id, request.params.hazardId, clock())
    return reply.redirect(`/pupils/${pupil.id}?done=hazard-removed#hazards`, 303)
  })

  // ------------------------------------------------------------ declines (R-NOTICE-2)
  app.get<{ Params: P }>('/pupils/:pupilId/declines/new', { config: { access: planners } }, async (request, reply) => {
    const pupil = await requirePupil(pool, schoolOf(request).id, request.params.pupilId)
    return reply.page(view('decline-form'), { title: `Record that ${pupil.name}’s family declined home visits`, pupil, values: {}, dates: {} })
  })

  app.post<{ Params: P }>('/pupils/:pupilId/declines', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const body = (request.body ?? {}) as Record<string, unknown>
    const fail = (status: number, errors: FieldError[]) =>
      reply.status(status).page(view('decline-form'), {
        title: `Record that ${pupil.name}’s family declined home visits`, pupil, values: body, dates: { declinedOn: dateParts(body, 'declinedOn') }, ...errorView(errors, dateFieldId),
      })
    const form = parseForm(declineDetails, body)
    if (!form.ok) return fail(400, form.errors)
    try {
      await recordDecline(pool, staff, pupil.id, form.data, clock())
    } catch (error) {
      const failure = formFailure(error, 'reason')
      if (failure) return fail(failure.status, failure.errors)
      throw error
    }
    return reply.redirect(`/pupils/${pupil.id}?done=decline-recorded`, 303)
  })

  app.post<{ Params: PD }>('/pupils/:pupilId/declines/:declineId/withdraw', { config: { access: planners } }, async (request, reply) => {
    const staff = staffOf(request)
    const decline = await findDecline(pool, staff.schoolId, request.params.pupilId, request.params.declineId)
    if (!decline) throw new NotFoundError('There is no such decline for this pupil.')
    await withdrawDeclineOf(pool, staff, request.params.pupilId, decline.id, clock())
    return reply.redirect(`/pupils/${request.params.pupilId}?done=decline-withdrawn`, 303)
  })

  registerPupilApi(app)
}

/** Restricted fields are read from a form only when the person may write them; otherwise they are left alone. */
function withoutRestrictedUnlessAllowed(request: FastifyRequest, body: Record<string, unknown>): Record<string, unknown> {
  if (mayReadRestrictedNotes(schoolOf(request))) return body
  const { medicalNeeds: _m, sendNeeds: _s, behaviourNotes: _b, ...rest } = body
  return rest
}

const yesNoValue = (value: boolean) => (value ? 'yes' : 'no')

function pupilPageContext(staff: Staff, family: Family, now: Date) {
  const { pupil } = family
  return {
    title: pupil.name,
    family,
    pupil,
    age: ageOn(pupil.dateOfBirth, now),
    attendanceBand: attendanceBand(pupil.attendancePercent),
    mayKeepRecords: holdsAnyRole(staff.roles, familyRecordKeepers),
    mayPlan: holdsAnyRole(staff.roles, visitPlanners),
    mayClear: mayClearNoAppointments(staff),
    mayReadNotes: mayReadRestrictedNotes(staff),
    adultsWithNoAppointments: family.adults.filter((adult) => adult.noAppointments),
    aggression: family.hazards.filter((hazard) => hazard.kind === 'aggression'),
    hazardKindLabels,
    pastDeclines: family.declines.filter((d) => d.withdrawnAt),
  }
}

function ageOn(dateOfBirth: string, now: Date): number {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now)
  const years = Number(today.slice(0, 4)) - Number(dateOfBirth.slice(0, 4))
  return today.slice(5) < dateOfBirth.slice(5) ? years - 1 : years
}

/** Persistent absence at 90 % or less, severe below 50 % (DfE, August 2024). */
function attendanceBand(percent: number | null): { text: string; colour: string } | undefined {
  if (percent === null) return undefined
  if (percent < 50) return { text: 'Severe absence', colour: 'red' }
  if (percent <= 90) return { text: 'Persistent absence', colour: 'orange' }
  return undefined
}
