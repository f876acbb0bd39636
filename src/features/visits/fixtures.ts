import assert from 'node:assert/strict'
import { demoSchoolId, signIn, userId, type Agent, type TestApp } from '../../../test/helpers.ts'

/**
 * Helpers for the visits tests: demo records by name, and a complete plan to start from.
 * The test clock stands at Wednesday 25 November 2026, 10:00 UTC; visits are planned for the next day.
 */

export const schoolNames = {
  harton: 'Harton Academy',
  'kings-gomer': "King's Academy Gomer",
  'morecambe-road': 'Morecambe Road School',
  westside: 'Westside School',
  wna: 'WNA',
} as const
export type SchoolKey = keyof typeof schoolNames

export const TOMORROW = '2026-11-26'

export async function pupilId(ctx: TestApp, schoolId: string, firstName: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM pupils WHERE school_id = $1 AND first_name = $2', [schoolId, firstName])
  assert.equal(rows.length, 1, `exactly one demo pupil called ${firstName}`)
  assert.ok(rows[0])
  return rows[0].id
}

export async function adultId(ctx: TestApp, schoolId: string, firstName: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM contacts WHERE school_id = $1 AND first_name = $2', [schoolId, firstName])
  assert.equal(rows.length, 1, `exactly one demo adult called ${firstName}`)
  assert.ok(rows[0])
  return rows[0].id
}

export async function mainAddressId(ctx: TestApp, schoolId: string, pupil: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ id: string }>('SELECT address_id AS id FROM pupil_addresses WHERE school_id = $1 AND pupil_id = $2 AND is_main', [schoolId, pupil])
  assert.ok(rows[0])
  return rows[0].id
}

export type School = { key: SchoolKey; id: string; staff: (local: string) => Promise<string>; url: (path?: string) => string }

export async function school(ctx: TestApp, key: SchoolKey): Promise<School> {
  const id = await demoSchoolId(ctx.pool, schoolNames[key])
  return { key, id, staff: (local) => userId(ctx.pool, `${local}@${key}.example`), url: (path = '') => `/api/v1/schools/${id}/visits${path}` }
}

export async function as(ctx: TestApp, local: string, key: SchoolKey): Promise<Agent> {
  return signIn(ctx, `${local}@${key}.example`)
}

/** Everything a complete plan needs but who and where: tomorrow 10:00–11:00, visitor and SLT, parents told today. */
export async function basePlan(s: School, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return {
    purposeId: 'attendance_concern',
    purposeDetail: 'Talk about the recent absences and agree a plan to improve attendance.',
    whyNotInSchool: 'Mum has not come to the last two meetings in school.',
    necessityConfirmed: true,
    date: TOMORROW,
    leaveSchoolAt: '09:30',
    startAt: '10:00',
    endAt: '11:00',
    backAtSchoolAt: '11:30',
    noticeGivenOn: '2026-11-25',
    noticeMethod: 'Phone call',
    choiceOfTimesOffered: true,
    staff: [
      { userId: await s.staff('visitor'), role: 'lead' },
      { userId: await s.staff('slt'), role: 'second' },
    ],
    codeWord: 'Bluebell',
    contingencyPlan: 'Phone the office from the nearest safe place; the office sends someone to collect us.',
    ...overrides,
  }
}

/** Everything a complete plan needs, for a pupil with no flags; override any part. */
export async function completePlan(
  ctx: TestApp,
  s: School,
  pupilFirstName: string,
  adultFirstName: string,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const pupil = await pupilId(ctx, s.id, pupilFirstName)
  return basePlan(s, {
    pupilIds: [pupil],
    contactIds: [await adultId(ctx, s.id, adultFirstName)],
    addressId: await mainAddressId(ctx, s.id, pupil),
    ...overrides,
  })
}

/** Creates a draft through the API and returns its id. */
export async function createDraft(agent: Agent, s: School, plan: Record<string, unknown>): Promise<string> {
  const response = await agent.json('POST', s.url(), plan)
  assert.equal(response.statusCode, 201, response.body)
  return (response.json() as { id: string }).id
}

/** The risk assessment answers the policy asks for, all filled in. */
export function allAnswers(): Record<string, string> {
  return Object.fromEntries(
    ['family_risks', 'location_risks', 'timing_risks', 'aggression_history', 'animals', 'medical_needs', 'cultural_sensitivities', 'other_professionals', 'exit_routes'].map(
      (field) => [field, 'None known'],
    ),
  )
}

export async function ok(response: { statusCode: number; body: string }, status = 200): Promise<void> {
  assert.equal(response.statusCode, status, response.body.slice(0, 2000))
}
