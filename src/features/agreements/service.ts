import type pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { afterReview, CONTINUED_FAILURE_REVIEWS } from '../../domain/agreements.ts'
import { formatDate } from '../../domain/dates.ts'
import { defaultLetterTemplate, fillTemplate, fullNameOf, salutationOf, templateProblems, type LetterValues } from '../../domain/letter-template.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { notify } from '../live/notify.ts'
import { currentPolicy } from '../policy/repository.ts'
import { adultsOfPupil, findAdult, findPupil, mainAddressOf } from '../pupils/repository.ts'
import { ukToday, type Staff } from '../pupils/service.ts'
import { recordVisitEvent } from '../visits/events.ts'
import { findVisit } from '../visits/repository.ts'
import { canView, createVisitIn } from '../visits/service.ts'
import { renderDocumentPdf } from '../cancellations/pdf.ts'
import {
  awaitingLetters,
  findAgreement,
  findLetter,
  insertAgreement,
  insertAgreementAdults,
  insertLetter,
  insertReview,
  letterTemplate,
  lettersOf,
  lettersOfSchool,
  markLetterPosted,
  reviewsDue,
  reviewsOf,
  saveLetterTemplate,
  updateAgreement,
  type Agreement,
  type Letter,
  type Review,
} from './repository.ts'
import type { AgreementInput, ReviewInput } from './schema.ts'

/**
 * Agreements with parents and reminder letters (R-AGREE-1), the rules for pages and API alike.
 * Every change writes its audit entry in its own transaction (R-AUDIT-1).
 */

/** Record and review agreements: the staff who see pupils' pages and make visits. */
export const agreementKeepers = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office', 'visitor'] as const satisfies readonly SchoolRole[]
/** Produce and post the letters: the office and senior staff. */
export const letterKeepers = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl', 'slt', 'office'] as const satisfies readonly SchoolRole[]
/** Edit the letter's words: the headteacher. */
export const templateEditors = ['headteacher'] as const satisfies readonly SchoolRole[]

function requireRole(staff: Staff, roles: readonly SchoolRole[], message: string): void {
  if (!holdsAnyRole(staff.roles, roles)) throw new ForbiddenError(message)
}

async function requireAgreement(db: Db, schoolId: string, agreementId: string, lock = false): Promise<Agreement> {
  const agreement = await findAgreement(db, schoolId, agreementId, lock)
  if (!agreement) throw new NotFoundError('There is no agreement with that id in this school.')
  return agreement
}

const noAdults = (pupilName: string) => `There is no adult on file for ${pupilName}: add the parents or carers on the pupil’s page first.`

// ---------------------------------------------------------------- recording

export async function recordAgreement(pool: Pool, staff: Staff, pupilId: string, input: AgreementInput, now: Date): Promise<string> {
  requireRole(staff, agreementKeepers, 'Only staff who work with families can record an agreement.')
  const today = ukToday(now)
  return inTransaction(pool, async (client) => {
    const pupil = await findPupil(client, staff.schoolId, pupilId)
    if (!pupil) throw new NotFoundError('There is no pupil with that id in this school.')
    const errors: Array<{ field: string; message: string }> = []
    const adults = await adultsOfPupil(client, staff.schoolId, pupilId)
    if (adults.length === 0) errors.push({ field: 'contactIds', message: noAdults(pupil.name) })
    else if (input.contactIds.some((id) => !adults.some((adult) => adult.id === id))) errors.push({ field: 'contactIds', message: `Choose adults from ${pupil.name}’s family` })
    if (input.agreedOn > today) errors.push({ field: 'agreedOn', message: 'The date it was agreed must be today or in the past' })
    if (input.reviewOn < today) errors.push({ field: 'reviewOn', message: `The review date must be today (${formatDate(today)}) or later` })
    else if (input.reviewOn <= input.agreedOn) errors.push({ field: 'reviewOn', message: 'The review date must be after the date it was agreed' })
    if (input.visitId) {
      const visit = await findVisit(client, staff.schoolId, input.visitId)
      const viewer = { userId: staff.actor.userId ?? '', name: staff.actor.name, roles: staff.roles }
      if (!visit || !canView(viewer, visit) || !visit.pupils.some((p) => p.id === pupilId)) errors.push({ field: 'visitId', message: `That visit is not one of ${pupil.name}’s visits` })
    }
    if (errors.length) throw new ValidationError(errors)
    const id = await insertAgreement(client, { schoolId: staff.schoolId, pupilId, visitId: input.visitId, text: input.text, agreedOn: input.agreedOn, reviewOn: input.reviewOn, createdBy: staff.actor.userId, createdByName: staff.actor.name }, now)
    await insertAgreementAdults(client, staff.schoolId, id, input.contactIds)
    const names = adults.filter((a) => input.contactIds.includes(a.id)).map((a) => a.name)
    const summary = `Agreement recorded with ${names.join(' and ')} for ${pupil.name}, to be reviewed on ${formatDate(input.reviewOn)}`
    if (input.visitId) await recordVisitEvent(client, { id: input.visitId, schoolId: staff.schoolId }, staff.actor, 'agreement.recorded', summary, { agreementId: id, pupilId }, now)
    await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'agreement.recorded', subjectType: 'agreement', subjectId: id, summary, change: { pupilId, visitId: input.visitId, contactIds: input.contactIds, agreedOn: input.agreedOn, reviewOn: input.reviewOn } }, now)
    return id
  })
}

// ---------------------------------------------------------------- reviewing

export type ReviewResult = { outcome: ReviewInput['outcome']; lettersDue: boolean; followUpVisitId: string | null }

/**
 * Marks an open agreement kept or not kept at its review. Not kept: a new review date, reminder letters to
 * produce (when the policy sends them), and at the second not-kept review (CONTINUED_FAILURE_REVIEWS) a draft
 * follow-up visit with the agreement's history, and a message to the headteacher and the reviewer.
 */
export async function reviewAgreement(pool: Pool, staff: Staff, agreementId: string, input: ReviewInput, now: Date): Promise<ReviewResult> {
  requireRole(staff, agreementKeepers, 'Only staff who work with families can review an agreement.')
  const today = ukToday(now)
  return inTransaction(pool, async (client) => {
    const agreement = await requireAgreement(client, staff.schoolId, agreementId, true)
    if (agreement.status !== 'open') throw new ConflictError(`This agreement is already ${agreement.status === 'kept' ? 'marked kept' : 'withdrawn'}: there is nothing to review.`)
    if (input.outcome === 'not_kept') {
      if (!input.nextReviewOn) throw new ValidationError([{ field: 'nextReviewOn', message: 'Enter the next review date' }])
      if (input.nextReviewOn <= today) throw new ValidationError([{ field: 'nextReviewOn', message: `The next review date must be after today (${formatDate(today)})` }])
    }
    const reviews = await reviewsOf(client, staff.schoolId, agreementId)
    const { policy } = await currentPolicy(client, staff.schoolId, now)
    const next = afterReview(input.outcome, reviews.filter((r) => r.outcome === 'not_kept').length, policy.attendance)
    const reviewId = await insertReview(client, {
      schoolId: staff.schoolId,
      agreementId,
      outcome: input.outcome,
      note: input.note,
      reviewOn: today,
      nextReviewOn: input.outcome === 'not_kept' ? input.nextReviewOn : null,
      reviewedBy: staff.actor.userId,
      reviewedByName: staff.actor.name,
    }, now)
    await updateAgreement(client, staff.schoolId, agreementId, { status: next.status, ...(input.nextReviewOn && input.outcome === 'not_kept' ? { reviewOn: input.nextReviewOn } : {}) }, now)
    const summary = input.outcome === 'kept' ? `Agreement for ${agreement.pupilName} reviewed: kept` : `Agreement for ${agreement.pupilName} reviewed: not kept; next review on ${formatDate(input.nextReviewOn!)}`
    await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'agreement.reviewed', subjectType: 'agreement', subjectId: agreementId, summary, change: { reviewId, outcome: input.outcome, nextReviewOn: input.nextReviewOn } }, now)
    let followUpVisitId: string | null = null
    if (next.followUpVisit && !agreement.followUpVisitId) followUpVisitId = await draftFollowUp(client, staff, agreement, [...reviews, { outcome: 'not_kept', reviewOn: today, note: input.note }], now)
    return { outcome: input.outcome, lettersDue: next.reminderLetters, followUpVisitId }
  })
}

async function draftFollowUp(client: pg.PoolClient, staff: Staff, agreement: Agreement, reviews: Array<Pick<Review, 'outcome' | 'reviewOn' | 'note'>>, now: Date): Promise<string> {
  const viewer = { userId: staff.actor.userId ?? '', name: staff.actor.name, roles: staff.roles }
  const history = [
    `Follow-up visit (R-AGREE-1): the agreement made on ${formatDate(agreement.agreedOn)} was not kept at ${CONTINUED_FAILURE_REVIEWS} reviews.`,
    `What was agreed: ${agreement.text}`,
    ...reviews.map((r) => `Reviewed ${formatDate(r.reviewOn)}: ${r.outcome === 'kept' ? 'kept' : 'not kept'}${r.note ? ` (${r.note})` : ''}.`),
    `The agreement and its letters: /agreements/${agreement.id}`,
  ].join('\n')
  const changes = { pupilIds: [agreement.pupilId], purposeDetail: history }
  let visitId: string
  try {
    visitId = await createVisitIn(client, viewer, staff.schoolId, { ...changes, contactIds: agreement.adults.map((a) => a.contactId) }, now)
  } catch (error) {
    // An adult the planner may not book (R-FAMILY-3) is left for them to choose: the draft still records the history.
    if (!(error instanceof ValidationError)) throw error
    visitId = await createVisitIn(client, viewer, staff.schoolId, changes, now)
  }
  await updateAgreement(client, staff.schoolId, agreement.id, { followUpVisitId: visitId }, now)
  const summary = `Follow-up visit drafted for ${agreement.pupilName}: the agreement was not kept again`
  await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'agreement.follow_up_drafted', subjectType: 'agreement', subjectId: agreement.id, summary, change: { visitId } }, now)
  await recordVisitEvent(client, { id: visitId, schoolId: staff.schoolId }, staff.actor, 'agreement.follow_up', `Drafted as a follow-up: the agreement for ${agreement.pupilName} was not kept at ${CONTINUED_FAILURE_REVIEWS} reviews`, { agreementId: agreement.id }, now)
  const heads = await client.query<{ id: string }>(
    `SELECT DISTINCT u.id FROM school_memberships m JOIN users u ON u.id = m.user_id WHERE m.school_id = $1 AND m.role = 'headteacher' AND u.active`,
    [staff.schoolId],
  )
  const school = await client.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [staff.schoolId])
  await notify(client, {
    schoolId: staff.schoolId,
    userIds: [...heads.rows.map((r) => r.id), ...(staff.actor.userId ? [staff.actor.userId] : [])],
    visitId,
    alarmId: null,
    kind: 'agreement_follow_up',
    priority: 'normal',
    title: `${school.rows[0]?.name ?? 'Doorstep'}: a follow-up visit was drafted`,
    body: 'An agreement with a family was not kept again. The draft visit is in Doorstep.',
    link: `/visits/${visitId}`,
    channels: ['email'],
  }, now)
  return visitId
}

// ---------------------------------------------------------------- letters

/**
 * Produces the reminder letters after a not-kept review (R-AGREE-1): one to each adult the agreement was made
 * with who is still in the pupil's family, addressed by their own title and name (never the child's surname),
 * from the school's template. Each is logged and listed for posting.
 */
export async function produceLetters(pool: Pool, staff: Staff, agreementId: string, now: Date): Promise<string[]> {
  requireRole(staff, letterKeepers, 'Only the school office and senior staff can produce letters.')
  return inTransaction(pool, async (client) => {
    const agreement = await requireAgreement(client, staff.schoolId, agreementId, true)
    const { policy } = await currentPolicy(client, staff.schoolId, now)
    if (!policy.attendance.agreementReminderLetters) throw new ConflictError('The school’s policy does not send reminder letters when an agreement is not kept.')
    const reviews = await reviewsOf(client, staff.schoolId, agreementId)
    const review = reviews.at(-1)
    if (!review || review.outcome !== 'not_kept') throw new ConflictError('A reminder letter follows a review that found the agreement not kept; this agreement has none.')
    if ((await lettersOf(client, staff.schoolId, agreementId)).some((l) => l.reviewId === review.id)) {
      throw new ConflictError('The letters for this review have already been produced: they are in the list of letters to post.')
    }
    const adults = []
    for (const adult of agreement.adults) {
      const family = await findAdult(client, staff.schoolId, agreement.pupilId, adult.contactId)
      if (family) adults.push(family)
    }
    if (adults.length === 0) throw new ConflictError(noAdults(agreement.pupilName))
    const saved = await letterTemplate(client, staff.schoolId)
    const template = saved?.body ?? defaultLetterTemplate
    const problems = templateProblems(template)
    if (problems.length) throw new ConflictError(`The letter template cannot be used: ${problems.join('. ')}. The headteacher can correct it.`)
    const school = (await client.query<{ name: string; address: string | null }>('SELECT name FROM schools WHERE id = $1', [staff.schoolId])).rows[0]!
    const home = await mainAddressOf(client, staff.schoolId, agreement.pupilId)
    const ids: string[] = []
    for (const adult of adults) {
      const values: LetterValues = {
        'adult.title': adult.title.trim(),
        'adult.name': fullNameOf(adult),
        'adult.salutation': salutationOf(adult),
        'pupil.name': agreement.pupilName,
        'agreement.text': agreement.text,
        'agreement.date': formatDate(agreement.agreedOn),
        'review.date': formatDate(review.reviewOn),
        'school.name': school.name,
        today: formatDate(ukToday(now)),
      }
      const body = fillTemplate(template, values)
      // The pupil's home is the adult's only when they live with the pupil; otherwise the office finds the address.
      const postal = adult.livesWithPupil && home ? [home.line1, home.line2, home.town, home.postcode].filter(Boolean) : []
      const pdf = await renderDocumentPdf({
        title: `${school.name}: reminder letter`,
        subject: 'Reminder about an agreement (R-AGREE-1)',
        header: [school.name, formatDate(ukToday(now))],
        addressLines: [fullNameOf(adult), ...postal],
        paragraphs: body.split(/\n\s*\n/),
      })
      const id = await insertLetter(client, {
        schoolId: staff.schoolId,
        agreementId,
        reviewId: review.id,
        contactId: adult.id,
        addressedTo: fullNameOf(adult),
        postalAddress: postal.join(', '),
        body,
        pdf,
        producedBy: staff.actor.userId,
        producedByName: staff.actor.name,
      }, now)
      await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'letter.produced', subjectType: 'letter', subjectId: id, summary: `Reminder letter produced for ${fullNameOf(adult)} about ${agreement.pupilName}’s agreement`, change: { agreementId, reviewId: review.id, contactId: adult.id } }, now)
      ids.push(id)
    }
    return ids
  })
}

export async function markPosted(pool: Pool, staff: Staff, letterId: string, now: Date): Promise<Letter> {
  requireRole(staff, letterKeepers, 'Only the school office and senior staff can post letters.')
  await inTransaction(pool, async (client) => {
    const letter = await findLetter(client, staff.schoolId, letterId, true)
    if (!letter) throw new NotFoundError('There is no letter with that id in this school.')
    if (letter.postedAt) throw new ConflictError(`This letter was already marked posted by ${letter.postedByName}.`)
    await markLetterPosted(client, staff.schoolId, letterId, staff.actor, now)
    await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'letter.posted', subjectType: 'letter', subjectId: letterId, summary: `Reminder letter to ${letter.addressedTo} marked posted`, change: { agreementId: letter.agreementId } }, now)
  })
  return (await findLetter(pool, staff.schoolId, letterId))!
}

// ---------------------------------------------------------------- the template

export async function templateOf(db: Db, schoolId: string): Promise<{ body: string; custom: boolean; updatedAt: Date | null; updatedByName: string | null }> {
  const saved = await letterTemplate(db, schoolId)
  return saved ? { body: saved.body, custom: true, updatedAt: saved.updatedAt, updatedByName: saved.updatedByName } : { body: defaultLetterTemplate, custom: false, updatedAt: null, updatedByName: null }
}

/** Saves the head's words; placeholders Doorstep does not know are refused, naming them. */
export async function saveTemplate(pool: Pool, staff: Staff, body: string, now: Date): Promise<void> {
  requireRole(staff, templateEditors, 'Only the headteacher can change the reminder letter.')
  const problems = templateProblems(body)
  if (problems.length) throw new ValidationError(problems.map((message) => ({ field: 'body', message })))
  await inTransaction(pool, async (client) => {
    await saveLetterTemplate(client, staff.schoolId, body, staff.actor, now)
    await recordAudit(client, { schoolId: staff.schoolId, actor: staff.actor, action: 'letter_template.saved', subjectType: 'school', subjectId: staff.schoolId, summary: 'Reminder letter template changed', change: { length: body.length } }, now)
  })
}

// ---------------------------------------------------------------- reading

export async function agreementView(pool: Pool, staff: Staff, agreementId: string) {
  requireRole(staff, agreementKeepers, 'Only staff who work with families can read agreements.')
  const agreement = await requireAgreement(pool, staff.schoolId, agreementId)
  const reviews = await reviewsOf(pool, staff.schoolId, agreementId)
  const letters = await lettersOf(pool, staff.schoolId, agreementId)
  const latest = reviews.at(-1)
  const lettersDue = latest?.outcome === 'not_kept' && !letters.some((l) => l.reviewId === latest.id)
  return { agreement, reviews, letters, lettersDue, mayProduce: lettersDue && holdsAnyRole(staff.roles, letterKeepers) }
}

export async function lettersPage(pool: Pool, schoolId: string, now: Date) {
  const today = ukToday(now)
  const { policy } = await currentPolicy(pool, schoolId, now)
  return {
    toPost: await lettersOfSchool(pool, schoolId, { toPost: true }),
    due: await reviewsDue(pool, schoolId, today),
    awaiting: policy.attendance.agreementReminderLetters ? await awaitingLetters(pool, schoolId) : [],
    sendsLetters: policy.attendance.agreementReminderLetters,
  }
}

export { adultsOfPupil }
