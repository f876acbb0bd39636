import type { Actor } from '../../audit/audit.ts'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { roleLabels } from '../../domain/roles.ts'
import { ConflictError, NotFoundError } from '../../web/errors.ts'
import { endAllSessions } from '../auth/sessions.ts'
import { hashPassword, temporaryPassword } from '../auth/passwords.ts'
import { findStaffMember, findUserByEmail, insertUser, replaceRoles, type StaffMember } from './repository.ts'
import type { StaffDetails } from './schema.ts'

const describeRoles = (roles: readonly (keyof typeof roleLabels)[]) => roles.map((r) => roleLabels[r]).join(', ')

/**
 * Adds someone to a school's staff. A person already known to Doorstep (same email, e.g.
 * working across a trust's schools) gains roles here and keeps their password; a new person
 * gets a temporary password, returned once for the admin to hand over.
 */
export async function addStaffMember(pool: Pool, actor: Actor, schoolId: string, details: StaffDetails, now: Date) {
  const existing = await findUserByEmail(pool, details.email)
  if (existing && (await findStaffMember(pool, schoolId, existing.id))) {
    throw new ConflictError(`${details.email} is already on this school’s staff. Change their roles on their page instead.`)
  }
  const password = existing ? undefined : temporaryPassword()
  const passwordHash = password ? await hashPassword(password) : undefined
  const userId = await inTransaction(pool, async (client) => {
    const id = existing?.id ?? (await insertUser(client, { ...details, passwordHash: passwordHash! }))
    await replaceRoles(client, schoolId, id, details.roles)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'staff.added',
      subjectType: 'user',
      subjectId: id,
      summary: `Added ${details.name} to the staff as ${describeRoles(details.roles)}`,
      change: { name: details.name, email: details.email, mobile: details.mobile, roles: details.roles },
    }, now)
    return id
  })
  return { userId, temporaryPassword: password }
}

export async function updateStaffMember(pool: Pool, actor: Actor, schoolId: string, userId: string, details: StaffDetails, now: Date) {
  const before = await requireStaff(pool, schoolId, userId)
  if (actor.userId === userId && before.roles.includes('school_admin') && !details.roles.includes('school_admin')) {
    throw new ConflictError('You cannot remove your own school admin role. Ask another school admin to do it.')
  }
  const clash = await findUserByEmail(pool, details.email)
  if (clash && clash.id !== userId) throw new ConflictError(`${details.email} already belongs to someone else in Doorstep.`)
  await inTransaction(pool, async (client) => {
    await client.query('UPDATE users SET name = $2, email = $3, mobile = $4, updated_at = $5 WHERE id = $1', [
      userId,
      details.name,
      details.email,
      details.mobile,
      now,
    ])
    await replaceRoles(client, schoolId, userId, details.roles)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'staff.updated',
      subjectType: 'user',
      subjectId: userId,
      summary: `Changed the details of ${details.name}`,
      change: {
        before: { name: before.name, email: before.email, mobile: before.mobile, roles: before.roles },
        after: { name: details.name, email: details.email, mobile: details.mobile, roles: details.roles },
      },
    }, now)
  })
}

/** Sets a new temporary password, clears any lockout and ends the person's sessions. */
export async function resetPassword(pool: Pool, actor: Actor, schoolId: string, userId: string, now: Date) {
  const member = await requireStaff(pool, schoolId, userId)
  const password = temporaryPassword()
  const hash = await hashPassword(password)
  await inTransaction(pool, async (client) => {
    await client.query('UPDATE users SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1', [
      userId,
      hash,
      now,
    ])
    await endAllSessions(client, userId)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'staff.password_reset',
      subjectType: 'user',
      subjectId: userId,
      summary: `Reset the password of ${member.name}`,
    }, now)
  })
  return { member, temporaryPassword: password }
}

/** Deactivating ends every session of the person at once and stops their API tokens working. */
export async function setActive(pool: Pool, actor: Actor, schoolId: string, userId: string, active: boolean, now: Date) {
  const member = await requireStaff(pool, schoolId, userId)
  if (!active && actor.userId === userId) throw new ConflictError('You cannot deactivate your own account.')
  await inTransaction(pool, async (client) => {
    await client.query('UPDATE users SET active = $2, updated_at = $3 WHERE id = $1', [userId, active, now])
    if (!active) await endAllSessions(client, userId)
    await recordAudit(client, {
      schoolId,
      actor,
      action: active ? 'staff.reactivated' : 'staff.deactivated',
      subjectType: 'user',
      subjectId: userId,
      summary: `${active ? 'Reactivated' : 'Deactivated'} the account of ${member.name}`,
    }, now)
  })
  return member
}

export async function requireStaff(pool: Pool, schoolId: string, userId: string): Promise<StaffMember> {
  const member = await findStaffMember(pool, schoolId, userId)
  if (!member) throw new NotFoundError('There is no member of staff with that id in this school.')
  return member
}
