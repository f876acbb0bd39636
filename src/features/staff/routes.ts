import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { roleLabels, safeguardingRoleNames, schoolRoles } from '../../domain/roles.ts'
import { actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { ConflictError, ValidationError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { staffAdmins } from '../../web/navigation.ts'
import { doneFlash } from '../../web/flash.ts'
import { listStaff } from './repository.ts'
import { staffDetails } from './schema.ts'
import { addStaffMember, requireStaff, resetPassword, setActive, updateStaffMember } from './service.ts'

type WithUser = { Params: { userId: string } }
const access = { roles: staffAdmins }
const roleOptions = schoolRoles.map((role) => ({ value: role, text: roleLabels[role] }))

export function registerStaffRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  app.get('/staff', { config: { access } }, async (request, reply) => {
    const staff = await listStaff(pool, schoolOf(request).id)
    return reply.page('staff/views/list.njk', { title: 'Staff', staff })
  })

  app.get('/staff/new', { config: { access } }, async (_request, reply) =>
    reply.page('staff/views/form.njk', { title: 'Add a member of staff', action: '/staff', values: { roles: [] }, roleOptions, safeguardingRoleNames }),
  )

  app.post('/staff', { config: { access } }, async (request, reply) => {
    const form = parseForm(staffDetails, request.body)
    if (!form.ok) return formError(reply, request, 'Add a member of staff', '/staff', form.errors)
    try {
      const added = await addStaffMember(pool, actorOf(request), schoolOf(request).id, form.data, clock())
      return reply.page('staff/views/password.njk', {
        title: added.temporaryPassword ? 'Member of staff added' : 'Roles added',
        name: form.data.name,
        email: form.data.email,
        userId: added.userId,
        temporaryPassword: added.temporaryPassword,
      })
    } catch (error) {
      if (error instanceof ValidationError) return formError(reply, request, 'Add a member of staff', '/staff', error.fieldErrors)
      if (error instanceof ConflictError) {
        return formError(reply, request, 'Add a member of staff', '/staff', [{ field: 'email', message: error.message }])
      }
      throw error
    }
  })

  app.get<WithUser>('/staff/:userId', { config: { access } }, async (request, reply) => {
    const member = await requireStaff(pool, schoolOf(request).id, request.params.userId)
    return reply.page('staff/views/detail.njk', { title: member.name, member, flash: doneFlash(request, doneMessages) })
  })

  app.get<WithUser>('/staff/:userId/edit', { config: { access } }, async (request, reply) => {
    const member = await requireStaff(pool, schoolOf(request).id, request.params.userId)
    return reply.page('staff/views/form.njk', {
      title: `Change ${member.name}’s details`,
      action: `/staff/${member.id}`,
      values: { ...member, mobile: member.mobile ?? '' },
      roleOptions,
      safeguardingRoleNames,
      member,
    })
  })

  app.post<WithUser>('/staff/:userId', { config: { access } }, async (request, reply) => {
    const school = schoolOf(request)
    const member = await requireStaff(pool, school.id, request.params.userId)
    const title = `Change ${member.name}’s details`
    const form = parseForm(staffDetails, request.body)
    if (!form.ok) return formError(reply, request, title, `/staff/${member.id}`, form.errors, member)
    try {
      await updateStaffMember(pool, actorOf(request), school.id, member.id, form.data, clock())
    } catch (error) {
      if (error instanceof ValidationError) return formError(reply, request, title, `/staff/${member.id}`, error.fieldErrors, member)
      if (error instanceof ConflictError) {
        const field = error.message.includes('role') ? 'roles' : 'email'
        return formError(reply, request, title, `/staff/${member.id}`, [{ field, message: error.message }], member)
      }
      throw error
    }
    return reply.redirect(`/staff/${member.id}?done=updated`, 303)
  })

  app.post<WithUser>('/staff/:userId/reset-password', { config: { access } }, async (request, reply) => {
    const reset = await resetPassword(pool, actorOf(request), schoolOf(request).id, request.params.userId, clock())
    return reply.page('staff/views/password.njk', {
      title: 'Password reset',
      name: reset.member.name,
      email: reset.member.email,
      userId: reset.member.id,
      temporaryPassword: reset.temporaryPassword,
      reset: true,
    })
  })

  app.post<WithUser>('/staff/:userId/deactivate', { config: { access } }, async (request, reply) => {
    const school = schoolOf(request)
    try {
      await setActive(pool, actorOf(request), school.id, request.params.userId, false, clock())
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error
      const member = await requireStaff(pool, school.id, request.params.userId)
      return reply.status(409).page('staff/views/detail.njk', { title: member.name, member, ...errorView([{ field: 'deactivate', message: error.message }]) })
    }
    return reply.redirect(`/staff/${request.params.userId}?done=deactivated`, 303)
  })

  app.post<WithUser>('/staff/:userId/reactivate', { config: { access } }, async (request, reply) => {
    await setActive(pool, actorOf(request), schoolOf(request).id, request.params.userId, true, clock())
    return reply.redirect(`/staff/${request.params.userId}?done=reactivated`, 303)
  })
}

const doneMessages: Record<string, string> = {
  updated: 'Details saved.',
  deactivated: 'Account deactivated. They have been signed out everywhere and cannot sign in.',
  reactivated: 'Account reactivated. They can sign in again.',
}

function formError(
  reply: FastifyReply,
  request: FastifyRequest,
  title: string,
  action: string,
  errors: { field: string; message: string }[],
  member?: unknown,
) {
  const body = (request.body ?? {}) as Record<string, unknown>
  const roles = body.roles === undefined ? [] : Array.isArray(body.roles) ? body.roles : [body.roles]
  return reply.status(400).page('staff/views/form.njk', {
    title,
    action,
    member,
    roleOptions,
    safeguardingRoleNames,
    values: { name: body.name ?? '', email: body.email ?? '', mobile: body.mobile ?? '', roles },
    ...errorView(errors, (field) => (field === 'roles' ? 'roles' : field)),
  })
}
