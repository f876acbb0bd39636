import type { FastifyInstance } from 'fastify'

/** The day's run list (R-LIST-1). */
export function registerRunListRoutes(app: FastifyInstance): void {
  void app
}
