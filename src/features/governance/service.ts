import type { Db } from '../../db/pool.ts'
import { categoryLabels } from '../../domain/attendance-codes.ts'
import { flagTitles, type FlagKind } from '../../domain/attendance.ts'
import { formatDate } from '../../domain/dates.ts'
import { alarmKindLabels, type AlarmKind } from '../../domain/monitoring.ts'
import { statusLabels, visitOutcomeLabels, type VisitOutcome, type VisitStatus } from '../../domain/visit-lifecycle.ts'
import { cancelReasons, type CancelReason } from '../live/service.ts'
import { incidentKinds, type IncidentKind } from '../concerns/schema.ts'
import { currentPolicy } from '../policy/repository.ts'
import { ukToday } from '../pupils/service.ts'
import { listVehicles } from '../readiness/repository.ts'
import { readinessOverview } from '../readiness/service.ts'
import { checkVehicle } from '../readiness/vehicle-rules.ts'
import { schoolFlags } from '../attendance/service.ts'
import { tally } from '../../domain/attendance.ts'
import { marksOf } from '../attendance/repository.ts'

/**
 * The governors' report (R-GOV-3, docs/decisions/0026) for one school and a period: visits by purpose and outcome,
 * cancellations and their reasons, check-in timeliness, escalations and how fast each step was acknowledged,
 * staff readiness (training, DBS, vehicles) and attendance. Counts only: no pupil, family or staff names, and no
 * free text anyone typed (a cancellation's own words may name a family), so it can go to governors as it is.
 * One model feeds the page, the PDF and the CSV.
 */

export type Cell = string | number
export type Table = { id: string; caption: string; head: string[]; rows: Cell[][]; /** Shown instead of an empty table. */ empty: string }
export type Chart = { title: string; bars: Array<{ label: string; value: number }>; percent?: boolean }
export type Section = { id: string; heading: string; intro: string[]; tables: Table[]; chart?: Chart }
export type Report = { schoolId: string; schoolName: string; from: string; to: string; periodLabel: string; generatedOn: string; sections: Section[] }

const minutesBetween = (a: Date, b: Date) => Math.max(0, Math.round((b.getTime() - a.getTime()) / 60_000))
function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2)
}
const minutesText = (n: number | null) => (n === null ? '–' : `${n} min`)
const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((1000 * part) / whole) / 10}%`)
const humanise = (id: string) => id.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())

/** Dates as timestamps: the period runs from the start of `from` to the end of `to`, UK time. */
const periodParams = (from: string, to: string) => [`${from}T00:00:00`, `${to}T23:59:59.999`]

async function visitsSection(db: Db, schoolId: string, from: string, to: string): Promise<Section> {
  const { rows } = await db.query<{ purpose: string | null; status: VisitStatus; outcome: VisitOutcome | null; n: number }>(
    `SELECT coalesce((SELECT p->>'label' FROM jsonb_array_elements(pv.policy->'purposes') p WHERE p->>'id' = v.purpose_id), v.purpose_id) AS purpose,
            v.status, v.outcome, count(*)::int AS n
     FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id
     WHERE v.school_id = $1 AND v.status <> 'draft'
       AND (v.planned_start AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp
     GROUP BY 1, 2, 3`,
    [schoolId, ...periodParams(from, to)],
  )
  const total = rows.reduce((sum, r) => sum + r.n, 0)
  const byPurpose = new Map<string, { total: number; completed: number; cancelled: number }>()
  const byOutcome = new Map<string, number>()
  for (const row of rows) {
    const key = row.purpose ?? 'No purpose given'
    const entry = byPurpose.get(key) ?? { total: 0, completed: 0, cancelled: 0 }
    entry.total += row.n
    if (row.status === 'completed') entry.completed += row.n
    if (row.status === 'cancelled') entry.cancelled += row.n
    byPurpose.set(key, entry)
    const outcome = row.outcome ? visitOutcomeLabels[row.outcome] : statusLabels[row.status]
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + row.n)
  }
  const purposes = [...byPurpose.entries()].sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]))
  return {
    id: 'visits',
    heading: 'Visits by purpose and outcome',
    intro: [`${total} ${total === 1 ? 'visit was' : 'visits were'} planned for the period (drafts not counted).`],
    tables: [
      { id: 'visits-purpose', caption: 'Visits by purpose', head: ['Purpose', 'Visits', 'Completed', 'Cancelled'], rows: purposes.map(([label, e]) => [label, e.total, e.completed, e.cancelled]), empty: 'No visits in this period.' },
      { id: 'visits-outcome', caption: 'Visits by outcome', head: ['Outcome', 'Visits'], rows: [...byOutcome.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])), empty: 'No visits in this period.' },
    ],
    chart: purposes.length ? { title: 'Visits by purpose', bars: purposes.map(([label, e]) => ({ label, value: e.total })) } : undefined,
  }
}

async function cancellationsSection(db: Db, schoolId: string, from: string, to: string): Promise<Section> {
  const { rows } = await db.query<{ reason: string; n: number }>(
    `SELECT CASE
              WHEN v.outcome = 'cancelled_at_door' THEN 'door:' || coalesce((SELECT e.payload->>'cancelReason' FROM visit_events e WHERE e.school_id = v.school_id AND e.visit_id = v.id AND e.kind = 'live.cancel_at_door' ORDER BY e.at DESC LIMIT 1), 'other')
              WHEN v.outcome = 'no_contact' THEN 'no_contact'
              WHEN v.cancelled_reason LIKE 'The family will be invited into school instead%' THEN 'invited_in'
              ELSE 'before'
            END AS reason, count(*)::int AS n
     FROM visits v
     WHERE v.school_id = $1 AND v.status = 'cancelled'
       AND (v.planned_start AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp
     GROUP BY 1`,
    [schoolId, ...periodParams(from, to)],
  )
  const { rows: refused } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM visits v WHERE v.school_id = $1 AND v.status = 'refused' AND (v.planned_start AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp`,
    [schoolId, ...periodParams(from, to)],
  )
  const label = (reason: string) => {
    if (reason.startsWith('door:')) {
      const id = reason.slice(5)
      return `At the door: ${(Object.hasOwn(cancelReasons, id) ? cancelReasons[id as CancelReason] : cancelReasons.other).replace(/^./, (c) => c.toLowerCase())}`
    }
    return { no_contact: 'No contact: the visit ended with nobody there', invited_in: 'The family was invited into school instead (risk assessment)', before: 'Cancelled by staff before the visit' }[reason] ?? humanise(reason)
  }
  const table = rows.map((r) => [label(r.reason), r.n] as Cell[]).sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0])))
  const total = rows.reduce((sum, r) => sum + r.n, 0)
  return {
    id: 'cancellations',
    heading: 'Cancellations and their reasons',
    intro: [`${total} ${total === 1 ? 'visit was' : 'visits were'} cancelled; ${refused[0]!.n} ${refused[0]!.n === 1 ? 'was' : 'were'} refused at approval. Reasons are grouped; the words staff wrote are not shown here.`],
    tables: [{ id: 'cancellations-reasons', caption: 'Cancellations by reason', head: ['Reason', 'Visits'], rows: table, empty: 'No visits were cancelled in this period.' }],
  }
}

async function checkInSection(db: Db, schoolId: string, from: string, to: string): Promise<Section> {
  const { rows } = await db.query<{ monitored: number; checkins: number; missed: number; visits_missed: number; returned_late: number }>(
    `WITH v AS (
       SELECT id FROM visits WHERE school_id = $1 AND signed_out_at IS NOT NULL
         AND (signed_out_at AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp)
     SELECT (SELECT count(*) FROM v)::int AS monitored,
            (SELECT count(*) FROM check_ins c WHERE c.school_id = $1 AND c.visit_id IN (SELECT id FROM v) AND c.kind IS NOT NULL AND c.answered)::int AS checkins,
            (SELECT count(*) FROM alarms a WHERE a.school_id = $1 AND a.visit_id IN (SELECT id FROM v) AND a.kind = 'missed_check_in')::int AS missed,
            (SELECT count(DISTINCT a.visit_id) FROM alarms a WHERE a.school_id = $1 AND a.visit_id IN (SELECT id FROM v) AND a.kind = 'missed_check_in')::int AS visits_missed,
            (SELECT count(*) FROM visits x WHERE x.id IN (SELECT id FROM v) AND x.expected_back_at IS NOT NULL AND x.monitoring_ended_at > x.expected_back_at)::int AS returned_late`,
    [schoolId, ...periodParams(from, to)],
  )
  const r = rows[0]!
  const onTime = r.monitored - r.visits_missed
  return {
    id: 'check-ins',
    heading: 'Check-in timeliness',
    intro: [`${r.monitored} ${r.monitored === 1 ? 'visit was' : 'visits were'} monitored (the visitors signed out of school in Doorstep) in the period.`],
    tables: [{
      id: 'check-ins-figures',
      caption: 'Check-ins',
      head: ['Measure', 'Number', 'Share of monitored visits'],
      rows: [
        ['Check-ins made when due', r.checkins, '–'],
        ['Missed check-ins (an alarm was raised)', r.missed, '–'],
        ['Visits with every check-in on time', onTime, pct(onTime, r.monitored)],
        ['Visits with a missed check-in', r.visits_missed, pct(r.visits_missed, r.monitored)],
        ['Visits that ended after the expected time back', r.returned_late, pct(r.returned_late, r.monitored)],
      ],
      empty: '',
    }],
    chart: r.monitored ? { title: 'Monitored visits: check-ins on time', percent: true, bars: [{ label: 'Every check-in on time', value: Math.round((100 * onTime) / r.monitored) }, { label: 'A check-in missed', value: Math.round((100 * r.visits_missed) / r.monitored) }] } : undefined,
  }
}

async function escalationSection(db: Db, schoolId: string, from: string, to: string): Promise<Section> {
  const { rows: alarms } = await db.query<{ kind: AlarmKind; raised_at: Date; closed_at: Date | null }>(
    `SELECT kind, raised_at, closed_at FROM alarms WHERE school_id = $1 AND (raised_at AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp`,
    [schoolId, ...periodParams(from, to)],
  )
  const { rows: steps } = await db.query<{ number: number; alerted_at: Date; acknowledged_at: Date | null; realerts: number }>(
    `SELECT s.number, s.alerted_at, s.acknowledged_at, s.realerts FROM alarm_steps s JOIN alarms a ON a.school_id = s.school_id AND a.id = s.alarm_id
     WHERE s.school_id = $1 AND (a.raised_at AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp`,
    [schoolId, ...periodParams(from, to)],
  )
  const byKind = new Map<string, { n: number; closeMinutes: number[]; open: number }>()
  for (const alarm of alarms) {
    const label = alarmKindLabels[alarm.kind] ?? humanise(alarm.kind)
    const entry = byKind.get(label) ?? { n: 0, closeMinutes: [], open: 0 }
    entry.n++
    if (alarm.closed_at) entry.closeMinutes.push(minutesBetween(alarm.raised_at, alarm.closed_at))
    else entry.open++
    byKind.set(label, entry)
  }
  const byStep = new Map<number, { n: number; ack: number[]; realerts: number }>()
  for (const step of steps) {
    const entry = byStep.get(step.number) ?? { n: 0, ack: [], realerts: 0 }
    entry.n++
    entry.realerts += step.realerts
    if (step.acknowledged_at) entry.ack.push(minutesBetween(step.alerted_at, step.acknowledged_at))
    byStep.set(step.number, entry)
  }
  const stepRows = [...byStep.entries()].sort((a, b) => a[0] - b[0])
  return {
    id: 'escalations',
    heading: 'Escalations and how fast they were acknowledged',
    intro: [`${alarms.length} ${alarms.length === 1 ? 'alarm was' : 'alarms were'} raised in the period. Each alarm climbs the policy’s escalation steps until someone acknowledges it.`],
    tables: [
      {
        id: 'escalations-alarms',
        caption: 'Alarms by kind',
        head: ['Kind', 'Alarms', 'Median time to close', 'Longest time to close', 'Still open'],
        rows: [...byKind.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([label, e]) => [label, e.n, minutesText(median(e.closeMinutes)), minutesText(e.closeMinutes.length ? Math.max(...e.closeMinutes) : null), e.open]),
        empty: 'No alarms were raised in this period.',
      },
      {
        id: 'escalations-steps',
        caption: 'Escalation steps: time from the alert to its acknowledgement',
        head: ['Step', 'Alerted', 'Acknowledged', 'Median', 'Longest', 'Repeat alerts'],
        rows: stepRows.map(([number, e]) => [`Step ${number}`, e.n, e.ack.length, minutesText(median(e.ack)), minutesText(e.ack.length ? Math.max(...e.ack) : null), e.realerts]),
        empty: 'No escalation step alerted anyone in this period.',
      },
    ],
    chart: stepRows.some(([, e]) => e.ack.length) ? { title: 'Median minutes to acknowledge, by step', bars: stepRows.map(([number, e]) => ({ label: `Step ${number}`, value: median(e.ack) ?? 0 })) } : undefined,
  }
}

const readinessLabels: Record<string, string> = {
  dbs_missing: 'No DBS check on record',
  dbs_level_too_low: 'DBS check below the level the policy requires',
  dbs_barred_list_missing: 'No barred list check',
  dbs_recheck_due: 'DBS re-check due (not on the Update Service)',
  training_missing: 'Required training not done',
  training_expired: 'Required training expired',
  mobile_missing: 'No mobile number recorded',
  account_deactivated: 'Account deactivated',
}

async function readinessSection(db: Db, schoolId: string, asAt: Date): Promise<Section> {
  const overview = await readinessOverview(db, schoolId, asAt)
  const { policy } = await currentPolicy(db, schoolId, asAt)
  const status = { ready: 0, warnings: 0, blocked: 0 }
  const problems = new Map<string, { blocks: number; warnings: number }>()
  for (const row of overview.rows) {
    status[row.verdict.status]++
    const seen = new Set<string>()
    for (const [list, kind] of [[row.verdict.blocks, 'blocks'], [row.verdict.warnings, 'warnings']] as const) {
      for (const message of list) {
        const key = `${kind}:${message.code}`
        if (seen.has(key)) continue
        seen.add(key)
        const entry = problems.get(message.code) ?? { blocks: 0, warnings: 0 }
        entry[kind]++
        problems.set(message.code, entry)
      }
    }
  }
  const vehicles = await listVehicles(db, schoolId)
  const vehicleStatus = { ready: 0, warnings: 0, blocked: 0 }
  for (const vehicle of vehicles) vehicleStatus[checkVehicle(policy, { ...vehicle, removedAt: null }, asAt).verdict]++
  const staff = overview.rows.length
  return {
    id: 'readiness',
    heading: 'Training, DBS and vehicle compliance',
    intro: [`As at ${formatDate(ukToday(asAt))}, against the policy in force. Counts of people, not names.`],
    tables: [
      {
        id: 'readiness-staff',
        caption: 'Visiting staff',
        head: ['Status', 'People', 'Share'],
        rows: [
          ['Ready to visit', status.ready, pct(status.ready, staff)],
          ['May visit, with warnings', status.warnings, pct(status.warnings, staff)],
          ['May not visit until fixed', status.blocked, pct(status.blocked, staff)],
        ],
        empty: '',
      },
      {
        id: 'readiness-problems',
        caption: 'What stops or warns',
        head: ['Problem', 'People stopped', 'People warned'],
        rows: [...problems.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([code, e]) => [readinessLabels[code] ?? humanise(code), e.blocks, e.warnings]),
        empty: 'Every visiting member of staff is ready.',
      },
      {
        id: 'readiness-vehicles',
        caption: 'Vehicles used for visits (staff and school)',
        head: ['Status', 'Vehicles'],
        rows: [['Ready', vehicleStatus.ready], ['With warnings', vehicleStatus.warnings], ['May not be used', vehicleStatus.blocked]],
        empty: '',
      },
    ],
    chart: staff ? { title: 'Visiting staff by readiness', bars: [{ label: 'Ready', value: status.ready }, { label: 'Warnings', value: status.warnings }, { label: 'Stopped', value: status.blocked }] } : undefined,
  }
}

async function attendanceSection(db: Db, schoolId: string, from: string, to: string, at: Date): Promise<Section> {
  const marks = await marksOf(db, schoolId, from, to)
  const figures = tally(marks)
  const pupils = new Set(marks.map((m) => m.pupilId)).size
  const flags = await schoolFlags(db, schoolId, at, to)
  const kinds = Object.keys(flagTitles) as FlagKind[]
  return {
    id: 'attendance',
    heading: 'Attendance',
    intro: [
      pupils ? `Marks imported for ${pupils} ${pupils === 1 ? 'pupil' : 'pupils'} in the period: attendance ${figures.percent}% of ${figures.possible} possible sessions.` : 'No attendance marks were imported for the period.',
      flags.asOf ? `Pupils flagged as of ${formatDate(flags.asOf)}, by the school’s policy and the national rules; a pupil may have more than one flag.` : '',
    ].filter(Boolean),
    tables: [
      {
        id: 'attendance-sessions',
        caption: 'Sessions in the period',
        head: ['Sessions', 'Number', 'Share of possible sessions'],
        rows: pupils ? [
          [categoryLabels.present, figures.present, pct(figures.present, figures.possible)],
          [categoryLabels.approved_activity, figures.approvedActivity, pct(figures.approvedActivity, figures.possible)],
          [categoryLabels.authorised, figures.authorised, pct(figures.authorised, figures.possible)],
          [categoryLabels.unauthorised, figures.unauthorised, pct(figures.unauthorised, figures.possible)],
        ] : [],
        empty: 'No marks for the period.',
      },
      { id: 'attendance-flags', caption: 'Pupils flagged', head: ['Flag', 'Pupils'], rows: flags.asOf ? kinds.map((kind) => [flagTitles[kind], flags.counts[kind]]) : [], empty: 'No attendance has been imported.' },
    ],
  }
}

/** Incidents on home visits in the period (R-INC-1): counts by type, and physical interventions; no names, no words. */
async function incidentsSection(db: Db, schoolId: string, from: string, to: string): Promise<Section> {
  const { rows } = await db.query<{ kind: IncidentKind; n: number; reviewPending: number }>(
    `SELECT kind, count(*)::int AS n, count(*) FILTER (WHERE risk_review_of IS NOT NULL AND risk_reviewed_at IS NULL)::int AS "reviewPending"
       FROM incidents WHERE school_id = $1 AND (happened_at AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp GROUP BY kind`,
    [schoolId, ...periodParams(from, to)],
  )
  const count = new Map(rows.map((r) => [r.kind, r.n]))
  const total = rows.reduce((sum, r) => sum + r.n, 0)
  const pending = rows.reduce((sum, r) => sum + r.reviewPending, 0)
  const kinds = Object.keys(incidentKinds) as IncidentKind[]
  return {
    id: 'incidents',
    heading: 'Incidents on home visits',
    intro: [
      `${total} ${total === 1 ? 'incident was' : 'incidents were'} recorded in the period. Counts by type only: no names and nothing anyone wrote.`,
      pending ? `${pending} of them ${pending === 1 ? 'asks' : 'ask'} for a review of the standing risk assessment not yet done.` : '',
    ].filter(Boolean),
    tables: [{ id: 'incidents-kind', caption: 'Incidents by type', head: ['Type', 'Incidents'], rows: kinds.map((kind) => [incidentKinds[kind], count.get(kind) ?? 0]), empty: '' }],
    chart: total ? { title: 'Incidents by type', bars: kinds.filter((kind) => count.get(kind)).map((kind) => ({ label: incidentKinds[kind], value: count.get(kind)! })) } : undefined,
  }
}

/**
 * Visit records against the policy's time to complete them (R-REC-1, records.completeWithinHours of each visit's own
 * policy version): of the visits the staff went out on in the period, records completed in time, completed late, and
 * still not completed (overdue, or not yet due) as at `at`.
 */
async function recordsSection(db: Db, schoolId: string, from: string, to: string, at: Date, hoursNow: number): Promise<Section> {
  const { rows } = await db.query<{ onTime: number; late: number; overdue: number; notDue: number }>(
    `WITH ended AS (
       SELECT coalesce(v.monitoring_ended_at, v.expected_end_at, v.planned_end)
                + make_interval(hours => (pv.policy -> 'records' ->> 'completeWithinHours')::int) AS due_at,
              r.completed_at
         FROM visits v JOIN policy_versions pv ON pv.id = v.policy_version_id
         LEFT JOIN visit_records r ON r.school_id = v.school_id AND r.visit_id = v.id AND r.status = 'completed'
        WHERE v.school_id = $1 AND v.signed_out_at IS NOT NULL AND v.status <> 'in_progress'
          AND (v.planned_start AT TIME ZONE 'Europe/London') BETWEEN $2::timestamp AND $3::timestamp)
     SELECT count(*) FILTER (WHERE completed_at IS NOT NULL AND completed_at <= due_at)::int AS "onTime",
            count(*) FILTER (WHERE completed_at IS NOT NULL AND completed_at > due_at)::int AS late,
            count(*) FILTER (WHERE completed_at IS NULL AND due_at < $4)::int AS overdue,
            count(*) FILTER (WHERE completed_at IS NULL AND due_at >= $4)::int AS "notDue"
       FROM ended`,
    [schoolId, ...periodParams(from, to), at],
  )
  const r = rows[0]!
  const total = r.onTime + r.late + r.overdue + r.notDue
  return {
    id: 'records',
    heading: 'Visit records completed late',
    intro: [`The policy asks for the visit record within ${hoursNow} hours of the visit (each visit is measured against the policy it was planned under). Of ${total} ${total === 1 ? 'visit' : 'visits'} the staff went out on in the period, ${r.late} ${r.late === 1 ? 'record was' : 'records were'} completed late.`],
    tables: [{
      id: 'records-timeliness',
      caption: 'Visit records',
      head: ['Record', 'Visits', 'Share'],
      rows: [
        ['Completed in time', r.onTime, pct(r.onTime, total)],
        ['Completed late', r.late, pct(r.late, total)],
        ['Not completed, overdue', r.overdue, pct(r.overdue, total)],
        ['Not completed, not yet due', r.notDue, pct(r.notDue, total)],
      ],
      empty: '',
    }],
  }
}

/** The whole report for one school. `at` is now; `to` after today is reported to today for readiness. */
export async function governorsReport(db: Db, school: { id: string; name: string }, period: { from: string; to: string; label: string }, at: Date): Promise<Report> {
  const today = ukToday(at)
  const readinessAt = period.to < today ? new Date(`${period.to}T23:00:00Z`) : at
  const sections = [
    await visitsSection(db, school.id, period.from, period.to),
    await cancellationsSection(db, school.id, period.from, period.to),
    await checkInSection(db, school.id, period.from, period.to),
    await escalationSection(db, school.id, period.from, period.to),
    await incidentsSection(db, school.id, period.from, period.to),
    await recordsSection(db, school.id, period.from, period.to, at, (await currentPolicy(db, school.id, at)).policy.records.completeWithinHours),
    await readinessSection(db, school.id, readinessAt),
    await attendanceSection(db, school.id, period.from, period.to, at),
  ]
  return { schoolId: school.id, schoolName: school.name, from: period.from, to: period.to, periodLabel: period.label, generatedOn: today, sections }
}

/** The report as CSV rows: one line for each figure, so schools' reports can be laid side by side. */
export function reportRows(report: Report): string[][] {
  const rows: string[][] = []
  for (const section of report.sections) {
    for (const table of section.tables) {
      for (const row of table.rows) {
        row.slice(1).forEach((value, i) => rows.push([report.schoolName, report.from, report.to, section.heading, table.caption, String(row[0]), table.head[i + 1] ?? '', String(value)]))
      }
    }
  }
  return rows
}
export const reportCsvHeader = ['School', 'From', 'To', 'Section', 'Table', 'Item', 'Measure', 'Value']
