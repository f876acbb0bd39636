import type pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { londonDate } from '../../domain/hours.ts'
import { holdsAnyRole, safeguardingRoles, type SchoolRole } from '../../domain/roles.ts'
import { plannedStatuses, visitOutcomeLabels } from '../../domain/visit-lifecycle.ts'
import {
  cardOffered,
  closureLabels,
  closureOf,
  completionProblems,
  dueDateProblem,
  isRecordOverdue,
  mayWriteRecord,
  recordDueAt,
  type Closure,
} from '../../domain/visit-record.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { londonInstant } from '../visits/times.ts'
import { findVisit, insertEvent, type Visit } from '../visits/repository.ts'
import { canEdit, canView, type Viewer } from '../visits/service.ts'
import {
  endedVisit,
  findAction,
  findRecord,
  insertAction,
  listActions,
  markActionDone,
  possibleOwners,
  recordsAwaiting,
  upsertRecord,
  type AwaitingRecord,
  type EndedVisit,
  type FollowUpAction,
  type VisitRecord,
} from './repository.ts'
import type { ActionInput, PresentChoice, RecordInput } from './schema.ts'

/**
 * After the visit (R-REC-1, R-REC-2, R-FOLLOW-1, decision 0021).
 *
 * Who writes a visit's record: the staff on the visit, whoever planned it, and the senior staff who may
 * change any visit (`canEdit`). Who reads it: whoever sees the visit (`canView`). Its concerns are
 * safeguarding detail (R-CONF-1, decision 0010): read only by the safeguarding roles and the staff on the
 * visit who wrote them; every time a non-empty concern is shown, the audit history records who read it.
 */

/** Who sees what is overdue for the whole school (records and actions): the DSL team and the head. */
export const followUpWatchers = safeguardingRoles

export const isOnVisit = (viewer: Pick<Viewer, 'userId'>, visit: Pick<Visit, 'staff'>) => visit.staff.some((person) => person.userId === viewer.userId)

export function seesConcerns(viewer: Viewer, visit: Pick<Visit, 'staff'>): boolean {
  return holdsAnyRole(viewer.roles, safeguardingRoles) || isOnVisit(viewer, visit)
}

export function seesSafeguardingDetail(roles: readonly SchoolRole[]): boolean {
  return holdsAnyRole(roles, safeguardingRoles)
}

const actor = (viewer: Viewer) => ({ userId: viewer.userId, name: viewer.name })
const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
export const timeOf = (at: Date | null) => (at ? hhmm.format(at) : '')

async function visibleVisit(db: Db, viewer: Viewer, schoolId: string, visitId: string): Promise<Visit> {
  const visit = await findVisit(db, schoolId, visitId)
  if (!visit || !canView(viewer, visit)) throw new NotFoundError('There is no visit with that id in this school.')
  return visit
}

/** The people the record form offers to tick: the adults of the visit's pupils' families, then the visitors. */
async function presentChoices(db: Db, visit: Visit): Promise<PresentChoice[]> {
  const { rows } = await db.query<{ contactId: string; name: string; relationship: string }>(
    `SELECT DISTINCT ON (c.id) c.id AS "contactId", concat_ws(' ', nullif(c.title, ''), c.first_name, c.last_name) AS name, initcap(pc.relationship) AS relationship
       FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id AND c.school_id = pc.school_id
      WHERE pc.school_id = $1 AND pc.pupil_id IN (SELECT pupil_id FROM visit_pupils WHERE school_id = $1 AND visit_id = $2)
      ORDER BY c.id`,
    [visit.schoolId, visit.id],
  )
  const adults = rows
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((row) => ({ key: `contact-${row.contactId}`, name: row.name, relationship: row.relationship, contactId: row.contactId, userId: null }))
  const staff = visit.staff.map((person) => ({ key: `staff-${person.userId}`, name: person.name, relationship: 'School staff', contactId: null, userId: person.userId }))
  return [...adults, ...staff]
}

export type RecordPage = {
  visit: Visit
  ended: EndedVisit
  record: VisitRecord | null
  choices: PresentChoice[]
  mayWrite: boolean
  /** May add follow-up actions to the visit (the record's writers, even once it is complete). */
  mayAddActions: boolean
  seesConcerns: boolean
  closure: Closure
  closureLabel: string
  dueAt: Date | null
  overdue: boolean
  outcomeLabel: string | null
  cardOffered: boolean
  cardLeftAt: Date | null
  actions: FollowUpAction[]
  owners: Array<{ id: string; name: string }>
  /** The times to show in the form: the record's, else the day's live events, else the plan. */
  prefill: { arrivedAt: string; leftAt: string }
  /** Today in the UK (YYYY-MM-DD): actions due before it are overdue. */
  today: string
}

/** Everything the record page, the visit page's panel and the API show; audits a read of its concerns. */
export async function recordPage(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, now: Date, where = 'the visit record'): Promise<RecordPage> {
  return inTransaction(pool, async (client) => {
    const visit = await visibleVisit(client, viewer, schoolId, visitId)
    const ended = (await endedVisit(client, schoolId, visitId))!
    const record = await findRecord(client, schoolId, visitId)
    const choices = await presentChoices(client, visit)
    const actions = await listActions(client, schoolId, { visitId })
    const owners = await possibleOwners(client, schoolId)
    const cardLeft = await client.query<{ at: Date }>(`SELECT max(at) AS at FROM visit_events WHERE school_id = $1 AND visit_id = $2 AND kind = 'record.card_left'`, [schoolId, visitId])
    const concerns = seesConcerns(viewer, visit)
    if (concerns && record && record.concerns.trim()) {
      await recordAudit(client, {
        schoolId,
        actor: actor(viewer),
        action: 'visit.record_concerns_viewed',
        subjectType: 'visit',
        subjectId: visitId,
        summary: `Read the concerns in a visit record (${where})`,
      }, now)
    }
    const closure = closureOf(ended, record)
    const dueAt = ended.endedAt ? recordDueAt(ended.endedAt, ended.completeWithinHours) : null
    return {
      visit,
      ended,
      record: record && !concerns ? { ...record, concerns: '' } : record,
      choices,
      mayWrite: canEdit(viewer, visit) && mayWriteRecord(ended) && record?.status !== 'completed',
      mayAddActions: canEdit(viewer, visit),
      seesConcerns: concerns,
      closure,
      closureLabel: closureLabels[closure.state],
      dueAt,
      overdue: isRecordOverdue(ended, record, dueAt, now),
      outcomeLabel: ended.outcome ? visitOutcomeLabels[ended.outcome] : null,
      cardOffered: cardOffered(ended.outcome),
      cardLeftAt: cardLeft.rows[0]?.at ?? null,
      actions,
      owners,
      today: londonDate(now),
      prefill: { arrivedAt: timeOf(record ? record.arrivedAt : ended.arrivedAt), leftAt: timeOf(record ? record.leftAt : ended.leftAt) },
    }
  })
}

/** The people the record form offers, for turning a submitted form into the record (reads no concerns). */
export async function recordChoices(pool: Pool, viewer: Viewer, schoolId: string, visitId: string): Promise<PresentChoice[]> {
  const visit = await visibleVisit(pool, viewer, schoolId, visitId)
  return presentChoices(pool, visit)
}

export type SaveOutcome = { record: VisitRecord; completed: boolean }

/**
 * Saves the record as a draft, or completes it (R-REC-1). Refused: a visit the visitors have not gone out
 * on yet (409), someone who may not write it (403), a save over a newer version (409), a completed record
 * (409), and completing without who was there, the times and what was discussed (400, by field).
 */
export async function saveRecord(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, input: RecordInput, complete: boolean, now: Date): Promise<SaveOutcome> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM visits WHERE school_id = $1 AND id = $2 FOR UPDATE', [schoolId, visitId])
    const visit = await visibleVisit(client, viewer, schoolId, visitId)
    if (!canEdit(viewer, visit)) throw new ForbiddenError('Only the staff on the visit, whoever planned it and senior staff can write its record.')
    const ended = (await endedVisit(client, schoolId, visitId))!
    if (!mayWriteRecord(ended)) throw new ConflictError('The visit record can be written once the visitors have signed out of school for the visit.')
    const existing = await findRecord(client, schoolId, visitId, true)
    if (existing?.status === 'completed') throw new ConflictError(`This record was completed by ${existing.completedByName} and can no longer be changed.`)
    if (input.version !== undefined && existing && existing.version !== input.version) {
      throw new ConflictError(`Someone else saved this record since you opened it (${existing.updatedByName}). Open it again to see their changes, then add yours.`)
    }
    if (input.version !== undefined && !existing && input.version !== 1) throw new ConflictError('This record has not been saved before: send version 1 or leave it out.')

    // People picked from the family must be this visit's family; visitors must be on the visit.
    const choices = await presentChoices(client, visit)
    const errors = input.present.flatMap((person, n) =>
      (person.contactId && !choices.some((c) => c.contactId === person.contactId)) || (person.userId && !choices.some((c) => c.userId === person.userId))
        ? [{ field: `present.${n}`, message: 'Pick people present from this pupil’s family or the staff on the visit, or add them by name' }]
        : [],
    )
    const day = londonDate(ended.arrivedAt ?? visit.plannedStart ?? now)
    const arrivedAt = input.arrivedAt ? londonInstant(day, input.arrivedAt) : null
    const leftAt = input.leftAt ? londonInstant(day, input.leftAt) : null
    if (arrivedAt && leftAt && leftAt < arrivedAt) errors.push({ field: 'leftAt', message: 'The time you left must be after the time you arrived' })
    const write = { present: input.present, arrivedAt, leftAt, discussed: input.discussed, agreements: input.agreements, concerns: input.concerns, actions: input.actions }
    if (complete) errors.push(...completionProblems(write, ended.outcome))
    if (errors.length) throw new ValidationError(errors)

    const record = await upsertRecord(client, schoolId, visitId, write, actor(viewer), complete, now)
    const summary = complete ? 'Completed the visit record' : existing ? 'Saved the visit record (draft)' : 'Started the visit record'
    if (complete || !existing) await insertEvent(client, { schoolId, visitId, at: now, actorUserId: viewer.userId, actorName: viewer.name, kind: complete ? 'record.completed' : 'record.started', summary })
    await recordAudit(client, {
      schoolId,
      actor: actor(viewer),
      action: complete ? 'visit.record_completed' : 'visit.record_saved',
      subjectType: 'visit',
      subjectId: visitId,
      summary,
      // Which parts changed, never their text (the concerns are safeguarding detail).
      change: { version: record.version, status: record.status, present: record.present.length, parts: (['discussed', 'agreements', 'concerns', 'actions'] as const).filter((part) => write[part] !== (existing?.[part] ?? '')) },
    }, now)
    return { record, completed: complete }
  })
}

/** R-REC-2: a home visit card was left at the door (an event on the visit, so it is in the chronology too). */
export async function recordCardLeft(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, now: Date): Promise<void> {
  await inTransaction(pool, async (client) => {
    const visit = await visibleVisit(client, viewer, schoolId, visitId)
    if (!canEdit(viewer, visit)) throw new ForbiddenError('Only the staff on the visit, whoever planned it and senior staff can record that a card was left.')
    const ended = (await endedVisit(client, schoolId, visitId))!
    if (!mayWriteRecord(ended) || !cardOffered(ended.outcome)) throw new ConflictError('A home visit card is left when no parent was reached at the door.')
    const summary = 'Left a home visit card at the address'
    await insertEvent(client, { schoolId, visitId, at: now, actorUserId: viewer.userId, actorName: viewer.name, kind: 'record.card_left', summary })
    await recordAudit(client, { schoolId, actor: actor(viewer), action: 'visit.card_left', subjectType: 'visit', subjectId: visitId, summary }, now)
  })
}

// ---------------------------------------------------------------- the home visit card (R-REC-2)

export type HomeVisitCard = { schoolName: string; date: string; time: string; callers: string[]; why: string; phone: string | null; address: string | null }

const longDay = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })

/**
 * What the card says: the school, when, who called, why in general terms (the purpose's name from the
 * policy, never its detail nor anything from the risk assessment) and how to reach the school. No pupil or
 * family name: the card is left where anyone may pick it up. Printing it is recorded in the audit history.
 */
export async function homeVisitCard(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, now: Date): Promise<HomeVisitCard> {
  return inTransaction(pool, async (client) => {
    const visit = await visibleVisit(client, viewer, schoolId, visitId)
    if (!canEdit(viewer, visit)) throw new ForbiddenError('Only the staff on the visit, whoever planned it and senior staff can print its home visit card.')
    const ended = (await endedVisit(client, schoolId, visitId))!
    // Printed before the visit to take along, or after it when no parent was reached: never for a draft,
    // refused visit or one cancelled before anyone went.
    const planned = (plannedStatuses as readonly string[]).includes(ended.status)
    if (!planned && !cardOffered(ended.outcome)) throw new ConflictError('A home visit card is for a planned visit, or one where no parent was reached at the door.')
    const school = (await client.query<{ name: string; phone: string | null; address: string | null }>('SELECT name, phone, address FROM schools WHERE id = $1', [schoolId])).rows[0]!
    const at = ended.arrivedAt ?? visit.plannedStart ?? now
    await recordAudit(client, { schoolId, actor: actor(viewer), action: 'visit.card_printed', subjectType: 'visit', subjectId: visitId, summary: 'Printed a home visit card' }, now)
    return {
      schoolName: school.name,
      date: longDay.format(at).replace(',', ''),
      time: hhmm.format(at),
      callers: visit.staff.map((person) => person.name),
      why: visit.purposeLabel ?? 'To talk with you about your child’s time at school',
      phone: school.phone,
      address: school.address,
    }
  })
}

// ---------------------------------------------------------------- follow-up actions (R-FOLLOW-1)

export async function addAction(
  pool: Pool,
  viewer: Viewer,
  schoolId: string,
  on: { visitId: string } | { pupilId: string },
  input: ActionInput,
  now: Date,
): Promise<string> {
  return inTransaction(pool, async (client) => {
    let pupilId: string
    let visitId: string | null = null
    if ('visitId' in on) {
      const visit = await visibleVisit(client, viewer, schoolId, on.visitId)
      if (!canEdit(viewer, visit)) throw new ForbiddenError('Only the staff on the visit, whoever planned it and senior staff can add its follow-up actions.')
      const pupil = input.pupilId ? visit.pupils.find((p) => p.id === input.pupilId) : visit.pupils[0]
      if (!pupil) throw new ValidationError([{ field: 'pupilId', message: 'Choose one of the visit’s pupils' }])
      pupilId = pupil.id
      visitId = visit.id
    } else {
      const found = await client.query('SELECT 1 FROM pupils WHERE school_id = $1 AND id = $2', [schoolId, on.pupilId])
      if (found.rowCount === 0) throw new NotFoundError('There is no pupil with that id in this school.')
      pupilId = on.pupilId
    }
    const owner = (await possibleOwners(client, schoolId)).find((person) => person.id === input.ownerUserId)
    const problems = [
      ...(owner ? [] : [{ field: 'ownerUserId', message: 'Choose a member of this school’s staff to own the action' }]),
      ...(dueDateProblem(input.dueOn, londonDate(now)) ? [{ field: 'dueOn', message: dueDateProblem(input.dueOn, londonDate(now))! }] : []),
    ]
    if (problems.length) throw new ValidationError(problems)
    const id = await insertAction(client, schoolId, { pupilId, visitId, description: input.description, ownerUserId: input.ownerUserId, dueOn: input.dueOn }, actor(viewer), now)
    const summary = `Added a follow-up action for ${owner!.name}, due ${input.dueOn}`
    if (visitId) await insertEvent(client, { schoolId, visitId, at: now, actorUserId: viewer.userId, actorName: viewer.name, kind: 'record.action_added', summary, payload: { actionId: id } })
    await recordAudit(client, { schoolId, actor: actor(viewer), action: 'follow_up.added', subjectType: 'follow_up_action', subjectId: id, summary, change: { pupilId, visitId, ownerUserId: input.ownerUserId, dueOn: input.dueOn } }, now)
    return id
  })
}

/** The owner, whoever added it, and the DSL team and head may mark an action done. */
export function mayCloseAction(viewer: Viewer, action: Pick<FollowUpAction, 'ownerUserId'> & { createdBy?: string | null }): boolean {
  return action.ownerUserId === viewer.userId || holdsAnyRole(viewer.roles, followUpWatchers) || holdsAnyRole(viewer.roles, ['slt'])
}

export async function completeAction(pool: Pool, viewer: Viewer, schoolId: string, actionId: string, note: string, now: Date): Promise<FollowUpAction> {
  return inTransaction(pool, async (client) => {
    const action = await findAction(client, schoolId, actionId, true)
    if (!action) throw new NotFoundError('There is no follow-up action with that id in this school.')
    if (!mayCloseAction(viewer, action)) throw new ForbiddenError('Only the action’s owner, the DSL team, senior staff and the head can mark it done.')
    if (action.status === 'done') throw new ConflictError(`This action was already marked done by ${action.doneByName}.`)
    await markActionDone(client, schoolId, actionId, actor(viewer), note, now)
    const summary = 'Marked a follow-up action done'
    await recordAudit(client, { schoolId, actor: actor(viewer), action: 'follow_up.done', subjectType: 'follow_up_action', subjectId: actionId, summary }, now)
    return (await findAction(client, schoolId, actionId))!
  })
}

export async function visibleAction(pool: Pool, schoolId: string, actionId: string): Promise<FollowUpAction> {
  const action = await findAction(pool, schoolId, actionId)
  if (!action) throw new NotFoundError('There is no follow-up action with that id in this school.')
  return action
}

// ---------------------------------------------------------------- what is overdue (home panel, page, digest)

export type FollowUpOverview = {
  seesSchool: boolean
  overdueRecords: AwaitingRecord[]
  waitingRecords: AwaitingRecord[]
  overdueActions: FollowUpAction[]
  myActions: FollowUpAction[]
  today: string
}

export async function followUpOverview(db: Db, viewer: Viewer, schoolId: string, now: Date): Promise<FollowUpOverview> {
  const today = londonDate(now)
  const seesSchool = holdsAnyRole(viewer.roles, followUpWatchers)
  const awaiting = seesSchool ? await recordsAwaiting(db, schoolId) : []
  return {
    seesSchool,
    overdueRecords: awaiting.filter((row) => row.dueAt.getTime() < now.getTime()),
    waitingRecords: awaiting.filter((row) => row.dueAt.getTime() >= now.getTime()),
    overdueActions: seesSchool ? await listActions(db, schoolId, { overdueOn: today }) : [],
    myActions: await listActions(db, schoolId, { ownerUserId: viewer.userId, openOnly: true }),
    today,
  }
}

export async function overdueCounts(client: pg.PoolClient | Pool, schoolId: string, now: Date): Promise<{ records: number; actions: number }> {
  const awaiting = await recordsAwaiting(client, schoolId)
  const actions = await listActions(client, schoolId, { overdueOn: londonDate(now) })
  return { records: awaiting.filter((row) => row.dueAt.getTime() < now.getTime()).length, actions: actions.length }
}

/** The home page's panel: what is overdue (for the DSL team and the head) and one's own overdue actions. */
export async function homeFollowUps(db: Db, viewer: Viewer, schoolId: string, now: Date): Promise<FollowUpOverview & { myOverdue: number }> {
  const overview = await followUpOverview(db, viewer, schoolId, now)
  return { ...overview, myOverdue: overview.myActions.filter((action) => action.dueOn < overview.today).length }
}

export type AfterVisit = { closure: Closure; closureLabel: string; dueAt: Date | null; overdue: boolean; mayWrite: boolean; record: boolean; cardOffered: boolean }

/** The visit page's "after the visit" part, once the visitors have gone out; undefined before. Reads no concerns. */
export async function afterVisitOf(db: Db, viewer: Viewer, visit: Visit, now: Date): Promise<AfterVisit | undefined> {
  const ended = await endedVisit(db, visit.schoolId, visit.id)
  if (!ended || !mayWriteRecord(ended)) return undefined
  const record = await findRecord(db, visit.schoolId, visit.id)
  const closure = closureOf(ended, record)
  const dueAt = ended.endedAt && ended.status !== 'in_progress' ? recordDueAt(ended.endedAt, ended.completeWithinHours) : null
  return {
    closure,
    closureLabel: closureLabels[closure.state],
    dueAt,
    overdue: isRecordOverdue(ended, record, dueAt, now),
    mayWrite: canEdit(viewer, visit) && record?.status !== 'completed',
    record: record !== null,
    cardOffered: cardOffered(ended.outcome),
  }
}
