import type { Actor } from '../../audit/audit.ts'
import { recordAudit } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { checkVisitorEligibility, dbsRecheckDueOn, type ProposedVisitor, type StaffingMessage } from '../../domain/staffing.ts'
import type { Policy } from '../../policy/schema.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../../web/errors.ts'
import { currentPolicy } from '../policy/repository.ts'
import { addDays, daysBetween, longDateOf, ukDateOf } from './dates.ts'
import {
  deleteTraining,
  findPeople,
  findTraining,
  findVehicle,
  findVehicleByRegistration,
  insertTraining,
  insertVehicle,
  listDbs,
  listTrainings,
  listVehicles,
  listVisitingStaff,
  removeVehicle,
  saveDbs,
  updateTraining,
  updateVehicle,
  visitingRoles,
  type DbsRecord,
  type StaffPerson,
  type TrainingRecord,
  type VehicleRecord,
} from './repository.ts'
import { dbsLevelLabels, type DbsInput, type TrainingRecordInput, type VehicleInput } from './schema.ts'
import { checkVehicle, vehicleName, type Vehicle, type VehicleCheck } from './vehicle-rules.ts'

/**
 * Staff readiness for home visits (R-STAFF-3/4/5, R-CONTACT-1, R-VEHICLE-1/2, R-GOV-3): the records, and the
 * verdicts the pure rules in src/domain/staffing.ts and ./vehicle-rules.ts give on them with the policy in force.
 */

/** Record readiness: the office holds vehicle details (R-VEHICLE-1). */
export const readinessEditors = ['school_admin', 'headteacher', 'office'] as const satisfies readonly SchoolRole[]
/** See everyone's readiness. */
export const readinessViewers = [...readinessEditors, 'dsl', 'deputy_dsl', 'slt'] as const satisfies readonly SchoolRole[]
/** See one's own readiness: anyone who may go on visits, and everyone who may see others'. */
export const ownReadinessViewers = [...new Set<SchoolRole>([...visitingRoles, ...readinessViewers])]

/** What is "expiring": due within this many days from today (inclusive). */
export const EXPIRING_WITHIN_DAYS = 30

export type ReadinessStatus = 'ready' | 'warnings' | 'blocked'
export type ReadinessMessage = { code: string; text: string }
export type Verdict = { status: ReadinessStatus; blocks: ReadinessMessage[]; warnings: ReadinessMessage[] }

export function mayEditReadiness(roles: readonly SchoolRole[]): boolean {
  return holdsAnyRole(roles, readinessEditors)
}

export function mayViewAllReadiness(roles: readonly SchoolRole[]): boolean {
  return holdsAnyRole(roles, readinessViewers)
}

/** Visitors see their own readiness and nobody else's (checked after the person is known to be in the school). */
export function assertMayView(roles: readonly SchoolRole[], actorUserId: string | null, userId: string): void {
  if (actorUserId !== userId && !mayViewAllReadiness(roles)) {
    throw new ForbiddenError('You can see your own readiness for home visits, but not other people’s.')
  }
}

// ---------------------------------------------------------------------------------------------------------------
// For the visits feature.

/**
 * The people proposed for a visit, as `checkStaffing` / `checkVisitorEligibility` in src/domain/staffing.ts take
 * them: name, latest DBS check, training records and mobile number. In the order of `userIds`; ids of people who
 * are not on this school's staff are left out (compare the lengths to find them).
 */
export async function staffReadiness(db: Db, schoolId: string, userIds: readonly string[], at: Date): Promise<ProposedVisitor[]> {
  void at // every record is returned; the rules decide what is current at the visit's time.
  const ids = [...new Set(userIds)]
  // One after another: `db` may be a transaction's single connection, which runs one query at a time.
  const people = await findPeople(db, schoolId, ids)
  const dbs = await listDbs(db, schoolId, ids)
  const trainings = await listTrainings(db, schoolId, ids)
  const byId = new Map(people.map((person) => [person.id, person]))
  return userIds.flatMap((id) => {
    const person = byId.get(id)
    return person ? [toProposedVisitor(person, dbs.find((d) => d.userId === id), trainings.filter((t) => t.userId === id))] : []
  })
}

/** A vehicle of the school, for a visit plan; removed vehicles too (checkVehicle blocks them). Undefined for another school's. */
export async function vehicleFor(db: Db, schoolId: string, vehicleId: string): Promise<Vehicle | undefined> {
  const vehicle = await findVehicle(db, schoolId, vehicleId)
  if (!vehicle) return undefined
  const { recordedAt: _recordedAt, ...rest } = vehicle
  return rest
}

/** The vehicles that may be offered when planning a visit (not removed), with their owners. */
export async function vehiclesOf(db: Db, schoolId: string): Promise<Vehicle[]> {
  return (await listVehicles(db, schoolId)).map(({ recordedAt: _recordedAt, ...rest }) => rest)
}

function toProposedVisitor(person: StaffPerson, dbs: DbsRecord | undefined, trainings: readonly TrainingRecord[]): ProposedVisitor {
  return {
    userId: person.id,
    name: person.name,
    ...(dbs ? { dbs: { level: dbs.level, barredListChecked: dbs.barredListChecked, issuedOn: dbs.issuedOn, updateService: dbs.updateService } } : {}),
    trainings: trainings.map((t) => ({ trainingId: t.trainingId, completedOn: t.completedOn, ...(t.expiresOn ? { expiresOn: t.expiresOn } : {}) })),
    ...(person.mobile?.trim() ? { mobile: person.mobile } : {}),
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One person's readiness.

export type TrainingStatus = 'valid' | 'expiring' | 'expired' | 'missing'

export type TrainingRow = {
  trainingId: string
  label: string
  /** What the policy asks: "Every visitor – required", "At least one visitor on each visit – advised", "Not required". */
  requirement: string
  /** The policy asks every visitor to have it (block or warn); otherwise a missing record is not a problem for this person. */
  everyVisitor: boolean
  status: TrainingStatus
  /** The record that counts: the latest completion. */
  latest: TrainingRecord | undefined
  records: TrainingRecord[]
}

export type DbsView = DbsRecord & {
  levelLabel: string
  /** Null when it never falls due: the policy sets no re-check (issue 10 point 14), or the Update Service. */
  recheckDueOn: string | null
  recheckStatus: 'not_required' | 'update_service' | 'valid' | 'expiring' | 'expired'
}

export type VehicleView = VehicleRecord & { name: string; check: VehicleCheck; insuranceStatus: 'valid' | 'expiring' | 'expired' }

export type PersonReadiness = {
  person: StaffPerson
  policy: { id: string; version: number; title: string; mobileNumberRequired: boolean; dbs: Policy['training']['dbs']; vehicles: Policy['vehicles'] }
  today: string
  dbs: DbsView | undefined
  trainings: TrainingRow[]
  /** Records of trainings the current policy no longer lists. */
  otherTrainings: TrainingRecord[]
  vehicles: VehicleView[]
  verdict: Verdict
}

export async function personReadiness(db: Db, schoolId: string, userId: string, at: Date): Promise<PersonReadiness> {
  const [person] = await findPeople(db, schoolId, [userId])
  if (!person) throw new NotFoundError('There is no member of staff with that id in this school.')
  const version = await currentPolicy(db, schoolId, at)
  const policy = version.policy
  const today = ukDateOf(at)
  const [dbsRows, trainings, vehicles] = await Promise.all([listDbs(db, schoolId, [userId]), listTrainings(db, schoolId, [userId]), listVehicles(db, schoolId, userId)])
  const dbs = dbsRows[0]
  const known = new Set(policy.training.trainings.map((t) => t.id))
  return {
    person,
    policy: {
      id: version.id,
      version: version.version,
      title: policy.title,
      mobileNumberRequired: policy.staffing.mobileNumberRequired,
      dbs: policy.training.dbs,
      vehicles: policy.vehicles,
    },
    today,
    dbs: dbs ? dbsView(policy, dbs, today) : undefined,
    trainings: trainingRows(policy, trainings, today),
    otherTrainings: trainings.filter((t) => !known.has(t.trainingId)),
    vehicles: vehicles.map((vehicle) => vehicleView(policy, vehicle, at, today)),
    verdict: verdictFor(policy, person, dbs, trainings, at),
  }
}

/** The eligibility verdict of src/domain/staffing.ts (with the policy's DBS re-check, issue 10 point 14). */
function verdictFor(policy: Policy, person: StaffPerson, dbs: DbsRecord | undefined, trainings: readonly TrainingRecord[], at: Date): Verdict {
  const check = checkVisitorEligibility(policy, toProposedVisitor(person, dbs, trainings), at)
  const blocks: ReadinessMessage[] = check.blocks.map(message)
  const warnings: ReadinessMessage[] = check.warnings.map(message)
  if (!person.active) blocks.unshift({ code: 'account_deactivated', text: `${person.name}’s account is deactivated.` })
  return { status: blocks.length ? 'blocked' : warnings.length ? 'warnings' : 'ready', blocks, warnings }
}

function message(m: StaffingMessage): ReadinessMessage {
  return { code: m.code, text: m.text }
}

function dateStatus(date: string, today: string): 'valid' | 'expiring' | 'expired' {
  if (date < today) return 'expired'
  return date <= addDays(today, EXPIRING_WITHIN_DAYS) ? 'expiring' : 'valid'
}

function dbsView(policy: Pick<Policy, 'training'>, dbs: DbsRecord, today: string): DbsView {
  const recheckDueOn = dbsRecheckDueOn(policy, dbs)
  const none = policy.training.dbs.recheck === null ? 'not_required' : 'update_service'
  return { ...dbs, levelLabel: dbsLevelLabels[dbs.level], recheckDueOn, recheckStatus: recheckDueOn ? dateStatus(recheckDueOn, today) : none }
}

function requirementText(policy: Policy, trainingId: string): string {
  const every = policy.training.everyVisitor.find((r) => r.trainingId === trainingId)
  const one = policy.training.atLeastOneVisitor.find((r) => r.trainingId === trainingId)
  const parts = []
  if (every) parts.push(`Every visitor – ${every.enforcement === 'block' ? 'required' : 'advised'}`)
  if (one) parts.push(`At least one visitor on each visit – ${one.enforcement === 'block' ? 'required' : 'advised'}`)
  return parts.length ? parts.join('; ') : 'Not required by the policy'
}

/** The latest completion of each training decides; completions dated after today do not count yet. */
function latestOf(records: readonly TrainingRecord[], today: string): TrainingRecord | undefined {
  return records
    .filter((r) => r.completedOn <= today)
    .sort((a, b) => (a.completedOn === b.completedOn ? (a.expiresOn ?? '9999') < (b.expiresOn ?? '9999') ? 1 : -1 : a.completedOn < b.completedOn ? 1 : -1))[0]
}

function trainingRows(policy: Policy, records: readonly TrainingRecord[], today: string): TrainingRow[] {
  return policy.training.trainings.map((training) => {
    const mine = records.filter((r) => r.trainingId === training.id)
    const latest = latestOf(mine, today)
    const status: TrainingStatus = !latest ? 'missing' : latest.expiresOn ? dateStatus(latest.expiresOn, today) : 'valid'
    const everyVisitor = policy.training.everyVisitor.some((r) => r.trainingId === training.id)
    return { trainingId: training.id, label: training.label, requirement: requirementText(policy, training.id), everyVisitor, status, latest, records: mine }
  })
}

function vehicleView(policy: Pick<Policy, 'vehicles'>, vehicle: VehicleRecord, at: Date, today: string): VehicleView {
  return { ...vehicle, name: vehicleName(vehicle), check: checkVehicle(policy, vehicle, at), insuranceStatus: dateStatus(vehicle.insuranceExpiresOn, today) }
}

// ---------------------------------------------------------------------------------------------------------------
// Everyone who goes on visits, and what falls due.

export type OverviewRow = { person: StaffPerson; verdict: Verdict; /** "Cultural awareness expires on 7 December 2026" */ expiringSoon: string[] }

export async function readinessOverview(db: Db, schoolId: string, at: Date): Promise<{ rows: OverviewRow[]; schoolVehicles: VehicleView[]; policyTitle: string }> {
  const { policy } = await currentPolicy(db, schoolId, at)
  const [people, dbs, trainings, vehicles] = await Promise.all([
    listVisitingStaff(db, schoolId),
    listDbs(db, schoolId),
    listTrainings(db, schoolId),
    listVehicles(db, schoolId, 'school'),
  ])
  const today = ukDateOf(at)
  return {
    policyTitle: policy.title,
    rows: people.map((person) => {
      const own = { dbs: dbs.find((d) => d.userId === person.id), trainings: trainings.filter((t) => t.userId === person.id) }
      const dbsDue = own.dbs ? dbsView(policy, own.dbs, today) : undefined
      const expiringSoon = [
        ...trainingRows(policy, own.trainings, today)
          .filter((row) => row.status === 'expiring' && row.latest?.expiresOn)
          .map((row) => `${row.label} expires on ${longDateOf(row.latest!.expiresOn!)}`),
        ...(dbsDue?.recheckStatus === 'expiring' && dbsDue.recheckDueOn ? [`DBS re-check due on ${longDateOf(dbsDue.recheckDueOn)}`] : []),
      ]
      return { person, verdict: verdictFor(policy, person, own.dbs, own.trainings, at), expiringSoon }
    }),
    schoolVehicles: vehicles.map((vehicle) => vehicleView(policy, vehicle, at, today)),
  }
}

export type ExpiringItem = {
  kind: 'dbs' | 'training' | 'insurance'
  /** The last valid day (training, insurance) or the day a DBS re-check is due. */
  date: string
  /** Days from today: negative once expired. */
  days: number
  personName: string | null
  userId: string | null
  what: string
  href: string
}

/** R-GOV-3: DBS re-checks, trainings and vehicle insurance due within `withinDays`, and those already past. */
export async function expiringReadiness(
  db: Db,
  schoolId: string,
  at: Date,
  withinDays = EXPIRING_WITHIN_DAYS,
): Promise<{ today: string; until: string; upcoming: ExpiringItem[]; expired: ExpiringItem[] }> {
  const { policy } = await currentPolicy(db, schoolId, at)
  const today = ukDateOf(at)
  const until = addDays(today, withinDays)
  const [people, dbs, trainings, vehicles] = await Promise.all([
    listVisitingStaff(db, schoolId),
    listDbs(db, schoolId),
    listTrainings(db, schoolId),
    listVehicles(db, schoolId),
  ])
  const staff = new Map(people.map((p) => [p.id, p]))
  const labels = new Map(policy.training.trainings.map((t) => [t.id, t.label]))
  const items: ExpiringItem[] = []
  const item = (kind: ExpiringItem['kind'], date: string, userId: string | null, what: string, href: string) =>
    items.push({ kind, date, days: daysBetween(today, date), userId, personName: userId ? (staff.get(userId)?.name ?? null) : null, what, href })

  for (const check of dbs) {
    const due = dbsRecheckDueOn(policy, check)
    if (!staff.has(check.userId) || due === null) continue
    item('dbs', due, check.userId, `DBS re-check (certificate issued ${longDateOf(check.issuedOn)}, not on the Update Service)`, `/staff/${check.userId}/readiness#dbs`)
  }
  const byPersonAndTraining = new Map<string, TrainingRecord[]>()
  for (const record of trainings) {
    if (!staff.has(record.userId)) continue
    const key = `${record.userId}:${record.trainingId}`
    byPersonAndTraining.set(key, [...(byPersonAndTraining.get(key) ?? []), record])
  }
  for (const records of byPersonAndTraining.values()) {
    const latest = latestOf(records, today)
    if (!latest?.expiresOn) continue
    item('training', latest.expiresOn, latest.userId, `Training: ${labels.get(latest.trainingId) ?? latest.trainingId}`, `/staff/${latest.userId}/readiness#trainings`)
  }
  for (const vehicle of vehicles) {
    if (vehicle.ownerUserId && !staff.has(vehicle.ownerUserId)) continue
    const owner = vehicle.ownerUserId
    item('insurance', vehicle.insuranceExpiresOn, owner, `Insurance: ${vehicleName(vehicle)}${owner ? '' : ', school vehicle'}`, owner ? `/staff/${owner}/readiness#vehicles` : `/readiness/vehicles/${vehicle.id}/edit`)
  }
  const byDate = (a: ExpiringItem, b: ExpiringItem) => (a.date === b.date ? (a.personName ?? '').localeCompare(b.personName ?? '') : a.date < b.date ? -1 : 1)
  return {
    today,
    until,
    upcoming: items.filter((i) => i.date >= today && i.date <= until).sort(byDate),
    expired: items.filter((i) => i.date < today).sort(byDate),
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Changes. Each writes its audit entry in the same transaction (R-AUDIT-1).

export async function requirePerson(db: Db, schoolId: string, userId: string): Promise<StaffPerson> {
  const [person] = await findPeople(db, schoolId, [userId])
  if (!person) throw new NotFoundError('There is no member of staff with that id in this school.')
  return person
}

export async function recordDbs(pool: Pool, actor: Actor, schoolId: string, userId: string, input: DbsInput, now: Date): Promise<void> {
  const person = await requirePerson(pool, schoolId, userId)
  await inTransaction(pool, async (client) => {
    const [before] = await listDbs(client, schoolId, [userId])
    await saveDbs(client, schoolId, userId, input, actor.userId, now)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.dbs_recorded',
      subjectType: 'user',
      subjectId: userId,
      summary: `Recorded ${describeDbs(input)} for ${person.name}, issued ${longDateOf(input.issuedOn)}`,
      change: { before: before ? dbsChange(before) : null, after: dbsChange(input) },
    }, now)
  })
}

function describeDbs(dbs: Pick<DbsRecord, 'level' | 'barredListChecked'>): string {
  return `${dbs.level === 'enhanced' ? 'an' : 'a'} ${dbs.level} DBS check ${dbs.barredListChecked ? 'with' : 'without'} a barred list check`
}

function dbsChange(dbs: Pick<DbsRecord, 'level' | 'barredListChecked' | 'certificateNumber' | 'issuedOn' | 'updateService'>) {
  return { level: dbs.level, barredListChecked: dbs.barredListChecked, certificateNumber: dbs.certificateNumber, issuedOn: dbs.issuedOn, updateService: dbs.updateService }
}

function trainingChange(record: Pick<TrainingRecord, 'trainingId' | 'completedOn' | 'expiresOn'>) {
  return { trainingId: record.trainingId, completedOn: record.completedOn, expiresOn: record.expiresOn }
}

async function trainingLabelOf(db: Db, schoolId: string, trainingId: string, at: Date): Promise<string> {
  const { policy } = await currentPolicy(db, schoolId, at)
  return policy.training.trainings.find((t) => t.id === trainingId)?.label ?? trainingId
}

export async function addTrainingRecord(pool: Pool, actor: Actor, schoolId: string, userId: string, input: TrainingRecordInput, now: Date): Promise<string> {
  const person = await requirePerson(pool, schoolId, userId)
  const label = await trainingLabelOf(pool, schoolId, input.trainingId, now)
  return inTransaction(pool, async (client) => {
    const id = await insertTraining(client, schoolId, userId, input, actor.userId, now)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.training_added',
      subjectType: 'staff_training',
      subjectId: id,
      summary: `Recorded that ${person.name} completed “${label}” on ${longDateOf(input.completedOn)}`,
      change: { userId, ...trainingChange(input) },
    }, now)
    return id
  })
}

/** A training record of this person in this school; another person's or school's is not found. */
export async function requireTrainingRecord(db: Db, schoolId: string, userId: string, id: string): Promise<TrainingRecord> {
  const record = await findTraining(db, schoolId, id)
  if (!record || record.userId !== userId) throw new NotFoundError('There is no training record with that id for this member of staff.')
  return record
}

export async function changeTrainingRecord(pool: Pool, actor: Actor, schoolId: string, userId: string, id: string, input: TrainingRecordInput, now: Date): Promise<void> {
  const person = await requirePerson(pool, schoolId, userId)
  const before = await requireTrainingRecord(pool, schoolId, userId, id)
  const label = await trainingLabelOf(pool, schoolId, input.trainingId, now)
  await inTransaction(pool, async (client) => {
    await updateTraining(client, schoolId, id, input, actor.userId, now)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.training_changed',
      subjectType: 'staff_training',
      subjectId: id,
      summary: `Changed ${person.name}’s record of “${label}”`,
      change: { userId, before: trainingChange(before), after: trainingChange(input) },
    }, now)
  })
}

export async function removeTrainingRecord(pool: Pool, actor: Actor, schoolId: string, userId: string, id: string, now: Date): Promise<void> {
  const person = await requirePerson(pool, schoolId, userId)
  const before = await requireTrainingRecord(pool, schoolId, userId, id)
  const label = await trainingLabelOf(pool, schoolId, before.trainingId, now)
  await inTransaction(pool, async (client) => {
    await deleteTraining(client, schoolId, id)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.training_removed',
      subjectType: 'staff_training',
      subjectId: id,
      summary: `Removed ${person.name}’s record of “${label}” completed on ${longDateOf(before.completedOn)}`,
      change: { userId, before: trainingChange(before) },
    }, now)
  })
}

export async function requireVehicle(db: Db, schoolId: string, id: string): Promise<VehicleRecord> {
  const vehicle = await findVehicle(db, schoolId, id)
  if (!vehicle || vehicle.removedAt) throw new NotFoundError('There is no vehicle with that id in this school.')
  const { removedAt: _removedAt, ...rest } = vehicle
  return rest
}

function vehicleFields(input: VehicleInput) {
  return {
    ownerUserId: input.owner === 'school' ? null : input.owner,
    make: input.make,
    model: input.model,
    registration: input.registration,
    colour: input.colour,
    insuranceExpiresOn: input.insuranceExpiresOn,
    businessUseCover: input.businessUseCover,
    schoolApproved: input.schoolApproved,
  }
}

function vehicleChange(vehicle: ReturnType<typeof vehicleFields>) {
  return { ...vehicle }
}

async function assertRegistrationFree(db: Db, schoolId: string, registration: string, exceptId?: string): Promise<void> {
  const clash = await findVehicleByRegistration(db, schoolId, registration)
  if (clash && clash.id !== exceptId) {
    throw new ValidationError([{ field: 'registration', message: `${registration} is already recorded. Change that vehicle’s details instead.` }])
  }
}

export async function addVehicle(pool: Pool, actor: Actor, schoolId: string, input: VehicleInput, now: Date): Promise<string> {
  const fields = vehicleFields(input)
  if (fields.ownerUserId) await requirePerson(pool, schoolId, fields.ownerUserId)
  await assertRegistrationFree(pool, schoolId, fields.registration)
  return inTransaction(pool, async (client) => {
    const id = await insertVehicle(client, schoolId, fields, actor.userId, now)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.vehicle_added',
      subjectType: 'vehicle',
      subjectId: id,
      summary: `Added the ${vehicleName(fields)}${fields.ownerUserId ? '' : ' as a school vehicle'}`,
      change: vehicleChange(fields),
    }, now)
    return id
  })
}

export async function changeVehicle(pool: Pool, actor: Actor, schoolId: string, id: string, input: VehicleInput, now: Date): Promise<void> {
  const before = await requireVehicle(pool, schoolId, id)
  const fields = vehicleFields(input)
  if (fields.ownerUserId) await requirePerson(pool, schoolId, fields.ownerUserId)
  await assertRegistrationFree(pool, schoolId, fields.registration, id)
  await inTransaction(pool, async (client) => {
    await updateVehicle(client, schoolId, id, fields, actor.userId, now)
    const { id: _id, ownerName: _ownerName, recordedAt: _recordedAt, ...previous } = before
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.vehicle_changed',
      subjectType: 'vehicle',
      subjectId: id,
      summary: `Changed the details of the ${vehicleName(fields)}`,
      change: { before: previous, after: vehicleChange(fields) },
    }, now)
  })
}

export async function removeVehicleRecord(pool: Pool, actor: Actor, schoolId: string, id: string, now: Date): Promise<VehicleRecord> {
  const before = await requireVehicle(pool, schoolId, id)
  await inTransaction(pool, async (client) => {
    await removeVehicle(client, schoolId, id, now)
    await recordAudit(client, {
      schoolId,
      actor,
      action: 'readiness.vehicle_removed',
      subjectType: 'vehicle',
      subjectId: id,
      summary: `Removed the ${vehicleName(before)} from the vehicles used for home visits`,
    }, now)
  })
  return before
}

// ---------------------------------------------------------------------------------------------------------------
// The staff directory for planning (issue 10 point 12).

/**
 * The colleagues a visit may be planned with (the staff the plan-staff page offers: active, in a role that goes on
 * visits), each with their readiness verdict under the policy in force `at` (the visit's time, or now).
 */
export async function staffDirectory(db: Db, schoolId: string, at: Date): Promise<Array<{ person: StaffPerson; verdict: Verdict }>> {
  const { policy } = await currentPolicy(db, schoolId, at)
  const [people, dbs, trainings] = await Promise.all([listVisitingStaff(db, schoolId), listDbs(db, schoolId), listTrainings(db, schoolId)])
  return people.map((person) => ({
    person,
    verdict: verdictFor(policy, person, dbs.find((d) => d.userId === person.id), trainings.filter((t) => t.userId === person.id), at),
  }))
}
