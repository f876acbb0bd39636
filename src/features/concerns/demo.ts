
import { recordAudit } from '../../audit/audit.ts'
import type { DemoSeeder } from '../../demo/seed.ts'
import { londonDate } from '../../domain/hours.ts'
import { schoolDaysBefore } from '../visits/demo.ts'
import { londonInstant } from '../visits/times.ts'

/**
 * Demo data for concerns and incidents (R-SAFE-1, R-INC-1, R-RISK-4): at Harton Academy, whose policy keeps a
 * standing "Lone Working and Home Visits" risk assessment, a visit to Callum's family three days ago, with an
 * open safeguarding concern raised from it and a trip on the path that asks the headteacher to review the
 * standing assessment.
 */
export const seedConcernsDemo: DemoSeeder = async (client, schools, now) => {
  const school = schools.find((s) => s.key === 'harton')
  const visitor = school?.staff.visitor
  const second = school?.staff.slt
  if (!school || !visitor || !second) return
  const { rows } = await client.query<{ pupilId: string; addressId: string | null; contactId: string | null; policyVersionId: string }>(
    `SELECT p.id AS "pupilId", pa.address_id AS "addressId",
            (SELECT pc.contact_id FROM pupil_contacts pc WHERE pc.pupil_id = p.id AND pc.parental_responsibility ORDER BY pc.contact_id LIMIT 1) AS "contactId",
            (SELECT id FROM policy_versions WHERE school_id = $1 ORDER BY version DESC LIMIT 1) AS "policyVersionId"
       FROM pupils p LEFT JOIN pupil_addresses pa ON pa.pupil_id = p.id AND pa.is_main
      WHERE p.school_id = $1 AND p.first_name = 'Callum' LIMIT 1`,
    [school.id],
  )
  const found = rows[0]
  if (!found) return
  const day = schoolDaysBefore(londonDate(now), 3)
  const at = (time: string) => londonInstant(day, time)
  const name = async (userId: string) => (await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [userId])).rows[0]!.name
  const visitorName = await name(visitor)

  const visit = await client.query<{ id: string }>(
    `INSERT INTO visits (school_id, policy_version_id, status, purpose_id, purpose_detail, why_not_in_school, necessity_confirmed, address_id,
                         planned_start, planned_end, leave_school_at, arrive_at, finish_at, back_at_school_at, code_word, contingency_plan,
                         created_by, created_at, updated_at, submitted_at, approved_at, outcome, signed_out_at)
     VALUES ($1, $2, 'completed', 'attendance_concern', 'Callum has missed most Monday mornings. Check he is safe and meet his parents.',
             'His parents have not answered calls or letters this half term.', true, $3,
             $4, $5, $6, $4, $5, $7, 'Green door', 'If the car breaks down, phone the office from a safe place and wait to be collected.',
             $8, $9, $7, $9, $9, 'contact', $6)
     RETURNING id`,
    [school.id, found.policyVersionId, found.addressId, at('10:00'), at('10:45'), at('09:40'), at('11:10'), visitor, new Date(now.getTime() - 5 * 86_400_000)],
  )
  const visitId = visit.rows[0]!.id
  await client.query('INSERT INTO visit_pupils (school_id, visit_id, pupil_id) VALUES ($1, $2, $3)', [school.id, visitId, found.pupilId])
  if (found.contactId) await client.query('INSERT INTO visit_contacts (school_id, visit_id, contact_id) VALUES ($1, $2, $3)', [school.id, visitId, found.contactId])
  await client.query(`INSERT INTO visit_staff (school_id, visit_id, user_id, role_on_visit) VALUES ($1, $2, $3, 'lead'), ($1, $2, $4, 'second')`, [school.id, visitId, visitor, second])

  const concern = await client.query<{ id: string }>(
    `INSERT INTO concerns (school_id, visit_id, kind, category, account, child_words, happened_at, immediate_action, raised_by, raised_by_name, raised_at)
     VALUES ($1, $2, 'disclosure', 'neglect', $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      school.id,
      visitId,
      'Callum answered the door in his school uniform at 10:05. The kitchen had no food we could see and the heating was off. His mother arrived at 10:20.',
      'There’s never any breakfast. I get something at school if I go in.',
      at('10:10'),
      'Stayed on the doorstep with Callum until his mother arrived, then phoned the DSL from the car at 10:50.',
      visitor,
      visitorName,
      at('11:30'),
    ],
  )
  await client.query('INSERT INTO concern_pupils (school_id, concern_id, pupil_id) VALUES ($1, $2, $3)', [school.id, concern.rows[0]!.id, found.pupilId])
  await recordAudit(client, { schoolId: school.id, actor: { userId: visitor, name: visitorName }, action: 'concern.raised', subjectType: 'concern', subjectId: concern.rows[0]!.id, summary: 'Raised a safeguarding disclosure (Neglect) about Callum Robson' }, at('11:30'))

  const incident = await client.query<{ id: string }>(
    `INSERT INTO incidents (school_id, visit_id, kind, happened_at, location, what_happened, reported_by, reported_by_name, recorded_at, risk_review_of)
     VALUES ($1, $2, 'trip_or_fall', $3, 'The front path', $4, $5, $6, $7, 'Lone Working and Home Visits') RETURNING id`,
    [school.id, visitId, at('10:02'), 'A paving slab on the front path is loose and tipped as I stepped on it. I fell onto one knee: grazed, no other injury.', visitor, visitorName, at('12:15')],
  )
  await client.query('INSERT INTO incident_staff (school_id, incident_id, user_id) VALUES ($1, $2, $3)', [school.id, incident.rows[0]!.id, visitor])
  await recordAudit(client, { schoolId: school.id, actor: { userId: visitor, name: visitorName }, action: 'incident.recorded', subjectType: 'incident', subjectId: incident.rows[0]!.id, summary: 'Recorded an incident on a home visit: trip or fall' }, at('12:15'))
}


