import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { agreementStatuses, agreementStatusLabels } from '../../domain/agreements.ts'
import { letterPlaceholders } from '../../domain/letter-template.ts'
import { defineApi } from '../../web/api.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { HttpError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { doneFlash } from '../../web/flash.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { adultsOfPupil } from '../pupils/repository.ts'
import { requirePupil, staffOf, ukToday } from '../pupils/service.ts'
import { agreementsOfPupil, findLetter, letterPdf, lettersOfSchool, type Agreement, type Letter, type Review } from './repository.ts'
import {
  agreementFromForm,
  agreementInput,
  dateParts,
  datePartsOf,
  fieldId,
  reviewFromForm,
  reviewInput,
  reviewOutcomeLabels,
  reviewOutcomes,
  templateFromForm,
  templateInput,
} from './schema.ts'
import {
  agreementKeepers,
  agreementView,
  letterKeepers,
  lettersPage,
  markPosted,
  produceLetters,
  recordAgreement,
  reviewAgreement,
  saveTemplate,
  templateEditors,
  templateOf,
} from './service.ts'

/**
 * Agreements with parents and reminder letters (R-AGREE-1): recorded on the pupil's page or from a visit,
 * reviewed, letters produced from the head's template and posted. The API below uses the same schemas.
 */
const view = (name: string) => `agreements/views/${name}.njk`
const keepers = { roles: agreementKeepers }
const letterRoles = { roles: letterKeepers }
const editors = { roles: templateEditors }

type P = { Params: { pupilId: string }; Querystring: { visitId?: string } }
type A = { Params: { agreementId: string }; Querystring: { done?: string } }
type L = { Params: { letterId: string } }

const doneMessages: Record<string, string> = {
  recorded: 'Agreement recorded.',
  kept: 'Agreement marked kept.',
  not_kept: 'Agreement marked not kept.',
  not_kept_letters: 'Agreement marked not kept. Produce the reminder letters below.',
  follow_up: 'Agreement marked not kept again: a follow-up visit has been drafted, and the headteacher told.',
  produced: 'Reminder letters produced. They are in the list of letters to post.',
  posted: 'Letter marked posted.',
  template: 'Letter template saved.',
}

const isUuid = (value: unknown): value is string => typeof value === 'string' && z.uuid().safeParse(value).success

function failedWith(error: unknown): FieldError[] | null {
  if (error instanceof ValidationError) return error.fieldErrors
  if (error instanceof HttpError && error.status < 500 && error.status !== 404) return [{ field: 'form', message: error.message }]
  return null
}

export function registerAgreementRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  addNavigation({ href: '/letters', text: 'Letters and agreement reviews', roles: letterKeepers, group: 'follow-up', description: 'Agreements due for review, reminder letters to produce and letters to post.' })

  // ------------------------------------------------------------ recording an agreement
  const newPage = async (request: FastifyRequest<P>, reply: FastifyReply, body: Record<string, unknown> | null, errors: FieldError[] = [], status = 200) => {
    const staff = staffOf(request)
    const pupil = await requirePupil(pool, staff.schoolId, request.params.pupilId)
    const adults = await adultsOfPupil(pool, staff.schoolId, pupil.id)
    const visitId = body ? body.visitId : request.query.visitId
    const chosen = body ? (Array.isArray(body.contactIds) ? body.contactIds : [body.contactIds]) : []
    return reply.status(status).page(view('new'), {
      title: `Record an agreement for ${pupil.name}`,
      pupil,
      adults: adults.map((adult) => ({ value: adult.id, text: `${adult.name} (${adult.relationship})`, checked: chosen.includes(adult.id) })),
      values: body ?? {},
      visitId: isUuid(visitId) ? visitId : '',
      dates: body
        ? { agreedOn: datePartsOf(body, 'agreedOn'), reviewOn: datePartsOf(body, 'reviewOn') }
        : { agreedOn: dateParts(ukToday(clock())), reviewOn: dateParts('') },
      ...errorView(errors, fieldId),
    })
  }

  app.get<P>('/pupils/:pupilId/agreements/new', { config: { access: keepers } }, (request, reply) => newPage(request, reply, null))

  app.post<P>('/pupils/:pupilId/agreements', { config: { access: keepers } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(agreementInput, agreementFromForm(body))
    if (!form.ok) return newPage(request, reply, body, form.errors, 400)
    try {
      const id = await recordAgreement(pool, staffOf(request), request.params.pupilId, form.data, clock())
      return reply.redirect(`/agreements/${id}?done=recorded`, 303)
    } catch (error) {
      const errors = failedWith(error)
      if (!errors) throw error
      return newPage(request, reply, body, errors, error instanceof HttpError ? error.status : 400)
    }
  })

  // ------------------------------------------------------------ an agreement, its reviews and letters
  app.get<A>('/agreements/:agreementId', { config: { access: keepers } }, async (request, reply) => {
    const page = await agreementView(pool, staffOf(request), request.params.agreementId)
    return reply.page(view('agreement'), { title: `Agreement for ${page.agreement.pupilName}`, ...page, statusLabels: agreementStatusLabels, outcomeLabels: reviewOutcomeLabels, flash: doneFlash(request, doneMessages) })
  })

  const reviewPage = async (request: FastifyRequest<A>, reply: FastifyReply, body: Record<string, unknown> | null, errors: FieldError[] = [], status = 200) => {
    const page = await agreementView(pool, staffOf(request), request.params.agreementId)
    return reply.status(status).page(view('review'), {
      title: `Review the agreement for ${page.agreement.pupilName}`,
      ...page,
      values: body ?? {},
      nextReviewOn: body ? datePartsOf(body, 'nextReviewOn') : dateParts(''),
      ...errorView(errors, fieldId),
    })
  }

  app.get<A>('/agreements/:agreementId/review', { config: { access: keepers } }, (request, reply) => reviewPage(request, reply, null))

  app.post<A>('/agreements/:agreementId/review', { config: { access: keepers } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(reviewInput, reviewFromForm(body))
    if (!form.ok) return reviewPage(request, reply, body, form.errors, 400)
    try {
      const result = await reviewAgreement(pool, staffOf(request), request.params.agreementId, form.data, clock())
      const done = result.outcome === 'kept' ? 'kept' : result.followUpVisitId ? 'follow_up' : result.lettersDue ? 'not_kept_letters' : 'not_kept'
      return reply.redirect(`/agreements/${request.params.agreementId}?done=${done}`, 303)
    } catch (error) {
      const errors = failedWith(error)
      if (!errors) throw error
      return reviewPage(request, reply, body, errors, error instanceof HttpError ? error.status : 400)
    }
  })

  app.post<A>('/agreements/:agreementId/letters', { config: { access: letterRoles } }, async (request, reply) => {
    try {
      await produceLetters(pool, staffOf(request), request.params.agreementId, clock())
    } catch (error) {
      const errors = failedWith(error)
      if (!errors) throw error
      const page = await agreementView(pool, staffOf(request), request.params.agreementId)
      return reply.status(error instanceof HttpError ? error.status : 400).page(view('agreement'), {
        title: `Agreement for ${page.agreement.pupilName}`,
        ...page,
        statusLabels: agreementStatusLabels,
        outcomeLabels: reviewOutcomeLabels,
        errorList: errors.map((e) => ({ text: e.message, href: '#letters' })),
      })
    }
    return reply.redirect(`/agreements/${request.params.agreementId}?done=produced`, 303)
  })

  // ------------------------------------------------------------ letters to post
  app.get('/letters', { config: { access: letterRoles } }, async (request, reply) => {
    const page = await lettersPage(pool, schoolOf(request).id, clock())
    return reply.page(view('letters'), { title: 'Letters and agreement reviews', ...page, mayEditTemplate: schoolOf(request).roles.includes('headteacher'), flash: doneFlash(request, doneMessages) })
  })

  app.get<L>('/letters/:letterId/letter.pdf', { config: { access: letterRoles } }, async (request, reply) => {
    const pdf = await letterPdf(pool, schoolOf(request).id, request.params.letterId)
    if (!pdf) throw new NotFoundError('There is no letter with that id in this school.')
    return reply.type('application/pdf').header('cache-control', 'private, no-store').header('content-disposition', 'inline; filename="reminder-letter.pdf"').send(pdf)
  })

  app.post<L>('/letters/:letterId/posted', { config: { access: letterRoles } }, async (request, reply) => {
    try {
      await markPosted(pool, staffOf(request), request.params.letterId, clock())
    } catch (error) {
      const errors = failedWith(error)
      if (!errors) throw error
      const page = await lettersPage(pool, schoolOf(request).id, clock())
      return reply.status(error instanceof HttpError ? error.status : 400).page(view('letters'), {
        title: 'Letters and agreement reviews',
        ...page,
        mayEditTemplate: schoolOf(request).roles.includes('headteacher'),
        errorList: errors.map((e) => ({ text: e.message, href: '#to-post' })),
      })
    }
    return reply.redirect('/letters?done=posted', 303)
  })

  // ------------------------------------------------------------ the letter's template (the head's words)
  const templatePage = async (request: FastifyRequest, reply: FastifyReply, body: string | null, errors: FieldError[] = [], status = 200) => {
    const saved = await templateOf(pool, schoolOf(request).id)
    return reply.status(status).page(view('template'), {
      title: 'Reminder letter',
      template: saved,
      value: body ?? saved.body,
      placeholders: Object.entries(letterPlaceholders).map(([name, meaning]) => ({ name: `{{${name}}}`, meaning })),
      flash: doneFlash(request, doneMessages),
      ...(errors.length ? { errorList: errors.map((e) => ({ text: e.message, href: '#body' })), fieldErrors: { body: { text: errors.map((e) => e.message).join('. ') } } } : {}),
    })
  }

  app.get('/letters/template', { config: { access: editors } }, (request, reply) => templatePage(request, reply, null))

  app.post('/letters/template', { config: { access: editors } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(templateInput, templateFromForm(body))
    const typed = typeof body.body === 'string' ? body.body : ''
    if (!form.ok) return templatePage(request, reply, typed, form.errors, 400)
    try {
      await saveTemplate(pool, staffOf(request), form.data.body, clock())
    } catch (error) {
      const errors = failedWith(error)
      if (!errors) throw error
      return templatePage(request, reply, typed, errors, error instanceof HttpError ? error.status : 400)
    }
    return reply.redirect('/letters/template?done=template', 303)
  })

  registerAgreementApi(app)
}

// ---------------------------------------------------------------- the API (R-AGREE-1, issue 9 point 10)

const adultJson = z.object({ contactId: z.uuid(), name: z.string(), relationship: z.string().nullable() })
const agreementJson = z.object({
  id: z.uuid(),
  pupilId: z.uuid(),
  pupilName: z.string(),
  visitId: z.uuid().nullable(),
  text: z.string(),
  agreedOn: z.string(),
  reviewOn: z.string(),
  status: z.enum(agreementStatuses),
  followUpVisitId: z.uuid().nullable(),
  createdByName: z.string(),
  adults: z.array(adultJson),
})
const reviewJson = z.object({ id: z.uuid(), outcome: z.enum(reviewOutcomes), note: z.string(), reviewOn: z.string(), nextReviewOn: z.string().nullable(), reviewedAt: z.string(), reviewedByName: z.string() })
const letterJson = z.object({
  id: z.uuid(),
  agreementId: z.uuid(),
  pupilId: z.uuid(),
  pupilName: z.string(),
  addressedTo: z.string(),
  postalAddress: z.string(),
  producedAt: z.string(),
  producedByName: z.string(),
  postedAt: z.string().nullable(),
  postedByName: z.string().nullable(),
  pdf: z.string().describe('Path of the letter as a PDF'),
})

const agreementOut = (a: Agreement) => ({ ...a, adults: a.adults.map((adult) => ({ contactId: adult.contactId, name: adult.name, relationship: adult.relationship })) })
const reviewOut = (r: Review) => ({ ...r, reviewedAt: r.reviewedAt.toISOString() })
const letterOut = (l: Letter) => ({ ...l, producedAt: l.producedAt.toISOString(), postedAt: l.postedAt?.toISOString() ?? null, pdf: `/letters/${l.id}/letter.pdf` })

function registerAgreementApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const tag = 'Agreements and letters'
  const schoolParams = z.object({ schoolId: z.uuid() })
  const pupilParams = z.object({ schoolId: z.uuid(), pupilId: z.uuid() })
  const agreementParams = z.object({ schoolId: z.uuid(), agreementId: z.uuid() })
  const letterParams = z.object({ schoolId: z.uuid(), letterId: z.uuid() })
  const detailJson = z.object({ agreement: agreementJson, reviews: z.array(reviewJson), letters: z.array(letterJson), lettersDue: z.boolean() })
  const detail = async (request: FastifyRequest, agreementId: string) => {
    const page = await agreementView(pool, staffOf(request), agreementId)
    return { agreement: agreementOut(page.agreement), reviews: page.reviews.map(reviewOut), letters: page.letters.map(letterOut), lettersDue: page.lettersDue }
  }

  defineApi(app, {
    method: 'GET', url: '/api/v1/schools/:schoolId/pupils/:pupilId/agreements', summary: 'A pupil’s agreements with their parents (R-AGREE-1)', tag, access: keepers,
    params: pupilParams, response: z.object({ agreements: z.array(agreementJson) }),
    handler: async ({ request, params }) => {
      const staff = staffOf(request)
      await requirePupil(pool, staff.schoolId, params.pupilId)
      return { agreements: (await agreementsOfPupil(pool, staff.schoolId, params.pupilId)).map(agreementOut) }
    },
  })

  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/pupils/:pupilId/agreements', summary: 'Record an agreement with a pupil’s parents, with its review date (R-AGREE-1)', tag, access: keepers,
    params: pupilParams, body: agreementInput, response: detailJson, status: 201,
    handler: async ({ request, params, body }) => detail(request, await recordAgreement(pool, staffOf(request), params.pupilId, body, clock())),
  })

  defineApi(app, {
    method: 'GET', url: '/api/v1/schools/:schoolId/agreements/:agreementId', summary: 'An agreement, its reviews and its letters', tag, access: keepers,
    params: agreementParams, response: detailJson,
    handler: async ({ request, params }) => detail(request, params.agreementId),
  })

  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/agreements/:agreementId/reviews', summary: 'Mark an agreement kept or not kept at its review; not kept needs the next review date', tag, access: keepers,
    params: agreementParams, body: reviewInput, response: detailJson.extend({ followUpVisitId: z.uuid().nullable() }), status: 201,
    handler: async ({ request, params, body }) => {
      const result = await reviewAgreement(pool, staffOf(request), params.agreementId, body, clock())
      return { ...(await detail(request, params.agreementId)), followUpVisitId: result.followUpVisitId }
    },
  })

  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/agreements/:agreementId/letters', summary: 'Produce the reminder letters after a not-kept review: one to each adult', tag, access: letterRoles,
    params: agreementParams, response: z.object({ letters: z.array(letterJson) }), status: 201,
    handler: async ({ request, params }) => {
      const staff = staffOf(request)
      const ids = await produceLetters(pool, staff, params.agreementId, clock())
      const letters = []
      for (const id of ids) letters.push(letterOut((await findLetter(pool, staff.schoolId, id))!))
      return { letters }
    },
  })

  defineApi(app, {
    method: 'GET', url: '/api/v1/schools/:schoolId/letters', summary: 'Reminder letters: those still to post (status=to_post, the default) or all', tag, access: letterRoles,
    params: schoolParams, query: z.object({ status: z.enum(['to_post', 'all']).default('to_post') }), response: z.object({ letters: z.array(letterJson) }),
    handler: async ({ request, query }) => ({ letters: (await lettersOfSchool(pool, schoolOf(request).id, { toPost: query.status === 'to_post' })).map(letterOut) }),
  })

  defineApi(app, {
    method: 'POST', url: '/api/v1/schools/:schoolId/letters/:letterId/posted', summary: 'Mark a reminder letter posted', tag, access: letterRoles,
    params: letterParams, response: letterJson,
    handler: async ({ request, params }) => letterOut(await markPosted(pool, staffOf(request), params.letterId, clock())),
  })

  defineApi(app, {
    method: 'GET', url: '/api/v1/schools/:schoolId/letter-template', summary: 'The school’s reminder letter template and its placeholders', tag, access: editors,
    params: schoolParams, response: z.object({ body: z.string(), custom: z.boolean(), placeholders: z.array(z.string()) }),
    handler: async ({ request }) => {
      const saved = await templateOf(pool, schoolOf(request).id)
      return { body: saved.body, custom: saved.custom, placeholders: Object.keys(letterPlaceholders) }
    },
  })

  defineApi(app, {
    method: 'PUT', url: '/api/v1/schools/:schoolId/letter-template', summary: 'Change the reminder letter template; unknown placeholders are refused, naming them', tag, access: editors,
    params: schoolParams, body: templateInput, response: z.object({ body: z.string(), custom: z.boolean(), placeholders: z.array(z.string()) }),
    handler: async ({ request, body }) => {
      await saveTemplate(pool, staffOf(request), body.body, clock())
      const saved = await templateOf(pool, schoolOf(request).id)
      return { body: saved.body, custom: saved.custom, placeholders: Object.keys(letterPlaceholders) }
    },
  })
}
