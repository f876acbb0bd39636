import type pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { londonTime } from '../../domain/hours.ts'
import { itineraryOf, type Itinerary } from '../../domain/itinerary.ts'
import { acknowledgementOutcomeLabels, alarmEscalation, alarmKindLabels } from '../../domain/monitoring.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { liveStageLabels, statusLabels, visitOutcomeLabels } from '../../domain/visit-lifecycle.ts'
import type { Policy } from '../../policy/schema.ts'
import { riskAssessmentFields } from '../../policy/schema.ts'
import { ForbiddenError, NotFoundError } from '../../web/errors.ts'
import { liveWatchers, safeHowLabels } from '../live/service.ts'
import { alarmsOfVisit, checkInsOf, findLiveVisit, type AlarmRow, type CheckInChannel, type CheckInRow, type LiveVisitRow } from '../live/repository.ts'
import { hazardsForAddress } from '../pupils/repository.ts'
import { hazardKindLabels } from '../pupils/schema.ts'
import { descriptionsOf } from '../readiness/description.ts'
import { findVisit, insertEvent, type Visit } from '../visits/repository.ts'
import { roleOnVisitLabels } from '../visits/schema.ts'
import { canView, type Viewer } from '../visits/service.ts'

/**
 * The police information sheet (R-ESC-3): everything the school would read out to the police about a
 * visit that has gone wrong, on one A4 page — who the visitors are and how to recognise and reach them,
 * what they travel in, where they went and who lives there, the known dangers, the times, the last
 * contact and the alarms. One model (`PoliceSheet`), rendered as a printable page and as a PDF, so the
 * two say the same thing.
 *
 * Who reads it (R-CONF-1): the people watching visits — the office, the DSL and deputy DSLs, the
 * headteacher and associate head, the roles the visit's policy names to monitor check-ins or on its
 * escalation ladder, and the visit's responsible contact. Not the visitors (it is about them, and holds
 * the family's hazards and alarm detail), governors or school admins. It never holds the code word
 * itself, only whether and when it was used. Every view is recorded in the visit's history and the
 * audit log, in the same transaction that reads it.
 */

export type SheetItem = { label: string; lines: string[]; alert?: boolean }
export type SheetSection = { id: string; heading: string; items: SheetItem[] }

export type PoliceSheet = {
  visitId: string
  title: string
  schoolName: string
  /** "Home visit on Wednesday 25 November 2026" */
  subtitle: string
  /** "Printed at 15:47 on 25 November 2026 by Pat Gibbons" */
  printed: string
  school: string[]
  sections: SheetSection[]
}

export type SheetFormat = 'page' | 'pdf'

/** Roles that never read the sheet, whatever a policy names. */
const neverReaders: readonly SchoolRole[] = ['visitor', 'governor', 'school_admin']

/** The roles that may read a visit's police sheet under its policy (the responsible contact besides). */
export function policeSheetRoles(policy: Policy): SchoolRole[] {
  const replacement = policy.escalation.outOfHoursOfficeReplacedBy
  const named: SchoolRole[] = [
    ...policy.checkIns.monitoredBy,
    ...policy.escalation.steps.flatMap((step) => step.roles),
    ...(replacement === 'responsible_contact' ? [] : [replacement]),
  ]
  return [...new Set([...liveWatchers, ...named])].filter((role) => !neverReaders.includes(role))
}

export function mayReadPoliceSheet(viewer: Viewer, visit: Pick<Visit, 'policy' | 'responsibleContactUserId'>): boolean {
  return visit.responsibleContactUserId === viewer.userId || holdsAnyRole(viewer.roles, policeSheetRoles(visit.policy))
}

// Free text is cut to keep the sheet to one page; the full text stays in Doorstep.
const LIMITS = { note: 160, hazard: 220, answer: 260, description: 300, list: 8 }

function clip(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim()
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`
}

const hhmm = (at: Date) => londonTime(at).time
const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long' })
const shortDateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' })
/** "Wednesday 25 November 2026" (Intl puts a comma after the weekday). */
const longDate = { format: (at: Date) => `${weekday.format(at)} ${shortDateFormat.format(at)}` }
const shortDate = shortDateFormat

const channelLabels: Record<CheckInChannel, string> = { app: 'in the Doorstep app', phone_call: 'phone call', text: 'text message', in_person: 'in person' }

/**
 * The sheet for one reader, recorded as viewed (visit history and audit log, one transaction).
 * 404 for a visit of another school or one the reader may not see at all; 403 for staff who see the
 * visit but do not watch it (its visitors, SLT not named by the policy).
 */
export async function policeSheetFor(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, format: SheetFormat, now: Date): Promise<PoliceSheet> {
  return inTransaction(pool, async (client) => {
    const visit = await findVisit(client, schoolId, visitId)
    if (!visit || (!canView(viewer, visit) && visit.responsibleContactUserId !== viewer.userId)) throw new NotFoundError('There is no visit with that id in this school.')
    if (!mayReadPoliceSheet(viewer, visit)) {
      throw new ForbiddenError('The police information sheet is for the people watching visits: the school office, the DSL and the headteacher.')
    }
    const live = (await findLiveVisit(client, schoolId, visitId))!
    const sheet = await buildSheet(client, viewer, visit, live, now)
    const summary = `Viewed the police information sheet (${format === 'pdf' ? 'PDF' : 'printable page'})`
    const actor = { userId: viewer.userId, name: viewer.name }
    await insertEvent(client, { schoolId, visitId, at: now, actorUserId: viewer.userId, actorName: viewer.name, kind: 'police_sheet_viewed', summary, payload: { format } })
    await recordAudit(client, { schoolId, actor, action: 'visit.police_sheet_viewed', subjectType: 'visit', subjectId: visitId, summary, change: { format } }, now)
    return sheet
  })
}

async function buildSheet(client: pg.PoolClient, viewer: Viewer, visit: Visit, live: LiveVisitRow, now: Date): Promise<PoliceSheet> {
  // One query at a time on the transaction's connection.
  const school = (await client.query<{ name: string; phone: string | null; address: string | null }>('SELECT name, phone, address FROM schools WHERE id = $1', [visit.schoolId])).rows[0]!
  const checkIns = await checkInsOf(client, visit.schoolId, visit.id)
  const alarms = await alarmsOfVisit(client, visit.schoolId, visit.id)
  const hazards = visit.addressId ? await hazardsForAddress(client, visit.schoolId, visit.addressId) : []
  const descriptions = await descriptionsOf(client, visit.schoolId, visit.staff.map((person) => person.userId))
  const household = await householdOf(client, visit)
  const mobiles = await client.query<{ userId: string; mobile: string | null }>(
    `SELECT vs.user_id AS "userId", coalesce(vs.mobile, u.mobile) AS mobile FROM visit_staff vs JOIN users u ON u.id = vs.user_id
      WHERE vs.school_id = $1 AND vs.visit_id = $2`,
    [visit.schoolId, visit.id],
  )
  const mobileOf = new Map(mobiles.rows.map((row) => [row.userId, row.mobile]))

  const day = visit.plannedStart ? longDate.format(visit.plannedStart) : 'a day not yet chosen'
  return {
    visitId: visit.id,
    title: 'Police information sheet',
    schoolName: school.name,
    subtitle: `${school.name}: home visit on ${day}`,
    printed: `Printed at ${hhmm(now)} on ${shortDate.format(now)} by ${viewer.name} from Doorstep. Confidential: it holds safeguarding information.`,
    school: [
      `School: ${school.name}`,
      school.phone ? `School phone: ${school.phone}` : 'School phone: not held in Doorstep',
      ...(school.address ? [`School address: ${clip(school.address, 200)}`] : []),
    ],
    sections: [
      nowSection(visit, live, checkIns, alarms, now),
      {
        id: 'visitors',
        heading: 'The visitors',
        items: [
          ...visit.staff.map((person) => ({
            label: `${person.name} (${roleOnVisitLabels[person.roleOnVisit].toLowerCase()})`,
            lines: [
              `Mobile: ${mobileOf.get(person.userId) ?? person.mobile ?? 'no mobile number held'}`,
              `Description: ${descriptions.has(person.userId) ? clip(descriptions.get(person.userId)!, LIMITS.description) : 'no description held'}`,
            ],
          })),
          {
            label: 'Vehicle',
            lines: [
              visit.vehicle
                ? `${visit.vehicle.colour} ${visit.vehicle.make} ${visit.vehicle.model}, registration ${visit.vehicle.registration}`
                : 'On foot / public transport: no vehicle is on the plan',
            ],
          },
        ],
      },
      {
        id: 'where',
        heading: 'Where they went',
        items: [
          { label: 'Address', lines: [visit.address ? [visit.address.line1, visit.address.line2, visit.address.town, visit.address.postcode].filter(Boolean).join(', ') : 'No address on the plan'] },
          { label: visit.pupils.length === 1 ? 'Pupil' : 'Pupils', lines: [visit.pupils.map((pupil) => `${pupil.name} (${pupil.yearGroup})`).join('; ') || 'None named'] },
          { label: 'Adults', lines: household.length ? household.slice(0, LIMITS.list).map(adultLine) : ['None named'] },
        ],
      },
      hazardSection(visit, hazards, household),
      timesSection(visit, live),
    ],
  }
}

type HouseholdAdult = {
  name: string
  relationships: string[]
  meeting: boolean
  livesWithPupil: boolean
  phone: string
  noAppointments: boolean
  noAppointmentsReason: string
}

/** The adults the visit meets, and any other adult of the visit's pupils who lives with them or is flagged after aggression. */
async function householdOf(client: pg.PoolClient, visit: Visit): Promise<HouseholdAdult[]> {
  const { rows } = await client.query<HouseholdAdult>(
    `SELECT concat_ws(' ', nullif(c.title, ''), c.first_name, c.last_name) AS name,
            array_agg(DISTINCT initcap(pc.relationship) || ' of ' || p.first_name) FILTER (WHERE pc.pupil_id IS NOT NULL) AS relationships,
            bool_or(vc.contact_id IS NOT NULL) AS meeting, coalesce(bool_or(pc.lives_with_pupil), false) AS "livesWithPupil",
            c.phone, c.no_appointments AS "noAppointments", c.no_appointments_reason AS "noAppointmentsReason"
       FROM contacts c
       LEFT JOIN visit_contacts vc ON vc.contact_id = c.id AND vc.visit_id = $2 AND vc.school_id = $1
       LEFT JOIN pupil_contacts pc ON pc.contact_id = c.id AND pc.school_id = $1
                                  AND pc.pupil_id IN (SELECT pupil_id FROM visit_pupils WHERE school_id = $1 AND visit_id = $2)
       LEFT JOIN pupils p ON p.id = pc.pupil_id
      WHERE c.school_id = $1 AND (vc.contact_id IS NOT NULL OR pc.pupil_id IS NOT NULL)
      GROUP BY c.id
     HAVING bool_or(vc.contact_id IS NOT NULL) OR bool_or(pc.lives_with_pupil) OR c.no_appointments
      ORDER BY bool_or(vc.contact_id IS NOT NULL) DESC, lower(c.last_name), lower(c.first_name)`,
    [visit.schoolId, visit.id],
  )
  return rows.map((row) => ({ ...row, relationships: row.relationships ?? [] }))
}

function adultLine(adult: HouseholdAdult): string {
  const who = [adult.relationships.join(', '), adult.meeting ? 'the visit is to meet them' : adult.livesWithPupil ? 'lives at the address' : 'does not live at the address'].filter(Boolean).join('; ')
  const phone = adult.meeting && adult.phone ? `, phone ${adult.phone}` : ''
  return `${adult.name} (${who})${phone}`
}

function nowSection(visit: Visit, live: LiveVisitRow, checkIns: CheckInRow[], alarms: AlarmRow[], now: Date): SheetSection {
  const items: SheetItem[] = []
  const state = live.stage
    ? `${liveStageLabels[live.stage]}${live.stageSince ? ` since ${hhmm(live.stageSince)}` : ''}`
    : live.outcome && visit.status !== 'approved'
      ? `${statusLabels[visit.status]}: ${visitOutcomeLabels[live.outcome].toLowerCase()}`
      : visit.status === 'approved'
        ? 'Approved, not signed out of school yet'
        : statusLabels[visit.status]
  const signedOut = live.signedOutAt && live.stage !== 'signed_out' ? ` (signed out of school at ${hhmm(live.signedOutAt)})` : ''
  items.push({ label: 'Status', lines: [`${state}${signedOut}`] })

  const answered = checkIns.filter((c) => c.answered)
  const last = answered.at(-1)
  items.push({
    label: 'Last check-in',
    lines: last
      ? [
          `${hhmm(last.at)} by ${last.byName}, ${channelLabels[last.channel]}${last.note ? ` (${clip(last.note, LIMITS.note)})` : ''}`,
          last.latitude !== null && last.longitude !== null
            ? `Location: latitude ${last.latitude.toFixed(5)}, longitude ${last.longitude.toFixed(5)}${last.accuracyM !== null ? ` (within ${Math.round(last.accuracyM)} m)` : ''}`
            : 'Location: not given',
        ]
      : ['None yet'],
  })
  const attempt = checkIns.filter((c) => !c.answered && (!last || c.at.getTime() > last.at.getTime())).at(-1)
  if (attempt) items.push({ label: 'Last try to reach them', lines: [`${hhmm(attempt.at)} by ${attempt.byName}, ${channelLabels[attempt.channel]}: no answer`], alert: true })

  const codeWords = alarms.filter((alarm) => alarm.kind === 'code_word' || alarm.kind === 'duress')
  items.push({
    label: 'Code word',
    alert: codeWords.length > 0,
    lines: codeWords.length
      ? codeWords.map((alarm) =>
          alarm.kind === 'code_word'
            ? `The code word was used at ${hhmm(alarm.raisedAt)} (logged by ${alarm.raisedByName})`
            : `The duress PIN was used at ${hhmm(alarm.raisedAt)} by ${alarm.raisedByName}, to end the visit as if all was well`,
        )
      : ['No use of the code word has been logged'],
  })

  const ordered = [...alarms.filter((a) => !a.closedAt), ...alarms.filter((a) => a.closedAt)]
  if (ordered.length === 0) items.push({ label: 'Alarms', lines: ['None raised'] })
  for (const alarm of ordered.slice(0, 4)) items.push(alarmItem(visit, live, alarm, now))
  if (ordered.length > 4) items.push({ label: 'More alarms', lines: [`${ordered.length - 4} more: see Doorstep`] })
  return { id: 'now', heading: 'Now', items }
}

function alarmItem(visit: Visit, live: LiveVisitRow, alarm: AlarmRow, now: Date): SheetItem {
  const open = alarm.closedAt === null
  const label = `${open ? 'OPEN ALARM' : 'Closed alarm'}: ${alarmKindLabels[alarm.kind]}, raised at ${hhmm(alarm.raisedAt)}`
  const lines = [clip(alarm.summary, LIMITS.note)]
  if (open) {
    const escalation = alarmEscalation(visit.policy, alarm, live.outOfHours, now)
    for (const step of escalation.steps) {
      const record = alarm.steps.find((s) => s.number === step.number)
      const head = `Step ${step.number} (${step.actionText})`
      if (!record?.alertedAt) {
        lines.push(`${head}: alerts at ${hhmm(step.alertAt)} unless someone confirms the visitors are safe`)
      } else if (record.acknowledgedAt) {
        const outcome = record.outcome ? acknowledgementOutcomeLabels[record.outcome].toLowerCase() : 'acknowledged'
        const detail = [record.reference && `police reference ${record.reference}`, record.note && clip(record.note, LIMITS.note)].filter(Boolean).join('; ')
        lines.push(`${head}: acknowledged at ${hhmm(record.acknowledgedAt)} by ${record.acknowledgedByName}: ${outcome}${detail ? ` (${detail})` : ''}`)
      } else {
        const again = record.realerts ? `, again ${record.realerts} time${record.realerts === 1 ? '' : 's'}` : ''
        lines.push(`${head}: alerted ${record.recipients.join(', ') || 'nobody'} at ${hhmm(record.alertedAt)}${again}; NOT acknowledged`)
      }
    }
  } else {
    const how = alarm.closedHow ? safeHowLabels[alarm.closedHow].toLowerCase() : 'visitors safe'
    lines.push(`Closed at ${hhmm(alarm.closedAt!)} by ${alarm.closedByName}: ${how}`)
  }
  return { label, lines, alert: open }
}

function hazardSection(visit: Visit, hazards: Awaited<ReturnType<typeof hazardsForAddress>>, household: HouseholdAdult[]): SheetSection {
  const lines: string[] = []
  const first = { aggression: 0, animal: 1, other: 2 } as const
  for (const hazard of [...hazards].sort((a, b) => first[a.kind] - first[b.kind])) {
    const shut = hazard.kind === 'animal' && hazard.animalsWillBeShutAway !== null ? (hazard.animalsWillBeShutAway ? ' (the family agreed to shut it away)' : ' (the family would not shut it away)') : ''
    lines.push(`${hazardKindLabels[hazard.kind]}: ${clip(hazard.description, LIMITS.hazard)}${shut}`)
  }
  for (const adult of household.filter((a) => a.noAppointments)) {
    lines.push(`Aggression: ${adult.name} may not be given appointments after abusive or aggressive behaviour${adult.noAppointmentsReason ? `: ${clip(adult.noAppointmentsReason, LIMITS.hazard)}` : ''}`)
  }
  const answers = visit.riskAssessment?.answers ?? {}
  const asked = (['aggression_history', 'animals', 'family_risks', 'location_risks'] as const).filter((field) => visit.policy.riskAssessment.requiredFields.includes(field))
  const items: SheetItem[] = [
    { label: 'At the address', lines: lines.length ? [...lines.slice(0, LIMITS.list), ...(lines.length > LIMITS.list ? [`And ${lines.length - LIMITS.list} more: see Doorstep`] : [])] : ['None recorded'], alert: lines.length > 0 },
  ]
  const found = asked.filter((field) => answers[field]?.trim())
  if (found.length) {
    items.push({
      label: 'Risk assessment',
      lines: found.map((field) => `${capitalise(riskAssessmentFields[field])}: ${clip(answers[field]!, LIMITS.answer)}`),
    })
  }
  if (visit.policeAccompanimentRequested) items.push({ label: 'Police accompaniment', lines: ['The risk assessment asked for police accompaniment on this visit'], alert: true })
  return { id: 'hazards', heading: 'Known hazards', items }
}

function timesSection(visit: Visit, live: LiveVisitRow): SheetSection {
  const planned = itineraryOf(visit)
  const expected = live.expected
  const items: SheetItem[] = [{ label: 'Planned', lines: [planned ? itineraryLine(planned) : 'No times on the plan'] }]
  if (expected && planned && itineraryLine(expected) !== itineraryLine(planned)) items.push({ label: 'Expected now', lines: [itineraryLine(expected)], alert: true })
  return { id: 'times', heading: 'Times', items }
}

function itineraryLine(itinerary: Itinerary): string {
  const back = itinerary.backAtSchoolAt ? `back at school ${hhmm(itinerary.backAtSchoolAt)}` : 'not going back to school'
  return `leave school ${hhmm(itinerary.leaveSchoolAt)}, arrive ${hhmm(itinerary.arriveAt)}, visit from ${hhmm(itinerary.scheduledStart)}, leave the address ${hhmm(itinerary.endAt)}, ${back}`
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
