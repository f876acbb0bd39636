import { DEMO_PASSWORD } from '../src/demo/seed.ts'
import { schoolRoles } from '../src/domain/roles.ts'
import { hashPassword } from '../src/features/auth/passwords.ts'
import { createSession, hashToken } from '../src/features/auth/sessions.ts'
import type { Pool } from '../src/db/pool.ts'
import { agentFor, demoSchoolId, sessionCsrf, type Agent, type TestApp } from './helpers.ts'

/**
 * Walking every page as someone who may see it: a member of one school holding every role there,
 * and each path parameter set to a record of THAT school, so pages render rather than 404.
 * (The tenancy walker, test/integration/tenancy.test.ts, does the opposite: another school's records.)
 *
 * ADDING A ROUTE WITH A NEW PATH PARAMETER? Add it to `ownRecord` below (SQL finding one of the
 * school's records; `:name` stands for another entry's value, `:schoolId` for the school), or the
 * walks fail and name it.
 */
type Finder = string | { literal: string }

export const WALK_FEED_TOKEN = 'pageWalkOfficeCalendarFeedToken000000000000'

const ownRecord: Record<string, Finder> = {
  // A visitor with training records, so their readiness pages have something to change.
  userId: `SELECT m.user_id FROM school_memberships m WHERE m.school_id = :schoolId AND m.role = 'visitor'
            ORDER BY (SELECT count(*) FROM staff_trainings s WHERE s.user_id = m.user_id AND s.school_id = m.school_id) DESC, m.user_id LIMIT 1`,
  tokenId: `SELECT t.id FROM api_tokens t JOIN school_memberships m ON m.user_id = t.user_id AND m.school_id = :schoolId ORDER BY t.id LIMIT 1`,
  file: { literal: 'favicon.ico' },
  script: { literal: 'live.ts' },
  trainingRecordId: 'SELECT id FROM staff_trainings WHERE school_id = :schoolId AND user_id = :userId ORDER BY id LIMIT 1',
  vehicleId: 'SELECT id FROM vehicles WHERE school_id = :schoolId ORDER BY id LIMIT 1',
  pupilId: `SELECT p.id FROM pupils p WHERE p.school_id = :schoolId
              ORDER BY (SELECT count(*) FROM agencies a WHERE a.pupil_id = p.id) + (SELECT count(*) FROM pupil_contacts c WHERE c.pupil_id = p.id) DESC, p.id
              LIMIT 1`,
  addressId: 'SELECT address_id FROM pupil_addresses WHERE pupil_id = :pupilId ORDER BY address_id LIMIT 1',
  contactId: 'SELECT contact_id FROM pupil_contacts WHERE pupil_id = :pupilId ORDER BY contact_id LIMIT 1',
  agencyId: 'SELECT id FROM agencies WHERE pupil_id = :pupilId ORDER BY id LIMIT 1',
  hazardId: 'SELECT id FROM address_hazards WHERE address_id = :addressId ORDER BY id LIMIT 1',
  declineId: 'SELECT id FROM visit_declines WHERE pupil_id = :pupilId ORDER BY id LIMIT 1',
  policyVersionId: 'SELECT id FROM policy_versions WHERE school_id = :schoolId ORDER BY version DESC LIMIT 1',
  preset: { literal: 'westside-2025' },
  // A visit with a risk assessment, so its risk assessment page exists.
  visitId: 'SELECT v.id FROM visits v JOIN risk_assessments r ON r.visit_id = v.id WHERE v.school_id = :schoolId ORDER BY v.id LIMIT 1',
  token: { literal: WALK_FEED_TOKEN },
  // Agreements (R-AGREE-1): one of the school's, or one made now with its pupil's first adult; and a letter of it.
  agreementId: `WITH made AS (
      INSERT INTO agreements (school_id, pupil_id, text, agreed_on, review_on, created_by_name, created_at, updated_at)
      SELECT :schoolId, :pupilId, 'Page walk agreement', DATE '2026-11-11', DATE '2026-12-09', 'Page walk', now(), now()
       WHERE NOT EXISTS (SELECT 1 FROM agreements WHERE school_id = :schoolId)
      RETURNING id, school_id),
    adult AS (INSERT INTO agreement_adults (school_id, agreement_id, contact_id) SELECT school_id, id, :contactId FROM made)
    SELECT id FROM made UNION ALL (SELECT id FROM agreements WHERE school_id = :schoolId ORDER BY id LIMIT 1) LIMIT 1`,
  // The local authority referral pack (R-ATT-1): one produced for one of the school's pupils.
  packId: `INSERT INTO referral_packs (school_id, pupil_id, produced_at, produced_by_name, includes_concerns, entries, pdf)
           VALUES (:schoolId, :pupilId, now(), 'Page walk', false, 0, '\\x25504446'::bytea) RETURNING id`,
  letterId: `SELECT coalesce((SELECT id FROM letters WHERE school_id = :schoolId ORDER BY id LIMIT 1), '00000000-0000-4000-8000-000000000000')`,
  // After the visit (R-FOLLOW-1): a follow-up action about one of the school's pupils.
  actionId: `INSERT INTO follow_up_actions (school_id, pupil_id, description, owner_user_id, due_on, created_by_name, created_at)
             SELECT :schoolId, :pupilId, 'Page walk follow-up', :userId, DATE '2026-12-01', 'Page walk', now() RETURNING id`,
  apiClientId: `INSERT INTO api_clients (school_id, name, secret_hash, secret_prefix, scopes, created_by_name, created_at)
                 VALUES (:schoolId, 'Walk MIS', 'not-a-hash', 'dsc_walk', ARRAY[concat('pupils', chr(58), 'read')], 'Walk admin', now()) RETURNING id`,
  // The day of a visit: a step's name, and an open alarm (with its first step alerted) on one of the school's visits.
  step: { literal: 'arrived' },
  stepNumber: { literal: '1' },
  alarmId: `WITH alarm AS (
      INSERT INTO alarms (school_id, visit_id, kind, key, priority, summary, due_at, raised_at, raised_by_name)
      SELECT school_id, id, 'silent_alarm', 'page-walk', 'top', 'Page walk alarm', now(), now(), 'Page walk'
        FROM visits WHERE school_id = :schoolId ORDER BY id LIMIT 1
      RETURNING id, school_id),
    step AS (INSERT INTO alarm_steps (school_id, alarm_id, number, action, recipients, alerted_at, last_alerted_at)
             SELECT school_id, id, 1, 'try to reach each visitor by phone', '["Office"]', now(), now() FROM alarm)
    SELECT id FROM alarm`,
  // Safeguarding concerns and incidents (decision 0022): one of each on one of the school's visits.
  concernId: `WITH concern AS (
      INSERT INTO concerns (school_id, visit_id, kind, category, account, child_words, happened_at, immediate_action, raised_by_name, raised_at)
      SELECT school_id, id, 'disclosure', 'neglect', 'Page walk concern', 'Page walk words', now(), 'Page walk action', 'Page walk', now()
        FROM visits WHERE school_id = :schoolId ORDER BY id LIMIT 1
      RETURNING id, school_id, visit_id),
    pupil AS (INSERT INTO concern_pupils (school_id, concern_id, pupil_id) SELECT c.school_id, c.id, vp.pupil_id FROM concern c JOIN visit_pupils vp ON vp.visit_id = c.visit_id)
    SELECT id FROM concern`,
  incidentId: `INSERT INTO incidents (school_id, visit_id, kind, happened_at, location, what_happened, reported_by_name, recorded_at, risk_review_of)
      SELECT school_id, id, 'accident', now(), 'Page walk path', 'Page walk incident', 'Page walk', now(), 'Page walk assessment'
        FROM visits WHERE school_id = :schoolId ORDER BY id LIMIT 1
      RETURNING id`,
}

export type Walker = { schoolId: string; userId: string; agent: Agent; records: Map<string, string> }

/** A new member of the school holding every role, signed in, with one of the school's records for each parameter. */
export async function everyRoleWalker(ctx: TestApp, schoolName: string, email: string): Promise<Walker> {
  const { pool } = ctx
  const schoolId = await demoSchoolId(pool, schoolName)
  const user = await pool.query<{ id: string }>(`INSERT INTO users (email, name, password_hash) VALUES ($1, 'Wren Everyrole', $2) RETURNING id`, [
    email,
    await hashPassword(DEMO_PASSWORD),
  ])
  const userId = user.rows[0]!.id
  for (const role of schoolRoles) await pool.query('INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, $3)', [schoolId, userId, role])
  // An admin of the school's organisation too, so the pages for a trust's schools side by side answer (R-GOV-3).
  await pool.query('INSERT INTO organisation_admins (organisation_id, user_id) SELECT organisation_id, $2 FROM schools WHERE id = $1', [schoolId, userId])
  // A live office calendar feed, so the feed route answers with a calendar.
  await pool.query(`INSERT INTO calendar_feeds (school_id, kind, token_hash, created_by, created_at) VALUES ($1, 'office', $2, $3, now())`, [
    schoolId,
    hashToken(WALK_FEED_TOKEN),
    userId,
  ])
  const session = await createSession(pool, userId, schoolId, ctx.clock(), ctx.config)
  const agent = agentFor(ctx.app, session.token, await sessionCsrf(pool, session.token))
  return { schoolId, userId, agent, records: await resolveRecords(pool, schoolId) }
}

/** The names of a route's path parameters: '/staff/:userId/edit' → ['userId']. */
export function paramsOf(url: string): string[] {
  return [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!)
}

/** A route's URL with its parameters filled in; throws naming any parameter `ownRecord` lacks. */
export function fillParams(url: string, records: Map<string, string>): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const value = records.get(name)
    if (value === undefined) throw new Error(`test/page-walk.ts found no record for :${name} (in ${url}). Add a finder to \`ownRecord\`, or demo data it finds.`)
    return value
  })
}

/** Every GET route the app registers, but the catch-all. */
export function getRoutes(ctx: TestApp): string[] {
  return [...new Set(ctx.app.routeList.filter((route) => route.method === 'GET' && !route.url.includes('*')).map((route) => route.url))]
}

async function resolveRecords(pool: Pool, schoolId: string): Promise<Map<string, string>> {
  const resolved = new Map<string, string>([['schoolId', schoolId]])
  const resolve = async (name: string): Promise<string | undefined> => {
    if (resolved.has(name)) return resolved.get(name)
    const finder = ownRecord[name]
    if (finder === undefined) return undefined
    let value: string | undefined
    if (typeof finder === 'object') value = finder.literal
    else {
      const refs: string[] = []
      const text = finder.replace(/(?<!:):(\w+)/g, (_, ref: string) => {
        refs.push(ref)
        return `$${refs.length}`
      })
      const args: Array<string | undefined> = []
      for (const ref of refs) args.push(await resolve(ref))
      const { rows } = await pool.query<Record<string, unknown>>(text, args)
      const first = rows[0] && Object.values(rows[0])[0]
      if (first !== undefined && first !== null) value = String(first)
    }
    if (value !== undefined) resolved.set(name, value)
    return value
  }
  for (const name of Object.keys(ownRecord)) await resolve(name)
  return resolved
}
