import type { FastifyRequest } from 'fastify'
import type pg from 'pg'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { actingAs, schoolOf } from '../../web/auth-plugin.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import {
  clearLeadPractitioner,
  clearNoAppointments,
  deleteAgency,
  familyForPupil,
  findAdult,
  findAgency,
  findDecline,
  findDuplicatePupil,
  findHazard,
  findPupil,
  findPupilAddress,
  findSameAddress,
  insertAddress,
  insertAgency,
  insertContact,
  insertDecline,
  insertHazard,
  insertPupil,
  linkContact,
  mainAddressOf,
  pupilsAtAddress,
  removeHazard,
  restrictedNotesForPupil,
  setMainAddress,
  setNoAppointments,
  unlinkContact,
  updateAddress,
  updateAgency,
  updateContact,
  updatePupil,
  updateRestrictedNotes,
  withdrawDecline,
  type Family,
  type FamilyAdult,
  type Pupil,
  type RestrictedNotes,
  adultsAtSameAddress,
  findContact,
} from './repository.ts'
import { isClearedToGo, type VisitStatus } from '../../domain/visit-lifecycle.ts'
import { reopenRiskAssessmentsForAddress } from '../visits/service.ts'
import { hazardKindLabels, type AddressDetails, type AdultDetails, type AgencyDetails, type DeclineDetails, type HazardDetails, type NewPupil, type PupilDetails } from './schema.ts'

/**
 * Who may do what with pupils and families. Routes use these for access; the service checks them again.
 * School admins import pupils from the school's records but do not read pupils' pages: families,
 * hazards, agencies, declines and "no appointments" flags are safeguarding detail (docs/decisions/0010).
 */
export const pupilViewers = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor'] as const satisfies readonly SchoolRole[]
/** Keep pupils' and families' details up to date (names, addresses, adults, agencies). */
export const familyRecordKeepers = pupilViewers
/** People who plan visits: record hazards and declines, and stop appointments with an adult (R-FAMILY-3). */
export const visitPlanners = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor'] as const satisfies readonly SchoolRole[]
/** Only they can clear a "no appointments" flag, after reviewing the case (R-FAMILY-3, HA 6.4). */
export const caseReviewers = ['dsl', 'deputy_dsl', 'headteacher'] as const satisfies readonly SchoolRole[]
/** R-CONF-1: medical needs, SEND and behaviour notes. Every view is audited. */
export const restrictedNoteReaders = ['dsl', 'deputy_dsl', 'headteacher', 'associate_head'] as const satisfies readonly SchoolRole[]
export const pupilImporters = ['school_admin', 'office', 'headteacher'] as const satisfies readonly SchoolRole[]

/** A member of staff acting in a school, with their roles there. */
export type Staff = { actor: Actor; schoolId: string; roles: readonly SchoolRole[] }

/** The member of staff making a request, in the school it acts in. */
export function staffOf(request: FastifyRequest): Staff {
  const school = schoolOf(request)
  return { actor: actingAs(request), schoolId: school.id, roles: school.roles }
}

/** A visit, as far as the rule for restricted notes needs to know it. */
export type VisitForNotes = { id: string; status: VisitStatus; staff: ReadonlyArray<{ userId: string }>; pupils: ReadonlyArray<{ id: string }> }

/**
 * R-CONF-1: THE rule for a pupil's restricted notes (medical, SEND, behaviour), on the pupil page,
 * in the API and on a visit's briefing (docs/decisions/0010). The DSL, deputy DSLs, the headteacher
 * and the associate head may always read them. Anyone else only through a visit: the visit is for
 * this pupil, they are going on it, and it is cleared to go (approved, or in progress) — so
 * drafting a visit with yourself on it shows nothing until an approver has approved it.
 */
export function mayReadRestrictedNotes(
  staff: { roles: readonly SchoolRole[]; actor?: { userId: string | null } },
  through?: { visit: VisitForNotes; pupilId: string },
): boolean {
  if (holdsAnyRole(staff.roles, restrictedNoteReaders)) return true
  if (!through || !staff.actor?.userId) return false
  const { visit, pupilId } = through
  const userId = staff.actor.userId
  return isClearedToGo(visit.status) && visit.staff.some((person) => person.userId === userId) && visit.pupils.some((pupil) => pupil.id === pupilId)
}
export const mayClearNoAppointments = (staff: Pick<Staff, 'roles'>) => holdsAnyRole(staff.roles, caseReviewers)

function requireRole(staff: Staff, roles: readonly SchoolRole[], message?: string): void {
  if (!holdsAnyRole(staff.roles, roles)) throw new ForbiddenError(message)
}

const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })
/** A moment's calendar date in the UK, as YYYY-MM-DD. */
export const ukToday = (at: Date) => londonDate.format(at)

// ---------------------------------------------------------------- reading

export async function requirePupil(pool: Pool, schoolId: string, pupilId: string): Promise<Pupil> {
  const pupil = await findPupil(pool, schoolId, pupilId)
  if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
  return pupil
}

export async function requireFamily(pool: Pool, schoolId: string, pupilId: string): Promise<Family> {
  const family = await familyForPupil(pool, schoolId, pupilId)
  if (!family) throw new NotFoundError('There is no pupil with that id in this school.')
  return family
}

export async function requireAdult(pool: Pool, schoolId: string, pupilId: string, contactId: string): Promise<FamilyAdult> {
  const adult = await findAdult(pool, schoolId, pupilId, contactId)
  if (!adult) throw new NotFoundError('There is no adult with that id in this pupil’s family.')
  return adult
}

/**
 * Reads a pupil's RESTRICTED notes and writes the view to the audit history in the same
 * transaction (R-CONF-1), after checking `mayReadRestrictedNotes`. The briefing passes its visit
 * (R-BRIEF-1): the staff going read the notes of its pupils once it is cleared to go.
 */
export async function readRestrictedNotes(
  pool: Pool,
  staff: Staff,
  pupilId: string,
  now: Date,
  options: { where?: string; visit?: VisitForNotes } = {},
): Promise<RestrictedNotes> {
  if (!mayReadRestrictedNotes(staff, options.visit ? { visit: options.visit, pupilId } : undefined)) {
    throw new ForbiddenError('Only the DSL, a deputy DSL, the headteacher or the associate headteacher can read these notes, and the staff going on an approved visit for this pupil.')
  }
  return inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const notes = await restrictedNotesForPupil(client, staff.schoolId, pupilId)
    if (!pupil || !notes) throw new NotFoundError('There is no pupil with that id in this school.')
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'pupil.restricted_viewed',
      subjectType: 'pupil',
      subjectId: pupilId,
      summary: `Viewed the medical, SEND and behaviour notes of ${pupil.name} (${options.where ?? 'pupil page'})`,
      change: options.visit ? { visitId: options.visit.id } : {},
    }, now)
    return notes
  })
}

// ---------------------------------------------------------------- pupils

async function checkPupil(
  client: pg.PoolClient,
  schoolId: string,
  details: { upn: string | null; firstName: string; lastName: string; dateOfBirth: string },
  now: Date,
  exceptId?: string,
) {
  const today = ukToday(now)
  const earliest = `${Number(today.slice(0, 4)) - 25}${today.slice(4)}`
  if (details.dateOfBirth >= today) throw new ValidationError([{ field: 'dateOfBirth', message: 'Date of birth must be in the past' }])
  if (details.dateOfBirth < earliest) throw new ValidationError([{ field: 'dateOfBirth', message: 'Date of birth must be within the last 25 years' }])
  const duplicate = await findDuplicatePupil(client, schoolId, details, exceptId)
  if (duplicate?.byUpn) throw new ValidationError([{ field: 'upn', message: `${duplicate.name} already has the UPN ${details.upn}` }])
  if (duplicate) throw new ValidationError([{ field: 'firstName', message: `${duplicate.name}, born on the same day, is already in Doorstep` }])
}

function checkRestrictedWrite(staff: Staff, notes: Partial<RestrictedNotes>): boolean {
  const given = notes.medicalNeeds !== undefined || notes.sendNeeds !== undefined || notes.behaviourNotes !== undefined
  if (given) requireRole(staff, restrictedNoteReaders, 'Only the DSL, a deputy DSL, the headteacher or the associate headteacher can record medical, SEND and behaviour notes.')
  return given
}

const restrictedChanged = (before: RestrictedNotes, after: Partial<RestrictedNotes>) =>
  (['medicalNeeds', 'sendNeeds', 'behaviourNotes'] as const).filter((key) => after[key] !== undefined && after[key] !== before[key])

const pupilSummary = (p: { firstName: string; lastName: string; dateOfBirth: string; yearGroup: string; upn: string | null; attendancePercent: number | null; attendanceAsOf: string | null }) => ({
  firstName: p.firstName,
  lastName: p.lastName,
  dateOfBirth: p.dateOfBirth,
  yearGroup: p.yearGroup,
  upn: p.upn,
  attendancePercent: p.attendancePercent,
  attendanceAsOf: p.attendanceAsOf,
})

/** Adds a pupil with their main address (shared with siblings already at the same address). */
export async function createPupil(pool: Pool, staff: Staff, details: NewPupil, now: Date): Promise<string> {
  requireRole(staff, familyRecordKeepers)
  const restricted = checkRestrictedWrite(staff, details)
  return inTransaction(pool, async (client) => {
    await checkPupil(client, staff.schoolId, details, now)
    const pupilId = await insertPupil(client, staff.schoolId, details, now)
    const address = { line1: details.line1, line2: details.line2, town: details.town, postcode: details.postcode }
    const addressId = (await findSameAddress(client, staff.schoolId, address)) ?? (await insertAddress(client, staff.schoolId, address, now))
    await setMainAddress(client, staff.schoolId, pupilId, addressId)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'pupil.created',
      subjectType: 'pupil',
      subjectId: pupilId,
      summary: `Added the pupil ${details.firstName} ${details.lastName} (${details.yearGroup})`,
      // Restricted notes are never copied into the history: it is readable by more people.
      change: { ...pupilSummary(details), address: { ...address, id: addressId }, restrictedNotesRecorded: restricted },
    }, now)
    return pupilId
  })
}

export async function updatePupilDetails(pool: Pool, staff: Staff, pupilId: string, details: PupilDetails, now: Date): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  checkRestrictedWrite(staff, details)
  await inTransaction(pool, async (client) => {
    const before = await findPupil(client, staff.schoolId, pupilId)
    const notes = await restrictedNotesForPupil(client, staff.schoolId, pupilId)
    if (!before || !notes) throw new NotFoundError('There is no pupil with that id in this school.')
    await checkPupil(client, staff.schoolId, details, now, pupilId)
    await updatePupil(client, staff.schoolId, pupilId, details, now)
    const changedNotes = restrictedChanged(notes, details)
    if (changedNotes.length > 0) {
      await updateRestrictedNotes(client, staff.schoolId, pupilId, { ...notes, ...definedNotes(details) }, now)
    }
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'pupil.updated',
      subjectType: 'pupil',
      subjectId: pupilId,
      summary: `Changed the details of ${details.firstName} ${details.lastName}${changedNotes.length ? ', including restricted notes' : ''}`,
      change: { before: pupilSummary(before), after: pupilSummary(details), restrictedNotesChanged: changedNotes },
    }, now)
  })
}

function definedNotes(notes: Partial<RestrictedNotes>): Partial<RestrictedNotes> {
  return Object.fromEntries(Object.entries(notes).filter(([key, value]) => ['medicalNeeds', 'sendNeeds', 'behaviourNotes'].includes(key) && value !== undefined))
}

/** Corrects the text of an address. Siblings sharing it see the correction too. */
export async function correctAddress(pool: Pool, staff: Staff, pupilId: string, addressId: string, details: AddressDetails, now: Date): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const before = pupil && (await findPupilAddress(client, staff.schoolId, pupilId, addressId))
    if (!pupil || !before) throw new NotFoundError('There is no such address for this pupil.')
    await updateAddress(client, staff.schoolId, addressId, details, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'address.corrected',
      subjectType: 'address',
      subjectId: addressId,
      summary: `Corrected the address of ${pupil.name} to ${oneLine(details)}`,
      change: { pupilId, before: addressFields(before), after: details },
    }, now)
  })
}

/** The pupil has moved: the new address becomes their main address. Hazards stay with the old one. */
export async function recordMove(pool: Pool, staff: Staff, pupilId: string, details: AddressDetails, now: Date): Promise<string> {
  requireRole(staff, familyRecordKeepers)
  return inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
    const before = await mainAddressOf(client, staff.schoolId, pupilId)
    const addressId = (await findSameAddress(client, staff.schoolId, details)) ?? (await insertAddress(client, staff.schoolId, details, now))
    await setMainAddress(client, staff.schoolId, pupilId, addressId)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'pupil.moved',
      subjectType: 'pupil',
      subjectId: pupilId,
      summary: `Recorded that ${pupil.name} now lives at ${oneLine(details)}`,
      change: { before: before ? addressFields(before) : null, after: { ...details, id: addressId } },
    }, now)
    return addressId
  })
}

export const oneLine = (a: { line1: string; line2: string; town: string; postcode: string }) => [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ')
const addressFields = (a: { id: string; line1: string; line2: string; town: string; postcode: string }) => ({ id: a.id, line1: a.line1, line2: a.line2, town: a.town, postcode: a.postcode })

// ---------------------------------------------------------------- adults (R-FAMILY-1)

const contactFields = (d: Omit<AdultDetails, 'relationship' | 'parentalResponsibility' | 'livesWithPupil'>) => ({
  title: d.title,
  firstName: d.firstName,
  lastName: d.lastName,
  phone: d.phone,
  email: d.email,
  language: d.language,
  interpreterNeeded: d.interpreterNeeded,
  literacyNeeds: d.literacyNeeds,
  culturalConsiderations: d.culturalConsiderations,
})
const linkFields = (d: Pick<AdultDetails, 'relationship' | 'parentalResponsibility' | 'livesWithPupil'>) => ({
  relationship: d.relationship,
  parentalResponsibility: d.parentalResponsibility,
  livesWithPupil: d.livesWithPupil,
})
const adultName = (d: { title: string; firstName: string; lastName: string }) => [d.title, d.firstName, d.lastName].filter(Boolean).join(' ')

export async function addAdult(pool: Pool, staff: Staff, pupilId: string, details: AdultDetails, now: Date): Promise<string> {
  requireRole(staff, familyRecordKeepers)
  return inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
    const contactId = await insertContact(client, staff.schoolId, details, now)
    await linkContact(client, staff.schoolId, pupilId, contactId, details)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'contact.added',
      subjectType: 'contact',
      subjectId: contactId,
      summary: `Added ${adultName(details)} (${details.relationship}) to the family of ${pupil.name}`,
      change: { pupilId, ...contactFields(details), ...linkFields(details) },
    }, now)
    return contactId
  })
}

/** Links an adult already recorded for a sibling at the same address, so they are recorded once. */
export async function linkExistingAdult(
  pool: Pool,
  staff: Staff,
  pupilId: string,
  contactId: string,
  link: Pick<AdultDetails, 'relationship' | 'parentalResponsibility' | 'livesWithPupil'>,
  now: Date,
): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
    const candidates = await adultsAtSameAddress(client, staff.schoolId, pupilId)
    const contact = candidates.find((c) => c.id === contactId) ?? undefined
    if (!contact) {
      if (await findContact(client, staff.schoolId, contactId)) throw new ValidationError([{ field: 'contactId', message: 'Choose an adult from the list' }])
      throw new NotFoundError('There is no adult with that id in this school.')
    }
    await linkContact(client, staff.schoolId, pupilId, contactId, link)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'contact.linked',
      subjectType: 'contact',
      subjectId: contactId,
      summary: `Added ${contact.name} (${link.relationship}) to the family of ${pupil.name}`,
      change: { pupilId, ...linkFields(link) },
    }, now)
  })
}

export async function updateAdult(pool: Pool, staff: Staff, pupilId: string, contactId: string, details: AdultDetails, now: Date): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const before = pupil && (await findAdult(client, staff.schoolId, pupilId, contactId))
    if (!pupil || !before) throw new NotFoundError('There is no adult with that id in this pupil’s family.')
    await updateContact(client, staff.schoolId, contactId, details, now)
    await linkContact(client, staff.schoolId, pupilId, contactId, details)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'contact.updated',
      subjectType: 'contact',
      subjectId: contactId,
      summary: `Changed the details of ${adultName(details)} in the family of ${pupil.name}`,
      change: {
        pupilId,
        before: { ...contactFields(before), ...linkFields(before) },
        after: { ...contactFields(details), ...linkFields(details) },
      },
    }, now)
  })
}

/** Takes an adult out of this pupil's family. Their record (and any flag) stays for siblings and history. */
export async function removeAdult(pool: Pool, staff: Staff, pupilId: string, contactId: string, now: Date): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const adult = pupil && (await findAdult(client, staff.schoolId, pupilId, contactId))
    if (!pupil || !adult) throw new NotFoundError('There is no adult with that id in this pupil’s family.')
    await unlinkContact(client, staff.schoolId, pupilId, contactId)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'contact.removed',
      subjectType: 'contact',
      subjectId: contactId,
      summary: `Removed ${adult.name} (${adult.relationship}) from the family of ${pupil.name}`,
      change: { pupilId, ...linkFields(adult) },
    }, now)
  })
}

// ---------------------------------------------------------------- no appointments (R-FAMILY-3)

/** After abusive or aggressive behaviour: no appointment with this adult until the case is reviewed. */
export async function setNoAppointmentsFlag(pool: Pool, staff: Staff, pupilId: string, contactId: string, reason: string, now: Date): Promise<void> {
  requireRole(staff, visitPlanners, 'Only staff who plan home visits can stop appointments with an adult.')
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const adult = pupil && (await findAdult(client, staff.schoolId, pupilId, contactId))
    if (!pupil || !adult) throw new NotFoundError('There is no adult with that id in this pupil’s family.')
    if (adult.noAppointments) throw new ConflictError(`Appointments with ${adult.name} are already stopped until the case is reviewed.`)
    await stopAppointmentsWith(client, staff, pupil, adult, reason, now)
  })
}

/**
 * R-FAMILY-3 inside the caller's transaction: stops appointments with an adult of the pupil's family and
 * writes the audit entry. Also used when an incident records abusive or threatening behaviour (features/concerns).
 */
export async function stopAppointmentsWith(
  client: pg.PoolClient,
  staff: Staff,
  pupil: Pick<Pupil, 'id' | 'name'>,
  adult: Pick<FamilyAdult, 'id' | 'name' | 'relationship'>,
  reason: string,
  now: Date,
  change: Record<string, unknown> = {},
): Promise<void> {
  await setNoAppointments(client, staff.schoolId, adult.id, staff.actor.userId, reason, now)
  await recordAudit(client, {
    schoolId: staff.schoolId,
    actor: staff.actor,
    action: 'contact.no_appointments_set',
    subjectType: 'contact',
    subjectId: adult.id,
    summary: `Stopped appointments with ${adult.name} (${adult.relationship} of ${pupil.name}) until the case is reviewed`,
    change: { pupilId: pupil.id, reason, ...change },
  }, now)
}

export const clearRefusal = 'Only the DSL, a deputy DSL or the headteacher can allow appointments again, after reviewing the case.'

export async function clearNoAppointmentsFlag(pool: Pool, staff: Staff, pupilId: string, contactId: string, reviewNote: string, now: Date): Promise<void> {
  requireRole(staff, caseReviewers, clearRefusal)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const adult = pupil && (await findAdult(client, staff.schoolId, pupilId, contactId))
    if (!pupil || !adult) throw new NotFoundError('There is no adult with that id in this pupil’s family.')
    if (!adult.noAppointments) throw new ConflictError(`Appointments with ${adult.name} are not stopped.`)
    await clearNoAppointments(client, staff.schoolId, contactId, staff.actor.userId, reviewNote, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'contact.no_appointments_cleared',
      subjectType: 'contact',
      subjectId: contactId,
      summary: `Reviewed the case and allowed appointments with ${adult.name} (${adult.relationship} of ${pupil.name}) again`,
      change: { pupilId, reviewNote, stoppedBecause: adult.noAppointmentsReason, stoppedAt: adult.noAppointmentsSetAt?.toISOString() ?? null },
    }, now)
  })
}

// ---------------------------------------------------------------- agencies (R-FAMILY-2)

export async function addAgency(pool: Pool, staff: Staff, pupilId: string, details: AgencyDetails, now: Date): Promise<string> {
  requireRole(staff, familyRecordKeepers)
  return inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
    if (details.isLeadPractitioner) await clearLeadPractitioner(client, staff.schoolId, pupilId)
    const agencyId = await insertAgency(client, staff.schoolId, pupilId, details, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'agency.added',
      subjectType: 'agency',
      subjectId: agencyId,
      summary: `Recorded that ${details.name} works with the family of ${pupil.name}${details.isLeadPractitioner ? ' as lead practitioner' : ''}`,
      change: { pupilId, ...details },
    }, now)
    return agencyId
  })
}

export async function updateAgencyDetails(pool: Pool, staff: Staff, pupilId: string, agencyId: string, details: AgencyDetails, now: Date): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const before = pupil && (await findAgency(client, staff.schoolId, pupilId, agencyId))
    if (!pupil || !before) throw new NotFoundError('There is no agency with that id for this pupil.')
    if (details.isLeadPractitioner) await clearLeadPractitioner(client, staff.schoolId, pupilId, agencyId)
    await updateAgency(client, staff.schoolId, agencyId, details, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'agency.updated',
      subjectType: 'agency',
      subjectId: agencyId,
      summary: `Changed the details of ${details.name} for ${pupil.name}`,
      change: { pupilId, before, after: details },
    }, now)
  })
}

export async function removeAgency(pool: Pool, staff: Staff, pupilId: string, agencyId: string, now: Date): Promise<void> {
  requireRole(staff, familyRecordKeepers)
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const agency = pupil && (await findAgency(client, staff.schoolId, pupilId, agencyId))
    if (!pupil || !agency) throw new NotFoundError('There is no agency with that id for this pupil.')
    await deleteAgency(client, staff.schoolId, agencyId)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'agency.removed',
      subjectType: 'agency',
      subjectId: agencyId,
      summary: `Recorded that ${agency.name} no longer works with the family of ${pupil.name}`,
      change: { pupilId, agency },
    }, now)
  })
}

// ---------------------------------------------------------------- hazards (R-FAMILY-4)

/**
 * Records a hazard at an address inside the caller's transaction, with its audit entry. The
 * visits feature can call this from its own transaction (e.g. a visit record that reveals a dog).
 * The row's recorded_at = `now` is what re-opens an open risk assessment (R-RISK-2).
 */
export async function recordHazard(client: pg.PoolClient, staff: Staff, addressId: string, details: HazardDetails, now: Date): Promise<string> {
  requireRole(staff, visitPlanners, 'Only staff who plan home visits can record hazards.')
  const { rows } = await client.query<{ line1: string; line2: string; town: string; postcode: string }>(
    'SELECT line1, line2, town, postcode FROM addresses WHERE school_id = $1 AND id = $2',
    [staff.schoolId, addressId],
  )
  const address = rows[0]
  if (!address) throw new NotFoundError('There is no address with that id in this school.')
  const hazardId = await insertHazard(client, staff.schoolId, addressId, details, staff.actor.userId, now)
  const pupils = await pupilsAtAddress(client, staff.schoolId, addressId)
  await recordAudit(client, {
    schoolId: staff.schoolId,
    actor: staff.actor,
    action: 'hazard.added',
    subjectType: 'address',
    subjectId: addressId,
    summary: `Recorded a hazard (${hazardKindLabels[details.kind].toLowerCase()}) at ${oneLine(address)}`,
    change: { hazardId, ...details, pupils: pupils.map((p) => p.id) },
  }, now)
  // R-RISK-2: a new risk re-opens the completed risk assessments of upcoming visits to this address.
  await reopenRiskAssessmentsForAddress(
    client,
    staff.schoolId,
    addressId,
    `A new hazard was recorded at the address: ${hazardKindLabels[details.kind].toLowerCase()}, ${details.description}`,
    staff.actor,
    now,
  )
  return hazardId
}

/** Adds a hazard to an address in one transaction. See `recordHazard`. */
export async function addHazard(pool: Pool, staff: Staff, addressId: string, details: HazardDetails, now: Date): Promise<string> {
  requireRole(staff, visitPlanners, 'Only staff who plan home visits can record hazards.')
  return inTransaction(pool, (client) => recordHazard(client, staff, addressId, details, now))
}

export async function removeHazardFromAddress(pool: Pool, staff: Staff, addressId: string, hazardId: string, now: Date): Promise<void> {
  requireRole(staff, visitPlanners, 'Only staff who plan home visits can remove hazards.')
  await inTransaction(pool, async (client) => {
    const hazard = await findHazard(client, staff.schoolId, addressId, hazardId)
    if (!hazard) throw new NotFoundError('There is no hazard with that id at this address.')
    if (hazard.removedAt) throw new ConflictError('This hazard has already been removed.')
    await removeHazard(client, staff.schoolId, hazardId, staff.actor.userId, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'hazard.removed',
      subjectType: 'address',
      subjectId: addressId,
      summary: `Removed a hazard (${hazardKindLabels[hazard.kind].toLowerCase()}) from an address: ${hazard.description.slice(0, 80)}`,
      change: { hazardId, kind: hazard.kind, description: hazard.description },
    }, now)
  })
}

// ---------------------------------------------------------------- declines (R-NOTICE-2)

export async function recordDecline(pool: Pool, staff: Staff, pupilId: string, details: DeclineDetails, now: Date): Promise<string> {
  requireRole(staff, visitPlanners, 'Only staff who plan home visits can record that a family declined visits.')
  if (details.declinedOn > ukToday(now)) throw new ValidationError([{ field: 'declinedOn', message: 'The date they declined must be today or in the past' }])
  return inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
    await client.query('SELECT 1 FROM pupils WHERE id = $1 FOR UPDATE', [pupilId])
    const { rows } = await client.query('SELECT 1 FROM visit_declines WHERE school_id = $1 AND pupil_id = $2 AND withdrawn_at IS NULL', [staff.schoolId, pupilId])
    if (rows.length > 0) throw new ConflictError(`A decline is already recorded for ${pupil.name}. Withdraw it first if the family has changed their mind.`)
    const declineId = await insertDecline(client, staff.schoolId, pupilId, details, staff.actor.userId, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'decline.recorded',
      subjectType: 'visit_decline',
      subjectId: declineId,
      summary: `Recorded that the family of ${pupil.name} declined home visits on ${details.declinedOn}`,
      change: { pupilId, ...details },
    }, now)
    return declineId
  })
}

/** The family has changed their mind: the decline stops being shown; the record stays. */
export async function withdrawDeclineOf(pool: Pool, staff: Staff, pupilId: string, declineId: string, now: Date): Promise<void> {
  requireRole(staff, visitPlanners, 'Only staff who plan home visits can withdraw a decline.')
  await inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    const decline = pupil && (await findDecline(client, staff.schoolId, pupilId, declineId))
    if (!pupil || !decline) throw new NotFoundError('There is no such decline for this pupil.')
    if (decline.withdrawnAt) throw new ConflictError('This decline has already been withdrawn.')
    await withdrawDecline(client, staff.schoolId, declineId, staff.actor.userId, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'decline.withdrawn',
      subjectType: 'visit_decline',
      subjectId: declineId,
      summary: `Recorded that the family of ${pupil.name} no longer declines home visits`,
      change: { pupilId, declinedOn: decline.declinedOn },
    }, now)
  })
}
