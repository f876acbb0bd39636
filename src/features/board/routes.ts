import { PassThrough } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { schoolRoles } from '../../domain/roles.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { ForbiddenError, HttpError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { liveWatchers } from '../live/service.ts'
import { viewerOf } from '../visits/service.ts'
import { mayOpenBoard, notAllowed, officeBoard, type Board } from './service.ts'

/**
 * The office board (R-SIGN-1, R-CHECK-2, R-ESC-1..3): the page, the fragment the browser script
 * swaps in (`?part=list`), the live updates stream (Server-Sent Events, fed by PostgreSQL
 * LISTEN/NOTIFY through `app.live.channel`, so a change on any instance reaches every board), and the
 * same data over the API. Who may see a board is decided in the service (it depends on the school's
 * policy and on who is a visit's responsible contact), so the routes let every school role in and the
 * service refuses the rest with 403.
 */

/** How often a page without JavaScript reloads itself, in seconds. */
export const REFRESH_SECONDS = 20
/** A comment on the stream this often keeps proxies from closing an idle connection. */
const HEARTBEAT_MS = 15_000
/**
 * Each stream ends after this long and the browser reconnects at once (EventSource does so by
 * itself): every reconnection is a new request, so a person signed out elsewhere, or whose
 * session expired, stops getting updates within this time.
 */
const STREAM_LIFETIME_MS = 5 * 60_000

const access = { roles: schoolRoles }
const withSeconds = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
const view = (name: string) => `board/views/${name}.njk`

const boardQuery = z.object({
  part: z.enum(['list'], { error: 'Ask for the whole board, or part=list for the list alone' }).optional(),
  refresh: z.enum(['off'], { error: 'Leave out refresh, or use refresh=off to stop the page refreshing itself' }).optional(),
})

/** Open streams per app, so closing the app ends them (and tests can see a stream was cleaned up). */
const openStreams = new WeakMap<FastifyInstance, Set<() => void>>()

/** How many live-update streams this app has open now. */
export function openBoardStreams(app: FastifyInstance): number {
  return openStreams.get(app)?.size ?? 0
}

function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.trim().split(';')[0]?.trim().toLowerCase() === 'text/event-stream')
}

export function registerBoardRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/board', text: 'Board', roles: liveWatchers }, '/staff')
  const { pool, clock } = app.deps
  const streams = new Set<() => void>()
  openStreams.set(app, streams)
  // Whereabouts of staff, their mobiles and alarms: never kept in a browser or proxy cache.
  app.addHook('onSend', async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (path === '/board' || path.startsWith('/board/') || /^\/api\/v1\/schools\/[^/]+\/board$/.test(path)) void reply.header('cache-control', 'private, no-store')
  })
  // Fastify waits for open requests when it closes: end the streams first.
  app.addHook('preClose', async () => {
    for (const close of [...streams]) close()
  })

  const render = (board: Board) => ({ board, refreshSeconds: REFRESH_SECONDS, generatedText: withSeconds.format(board.generatedAt) })

  app.get('/board', { config: { access } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const asked = parseForm(boardQuery, request.query)
    let board: Board
    try {
      board = await officeBoard(pool, viewerOf(request), schoolOf(request).id, clock())
    } catch (error) {
      if (error instanceof HttpError || (asked.ok && asked.data.part === 'list')) throw error
      // A board left on a desk must not stop at an error page: this one tries again by itself.
      request.log.error({ err: error, reqId: request.id }, 'the office board could not be read')
      return reply.status(503).page(view('unavailable'), { title: 'Office board', refreshSeconds: REFRESH_SECONDS, requestId: request.id })
    }
    if (!asked.ok) return reply.status(400).page(view('board'), { title: 'Office board', ...render(board), refreshing: true, ...errorView(asked.errors) })
    if (asked.data.part === 'list') return reply.page(view('list'), render(board))
    return reply.page(view('board'), { title: 'Office board', ...render(board), refreshing: asked.data.refresh !== 'off' })
  })

  app.get('/board/events', { config: { access } }, async (request, reply) => {
    if (!acceptsEventStream(request.headers.accept)) {
      // Plain words, at once: anything that asks for this address without wanting a stream (a link
      // checker, the tenancy walker, app.inject in tests) gets an answer instead of a connection that never ends.
      return reply
        .status(406)
        .type('text/plain; charset=utf-8')
        .send('This address sends live updates for the office board as Server-Sent Events (Accept: text/event-stream). Open /board to see the board.')
    }
    const viewer = viewerOf(request)
    const schoolId = schoolOf(request).id
    if (!(await mayOpenBoard(pool, viewer, schoolId, clock()))) throw new ForbiddenError(notAllowed)
    const channel = app.live.channel
    if (!channel) {
      return reply.status(503).type('text/plain; charset=utf-8').send('Live updates are off on this server: the office board refreshes itself instead.')
    }

    const stream = new PassThrough()
    const write = (text: string) => {
      if (!stream.destroyed && !stream.writableEnded) stream.write(text)
    }
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      clearTimeout(lifetime)
      unsubscribe()
      streams.delete(close)
      stream.end()
    }
    // One event per change to a visit of this school, on any instance (the payload says nothing:
    // the board fetches what it may see).
    const unsubscribe = channel.subscribe(schoolId, () => write('event: change\ndata: {}\n\n'))
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    const lifetime = setTimeout(close, STREAM_LIFETIME_MS)
    lifetime.unref()
    streams.add(close)
    reply.raw.on('close', close)
    // Subscribed before the first byte: a client that has read it misses no change after it.
    write('retry: 3000\n: connected\n\n')
    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('x-accel-buffering', 'no')
      .send(stream)
  })

  registerBoardApi(app)
}

// ---------------------------------------------------------------- API

const person = z.object({ name: z.string(), mobile: z.string().nullable(), roleOnVisit: z.string() })
const place = z.object({ town: z.string(), district: z.string() }).nullable()
const iso = z.string()

const boardAnswer = z.object({
  generatedAt: iso,
  scope: z.enum(['school', 'own']),
  openAlarms: z.int(),
  unacknowledgedSteps: z.int(),
  visits: z.array(
    z.object({
      visitId: z.string(),
      status: z.string(),
      stage: z.string().nullable(),
      stageText: z.string(),
      visitors: z.array(person),
      place,
      tag: z.object({ text: z.string(), colour: z.string() }),
      next: z
        .object({ kind: z.string(), label: z.string(), dueAt: iso, overdueAt: iso, state: z.string(), byOffice: z.boolean(), text: z.string(), overdueByMinutes: z.int().nullable() })
        .nullable(),
      wait: z.object({ until: iso, text: z.string() }).nullable(),
      expected: z.object({ endAt: iso, backAt: iso.nullable() }).nullable(),
      lastContactAt: iso.nullable(),
      outOfHours: z.boolean(),
      responsibleContact: z.string().nullable(),
      todo: z.array(z.string()),
      alarms: z.array(
        z.object({
          id: z.string(),
          kind: z.string(),
          label: z.string(),
          priority: z.string(),
          summary: z.string(),
          raisedAt: iso,
          unacknowledgedSteps: z.array(z.int()),
          todo: z.string(),
          nextStep: z.object({ number: z.int(), action: z.string(), who: z.string(), at: iso }).nullable(),
          steps: z.array(
            z.object({
              number: z.int(),
              action: z.string(),
              who: z.string(),
              alertedAt: iso.nullable(),
              realerts: z.int(),
              acknowledgedAt: iso.nullable(),
              acknowledgedBy: z.string().nullable(),
              outcome: z.string().nullable(),
            }),
          ),
        }),
      ),
    }),
  ),
  notSignedOut: z.array(z.object({ visitId: z.string(), visitors: z.array(person), place, leaveAt: iso, late: z.boolean(), text: z.string() })),
})

function registerBoardApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const date = (at: Date | null) => at?.toISOString() ?? null
  const people = (visitors: Board['visits'][number]['visitors']) => visitors.map((p) => ({ name: p.name, mobile: p.mobile, roleOnVisit: p.roleOnVisit }))

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/board',
    summary: 'The office board: visits out and open alarms (most urgent first), with what to do now, and today’s visits not signed out yet',
    tag: 'The day of the visit',
    access,
    params: z.object({ schoolId: z.uuid() }),
    response: boardAnswer,
    handler: async ({ request, params }) => {
      const board = await officeBoard(pool, viewerOf(request), params.schoolId, clock())
      return {
        generatedAt: board.generatedAt.toISOString(),
        scope: board.scope,
        openAlarms: board.openAlarms,
        unacknowledgedSteps: board.unacknowledgedSteps,
        visits: board.visits.map((visit) => ({
          visitId: visit.visitId,
          status: visit.status,
          stage: visit.stage,
          stageText: visit.stageText,
          visitors: people(visit.visitors),
          place: visit.place,
          tag: visit.tag,
          next: visit.next && { ...visit.next, dueAt: visit.next.dueAt.toISOString(), overdueAt: visit.next.overdueAt.toISOString() },
          wait: visit.wait && { until: visit.wait.until.toISOString(), text: visit.wait.text },
          expected: visit.expected && { endAt: visit.expected.endAt.toISOString(), backAt: date(visit.expected.backAt) },
          lastContactAt: date(visit.lastContact?.at ?? null),
          outOfHours: visit.outOfHours,
          responsibleContact: visit.responsibleContactName,
          todo: visit.todo,
          alarms: visit.alarms.map((alarm) => ({
            id: alarm.id,
            kind: alarm.kind,
            label: alarm.label,
            priority: alarm.priority,
            summary: alarm.summary,
            raisedAt: alarm.raisedAt.toISOString(),
            unacknowledgedSteps: alarm.unacknowledged,
            todo: alarm.todo,
            nextStep: alarm.nextStep && { ...alarm.nextStep, at: alarm.nextStep.at.toISOString() },
            steps: alarm.steps.map((step) => ({
              number: step.number,
              action: step.action,
              who: step.who,
              alertedAt: date(step.alertedAt),
              realerts: step.realerts,
              acknowledgedAt: date(step.acknowledgedAt),
              acknowledgedBy: step.acknowledgedByName,
              outcome: step.outcome,
            })),
          })),
        })),
        notSignedOut: board.notSignedOut.map((departure) => ({
          visitId: departure.visitId,
          visitors: people(departure.visitors),
          place: departure.place,
          leaveAt: departure.leaveAt.toISOString(),
          late: departure.late,
          text: departure.text,
        })),
      }
    },
  })
}
