import type { Db } from '../../db/pool.ts'
import { holdsAnyRole, safeguardingRoles } from '../../domain/roles.ts'
import { statusLabels, visitOutcomeLabels, type VisitOutcome, type VisitStatus } from '../../domain/visit-lifecycle.ts'
import type { Policy } from '../../policy/schema.ts'
import type { ChronologyEntry, ChronologySource, ChronologyViewer } from '../chronology/types.ts'
import { seeAllVisits } from '../visits/service.ts'
import type { PresentPerson } from './schema.ts'

/**
 * The visits feature's part of the pupil's chronology (R-REC-3): each visit, its record, the home visit
 * card left, and the follow-up actions. A record's concerns are shown only to the safeguarding roles;
 * anyone else reads that concerns were recorded and who to ask. Visitors see only the visits they were on
 * or planned (the rule of the visit pages, R-CONF-1).
 */

type VisitRow = {
  id: string
  status: VisitStatus
  outcome: VisitOutcome | null
  purposeId: string | null
  purposeDetail: string
  policy: Policy
  at: Date | null
  staff: string
  staffIds: string[]
  createdBy: string
  cancelledReason: string | null
  record: {
    status: 'draft' | 'completed'
    present: PresentPerson[]
    arrived_at: string | null
    left_at: string | null
    discussed: string
    agreements: string
    concerns: string
    actions: string
    updated_at: string
    updated_by_name: string
    completed_at: string | null
    completed_by_name: string | null
  } | null
  cardsLeft: Array<{ at: string; by: string }>
}

const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
const join = (parts: Array<string | false | null | undefined>, glue = ' ') => parts.filter((part): part is string => Boolean(part && part.trim())).join(glue)
const sentence = (label: string, text: string) => (text.trim() ? `${label}: ${text.trim().replace(/\s*\n\s*/g, ' ')}` : '')

export async function visitEntries(db: Db, schoolId: string, viewer: ChronologyViewer, where: { pupilId: string } | { visitId: string }): Promise<ChronologyEntry[]> {
  const pupilFilter = 'pupilId' in where
  const { rows } = await db.query<VisitRow>(
    `SELECT v.id, v.status, v.outcome, v.purpose_id AS "purposeId", v.purpose_detail AS "purposeDetail", pv.policy,
            coalesce(v.arrived_at, v.planned_start) AS at, v.created_by AS "createdBy", v.cancelled_reason AS "cancelledReason",
            coalesce((SELECT string_agg(u.name, ', ' ORDER BY vs.role_on_visit, u.name) FROM visit_staff vs JOIN users u ON u.id = vs.user_id
                       WHERE vs.school_id = v.school_id AND vs.visit_id = v.id), '') AS staff,
            coalesce((SELECT array_agg(vs.user_id) FROM visit_staff vs WHERE vs.school_id = v.school_id AND vs.visit_id = v.id), '{}') AS "staffIds",
            (SELECT to_jsonb(r) FROM visit_records r WHERE r.school_id = v.school_id AND r.visit_id = v.id) AS record,
            coalesce((SELECT jsonb_agg(jsonb_build_object('at', e.at, 'by', e.actor_name) ORDER BY e.at) FROM visit_events e
                       WHERE e.school_id = v.school_id AND e.visit_id = v.id AND e.kind = 'record.card_left'), '[]') AS "cardsLeft"
       FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id
      WHERE v.school_id = $1 AND v.status <> 'draft'
        AND ${pupilFilter ? 'v.id IN (SELECT visit_id FROM visit_pupils WHERE school_id = $1 AND pupil_id = $2)' : 'v.id = $2'}`,
    [schoolId, pupilFilter ? where.pupilId : where.visitId],
  )
  const safeguarding = holdsAnyRole(viewer.roles, safeguardingRoles)
  const seesAll = holdsAnyRole(viewer.roles, seeAllVisits)
  const entries: ChronologyEntry[] = []
  for (const visit of rows) {
    if (!seesAll && visit.createdBy !== viewer.userId && !visit.staffIds.includes(viewer.userId)) continue
    const href = `/visits/${visit.id}`
    const purpose = visit.policy.purposes.find((p) => p.id === visit.purposeId)?.label ?? 'Home visit'
    if (visit.at) {
      const outcome = visit.outcome ? visitOutcomeLabels[visit.outcome] : statusLabels[visit.status]
      entries.push({
        at: new Date(visit.at),
        category: 'Home visit',
        who: visit.staff || 'No staff named',
        what: join([`${purpose}.`, visit.purposeDetail, `Outcome: ${outcome}.`, visit.status === 'cancelled' && visit.cancelledReason ? `Cancelled: ${visit.cancelledReason}` : '']),
        actions: '',
        href,
      })
    }
    for (const card of visit.cardsLeft) {
      entries.push({ at: new Date(card.at), category: 'Home visit card', who: card.by, what: 'No parent was reached: a home visit card was left at the address asking them to contact the school.', actions: '', href })
    }
    const record = visit.record
    if (record) {
      const present = record.present.map((person) => `${person.name} (${person.relationship})`).join(', ')
      const times = record.arrived_at && record.left_at ? `Arrived ${hhmm.format(new Date(record.arrived_at))}, left ${hhmm.format(new Date(record.left_at))}.` : ''
      const concerns = record.concerns.trim()
        ? safeguarding
          ? sentence('Concerns', record.concerns)
          : 'Concerns were recorded: the DSL team can read them.'
        : ''
      entries.push({
        at: new Date(record.completed_at ?? record.updated_at),
        category: record.status === 'completed' ? 'Visit record' : 'Visit record (draft)',
        who: join([present ? `Present: ${present}.` : '', `Recorded by ${record.completed_by_name ?? record.updated_by_name}.`]),
        what: join([times, sentence('Discussed', record.discussed), sentence('Agreements', record.agreements), concerns], ' '),
        actions: record.actions.trim().replace(/\s*\n\s*/g, ' '),
        href: `${href}/record`,
      })
    }
  }
  entries.push(...(await actionEntries(db, schoolId, where, seesAll ? null : new Set(rows.filter((v) => v.createdBy === viewer.userId || v.staffIds.includes(viewer.userId)).map((v) => v.id)))))
  return entries
}

async function actionEntries(db: Db, schoolId: string, where: { pupilId: string } | { visitId: string }, visibleVisits: Set<string> | null): Promise<ChronologyEntry[]> {
  const { rows } = await db.query<{ visitId: string | null; pupilId: string; createdAt: Date; createdByName: string; owner: string; description: string; dueOn: string; status: string; doneAt: Date | null; doneByName: string | null; doneNote: string }>(
    `SELECT a.visit_id AS "visitId", a.pupil_id AS "pupilId", a.created_at AS "createdAt", a.created_by_name AS "createdByName", u.name AS owner, a.description,
            to_char(a.due_on, 'DD/MM/YYYY') AS "dueOn", a.status, a.done_at AS "doneAt", a.done_by_name AS "doneByName", a.done_note AS "doneNote"
       FROM follow_up_actions a JOIN users u ON u.id = a.owner_user_id
      WHERE a.school_id = $1 AND ${'pupilId' in where ? 'a.pupil_id = $2' : 'a.visit_id = $2'} ORDER BY a.created_at`,
    [schoolId, 'pupilId' in where ? where.pupilId : where.visitId],
  )
  return rows
    .filter((row) => visibleVisits === null || row.visitId === null || visibleVisits.has(row.visitId))
    .map((row) => ({
      at: row.createdAt,
      category: 'Follow-up action',
      who: `Owner: ${row.owner}. Added by ${row.createdByName}.`,
      what: row.description,
      actions:
        row.status === 'done'
          ? join([`Done on ${row.doneAt ? new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' }).format(row.doneAt) : ''} by ${row.doneByName}.`, row.doneNote], ' ')
          : `Due ${row.dueOn}. Open.`,
      href: row.visitId ? `/visits/${row.visitId}/record` : `/pupils/${row.pupilId}#follow-ups`,
    }))
}

/** The visits feature's chronology source (R-REC-3). */
export const visitsChronologySource: ChronologySource = (db, schoolId, pupilId, viewer) => visitEntries(db, schoolId, viewer, { pupilId })
