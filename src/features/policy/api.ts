import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { schoolRoles } from '../../domain/roles.ts'
import { getPreset, listPresets, unknownPresetMessage } from '../../policy/presets.ts'
import { policyShapeSchema } from '../../policy/schema.ts'
import { defineApi } from '../../web/api.ts'
import { actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { NotFoundError, ValidationError } from '../../web/errors.ts'
import { currentPolicy, type PolicyVersion } from './repository.ts'
import { policyEditors, publishPolicy, versionsOf } from './service.ts'

/** The policy over the JSON API (R-GOV-1): presets, the policy in force, its versions, and publishing a new version. */

const isoDate = z.iso.date()
const presetSummary = z.object({ id: z.string(), name: z.string(), summary: z.string() })
const versionSummary = z.object({
  id: z.uuid(),
  version: z.int(),
  preset: z.string().describe('The preset the policy started from'),
  effectiveFrom: isoDate,
  note: z.string(),
  createdBy: z.string().describe('Who published it'),
  createdAt: z.string().describe('When it was published (ISO 8601)'),
  status: z.enum(['in_force', 'scheduled', 'replaced', 'never_in_force']),
})
const versionWithPolicy = versionSummary.omit({ status: true }).extend({ policy: policyShapeSchema })

function summaryOf(version: PolicyVersion) {
  return {
    id: version.id,
    version: version.version,
    preset: version.preset,
    effectiveFrom: version.effectiveFrom,
    note: version.note,
    createdBy: version.createdByName,
    createdAt: version.createdAt.toISOString(),
  }
}

export function registerPolicyApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/policy-presets',
    summary: 'The policy presets a school can start from',
    tag: 'Policy',
    access: 'signed-in',
    response: z.object({ presets: z.array(presetSummary) }),
    handler: async () => ({ presets: listPresets().map(({ id, name, summary }) => ({ id, name, summary })) }),
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/policy-presets/:preset',
    summary: 'One policy preset with all its settings and their sources',
    tag: 'Policy',
    access: 'signed-in',
    params: z.object({ preset: z.string().describe('A preset id, e.g. westside-2025') }),
    response: presetSummary.extend({ policy: policyShapeSchema }),
    handler: async ({ params }) => {
      const preset = getPreset(params.preset)
      if (!preset) throw new NotFoundError(unknownPresetMessage(params.preset))
      return preset
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/policy',
    summary: 'The school’s home-visit policy in force today: its version and every setting',
    tag: 'Policy',
    access: { roles: schoolRoles },
    scope: 'policy:read',
    params: z.object({ schoolId: z.uuid() }),
    response: versionWithPolicy,
    handler: async ({ request }) => {
      const version = await currentPolicy(pool, schoolOf(request).id, clock())
      return { ...summaryOf(version), policy: version.policy }
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/policy/versions',
    summary: 'Every version of the school’s policy, newest first, with whether it is in force',
    tag: 'Policy',
    access: { roles: schoolRoles },
    scope: 'policy:read',
    params: z.object({ schoolId: z.uuid() }),
    response: z.object({ versions: z.array(versionSummary) }),
    handler: async ({ request }) => {
      const versions = await versionsOf(pool, schoolOf(request).id, clock())
      return { versions: versions.map((version) => ({ ...summaryOf(version), status: version.status })) }
    },
  })

  defineApi(app, {
    method: 'PUT',
    url: '/api/v1/schools/:schoolId/policy',
    summary:
      'Publish a new version of the policy (headteacher or school admin). The whole policy is checked as the editing pages check it. Doorstep writes the sources: settings that changed get the school’s edit as their source, the others keep theirs; sources sent in the body are not used.',
    tag: 'Policy',
    access: { roles: policyEditors },
    params: z.object({ schoolId: z.uuid() }),
    body: z.object({
      policy: z
        .record(z.string(), z.unknown())
        .describe('The whole policy, as GET /api/v1/schools/{schoolId}/policy returns it. Its version and effectiveFrom are set from the new version; its sources are written by Doorstep, not taken from here.'),
      effectiveFrom: z.string().describe('The date it comes into force (YYYY-MM-DD), today or later'),
      note: z.string().describe('What changed and why'),
    }),
    status: 201,
    response: versionWithPolicy,
    handler: async ({ request, body }) => {
      const school = schoolOf(request)
      const result = await publishPolicy(
        pool,
        { schoolId: school.id, schoolName: school.name, roles: school.roles, actor: actorOf(request), now: clock() },
        { policy: body.policy, effectiveFrom: body.effectiveFrom, note: body.note },
      )
      if (!result.ok) {
        throw new ValidationError([
          ...result.formErrors,
          ...result.policyErrors.map((error) => ({ field: error.path ? `policy.${error.path}` : 'policy', message: error.message })),
        ])
      }
      return { ...summaryOf(result.version), policy: result.version.policy }
    },
  })
}
