import type { FastifyInstance } from 'fastify'

export function registerHomeRoutes(app: FastifyInstance): void {
  app.get('/', { config: { access: 'signed-in' } }, async (request, reply) => {
    return reply.page('home/views/home.njk', { title: request.school?.name ?? 'Doorstep' })
  })
}
