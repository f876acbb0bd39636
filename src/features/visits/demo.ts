import type pg from 'pg'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import type { DemoSchool, DemoSchoolKey, DemoSeeder } from '../../demo/seed.ts'
import { londonDate } from '../../domain/hours.ts'
import { roleLabels } from '../../domain/roles.ts'
import { currentPolicy } from '../policy/repository.ts'
import type { VisitStatus } from '../../domain/visit-lifecycle.ts'
import { insertDecision, insertEvent, insertVisit, replaceAdults, replacePupils, replaceStaff, saveRiskAssessment } from './repository.ts'
import { londonInstant } from './times.ts'

/**
 * Demo visits (runs after the pupils and readiness seeders). Every school has a visit awaiting
 * approval (risk assessment signed off) and a draft; Westside also has an approved visit today,
 * for the live-safety pages to show. Each comes with its history.
 */

type DemoVisit = {
  pupil: string
  adult: string
  status: Extract<VisitStatus, 'draft' | 'awaiting_approval' | 'approved'>
  daysAhead: number
  times: [leave: string, start: string, end: string, back: string]
  purposeId: string
  detail: string
}

const plans: Record<DemoSchoolKey, DemoVisit[]> = {
  harton: [
    { pupil: 'Callum', adult: 'Kelly', status: 'awaiting_approval', daysAhead: 1, times: ['09:30', '10:00', '10:45', '11:15'], purposeId: 'attendance_concern', detail: 'Callum has missed six sessions in three weeks. Agree a plan with his parents.' },
    { pupil: 'Jade', adult: 'Lisa', status: 'draft', daysAhead: 3, times: ['13:30', '14:00', '14:45', '15:15'], purposeId: 'discussion_with_parents', detail: 'Talk about Jade’s options for Year 11.' },
  ],
  'kings-gomer': [
    { pupil: 'Oliver', adult: 'Sarah', status: 'awaiting_approval', daysAhead: 1, times: ['10:30', '11:00', '11:45', '12:15'], purposeId: 'attendance_concern', detail: 'Oliver’s attendance has dropped below 90 %.' },
    { pupil: 'Mia', adult: '', status: 'draft', daysAhead: 4, times: ['13:30', '14:00', '14:30', '15:00'], purposeId: 'collect_drop_off', detail: 'Drop off Mia’s laptop and work pack.' },
  ],
  'morecambe-road': [],
  westside: [
    { pupil: 'Leo', adult: 'Hannah', status: 'approved', daysAhead: 0, times: ['13:30', '14:00', '15:00', '15:30'], purposeId: 'attendance_concern', detail: 'Leo has missed most Mondays this term. Meet his mum and agree a plan.' },
    { pupil: 'Sofia', adult: 'Lúcia', status: 'awaiting_approval', daysAhead: 1, times: ['09:45', '10:15', '11:00', '11:30'], purposeId: 'discussion_with_parents', detail: 'Talk with Sofia’s grandmother about settling into Year 7.' },
    { pupil: 'Maja', adult: 'Katarzyna', status: 'draft', daysAhead: 2, times: ['13:30', '14:00', '14:45', '15:15'], purposeId: 'attendance_concern', detail: 'Maja’s attendance is 64 %. Meet her parents with a Polish interpreter.' },
  ],
  wna: [
    { pupil: 'Noah', adult: 'Laura', status: 'awaiting_approval', daysAhead: 1, times: ['09:30', '10:00', '10:40', '11:10'], purposeId: 'attendance_concern', detail: 'Noah has been late most mornings. Offer support with the morning routine.' },
    { pupil: 'Evie', adult: 'Rebecca', status: 'draft', daysAhead: 3, times: ['14:00', '14:30', '15:00', '15:30'], purposeId: 'discussion_with_parents', detail: 'Welcome visit for Evie’s reception year.' },
  ],
}

// Morecambe Road's families are looked up by whatever its pupils seeder named them.
const firstFamilies = 2

export const seedVisitsDemo: DemoSeeder = async (client, schools, now) => {
  for (const school of schools) {
    const policyVersion = await currentPolicy(client, school.id, now)
    const policy = policyVersion.policy
    let list = plans[school.key]
    if (list.length === 0) list = await plansFromPupils(client, school, firstFamilies)
    for (const plan of list) {
      if (!policy.purposes.some((p) => p.id === plan.purposeId)) plan.purposeId = policy.purposes[0]!.id
      await seedVisit(client, school, policyVersion.id, policy.riskAssessment.requiredFields, policy.approval.approverRoles, plan, now)
    }
  }
}

/**
 * The London date `days` school days after `today` (Monday to Friday; 0 is today itself, so the demo
 * has a visit on the day it is seeded, even at a weekend, for the day-of-visit pages). A demo seeded on
 * a Friday plans its visits for the next week, not the weekend (issue 10 §9).
 */
export function schoolDaysAhead(today: string, days: number): string {
  return schoolDaysFrom(today, days, 1)
}

/** The school day (Monday to Friday) `days` school days before `today`: demo visits that already happened. */
export function schoolDaysBefore(today: string, days: number): string {
  return schoolDaysFrom(today, days, -1)
}

function schoolDaysFrom(today: string, days: number, step: 1 | -1): string {
  const date = new Date(`${today}T12:00:00Z`)
  for (let left = days; left > 0; ) {
    date.setUTCDate(date.getUTCDate() + step)
    const weekday = date.getUTCDay()
    if (weekday !== 0 && weekday !== 6) left -= 1
  }
  return date.toISOString().slice(0, 10)
}

async function plansFromPupils(client: pg.PoolClient, school: DemoSchool, count: number): Promise<DemoVisit[]> {
  const { rows } = await client.query<{ pupil: string; adult: string }>(
    `SELECT p.first_name AS pupil, c.first_name AS adult FROM pupils p
       JOIN pupil_contacts pc ON pc.pupil_id = p.id AND pc.parental_responsibility
       JOIN contacts c ON c.id = pc.contact_id AND NOT c.no_appointments
      WHERE p.school_id = $1 AND NOT EXISTS (SELECT 1 FROM visit_declines d WHERE d.pupil_id = p.id AND d.withdrawn_at IS NULL)
      ORDER BY p.last_name, p.first_name, c.last_name, c.first_name LIMIT 20`,
    [school.id],
  )
  const seen = new Set<string>()
  const picked = rows.filter((row) => !seen.has(row.pupil) && seen.add(row.pupil)).slice(0, count)
  return picked.map((row, index) => ({
    pupil: row.pupil,
    adult: row.adult,
    status: index === 0 ? 'awaiting_approval' : 'draft',
    daysAhead: index + 1,
    times: ['09:30', '10:00', '10:45', '11:15'],
    purposeId: 'attendance_concern',
    detail: `${row.pupil}’s attendance keeps falling. Agree a plan with the family.`,
  }))
}

async function seedVisit(
  client: pg.PoolClient,
  school: DemoSchool,
  policyVersionId: string,
  requiredFields: readonly string[],
  approverRoles: readonly string[],
  plan: DemoVisit,
  now: Date,
): Promise<void> {
  const { rows } = await client.query<{ pupilId: string; addressId: string | null; contactId: string | null }>(
    `SELECT p.id AS "pupilId", pa.address_id AS "addressId",
            (SELECT c.id FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.pupil_id = p.id AND c.first_name = $3 LIMIT 1) AS "contactId"
       FROM pupils p LEFT JOIN pupil_addresses pa ON pa.pupil_id = p.id AND pa.is_main
      WHERE p.school_id = $1 AND p.first_name = $2 LIMIT 1`,
    [school.id, plan.pupil, plan.adult],
  )
  const found = rows[0]
  const lead = school.staff.visitor
  const second = school.staff.slt
  const planner = school.staff.visitor
  if (!found || !lead || !second || !planner) return
  const approverLocal = approverRoles.includes('headteacher') ? 'head' : approverRoles.includes('associate_head') ? 'deputy' : 'deputy'
  const approver = school.staff[approverLocal]
  const assessor = school.staff.deputy ?? school.staff.dsl
  const signer = approverRoles.includes('headteacher') ? school.staff.head : school.staff.deputy
  if (!approver || !assessor || !signer) return

  const day = schoolDaysAhead(londonDate(now), plan.daysAhead)
  const [leave, start, end, back] = plan.times
  const at = (time: string) => londonInstant(day, time)
  // The history reads like a working week: planned two days ago, assessed that day, approved yesterday.
  const twoDaysAgo = londonDate(new Date(now.getTime() - 2 * 86_400_000))
  const yesterday = londonDate(new Date(now.getTime() - 86_400_000))
  const createdAt = londonInstant(twoDaysAgo, '09:10')
  const submitted = plan.status !== 'draft'
  const mobile = async (userId: string) => (await client.query<{ mobile: string | null }>('SELECT mobile FROM users WHERE id = $1', [userId])).rows[0]?.mobile ?? null
  const name = async (userId: string) => (await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [userId])).rows[0]?.name ?? 'Doorstep'

  const visitId = await insertVisit(
    client,
    school.id,
    {
      policyVersionId,
      createdBy: planner,
      status: plan.status,
      purposeId: plan.purposeId,
      purposeDetail: plan.detail,
      whyNotInSchool: 'The family have not been able to come to meetings in school this term.',
      necessityConfirmed: true,
      addressId: found.addressId,
      plannedStart: at(start),
      plannedEnd: at(end),
      leaveSchoolAt: at(leave),
      arriveAt: at(start),
      finishAt: at(end),
      backAtSchoolAt: at(back),
      noticeGivenOn: londonDate(createdAt),
      noticeMethod: 'Phone call',
      choiceOfTimesOffered: true,
      codeWord: submitted ? 'Blue kettle' : '',
      contingencyPlan: submitted ? 'If the car breaks down or we get lost, phone the office from a safe place and wait to be collected.' : '',
      submittedAt: submitted ? londonInstant(twoDaysAgo, '09:40') : null,
      approvedAt: plan.status === 'approved' ? londonInstant(yesterday, '08:55') : null,
    },
    createdAt,
  )
  await replacePupils(client, school.id, visitId, [found.pupilId])
  if (found.contactId) await replaceAdults(client, school.id, visitId, [found.contactId])
  await replaceStaff(client, school.id, visitId, [
    { userId: lead, role: 'lead', mobile: await mobile(lead) },
    { userId: second, role: 'second', mobile: await mobile(second) },
  ])

  const event = async (actor: Actor, kind: string, summary: string, when: Date) => {
    await insertEvent(client, { schoolId: school.id, visitId, at: when, actorUserId: actor.userId, actorName: actor.name, kind, summary })
    await recordAudit(client, { schoolId: school.id, actor, action: `visit.${kind}`, subjectType: 'visit', subjectId: visitId, summary }, when)
  }
  const plannerActor = { userId: planner, name: await name(planner) }
  await event(plannerActor, 'created', `Started planning a visit for ${plan.pupil}`, createdAt)
  if (!submitted) return

  const submittedAt = londonInstant(twoDaysAgo, '09:40')
  const completedAt = londonInstant(twoDaysAgo, '11:05')
  const signedAt = londonInstant(twoDaysAgo, '13:30')
  await event(plannerActor, 'submitted', 'Sent for risk assessment', submittedAt)
  const assessorActor = { userId: assessor, name: await name(assessor) }
  const signerActor = { userId: signer, name: await name(signer) }
  const { rows: hazards } = await client.query<{ id: string }>('SELECT id FROM address_hazards WHERE school_id = $1 AND address_id = $2 AND removed_at IS NULL', [
    school.id,
    found.addressId,
  ])
  await saveRiskAssessment(
    client,
    school.id,
    visitId,
    {
      status: 'signed_off',
      answers: Object.fromEntries(requiredFields.map((field) => [field, 'None known from the school’s records or other professionals.'])),
      hazardsConsidered: hazards.map((h) => h.id),
      animalsKeptAwayRequested: hazards.length ? true : null,
      risksFound: false,
      completedBy: assessor,
      completedByName: assessorActor.name,
      completedAt,
      signedOffBy: signer,
      signedOffByName: signerActor.name,
      signedOffAt: signedAt,
    },
    signedAt,
  )
  await event(assessorActor, 'risk_assessment.completed', 'Risk assessment completed: no potential risks found', completedAt)
  await event(signerActor, 'risk_assessment.signed_off', 'Risk assessment signed off; the visit now awaits approval', signedAt)
  if (plan.status !== 'approved') return

  const approvedAt = londonInstant(yesterday, '08:55')
  const approverActor = { userId: approver, name: await name(approver) }
  await insertDecision(client, school.id, visitId, {
    approvalRound: 1,
    requirement: 'visit',
    outcome: 'approved',
    reason: '',
    decidedBy: approver,
    decidedByName: approverActor.name,
    decidedAs: approverLocal === 'head' ? roleLabels.headteacher : roleLabels.associate_head,
    at: approvedAt,
  })
  await event(approverActor, 'approved', 'Approved the visit', approvedAt)
}
