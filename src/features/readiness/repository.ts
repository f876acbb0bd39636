import type { Db } from '../../db/pool.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import type { DbsLevel } from './schema.ts'
import type { Vehicle } from './vehicle-rules.ts'

/**
 * DBS checks, training records and vehicles (migration 004). Every function takes the school
 * first and reads or writes that school's rows only.
 */

/** Roles whose holders may go on home visits, and so appear on the readiness pages. */
export const visitingRoles = ['visitor', 'dsl', 'deputy_dsl', 'slt', 'associate_head', 'headteacher', 'office'] as const satisfies readonly SchoolRole[]

export type DbsRecord = {
  userId: string
  level: DbsLevel
  barredListChecked: boolean
  certificateNumber: string
  issuedOn: string
  updateService: boolean
  recordedAt: Date
  recordedByName: string | null
}

export type TrainingRecord = {
  id: string
  userId: string
  trainingId: string
  completedOn: string
  expiresOn: string | null
  recordedAt: Date
}

export type VehicleRecord = Vehicle & { recordedAt: Date }

export type StaffPerson = { id: string; name: string; email: string; mobile: string | null; active: boolean; roles: SchoolRole[] }

const personQuery = `
  SELECT u.id, u.name, u.email, u.mobile, u.active, array_agg(m.role ORDER BY m.role) AS roles
    FROM users u JOIN school_memberships m ON m.user_id = u.id AND m.school_id = $1`

/** Active staff of a school holding any role that goes on visits, by name. */
export async function listVisitingStaff(db: Db, schoolId: string): Promise<StaffPerson[]> {
  const { rows } = await db.query<StaffPerson>(
    `${personQuery} WHERE u.active GROUP BY u.id HAVING bool_or(m.role = ANY($2)) ORDER BY u.name`,
    [schoolId, visitingRoles],
  )
  return rows
}

/** The named members of a school's staff; ids of people outside the school are left out. */
export async function findPeople(db: Db, schoolId: string, userIds: readonly string[]): Promise<StaffPerson[]> {
  if (userIds.length === 0) return []
  const { rows } = await db.query<StaffPerson>(`${personQuery} WHERE u.id = ANY($2::uuid[]) GROUP BY u.id ORDER BY u.name`, [schoolId, userIds])
  return rows
}

const dbsColumns = `d.user_id AS "userId", d.level, d.barred_list_checked AS "barredListChecked",
  d.certificate_number AS "certificateNumber", d.issued_on AS "issuedOn", d.update_service AS "updateService",
  d.recorded_at AS "recordedAt", r.name AS "recordedByName"`

export async function listDbs(db: Db, schoolId: string, userIds?: readonly string[]): Promise<DbsRecord[]> {
  const { rows } = await db.query<DbsRecord>(
    `SELECT ${dbsColumns} FROM staff_dbs d LEFT JOIN users r ON r.id = d.recorded_by
      WHERE d.school_id = $1 AND ($2::uuid[] IS NULL OR d.user_id = ANY($2::uuid[]))`,
    [schoolId, userIds ?? null],
  )
  return rows
}

export async function saveDbs(
  db: Db,
  schoolId: string,
  userId: string,
  dbs: Omit<DbsRecord, 'userId' | 'recordedAt' | 'recordedByName'>,
  recordedBy: string | null,
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO staff_dbs (school_id, user_id, level, barred_list_checked, certificate_number, issued_on, update_service, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (school_id, user_id) DO UPDATE SET level = EXCLUDED.level, barred_list_checked = EXCLUDED.barred_list_checked,
       certificate_number = EXCLUDED.certificate_number, issued_on = EXCLUDED.issued_on, update_service = EXCLUDED.update_service,
       recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
    [schoolId, userId, dbs.level, dbs.barredListChecked, dbs.certificateNumber, dbs.issuedOn, dbs.updateService, recordedBy, now],
  )
}

const trainingColumns = `id, user_id AS "userId", training_id AS "trainingId", completed_on AS "completedOn",
  expires_on AS "expiresOn", recorded_at AS "recordedAt"`

export async function listTrainings(db: Db, schoolId: string, userIds?: readonly string[]): Promise<TrainingRecord[]> {
  const { rows } = await db.query<TrainingRecord>(
    `SELECT ${trainingColumns} FROM staff_trainings
      WHERE school_id = $1 AND ($2::uuid[] IS NULL OR user_id = ANY($2::uuid[]))
      ORDER BY completed_on DESC, recorded_at DESC`,
    [schoolId, userIds ?? null],
  )
  return rows
}

export async function findTraining(db: Db, schoolId: string, id: string): Promise<TrainingRecord | undefined> {
  const { rows } = await db.query<TrainingRecord>(`SELECT ${trainingColumns} FROM staff_trainings WHERE school_id = $1 AND id = $2`, [schoolId, id])
  return rows[0]
}

type TrainingFields = { trainingId: string; completedOn: string; expiresOn: string | null }

export async function insertTraining(db: Db, schoolId: string, userId: string, training: TrainingFields, recordedBy: string | null, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO staff_trainings (school_id, user_id, training_id, completed_on, expires_on, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [schoolId, userId, training.trainingId, training.completedOn, training.expiresOn, recordedBy, now],
  )
  return rows[0]!.id
}

export async function updateTraining(db: Db, schoolId: string, id: string, training: TrainingFields, recordedBy: string | null, now: Date): Promise<void> {
  await db.query(
    `UPDATE staff_trainings SET training_id = $3, completed_on = $4, expires_on = $5, recorded_by = $6, recorded_at = $7
      WHERE school_id = $1 AND id = $2`,
    [schoolId, id, training.trainingId, training.completedOn, training.expiresOn, recordedBy, now],
  )
}

export async function deleteTraining(db: Db, schoolId: string, id: string): Promise<void> {
  await db.query('DELETE FROM staff_trainings WHERE school_id = $1 AND id = $2', [schoolId, id])
}

const vehicleColumns = `v.id, v.owner_user_id AS "ownerUserId", o.name AS "ownerName", v.make, v.model, v.registration, v.colour,
  v.insurance_expires_on AS "insuranceExpiresOn", v.business_use_cover AS "businessUseCover",
  v.school_approved AS "schoolApproved", v.recorded_at AS "recordedAt"`

/** Vehicles in use (not removed). `owner`: one person's, 'school' for school vehicles, or all. */
export async function listVehicles(db: Db, schoolId: string, owner?: string | 'school'): Promise<VehicleRecord[]> {
  const filter = owner === undefined ? '' : owner === 'school' ? 'AND v.owner_user_id IS NULL' : 'AND v.owner_user_id = $2'
  const { rows } = await db.query<VehicleRecord>(
    `SELECT ${vehicleColumns} FROM vehicles v LEFT JOIN users o ON o.id = v.owner_user_id
      WHERE v.school_id = $1 AND v.removed_at IS NULL ${filter}
      ORDER BY v.owner_user_id IS NOT NULL, o.name, v.registration`,
    owner === undefined || owner === 'school' ? [schoolId] : [schoolId, owner],
  )
  return rows
}

/** One vehicle, including a removed one (a visit planned with it still names it). */
export async function findVehicle(db: Db, schoolId: string, id: string): Promise<(VehicleRecord & { removedAt: Date | null }) | undefined> {
  const { rows } = await db.query<VehicleRecord & { removedAt: Date | null }>(
    `SELECT ${vehicleColumns}, v.removed_at AS "removedAt" FROM vehicles v LEFT JOIN users o ON o.id = v.owner_user_id
      WHERE v.school_id = $1 AND v.id = $2`,
    [schoolId, id],
  )
  return rows[0]
}

export type VehicleFields = Omit<Vehicle, 'id' | 'ownerName'>

export async function findVehicleByRegistration(db: Db, schoolId: string, registration: string): Promise<{ id: string } | undefined> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM vehicles WHERE school_id = $1 AND registration = $2 AND removed_at IS NULL',
    [schoolId, registration],
  )
  return rows[0]
}

export async function insertVehicle(db: Db, schoolId: string, vehicle: VehicleFields, recordedBy: string | null, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO vehicles (school_id, owner_user_id, make, model, registration, colour, insurance_expires_on, business_use_cover,
                           school_approved, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      schoolId,
      vehicle.ownerUserId,
      vehicle.make,
      vehicle.model,
      vehicle.registration,
      vehicle.colour,
      vehicle.insuranceExpiresOn,
      vehicle.businessUseCover,
      vehicle.schoolApproved,
      recordedBy,
      now,
    ],
  )
  return rows[0]!.id
}

export async function updateVehicle(db: Db, schoolId: string, id: string, vehicle: VehicleFields, recordedBy: string | null, now: Date): Promise<void> {
  await db.query(
    `UPDATE vehicles SET owner_user_id = $3, make = $4, model = $5, registration = $6, colour = $7, insurance_expires_on = $8,
            business_use_cover = $9, school_approved = $10, recorded_by = $11, recorded_at = $12
      WHERE school_id = $1 AND id = $2 AND removed_at IS NULL`,
    [
      schoolId,
      id,
      vehicle.ownerUserId,
      vehicle.make,
      vehicle.model,
      vehicle.registration,
      vehicle.colour,
      vehicle.insuranceExpiresOn,
      vehicle.businessUseCover,
      vehicle.schoolApproved,
      recordedBy,
      now,
    ],
  )
}

export async function removeVehicle(db: Db, schoolId: string, id: string, now: Date): Promise<void> {
  await db.query('UPDATE vehicles SET removed_at = $3 WHERE school_id = $1 AND id = $2 AND removed_at IS NULL', [schoolId, id, now])
}
