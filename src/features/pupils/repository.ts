import type { Db } from '../../db/pool.ts'
import type { AddressDetails, AdultDetails, AgencyDetails, HazardDetails, HazardKind } from './schema.ts'

/**
 * Pupils and their families. Every function takes the school first and every query is scoped
 * by it: another school's id simply finds nothing.
 *
 * For the visits feature: `familyForPupil`, `hazardsForAddress`, `latestHazardAt` and
 * `activeDecline` are the read side. Restricted notes (medical, SEND, behaviour) are NOT part
 * of `familyForPupil`; read them with `readRestrictedNotes` in service.ts, which audits the view.
 */

export type Pupil = {
  id: string
  schoolId: string
  firstName: string
  lastName: string
  /** "First Last" */
  name: string
  dateOfBirth: string
  yearGroup: string
  upn: string | null
  attendancePercent: number | null
  attendanceAsOf: string | null
  createdAt: Date
  updatedAt: Date
}

/** RESTRICTED (R-CONF-1): only through service.readRestrictedNotes, which audits the view. */
export type RestrictedNotes = { medicalNeeds: string; sendNeeds: string; behaviourNotes: string }

export type Address = { id: string; line1: string; line2: string; town: string; postcode: string; isMain: boolean }

export type Contact = {
  id: string
  title: string
  firstName: string
  lastName: string
  /** Their own name with their title: "Mrs Agnieszka Nowak". Never the child's surname by default. */
  name: string
  phone: string
  email: string
  language: string
  interpreterNeeded: boolean
  literacyNeeds: string
  culturalConsiderations: string
  /** R-FAMILY-3: no appointment may be made with this person until the case is reviewed. */
  noAppointments: boolean
  noAppointmentsReason: string
  noAppointmentsSetBy: string | null
  noAppointmentsSetByName: string | null
  noAppointmentsSetAt: Date | null
  noAppointmentsClearedBy: string | null
  noAppointmentsClearedByName: string | null
  noAppointmentsClearedAt: Date | null
  noAppointmentsReviewNote: string
}

/** An adult as linked to one pupil. */
export type FamilyAdult = Contact & { relationship: string; parentalResponsibility: boolean; livesWithPupil: boolean }

export type Agency = {
  id: string
  pupilId: string
  name: string
  roleOrService: string
  contactName: string
  phone: string
  email: string
  isLeadPractitioner: boolean
}

export type Hazard = {
  id: string
  addressId: string
  kind: HazardKind
  description: string
  /** Animals only: has the family agreed to keep them in another room or outside? null = not asked. */
  animalsWillBeShutAway: boolean | null
  recordedBy: string | null
  recordedByName: string | null
  recordedAt: Date
  removedAt: Date | null
  removedBy: string | null
}

export type Decline = {
  id: string
  pupilId: string
  declinedOn: string
  reason: string
  recordedBy: string | null
  recordedByName: string | null
  recordedAt: Date
  withdrawnAt: Date | null
  withdrawnBy: string | null
  withdrawnByName: string | null
}

export type Family = {
  pupil: Pupil
  mainAddress: Address | null
  adults: FamilyAdult[]
  agencies: Agency[]
  /** Hazards in force at the main address (removed ones left out). */
  hazards: Hazard[]
  /** Every decline, newest first; `activeDecline` is the one in force, if any. */
  declines: Decline[]
  activeDecline: Decline | null
}

const pupilColumns = `p.id, p.school_id AS "schoolId", p.first_name AS "firstName", p.last_name AS "lastName",
  p.first_name || ' ' || p.last_name AS name, p.date_of_birth AS "dateOfBirth", p.year_group AS "yearGroup", p.upn,
  p.attendance_percent::float8 AS "attendancePercent", p.attendance_as_of AS "attendanceAsOf",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`

const addressColumns = `a.id, a.line1, a.line2, a.town, a.postcode`

const contactColumns = `c.id, c.title, c.first_name AS "firstName", c.last_name AS "lastName",
  concat_ws(' ', nullif(c.title, ''), c.first_name, c.last_name) AS name,
  c.phone, c.email, c.language, c.interpreter_needed AS "interpreterNeeded", c.literacy_needs AS "literacyNeeds",
  c.cultural_considerations AS "culturalConsiderations", c.no_appointments AS "noAppointments",
  c.no_appointments_reason AS "noAppointmentsReason", c.no_appointments_set_by AS "noAppointmentsSetBy",
  setter.name AS "noAppointmentsSetByName", c.no_appointments_set_at AS "noAppointmentsSetAt",
  c.no_appointments_cleared_by AS "noAppointmentsClearedBy", clearer.name AS "noAppointmentsClearedByName",
  c.no_appointments_cleared_at AS "noAppointmentsClearedAt", c.no_appointments_review_note AS "noAppointmentsReviewNote"`
const contactJoins = `LEFT JOIN users setter ON setter.id = c.no_appointments_set_by
  LEFT JOIN users clearer ON clearer.id = c.no_appointments_cleared_by`

const agencyColumns = `g.id, g.pupil_id AS "pupilId", g.name, g.role_or_service AS "roleOrService", g.contact_name AS "contactName",
  g.phone, g.email, g.is_lead_practitioner AS "isLeadPractitioner"`

const hazardColumns = `h.id, h.address_id AS "addressId", h.kind, h.description, h.animals_will_be_shut_away AS "animalsWillBeShutAway",
  h.recorded_by AS "recordedBy", recorder.name AS "recordedByName", h.recorded_at AS "recordedAt",
  h.removed_at AS "removedAt", h.removed_by AS "removedBy"`

const declineColumns = `d.id, d.pupil_id AS "pupilId", d.declined_on AS "declinedOn", d.reason, d.recorded_by AS "recordedBy",
  recorder.name AS "recordedByName", d.recorded_at AS "recordedAt", d.withdrawn_at AS "withdrawnAt",
  d.withdrawn_by AS "withdrawnBy", withdrawer.name AS "withdrawnByName"`

// ---------------------------------------------------------------- reading

export type PupilListRow = Pupil & {
  postcode: string | null
  declined: boolean
  adultsWithNoAppointments: number
  hazardCount: number
}

/** A page of a school's pupils, by surname, matching `q` against pupils' and adults' names. */
export async function listPupils(
  db: Db,
  schoolId: string,
  filter: { q?: string; limit: number; offset: number },
): Promise<{ rows: PupilListRow[]; total: number }> {
  const params: unknown[] = [schoolId]
  let where = 'p.school_id = $1'
  const words = (filter.q ?? '').split(/\s+/).filter(Boolean)
  for (const word of words) {
    params.push(`%${word.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)
    const n = params.length
    where += ` AND (p.first_name ILIKE $${n} OR p.last_name ILIKE $${n} OR p.upn ILIKE $${n} OR EXISTS (
      SELECT 1 FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id
       WHERE pc.school_id = $1 AND pc.pupil_id = p.id AND (c.first_name ILIKE $${n} OR c.last_name ILIKE $${n})))`
  }
  const total = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM pupils p WHERE ${where}`, params)
  const { rows } = await db.query<PupilListRow>(
    `SELECT ${pupilColumns}, a.postcode,
            EXISTS (SELECT 1 FROM visit_declines d WHERE d.school_id = $1 AND d.pupil_id = p.id AND d.withdrawn_at IS NULL) AS declined,
            (SELECT count(*)::int FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id
              WHERE pc.school_id = $1 AND pc.pupil_id = p.id AND c.no_appointments) AS "adultsWithNoAppointments",
            (SELECT count(*)::int FROM address_hazards h
              WHERE h.school_id = $1 AND h.address_id = a.id AND h.removed_at IS NULL) AS "hazardCount"
       FROM pupils p
       LEFT JOIN pupil_addresses pa ON pa.pupil_id = p.id AND pa.school_id = $1 AND pa.is_main
       LEFT JOIN addresses a ON a.id = pa.address_id AND a.school_id = $1
      WHERE ${where}
      ORDER BY lower(p.last_name), lower(p.first_name), p.date_of_birth, p.id
      LIMIT ${Number(filter.limit)} OFFSET ${Number(filter.offset)}`,
    params,
  )
  return { rows, total: total.rows[0]?.count ?? 0 }
}

export async function findPupil(db: Db, schoolId: string, pupilId: string): Promise<Pupil | undefined> {
  const { rows } = await db.query<Pupil>(`SELECT ${pupilColumns} FROM pupils p WHERE p.school_id = $1 AND p.id = $2`, [schoolId, pupilId])
  return rows[0]
}

/** RESTRICTED notes, unaudited. Pages and briefings read them through service.readRestrictedNotes. */
export async function restrictedNotesForPupil(db: Db, schoolId: string, pupilId: string): Promise<RestrictedNotes | undefined> {
  const { rows } = await db.query<RestrictedNotes>(
    `SELECT medical_needs AS "medicalNeeds", send_needs AS "sendNeeds", behaviour_notes AS "behaviourNotes"
       FROM pupils WHERE school_id = $1 AND id = $2`,
    [schoolId, pupilId],
  )
  return rows[0]
}

export async function mainAddressOf(db: Db, schoolId: string, pupilId: string): Promise<Address | null> {
  const { rows } = await db.query<Address>(
    `SELECT ${addressColumns}, pa.is_main AS "isMain" FROM pupil_addresses pa JOIN addresses a ON a.id = pa.address_id AND a.school_id = $1
      WHERE pa.school_id = $1 AND pa.pupil_id = $2 AND pa.is_main`,
    [schoolId, pupilId],
  )
  return rows[0] ?? null
}

/** An address the pupil lives or lived at (main or not); undefined otherwise. */
export async function findPupilAddress(db: Db, schoolId: string, pupilId: string, addressId: string): Promise<Address | undefined> {
  const { rows } = await db.query<Address>(
    `SELECT ${addressColumns}, pa.is_main AS "isMain" FROM pupil_addresses pa JOIN addresses a ON a.id = pa.address_id AND a.school_id = $1
      WHERE pa.school_id = $1 AND pa.pupil_id = $2 AND pa.address_id = $3`,
    [schoolId, pupilId, addressId],
  )
  return rows[0]
}

/** Pupils living at an address (main address), for messages like "also shown for Ruby". */
export async function pupilsAtAddress(db: Db, schoolId: string, addressId: string): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT p.id, p.first_name || ' ' || p.last_name AS name FROM pupil_addresses pa JOIN pupils p ON p.id = pa.pupil_id AND p.school_id = $1
      WHERE pa.school_id = $1 AND pa.address_id = $2 AND pa.is_main ORDER BY p.date_of_birth`,
    [schoolId, addressId],
  )
  return rows
}

export async function adultsOfPupil(db: Db, schoolId: string, pupilId: string): Promise<FamilyAdult[]> {
  const { rows } = await db.query<FamilyAdult>(
    `SELECT ${contactColumns}, pc.relationship, pc.parental_responsibility AS "parentalResponsibility", pc.lives_with_pupil AS "livesWithPupil"
       FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id AND c.school_id = $1 ${contactJoins}
      WHERE pc.school_id = $1 AND pc.pupil_id = $2
      ORDER BY pc.parental_responsibility DESC, pc.lives_with_pupil DESC, lower(c.last_name), lower(c.first_name)`,
    [schoolId, pupilId],
  )
  return rows
}

/** An adult linked to this pupil; undefined for anyone else (including another school's adults). */
export async function findAdult(db: Db, schoolId: string, pupilId: string, contactId: string): Promise<FamilyAdult | undefined> {
  const { rows } = await db.query<FamilyAdult>(
    `SELECT ${contactColumns}, pc.relationship, pc.parental_responsibility AS "parentalResponsibility", pc.lives_with_pupil AS "livesWithPupil"
       FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id AND c.school_id = $1 ${contactJoins}
      WHERE pc.school_id = $1 AND pc.pupil_id = $2 AND pc.contact_id = $3`,
    [schoolId, pupilId, contactId],
  )
  return rows[0]
}

/** One adult of the school, whoever they are linked to. */
export async function findContact(db: Db, schoolId: string, contactId: string): Promise<Contact | undefined> {
  const { rows } = await db.query<Contact>(`SELECT ${contactColumns} FROM contacts c ${contactJoins} WHERE c.school_id = $1 AND c.id = $2`, [
    schoolId,
    contactId,
  ])
  return rows[0]
}

/**
 * Adults linked to other pupils who share this pupil's main address (siblings), not yet linked
 * to this pupil: offered when adding an adult, so a parent is recorded once.
 */
export async function adultsAtSameAddress(db: Db, schoolId: string, pupilId: string): Promise<Contact[]> {
  const { rows } = await db.query<Contact>(
    `SELECT DISTINCT ON (c.id) ${contactColumns}
       FROM pupil_addresses mine
       JOIN pupil_addresses theirs ON theirs.school_id = $1 AND theirs.address_id = mine.address_id AND theirs.is_main AND theirs.pupil_id <> $2
       JOIN pupil_contacts pc ON pc.school_id = $1 AND pc.pupil_id = theirs.pupil_id
       JOIN contacts c ON c.id = pc.contact_id AND c.school_id = $1 ${contactJoins}
      WHERE mine.school_id = $1 AND mine.pupil_id = $2 AND mine.is_main
        AND NOT EXISTS (SELECT 1 FROM pupil_contacts own WHERE own.pupil_id = $2 AND own.contact_id = c.id)
      ORDER BY c.id`,
    [schoolId, pupilId],
  )
  return rows
}

export async function agenciesOfPupil(db: Db, schoolId: string, pupilId: string): Promise<Agency[]> {
  const { rows } = await db.query<Agency>(
    `SELECT ${agencyColumns} FROM agencies g WHERE g.school_id = $1 AND g.pupil_id = $2 ORDER BY g.is_lead_practitioner DESC, lower(g.name)`,
    [schoolId, pupilId],
  )
  return rows
}

export async function findAgency(db: Db, schoolId: string, pupilId: string, agencyId: string): Promise<Agency | undefined> {
  const { rows } = await db.query<Agency>(`SELECT ${agencyColumns} FROM agencies g WHERE g.school_id = $1 AND g.pupil_id = $2 AND g.id = $3`, [
    schoolId,
    pupilId,
    agencyId,
  ])
  return rows[0]
}

/**
 * Hazards recorded at an address, oldest first; removed ones only with `includeRemoved`.
 * For the visits feature (R-RISK-2): a hazard whose `recordedAt` is later than a risk assessment's
 * completion is a new risk, so the assessment re-opens. See also `latestHazardAt`.
 */
export async function hazardsForAddress(
  db: Db,
  schoolId: string,
  addressId: string,
  options: { includeRemoved?: boolean } = {},
): Promise<Hazard[]> {
  const { rows } = await db.query<Hazard>(
    `SELECT ${hazardColumns} FROM address_hazards h LEFT JOIN users recorder ON recorder.id = h.recorded_by
      WHERE h.school_id = $1 AND h.address_id = $2 ${options.includeRemoved ? '' : 'AND h.removed_at IS NULL'}
      ORDER BY h.recorded_at, h.id`,
    [schoolId, addressId],
  )
  return rows
}

/** When the newest hazard still in force at an address was recorded (null: none). */
export async function latestHazardAt(db: Db, schoolId: string, addressId: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(
    'SELECT max(recorded_at) AS at FROM address_hazards WHERE school_id = $1 AND address_id = $2 AND removed_at IS NULL',
    [schoolId, addressId],
  )
  return rows[0]?.at ?? null
}

export async function findHazard(db: Db, schoolId: string, addressId: string, hazardId: string): Promise<Hazard | undefined> {
  const { rows } = await db.query<Hazard>(
    `SELECT ${hazardColumns} FROM address_hazards h LEFT JOIN users recorder ON recorder.id = h.recorded_by
      WHERE h.school_id = $1 AND h.address_id = $2 AND h.id = $3`,
    [schoolId, addressId, hazardId],
  )
  return rows[0]
}

export async function declinesOfPupil(db: Db, schoolId: string, pupilId: string): Promise<Decline[]> {
  const { rows } = await db.query<Decline>(
    `SELECT ${declineColumns} FROM visit_declines d
       LEFT JOIN users recorder ON recorder.id = d.recorded_by LEFT JOIN users withdrawer ON withdrawer.id = d.withdrawn_by
      WHERE d.school_id = $1 AND d.pupil_id = $2 ORDER BY d.recorded_at DESC, d.id`,
    [schoolId, pupilId],
  )
  return rows
}

/** R-NOTICE-2: the family's decline of home visits in force, if any. Show it before planning a visit. */
export async function activeDecline(db: Db, schoolId: string, pupilId: string): Promise<Decline | null> {
  const { rows } = await db.query<Decline>(
    `SELECT ${declineColumns} FROM visit_declines d
       LEFT JOIN users recorder ON recorder.id = d.recorded_by LEFT JOIN users withdrawer ON withdrawer.id = d.withdrawn_by
      WHERE d.school_id = $1 AND d.pupil_id = $2 AND d.withdrawn_at IS NULL`,
    [schoolId, pupilId],
  )
  return rows[0] ?? null
}

export async function findDecline(db: Db, schoolId: string, pupilId: string, declineId: string): Promise<Decline | undefined> {
  const { rows } = await db.query<Decline>(
    `SELECT ${declineColumns} FROM visit_declines d
       LEFT JOIN users recorder ON recorder.id = d.recorded_by LEFT JOIN users withdrawer ON withdrawer.id = d.withdrawn_by
      WHERE d.school_id = $1 AND d.pupil_id = $2 AND d.id = $3`,
    [schoolId, pupilId, declineId],
  )
  return rows[0]
}

/**
 * Everything known about a pupil's family, for the pupil page, visit planning (R-FAMILY-1..4,
 * R-NOTICE-2) and the run list (R-LIST-1). Restricted notes are not included.
 */
export async function familyForPupil(db: Db, schoolId: string, pupilId: string): Promise<Family | undefined> {
  const pupil = await findPupil(db, schoolId, pupilId)
  if (!pupil) return undefined
  const [mainAddress, adults, agencies, declines] = await Promise.all([
    mainAddressOf(db, schoolId, pupilId),
    adultsOfPupil(db, schoolId, pupilId),
    agenciesOfPupil(db, schoolId, pupilId),
    declinesOfPupil(db, schoolId, pupilId),
  ])
  const hazards = mainAddress ? await hazardsForAddress(db, schoolId, mainAddress.id) : []
  return { pupil, mainAddress, adults, agencies, hazards, declines, activeDecline: declines.find((d) => !d.withdrawnAt) ?? null }
}

// ---------------------------------------------------------------- writing (callers hold the transaction)

export type PupilRow = {
  firstName: string
  lastName: string
  dateOfBirth: string
  yearGroup: string
  upn: string | null
  attendancePercent: number | null
  attendanceAsOf: string | null
}

export async function insertPupil(db: Db, schoolId: string, pupil: PupilRow & Partial<RestrictedNotes>, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO pupils (school_id, first_name, last_name, date_of_birth, year_group, upn, attendance_percent, attendance_as_of,
                         medical_needs, send_needs, behaviour_notes, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
    [
      schoolId,
      pupil.firstName,
      pupil.lastName,
      pupil.dateOfBirth,
      pupil.yearGroup,
      pupil.upn,
      pupil.attendancePercent,
      pupil.attendanceAsOf,
      pupil.medicalNeeds ?? '',
      pupil.sendNeeds ?? '',
      pupil.behaviourNotes ?? '',
      now,
    ],
  )
  return rows[0]!.id
}

export async function updatePupil(db: Db, schoolId: string, pupilId: string, pupil: PupilRow, now: Date): Promise<void> {
  await db.query(
    `UPDATE pupils SET first_name = $3, last_name = $4, date_of_birth = $5, year_group = $6, upn = $7, attendance_percent = $8,
                       attendance_as_of = $9, updated_at = $10
      WHERE school_id = $1 AND id = $2`,
    [schoolId, pupilId, pupil.firstName, pupil.lastName, pupil.dateOfBirth, pupil.yearGroup, pupil.upn, pupil.attendancePercent, pupil.attendanceAsOf, now],
  )
}

export async function updateRestrictedNotes(db: Db, schoolId: string, pupilId: string, notes: RestrictedNotes, now: Date): Promise<void> {
  await db.query(
    'UPDATE pupils SET medical_needs = $3, send_needs = $4, behaviour_notes = $5, updated_at = $6 WHERE school_id = $1 AND id = $2',
    [schoolId, pupilId, notes.medicalNeeds, notes.sendNeeds, notes.behaviourNotes, now],
  )
}

/** Pupils already in the school with this UPN, or this name and date of birth (to refuse duplicates). */
export async function findDuplicatePupil(
  db: Db,
  schoolId: string,
  pupil: { upn: string | null; firstName: string; lastName: string; dateOfBirth: string },
  exceptId?: string,
): Promise<{ id: string; name: string; byUpn: boolean } | undefined> {
  const { rows } = await db.query<{ id: string; name: string; byUpn: boolean }>(
    `SELECT id, first_name || ' ' || last_name AS name, ($2::text IS NOT NULL AND upper(upn) = upper($2)) AS "byUpn"
       FROM pupils
      WHERE school_id = $1 AND id IS DISTINCT FROM $6::uuid
        AND (($2::text IS NOT NULL AND upper(upn) = upper($2))
             OR (lower(first_name) = lower($3) AND lower(last_name) = lower($4) AND date_of_birth = $5::date))
      ORDER BY 3 DESC LIMIT 1`,
    [schoolId, pupil.upn, pupil.firstName, pupil.lastName, pupil.dateOfBirth, exceptId ?? null],
  )
  return rows[0]
}

/** Every UPN and name + date of birth in the school, for checking an import in one query. */
export async function pupilKeys(db: Db, schoolId: string): Promise<{ upns: Set<string>; namesAndBirthdays: Set<string> }> {
  const { rows } = await db.query<{ upn: string | null; key: string }>(
    `SELECT upper(upn) AS upn, lower(first_name) || '|' || lower(last_name) || '|' || date_of_birth::text AS key FROM pupils WHERE school_id = $1`,
    [schoolId],
  )
  return {
    upns: new Set(rows.flatMap((row) => (row.upn ? [row.upn] : []))),
    namesAndBirthdays: new Set(rows.map((row) => row.key)),
  }
}

/** The school's address with this first line and postcode, if it has one (siblings share it). */
export async function findSameAddress(db: Db, schoolId: string, address: AddressDetails): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM addresses WHERE school_id = $1 AND postcode = $2 AND lower(regexp_replace(line1, '\\s+', ' ', 'g')) = lower($3)
      ORDER BY created_at LIMIT 1`,
    [schoolId, address.postcode, address.line1.replace(/\s+/g, ' ')],
  )
  return rows[0]?.id
}

export async function insertAddress(db: Db, schoolId: string, address: AddressDetails, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO addresses (school_id, line1, line2, town, postcode, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
    [schoolId, address.line1, address.line2, address.town, address.postcode, now],
  )
  return rows[0]!.id
}

export async function updateAddress(db: Db, schoolId: string, addressId: string, address: AddressDetails, now: Date): Promise<void> {
  await db.query('UPDATE addresses SET line1 = $3, line2 = $4, town = $5, postcode = $6, updated_at = $7 WHERE school_id = $1 AND id = $2', [
    schoolId,
    addressId,
    address.line1,
    address.line2,
    address.town,
    address.postcode,
    now,
  ])
}

/** Makes `addressId` the pupil's main address; a previous main address stays linked, not main. */
export async function setMainAddress(db: Db, schoolId: string, pupilId: string, addressId: string): Promise<void> {
  await db.query('UPDATE pupil_addresses SET is_main = false WHERE school_id = $1 AND pupil_id = $2 AND is_main', [schoolId, pupilId])
  await db.query(
    `INSERT INTO pupil_addresses (school_id, pupil_id, address_id, is_main) VALUES ($1, $2, $3, true)
     ON CONFLICT (pupil_id, address_id) DO UPDATE SET is_main = true`,
    [schoolId, pupilId, addressId],
  )
}

type ContactRow = Omit<AdultDetails, 'relationship' | 'parentalResponsibility' | 'livesWithPupil'>
type LinkRow = Pick<AdultDetails, 'relationship' | 'parentalResponsibility' | 'livesWithPupil'>

export async function insertContact(db: Db, schoolId: string, contact: ContactRow, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO contacts (school_id, title, first_name, last_name, phone, email, language, interpreter_needed, literacy_needs,
                           cultural_considerations, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
    [
      schoolId,
      contact.title,
      contact.firstName,
      contact.lastName,
      contact.phone,
      contact.email,
      contact.language,
      contact.interpreterNeeded,
      contact.literacyNeeds,
      contact.culturalConsiderations,
      now,
    ],
  )
  return rows[0]!.id
}

export async function updateContact(db: Db, schoolId: string, contactId: string, contact: ContactRow, now: Date): Promise<void> {
  await db.query(
    `UPDATE contacts SET title = $3, first_name = $4, last_name = $5, phone = $6, email = $7, language = $8, interpreter_needed = $9,
                         literacy_needs = $10, cultural_considerations = $11, updated_at = $12
      WHERE school_id = $1 AND id = $2`,
    [
      schoolId,
      contactId,
      contact.title,
      contact.firstName,
      contact.lastName,
      contact.phone,
      contact.email,
      contact.language,
      contact.interpreterNeeded,
      contact.literacyNeeds,
      contact.culturalConsiderations,
      now,
    ],
  )
}

export async function linkContact(db: Db, schoolId: string, pupilId: string, contactId: string, link: LinkRow): Promise<void> {
  await db.query(
    `INSERT INTO pupil_contacts (school_id, pupil_id, contact_id, relationship, parental_responsibility, lives_with_pupil)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (pupil_id, contact_id) DO UPDATE SET relationship = $4, parental_responsibility = $5, lives_with_pupil = $6`,
    [schoolId, pupilId, contactId, link.relationship, link.parentalResponsibility, link.livesWithPupil],
  )
}

export async function unlinkContact(db: Db, schoolId: string, pupilId: string, contactId: string): Promise<void> {
  await db.query('DELETE FROM pupil_contacts WHERE school_id = $1 AND pupil_id = $2 AND contact_id = $3', [schoolId, pupilId, contactId])
}

export async function setNoAppointments(db: Db, schoolId: string, contactId: string, by: string | null, reason: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE contacts SET no_appointments = true, no_appointments_reason = $3, no_appointments_set_by = $4, no_appointments_set_at = $5,
                         no_appointments_cleared_by = NULL, no_appointments_cleared_at = NULL, no_appointments_review_note = '',
                         updated_at = $5
      WHERE school_id = $1 AND id = $2`,
    [schoolId, contactId, reason, by, now],
  )
}

export async function clearNoAppointments(db: Db, schoolId: string, contactId: string, by: string | null, reviewNote: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE contacts SET no_appointments = false, no_appointments_cleared_by = $3, no_appointments_cleared_at = $4,
                         no_appointments_review_note = $5, updated_at = $4
      WHERE school_id = $1 AND id = $2`,
    [schoolId, contactId, by, now, reviewNote],
  )
}

export async function insertAgency(db: Db, schoolId: string, pupilId: string, agency: AgencyDetails, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO agencies (school_id, pupil_id, name, role_or_service, contact_name, phone, email, is_lead_practitioner, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [schoolId, pupilId, agency.name, agency.roleOrService, agency.contactName, agency.phone, agency.email, agency.isLeadPractitioner, now],
  )
  return rows[0]!.id
}

export async function updateAgency(db: Db, schoolId: string, agencyId: string, agency: AgencyDetails, now: Date): Promise<void> {
  await db.query(
    `UPDATE agencies SET name = $3, role_or_service = $4, contact_name = $5, phone = $6, email = $7, is_lead_practitioner = $8, updated_at = $9
      WHERE school_id = $1 AND id = $2`,
    [schoolId, agencyId, agency.name, agency.roleOrService, agency.contactName, agency.phone, agency.email, agency.isLeadPractitioner, now],
  )
}

/** A pupil has at most one lead practitioner: naming a new one stands the others down. */
export async function clearLeadPractitioner(db: Db, schoolId: string, pupilId: string, exceptAgencyId?: string): Promise<void> {
  await db.query(
    'UPDATE agencies SET is_lead_practitioner = false WHERE school_id = $1 AND pupil_id = $2 AND is_lead_practitioner AND id IS DISTINCT FROM $3::uuid',
    [schoolId, pupilId, exceptAgencyId ?? null],
  )
}

export async function deleteAgency(db: Db, schoolId: string, agencyId: string): Promise<void> {
  await db.query('DELETE FROM agencies WHERE school_id = $1 AND id = $2', [schoolId, agencyId])
}

export async function insertHazard(db: Db, schoolId: string, addressId: string, hazard: HazardDetails, by: string | null, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO address_hazards (school_id, address_id, kind, description, animals_will_be_shut_away, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [schoolId, addressId, hazard.kind, hazard.description, hazard.animalsWillBeShutAway, by, now],
  )
  return rows[0]!.id
}

export async function removeHazard(db: Db, schoolId: string, hazardId: string, by: string | null, now: Date): Promise<void> {
  await db.query('UPDATE address_hazards SET removed_at = $3, removed_by = $4 WHERE school_id = $1 AND id = $2 AND removed_at IS NULL', [
    schoolId,
    hazardId,
    now,
    by,
  ])
}

export async function insertDecline(
  db: Db,
  schoolId: string,
  pupilId: string,
  decline: { declinedOn: string; reason: string },
  by: string | null,
  now: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO visit_declines (school_id, pupil_id, declined_on, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [schoolId, pupilId, decline.declinedOn, decline.reason, by, now],
  )
  return rows[0]!.id
}

export async function withdrawDecline(db: Db, schoolId: string, declineId: string, by: string | null, now: Date): Promise<void> {
  await db.query('UPDATE visit_declines SET withdrawn_at = $3, withdrawn_by = $4 WHERE school_id = $1 AND id = $2 AND withdrawn_at IS NULL', [
    schoolId,
    declineId,
    now,
    by,
  ])
}
