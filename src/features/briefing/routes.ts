import type { FastifyInstance } from 'fastify'

/** The briefing a visitor reads before leaving (R-BRIEF-1). */
export function registerBriefingRoutes(app: FastifyInstance): void {
  void app
}
