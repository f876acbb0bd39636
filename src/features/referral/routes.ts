import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { holdsAnyRole } from '../../domain/roles.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { NotFoundError, ValidationError } from '../../web/errors.ts'
import { errorView } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { staffOf } from '../pupils/service.ts'
import { concernIncluders, downloadPack, findPack, listPacks, markPackSent, produceReferralPack, referralPackMakers, referralPackModel, type PackRow } from './service.ts'

const view = (name: string) => `referral/views/${name}.njk`
type P = { Params: { pupilId: string } }
type K = { Params: { packId: string }; Querystring: { done?: string } }
const access = { roles: referralPackMakers }

/** The referral pack for the local authority (R-ATT-1): produced from a flagged pupil, kept, listed, marked sent. */
export function registerReferralPackRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/referral-packs', text: 'Referral packs', roles: referralPackMakers, group: 'reports', description: 'Attendance referral packs for the local authority: produced, and when each was sent.' })
  const { pool, clock } = app.deps

  const producePage = async (request: FastifyRequest<P>, extra: Record<string, unknown> = {}) => {
    const staff = staffOf(request)
    const pack = await referralPackModel(pool, staff, request.params.pupilId, false, clock())
    return {
      title: `Referral pack: ${pack.pupil.name}`,
      pack,
      mayIncludeConcerns: holdsAnyRole(staff.roles, concernIncluders),
      previous: await listPacks(pool, staff.schoolId, request.params.pupilId),
      ...extra,
    }
  }

  app.get<P>('/pupils/:pupilId/referral-pack', { config: { access } }, async (request, reply) => reply.page(view('produce'), await producePage(request)))

  app.post<P>('/pupils/:pupilId/referral-pack', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    try {
      const id = await produceReferralPack(pool, staffOf(request), request.params.pupilId, body.includeConcerns === 'yes', clock())
      return reply.redirect(`/referral-packs/${id}?done=produced`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply.status(400).page(view('produce'), await producePage(request, errorView(error.fieldErrors)))
    }
  })

  app.get('/referral-packs', { config: { access } }, async (request, reply) => {
    const packs = await listPacks(pool, schoolOf(request).id)
    return reply.page(view('list'), { title: 'Referral packs for the local authority', packs, toSend: packs.filter((p) => !p.sentOn), sent: packs.filter((p) => p.sentOn) })
  })

  const packPage = async (request: FastifyRequest<K>, extra: Record<string, unknown> = {}) => {
    const staff = staffOf(request)
    const pack = await findPack(pool, staff.schoolId, request.params.packId)
    if (!pack) return undefined
    return { title: `Referral pack: ${pack.pupilName}`, pack, mayOpen: !pack.includesConcerns || holdsAnyRole(staff.roles, concernIncluders), done: request.query.done, values: {}, ...extra }
  }

  app.get<K>('/referral-packs/:packId', { config: { access } }, async (request, reply) => {
    const page = await packPage(request)
    if (!page) throw new NotFoundError('There is no referral pack with that id in this school.')
    return reply.page(view('pack'), page)
  })

  app.get<K>('/referral-packs/:packId/pack.pdf', { config: { access } }, async (request, reply) => {
    const { pdf, filename } = await downloadPack(pool, staffOf(request), request.params.packId, clock())
    return reply.type('application/pdf').header('cache-control', 'private, no-store').header('content-disposition', `inline; filename="${filename}"`).send(pdf)
  })

  app.post<K>('/referral-packs/:packId/sent', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>
    const parts = { day: body['sentOn-day'], month: body['sentOn-month'], year: body['sentOn-year'] }
    try {
      await markPackSent(pool, staffOf(request), request.params.packId, parts, clock())
      return reply.redirect(`/referral-packs/${request.params.packId}?done=sent`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const page = await packPage(request, { values: { sentOn: parts }, ...errorView(error.fieldErrors, (f) => (f === 'sentOn' ? 'sentOn-day' : f)) })
      return reply.status(400).page(view('pack'), page!)
    }
  })

  registerReferralPackApi(app)
}

const packOut = (p: PackRow) => ({ ...p, producedAt: p.producedAt.toISOString(), pdf: `/referral-packs/${p.id}/pack.pdf` })
const packSchema = z.object({
  id: z.string(),
  pupilId: z.string(),
  pupilName: z.string(),
  yearGroup: z.string(),
  producedAt: z.string(),
  producedByName: z.string(),
  includesConcerns: z.boolean(),
  asOf: z.string().nullable(),
  entries: z.number().int(),
  sentOn: z.string().nullable(),
  sentByName: z.string().nullable(),
  pdf: z.string(),
})

function registerReferralPackApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const tag = 'Attendance'
  defineApi(app, {
    method: 'GET', url: '/api/v1/schools/:schoolId/referral-packs', summary: 'Referral packs for the local authority produced by the school, newest first, and whether each was sent', tag, access,
    params: z.object({ schoolId: z.uuid() }),
    response: z.object({ packs: z.array(packSchema) }),
    handler: async ({ request }) => ({ packs: (await listPacks(pool, staffOf(request).schoolId)).map(packOut) }),
  })
  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/pupils/:pupilId/referral-packs', summary: 'Produce a pupil’s referral pack for the local authority (attendance, visits and records, agreements, letters). includeConcerns adds safeguarding concern detail: the DSL team only', tag, access,
    params: z.object({ schoolId: z.uuid(), pupilId: z.uuid() }),
    body: z.object({ includeConcerns: z.boolean().default(false) }).default({ includeConcerns: false }),
    response: packSchema,
    status: 201,
    handler: async ({ request, params, body }) => {
      const staff = staffOf(request)
      const id = await produceReferralPack(pool, staff, params.pupilId, body.includeConcerns, clock())
      return packOut((await findPack(pool, staff.schoolId, id))!)
    },
  })
  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/referral-packs/:packId/sent', summary: 'Mark a referral pack sent to the local authority on a date (YYYY-MM-DD, today or before)', tag, access,
    params: z.object({ schoolId: z.uuid(), packId: z.uuid() }),
    body: z.object({ sentOn: z.string() }),
    response: packSchema,
    handler: async ({ request, params, body }) => packOut(await markPackSent(pool, staffOf(request), params.packId, body.sentOn, clock())),
  })
}
