import type { FastifyInstance } from 'fastify'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { formatDate } from '../../domain/dates.ts'
import { reviewStatus } from '../../domain/policy-review.ts'
import { describeRoles, holdsAnyRole } from '../../domain/roles.ts'
import { feedbackReaders, feedbackSummary } from '../feedback/service.ts'
import { riskAssessmentFields } from '../../policy/schema.ts'
import { schoolOf } from '../../web/auth-plugin.ts'
import { addNavigation } from '../../web/navigation.ts'
import { barChart } from '../attendance/chart.ts'
import { notify } from '../live/notify.ts'
import { currentPolicy } from '../policy/repository.ts'
import { ukToday } from '../pupils/service.ts'
import { governorsReport } from './service.ts'

/**
 * The annual review of the home-visit policy (R-GOV-2, R-RISK-4): the review date from the policy, a reminder
 * to the headteacher before it is due, and the review pack: what has happened since the last review.
 */
export const reviewPackReaders = ['headteacher', 'associate_head', 'dsl', 'slt', 'governor', 'school_admin'] as const

/**
 * Reminds each school's headteachers once per due date, from 30 days before it (and while overdue). Run at
 * start-up and hourly (src/server.ts); the reminder says only which school and that the review is due.
 */
export async function remindPolicyReviews(pool: Pool, now: Date): Promise<number> {
  const today = ukToday(now)
  const { rows: schools } = await pool.query<{ id: string; name: string }>('SELECT id, name FROM schools ORDER BY name')
  let sent = 0
  for (const school of schools) {
    const version = await currentPolicy(pool, school.id, now).catch(() => undefined)
    if (!version) continue // a school still without a policy has nothing to review
    const status = reviewStatus(version.policy.review, today)
    if (status.state === 'not_yet') continue
    await inTransaction(pool, async (client) => {
      const claimed = await client.query(
        `INSERT INTO policy_review_reminders (school_id, due_on, sent_at, recipients) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING RETURNING school_id`,
        [school.id, status.dueOn, now],
      )
      if (claimed.rowCount === 0) return
      const { rows: heads } = await client.query<{ id: string }>(
        `SELECT u.id FROM school_memberships m JOIN users u ON u.id = m.user_id WHERE m.school_id = $1 AND m.role = 'headteacher' AND u.active ORDER BY u.id`,
        [school.id],
      )
      await notify(client, {
        schoolId: school.id,
        userIds: heads.map((h) => h.id),
        visitId: null,
        alarmId: null,
        kind: 'reminder',
        priority: 'normal',
        title: `${school.name}: the home visits policy is due for review`,
        body: `The review is due by ${formatDate(status.dueOn)}. Open Doorstep for the review pack.`,
        link: '/reports/policy-review',
        channels: ['email', 'push'],
      }, now)
      await client.query('UPDATE policy_review_reminders SET recipients = $3 WHERE school_id = $1 AND due_on = $2', [school.id, status.dueOn, heads.length])
      await recordAudit(client, {
        schoolId: school.id,
        actor: { userId: null, name: 'Doorstep' },
        action: 'policy.review_reminder_sent',
        subjectType: 'school',
        subjectId: school.id,
        summary: `Reminded ${heads.length} ${heads.length === 1 ? 'headteacher' : 'headteachers'} that the policy review is due by ${formatDate(status.dueOn)}`,
        change: { dueOn: status.dueOn, recipients: heads.length },
      }, now)
      sent++
    })
  }
  return sent
}

export function registerReviewRoutes(app: FastifyInstance): void {
  addNavigation({ href: '/reports/policy-review', text: 'Policy review', roles: ['headteacher', 'governor'], group: 'reports', description: 'When the policy is due for review, and the pack gathered for it.' })
  const { pool, clock } = app.deps

  app.get('/reports/policy-review', { config: { access: { roles: reviewPackReaders } } }, async (request, reply) => {
    const school = schoolOf(request)
    const now = clock()
    const today = ukToday(now)
    const { policy } = await currentPolicy(pool, school.id, now)
    const status = reviewStatus(policy.review, today)
    const since = policy.review.lastReviewedOn < today ? policy.review.lastReviewedOn : today
    const report = await governorsReport(pool, school, { from: since, to: today, label: `${formatDate(since)} to ${formatDate(today)}` }, now)
    const gathered = report.sections.filter((s) => ['incidents', 'cancellations', 'escalations', 'check-ins', 'visits'].includes(s.id))
    // Staff feedback since the last review (the feedback's own period): the counts for every reader of the pack, the comments only for the feedback's readers.
    const feedback = await feedbackSummary(pool, feedbackReaders, school.id, now)
    const mayReadComments = holdsAnyRole(school.roles, feedbackReaders)
    const standing = policy.riskAssessment.standingAssessment
    return reply.page('governance/views/review.njk', {
      title: 'Policy review',
      policyTitle: policy.title,
      review: policy.review,
      reviewers: describeRoles(policy.review.reviewerRoles, 'and'),
      status,
      since,
      sections: gathered.map((section, index) => ({
        ...section,
        svg: section.chart ? barChart({ id: `review-chart-${index}`, title: section.chart.title, max: section.chart.percent ? 100 : undefined, bars: section.chart.bars.map((b) => ({ label: b.label.length > 12 ? `${b.label.slice(0, 11)}…` : b.label, value: b.value })) }) : undefined,
      })),
      feedback: { ...feedback, comments: mayReadComments ? feedback.comments : [] },
      mayReadComments,
      standing: standing ? { name: standing.name, updateAfterVisits: standing.updateAfterVisits, prompts: policy.riskAssessment.requiredFields.map((field) => riskAssessmentFields[field]) } : undefined,
    })
  })
}
