import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { schoolRoles } from '../../domain/roles.ts'
import { defineApi, openApiDocument } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { UnauthorisedError } from '../../web/errors.ts'
import { staffAdmins } from '../../web/navigation.ts'
import { listStaff } from '../staff/repository.ts'

const role = z.enum(schoolRoles)
const schoolSchema = z.object({ id: z.uuid(), name: z.string(), organisation: z.object({ id: z.uuid(), name: z.string() }), preset: z.string(), roles: z.array(role) })
const schoolParams = z.object({ schoolId: z.uuid() })

export function registerApiRoutes(app: FastifyInstance): void {
  const { pool } = app.deps

  app.get('/api/openapi.json', { config: { access: 'public' } }, async () => openApiDocument())

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/me',
    summary: 'Who am I',
    tag: 'Account',
    access: 'signed-in',
    response: z.object({ id: z.uuid(), name: z.string(), email: z.string(), schools: z.array(schoolSchema) }),
    handler: async ({ request }) => {
      const principal = request.principal
      if (!principal) throw new UnauthorisedError()
      return { ...principal.user, schools: principal.schools.map(toApiSchool) }
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools',
    summary: 'The schools I belong to, with my roles in each',
    tag: 'Schools',
    access: 'signed-in',
    response: z.object({ schools: z.array(schoolSchema) }),
    handler: async ({ request }) => ({ schools: (request.principal?.schools ?? []).map(toApiSchool) }),
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/staff',
    summary: "A school's staff",
    tag: 'Schools',
    access: { roles: staffAdmins },
    scope: 'staff:read',
    params: schoolParams,
    response: z.object({
      staff: z.array(z.object({ id: z.uuid(), name: z.string(), email: z.string(), mobile: z.string().nullable(), active: z.boolean(), roles: z.array(role) })),
    }),
    handler: async ({ request }) => {
      const staff = await listStaff(pool, schoolOf(request).id)
      return { staff: staff.map(({ id, name, email, mobile, active, roles }) => ({ id, name, email, mobile, active, roles })) }
    },
  })
}

function toApiSchool(school: { id: string; name: string; organisationId: string; organisationName: string; preset: string; roles: z.infer<typeof role>[] }) {
  return { id: school.id, name: school.name, organisation: { id: school.organisationId, name: school.organisationName }, preset: school.preset, roles: school.roles }
}
