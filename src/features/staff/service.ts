import type { Actor } from '../../audit/audit.ts'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { holdsAnyRole, roleLabels, safeguardingRoleNames, safeguardingRoles, type SchoolRole } from '../../domain/roles.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { staffAdmins } from '../../web/navigation.ts'
import { revokeAllApiTokens } from '../account/api-tokens.ts'
import { endAllSessions } from '../auth/sessions.ts'
import { hashPassword, temporaryPassword } from '../auth/passwords.ts'
import { forgetSignInDevices } from '../auth/sign-in-throttle.ts'
import { currentPolicy } from '../policy/repository.ts'
import {
  findStaffMember,
  findUserByEmail,
  insertUser,
  organisationOfSchool,
  replaceRoles,
  schoolsOf,
  worksInOrganisation,
  type StaffMember,
} from './repository.ts'
import type { StaffDetails } from './schema.ts'

const describeRoles = (roles: readonly (keyof typeof roleLabels)[]) => roles.map((r) => roleLabels[r]).join(', ')

/**
 * Adds someone to a school's staff: someone new to Doorstep gets an account and a temporary
 * password, returned once for the admin to hand over, which they must replace at their first
 * sign-in; someone who already works at a school of the same organisation (trust or local
 * authority) gains roles here and keeps their password. Nobody else can be added
 * (docs/decisions/0009): an account that works only outside the organisation, or nowhere, is
 * refused with the same words whichever it is, and nothing about the account (name, mobile,
 * schools) is shown.
 */
export async function addStaffMember(pool: Pool, actor: Actor, schoolId: string, details: StaffDetails, now: Date) {
  const alreadyOnStaff = () => new ConflictError(`${details.email} is already on this school’s staff. Change their roles on their page instead.`)
  const organisation = await organisationOfSchool(pool, schoolId)
  const cannotAdd = () =>
    new ConflictError(
      `Doorstep cannot add ${details.email} to ${organisation.schoolName}. You can add people who are new to Doorstep, and people who already work at a school of ${organisation.name}. Check the email address with the person, or ask your trust or local authority admin.`,
    )
  const known = await findUserByEmail(pool, details.email)
  if (known && (await findStaffMember(pool, schoolId, known.id))) throw alreadyOnStaff()
  if (known && !(await worksInOrganisation(pool, known.id, organisation.id))) throw cannotAdd()
  await assertMayChangeSafeguardingRoles(pool, actor, schoolId, [], details.roles, now)
  const password = known ? undefined : temporaryPassword()
  const passwordHash = password ? await hashPassword(password) : undefined
  return inTransaction(pool, async (client) => {
    // One add per email at a time, checked again inside the lock: a double-click on Save, or two
    // admins adding the same person at once, adds them once and tells the other "already on staff".
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`staff-email:${details.email.toLowerCase()}`])
    const existing = await findUserByEmail(client, details.email)
    if (existing && (await findStaffMember(client, schoolId, existing.id))) throw alreadyOnStaff()
    if (existing && !(await worksInOrganisation(client, existing.id, organisation.id))) throw cannotAdd()
    const id = existing?.id ?? (await insertUser(client, { ...details, passwordHash: passwordHash!, passwordIsTemporary: true }))
    await replaceRoles(client, schoolId, id, details.roles)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'staff.added',
      subjectType: 'user',
      subjectId: id,
      summary: `Added ${existing?.name ?? details.name} to the staff as ${describeRoles(details.roles)}`,
      change: { name: existing?.name ?? details.name, email: details.email, mobile: existing ? existing.mobile : details.mobile, roles: details.roles },
    }, now)
    return { userId: id, temporaryPassword: existing ? undefined : password }
  })
}

export async function updateStaffMember(pool: Pool, actor: Actor, schoolId: string, userId: string, details: StaffDetails, now: Date) {
  const before = await requireStaff(pool, schoolId, userId)
  if (actor.userId === userId && before.roles.includes('school_admin') && !details.roles.includes('school_admin')) {
    throw new ConflictError('You cannot remove your own school admin role. Ask another school admin to do it.')
  }
  await assertMayChangeSafeguardingRoles(pool, actor, schoolId, before.roles, details.roles, now)
  const clash = await findUserByEmail(pool, details.email)
  if (clash && clash.id !== userId) throw new ConflictError(`${details.email} already belongs to someone else in Doorstep.`)
  const detailsChange = details.name !== before.name || details.email.toLowerCase() !== before.email.toLowerCase() || details.mobile !== before.mobile
  if (detailsChange && !(await managesAccount(pool, actor, userId))) {
    throw new ValidationError([
      {
        field: 'email',
        message: `${before.name} also works at another school, so only their roles here can be changed. Ask an admin of every school they work at (such as your trust admin) to change their name, email or mobile number.`,
      },
    ])
  }
  await inTransaction(pool, async (client) => {
    // Updating the user row first also queues a second click on Save behind the first.
    await client.query('UPDATE users SET name = $2, email = $3, mobile = $4, updated_at = $5 WHERE id = $1', [
      userId,
      details.name,
      details.email,
      details.mobile,
      now,
    ]).catch((error: unknown) => {
      // Someone else took the email between the check above and now.
      if ((error as { code?: string }).code === '23505') throw new ConflictError(`${details.email} already belongs to someone else in Doorstep.`)
      throw error
    })
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

/**
 * Sets a new temporary password (to be replaced at their next sign-in), clears any slowing of
 * their sign-in, ends their sessions, revokes their API tokens and forgets their browsers.
 */
export async function resetPassword(pool: Pool, actor: Actor, schoolId: string, userId: string, now: Date) {
  const member = await requireStaff(pool, schoolId, userId)
  if (!(await managesAccount(pool, actor, userId))) {
    throw new ConflictError(
      `${member.name} also works at another school, so only an admin of every school they work at (such as your trust admin) can reset their password.`,
    )
  }
  const password = temporaryPassword()
  const hash = await hashPassword(password)
  await inTransaction(pool, async (client) => {
    await client.query(
      'UPDATE users SET password_hash = $2, password_is_temporary = true, failed_sign_ins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1',
      [userId, hash, now],
    )
    await endAllSessions(client, userId)
    const apiTokensRevoked = await revokeAllApiTokens(client, userId, now)
    await forgetSignInDevices(client, userId)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'staff.password_reset',
      subjectType: 'user',
      subjectId: userId,
      summary: `Reset the password of ${member.name}`,
      change: { apiTokensRevoked },
    }, now)
  })
  return { member, temporaryPassword: password }
}

/**
 * Deactivating ends every session of the person at once, revokes their API tokens (reactivating
 * does not bring them back) and forgets their browsers.
 */
export async function setActive(pool: Pool, actor: Actor, schoolId: string, userId: string, active: boolean, now: Date) {
  const member = await requireStaff(pool, schoolId, userId)
  if (!active && actor.userId === userId) throw new ConflictError('You cannot deactivate your own account.')
  if (!(await managesAccount(pool, actor, userId))) {
    throw new ConflictError(
      `${member.name} also works at another school, so only an admin of every school they work at (such as your trust admin) can ${active ? 'reactivate' : 'deactivate'} their account. You can change their roles here.`,
    )
  }
  await inTransaction(pool, async (client) => {
    await client.query('UPDATE users SET active = $2, updated_at = $3 WHERE id = $1', [userId, active, now])
    let apiTokensRevoked = 0
    if (!active) {
      await endAllSessions(client, userId)
      apiTokensRevoked = await revokeAllApiTokens(client, userId, now)
      await forgetSignInDevices(client, userId)
    }
    await recordAudit(client, {
      schoolId,
      actor,
      action: active ? 'staff.reactivated' : 'staff.deactivated',
      subjectType: 'user',
      subjectId: userId,
      summary: `${active ? 'Reactivated' : 'Deactivated'} the account of ${member.name}`,
      ...(active ? {} : { change: { apiTokensRevoked } }),
    }, now)
  })
  return member
}

/**
 * R-CONF-1 (docs/decisions/0009): the safeguarding roles (headteacher, associate head, DSL, deputy
 * DSL) read pupils' restricted notes and every visit's code word, so only the headteacher gives or
 * takes them away — to anyone, themselves included — unless the school's policy in force lets
 * school admins too. Other roles are for any staff admin.
 */
async function assertMayChangeSafeguardingRoles(pool: Pool, actor: Actor, schoolId: string, before: readonly SchoolRole[], after: readonly SchoolRole[], now: Date): Promise<void> {
  const changed = safeguardingRoles.filter((role) => before.includes(role) !== after.includes(role))
  if (changed.length === 0 || !actor.userId) return
  const mine = (await schoolsOf(pool, actor.userId)).find((school) => school.id === schoolId)?.roles ?? []
  if (mine.includes('headteacher')) return
  const { policy } = await currentPolicy(pool, schoolId, now)
  if (policy.staffing.adminsMayGrantSafeguardingRoles && mine.includes('school_admin')) return
  throw new ValidationError([
    {
      field: 'roles',
      message: `Only the headteacher can give or take away the roles of ${safeguardingRoleNames}. The school’s policy does not let school admins do it.`,
    },
  ])
}

/**
 * A person's account (password, name, email, mobile, active) is shared by every school they
 * work at, so only someone who administers all of those schools may change it. Otherwise an
 * admin of one school could add a member of another school's staff and reset their password.
 */
async function managesAccount(pool: Pool, actor: Actor, userId: string): Promise<boolean> {
  if (!actor.userId) return true
  const [theirs, mine] = await Promise.all([schoolsOf(pool, userId), schoolsOf(pool, actor.userId)])
  return theirs.every((school) => mine.some((s) => s.id === school.id && holdsAnyRole(s.roles, staffAdmins)))
}

export async function requireStaff(pool: Pool, schoolId: string, userId: string): Promise<StaffMember> {
  const member = await findStaffMember(pool, schoolId, userId)
  if (!member) throw new NotFoundError('There is no member of staff with that id in this school.')
  return member
}
