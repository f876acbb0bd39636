import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { feedbackQuestions } from '../../domain/feedback.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { HttpError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { findVisit } from '../visits/repository.ts'
import { canView, describeWhen, viewerOf, visitUsers } from '../visits/service.ts'
import { feedbackFromForm, feedbackInput, feedbackOffer, feedbackReaders, feedbackSummary, giveFeedback } from './service.ts'

/** Staff feedback after a visit (R-FEEDBACK-1): the visitor's questions and the head's summary for the policy review. */
type V = { Params: { visitId: string } }

export function registerFeedbackRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  addNavigation({ href: '/feedback', text: 'Staff feedback', roles: feedbackReaders, group: 'reports', description: 'What visiting staff said after their visits, for the policy review.' })

  const formPage = async (request: FastifyRequest<V>, reply: FastifyReply, values: Record<string, unknown>, errors: FieldError[] = [], status = 200, thanks = false) => {
    const schoolId = schoolOf(request).id
    const viewer = viewerOf(request)
    const visit = await findVisit(pool, schoolId, request.params.visitId)
    if (!visit || !canView(viewer, visit)) throw new NotFoundError('There is no visit with that id in this school.')
    const offer = await feedbackOffer(pool, viewer, schoolId, visit.id)
    return reply.status(status).page('feedback/views/form.njk', {
      title: thanks ? 'Thank you for your feedback' : 'Feedback on the visit',
      visit,
      when: describeWhen(visit),
      offer,
      thanks,
      questions: Object.entries(feedbackQuestions).map(([id, q]) => ({ id, question: q.question, items: Object.entries(q.answers).map(([value, text]) => ({ value, text, checked: values[id] === value })) })),
      values,
      ...errorView(errors),
    })
  }

  app.get<V>('/visits/:visitId/feedback', { config: { access: { roles: visitUsers } } }, (request, reply) => formPage(request, reply, {}))

  app.post<V>('/visits/:visitId/feedback', { config: { access: { roles: visitUsers } } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(feedbackInput, feedbackFromForm(body))
    if (!form.ok) return formPage(request, reply, body, form.errors, 400)
    try {
      await giveFeedback(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, form.data, clock())
    } catch (error) {
      if (error instanceof ValidationError) return formPage(request, reply, body, error.fieldErrors, 400)
      if (error instanceof HttpError && error.status < 500 && error.status !== 404) return formPage(request, reply, body, [{ field: 'form', message: error.message }], error.status)
      throw error
    }
    return formPage(request, reply, {}, [], 200, true)
  })

  app.get('/feedback', { config: { access: { roles: feedbackReaders } } }, async (request, reply) => {
    const summary = await feedbackSummary(pool, schoolOf(request).roles, schoolOf(request).id, clock())
    return reply.page('feedback/views/summary.njk', { title: 'Staff feedback for the policy review', summary })
  })

  const summaryJson = z.object({
    period: z.object({ from: z.string(), to: z.string() }),
    count: z.int(),
    questions: z.array(z.object({ id: z.string(), question: z.string(), answers: z.array(z.object({ label: z.string(), count: z.int() })), unanswered: z.int() })),
    comments: z.array(z.object({ givenAt: z.date().transform((d) => d.toISOString()), text: z.string() })),
  })

  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/visits/:visitId/feedback', summary: 'A visitor’s feedback after a visit has ended (R-FEEDBACK-1); every answer optional', tag: 'Feedback',
    access: { roles: visitUsers }, params: z.object({ schoolId: z.uuid(), visitId: z.uuid() }), body: feedbackInput, response: z.object({ given: z.literal(true) }), status: 201,
    handler: async ({ request, params, body }) => {
      const viewer = viewerOf(request)
      const visit = await findVisit(pool, schoolOf(request).id, params.visitId)
      if (!visit || !canView(viewer, visit)) throw new NotFoundError('There is no visit with that id in this school.')
      await giveFeedback(pool, viewer, schoolOf(request).id, params.visitId, body, clock())
      return { given: true as const }
    },
  })

  defineApi(app, {
    method: 'GET', url: '/api/v1/schools/:schoolId/feedback', summary: 'Staff feedback of the current policy-review period, without pupils’ names (R-FEEDBACK-1, R-GOV-2)', tag: 'Feedback',
    access: { roles: feedbackReaders }, params: z.object({ schoolId: z.uuid() }), response: summaryJson,
    handler: async ({ request }) => feedbackSummary(pool, schoolOf(request).roles, schoolOf(request).id, clock()),
  })
}
