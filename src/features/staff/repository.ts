import type { Db } from '../../db/pool.ts'
import { isSchoolRole, type SchoolRole } from '../../domain/roles.ts'

export type SchoolAccess = {
  id: string
  name: string
  organisationId: string
  organisationName: string
  preset: string
  roles: SchoolRole[]
}

export type UserAccount = {
  id: string
  email: string
  name: string
  mobile: string | null
  active: boolean
  passwordHash: string
  /** Made by someone else (an admin, `school create`): to be replaced at the first sign-in. */
  passwordIsTemporary: boolean
  failedSignIns: number
  /** Attempts from browsers the person has not signed in on are not judged before this (0011). */
  lockedUntil: Date | null
}

const userColumns = `id, email, name, mobile, active, password_hash AS "passwordHash", password_is_temporary AS "passwordIsTemporary",
  failed_sign_ins AS "failedSignIns", locked_until AS "lockedUntil"`

export async function findUserByEmail(db: Db, email: string): Promise<UserAccount | undefined> {
  const { rows } = await db.query<UserAccount>(`SELECT ${userColumns} FROM users WHERE lower(email) = lower($1)`, [email.trim()])
  return rows[0]
}

export async function findUserById(db: Db, id: string): Promise<UserAccount | undefined> {
  const { rows } = await db.query<UserAccount>(`SELECT ${userColumns} FROM users WHERE id = $1`, [id])
  return rows[0]
}

/**
 * Every school a person can act in, with their roles there. A trust admin is a school admin
 * in each of the trust's schools, on top of any roles held in the school itself.
 */
export async function schoolsOf(db: Db, userId: string): Promise<SchoolAccess[]> {
  const { rows } = await db.query<{
    id: string
    name: string
    organisation_id: string
    organisation_name: string
    preset: string
    roles: string[]
  }>(
    `SELECT s.id, s.name, s.organisation_id, o.name AS organisation_name, s.preset,
            array_remove(array_agg(DISTINCT r.role), NULL) AS roles
       FROM schools s
       JOIN organisations o ON o.id = s.organisation_id
       LEFT JOIN LATERAL (
         SELECT m.role FROM school_memberships m WHERE m.school_id = s.id AND m.user_id = $1
         UNION ALL
         SELECT 'school_admin' FROM organisation_admins a WHERE a.organisation_id = s.organisation_id AND a.user_id = $1
       ) r ON true
      GROUP BY s.id, o.name
     HAVING count(r.role) > 0
      ORDER BY s.name`,
    [userId],
  )
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
    preset: row.preset,
    roles: row.roles.filter(isSchoolRole).sort(),
  }))
}

/** A school's name and the trust or local authority it belongs to. */
export async function organisationOfSchool(db: Db, schoolId: string): Promise<{ id: string; name: string; schoolName: string }> {
  const { rows } = await db.query<{ id: string; name: string; schoolName: string }>(
    'SELECT o.id, o.name, s.name AS "schoolName" FROM schools s JOIN organisations o ON o.id = s.organisation_id WHERE s.id = $1',
    [schoolId],
  )
  if (!rows[0]) throw new Error(`School ${schoolId} has no organisation`)
  return rows[0]
}

/** Whether a person holds a role at a school of this organisation, or administers the organisation. */
export async function worksInOrganisation(db: Db, userId: string, organisationId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM school_memberships m JOIN schools s ON s.id = m.school_id WHERE m.user_id = $1 AND s.organisation_id = $2
     UNION ALL
     SELECT 1 FROM organisation_admins a WHERE a.user_id = $1 AND a.organisation_id = $2
     LIMIT 1`,
    [userId, organisationId],
  )
  return rows.length > 0
}

export type StaffMember = {
  id: string
  name: string
  email: string
  mobile: string | null
  active: boolean
  roles: SchoolRole[]
  /** Set while sign-in attempts for them are slowed after wrong passwords in a row (0011). */
  lockedUntil: Date | null
  failedSignIns: number
}

const staffQuery = `
  SELECT u.id, u.name, u.email, u.mobile, u.active, u.locked_until AS "lockedUntil", u.failed_sign_ins AS "failedSignIns",
         array_agg(m.role ORDER BY m.role) AS roles
    FROM users u JOIN school_memberships m ON m.user_id = u.id AND m.school_id = $1`

/** The staff of one school: everyone holding a role there. */
export async function listStaff(db: Db, schoolId: string): Promise<StaffMember[]> {
  const { rows } = await db.query<StaffMember>(`${staffQuery} GROUP BY u.id ORDER BY u.name`, [schoolId])
  return rows
}

/** One member of a school's staff; undefined for anyone who holds no role in that school. */
export async function findStaffMember(db: Db, schoolId: string, userId: string): Promise<StaffMember | undefined> {
  const { rows } = await db.query<StaffMember>(`${staffQuery} WHERE u.id = $2 GROUP BY u.id`, [schoolId, userId])
  return rows[0]
}

export async function insertUser(
  db: Db,
  user: { email: string; name: string; mobile?: string | null; passwordHash: string; passwordIsTemporary: boolean },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO users (email, name, mobile, password_hash, password_is_temporary) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [user.email.trim(), user.name.trim(), user.mobile ?? null, user.passwordHash, user.passwordIsTemporary],
  )
  return rows[0]!.id
}

export async function replaceRoles(db: Db, schoolId: string, userId: string, roles: readonly SchoolRole[]): Promise<void> {
  await db.query('DELETE FROM school_memberships WHERE school_id = $1 AND user_id = $2', [schoolId, userId])
  for (const role of roles) {
    await db.query('INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, $3)', [schoolId, userId, role])
  }
}
