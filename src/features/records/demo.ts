import type pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import type { DemoSchool, DemoSeeder } from '../../demo/seed.ts'
import { londonDate } from '../../domain/hours.ts'
import { currentPolicy } from '../policy/repository.ts'
import { schoolDaysBefore } from '../visits/demo.ts'
import { insertEvent, insertVisit, replaceAdults, replacePupils, replaceStaff } from '../visits/repository.ts'
import { londonInstant } from '../visits/times.ts'

/**
 * Demo data after visits (R-REC-1, R-REC-3, R-FOLLOW-1), at King's Academy Gomer (whose policy asks for
 * follow-up actions to be logged and monitored): a visit last week with its record completed and a
 * follow-up action still open; a visit two days ago whose record is only a draft, now overdue; and a
 * follow-up action from it that is overdue. Sign in as dsl@kings-gomer.example to see them on the home page.
 */
export const seedRecordsDemo: DemoSeeder = async (client, schools, now) => {
  const school = schools.find((s) => s.key === 'kings-gomer')
  if (!school) return
  const done = await pastVisit(client, school, now, {
    pupil: 'Aleksander',
    adult: 'Agnieszka',
    daysAgo: 6,
    times: ['09:30', '10:00', '10:50', '11:20'],
    detail: 'Aleksander’s attendance is 63.5 %. Meet his parents with a Polish interpreter.',
  })
  const late = await pastVisit(client, school, now, {
    pupil: 'Connor',
    adult: 'Tracey',
    daysAgo: 2,
    times: ['13:30', '14:00', '14:40', '15:10'],
    detail: 'Connor has missed the last two Fridays. Talk with his mum about getting him in.',
  })
  if (!done || !late) return
  const writer = { userId: school.staff.visitor!, name: await nameOf(client, school.staff.visitor!) }
  const dsl = school.staff.dsl!
  const office = school.staff.office!

  await writeRecord(client, school, done.visitId, writer, {
    present: [
      { name: 'Mrs Agnieszka Nowak', relationship: 'Mother', contactId: done.contactId, userId: null },
      { name: 'Mr Tomasz Nowak', relationship: 'Father', contactId: null, userId: null },
      { name: writer.name, relationship: 'School staff', contactId: null, userId: writer.userId },
      { name: 'Marta Zielińska', relationship: 'Interpreter', contactId: null, userId: null },
    ],
    arrivedAt: done.arrivedAt,
    leftAt: done.leftAt,
    discussed: 'Aleksander’s attendance and his worries about maths. His parents say he has trouble sleeping before tests.',
    agreements: 'Aleksander will come to the homework club on Tuesdays; his parents will ring the office by 9:00 when he is ill. Review in four weeks.',
    concerns: '',
    actions: 'Ask his maths teacher about extra support. Send the homework club letter in Polish.',
    complete: true,
    at: new Date(done.leftAt.getTime() + 3 * 3_600_000),
  })
  await writeRecord(client, school, late.visitId, writer, {
    present: [{ name: 'Mrs Tracey Blackmore', relationship: 'Mother', contactId: late.contactId, userId: null }],
    arrivedAt: late.arrivedAt,
    leftAt: late.leftAt,
    discussed: 'Connor’s Friday absences.',
    agreements: '',
    concerns: '',
    actions: '',
    complete: false,
    at: new Date(late.leftAt.getTime() + 30 * 60_000),
  })
  await addAction(client, school, done, writer, { description: 'Ask Aleksander’s maths teacher about extra support', owner: dsl, dueOn: londonDate(new Date(now.getTime() + 5 * 86_400_000)) })
  await addAction(client, school, late, writer, { description: 'Phone Connor’s mum on Friday morning to check he is on his way', owner: office, dueOn: londonDate(new Date(now.getTime() - 86_400_000)) })
}

type Past = { visitId: string; pupilId: string; contactId: string | null; arrivedAt: Date; leftAt: Date; at: Date }

async function nameOf(client: pg.PoolClient, userId: string): Promise<string> {
  return (await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [userId])).rows[0]?.name ?? 'Doorstep'
}

/** A visit that went ahead and ended `daysAgo` days before `now`, with its day in the history. */
async function pastVisit(
  client: pg.PoolClient,
  school: DemoSchool,
  now: Date,
  plan: { pupil: string; adult: string; daysAgo: number; times: [string, string, string, string]; detail: string },
): Promise<Past | undefined> {
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
  if (!found || !lead || !second) return undefined
  const policy = await currentPolicy(client, school.id, now)
  const day = schoolDaysBefore(londonDate(now), plan.daysAgo)
  const [leave, start, end, back] = plan.times.map((time) => londonInstant(day, time)) as [Date, Date, Date, Date]
  const createdAt = new Date(leave.getTime() - 3 * 86_400_000)
  const visitId = await insertVisit(
    client,
    school.id,
    {
      policyVersionId: policy.id,
      createdBy: lead,
      status: 'completed',
      purposeId: policy.policy.purposes.some((p) => p.id === 'attendance_concern') ? 'attendance_concern' : policy.policy.purposes[0]!.id,
      purposeDetail: plan.detail,
      whyNotInSchool: 'The family have not been able to come to meetings in school this term.',
      necessityConfirmed: true,
      addressId: found.addressId,
      plannedStart: start,
      plannedEnd: end,
      leaveSchoolAt: leave,
      arriveAt: start,
      finishAt: end,
      backAtSchoolAt: back,
      noticeGivenOn: londonDate(createdAt),
      noticeMethod: 'Phone call',
      choiceOfTimesOffered: true,
      codeWord: 'Green teapot',
      contingencyPlan: 'If anything goes wrong, phone the office from a safe place.',
      submittedAt: createdAt,
      approvedAt: new Date(createdAt.getTime() + 86_400_000),
    },
    createdAt,
  )
  const arrivedAt = new Date(start.getTime() - 2 * 60_000)
  const leftAt = new Date(end.getTime() + 4 * 60_000)
  const backAt = new Date(back.getTime() - 5 * 60_000)
  await client.query(
    `UPDATE visits SET outcome = 'contact', signed_out_at = $3, arrived_at = $4, monitoring_ended_at = $5 WHERE school_id = $1 AND id = $2`,
    [school.id, visitId, leave, arrivedAt, backAt],
  )
  await replacePupils(client, school.id, visitId, [found.pupilId])
  if (found.contactId) await replaceAdults(client, school.id, visitId, [found.contactId])
  const mobile = async (userId: string) => (await client.query<{ mobile: string | null }>('SELECT mobile FROM users WHERE id = $1', [userId])).rows[0]?.mobile ?? null
  await replaceStaff(client, school.id, visitId, [
    { userId: lead, role: 'lead', mobile: await mobile(lead) },
    { userId: second, role: 'second', mobile: await mobile(second) },
  ])
  const actor = { userId: lead, name: await nameOf(client, lead) }
  for (const [kind, summary, at] of [
    ['live.sign_out', 'Signed out of school', leave],
    ['live.arrive', 'Arrived at the address', arrivedAt],
    ['live.go_in', 'Went in', new Date(arrivedAt.getTime() + 3 * 60_000)],
    ['live.leave', 'Left the address', leftAt],
    ['live.back_at_school', 'Back at school', backAt],
  ] as const) {
    await insertEvent(client, { schoolId: school.id, visitId, at, actorUserId: lead, actorName: actor.name, kind, summary })
  }
  await recordAudit(client, { schoolId: school.id, actor, action: 'visit.created', subjectType: 'visit', subjectId: visitId, summary: `Started planning a visit for ${plan.pupil}` }, createdAt)
  return { visitId, pupilId: found.pupilId, contactId: found.contactId, arrivedAt, leftAt, at: backAt }
}

async function writeRecord(
  client: pg.PoolClient,
  school: DemoSchool,
  visitId: string,
  writer: { userId: string; name: string },
  record: {
    present: Array<{ name: string; relationship: string; contactId: string | null; userId: string | null }>
    arrivedAt: Date
    leftAt: Date
    discussed: string
    agreements: string
    concerns: string
    actions: string
    complete: boolean
    at: Date
  },
): Promise<void> {
  await client.query(
    `INSERT INTO visit_records (visit_id, school_id, status, present, arrived_at, left_at, discussed, agreements, concerns, actions,
                                created_by, created_at, updated_by, updated_by_name, updated_at, completed_by, completed_by_name, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $13, $12, $14, $15, $16)`,
    [
      visitId,
      school.id,
      record.complete ? 'completed' : 'draft',
      JSON.stringify(record.present),
      record.arrivedAt,
      record.leftAt,
      record.discussed,
      record.agreements,
      record.concerns,
      record.actions,
      writer.userId,
      record.at,
      writer.name,
      record.complete ? writer.userId : null,
      record.complete ? writer.name : null,
      record.complete ? record.at : null,
    ],
  )
  const summary = record.complete ? 'Completed the visit record' : 'Started the visit record'
  await insertEvent(client, { schoolId: school.id, visitId, at: record.at, actorUserId: writer.userId, actorName: writer.name, kind: record.complete ? 'record.completed' : 'record.started', summary })
  await recordAudit(client, { schoolId: school.id, actor: writer, action: record.complete ? 'visit.record_completed' : 'visit.record_saved', subjectType: 'visit', subjectId: visitId, summary }, record.at)
}

async function addAction(client: pg.PoolClient, school: DemoSchool, visit: Past, by: { userId: string; name: string }, action: { description: string; owner: string; dueOn: string }): Promise<void> {
  const at = new Date(visit.leftAt.getTime() + 3 * 3_600_000)
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO follow_up_actions (school_id, pupil_id, visit_id, description, owner_user_id, due_on, created_by, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [school.id, visit.pupilId, visit.visitId, action.description, action.owner, action.dueOn, by.userId, by.name, at],
  )
  await recordAudit(client, { schoolId: school.id, actor: by, action: 'follow_up.added', subjectType: 'follow_up_action', subjectId: rows[0]!.id, summary: `Added a follow-up action, due ${action.dueOn}` }, at)
}
