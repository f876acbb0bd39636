import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { schoolOf } from '../../web/auth-plugin.ts'
import { HttpError, ValidationError, type FieldError } from '../../web/errors.ts'
import { doneFlash } from '../../web/flash.ts'
import { errorView, parseForm } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { addHomePanel } from '../home/panels.ts'
import { exportPupilChronology, exportVisitChronology, type ExportFormat } from '../chronology/chronology.ts'
import { pupilViewers } from '../pupils/service.ts'
import { viewerOf, visitUsers } from '../visits/service.ts'
import { registerRecordApi } from './api.ts'
import { possibleOwners } from './repository.ts'
import { renderHomeVisitCardPdf } from './card-pdf.ts'
import { actionDoneInput, actionFieldId, actionFromForm, actionInput, OTHER_ROWS, recordFieldId, recordFromForm, recordInput } from './schema.ts'
import { addAction, completeAction, followUpOverview, homeFollowUps, homeVisitCard, recordCardLeft, recordChoices, recordPage, saveRecord, visibleAction, type RecordPage } from './service.ts'

type V = { Params: { visitId: string } }
type P = { Params: { pupilId: string } }
type A = { Params: { actionId: string } }

const view = (name: string) => `records/views/${name}.njk`

const doneMessages: Record<string, string> = {
  saved: 'Draft saved. You can come back to it from the visit page.',
  completed: 'Visit record completed. The visit is closed.',
  'card-left': 'Recorded that a home visit card was left.',
  'action-added': 'Follow-up action added.',
  'action-done': 'Follow-up action marked done.',
}

/** A GOV.UK date input's three boxes, as typed. */
function dateParts(body: Record<string, unknown>, name: string) {
  return { day: String(body[`${name}-day`] ?? ''), month: String(body[`${name}-month`] ?? ''), year: String(body[`${name}-year`] ?? '') }
}

export function registerRecordRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const access = { roles: visitUsers }
  addNavigation({ href: '/follow-ups', text: 'Records and follow-up actions', roles: visitUsers, group: 'follow-up', description: 'Visit records still to complete, and follow-up actions with their owners and due dates.' })
  // Overdue records and actions on the home page (R-REC-1, R-FOLLOW-1), when there are any.
  addHomePanel({
    id: 'follow-ups',
    roles: visitUsers,
    template: 'records/views/home-panel.njk',
    load: async (context) => {
      const followUps = await homeFollowUps(context.pool, viewerOf(context.request), context.school.id, context.clock())
      return followUps.overdueRecords.length || followUps.overdueActions.length || followUps.myOverdue ? followUps : null
    },
  })

  // ------------------------------------------------------------ the record (R-REC-1)
  const showRecord = async (request: FastifyRequest<V>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const page = await recordPage(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    return reply.status(status).page(view('record'), { ...recordContext(page), flash: doneFlash(request, doneMessages), ...extra })
  }

  app.get<V>('/visits/:visitId/record', { config: { access } }, async (request, reply) => showRecord(request, reply))

  app.post<V>('/visits/:visitId/record', { config: { access } }, async (request, reply) => {
    const viewer = viewerOf(request)
    const schoolId = schoolOf(request).id
    const { visitId } = request.params
    const wantsJson = String(request.headers.accept ?? '').includes('application/json')
    const { input, intent, otherRows } = recordFromForm(request.body, await recordChoices(pool, viewer, schoolId, visitId))
    const body = (request.body ?? {}) as Record<string, unknown>
    const fail = async (statusCode: number, errors: FieldError[]) => {
      if (wantsJson) return reply.status(statusCode).send({ saved: false, errors })
      const before = await recordPage(pool, viewer, schoolId, visitId, clock(), 'saving the record')
      return reply.status(statusCode).page(view('record'), {
        ...recordContext(before),
        values: body,
        ticked: ([] as unknown[]).concat(body.present ?? []).map(String),
        otherRows: padRows(otherRows),
        ...errorView(errors, recordFieldId),
      })
    }
    const form = parseForm(recordInput, input)
    if (!form.ok) return fail(400, form.errors)
    try {
      const saved = await saveRecord(pool, viewer, schoolId, visitId, form.data, intent === 'complete', clock())
      if (wantsJson) return reply.send({ saved: true, version: saved.record.version, savedAt: saved.record.updatedAt.toISOString() })
      return reply.redirect(intent === 'complete' ? `/visits/${visitId}/record?done=completed` : `/visits/${visitId}/record?done=saved`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return fail(400, error.fieldErrors)
      if (error instanceof HttpError && (error.status === 409 || error.status === 403)) return fail(error.status, [{ field: 'form', message: error.message }])
      throw error
    }
  })

  // ------------------------------------------------------------ the home visit card (R-REC-2)
  app.get<V>('/visits/:visitId/card.pdf', { config: { access } }, async (request, reply) => {
    const card = await homeVisitCard(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    return reply
      .type('application/pdf')
      .header('content-disposition', 'inline; filename="home-visit-card.pdf"')
      .send(await renderHomeVisitCardPdf(card))
  })

  app.post<V>('/visits/:visitId/card-left', { config: { access } }, async (request, reply) => {
    try {
      await recordCardLeft(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) return showRecord(request, reply, { errorList: [{ text: error.message, href: '#card' }] }, 409)
      throw error
    }
    return reply.redirect(`/visits/${request.params.visitId}/record?done=card-left`, 303)
  })

  // ------------------------------------------------------------ follow-up actions (R-FOLLOW-1)
  app.post<V>('/visits/:visitId/actions', { config: { access } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const fail = (status: number, errors: FieldError[]) =>
      showRecord(request, reply, { actionValues: body, actionDates: dateParts(body, 'dueOn'), ...prefixed(errorView(errors, actionFieldId)) }, status)
    const form = parseForm(actionInput, actionFromForm(body))
    if (!form.ok) return fail(400, form.errors)
    try {
      await addAction(pool, viewerOf(request), schoolOf(request).id, { visitId: request.params.visitId }, form.data, clock())
    } catch (error) {
      if (error instanceof ValidationError) return fail(400, error.fieldErrors)
      throw error
    }
    return reply.redirect(`/visits/${request.params.visitId}/record?done=action-added#follow-ups`, 303)
  })

  app.post<P>('/pupils/:pupilId/actions', { config: { access: { roles: pupilViewers } } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = parseForm(actionInput, actionFromForm(body))
    const errors = form.ok ? [] : form.errors
    if (form.ok) {
      try {
        await addAction(pool, viewerOf(request), schoolOf(request).id, { pupilId: request.params.pupilId }, form.data, clock())
        return reply.redirect(`/pupils/${request.params.pupilId}?done=action-added#follow-ups`, 303)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        errors.push(...error.fieldErrors)
      }
    }
    return reply.status(400).page(view('pupil-action'), {
      title: 'Add a follow-up action',
      pupilId: request.params.pupilId,
      owners: await ownersFor(request),
      actionValues: body,
      actionDates: dateParts(body, 'dueOn'),
      ...prefixed(errorView(errors, actionFieldId)),
    })
  })

  const ownersFor = (request: FastifyRequest) => possibleOwners(pool, schoolOf(request).id)

  app.post<A>('/actions/:actionId/done', { config: { access } }, async (request, reply) => {
    const schoolId = schoolOf(request).id
    const action = await visibleAction(pool, schoolId, request.params.actionId)
    const form = parseForm(actionDoneInput, { note: String((request.body as Record<string, unknown> | undefined)?.note ?? '') })
    const back = String((request.body as Record<string, unknown> | undefined)?.back ?? '')
    const to = back === 'pupil' ? `/pupils/${action.pupilId}?done=action-done#follow-ups` : back === 'record' && action.visitId ? `/visits/${action.visitId}/record?done=action-done#follow-ups` : '/follow-ups?done=action-done'
    if (!form.ok) return reply.status(400).page(view('follow-ups'), { title: 'Follow-ups', overview: await followUpOverview(pool, viewerOf(request), schoolId, clock()), ...errorView(form.errors) })
    try {
      await completeAction(pool, viewerOf(request), schoolId, action.id, form.data.note, clock())
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) return reply.redirect(to, 303)
      throw error
    }
    return reply.redirect(to, 303)
  })

  app.get('/follow-ups', { config: { access } }, async (request, reply) => {
    const overview = await followUpOverview(pool, viewerOf(request), schoolOf(request).id, clock())
    return reply.page(view('follow-ups'), { title: 'Follow-ups', overview, flash: doneFlash(request, doneMessages) })
  })

  // ------------------------------------------------------------ exports (R-REC-3)
  const sendExport = (reply: FastifyReply, file: { filename: string; contentType: string; body: string }) =>
    reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body)
  for (const [suffix, format] of [['txt', 'text'], ['csv', 'csv']] as Array<[string, ExportFormat]>) {
    app.get<V>(`/visits/:visitId/record/export.${suffix}`, { config: { access } }, async (request, reply) =>
      sendExport(reply, await exportVisitChronology(pool, viewerOf(request), schoolOf(request).id, request.params.visitId, format, clock())),
    )
    app.get<P>(`/pupils/:pupilId/chronology.${suffix}`, { config: { access: { roles: pupilViewers } } }, async (request, reply) =>
      sendExport(reply, await exportPupilChronology(pool, viewerOf(request), schoolOf(request).id, request.params.pupilId, format, clock())),
    )
  }

  registerRecordApi(app)
}

/** The action form's errors sit beside the record's: its own names, so a page can hold both forms. */
function prefixed(view: ReturnType<typeof errorView>) {
  return { errorList: view.errorList, actionErrors: view.fieldErrors }
}

/** The "someone else" rows: those typed, then blank ones (at least one, and three in all). */
function padRows(rows: Array<{ name: string; relationship: string }>) {
  const blanks = Math.max(1, OTHER_ROWS - rows.length)
  return [...rows, ...Array.from({ length: blanks }, () => ({ name: '', relationship: '' }))]
}

/** What the record page shows, from the service's model. */
export function recordContext(page: RecordPage) {
  const { record, visit } = page
  const staffChoices = page.choices.filter((c) => c.userId)
  const saved = record?.present ?? []
  const ticked = saved.flatMap((person) => {
    const choice = page.choices.find((c) => (person.contactId && c.contactId === person.contactId) || (person.userId && c.userId === person.userId))
    return choice ? [choice.key] : []
  })
  const others = saved.filter((person) => !person.contactId && !person.userId).map((person) => ({ name: person.name, relationship: person.relationship }))
  return {
    title: `Visit record: ${visit.pupils.map((p) => p.name).join(', ') || 'visit'}`,
    page,
    visit,
    record,
    values: {
      arrivedAt: page.prefill.arrivedAt,
      leftAt: page.prefill.leftAt,
      discussed: record?.discussed ?? '',
      agreements: record?.agreements ?? '',
      concerns: record?.concerns ?? '',
      actions: record?.actions ?? '',
    },
    // Before anything is saved, the visitors are ticked: they were there.
    ticked: record ? ticked : staffChoices.map((c) => c.key),
    otherRows: padRows(others),
    raiseConcernHref: `/visits/${visit.id}/concerns/new`,
    owners: page.owners,
    actionValues: {},
    actionDates: {},
    actionErrors: {},
    today: page.today,
  }
}
