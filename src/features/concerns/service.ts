import type pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { formatMinutes } from '../../domain/dates.ts'
import { holdsAnyRole, safeguardingRoles, type SchoolRole } from '../../domain/roles.ts'
import type { Policy } from '../../policy/schema.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { notify } from '../live/notify.ts'
import { usersWithRoles } from '../live/repository.ts'
import { currentPolicy } from '../policy/repository.ts'
import { adultsOfPupil, findPupil, type FamilyAdult } from '../pupils/repository.ts'
import { stopAppointmentsWith } from '../pupils/service.ts'
import { findVisit, type Visit } from '../visits/repository.ts'
import { canView, visitUsers, type Viewer } from '../visits/service.ts'
import {
  closeConcernRow,
  findConcern,
  findIncident,
  insertConcern,
  insertConcernAction,
  insertIncident,
  listConcerns,
  listIncidents,
  lockConcern,
  lockIncident,
  markRiskReviewed,
  type Concern,
  type ConcernFilter,
  type Incident,
} from './repository.ts'
import { concernCategories, incidentKinds, type CloseConcernInput, type ConcernActionInput, type ConcernInput, type IncidentInput, type RiskReviewInput } from './schema.ts'

/**
 * Safeguarding concerns and disclosures (R-SAFE-1, R-ALERT-3) and incidents on visits (R-INC-1,
 * R-FAMILY-3, R-RISK-4): the rules, for the pages and the API alike (docs/decisions/0022).
 *
 * - Any member of staff who sees a visit (or a pupil) may raise a concern about its pupils. The DSL and
 *   deputy DSLs are alerted at once, with the roles the school's policy sends concerns to, in the app, by
 *   email and by Web Push; what leaves Doorstep says who raised it, which school, and a link.
 * - Only the safeguarding roles (headteacher, associate head, DSL, deputy DSL: decision 0010) read a
 *   concern; every view, the list included, is in the audit history. The person who raised it sees that
 *   they did, when, about whom, and whether it is open or closed; not what the DSL did.
 * - An incident is reported to the roles the policy names (`reporting.incidentsTo`); abusive or threatening
 *   behaviour by an adult of the family stops appointments with them (R-FAMILY-3); where the policy keeps a
 *   standing risk assessment that visits feed (R-RISK-4) the incident asks the headteacher to review it.
 */

/** Who reads concerns: the safeguarding roles, nobody else, whatever a policy names (decision 0010). */
export const concernReaders = safeguardingRoles
/** Who may raise one: the staff with visit and pupil pages (the service checks they see the visit). */
export const concernRaisers = visitUsers
/** Who reads the school's incidents: senior staff (MR's central leadership team among them). */
export const incidentReaders = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt'] as const satisfies readonly SchoolRole[]
/** Who marks the standing risk assessment reviewed after an incident (R-RISK-4). */
export const riskReviewers = ['headteacher', 'associate_head'] as const satisfies readonly SchoolRole[]

export const concernRefusal = 'Safeguarding concerns are read only by the DSL, the deputy DSLs, the headteacher and the associate headteacher.'

/** R-SAFE-1: the safeguarding team always, and the roles the policy sends concerns to. */
export function concernRecipientRoles(policy: Policy): SchoolRole[] {
  return [...new Set<SchoolRole>(['dsl', 'deputy_dsl', ...policy.reporting.safeguardingConcernsTo])]
}

export const mayReadConcerns = (viewer: Pick<Viewer, 'roles'>) => holdsAnyRole(viewer.roles, concernReaders)
export const mayReadIncidents = (viewer: Pick<Viewer, 'roles'>, policy?: Policy) => holdsAnyRole(viewer.roles, [...incidentReaders, ...(policy?.reporting.incidentsTo ?? [])])
export const mayReviewRisk = (viewer: Pick<Viewer, 'roles'>) => holdsAnyRole(viewer.roles, riskReviewers)

const actorOf = (viewer: Viewer) => ({ userId: viewer.userId, name: viewer.name })
const staffOf = (viewer: Viewer, schoolId: string) => ({ actor: actorOf(viewer), schoolId, roles: viewer.roles })

async function schoolName(db: Db, schoolId: string): Promise<string> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [schoolId])
  return rows[0]?.name ?? 'your school'
}

/** Not later than now (a few minutes' grace for a phone's clock). */
function notInFuture(field: string, at: Date, now: Date, what: string): void {
  if (at.getTime() > now.getTime() + 5 * 60_000) throw new ValidationError([{ field, message: `${what} cannot be in the future` }])
}

/** "2 hours 5 minutes", "3 days 4 hours": how long after something a record was made. */
export function describeDelay(from: Date, to: Date): string {
  const minutes = Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000))
  if (minutes < 48 * 60) return formatMinutes(minutes)
  const days = Math.floor(minutes / (24 * 60))
  const hours = Math.floor((minutes % (24 * 60)) / 60)
  return `${days} days${hours ? ` ${hours === 1 ? '1 hour' : `${hours} hours`}` : ''}`
}

// ---------------------------------------------------------------- raising a concern

export type ConcernPlace = { visitId: string } | { pupilId: string }

/** The pupils a concern raised here may be about: the visit's, or the pupil and the children of their family. */
export async function pupilsForConcern(db: Db, viewer: Viewer, schoolId: string, place: ConcernPlace): Promise<{ visit: Visit | null; pupils: Array<{ id: string; name: string; yearGroup: string }> }> {
  if ('visitId' in place) {
    const visit = await findVisit(db, schoolId, place.visitId)
    if (!visit || !canView(viewer, visit)) throw new NotFoundError('There is no visit with that id in this school.')
    return { visit, pupils: visit.pupils.map((p) => ({ id: p.id, name: p.name, yearGroup: p.yearGroup })) }
  }
  const pupil = await findPupil(db, schoolId, place.pupilId)
  if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
  const { rows } = await db.query<{ id: string; name: string; yearGroup: string }>(
    `SELECT DISTINCT p.id, p.first_name || ' ' || p.last_name AS name, p.year_group AS "yearGroup", p.last_name, p.first_name
       FROM pupil_contacts mine JOIN pupil_contacts theirs ON theirs.contact_id = mine.contact_id JOIN pupils p ON p.id = theirs.pupil_id AND p.school_id = $1
      WHERE mine.pupil_id = $2 AND p.id <> $2 ORDER BY p.last_name, p.first_name`,
    [schoolId, pupil.id],
  )
  return { visit: null, pupils: [{ id: pupil.id, name: pupil.name, yearGroup: pupil.yearGroup }, ...rows.map(({ id, name, yearGroup }) => ({ id, name, yearGroup }))] }
}

/** R-SAFE-1, R-ALERT-3: records the concern and alerts the safeguarding team, in one transaction. */
export async function raiseConcern(pool: Pool, viewer: Viewer, schoolId: string, place: ConcernPlace, input: ConcernInput, now: Date): Promise<string> {
  notInFuture('happenedAt', input.happenedAt, now, 'The time it happened')
  return inTransaction(pool, async (client) => {
    const { visit, pupils } = await pupilsForConcern(client, viewer, schoolId, place)
    const allowed = new Set(pupils.map((p) => p.id))
    if (input.pupilIds.some((id) => !allowed.has(id))) {
      throw new ValidationError([{ field: 'pupilIds', message: visit ? 'Choose pupils of this visit' : 'Choose this pupil or children of their family' }])
    }
    const policy = visit ? visit.policy : (await currentPolicy(client, schoolId, now)).policy
    const id = await insertConcern(client, schoolId, {
      visitId: visit?.id ?? null,
      kind: input.kind,
      category: input.category,
      account: input.account,
      childWords: input.childWords,
      happenedAt: input.happenedAt,
      immediateAction: input.immediateAction,
      raisedBy: viewer.userId,
      raisedByName: viewer.name,
      raisedAt: now,
    }, input.pupilIds)
    const names = pupils.filter((p) => input.pupilIds.includes(p.id)).map((p) => p.name)
    await recordAudit(client, {
      schoolId,
      actor: actorOf(viewer),
      action: 'concern.raised',
      subjectType: 'concern',
      subjectId: id,
      summary: `Raised a safeguarding ${input.kind} (${concernCategories[input.category]}) about ${names.join(', ')}`,
      change: { kind: input.kind, category: input.category, pupilIds: input.pupilIds, visitId: visit?.id ?? null },
    }, now)
    await alertSafeguardingTeam(client, viewer, schoolId, policy, id, visit?.id ?? null, now)
    return id
  })
}

/**
 * The alert (R-SAFE-1): in the app, by Web Push and by email, at once. It says who raised it and which
 * school, and links to the concern. A role the policy names that does not read concerns (Morecambe Road's
 * central leadership team) is told the same, with a link to their alerts: the DSL team has the detail.
 */
async function alertSafeguardingTeam(client: pg.PoolClient, viewer: Viewer, schoolId: string, policy: Policy, concernId: string, visitId: string | null, now: Date): Promise<void> {
  const school = await schoolName(client, schoolId)
  const roles = concernRecipientRoles(policy)
  const readers = (await usersWithRoles(client, schoolId, roles.filter((role) => holdsAnyRole([role], concernReaders)))).map((u) => u.id)
  const others = (await usersWithRoles(client, schoolId, roles.filter((role) => !holdsAnyRole([role], concernReaders)))).map((u) => u.id).filter((id) => !readers.includes(id))
  const base = { schoolId, visitId, alarmId: null, kind: 'concern' as const, priority: 'high' as const, title: `Doorstep at ${school}: a safeguarding concern has been raised`, channels: ['push', 'email'] as const }
  const notMe = (ids: string[]) => ids.filter((id) => id !== viewer.userId)
  if (notMe(readers).length) await notify(client, { ...base, userIds: notMe(readers), body: `Raised by ${viewer.name}. Open Doorstep to read it and record what is done.`, link: `/concerns/${concernId}` }, now)
  if (notMe(others).length) await notify(client, { ...base, userIds: notMe(others), body: `Raised by ${viewer.name}. The DSL has it in Doorstep.`, link: '/notifications' }, now)
}

// ---------------------------------------------------------------- reading concerns

export type ConcernView =
  | { full: true; concern: Concern }
  /** The person who raised it: that they did, about whom, and its status — not what the DSL did. */
  | { full: false; concern: Pick<Concern, 'id' | 'visitId' | 'kind' | 'category' | 'pupils' | 'raisedAt' | 'raisedByName' | 'status' | 'closedAt'> }

/** One concern for one reader, the view written to the audit history in the same transaction. */
export async function viewConcern(pool: Pool, viewer: Viewer, schoolId: string, concernId: string, how: 'page' | 'api', now: Date): Promise<ConcernView> {
  return inTransaction(pool, async (client) => {
    const concern = await findConcern(client, schoolId, concernId)
    if (!concern) throw new NotFoundError('There is no concern with that id in this school.')
    const full = mayReadConcerns(viewer)
    if (!full && concern.raisedBy !== viewer.userId) throw new ForbiddenError(concernRefusal)
    await recordAudit(client, {
      schoolId,
      actor: actorOf(viewer),
      action: 'concern.viewed',
      subjectType: 'concern',
      subjectId: concernId,
      summary: full ? `Viewed a safeguarding concern about ${concern.pupils.map((p) => p.name).join(', ')}` : 'Viewed the status of a concern they raised',
      change: { how, detail: full },
    }, now)
    if (full) return { full: true, concern }
    const { id, visitId, kind, category, pupils, raisedAt, raisedByName, status, closedAt } = concern
    return { full: false, concern: { id, visitId, kind, category, pupils, raisedAt, raisedByName, status, closedAt } }
  })
}

/** The DSL team's list (no account text on it); the reading of the list is audited too. */
export async function concernsFor(pool: Pool, viewer: Viewer, schoolId: string, filter: Pick<ConcernFilter, 'status'>, how: 'page' | 'api', now: Date): Promise<Concern[]> {
  if (!mayReadConcerns(viewer)) throw new ForbiddenError(concernRefusal)
  return inTransaction(pool, async (client) => {
    const concerns = await listConcerns(client, schoolId, filter)
    await recordAudit(client, {
      schoolId,
      actor: actorOf(viewer),
      action: 'concern.list_viewed',
      subjectType: 'concern',
      summary: `Viewed the list of safeguarding concerns (${concerns.length})`,
      change: { how, status: filter.status ?? null },
    }, now)
    return concerns
  })
}

/** Concerns a person raised, with their status only. */
export async function concernsRaisedBy(pool: Pool, viewer: Viewer, schoolId: string): Promise<Array<Pick<Concern, 'id' | 'category' | 'pupils' | 'raisedAt' | 'status'>>> {
  const concerns = await listConcerns(pool, schoolId, { raisedBy: viewer.userId })
  return concerns.map(({ id, category, pupils, raisedAt, status }) => ({ id, category, pupils, raisedAt, status }))
}

// ---------------------------------------------------------------- the DSL's actions

export async function recordConcernAction(pool: Pool, viewer: Viewer, schoolId: string, concernId: string, input: ConcernActionInput, now: Date): Promise<string> {
  if (!mayReadConcerns(viewer)) throw new ForbiddenError(concernRefusal)
  notInFuture('doneAt', input.doneAt, now, 'The time it was done')
  return inTransaction(pool, async (client) => {
    const locked = await lockConcern(client, schoolId, concernId)
    if (!locked) throw new NotFoundError('There is no concern with that id in this school.')
    if (locked.status === 'closed') throw new ConflictError('This concern is closed. Raise a new concern if there is more to record.')
    const id = await insertConcernAction(client, schoolId, concernId, { ...input, recordedBy: viewer.userId, recordedByName: viewer.name, recordedAt: now })
    const reference = input.reference ? `, reference ${input.reference}` : ''
    await recordAudit(client, {
      schoolId,
      actor: actorOf(viewer),
      action: 'concern.action_recorded',
      subjectType: 'concern',
      subjectId: concernId,
      summary: `Recorded on a safeguarding concern: ${input.kind === 'other_referral' ? `referral to ${input.agency}` : input.kind.replaceAll('_', ' ')}${reference}`,
      change: { actionId: id, kind: input.kind, doneAt: input.doneAt.toISOString(), reference: input.reference },
    }, now)
    return id
  })
}

export async function closeConcern(pool: Pool, viewer: Viewer, schoolId: string, concernId: string, input: CloseConcernInput, now: Date): Promise<void> {
  if (!mayReadConcerns(viewer)) throw new ForbiddenError(concernRefusal)
  await inTransaction(pool, async (client) => {
    const locked = await lockConcern(client, schoolId, concernId)
    if (!locked) throw new NotFoundError('There is no concern with that id in this school.')
    if (locked.status === 'closed') throw new ConflictError('This concern is already closed.')
    await closeConcernRow(client, schoolId, concernId, actorOf(viewer), input.outcome, now)
    await recordAudit(client, { schoolId, actor: actorOf(viewer), action: 'concern.closed', subjectType: 'concern', subjectId: concernId, summary: 'Closed a safeguarding concern with its outcome', change: {} }, now)
  })
}

// ---------------------------------------------------------------- incidents

/** The visit an incident is recorded on, who may be named on it, and the adults of the pupils' families. */
export async function incidentContext(db: Db, viewer: Viewer, schoolId: string, visitId: string): Promise<{ visit: Visit; adults: FamilyAdult[] }> {
  const visit = await findVisit(db, schoolId, visitId)
  if (!visit || !canView(viewer, visit)) throw new NotFoundError('There is no visit with that id in this school.')
  const adults = new Map<string, FamilyAdult>()
  for (const pupil of visit.pupils) for (const adult of await adultsOfPupil(db, schoolId, pupil.id)) if (!adults.has(adult.id)) adults.set(adult.id, adult)
  return { visit, adults: [...adults.values()] }
}

/**
 * R-INC-1: records an incident on a visit and reports it to the roles the policy names. R-FAMILY-3:
 * abusive or threatening behaviour stops appointments with the adults named. R-RISK-4: where the policy
 * keeps a standing risk assessment that visits feed, the incident asks for its review.
 */
export async function recordIncident(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, input: IncidentInput, now: Date): Promise<string> {
  notInFuture('happenedAt', input.happenedAt, now, 'The time it happened')
  return inTransaction(pool, async (client) => {
    const { visit, adults } = await incidentContext(client, viewer, schoolId, visitId)
    const staffIds = new Set(visit.staff.map((s) => s.userId))
    if (input.staffIds.some((id) => !staffIds.has(id))) throw new ValidationError([{ field: 'staffIds', message: 'Choose staff who were on this visit' }])
    const adultIds = new Set(adults.map((a) => a.id))
    if (input.adultIds.some((id) => !adultIds.has(id))) throw new ValidationError([{ field: 'adultIds', message: 'Choose adults of the pupils’ families' }])
    if (input.abusiveAdultIds.some((id) => !adultIds.has(id))) throw new ValidationError([{ field: 'abusiveAdultIds', message: 'Choose adults of the pupils’ families' }])
    const standing = visit.policy.riskAssessment.standingAssessment
    const riskReviewOf = standing?.updateAfterVisits ? standing.name : null
    const abusive = adults.filter((a) => input.abusiveAdultIds.includes(a.id))
    const involved = [...new Set([...input.adultIds, ...input.abusiveAdultIds])]
    const id = await insertIncident(client, schoolId, {
      visitId,
      kind: input.kind,
      happenedAt: input.happenedAt,
      location: input.location,
      whatHappened: input.whatHappened,
      interventionWhat: input.kind === 'physical_intervention' ? input.interventionWhat : '',
      interventionWhy: input.kind === 'physical_intervention' ? input.interventionWhy : '',
      reportedBy: viewer.userId,
      reportedByName: viewer.name,
      recordedAt: now,
      riskReviewOf,
    }, input.staffIds, involved.map((contactId) => ({ contactId, stoppedAppointments: abusive.some((a) => a.id === contactId && !a.noAppointments) })))
    await recordAudit(client, {
      schoolId,
      actor: actorOf(viewer),
      action: 'incident.recorded',
      subjectType: 'incident',
      subjectId: id,
      summary: `Recorded an incident on a home visit: ${incidentKinds[input.kind].toLowerCase()}`,
      change: { visitId, kind: input.kind, happenedAt: input.happenedAt.toISOString(), staffIds: input.staffIds, adultIds: involved, riskReviewOf },
    }, now)
    for (const adult of abusive.filter((a) => !a.noAppointments)) {
      const family = (await client.query<{ pupilId: string }>(
        'SELECT pupil_id AS "pupilId" FROM pupil_contacts WHERE contact_id = $1 AND pupil_id = ANY($2::uuid[]) ORDER BY pupil_id LIMIT 1',
        [adult.id, visit.pupils.map((p) => p.id)],
      )).rows[0]
      const ofPupil = visit.pupils.find((p) => p.id === family?.pupilId) ?? visit.pupils[0]!
      await stopAppointmentsWith(client, staffOf(viewer, schoolId), ofPupil, adult, `${incidentKinds.abusive_behaviour} on a home visit: ${input.whatHappened}`.slice(0, 2000), now, { incidentId: id })
    }
    const school = await schoolName(client, schoolId)
    const recipients = (await usersWithRoles(client, schoolId, visit.policy.reporting.incidentsTo)).map((u) => u.id).filter((u) => u !== viewer.userId)
    if (recipients.length) {
      await notify(client, {
        schoolId,
        userIds: recipients,
        visitId,
        alarmId: null,
        kind: 'incident',
        priority: 'high',
        title: `Doorstep at ${school}: an incident on a home visit has been reported`,
        body: `Reported by ${viewer.name}. Open Doorstep to read it.`,
        link: `/incidents/${id}`,
        channels: ['push', 'email'],
      }, now)
    }
    return id
  })
}

export type IncidentView = { incident: Incident; mayReview: boolean; recordedAfter: string; sinceVisit: string | null }

/** One incident: its readers, the person who reported it and the staff named on it. The view is audited. */
export async function viewIncident(pool: Pool, viewer: Viewer, schoolId: string, incidentId: string, how: 'page' | 'api', now: Date): Promise<IncidentView> {
  return inTransaction(pool, async (client) => {
    const incident = await findIncident(client, schoolId, incidentId)
    if (!incident) throw new NotFoundError('There is no incident with that id in this school.')
    const visit = await findVisit(client, schoolId, incident.visitId)
    const named = incident.reportedBy === viewer.userId || incident.staff.some((s) => s.id === viewer.userId)
    if (!mayReadIncidents(viewer, visit?.policy) && !named) throw new ForbiddenError('Incidents are read by the headteacher, the senior leadership team, the DSL team and the staff named on them.')
    await recordAudit(client, { schoolId, actor: actorOf(viewer), action: 'incident.viewed', subjectType: 'incident', subjectId: incidentId, summary: 'Viewed an incident on a home visit', change: { how } }, now)
    return {
      incident,
      mayReview: mayReviewRisk(viewer) && incident.riskReviewOf !== null && incident.riskReviewedAt === null,
      recordedAfter: describeDelay(incident.happenedAt, incident.recordedAt),
      sinceVisit: incident.visitStart ? describeDelay(incident.visitStart, incident.recordedAt) : null,
    }
  })
}

export async function incidentsFor(pool: Pool, viewer: Viewer, schoolId: string, filter: { reviewDue?: boolean } = {}): Promise<Incident[]> {
  if (!mayReadIncidents(viewer)) throw new ForbiddenError('Incidents are read by the headteacher, the senior leadership team and the DSL team.')
  return listIncidents(pool, schoolId, filter)
}

/** R-RISK-4: the headteacher records that the standing risk assessment was reviewed after the incident. */
export async function recordRiskReview(pool: Pool, viewer: Viewer, schoolId: string, incidentId: string, input: RiskReviewInput, now: Date): Promise<void> {
  if (!mayReviewRisk(viewer)) throw new ForbiddenError('Only the headteacher or associate headteacher records the review of the standing risk assessment.')
  await inTransaction(pool, async (client) => {
    const locked = await lockIncident(client, schoolId, incidentId)
    if (!locked) throw new NotFoundError('There is no incident with that id in this school.')
    if (!locked.riskReviewOf) throw new ConflictError('The school’s policy keeps no standing risk assessment for this incident to review.')
    if (locked.riskReviewedAt) throw new ConflictError('The review after this incident is already recorded.')
    await markRiskReviewed(client, schoolId, incidentId, actorOf(viewer), input.note, now)
    await recordAudit(client, {
      schoolId,
      actor: actorOf(viewer),
      action: 'incident.risk_reviewed',
      subjectType: 'incident',
      subjectId: incidentId,
      summary: `Reviewed the ${locked.riskReviewOf} risk assessment after an incident`,
      change: { note: input.note },
    }, now)
  })
}
