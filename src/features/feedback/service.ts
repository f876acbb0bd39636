import { z } from 'zod'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { feedbackQuestions, reviewPeriodOf, type FeedbackQuestion } from '../../domain/feedback.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { ConflictError, ForbiddenError, NotFoundError } from '../../web/errors.ts'
import { currentPolicy } from '../policy/repository.ts'
import { recordVisitEvent } from '../visits/events.ts'
import { findVisit } from '../visits/repository.ts'
import type { Viewer } from '../visits/service.ts'

/**
 * Staff feedback after a visit (R-FEEDBACK-1, R-GOV-2): once a visit the visitors went out on has ended, each of
 * them may answer a short optional question set. Answers are kept with the policy-review period they fall in
 * (from the policy's last review), and the head reads them for the review, without pupils' names.
 */
export const feedbackReaders = ['headteacher', 'associate_head'] as const satisfies readonly SchoolRole[]

const answer = <T extends Record<string, string>>(answers: T, question: string) =>
  z.preprocess((value) => (value === '' || value === undefined ? null : value), z.enum(Object.keys(answers) as [keyof T & string, ...Array<keyof T & string>], { error: `Choose an answer to “${question}”, or leave it blank` }).nullable()).default(null)

export const feedbackInput = z.strictObject({
  feltSafe: answer(feedbackQuestions.feltSafe.answers, feedbackQuestions.feltSafe.question),
  briefingEnough: answer(feedbackQuestions.briefingEnough.answers, feedbackQuestions.briefingEnough.question),
  checkInsWorked: answer(feedbackQuestions.checkInsWorked.answers, feedbackQuestions.checkInsWorked.question),
  comments: z.string({ error: 'Comments must be text' }).trim().max(2000, 'Comments must be 2,000 characters or fewer').default(''),
})
export type FeedbackInput = z.infer<typeof feedbackInput>

export function feedbackFromForm(body: unknown): Record<string, unknown> {
  const form = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const pick = (name: string) => (typeof form[name] === 'string' ? form[name] : '')
  return { feltSafe: pick('feltSafe'), briefingEnough: pick('briefingEnough'), checkInsWorked: pick('checkInsWorked'), comments: pick('comments') }
}

type Offer = { visitId: string; mayGive: boolean; given: boolean; reason: string | null }

/** Whether this person is offered the questions for this visit: they were on it, it went out, and it has ended. */
export async function feedbackOffer(db: Db, viewer: Pick<Viewer, 'userId'>, schoolId: string, visitId: string): Promise<Offer> {
  const visit = await findVisit(db, schoolId, visitId)
  if (!visit) throw new NotFoundError('There is no visit with that id in this school.')
  const onVisit = visit.staff.some((person) => person.userId === viewer.userId)
  const { rows } = await db.query<{ signedOut: boolean; given: boolean }>(
    `SELECT v.signed_out_at IS NOT NULL AS "signedOut", EXISTS (SELECT 1 FROM visit_feedback f WHERE f.visit_id = v.id AND f.user_id = $3) AS given
       FROM visits v WHERE v.school_id = $1 AND v.id = $2`,
    [schoolId, visitId, viewer.userId],
  )
  const row = rows[0]!
  const ended = (visit.status === 'completed' || visit.status === 'cancelled') && row.signedOut
  const reason = !onVisit ? 'Only the staff who went on this visit give feedback on it.' : !ended ? 'Feedback is asked for once the visit has ended.' : row.given ? 'You have already given feedback on this visit. Thank you.' : null
  return { visitId, mayGive: reason === null, given: row.given, reason }
}

export async function giveFeedback(pool: Pool, viewer: Viewer, schoolId: string, visitId: string, input: FeedbackInput, now: Date): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM visits WHERE school_id = $1 AND id = $2 FOR UPDATE', [schoolId, visitId])
    const offer = await feedbackOffer(client, viewer, schoolId, visitId)
    if (!offer.mayGive) {
      if (offer.given) throw new ConflictError(offer.reason!)
      throw new ForbiddenError(offer.reason!)
    }
    const { policy } = await currentPolicy(client, schoolId, now)
    const period = reviewPeriodOf(policy.review)
    await client.query(
      `INSERT INTO visit_feedback (school_id, visit_id, user_id, period_from, felt_safe, briefing_enough, check_ins_worked, comments, given_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [schoolId, visitId, viewer.userId, period.from, input.feltSafe, input.briefingEnough, input.checkInsWorked, input.comments, now],
    )
    const actor = { userId: viewer.userId, name: viewer.name }
    // The history says that feedback was given, not what it said: the answers are for the policy review.
    await recordVisitEvent(client, { id: visitId, schoolId }, actor, 'feedback.given', `${viewer.name} gave feedback for the policy review`, {}, now)
    await recordAudit(client, { schoolId, actor, action: 'feedback.given', subjectType: 'visit', subjectId: visitId, summary: 'Feedback given after a visit', change: { periodFrom: period.from } }, now)
  })
}

export type FeedbackSummary = {
  period: { from: string; to: string }
  count: number
  questions: Array<{ id: FeedbackQuestion; question: string; answers: Array<{ label: string; count: number }>; unanswered: number }>
  comments: Array<{ givenAt: Date; text: string }>
}

/** The answers of the current policy-review period: counts per answer and the comments, with no pupils' or families' names. */
export async function feedbackSummary(pool: Pool, roles: readonly SchoolRole[], schoolId: string, now: Date): Promise<FeedbackSummary> {
  if (!holdsAnyRole(roles, feedbackReaders)) throw new ForbiddenError('Only the headteacher and associate head read the feedback.')
  const { policy } = await currentPolicy(pool, schoolId, now)
  const period = reviewPeriodOf(policy.review)
  const { rows } = await pool.query<{ feltSafe: string | null; briefingEnough: string | null; checkInsWorked: string | null; comments: string; givenAt: Date }>(
    `SELECT felt_safe AS "feltSafe", briefing_enough AS "briefingEnough", check_ins_worked AS "checkInsWorked", comments, given_at AS "givenAt"
       FROM visit_feedback WHERE school_id = $1 AND period_from = $2 ORDER BY given_at`,
    [schoolId, period.from],
  )
  const questions = (Object.keys(feedbackQuestions) as FeedbackQuestion[]).map((id) => {
    const q = feedbackQuestions[id]
    const given = rows.map((row) => row[id])
    return {
      id,
      question: q.question,
      answers: Object.entries(q.answers).map(([value, label]) => ({ label, count: given.filter((g) => g === value).length })),
      unanswered: given.filter((g) => g === null).length,
    }
  })
  return { period, count: rows.length, questions, comments: rows.filter((row) => row.comments).map((row) => ({ givenAt: row.givenAt, text: row.comments })) }
}
