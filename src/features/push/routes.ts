import fs from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { defineApi } from '../../web/api.ts'
import { actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { NotFoundError, ValidationError } from '../../web/errors.ts'
import { pushEndpointProblem, pushEndpointSchema, pushSubscriptionSchema, sendTestAlert, turnOffAlerts, turnOnAlerts } from './service.ts'

/**
 * Turning alerts on in a browser (Web Push, R-ESC-1, R-ALERT-1):
 *   GET    /push/key             the VAPID public key the browser subscribes with
 *   POST   /push/subscriptions   the browser's PushSubscription.toJSON() → kept for the signed-in person
 *   DELETE /push/subscriptions   { endpoint } → turned off in that browser
 *   POST   /push/test            a test alert to the person's browsers
 *   GET    /sw.js                the service worker that shows an alert and opens its link
 * The page's script (src/client/push-alerts.js, on the account page) calls the first three with the
 * session cookie and its CSRF token; /api/v1/push/… are the same for API clients (a phone app).
 * Answers are JSON; bad input is a 400 with problem details.
 */

const clientDir = path.join(import.meta.dirname, '..', '..', 'client')
const keyAnswer = z.object({ publicKey: z.string() })
const subscribed = z.object({ id: z.string(), created: z.boolean() })

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {})
  if (result.success) return result.data
  throw new ValidationError(result.error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || 'body', message: issue.message })))
}

export function registerPushRoutes(app: FastifyInstance): void {
  const { pool, clock, config } = app.deps
  const publicKey = () => {
    const push = app.live.delivery.push
    if (!push) throw new NotFoundError('Web Push is not set up on this Doorstep.')
    return { publicKey: push.publicKey }
  }
  const turnOn = (request: FastifyRequest, body: unknown) => {
    const input = parse(pushSubscriptionSchema, body)
    const problem = pushEndpointProblem(input.endpoint, config.push.allowPrivateEndpoints)
    if (problem) throw new ValidationError([{ field: 'endpoint', message: problem }])
    return turnOnAlerts(pool, actorOf(request), input, String(request.headers['user-agent'] ?? ''), clock())
  }
  const turnOff = async (request: FastifyRequest, body: unknown) => {
    await turnOffAlerts(pool, actorOf(request), parse(pushEndpointSchema, body), clock())
  }

  app.get('/push/key', { config: { access: 'signed-in' } }, async () => publicKey())
  app.post('/push/subscriptions', { config: { access: 'signed-in' } }, async (request, reply) => reply.status(201).send(await turnOn(request, request.body)))
  app.delete('/push/subscriptions', { config: { access: 'signed-in' } }, async (request, reply) => {
    await turnOff(request, request.body)
    return reply.status(204).send()
  })
  app.post('/push/test', { config: { access: 'signed-in', rateLimit: { max: 12, timeWindow: '1 minute' } } }, async (request, reply) => {
    const school = schoolOf(request)
    await sendTestAlert(pool, { userId: actorOf(request).userId, schoolId: school.id, schoolName: school.name }, clock())
    const wantsJson = request.headers['content-type']?.includes('json') || request.headers.accept?.includes('application/json')
    return wantsJson ? reply.status(202).send({ sent: true }) : reply.redirect('/account?done=test-alert#alerts', 303)
  })

  // The service worker: at the root, so its scope is the whole site; served fresh, so a fix reaches
  // phones at their next visit. It runs no inline script, so the site's CSP allows it as it is.
  app.get('/sw.js', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(await fs.readFile(path.join(clientDir, 'sw.js'))),
  )
  app.get('/assets/push-alerts.js', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(await fs.readFile(path.join(clientDir, 'push-alerts.js'))),
  )

  const tag = 'Alerts on phones'
  defineApi(app, {
    method: 'GET',
    url: '/api/v1/push/key',
    summary: 'The VAPID public key (base64url) to subscribe a browser or app to Web Push with',
    tag,
    access: 'signed-in',
    response: keyAnswer,
    handler: async () => publicKey(),
  })
  defineApi(app, {
    method: 'POST',
    url: '/api/v1/push/subscriptions',
    summary: 'Turn on alerts (Web Push) in a browser for the signed-in person: send its PushSubscription.toJSON()',
    conflict: 'Alerts in this browser are turned on for someone else.',
    tag,
    access: 'signed-in',
    status: 201,
    body: pushSubscriptionSchema,
    response: subscribed,
    handler: ({ request, body }) => turnOn(request, body),
  })
  defineApi(app, {
    method: 'DELETE',
    url: '/api/v1/push/subscriptions',
    summary: 'Turn off alerts in a browser of the signed-in person, by its endpoint',
    tag,
    access: 'signed-in',
    body: pushEndpointSchema,
    response: z.object({ turnedOff: z.literal(true) }),
    handler: async ({ request, body }) => {
      await turnOff(request, body)
      return { turnedOff: true as const }
    },
  })
}
