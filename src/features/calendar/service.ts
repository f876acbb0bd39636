import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Pool } from '../../db/pool.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import type { CalendarDetail } from '../../policy/schema.ts'
import { ForbiddenError } from '../../web/errors.ts'
import { hashToken, newToken } from '../auth/sessions.ts'
import { currentPolicy } from '../policy/repository.ts'
import type { Staff } from '../pupils/service.ts'
import type { VisitStatus } from '../../domain/visit-lifecycle.ts'
import { visitUsers } from '../visits/service.ts'
import { visitCalendar } from './ics.ts'
import { feedNames, findLiveFeed, insertFeed, isActiveMember, liveFeedOf, revokeFeeds, visitsForFeed, type CalendarFeed, type FeedKind } from './repository.ts'

/**
 * Calendar feeds (R-ITIN-1): a secret iCalendar URL that a calendar app subscribes to.
 *  - personal: the visits a member of staff is going on;
 *  - office: every visit of the school, for the office's calendar.
 * The URL holds 32 random bytes (base64url); only their SHA-256 hash is stored, so the URL is
 * shown once. Making a new one revokes the old one. A revoked or unknown URL is a 404.
 */

/** May keep a personal feed of the visits they go on. */
export const personalFeedHolders = visitUsers
/** May create and revoke the school office's feed of every visit: where everyone is going (R-CONF-1). Not school admins (docs/decisions/0010). */
export const officeFeedManagers = ['office', 'headteacher', 'dsl'] as const satisfies readonly SchoolRole[]
/** Everyone who sees the calendar page. */
export const calendarPageRoles = [...new Set<SchoolRole>([...personalFeedHolders, ...officeFeedManagers])]

/** Visits in a feed: from when they are sent for risk assessment ("planned") until done; refused and cancelled ones drop out. */
export const feedStatuses = ['awaiting_risk_assessment', 'awaiting_approval', 'approved', 'in_progress', 'completed'] as const satisfies readonly VisitStatus[]
/** How far back a feed goes, so past visits stay in the calendar for a while. */
const FEED_HISTORY_DAYS = 42
const FEED_MAX_EVENTS = 1000

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

export const mayHoldPersonalFeed = (staff: Pick<Staff, 'roles'>) => holdsAnyRole(staff.roles, personalFeedHolders)
export const mayManageOfficeFeed = (staff: Pick<Staff, 'roles'>) => holdsAnyRole(staff.roles, officeFeedManagers)

export function feedUrl(publicUrl: URL, token: string): string {
  return new URL(`/calendar/feeds/${token}.ics`, publicUrl).toString()
}

export type CalendarPage = {
  personal: CalendarFeed | undefined
  office: CalendarFeed | undefined
  mayHoldPersonal: boolean
  mayManageOffice: boolean
  /** What events say about pupils and addresses, from the school's policy in force. */
  detail: CalendarDetail
}

export async function calendarPage(pool: Pool, staff: Staff, now: Date): Promise<CalendarPage> {
  const mayHoldPersonal = mayHoldPersonalFeed(staff)
  const mayManageOffice = mayManageOfficeFeed(staff)
  return {
    personal: mayHoldPersonal ? await liveFeedOf(pool, staff.schoolId, 'personal', staff.actor.userId!) : undefined,
    office: mayManageOffice ? await liveFeedOf(pool, staff.schoolId, 'office', null) : undefined,
    mayHoldPersonal,
    mayManageOffice,
    detail: await calendarDetailOf(pool, staff.schoolId, now),
  }
}

/**
 * The school's choice in the policy in force (itinerary.calendarDetail). A version published before the
 * setting existed has none: it reads as minimal, the default that sends no child's name or address.
 */
async function calendarDetailOf(pool: Pool, schoolId: string, now: Date): Promise<CalendarDetail> {
  const { policy } = await currentPolicy(pool, schoolId, now)
  return policy.itinerary.calendarDetail === 'full' ? 'full' : 'minimal'
}

function check(staff: Staff, kind: FeedKind): string | null {
  if (kind === 'office') {
    if (!mayManageOfficeFeed(staff)) throw new ForbiddenError('Only the school office, the headteacher, the DSL or a school admin can manage the office calendar.')
    return null
  }
  if (!mayHoldPersonalFeed(staff)) throw new ForbiddenError('Only staff who go on home visits have a calendar of their visits.')
  return staff.actor.userId
}

const what = (kind: FeedKind) => (kind === 'office' ? 'the office calendar link (every visit of the school)' : 'their calendar link (the visits they go on)')

/** A new secret URL (shown once); any live one of the same kind stops working. */
export async function createFeed(pool: Pool, staff: Staff, kind: FeedKind, publicUrl: URL, now: Date): Promise<{ url: string; replaced: boolean }> {
  const userId = check(staff, kind)
  const token = newToken()
  const replaced = await inTransaction(pool, async (client) => {
    const revoked = await revokeFeeds(client, staff.schoolId, kind, userId, staff.actor.userId!, now)
    const id = await insertFeed(client, staff.schoolId, { kind, userId, tokenHash: hashToken(token), createdBy: staff.actor.userId! }, now)
    await recordAudit(client, {
      schoolId: staff.schoolId,
      actor: staff.actor,
      action: 'calendar.feed_created',
      subjectType: 'calendar_feed',
      subjectId: id,
      summary: `${staff.actor.name} created ${what(kind)}${revoked.length ? '; the old link no longer works' : ''}`,
      change: { kind, replaced: revoked },
    }, now)
    return revoked.length > 0
  })
  return { url: feedUrl(publicUrl, token), replaced }
}

/** Stops the live URL of this kind; false when there was none. */
export async function revokeFeed(pool: Pool, staff: Staff, kind: FeedKind, now: Date): Promise<boolean> {
  const userId = check(staff, kind)
  return inTransaction(pool, async (client) => {
    const revoked = await revokeFeeds(client, staff.schoolId, kind, userId, staff.actor.userId!, now)
    for (const id of revoked) {
      await recordAudit(client, {
        schoolId: staff.schoolId,
        actor: staff.actor,
        action: 'calendar.feed_revoked',
        subjectType: 'calendar_feed',
        subjectId: id,
        summary: `${staff.actor.name} stopped ${what(kind)}`,
        change: { kind },
      }, now)
    }
    return revoked.length > 0
  })
}

/**
 * The iCalendar text behind a secret URL; undefined (a 404) for a malformed, unknown or revoked
 * token, and for a personal feed whose owner no longer works at the school.
 */
export async function feedCalendar(pool: Pool, token: string, publicUrl: URL, now: Date): Promise<string | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined
  const feed = await findLiveFeed(pool, hashToken(token))
  if (!feed) return undefined
  if (feed.kind === 'personal' && (!feed.userId || !(await isActiveMember(pool, feed.schoolId, feed.userId)))) return undefined
  const { school, owner } = await feedNames(pool, feed)
  const visits = await visitsForFeed(pool, feed.schoolId, {
    statuses: feedStatuses,
    from: new Date(now.getTime() - FEED_HISTORY_DAYS * 86_400_000),
    userId: feed.kind === 'personal' ? feed.userId : null,
    limit: FEED_MAX_EVENTS,
  })
  const name = feed.kind === 'office' ? `Doorstep: ${school} home visits` : `Doorstep: ${owner ?? 'your'} home visits (${school})`
  return visitCalendar(visits, { name, publicUrl, now, detail: await calendarDetailOf(pool, feed.schoolId, now) })
}
