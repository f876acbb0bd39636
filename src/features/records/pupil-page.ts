import type { Pool } from '../../db/pool.ts'
import { londonDate } from '../../domain/hours.ts'
import { pupilChronology } from '../chronology/chronology.ts'
import type { Viewer } from '../visits/service.ts'
import { listActions, possibleOwners } from './repository.ts'

/** What the pupil's page shows after its visits (R-REC-3, R-FOLLOW-1): the chronology and the follow-up actions. */
export async function pupilFollowUpContext(pool: Pool, viewer: Viewer, schoolId: string, pupilId: string, now: Date) {
  return {
    chronology: await pupilChronology(pool, viewer, schoolId, pupilId, now),
    actions: await listActions(pool, schoolId, { pupilId }),
    owners: await possibleOwners(pool, schoolId),
    today: londonDate(now),
    mayAddActions: true,
    actionTarget: `/pupils/${pupilId}/actions`,
    actionBack: 'pupil',
    actionPupils: [],
    actionValues: {},
    actionDates: {},
    actionErrors: {},
  }
}
