import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import type { Pool } from '../../src/db/pool.ts'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { schoolRoles } from '../../src/domain/roles.ts'
import { hashPassword } from '../../src/features/auth/passwords.ts'
import { SESSION_COOKIE, createSession } from '../../src/features/auth/sessions.ts'
import { listPresets } from '../../src/policy/presets.ts'
import { demoSchoolId, encodeForm, sessionCsrf, testApp } from '../helpers.ts'

/**
 * The tenancy walker (R-CONF-1): no route lets a member of one school see or change another
 * school's records.
 *
 * It walks EVERY route the app registers (app.routeList: pages, forms, the JSON API, public
 * routes, every method) as a member of Westside School who holds every role there and belongs
 * nowhere else, with each path parameter set to a record of Harton Academy, and checks that
 *   - no response is a 5xx;
 *   - a route given a Harton record in its path answers 4xx (a 404, normally);
 *   - no response contains a Harton-only string: a name, email, phone number, address, note or
 *     id found in Harton's rows and nowhere in any other school's;
 *   - no Harton row changed: every row of every table with a school_id column where it is
 *     Harton's, Harton's school row, and the rows of Harton-only staff (users, and every table
 *     with a user_id column).
 * API routes with :schoolId are walked twice: with Harton's id, then with Westside's id and
 * Harton's records for the other parameters ("my school, their pupil").
 * Form bodies are `plausibleBody` plus every parameter name set to its Harton record; JSON bodies
 * follow the route's schema in the OpenAPI document, filled the same way.
 *
 * ADDING A ROUTE WITH A NEW PATH PARAMETER? Add the parameter to `hartonRecord` below, or this
 * test fails and names it. Each entry is SQL that finds one Harton record's id:
 *   - `:name` stands for another entry's value (`:schoolId` is Harton's id; refer only to
 *     entries above), so nested records stay consistent (an address OF that pupil);
 *   - a list of statements is tried in order: find one, else create one (INSERT … RETURNING id),
 *     for records the demo does not seed at Harton;
 *   - `{ literal }` is for a parameter that is not a record (an asset's file name).
 * New body fields a form needs in order to get past validation go in `plausibleBody`.
 */
type Finder = string | string[] | { literal: string }

const hartonRecord: Record<string, Finder> = {
  // Foundation
  schoolId: `SELECT id FROM schools WHERE name = 'Harton Academy'`,
  userId: `SELECT user_id FROM school_memberships WHERE school_id = :schoolId AND role = 'dsl' ORDER BY user_id LIMIT 1`,
  tokenId: [
    'SELECT id FROM api_tokens WHERE user_id = :userId LIMIT 1',
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES (:userId, 'Harton MIS sync', md5(random()::text), 'dst_hart') RETURNING id`,
  ],
  file: { literal: 'favicon.ico' },
  script: { literal: 'live.ts' },

  // Staff readiness
  trainingRecordId: [
    'SELECT id FROM staff_trainings WHERE school_id = :schoolId AND user_id = :userId ORDER BY id LIMIT 1',
    `INSERT INTO staff_trainings (school_id, user_id, training_id, completed_on, recorded_at)
     VALUES (:schoolId, :userId, 'home_visits', DATE '2026-09-01', now()) RETURNING id`,
  ],
  vehicleId: 'SELECT id FROM vehicles WHERE school_id = :schoolId ORDER BY id LIMIT 1',

  // Pupils and families: the Harton pupil with the most agencies and adults, and records of theirs.
  pupilId: `SELECT p.id FROM pupils p WHERE p.school_id = :schoolId
              ORDER BY (SELECT count(*) FROM agencies a WHERE a.pupil_id = p.id) + (SELECT count(*) FROM pupil_contacts c WHERE c.pupil_id = p.id) DESC, p.id
              LIMIT 1`,
  addressId: 'SELECT address_id FROM pupil_addresses WHERE pupil_id = :pupilId ORDER BY address_id LIMIT 1',
  contactId: 'SELECT contact_id FROM pupil_contacts WHERE pupil_id = :pupilId ORDER BY contact_id LIMIT 1',
  agencyId: 'SELECT id FROM agencies WHERE pupil_id = :pupilId ORDER BY id LIMIT 1',
  hazardId: [
    'SELECT id FROM address_hazards WHERE address_id = :addressId ORDER BY id LIMIT 1',
    `INSERT INTO address_hazards (school_id, address_id, kind, description, recorded_at)
     VALUES (:schoolId, :addressId, 'other', 'Broken gate latch at the Harton address', now()) RETURNING id`,
  ],
  declineId: [
    'SELECT id FROM visit_declines WHERE pupil_id = :pupilId ORDER BY id LIMIT 1',
    `INSERT INTO visit_declines (school_id, pupil_id, declined_on, reason, recorded_at)
     VALUES (:schoolId, :pupilId, DATE '2026-11-02', 'The Harton family said no to home visits this term', now()) RETURNING id`,
  ],

  // Policy: a Harton version that is not Westside's (every school has version 1), and a preset id (public data).
  policyVersionId: `SELECT id FROM policy_versions WHERE school_id = :schoolId ORDER BY version DESC LIMIT 1`,
  preset: { literal: 'westside-2025' },

  // Visits
  visitId: [
    'SELECT id FROM visits WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `WITH visit AS (
       INSERT INTO visits (school_id, policy_version_id, address_id, purpose_detail, code_word, created_by, created_at, updated_at)
       SELECT :schoolId, id, :addressId, 'Harton attendance concern visit', 'Lighthouse', :userId, now(), now()
         FROM policy_versions WHERE school_id = :schoolId ORDER BY version DESC LIMIT 1
       RETURNING id, school_id),
     pupil AS (INSERT INTO visit_pupils (school_id, visit_id, pupil_id) SELECT school_id, id, :pupilId FROM visit)
     SELECT id FROM visit`,
  ],

  // After the visit (R-FOLLOW-1): a follow-up action about the Harton pupil.
  actionId: [
    'SELECT id FROM follow_up_actions WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `INSERT INTO follow_up_actions (school_id, pupil_id, description, owner_user_id, due_on, created_by_name, created_at)
     VALUES (:schoolId, :pupilId, 'Harton follow-up probe', :userId, DATE '2026-12-01', 'Harton DSL', now()) RETURNING id`,
  ],

  // The day of a visit: a step's name (not a record) and an alarm on a Harton visit, with its first step alerted.
  step: { literal: 'arrived' },
  stepNumber: { literal: '1' },
  alarmId: [
    'SELECT id FROM alarms WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `WITH alarm AS (
       INSERT INTO alarms (school_id, visit_id, kind, key, priority, summary, due_at, raised_at, raised_by_name)
       VALUES (:schoolId, :visitId, 'silent_alarm', 'harton-probe', 'top', 'Harton silent alarm probe', now(), now(), 'Harton visitor')
       RETURNING id, school_id),
     step AS (INSERT INTO alarm_steps (school_id, alarm_id, number, action, recipients, alerted_at, last_alerted_at)
              SELECT school_id, id, 1, 'try to reach each visitor by phone', '["Harton office"]', now(), now() FROM alarm)
     SELECT id FROM alarm`,
  ],

  // Agreements and reminder letters (R-AGREE-1): an agreement with a Harton adult, reviewed not kept, and its letter.
  agreementId: [
    'SELECT id FROM agreements WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `WITH agreement AS (
       INSERT INTO agreements (school_id, pupil_id, text, agreed_on, review_on, created_by_name, created_at, updated_at)
       VALUES (:schoolId, :pupilId, 'Harton pupil in school on time every day', DATE '2026-11-11', DATE '2026-12-09', 'Harton probe', now(), now())
       RETURNING id, school_id),
     adult AS (INSERT INTO agreement_adults (school_id, agreement_id, contact_id) SELECT school_id, id, :contactId FROM agreement)
     SELECT id FROM agreement`,
  ],
  // The local authority referral pack (R-ATT-1): one for a Harton pupil.
  packId: [
    'SELECT id FROM referral_packs WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `INSERT INTO referral_packs (school_id, pupil_id, produced_at, produced_by_name, includes_concerns, entries, pdf)
     VALUES (:schoolId, :pupilId, now(), 'Harton probe', false, 0, '\\x25504446'::bytea) RETURNING id`,
  ],
  letterId: [
    'SELECT id FROM letters WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `WITH review AS (
       INSERT INTO agreement_reviews (school_id, agreement_id, outcome, review_on, next_review_on, reviewed_at, reviewed_by_name)
       VALUES (:schoolId, :agreementId, 'not_kept', DATE '2026-11-25', DATE '2026-12-09', now(), 'Harton probe') RETURNING id, school_id, agreement_id)
     INSERT INTO letters (school_id, agreement_id, review_id, contact_id, addressed_to, body, pdf, produced_at, produced_by_name)
     SELECT school_id, agreement_id, id, :contactId, 'Harton parent probe', 'Dear Harton parent', '\\x25504446'::bytea, now(), 'Harton probe' FROM review
     RETURNING id`,
  ],

  // Alerts on phones: a browser in which a Harton person turned alerts on (their Web Push subscription).
  subscriptionId: [
    'SELECT id FROM push_subscriptions WHERE user_id = :userId ORDER BY id LIMIT 1',
    `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at, updated_at, user_agent)
     VALUES (:userId, 'https://push.example.net/send/harton-dsl-phone', 'BHartonDslPhoneKey', 'hartonDslAuth', now(), now(), 'Harton DSL phone')
     RETURNING id`,
  ],

  // Safeguarding concerns and incidents (decision 0022): the demo's Harton concern and incident, or new ones on a Harton visit.
  concernId: [
    'SELECT id FROM concerns WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `INSERT INTO concerns (school_id, kind, category, account, happened_at, immediate_action, raised_by_name, raised_at)
     VALUES (:schoolId, 'concern', 'neglect', 'Harton probe concern', now(), 'Harton probe action', 'Harton visitor', now()) RETURNING id`,
  ],
  incidentId: [
    'SELECT id FROM incidents WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `INSERT INTO incidents (school_id, visit_id, kind, happened_at, location, what_happened, reported_by_name, recorded_at, risk_review_of)
     VALUES (:schoolId, :visitId, 'accident', now(), 'Harton probe path', 'Harton probe incident', 'Harton visitor', now(), 'Lone Working and Home Visits') RETURNING id`,
  ],
  // API clients (docs/decisions/0025): one registered for Harton.
  apiClientId: [
    'SELECT id FROM api_clients WHERE school_id = :schoolId ORDER BY id LIMIT 1',
    `INSERT INTO api_clients (school_id, name, secret_hash, secret_prefix, scopes, created_by_name, created_at)
     VALUES (:schoolId, 'Harton MIS', 'not-a-hash', 'dsc_hart', ARRAY[concat('pupils', chr(58), 'read')], 'Harton admin', now()) RETURNING id`,
  ],

  // Calendar feeds: the secret token in a feed URL (not a record id). Harton's office feed, stopped:
  // a stopped link is a 404 and shows nothing (a live one shows its school's visits by design).
  token: `INSERT INTO calendar_feeds (school_id, kind, token_hash, created_by, created_at, revoked_at, revoked_by)
          VALUES (:schoolId, 'office', encode(sha256('hartonStoppedOfficeCalendarFeedToken0000000'::bytea), 'hex'), :userId, now(), now(), :userId)
          RETURNING 'hartonStoppedOfficeCalendarFeedToken0000000'`,
}

/** Form fields and JSON properties sent to every POST, PUT, PATCH and DELETE (valid where possible). */
const plausibleBody: Record<string, string | string[]> = {
  name: 'Wren Probe',
  title: 'Mx',
  firstName: 'Wren',
  lastName: 'Probe',
  email: 'wren.probe@westside.example',
  mobile: '07700 900 999',
  phone: '07700 900 999',
  roles: ['visitor'],
  role: 'visitor',
  relationship: 'Aunt',
  tokenName: 'Probe token',
  reason: 'Checking who can change what',
  description: 'Checking who can change what',
  notes: 'Checking who can change what',
  line1: '1 Probe Street',
  town: 'Westside',
  postcode: 'W1A 1AA',
  make: 'Ford',
  model: 'Focus',
  registration: 'WR12 PRB',
  colour: 'Blue',
  kind: 'other',
  yearGroup: '7',
  dateOfBirth: '2014-05-01',
  completedOn: '2026-09-01',
  declinedOn: '2026-11-01',
  date: '2026-12-01',
  leaveSchoolAt: '09:30',
  arriveAt: '09:45',
  startAt: '10:00',
  endAt: '10:45',
  finishAt: '10:50',
  backAtSchoolAt: '11:10',
  certificateNumber: '001234567890',
  currentPassword: DEMO_PASSWORD,
  newPassword: 'a-new-long-password',
  confirmPassword: 'a-new-long-password',
  password: DEMO_PASSWORD,
}

type Route = { method: string; url: string }
type Problem = string

const WALKER_EMAIL = 'every.role@westside.example'

describe('tenancy', () => {
  it('R-CONF-1 no route shows or changes another school’s records, whatever roles the caller holds', async (t) => {
    const ctx = await testApp(t)
    const { app, pool } = ctx
    const westside = await demoSchoolId(pool, 'Westside School')

    const walker = await pool.query<{ id: string }>(`INSERT INTO users (email, name, password_hash) VALUES ($1, 'Wren Everyrole', $2) RETURNING id`, [
      WALKER_EMAIL,
      await hashPassword(DEMO_PASSWORD),
    ])
    const walkerId = walker.rows[0]!.id
    for (const role of schoolRoles) {
      await pool.query('INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, $3)', [westside, walkerId, role])
    }

    const routes = app.routeList.filter((route) => !route.url.includes('*'))
    assert.ok(routes.length > 20, 'the app lists its routes')
    const params = [...new Set(routes.flatMap((route) => paramsOf(route.url)))]
    const unmapped = params.filter((name) => !(name in hartonRecord))
    assert.deepEqual(
      unmapped,
      [],
      `Routes have path parameters the tenancy walker cannot fill: ${unmapped.map((n) => `:${n}`).join(', ')}. ` +
        `Add each to \`hartonRecord\` in test/integration/tenancy.test.ts (SQL finding a Harton Academy record's id).`,
    )
    const harton = await resolveHartonRecords(pool, params)
    const hartonSchool = harton.get('schoolId')!

    const scope = await hartonScope(pool, hartonSchool)
    const before = await snapshot(pool, scope)
    const forbidden = await hartonOnlyStrings(pool, scope, before)
    assert.ok(forbidden.length > 20, `found Harton-only strings to look for (${forbidden.length})`)
    let digest = await fingerprint(pool, scope)

    const problems: Problem[] = []
    const walks: Array<{ route: Route; values: Map<string, string> }> = []
    for (const route of routes) {
      walks.push({ route, values: harton })
      if (paramsOf(route.url).includes('schoolId') && paramsOf(route.url).some((p) => p !== 'schoolId' && p.endsWith('Id'))) {
        walks.push({ route, values: new Map([...harton, ['schoolId', westside]]) })
      }
    }

    const openApi = JSON.parse((await app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as OpenApi

    for (const { route, values } of walks) {
      const url = route.url.replace(/:(\w+)/g, (_, name: string) => values.get(name)!)
      const label = `${route.method} ${url} (${route.url})`
      const api = url.startsWith('/api/')
      const session = await createSession(pool, walkerId, westside, ctx.clock(), ctx.config)
      const headers: Record<string, string> = { cookie: `${SESSION_COOKIE}=${session.token}`, accept: api ? 'application/json' : 'text/html' }
      const sent = paramsOf(route.url).filter((p) => p.endsWith('Id')).map((p) => values.get(p)!)
      let payload: string | undefined
      if (!['GET', 'HEAD', 'OPTIONS'].includes(route.method)) {
        const csrf = await sessionCsrf(pool, session.token)
        const ids = Object.fromEntries([...values].filter(([name]) => name.endsWith('Id')))
        const described = requestSchema(openApi, route)
        const body = api && described ? (exampleOf(described, '', ids) as Record<string, unknown>) : { ...plausibleBody, ...ids }
        if (api) {
          headers['content-type'] = 'application/json'
          headers['x-csrf-token'] = csrf
          payload = JSON.stringify(body)
        } else {
          headers['content-type'] = 'application/x-www-form-urlencoded'
          payload = encodeForm({ _csrf: csrf, ...(body as Record<string, string | string[]>) })
        }
        sent.push(...Object.values(body).flat().filter((v): v is string => typeof v === 'string'))
      }
      const response = await app.inject({ method: route.method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })

      // /readyz answers 503 by design here: this test app runs no deadline worker (docs/decisions/0016).
      const notReadyByDesign = route.url === '/readyz' && response.statusCode === 503
      if (response.statusCode >= 500 && !notReadyByDesign) problems.push(`${label} answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
      const hartonRecordsInPath = paramsOf(route.url).filter((p) => p.endsWith('Id') && values.get(p) !== westside)
      if (hartonRecordsInPath.length && (response.statusCode < 400 || response.statusCode >= 500)) {
        problems.push(`${label} was given Harton's ${hartonRecordsInPath.join(', ')} and answered ${response.statusCode}, not 404`)
      }
      const leaked = forbidden.filter((text) => !sent.includes(text) && appearsIn(response.body, text))
      if (leaked.length) problems.push(`${label} shows Harton data: ${leaked.slice(0, 5).map((s) => JSON.stringify(s)).join(', ')}`)

      const now = await fingerprint(pool, scope)
      const changed = [...now].filter(([table, hash]) => digest.get(table) !== hash).map(([table]) => table)
      if (changed.length) problems.push(`${label} changed Harton rows in ${changed.join(', ')}`)
      digest = now
    }

    const after = await snapshot(pool, scope)
    for (const [table, rows] of before) {
      if (!isDeepStrictEqual(after.get(table), rows)) problems.push(`Harton rows in ${table} differ after the walk`)
    }
    assert.ok(problems.length === 0, `The tenancy walker found ${problems.length} problem(s) in ${walks.length} requests:\n${problems.join('\n')}`)
  })
})

type JsonSchema = {
  type?: string | string[]
  format?: string
  enum?: unknown[]
  const?: unknown
  minimum?: number
  minLength?: number
  minItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
}
type OpenApi = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>> }

/** The JSON body an API route describes in the OpenAPI document, if it describes one. */
function requestSchema(openApi: OpenApi, route: Route): JsonSchema | undefined {
  const operation = openApi.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()]
  if (!operation) return undefined
  return operation.requestBody?.content['application/json']?.schema ?? { type: 'object', properties: {} }
}

/**
 * A value that fits a JSON schema, for a JSON API body: Harton's records for properties named
 * like a parameter, `plausibleBody` values where they fit, otherwise the simplest valid value.
 */
function exampleOf(schema: JsonSchema, name: string, ids: Record<string, string>): unknown {
  const options = schema.anyOf ?? schema.oneOf
  if (options) return exampleOf(options.find((o) => o.type !== 'null') ?? options[0]!, name, ids)
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return schema.enum[0]
  const type = [schema.type ?? 'string'].flat().find((t) => t !== 'null')
  const known = plausibleBody[name]
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, property]) => [key, exampleOf(property, key, ids)]))
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => exampleOf(schema.items ?? {}, name.replace(/s$/, ''), ids))
    case 'integer':
    case 'number':
      return schema.minimum !== undefined && schema.minimum > 1 ? schema.minimum : 1
    case 'boolean':
      return true
    default:
      if (ids[name]) return ids[name]
      if (schema.format === 'uuid') return ids[name.replace(/s$/, '')] ?? randomUUID()
      if (schema.format === 'date') return '2026-12-01'
      if (schema.format === 'date-time') return '2026-12-01T10:00:00.000Z'
      if (schema.format === 'email') return plausibleBody.email
      if (typeof known === 'string') return known
      return 'Probe'.padEnd(schema.minLength ?? 0, 'x')
  }
}

/** The names of a route's path parameters: '/staff/:userId/edit' → ['userId']. */
function paramsOf(url: string): string[] {
  return [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!)
}

/** Finds (or creates) a Harton record for each parameter, following `:name` references. */
async function resolveHartonRecords(pool: Pool, names: string[]): Promise<Map<string, string>> {
  const resolved = new Map<string, string>()
  const resolve = async (name: string, path: string[]): Promise<string> => {
    const known = resolved.get(name)
    if (known !== undefined) return known
    const finder = hartonRecord[name]
    if (finder === undefined) throw new Error(`hartonRecord has no entry :${name} (needed by ${path.join(' → ')})`)
    if (path.includes(name)) throw new Error(`hartonRecord entries refer to each other in a circle: ${[...path, name].join(' → ')}`)
    let value: string | undefined
    if (typeof finder === 'object' && !Array.isArray(finder)) value = finder.literal
    else {
      for (const sql of [finder].flat()) {
        const refs: string[] = []
        const text = sql.replace(/(?<!:):(\w+)/g, (_, ref: string) => {
          refs.push(ref)
          return `$${refs.length}`
        })
        const args: string[] = []
        for (const ref of refs) args.push(await resolve(ref, [...path, name]))
        const { rows } = await pool.query<Record<string, unknown>>(text, args)
        const first = rows[0] && Object.values(rows[0])[0]
        if (first !== undefined && first !== null) {
          value = String(first)
          break
        }
      }
    }
    if (value === undefined) {
      throw new Error(`hartonRecord.${name} found no Harton Academy record in the demo data. Add a statement that creates one (INSERT … RETURNING id) after the SELECT.`)
    }
    resolved.set(name, value)
    return value
  }
  await resolve('schoolId', [])
  for (const name of names) await resolve(name, [])
  return resolved
}

type Scope = { schoolId: string; userIds: string[]; schoolTables: string[]; userTables: string[] }

/** What counts as Harton's: its rows in every table with a school_id, and the accounts of staff who work only there. */
async function hartonScope(pool: Pool, schoolId: string): Promise<Scope> {
  const columns = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() AND c.column_name IN ('school_id', 'user_id')`,
  )
  const withSchool = new Set(columns.rows.filter((c) => c.column_name === 'school_id').map((c) => c.table_name))
  const userTables = columns.rows.filter((c) => c.column_name === 'user_id' && !withSchool.has(c.table_name)).map((c) => c.table_name)
  const users = await pool.query<{ user_id: string }>(
    `SELECT DISTINCT user_id FROM school_memberships m WHERE school_id = $1
        AND NOT EXISTS (SELECT 1 FROM school_memberships o WHERE o.user_id = m.user_id AND o.school_id <> $1)
        AND NOT EXISTS (SELECT 1 FROM organisation_admins a WHERE a.user_id = m.user_id)`,
    [schoolId],
  )
  return { schoolId, userIds: users.rows.map((u) => u.user_id), schoolTables: [...withSchool].sort(), userTables: userTables.sort() }
}

/** Each scoped table, with the condition that selects Harton's rows (ids from our own database, safe to inline). */
function scopedTables(scope: Scope): Array<{ table: string; where: string }> {
  const school = `'${scope.schoolId}'::uuid`
  const users = `'{${scope.userIds.join(',')}}'::uuid[]`
  return [
    { table: 'schools', where: `id = ${school}` },
    { table: 'users', where: `id = ANY(${users})` },
    ...scope.schoolTables.map((table) => ({ table, where: `school_id = ${school}` })),
    ...scope.userTables.map((table) => ({ table, where: `user_id = ANY(${users})` })),
  ]
}

/** Every Harton row, as JSON text, per table. */
async function snapshot(pool: Pool, scope: Scope): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>()
  for (const { table, where } of scopedTables(scope)) {
    const { rows } = await pool.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM "${table}" t WHERE ${where} ORDER BY 1`)
    result.set(table, rows.map((r) => r.row))
  }
  return result
}

/** One hash per table of Harton's rows, in one query: cheap enough to take after every request. */
async function fingerprint(pool: Pool, scope: Scope): Promise<Map<string, string>> {
  const sql = scopedTables(scope)
    .map(
      ({ table, where }) =>
        `SELECT '${table}' AS table_name, md5(coalesce(string_agg(to_jsonb(t)::text, '|' ORDER BY to_jsonb(t)::text), '')) AS digest
           FROM "${table}" t WHERE ${where}`,
    )
    .join(' UNION ALL ')
  const { rows } = await pool.query<{ table_name: string; digest: string }>(sql)
  return new Map(rows.map((r) => [r.table_name, r.digest]))
}

/**
 * Text found in Harton's rows and not in anyone else's: what a Westside user must never see.
 * Left out: short values, lowercase codes (statuses, kinds), dates and times, anything that is
 * part of another school's data, the shipped policy presets (public text that names Harton), and
 * text the app itself prints for everyone (its templates and source: "For example, Fiesta").
 */
async function hartonOnlyStrings(pool: Pool, scope: Scope, hartonRows: Map<string, string[]>): Promise<string[]> {
  const others: string[] = []
  for (const { table, where } of scopedTables(scope)) {
    const { rows } = await pool.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM "${table}" t WHERE (${where}) IS NOT TRUE`)
    for (const { row } of rows) others.push(...Object.values(row).filter((v): v is string => typeof v === 'string'))
  }
  const publicText = JSON.stringify(listPresets()) + appSourceText()
  const candidates = new Set<string>()
  for (const rows of hartonRows.values()) {
    for (const text of rows) {
      for (const value of Object.values(JSON.parse(text) as Record<string, unknown>)) {
        if (typeof value === 'string') candidates.add(value.trim())
      }
    }
  }
  return [...candidates].filter(
    (value) =>
      value.length >= 6 &&
      !/^[a-z_]+$/.test(value) &&
      !/^\d{4}-\d{2}-\d{2}/.test(value) &&
      !publicText.includes(value) &&
      !others.some((other) => other.includes(value)),
  )
}

/** The app's templates and source, without its demo data and tests. */
function appSourceText(): string {
  const src = path.resolve(import.meta.dirname, '..', '..', 'src')
  const skip = /(^|\/)(demo|seed|fixtures)\.ts$|\.test\.ts$/
  return fs
    .readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|njk)$/.test(file) && !skip.test(file))
    .map((file) => fs.readFileSync(path.join(src, file), 'utf8'))
    .join('\n')
}

/** Whether a response body contains the text: as is, HTML-escaped (Nunjucks) or JSON-escaped. */
function appearsIn(body: string, text: string): boolean {
  const html = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
  return body.includes(text) || body.includes(html) || body.includes(JSON.stringify(text).slice(1, -1))
}
