import type { FastifyInstance } from 'fastify'
import { schoolOf } from '../../web/auth-plugin.ts'
import { viewerOf, visitUsers } from '../visits/service.ts'
import { renderPoliceSheetPdf } from './pdf.ts'
import { policeSheetFor } from './service.ts'

type V = { Params: { visitId: string } }

/**
 * The police information sheet (R-ESC-3): a page that prints on one A4 sheet, and the same as a PDF.
 * Both are private and never cached (the visitors' mobiles and descriptions, the family's hazards).
 * The route lets in everyone who has visit pages; the service says who of them reads the sheet.
 */
export function registerPoliceSheetRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const access = { roles: visitUsers }

  app.get<V>('/visits/:visitId/police-sheet', { config: { access } }, async (request, reply) => {
    const sheet = await policeSheetFor(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, 'page', clock())
    return reply.header('cache-control', 'private, no-store').page('police-sheet/views/police-sheet.njk', { title: `${sheet.title}: ${sheet.subtitle}`, sheet, bodyClasses: 'doorstep-police-sheet-page' })
  })

  app.get<V>('/visits/:visitId/police-sheet.pdf', { config: { access } }, async (request, reply) => {
    const sheet = await policeSheetFor(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, 'pdf', clock())
    return reply
      .type('application/pdf')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', 'inline; filename="police-information-sheet.pdf"')
      .send(await renderPoliceSheetPdf(sheet))
  })
}
