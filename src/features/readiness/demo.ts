import type pg from 'pg'
import { recordAudit } from '../../audit/audit.ts'
import type { DemoSchool, DemoSeeder } from '../../demo/seed.ts'
import { getPreset } from '../../policy/presets.ts'
import type { Policy } from '../../policy/schema.ts'
import { currentPolicy } from '../policy/repository.ts'
import { addDays, addYears, ukDateOf } from './dates.ts'
import { insertTraining, insertVehicle, saveDbs, type VehicleFields } from './repository.ts'

/**
 * Demo readiness (R-STAFF-3/4/5, R-VEHICLE-1/2): every demo member of staff who may go on visits has an
 * enhanced DBS check with a barred list check and the training their school's policy names, and each school
 * has a school vehicle and some staff cars. Westside has realistic gaps:
 *  - visitor2 lacks a training every visitor must have (so a visit with them is blocked);
 *  - visitor's cultural awareness training expires within 30 days;
 *  - the school vehicle's insurance expires within 30 days;
 *  - visitor2's own car has no business-use cover;
 *  - the deputy DSL's DBS certificate (not on the Update Service) falls due for its 3-yearly re-check within 30 days.
 * Runs after the policy seeder: it reads the policy each school adopted.
 */
const visitingStaff = ['head', 'deputy', 'dsl', 'deputy.dsl', 'slt', 'office', 'visitor', 'visitor2'] as const
/** Those who hold trainings the policy needs "at least one visitor" to have (e.g. home visiting, as an EWO). */
const specialists = new Set(['dsl', 'deputy.dsl', 'visitor'])

const vehicles: Record<DemoSchool['key'], Array<{ owner: 'school' | 'visitor' | 'visitor2'; make: string; model: string; registration: string; colour: string }>> = {
  harton: [
    { owner: 'school', make: 'Vauxhall', model: 'Combo Life', registration: 'NL71 HAR', colour: 'White' },
    { owner: 'visitor', make: 'Ford', model: 'Fiesta', registration: 'NK19 XTB', colour: 'Blue' },
  ],
  'kings-gomer': [
    { owner: 'school', make: 'Ford', model: 'Transit Custom', registration: 'HN70 KAG', colour: 'Silver' },
    { owner: 'visitor2', make: 'Toyota', model: 'Yaris', registration: 'HX18 PLM', colour: 'Red' },
  ],
  'morecambe-road': [
    { owner: 'visitor', make: 'Nissan', model: 'Micra', registration: 'PK17 MRS', colour: 'Grey' },
    { owner: 'visitor2', make: 'Kia', model: 'Picanto', registration: 'PE20 LNC', colour: 'Black' },
  ],
  westside: [
    { owner: 'school', make: 'Skoda', model: 'Octavia Estate', registration: 'WS72 SCH', colour: 'Blue' },
    { owner: 'school', make: 'Toyota', model: 'Corolla', registration: 'WS23 VST', colour: 'White' },
    { owner: 'visitor2', make: 'Volkswagen', model: 'Polo', registration: 'LB16 KWD', colour: 'Green' },
  ],
  wna: [
    { owner: 'school', make: 'Peugeot', model: 'Rifter', registration: 'YC69 WNA', colour: 'Black' },
    { owner: 'visitor', make: 'Honda', model: 'Jazz', registration: 'YD15 RTU', colour: 'Silver' },
  ],
}

async function policyOf(client: pg.PoolClient, school: DemoSchool, now: Date): Promise<Policy> {
  try {
    return (await currentPolicy(client, school.id, now)).policy
  } catch {
    const preset = getPreset(school.preset)
    if (!preset) throw new Error(`Demo school ${school.name} has no policy and no preset "${school.preset}"`)
    return preset.policy
  }
}

export const seedReadinessDemo: DemoSeeder = async (client, schools, now) => {
  const today = ukDateOf(now)
  const system = { userId: null, name: 'Doorstep demo set-up' }
  for (const school of schools) {
    const policy = await policyOf(client, school, now)
    const westside = school.key === 'westside'
    const mustHave = policy.training.everyVisitor.filter((r) => r.enforcement === 'block').map((r) => r.trainingId)
    const gap = westside ? (mustHave.includes('safeguarding') ? 'safeguarding' : mustHave[0]) : undefined
    const atLeastOne = new Set(policy.training.atLeastOneVisitor.map((r) => r.trainingId))
    let trainingCount = 0
    for (const [index, local] of visitingStaff.entries()) {
      const userId = school.staff[local]
      if (!userId) continue
      const dueSoon = westside && local === 'deputy.dsl'
      await saveDbs(client, school.id, userId, {
        level: 'enhanced',
        barredListChecked: true,
        certificateNumber: `0012${String(schools.indexOf(school)).padStart(2, '0')}${String(500_000 + index * 7919).padStart(6, '0')}`,
        issuedOn: dueSoon ? addDays(addYears(today, -3), 20) : addDays(today, -(200 + index * 61)),
        updateService: !dueSoon && index % 2 === 0,
      }, null, now)
      for (const training of policy.training.trainings) {
        if (atLeastOne.has(training.id) && !policy.training.everyVisitor.some((r) => r.trainingId === training.id) && !specialists.has(local)) continue
        if (local === 'visitor2' && training.id === gap) continue
        const expiringSoon = westside && local === 'visitor' && training.id === 'cultural_awareness'
        const completedOn = expiringSoon ? addDays(addYears(today, -3), 12) : addDays(today, -(90 + index * 23))
        const expiresOn = expiringSoon ? addDays(today, 12) : training.id === 'home_visits_policy' ? null : addYears(completedOn, 3)
        await insertTraining(client, school.id, userId, { trainingId: training.id, completedOn, expiresOn }, null, now)
        trainingCount++
      }
    }
    const list = vehicles[school.key]
    for (const [index, vehicle] of list.entries()) {
      const ownerUserId = vehicle.owner === 'school' ? null : (school.staff[vehicle.owner] ?? null)
      const fields: VehicleFields = {
        ownerUserId,
        make: vehicle.make,
        model: vehicle.model,
        registration: vehicle.registration,
        colour: vehicle.colour,
        // Westside's first school vehicle is due for renewal within 30 days.
        insuranceExpiresOn: westside && index === 0 ? addDays(today, 18) : addDays(today, 120 + index * 45),
        // Westside visitor2's own car has no business-use cover.
        businessUseCover: !(westside && vehicle.owner === 'visitor2'),
        // Where the policy allows approved vehicles only, the school approves its own vehicles, not personal ones.
        schoolApproved: policy.vehicles.approvedVehiclesOnly ? vehicle.owner === 'school' : true,
      }
      await insertVehicle(client, school.id, fields, null, now)
    }
    await recordAudit(client, {
      schoolId: school.id,
      actor: system,
      action: 'readiness.demo_seeded',
      subjectType: 'school',
      subjectId: school.id,
      summary: `Recorded demo DBS checks for ${visitingStaff.length} staff, ${trainingCount} training records and ${list.length} vehicles`,
    }, now)
  }
}
