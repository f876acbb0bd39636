import type { Db } from '../../db/pool.ts'
import type { VisitStatus } from '../../domain/visit-lifecycle.ts'
import type { RoleOnVisit } from '../visits/schema.ts'

/**
 * Calendar feeds (migration 007) and the visit facts a feed may carry. Every function takes the
 * school first, except `findLiveFeed`: a feed's secret token is what says which school it is.
 * Writers expect the caller's transaction.
 */

export type FeedKind = 'personal' | 'office'

export type CalendarFeed = {
  id: string
  schoolId: string
  userId: string | null
  kind: FeedKind
  createdAt: Date
  createdBy: string
  createdByName: string
}

const feedColumns = `f.id, f.school_id AS "schoolId", f.user_id AS "userId", f.kind, f.created_at AS "createdAt",
  f.created_by AS "createdBy", creator.name AS "createdByName"`

/** The live feed of this kind (a person's own, or the school's office feed), if there is one. */
export async function liveFeedOf(db: Db, schoolId: string, kind: FeedKind, userId: string | null): Promise<CalendarFeed | undefined> {
  const { rows } = await db.query<CalendarFeed>(
    `SELECT ${feedColumns} FROM calendar_feeds f JOIN users creator ON creator.id = f.created_by
      WHERE f.school_id = $1 AND f.kind = $2 AND f.user_id IS NOT DISTINCT FROM $3 AND f.revoked_at IS NULL`,
    [schoolId, kind, userId],
  )
  return rows[0]
}

/** The live feed a token's hash belongs to; undefined for an unknown or revoked one. */
export async function findLiveFeed(db: Db, tokenHash: string): Promise<CalendarFeed | undefined> {
  const { rows } = await db.query<CalendarFeed>(
    `SELECT ${feedColumns} FROM calendar_feeds f JOIN users creator ON creator.id = f.created_by
      WHERE f.token_hash = $1 AND f.revoked_at IS NULL`,
    [tokenHash],
  )
  return rows[0]
}

export async function insertFeed(
  db: Db,
  schoolId: string,
  feed: { kind: FeedKind; userId: string | null; tokenHash: string; createdBy: string },
  now: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO calendar_feeds (school_id, user_id, kind, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [schoolId, feed.userId, feed.kind, feed.tokenHash, feed.createdBy, now],
  )
  return rows[0]!.id
}

/** Revokes the live feed of this kind; the ids revoked (none when there was no live feed). */
export async function revokeFeeds(db: Db, schoolId: string, kind: FeedKind, userId: string | null, revokedBy: string, now: Date): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE calendar_feeds SET revoked_at = $5, revoked_by = $4
      WHERE school_id = $1 AND kind = $2 AND user_id IS NOT DISTINCT FROM $3 AND revoked_at IS NULL RETURNING id`,
    [schoolId, kind, userId, revokedBy, now],
  )
  return rows.map((row) => row.id)
}

/** Whether the person is an active member of staff at the school (a personal feed stops when they leave). */
export async function isActiveMember(db: Db, schoolId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM users u WHERE u.id = $2 AND u.active
        AND EXISTS (SELECT 1 FROM school_memberships m WHERE m.school_id = $1 AND m.user_id = u.id)`,
    [schoolId, userId],
  )
  return rows.length > 0
}

/**
 * What a calendar event may say about a visit (R-ITIN-1), and nothing more: no code word, no
 * purpose, no notes, no family members or their phone numbers (R-ITIN-2, R-CONF-1). The pupils'
 * names and the address are cut down to initials and the postcode's first part unless the
 * school's policy asks for full detail (ics.ts, docs/decisions/0013).
 */
export type FeedVisit = {
  id: string
  status: VisitStatus
  version: number
  updatedAt: Date
  leaveSchoolAt: Date | null
  arriveAt: Date | null
  plannedStart: Date
  plannedEnd: Date
  finishAt: Date | null
  backAtSchoolAt: Date | null
  address: { line1: string; line2: string; town: string; postcode: string } | null
  pupils: Array<{ firstName: string; lastName: string }>
  staff: Array<{ name: string; roleOnVisit: RoleOnVisit }>
}

/** Visits with times, of these statuses, starting on or after `from`; only those `userId` is going on when given. */
export async function visitsForFeed(
  db: Db,
  schoolId: string,
  filter: { statuses: readonly VisitStatus[]; from: Date; userId: string | null; limit: number },
): Promise<FeedVisit[]> {
  const { rows } = await db.query<FeedVisit>(
    `SELECT v.id, v.status, v.version, v.updated_at AS "updatedAt", v.leave_school_at AS "leaveSchoolAt", v.arrive_at AS "arriveAt",
            v.planned_start AS "plannedStart", v.planned_end AS "plannedEnd", v.finish_at AS "finishAt", v.back_at_school_at AS "backAtSchoolAt",
            CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('line1', a.line1, 'line2', a.line2, 'town', a.town, 'postcode', a.postcode) END AS address,
            coalesce((SELECT json_agg(json_build_object('firstName', p.first_name, 'lastName', p.last_name) ORDER BY p.date_of_birth, p.id)
                        FROM visit_pupils vp JOIN pupils p ON p.id = vp.pupil_id AND p.school_id = $1
                       WHERE vp.visit_id = v.id AND vp.school_id = $1), '[]') AS pupils,
            coalesce((SELECT json_agg(json_build_object('name', u.name, 'roleOnVisit', vs.role_on_visit)
                                      ORDER BY CASE vs.role_on_visit WHEN 'lead' THEN 1 WHEN 'second' THEN 2 ELSE 3 END, u.name)
                        FROM visit_staff vs JOIN users u ON u.id = vs.user_id
                       WHERE vs.visit_id = v.id AND vs.school_id = $1), '[]') AS staff
       FROM visits v
       LEFT JOIN addresses a ON a.id = v.address_id AND a.school_id = v.school_id
      WHERE v.school_id = $1 AND v.status = ANY($2::text[])
        AND v.planned_start IS NOT NULL AND v.planned_end IS NOT NULL AND v.planned_start >= $3
        AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM visit_staff s WHERE s.visit_id = v.id AND s.school_id = $1 AND s.user_id = $4))
      ORDER BY v.planned_start, v.id
      LIMIT ${Number(filter.limit)}`,
    [schoolId, filter.statuses, filter.from, filter.userId],
  )
  return rows
}

/** The names a feed's title uses: the school's, and the feed owner's for a personal feed. */
export async function feedNames(db: Db, feed: Pick<CalendarFeed, 'schoolId' | 'userId'>): Promise<{ school: string; owner: string | null }> {
  const { rows } = await db.query<{ school: string; owner: string | null }>(
    'SELECT s.name AS school, (SELECT u.name FROM users u WHERE u.id = $2) AS owner FROM schools s WHERE s.id = $1',
    [feed.schoolId, feed.userId],
  )
  return rows[0] ?? { school: 'School', owner: null }
}
