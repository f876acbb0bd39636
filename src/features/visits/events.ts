import type pg from 'pg'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { insertEvent } from './repository.ts'

/**
 * The one way a change to a visit is written down (R-AUDIT-1): its typed `visit_events` row and the
 * audit entry, in the caller's transaction. Planning (visits/service.ts) and the visit's day
 * (live/write-path.ts) both use it. The payload never holds the code word.
 */
export async function recordVisitEvent(
  client: pg.PoolClient,
  visit: { id: string; schoolId: string },
  actor: Actor,
  kind: string,
  summary: string,
  payload: Record<string, unknown>,
  now: Date,
): Promise<void> {
  await insertEvent(client, { schoolId: visit.schoolId, visitId: visit.id, at: now, actorUserId: actor.userId, actorName: actor.name, kind, summary, payload })
  await recordAudit(client, { schoolId: visit.schoolId, actor, action: `visit.${kind}`, subjectType: 'visit', subjectId: visit.id, summary, change: payload }, now)
}
