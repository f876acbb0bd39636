import type { Db } from '../../db/pool.ts'
import type { SchoolRole } from '../../domain/roles.ts'

/**
 * The pupil's chronology (R-REC-3): one list, in date order, of everything Doorstep holds about the pupil's
 * visits and what followed, built from a list of sources (`chronologySources` in sources.ts) so each feature
 * adds its own. A source returns the entries the viewer may read: it leaves out, or words without detail,
 * anything that is safeguarding detail for a viewer without a safeguarding role (domain/roles.ts
 * `safeguardingRoles`, docs/decisions/0010).
 */
export type ChronologyEntry = { at: Date; category: string; who: string; what: string; actions: string; href?: string }
export type ChronologyViewer = { userId: string; roles: readonly SchoolRole[] }
/** `now` is the app's clock: when a source that audits its reading (concerns) records that reading. */
export type ChronologySource = (db: Db, schoolId: string, pupilId: string, viewer: ChronologyViewer, now: Date) => Promise<ChronologyEntry[]>
