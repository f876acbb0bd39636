import type { FastifyInstance } from 'fastify'
import { londonDate } from '../../domain/hours.ts'
import { liveWatchers } from '../../domain/monitoring.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import { plannedStatuses, statusLabels } from '../../domain/visit-lifecycle.ts'
import { actorOf } from '../../web/auth-plugin.ts'
import { visitingRoles } from '../readiness/repository.ts'
import { personReadiness } from '../readiness/service.ts'
import { listVisits, type VisitListRow } from '../visits/repository.ts'
import { approvalPageRoles, describeWhen, seeAllVisits, visitUsers, workQueue } from '../visits/service.ts'
import { londonParts } from '../visits/times.ts'
import { groupEntries, navGroups, type NavGroup } from '../../web/navigation.ts'
import { addHomePanel, panelsFor, type HomeContext } from './panels.ts'

const row = (visit: VisitListRow) => ({
  id: visit.id,
  when: describeWhen(visit),
  time: visit.plannedStart && visit.plannedEnd ? `${londonParts(visit.plannedStart).time} to ${londonParts(visit.plannedEnd).time}` : 'Not set',
  pupils: visit.pupils.join(', ') || 'No pupils chosen yet',
  staff: visit.staff.map((s) => s.name).join(', ') || 'Nobody yet',
  status: visit.status,
  statusLabel: statusLabels[visit.status],
})

const viewerOf = (context: HomeContext) => ({ userId: context.userId, name: context.name, roles: context.school.roles })

/** The home page's own panels: work waiting for approvers, a visitor's next visits and to-dos, today's visits. */
function registerOwnPanels(): void {
  // Heads and approvers: how many visits wait for them (R-APPROVE-1, R-RISK-2).
  addHomePanel({
    id: 'approvals',
    roles: approvalPageRoles,
    template: 'home/views/panels/approvals.njk',
    load: async (context) => {
      const queue = await workQueue(context.pool, viewerOf(context), context.school.id)
      return { toApprove: queue.toApprove.length, riskAssessments: queue.riskAssessments.length }
    },
  })
  // A visitor: what they must do (readiness gaps, drafts to send, risk assessments of theirs) and their next visits.
  addHomePanel({
    id: 'visitor',
    roles: visitingRoles,
    template: 'home/views/panels/visitor.njk',
    load: async (context) => {
      const now = context.clock()
      const today = londonDate(now)
      const readiness = await personReadiness(context.pool, context.school.id, context.userId, now)
      const mayUseVisits = holdsAnyRole(context.school.roles, visitUsers)
      const mine = mayUseVisits ? await listVisits(context.pool, context.school.id, { visibleTo: context.userId, limit: 200 }) : []
      const onIt = (v: VisitListRow) => v.staff.some((s) => s.userId === context.userId)
      const next = mine
        .filter((v) => onIt(v) && v.plannedStart && londonDate(v.plannedStart) >= today && ['awaiting_risk_assessment', 'awaiting_approval', 'approved', 'in_progress'].includes(v.status))
        .slice(0, 5)
      const drafts = mine.filter((v) => v.status === 'draft' && v.createdBy === context.userId)
      const queue = mayUseVisits ? await workQueue(context.pool, viewerOf(context), context.school.id) : { riskAssessments: [] }
      const riskAssessments = queue.riskAssessments.filter((item) => item.visit.staff.some((s) => s.userId === context.userId))
      // Visiting staff always see this panel; a head or DSL who also visits sees it when they are on a visit or planning one.
      const visitor = context.school.roles.includes('visitor')
      if (!visitor && next.length === 0 && drafts.length === 0 && riskAssessments.length === 0) return null
      return {
        blocks: readiness.verdict.blocks.map((m) => m.text),
        warnings: readiness.verdict.warnings.map((m) => m.text),
        drafts: drafts.map(row),
        riskAssessments: riskAssessments.map((item) => ({ id: item.visit.id, when: describeWhen(item.visit), pupils: item.visit.pupils.map((p) => p.name).join(', '), action: item.action })),
        next: next.map((v) => ({ ...row(v), today: londonDate(v.plannedStart!) === today && (v.status === 'approved' || v.status === 'in_progress') })),
        mayUseVisits,
      }
    },
  })
  // The office, heads, DSLs, SLT: today's visits; the live watchers also get the board (who is out now).
  addHomePanel({
    id: 'today',
    roles: seeAllVisits,
    template: 'home/views/panels/today.njk',
    load: async (context) => {
      const today = londonDate(context.clock())
      const visits = await listVisits(context.pool, context.school.id, { statuses: plannedStatuses, from: today, to: today })
      return { visits: visits.map(row), seesBoard: holdsAnyRole(context.school.roles, liveWatchers) }
    },
  })
}

export function registerHomeRoutes(app: FastifyInstance): void {
  registerOwnPanels()
  const { pool, clock } = app.deps
  app.get('/', { config: { access: 'signed-in' } }, async (request, reply) => {
    const school = request.school
    const actor = actorOf(request)
    const panels = school ? await panelsFor({ pool, clock, request, school, userId: actor.userId, name: actor.name }) : []
    return reply.page('home/views/home.njk', { title: school?.name ?? 'Doorstep', panels })
  })
  // The menu's groups (src/web/navigation.ts): each page lists the group's pages this person may open.
  for (const [group, about] of Object.entries(navGroups) as Array<[NavGroup, (typeof navGroups)[NavGroup]]>) {
    app.get(about.href, { config: { access: 'signed-in' } }, async (request, reply) =>
      reply.page('home/views/group.njk', { title: about.title, intro: about.intro, links: groupEntries(group, request.school?.roles ?? []) }),
    )
  }
}
