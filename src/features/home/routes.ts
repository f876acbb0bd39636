import type { FastifyInstance } from 'fastify'
import { holdsAnyRole } from '../../domain/roles.ts'
import { homeFollowUps } from '../records/service.ts'
import { viewerOf, visitUsers } from '../visits/service.ts'

export function registerHomeRoutes(app: FastifyInstance): void {
  app.get('/', { config: { access: 'signed-in' } }, async (request, reply) => {
    // After visits (R-REC-1, R-FOLLOW-1): overdue records and actions, in their own panel (records/views/home-panel.njk).
    const followUps = request.school && holdsAnyRole(request.school.roles, visitUsers) ? await homeFollowUps(app.deps.pool, viewerOf(request), request.school.id, app.deps.clock()) : undefined
    return reply.page('home/views/home.njk', { title: request.school?.name ?? 'Doorstep', followUps })
  })
}
