import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * What a load balancer and a monitoring system ask an instance (docs/decisions/0016):
 *   GET /healthz  liveness: the process answers and the database answers (in app.ts).
 *   GET /readyz   readiness: 200 only while the database answers AND this instance's deadline worker
 *                 runs, so an instance whose worker died stops taking people's requests; else 503 with
 *                 the reason in plain text.
 *   GET /metrics  Prometheus text format, for a scraper holding METRICS_TOKEN; 404 while it is unset.
 * All three are public routes (no session) and never cached.
 */

const DATABASE_TIMEOUT_MS = 3_000

export function registerOperationsRoutes(app: FastifyInstance): void {
  const { pool, config } = app.deps

  const plain = (reply: FastifyReply, status: number, text: string) =>
    reply.status(status).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(`${text}\n`)

  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    if (!(await databaseAnswers())) return plain(reply, 503, 'not ready: the database is not answering')
    const jobs = app.live.jobs
    if (!jobs) return plain(reply, 503, 'not ready: this instance runs no deadline worker')
    if (!jobs.running()) return plain(reply, 503, "not ready: this instance's deadline worker has stopped")
    return plain(reply, 200, 'ready')
  })

  const expected = config.metricsToken ? digest(config.metricsToken) : null
  app.get('/metrics', { config: { access: 'public' } }, async (request, reply) => {
    if (!expected) return plain(reply, 404, 'Metrics are turned off: set METRICS_TOKEN to turn them on.')
    const given = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (!given || !timingSafeEqual(digest(given), expected)) {
      return plain(reply.header('www-authenticate', 'Bearer realm="doorstep-metrics"'), 401, 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.')
    }
    try {
      const text = await app.metrics.registry.metrics()
      return reply.type(app.metrics.registry.contentType).header('cache-control', 'no-store').send(text)
    } catch (error) {
      request.log.warn({ err: error }, 'metrics could not be collected')
      return plain(reply, 503, 'Metrics could not be collected: the database is not answering.')
    }
  })

  async function databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS)
    })
    try {
      return await Promise.race([pool.query('SELECT 1').then(() => true, () => false), timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
