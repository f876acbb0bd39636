import pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db } from '../../db/pool.ts'
import { holdsAnyRole } from '../../domain/roles.ts'
import type { ChronologyEntry, ChronologySource, ChronologyViewer } from '../chronology/types.ts'
import { listConcerns, listIncidents } from './repository.ts'
import { concernActionKinds, concernCategories, incidentKinds } from './schema.ts'
import { concernReaders, incidentReaders } from './service.ts'

/**
 * Concerns and incidents in a pupil's chronology (R-REC-3). The shapes are the chronology's own
 * (src/features/chronology/types.ts).
 * A concern's detail is only for the safeguarding roles, and their reading of it is audited; anyone
 * else sees that a concern was recorded and who to ask.
 */

const ukDateTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })

/** Runs `work` in a transaction: the pool's own, or the caller's when given a client. */
async function inOne<T>(db: Db, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return db instanceof pg.Pool ? inTransaction(db, work) : work(db as pg.PoolClient)
}

/**
 * A pupil's concerns. `now` is when the reading is recorded in the audit history: pass the app's clock
 * (the chronology page does); without it the database's time is used.
 */
export async function concernChronology(db: Db, schoolId: string, pupilId: string, viewer: ChronologyViewer, now: Date): Promise<ChronologyEntry[]> {
  const full = holdsAnyRole(viewer.roles, concernReaders)
  return inOne(db, async (client) => {
    const concerns = await listConcerns(client, schoolId, { pupilId })
    if (!full) {
      return concerns.map((c) => ({ at: c.happenedAt, category: 'Safeguarding', who: c.raisedByName, what: 'Safeguarding concern recorded — see the DSL', actions: '' }))
    }
    if (concerns.length) {
      const name = (await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [viewer.userId])).rows[0]?.name ?? 'Doorstep'
      await recordAudit(client, {
        schoolId,
        actor: { userId: viewer.userId, name },
        action: 'concern.viewed',
        subjectType: 'pupil',
        subjectId: pupilId,
        summary: `Viewed ${concerns.length === 1 ? 'a safeguarding concern' : `${concerns.length} safeguarding concerns`} in a pupil’s chronology`,
        change: { how: 'chronology', concernIds: concerns.map((c) => c.id) },
      }, now)
    }
    return concerns.map((c) => {
      const told = c.kind === 'disclosure' ? ` The child said: “${c.childWords}”` : ''
      const steps = c.actions.map((a) => {
        const label = a.kind === 'other_referral' ? `Referral to ${a.agency}` : concernActionKinds[a.kind]
        return `${ukDateTime.format(a.doneAt)} ${label}: ${a.what}${a.reference ? ` (reference ${a.reference})` : ''}${a.outcome ? `. Outcome: ${a.outcome}` : ''} — ${a.recordedByName}`
      })
      const status = c.status === 'closed' ? `Closed: ${c.outcome}` : 'Open'
      return {
        at: c.happenedAt,
        category: `Safeguarding: ${concernCategories[c.category]}${c.kind === 'disclosure' ? ' (disclosure)' : ''}`,
        who: c.raisedByName,
        what: `${c.account}${told}`,
        actions: [`Immediate action: ${c.immediateAction}`, ...steps, status].join('\n'),
        href: `/concerns/${c.id}`,
      }
    })
  })
}
concernChronology satisfies ChronologySource

export const incidentChronology: ChronologySource = async (db, schoolId, pupilId, viewer) => {
  const incidents = await listIncidents(db, schoolId, { pupilId })
  const reader = holdsAnyRole(viewer.roles, incidentReaders)
  return incidents.map((i) => {
    const named = i.reportedBy === viewer.userId || i.staff.some((s) => s.id === viewer.userId)
    if (!reader && !named) return { at: i.happenedAt, category: 'Incident', who: i.reportedByName, what: 'Incident on a home visit recorded — see the headteacher', actions: '' }
    const actions = [
      i.kind === 'physical_intervention' ? `Physical intervention: ${i.interventionWhat}. Why: ${i.interventionWhy}` : '',
      ...i.adults.filter((a) => a.stoppedAppointments).map((a) => `No appointments with ${a.name} until the case is reviewed`),
      i.riskReviewOf ? (i.riskReviewedAt ? `${i.riskReviewOf} risk assessment reviewed by ${i.riskReviewedByName}: ${i.riskReviewNote}` : `${i.riskReviewOf} risk assessment to be reviewed`) : '',
    ].filter(Boolean)
    return {
      at: i.happenedAt,
      category: `Incident: ${incidentKinds[i.kind]}`,
      who: i.reportedByName,
      what: `${i.whatHappened} (at ${i.location})`,
      actions: actions.join('\n'),
      href: `/incidents/${i.id}`,
    }
  })
}
