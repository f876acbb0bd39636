import type { DemoSeeder } from '../../demo/seed.ts'
import { formatDate } from '../../domain/dates.ts'
import { defaultLetterTemplate, fillTemplate, fullNameOf, salutationOf } from '../../domain/letter-template.ts'
import { currentPolicy } from '../policy/repository.ts'
import { ukToday } from '../pupils/service.ts'
import { renderDocumentPdf } from '../cancellations/pdf.ts'
import { insertAgreement, insertAgreementAdults, insertLetter, insertReview, updateAgreement } from './repository.ts'

/**
 * Demo agreements (R-AGREE-1), in the schools whose policy sends reminder letters: one agreement due for review
 * today, and one found not kept a fortnight ago whose letter is waiting to be posted.
 */
const day = (now: Date, days: number) => ukToday(new Date(now.getTime() + days * 86_400_000))
const at = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000)

export const seedAgreementsDemo: DemoSeeder = async (client, schools, now) => {
  for (const school of schools) {
    const { policy } = await currentPolicy(client, school.id, now)
    if (!policy.attendance.agreementReminderLetters) continue
    const staffId = school.staff.visitor ?? null
    const staffName = staffId ? (await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [staffId])).rows[0]!.name : 'Doorstep demo set-up'
    const officeId = school.staff.office ?? null
    const officeName = officeId ? (await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [officeId])).rows[0]!.name : staffName
    const { rows: pupils } = await client.query<{ pupilId: string; pupilName: string; contactId: string; title: string; firstName: string; lastName: string; livesWithPupil: boolean }>(
      `SELECT DISTINCT ON (p.last_name, p.first_name) p.id AS "pupilId", p.first_name || ' ' || p.last_name AS "pupilName", c.id AS "contactId",
              c.title, c.first_name AS "firstName", c.last_name AS "lastName", pc.lives_with_pupil AS "livesWithPupil"
         FROM pupils p JOIN pupil_contacts pc ON pc.pupil_id = p.id AND pc.parental_responsibility JOIN contacts c ON c.id = pc.contact_id
        WHERE p.school_id = $1 ORDER BY p.last_name DESC, p.first_name DESC, pc.lives_with_pupil DESC, c.last_name, c.first_name LIMIT 2`,
      [school.id],
    )
    const [due, notKept] = pupils
    if (!due || !notKept) continue
    // Due for review today.
    const dueId = await insertAgreement(client, { schoolId: school.id, pupilId: due.pupilId, visitId: null, text: `${due.pupilName} will be in school by 8:45 every day, and ${fullNameOf(due)} will phone the office by 9:00 on any day ${due.pupilName.split(' ')[0]} is ill.`, agreedOn: day(now, -14), reviewOn: day(now, 0), createdBy: staffId, createdByName: staffName }, at(now, -14))
    await insertAgreementAdults(client, school.id, dueId, [due.contactId])

    // Not kept a fortnight ago: the letter waits to be posted.
    const agreedOn = day(now, -28)
    const keptId = await insertAgreement(client, { schoolId: school.id, pupilId: notKept.pupilId, visitId: null, text: `${notKept.pupilName} will attend every morning session, and the family will come to a meeting at school if a session is missed.`, agreedOn, reviewOn: day(now, -14), createdBy: staffId, createdByName: staffName }, at(now, -28))
    await insertAgreementAdults(client, school.id, keptId, [notKept.contactId])
    const reviewOn = day(now, -14)
    const reviewId = await insertReview(client, { schoolId: school.id, agreementId: keptId, outcome: 'not_kept', note: 'Missed four morning sessions since the agreement.', reviewOn, nextReviewOn: day(now, 14), reviewedBy: staffId, reviewedByName: staffName }, at(now, -14))
    await updateAgreement(client, school.id, keptId, { reviewOn: day(now, 14) }, at(now, -14))
    const body = fillTemplate(defaultLetterTemplate, {
      'adult.title': notKept.title,
      'adult.name': fullNameOf(notKept),
      'adult.salutation': salutationOf(notKept),
      'pupil.name': notKept.pupilName,
      'agreement.text': `${notKept.pupilName} will attend every morning session, and the family will come to a meeting at school if a session is missed.`,
      'agreement.date': formatDate(agreedOn),
      'review.date': formatDate(reviewOn),
      'school.name': school.name,
      today: formatDate(day(now, -13)),
    })
    const home = (await client.query<{ line: string }>(
      `SELECT concat_ws(', ', a.line1, nullif(a.line2, ''), a.town, a.postcode) AS line FROM pupil_addresses pa JOIN addresses a ON a.id = pa.address_id WHERE pa.pupil_id = $1 AND pa.is_main`,
      [notKept.pupilId],
    )).rows[0]?.line
    const postal = notKept.livesWithPupil && home ? home : ''
    const pdf = await renderDocumentPdf({ title: `${school.name}: reminder letter`, subject: 'Reminder about an agreement (R-AGREE-1)', header: [school.name, formatDate(day(now, -13))], addressLines: [fullNameOf(notKept), ...(postal ? postal.split(', ') : [])], paragraphs: body.split(/\n\s*\n/) })
    await insertLetter(client, { schoolId: school.id, agreementId: keptId, reviewId, contactId: notKept.contactId, addressedTo: fullNameOf(notKept), postalAddress: postal, body, pdf, producedBy: officeId, producedByName: officeName }, at(now, -13))
  }
}
