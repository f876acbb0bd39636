import { seedAgreementsDemo } from '../features/agreements/demo.ts'
import { seedAttendanceDemo } from '../features/attendance/demo.ts'
import type pg from 'pg'
import { recordAudit } from '../audit/audit.ts'
import { inTransaction, type Pool } from '../db/pool.ts'
import type { SchoolRole } from '../domain/roles.ts'
import { hashPassword } from '../features/auth/passwords.ts'
import { adoptPreset } from '../features/policy/service.ts'
import { seedPupils } from '../features/pupils/demo.ts'
import { seedReadinessDemo } from '../features/readiness/demo.ts'
import { seedVisitsDemo } from '../features/visits/demo.ts'
import { seedConcernsDemo } from '../features/concerns/demo.ts'
import { seedRecordsDemo } from '../features/records/demo.ts'

/**
 * Demo data: one trust with five schools, one per seed policy, and staff in every role.
 * Every demo account uses the same password, printed at start-up. Features that hold
 * school data (pupils, families, visits …) add theirs through `demoSeeders`.
 */
export const DEMO_PASSWORD = 'doorstep-demo'

// Phone numbers from Ofcom's ranges kept for drama (never a real line); addresses made up.
export const demoSchools = [
  { key: 'harton', name: 'Harton Academy', preset: 'harton-academy-2024', phone: '0191 498 0112', address: 'Lisle Road, South Shields NE34 6DL' },
  { key: 'kings-gomer', name: "King's Academy Gomer", preset: 'kings-academy-gomer-2024', phone: '01632 960 214', address: 'Pyrford Close, Gosport PO12 2RP' },
  { key: 'morecambe-road', name: 'Morecambe Road School', preset: 'morecambe-road-2024', phone: '01632 960 315', address: 'Morecambe Road, Morecambe LA3 3AB' },
  { key: 'westside', name: 'Westside School', preset: 'westside-2025', phone: '020 7946 0418', address: '50 Bryony Road, London W12 0SP' },
  { key: 'wna', name: 'WNA', preset: 'wna-protocol-2017', phone: '01632 960 519', address: 'Station Road, Whitwick LE67 5AT' },
] as const

export type DemoSchoolKey = (typeof demoSchools)[number]['key']

const demoStaff: Array<{ local: string; roles: SchoolRole[] }> = [
  { local: 'head', roles: ['headteacher'] },
  { local: 'deputy', roles: ['associate_head', 'slt'] },
  { local: 'dsl', roles: ['dsl', 'slt'] },
  { local: 'deputy.dsl', roles: ['deputy_dsl'] },
  { local: 'slt', roles: ['slt'] },
  { local: 'office', roles: ['office'] },
  { local: 'visitor', roles: ['visitor'] },
  { local: 'visitor2', roles: ['visitor'] },
  { local: 'governor', roles: ['governor'] },
  { local: 'admin', roles: ['school_admin'] },
]

// Different people in each school, each with a name of their own (issue 10 §9): a name on a page says who, and
// which school it came from. In the order of demoStaff: head, deputy, dsl, deputy.dsl, slt, office, visitor,
// visitor2, governor, admin.
export const demoStaffNames: Record<DemoSchoolKey, readonly string[]> = {
  harton: ['Helen Hughes', 'Mark Dunn', 'Claire Robson', 'Gary Milburn', 'Lisa Charlton', 'Karen Shaw', 'Paul Armstrong', 'Emma Wardle', 'Brian Forster', 'Denise Hall'],
  'kings-gomer': ['Anita Rahman', 'James Whitfield', 'Sarah Cole', 'Ravi Patel', 'Fiona Grant', 'Julie Mercer', 'Kwame Mensah', 'Hannah Price', 'Geoffrey Lamb', 'Nadia Hussain'],
  'morecambe-road': ['Daniel Okafor', 'Susan Fairclough', 'Ian Booth', 'Rachel Kaye', 'Mohammed Iqbal', 'Tracey Holden', 'Lee Pickup', 'Amy Taylor', 'Norman Bell', 'Gemma Riley'],
  westside: ['Grace Adeyemi', 'Tom Fletcher', 'Priya Sharma', 'Ben Kowalski', 'Laura Quinn', 'Maria Santos', 'Sam Carter', 'Jo Bennett', 'Martin Doyle', 'Rita Novak'],
  wna: ['Steven Baker', 'Joanne Pearce', 'Andrew Moss', 'Kirsty Hollis', 'Dev Chauhan', 'Pat Gibbons', 'Ryan Tilley', 'Sophie Marsh', 'Alan Heath', 'Beverley Cope'],
}
const staffName = (schoolKey: DemoSchoolKey, personIndex: number) => demoStaffNames[schoolKey][personIndex]!
const staffMobile = (schoolIndex: number, personIndex: number) => `077009${String(schoolIndex * 100 + personIndex + 100).padStart(5, '0')}`

export type DemoSchool = { id: string; key: DemoSchoolKey; name: string; preset: string; staff: Record<string, string> }
export type DemoSeeder = (client: pg.PoolClient, schools: DemoSchool[], now: Date) => Promise<void>

/** Features append their demo data here (called in order, in the same transaction). */
export const demoSeeders: DemoSeeder[] = [seedReadinessDemo, seedPupils, seedVisitsDemo, seedRecordsDemo, seedConcernsDemo, seedAgreementsDemo, seedAttendanceDemo]

export function demoEmail(local: string, schoolKey: string): string {
  return `${local}@${schoolKey}.example`
}

export const TRUST_ADMIN_EMAIL = 'trust.admin@demo-trust.example'

export async function isEmpty(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM organisations')
  return rows[0]?.n === 0
}

/** Seeds the demo trust. Returns the sign-ins to print. Run on an empty database only. */
export async function seedDemo(pool: Pool, now: Date): Promise<Array<{ school: string; email: string; roles: string }>> {
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  const system = { userId: null, name: 'Doorstep demo set-up' }
  return inTransaction(pool, async (client) => {
    const org = await client.query<{ id: string }>(
      `INSERT INTO organisations (name, kind) VALUES ('Doorstep Demo Trust', 'trust') RETURNING id`,
    )
    const organisationId = org.rows[0]!.id
    const trustAdmin = await client.query<{ id: string }>(
      `INSERT INTO users (email, name, password_hash, mobile) VALUES ($1, 'Chris Morgan', $2, '07700900100') RETURNING id`,
      [TRUST_ADMIN_EMAIL, passwordHash],
    )
    await client.query('INSERT INTO organisation_admins (organisation_id, user_id) VALUES ($1, $2)', [organisationId, trustAdmin.rows[0]!.id])
    const signIns = [{ school: 'All demo schools', email: TRUST_ADMIN_EMAIL, roles: 'trust admin' }]
    const schools: DemoSchool[] = []
    for (const [schoolIndex, demo] of demoSchools.entries()) {
      const school = await client.query<{ id: string }>(
        'INSERT INTO schools (organisation_id, name, preset, phone, address) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [organisationId, demo.name, demo.preset, demo.phone, demo.address],
      )
      const schoolId = school.rows[0]!.id
      const staff: Record<string, string> = {}
      for (const [personIndex, person] of demoStaff.entries()) {
        const email = demoEmail(person.local, demo.key)
        const user = await client.query<{ id: string }>(
          'INSERT INTO users (email, name, password_hash, mobile) VALUES ($1, $2, $3, $4) RETURNING id',
          [email, staffName(demo.key, personIndex), passwordHash, staffMobile(schoolIndex, personIndex)],
        )
        const userId = user.rows[0]!.id
        staff[person.local] = userId
        for (const role of person.roles) {
          await client.query('INSERT INTO school_memberships (school_id, user_id, role) VALUES ($1, $2, $3)', [schoolId, userId, role])
        }
        signIns.push({ school: demo.name, email, roles: person.roles.join(', ') })
      }
      await recordAudit(client, {
        schoolId,
        actor: system,
        action: 'school.created',
        subjectType: 'school',
        subjectId: schoolId,
        summary: `Created the demo school ${demo.name} with the ${demo.preset} policy preset and ${demoStaff.length} staff`,
      }, now)
      await adoptPreset(client, schoolId, demo.preset, system, now)
      schools.push({ id: schoolId, key: demo.key, name: demo.name, preset: demo.preset, staff })
    }
    for (const seeder of demoSeeders) await seeder(client, schools, now)
    return signIns
  })
}
