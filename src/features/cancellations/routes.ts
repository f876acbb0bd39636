import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { cancellationReasons } from '../../domain/cancellation.ts'
import type { SchoolRole } from '../../domain/roles.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { NotFoundError } from '../../web/errors.ts'
import { addNavigation } from '../../web/navigation.ts'
import { findVisit } from '../visits/repository.ts'
import { canView, viewerOf, visitUsers } from '../visits/service.ts'
import { noticeOfVisit, noticePdfOfVisit, noticesOfSchool, type CancellationNotice } from './notice.ts'

/**
 * Cancellations in writing (R-CANCEL-1): the notice kept on a visit (PDF) for everyone who may read the visit,
 * and the school's list of notices for the senior staff the policies send them to.
 */
export const cancellationReaders = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const satisfies readonly SchoolRole[]

type V = { Params: { visitId: string } }

async function readableVisit(request: FastifyRequest, visitId: string) {
  const { pool } = request.server.deps
  const schoolId = schoolOf(request).id
  const visit = await findVisit(pool, schoolId, visitId)
  if (!visit || !canView(viewerOf(request), visit)) throw new NotFoundError('There is no visit with that id in this school.')
  return visit
}

const noticeSchema = z.object({
  id: z.uuid(),
  visitId: z.uuid(),
  reason: z.enum(cancellationReasons),
  reasonLabel: z.string(),
  detail: z.string(),
  moment: z.enum(['planning', 'at_door', 'wait_limit']),
  cancelledAt: z.date().transform((d) => d.toISOString()),
  cancelledByName: z.string(),
  recipientRoles: z.array(z.string()),
  recipientNames: z.array(z.string()),
  pdf: z.string().describe('Path of the notice as a PDF'),
})
const asJson = (notice: CancellationNotice) => ({ ...notice, pdf: `/visits/${notice.visitId}/cancellation-notice.pdf` })

export function registerCancellationRoutes(app: FastifyInstance): void {
  const { pool } = app.deps
  addNavigation({ href: '/cancellations', text: 'Cancellations', roles: cancellationReaders, group: 'follow-up', description: 'Visits cancelled, with their reasons and the written notices sent.' })

  app.get<V>('/visits/:visitId/cancellation-notice.pdf', { config: { access: { roles: visitUsers } } }, async (request, reply) => {
    const visit = await readableVisit(request, request.params.visitId)
    const pdf = await noticePdfOfVisit(pool, visit.schoolId, visit.id)
    if (!pdf) throw new NotFoundError('No notice of a cancellation was sent for this visit.')
    return reply
      .type('application/pdf')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', 'inline; filename="cancellation-notice.pdf"')
      .send(pdf)
  })

  app.get('/cancellations', { config: { access: { roles: cancellationReaders } } }, async (request, reply) => {
    const notices = await noticesOfSchool(pool, schoolOf(request).id)
    return reply.page('cancellations/views/list.njk', { title: 'Cancelled visits', notices })
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/cancellation-notices',
    summary: 'The written notices of cancelled visits (R-CANCEL-1), newest first',
    tag: 'Cancellations',
    access: { roles: cancellationReaders },
    params: z.object({ schoolId: z.uuid() }),
    response: z.object({ notices: z.array(noticeSchema) }),
    handler: async ({ request }) => ({ notices: (await noticesOfSchool(pool, schoolOf(request).id)).map(asJson) }),
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/visits/:visitId/cancellation-notice',
    summary: 'The written notice of a cancelled visit (R-CANCEL-1); 404 when none was sent',
    tag: 'Cancellations',
    access: { roles: visitUsers },
    params: z.object({ schoolId: z.uuid(), visitId: z.uuid() }),
    response: noticeSchema,
    handler: async ({ request, params }) => {
      const visit = await readableVisit(request, params.visitId)
      const notice = await noticeOfVisit(pool, visit.schoolId, visit.id)
      if (!notice) throw new NotFoundError('No notice of a cancellation was sent for this visit.')
      return asJson(notice)
    },
  })
}
