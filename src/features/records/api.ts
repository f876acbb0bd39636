import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { recordStatuses } from '../../domain/visit-record.ts'
import { defineApi } from '../../web/api.ts'
import { pupilChronology } from '../chronology/chronology.ts'
import { pupilViewers } from '../pupils/service.ts'
import { viewerOf, visitUsers } from '../visits/service.ts'
import type { FollowUpAction } from './repository.ts'
import { actionDoneInput, actionInput, presentPerson, recordInput } from './schema.ts'
import { addAction, completeAction, followUpOverview, recordCardLeft, recordPage, saveRecord, timeOf, type RecordPage } from './service.ts'

/**
 * JSON API for visit records, follow-up actions and the pupil's chronology (R-REC-1, R-REC-3, R-FOLLOW-1),
 * with the pages' schemas and service rules: the same refusals with the same messages.
 */
const when = z.string().describe('ISO 8601 date-time')
const visitParams = z.object({ schoolId: z.uuid(), visitId: z.uuid() })
const pupilParams = z.object({ schoolId: z.uuid(), pupilId: z.uuid() })
const actionParams = z.object({ schoolId: z.uuid(), actionId: z.uuid() })
const schoolParams = z.object({ schoolId: z.uuid() })

const actionSchema = z.object({
  id: z.uuid(),
  pupilId: z.uuid(),
  visitId: z.uuid().nullable(),
  description: z.string(),
  owner: z.object({ userId: z.uuid(), name: z.string() }),
  dueOn: z.string().describe('YYYY-MM-DD'),
  status: z.enum(['open', 'done']),
  createdBy: z.string(),
  createdAt: when,
  done: z.object({ by: z.string(), at: when, note: z.string() }).nullable(),
})

const recordResponse = z.object({
  visitId: z.uuid(),
  closure: z.enum(['not_ended', 'closed_without_record', 'awaiting_record', 'closed']).describe('A visit is closed only once its record is completed'),
  dueAt: when.nullable(),
  overdue: z.boolean(),
  cardOffered: z.boolean().describe('R-REC-2: no parent was reached, so a home visit card is left'),
  cardLeftAt: when.nullable(),
  record: z
    .object({
      status: z.enum(recordStatuses),
      version: z.int(),
      present: z.array(presentPerson),
      arrivedAt: z.string().nullable().describe('HH:MM, UK time'),
      leftAt: z.string().nullable().describe('HH:MM, UK time'),
      discussed: z.string(),
      agreements: z.string(),
      concerns: z.string().optional().describe('Only for the safeguarding roles and the staff on the visit; every read is audited'),
      actions: z.string(),
      updatedAt: when,
      updatedBy: z.string(),
      completedAt: when.nullable(),
      completedBy: z.string().nullable(),
    })
    .nullable(),
  followUpActions: z.array(actionSchema),
})

function toApiAction(action: FollowUpAction): z.input<typeof actionSchema> {
  return {
    id: action.id,
    pupilId: action.pupilId,
    visitId: action.visitId,
    description: action.description,
    owner: { userId: action.ownerUserId, name: action.ownerName },
    dueOn: action.dueOn,
    status: action.status,
    createdBy: action.createdByName,
    createdAt: action.createdAt.toISOString(),
    done: action.doneAt ? { by: action.doneByName ?? '', at: action.doneAt.toISOString(), note: action.doneNote } : null,
  }
}

function toApiRecord(page: RecordPage): z.input<typeof recordResponse> {
  const { record } = page
  return {
    visitId: page.visit.id,
    closure: page.closure.state,
    dueAt: page.dueAt?.toISOString() ?? null,
    overdue: page.overdue,
    cardOffered: page.cardOffered,
    cardLeftAt: page.cardLeftAt ? new Date(page.cardLeftAt).toISOString() : null,
    record: record
      ? {
          status: record.status,
          version: record.version,
          present: record.present,
          arrivedAt: record.arrivedAt ? timeOf(record.arrivedAt) : null,
          leftAt: record.leftAt ? timeOf(record.leftAt) : null,
          discussed: record.discussed,
          agreements: record.agreements,
          ...(page.seesConcerns ? { concerns: record.concerns } : {}),
          actions: record.actions,
          updatedAt: record.updatedAt.toISOString(),
          updatedBy: record.updatedByName,
          completedAt: record.completedAt?.toISOString() ?? null,
          completedBy: record.completedByName,
        }
      : null,
    followUpActions: page.actions.map(toApiAction),
  }
}

export function registerRecordApi(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  const access = { roles: visitUsers }
  const tag = 'Visit records'

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/visits/:visitId/record',
    summary: 'The visit record, whether the visit is closed, and its follow-up actions (R-REC-1)',
    tag,
    access,
    params: visitParams,
    response: recordResponse,
    handler: async ({ request, params }) => toApiRecord(await recordPage(pool, viewerOf(request), params.schoolId, params.visitId, clock(), 'the API')),
  })

  for (const [url, complete, summary] of [
    ['/api/v1/schools/:schoolId/visits/:visitId/record', false, 'Save the visit record as a draft (R-REC-1)'],
    ['/api/v1/schools/:schoolId/visits/:visitId/record/complete', true, 'Complete the visit record, which closes the visit (R-REC-1)'],
  ] as const) {
    defineApi(app, {
      method: complete ? 'POST' : 'PUT',
      url,
      summary,
      tag,
      access,
      params: visitParams,
      body: recordInput,
      response: recordResponse,
      handler: async ({ request, params, body }) => {
        await saveRecord(pool, viewerOf(request), params.schoolId, params.visitId, body, complete, clock())
        return toApiRecord(await recordPage(pool, viewerOf(request), params.schoolId, params.visitId, clock(), 'the API'))
      },
    })
  }

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/card-left',
    summary: 'Record that a home visit card was left at the address (R-REC-2)',
    tag,
    access,
    params: visitParams,
    response: recordResponse,
    status: 201,
    handler: async ({ request, params }) => {
      await recordCardLeft(pool, viewerOf(request), params.schoolId, params.visitId, clock())
      return toApiRecord(await recordPage(pool, viewerOf(request), params.schoolId, params.visitId, clock(), 'the API'))
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/pupils/:pupilId/chronology',
    summary: "The pupil's chronology, oldest first (R-REC-3); safeguarding detail only for safeguarding roles",
    tag,
    access: { roles: pupilViewers },
    params: pupilParams,
    response: z.object({ entries: z.array(z.object({ at: when, category: z.string(), who: z.string(), what: z.string(), actions: z.string(), href: z.string().optional() })) }),
    handler: async ({ request, params }) => {
      const entries = await pupilChronology(pool, viewerOf(request), params.schoolId, params.pupilId, clock())
      return { entries: entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })) }
    },
  })

  defineApi(app, {
    method: 'GET',
    url: '/api/v1/schools/:schoolId/follow-ups',
    summary: 'Your open follow-up actions; for the DSL team and the head, every overdue action and visit record (R-FOLLOW-1)',
    tag,
    access,
    params: schoolParams,
    response: z.object({
      myActions: z.array(actionSchema),
      overdueActions: z.array(actionSchema),
      overdueRecords: z.array(z.object({ visitId: z.uuid(), dueAt: when, recordStatus: z.enum(recordStatuses).nullable() })),
    }),
    handler: async ({ request, params }) => {
      const overview = await followUpOverview(pool, viewerOf(request), params.schoolId, clock())
      return {
        myActions: overview.myActions.map(toApiAction),
        overdueActions: overview.overdueActions.map(toApiAction),
        overdueRecords: overview.overdueRecords.map((row) => ({ visitId: row.visitId, dueAt: row.dueAt.toISOString(), recordStatus: row.recordStatus })),
      }
    },
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/visits/:visitId/actions',
    summary: "Add a follow-up action to a visit, about one of its pupils (R-FOLLOW-1)",
    tag,
    access,
    params: visitParams,
    body: actionInput,
    response: z.object({ id: z.uuid() }),
    status: 201,
    handler: async ({ request, params, body }) => ({ id: await addAction(pool, viewerOf(request), params.schoolId, { visitId: params.visitId }, body, clock()) }),
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/pupils/:pupilId/actions',
    summary: 'Add a follow-up action about a pupil (R-FOLLOW-1)',
    tag,
    access: { roles: pupilViewers },
    params: pupilParams,
    body: actionInput.omit({ pupilId: true }),
    response: z.object({ id: z.uuid() }),
    status: 201,
    handler: async ({ request, params, body }) => ({ id: await addAction(pool, viewerOf(request), params.schoolId, { pupilId: params.pupilId }, body, clock()) }),
  })

  defineApi(app, {
    method: 'POST',
    url: '/api/v1/schools/:schoolId/actions/:actionId/done',
    summary: 'Mark a follow-up action done (R-FOLLOW-1)',
    tag,
    access,
    params: actionParams,
    body: actionDoneInput,
    response: actionSchema,
    handler: async ({ request, params, body }) => toApiAction(await completeAction(pool, viewerOf(request), params.schoolId, params.actionId, body.note, clock())),
  })
}
