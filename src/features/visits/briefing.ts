import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { plannedCheckIns, type CheckInInitiator } from '../../domain/check-in-schedule.ts'
import { itineraryOf } from '../../domain/itinerary.ts'
import { formatMinutes } from '../../domain/dates.ts'
import { describeRoles, joinWords, type SchoolRole } from '../../domain/roles.ts'
import { riskAssessmentFields, type escalationActions } from '../../policy/schema.ts'
import { ConflictError, ForbiddenError, NotFoundError } from '../../web/errors.ts'
import { agenciesOfPupil, familyForPupil, hazardsForAddress, type Agency, type Hazard, type Pupil, type RestrictedNotes } from '../pupils/repository.ts'
import { mayReadRestrictedNotes, readRestrictedNotes } from '../pupils/service.ts'
import { listStaff } from '../staff/repository.ts'
import { statusLabels } from '../../domain/visit-lifecycle.ts'
import { findVisit, insertEvent, readCodeWord, type Visit } from './repository.ts'
import { canReadBriefing, canSeeCodeWord, refreshRiskAssessment, type Viewer } from './service.ts'
import { londonParts } from './times.ts'

/**
 * The briefing the visitors read before they leave, on a phone (R-BRIEF-1, R-CASH-1, R-RISK-3):
 * what the risk assessment found, where and when, who they will meet, the pupil's needs, the
 * hazards, the check-in plan and wait limits, the code word and the policy's reminders.
 *
 * Who reads it (R-CONF-1): the staff going on the visit, the school office, and the DSL, deputy
 * DSLs, the headteacher and the associate head. The pupils' restricted notes (medical, SEND,
 * behaviour) by the one rule of the pupils service (`mayReadRestrictedNotes`): the DSL/head roles,
 * and the staff on THIS visit once it is approved; every read of them is audited there. Every view of the briefing goes into the visit's history and the
 * audit log.
 */

/** The statuses a visit is approved in: anything else gets the "not approved yet" warning. */
const approvedStatuses = new Set(['approved', 'in_progress', 'completed'])

export type BriefingAdult = {
  id: string
  name: string
  relationships: string[]
  parentalResponsibility: boolean
  livesWithPupil: boolean
  meeting: boolean
  /** Only for the adults being met. */
  phone: string | null
  language: string
  interpreterNeeded: boolean
  literacyNeeds: string
  culturalConsiderations: string
  noAppointments: boolean
}

export type BriefingPupil = {
  pupil: Pupil
  /** Null when this reader may not see them. */
  restricted: RestrictedNotes | null
  agencies: Agency[]
}

export type BriefingCheckIn = { time: string; label: string; who: string; initiatedBy: CheckInInitiator }

export type Briefing = {
  visit: Visit
  statusLabel: string
  approved: boolean
  onVisit: boolean
  codeWord: string | undefined
  pupils: BriefingPupil[]
  adults: BriefingAdult[]
  riskFindings: Array<{ label: string; answer: string }>
  animals: Hazard[]
  otherHazards: Hazard[]
  itinerary: Array<{ time: string; label: string }> | null
  checkIns: BriefingCheckIn[]
  /** Who the visitors keep in touch with: the office, or the responsible contact out of hours. */
  monitor: string
  escalationText: string
  waits: { notPresent: string; runningLate: string }
  contacts: Array<{ name: string; phone: string }>
  reminders: string[]
  badgeRule: string
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** The briefing of a visit for one reader; records the view. 404 for another school's visit, 403 for someone not allowed. */
export async function briefingFor(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, now: Date): Promise<Briefing> {
  let visit = await findVisit(pool, schoolId, visitId)
  if (!visit) throw new NotFoundError('There is no visit with that id in this school.')
  const onVisit = visit.staff.some((person) => person.userId === viewer.userId)
  if (!canReadBriefing(viewer, visit)) {
    throw new ForbiddenError('The briefing is only for the staff going on this visit, the school office, and the DSL or headteacher.')
  }
  if (visit.status === 'refused' || visit.status === 'cancelled') {
    throw new ConflictError(`This visit was ${visit.status}, so it has no briefing.`)
  }
  // A hazard recorded since the assessment re-opens it first: the briefing must not call a visit approved that no longer is.
  if (await refreshRiskAssessment(pool, schoolId, visitId, now)) visit = (await findVisit(pool, schoolId, visitId))!
  const current = visit

  await inTransaction(pool, async (client) => {
    const actor = { userId: viewer.userId, name: viewer.name }
    const summary = `Viewed the briefing${onVisit ? '' : ' (not going on the visit)'}`
    await insertEvent(client, { schoolId, visitId, at: now, actorUserId: viewer.userId, actorName: viewer.name, kind: 'briefing_viewed', summary })
    await recordAudit(client, { schoolId, actor, action: 'visit.briefing_viewed', subjectType: 'visit', subjectId: visitId, summary }, now)
  })

  const codeWord = canSeeCodeWord(viewer, current) ? await readCodeWord(pool, schoolId, visitId) : undefined
  const staff = { actor: { userId: viewer.userId, name: viewer.name }, schoolId, roles: viewer.roles }

  const pupils: BriefingPupil[] = []
  const adults = new Map<string, BriefingAdult>()
  const meeting = new Set(current.adults.map((adult) => adult.id))
  for (const { id } of current.pupils) {
    const family = await familyForPupil(pool, schoolId, id)
    if (!family) continue
    const restricted = mayReadRestrictedNotes(staff, { visit: current, pupilId: id })
      ? await readRestrictedNotes(pool, staff, id, now, { where: 'visit briefing', visit: current })
      : null
    pupils.push({ pupil: family.pupil, restricted, agencies: await agenciesOfPupil(pool, schoolId, id) })
    for (const adult of family.adults) {
      const entry = adults.get(adult.id) ?? {
        id: adult.id,
        name: adult.name,
        relationships: [],
        parentalResponsibility: false,
        livesWithPupil: false,
        meeting: meeting.has(adult.id),
        phone: meeting.has(adult.id) && adult.phone ? adult.phone : null,
        language: adult.language,
        interpreterNeeded: adult.interpreterNeeded,
        literacyNeeds: adult.literacyNeeds,
        culturalConsiderations: adult.culturalConsiderations,
        noAppointments: adult.noAppointments,
      }
      entry.relationships.push(`${capitalise(adult.relationship)} of ${family.pupil.firstName}`)
      entry.parentalResponsibility ||= adult.parentalResponsibility
      entry.livesWithPupil ||= adult.livesWithPupil
      adults.set(adult.id, entry)
    }
  }

  const hazards = current.addressId ? await hazardsForAddress(pool, schoolId, current.addressId) : []
  const ra = current.riskAssessment
  const policy = current.policy
  const monitor = current.outOfHours && current.responsibleContact ? current.responsibleContact.name : 'the school office'

  return {
    visit: current,
    statusLabel: statusLabels[current.status],
    approved: approvedStatuses.has(current.status),
    onVisit,
    codeWord,
    pupils,
    adults: [...adults.values()].sort((a, b) => Number(b.meeting) - Number(a.meeting)),
    riskFindings: ra ? policy.riskAssessment.requiredFields.map((field) => ({ label: capitalise(riskAssessmentFields[field]), answer: ra.answers[field] ?? '' })) : [],
    animals: hazards.filter((hazard) => hazard.kind === 'animal'),
    otherHazards: hazards.filter((hazard) => hazard.kind !== 'animal'),
    itinerary: itineraryLines(current),
    checkIns: checkInPlan(current, monitor),
    monitor,
    escalationText: escalationText(current),
    waits: {
      notPresent: `If nobody is at home at the arranged time, wait no longer than ${formatMinutes(policy.waits.parentsNotPresentMinutes)}, then leave: the visit is cancelled as no contact.`,
      runningLate: `If the parents say they are running late, do not go in until they arrive, and leave after ${formatMinutes(policy.waits.parentsRunningLateMinutes)}.`,
    },
    contacts: await officeContacts(pool, schoolId, current),
    reminders: policy.reminders.briefing,
    badgeRule: policy.identity.badgeRule,
  }
}

const time = (at: Date | null) => (at ? londonParts(at).time : '')

function itineraryLines(visit: Visit): Array<{ time: string; label: string }> | null {
  if (!visit.plannedStart || !visit.plannedEnd) return null
  return [
    ...(visit.leaveSchoolAt ? [{ time: time(visit.leaveSchoolAt), label: 'Leave school' }] : []),
    { time: time(visit.arriveAt ?? visit.plannedStart), label: 'Arrive at the address' },
    { time: `${time(visit.plannedStart)} to ${time(visit.plannedEnd)}`, label: 'The visit' },
    { time: time(visit.finishAt ?? visit.plannedEnd), label: 'Leave the address' },
    visit.backAtSchoolAt
      ? { time: time(visit.backAtSchoolAt), label: 'Back at school' }
      : { time: '', label: 'Not going back to school afterwards: report that you have left the visit' },
  ]
}

/** R-CHECK-1/2: the check-ins the policy asks for, if each is made on time, and who makes each contact. */
function checkInPlan(visit: Visit, monitor: string): BriefingCheckIn[] {
  const itinerary = itineraryOf(visit)
  if (!itinerary) return []
  return plannedCheckIns(visit.policy, itinerary).map((checkIn) => ({
    time: time(checkIn.dueAt),
    label: checkIn.label,
    initiatedBy: checkIn.initiatedBy,
    who: checkIn.initiatedBy === 'office' ? `${capitalise(monitor)} calls you` : `You check in with ${monitor}`,
  }))
}

/** R-ESC-1, in words: what happens when a check-in is missed. */
function escalationText(visit: Visit): string {
  const { steps, outOfHoursOfficeReplacedBy } = visit.policy.escalation
  const grace = formatMinutes(visit.policy.checkIns.graceMinutes)
  const replaced = visit.outOfHours && outOfHoursOfficeReplacedBy === 'responsible_contact' && visit.responsibleContact
  const who = (roles: readonly SchoolRole[]) => (replaced ? describeRoles(roles).replace('the school office', visit.responsibleContact!.name) : describeRoles(roles))
  const ladder = steps.map((step) => `${who(step.roles)} ${actionVerb(step.action)}`)
  return `If you are more than ${grace} late with a check-in, or not back when planned: ${joinWords(ladder, 'and')}, in that order, until someone confirms you are safe.`
}

function actionVerb(action: keyof typeof escalationActions): string {
  return { phone_visitors: 'tries to reach each of you by phone', decide: 'decides what to do next', consider_police: 'considers contacting the police', call_police: 'contacts the police' }[action]
}

/** Who to ring at school: the office staff's mobiles (schools hold no office number yet), or the responsible contact out of hours. */
async function officeContacts(pool: Pool, schoolId: string, visit: Visit): Promise<Array<{ name: string; phone: string }>> {
  const contacts: Array<{ name: string; phone: string }> = []
  if (visit.outOfHours && visit.responsibleContact?.mobile) {
    contacts.push({ name: `${visit.responsibleContact.name} (responsible contact, out of hours)`, phone: visit.responsibleContact.mobile })
  }
  for (const person of await listStaff(pool, schoolId)) {
    if (person.active && person.roles.includes('office') && person.mobile) contacts.push({ name: `${person.name} (school office)`, phone: person.mobile })
  }
  return contacts
}
