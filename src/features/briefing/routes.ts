import type { FastifyInstance } from 'fastify'
import { schoolOf } from '../../web/auth-plugin.ts'
import { briefingFor } from '../visits/briefing.ts'
import { describeWhen, viewerOf, visitUsers } from '../visits/service.ts'
import { roleOnVisitLabels } from '../visits/schema.ts'

/**
 * The briefing a visitor reads on a phone before leaving (R-BRIEF-1, R-CASH-1, R-RISK-3). The rules
 * (who may read it, what each reader sees, recording the view) are in visits/briefing.ts.
 */
export function registerBriefingRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps

  app.get<{ Params: { visitId: string } }>('/visits/:visitId/briefing', { config: { access: { roles: visitUsers } } }, async (request, reply) => {
    const briefing = await briefingFor(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    const pupils = briefing.visit.pupils.map((pupil) => pupil.name).join(', ') || 'no pupils chosen'
    return reply.page('visits/views/briefing.njk', {
      title: `Briefing: ${pupils}`,
      pupilNames: pupils,
      briefing,
      visit: briefing.visit,
      when: describeWhen(briefing.visit),
      roleLabels: roleOnVisitLabels,
    })
  })
}
