import type { Policy } from '../policy/schema.ts'
import { formatDate } from './dates.ts'
import { londonDate } from './hours.ts'
import { describeRoles } from './roles.ts'

export type DbsLevel = Policy['training']['dbs']['level']
export type DbsCheck = {
  level: DbsLevel
  barredListChecked: boolean
  issuedOn: string
  /** On the DBS Update Service, checked by the school: no re-check falls due (issue 10 point 14). */
  updateService?: boolean
}
export type TrainingRecord = { trainingId: string; completedOn: string; expiresOn?: string }

/** A member of staff proposed for a visit, as the staff records hold them. */
export type ProposedVisitor = {
  userId: string
  name: string
  dbs?: DbsCheck
  trainings: readonly TrainingRecord[]
  mobile?: string
}

export type StaffingCode =
  | 'team_empty'
  | 'visitor_listed_twice'
  | 'lone_visit_not_allowed'
  | 'lone_visit_needs_decision'
  | 'lone_visit_risk_assessment_missing'
  | 'pairs_advised'
  | 'team_too_small'
  | 'team_training_missing'
  | 'dbs_missing'
  | 'dbs_level_too_low'
  | 'dbs_barred_list_missing'
  | 'dbs_recheck_due'
  | 'training_missing'
  | 'training_expired'
  | 'mobile_missing'

/** One finding: who (when it is about one person), and a sentence saying why and what to do. */
export type StaffingMessage = { code: StaffingCode; userId?: string; text: string }
/** Blocks stop the visit being planned with this team; warnings are shown and the visit may go ahead. */
export type StaffingCheck = { blocks: StaffingMessage[]; warnings: StaffingMessage[] }

export type ProposedTeam = {
  staff: readonly ProposedVisitor[]
  /** The policy's named approver has decided this lone visit is safe (R-STAFF-2). */
  loneApproved?: boolean
  loneRiskAssessmentCompleted?: boolean
  at: Date
}

const dbsRank: Record<DbsLevel, number> = { basic: 1, standard: 2, enhanced: 3 }

/** R-STAFF-1..5, R-CONTACT-1: may this team make the visit? */
export function checkStaffing(policy: Policy, team: ProposedTeam): StaffingCheck {
  const result: StaffingCheck = { blocks: [], warnings: [] }
  add(result, checkTeamSize(policy, team))
  add(result, checkDuplicates(team.staff))
  for (const person of team.staff) add(result, checkVisitorEligibility(policy, person, team.at))
  add(result, checkTeamTraining(policy, team))
  return result
}

/** R-STAFF-4, R-STAFF-5, R-CONTACT-1: may this person go on a visit at all? */
export function checkVisitorEligibility(policy: Policy, person: ProposedVisitor, at: Date): StaffingCheck {
  const result: StaffingCheck = { blocks: [], warnings: [] }
  result.blocks.push(...dbsProblems(policy, person))
  add(result, dbsRecheckProblems(policy, person, londonDate(at)))
  add(result, trainingProblems(policy, person, londonDate(at)))
  if (policy.staffing.mobileNumberRequired && !person.mobile?.trim()) {
    result.blocks.push({
      code: 'mobile_missing',
      userId: person.userId,
      text: `No mobile number is held for ${person.name}. Add it to their staff record so the school office can reach them during the visit.`,
    })
  }
  return result
}

function checkTeamSize(policy: Policy, team: ProposedTeam): StaffingCheck {
  const { minimumStaff, loneVisits } = policy.staffing
  const result: StaffingCheck = { blocks: [], warnings: [] }
  const count = new Set(team.staff.map((person) => person.userId)).size
  const only = team.staff[0]
  if (count === 0 || only === undefined) {
    result.blocks.push({ code: 'team_empty', text: 'Add the staff who will make this visit.' })
    return result
  }
  if (count >= minimumStaff) return result
  if (count > 1) {
    result.blocks.push({
      code: 'team_too_small',
      text: `This policy needs at least ${minimumStaff} staff on a visit, and this visit has ${count}. Add ${minimumStaff - count} more.`,
    })
    return result
  }
  if (!loneVisits.allowed) {
    result.blocks.push({
      code: 'lone_visit_not_allowed',
      userId: only.userId,
      text: `This policy does not allow lone visits: at least ${minimumStaff} staff go on every visit, and only ${only.name} is on this one. Add a second member of staff.`,
    })
    return result
  }
  if (loneVisits.approverRoles === null) {
    result.warnings.push({
      code: 'pairs_advised',
      userId: only.userId,
      text: `${minimumStaff} staff are advised for every visit, and ${only.name} would be visiting alone. Add a second member of staff if you can.`,
    })
  } else if (!team.loneApproved) {
    result.blocks.push({
      code: 'lone_visit_needs_decision',
      userId: only.userId,
      text: `${only.name} would be visiting alone. A lone visit needs ${describeRoles(loneVisits.approverRoles)} to decide that it is safe and appropriate. Ask for that decision, or add a second member of staff.`,
    })
  }
  if (loneVisits.riskAssessmentRequired && !team.loneRiskAssessmentCompleted) {
    result.blocks.push({
      code: 'lone_visit_risk_assessment_missing',
      userId: only.userId,
      text: `A lone visit needs its own lone-working risk assessment. Complete it for ${only.name}'s visit before it goes ahead.`,
    })
  }
  return result
}

function checkDuplicates(staff: readonly ProposedVisitor[]): StaffingCheck {
  const seen = new Set<string>()
  const blocks: StaffingMessage[] = []
  for (const person of staff) {
    if (seen.has(person.userId)) {
      blocks.push({ code: 'visitor_listed_twice', userId: person.userId, text: `${person.name} is listed twice on this visit. Remove one of the entries.` })
    }
    seen.add(person.userId)
  }
  return { blocks, warnings: [] }
}

function dbsProblems(policy: Policy, person: ProposedVisitor): StaffingMessage[] {
  const rule = policy.training.dbs
  const needed = `${article(rule.level)} ${rule.level} DBS check${rule.barredListCheck ? ' with a barred list check' : ''}`
  const { dbs } = person
  if (!dbs) {
    return [{ code: 'dbs_missing', userId: person.userId, text: `${person.name} has no DBS check on record. Record ${needed} before assigning them to a visit.` }]
  }
  const problems: StaffingMessage[] = []
  if (dbsRank[dbs.level] < dbsRank[rule.level]) {
    problems.push({
      code: 'dbs_level_too_low',
      userId: person.userId,
      text: `${person.name}'s DBS check is ${dbs.level}, and this policy needs ${needed}. Record the ${rule.level} check before assigning them to a visit.`,
    })
  }
  if (rule.barredListCheck && !dbs.barredListChecked) {
    problems.push({
      code: 'dbs_barred_list_missing',
      userId: person.userId,
      text: `${person.name}'s DBS check has no barred list check, and this policy needs one. Record the barred list check before assigning them to a visit.`,
    })
  }
  return problems
}

/**
 * Issue 10 point 14: the day a DBS check is due to be renewed under the policy (YYYY-MM-DD), or null when it never
 * falls due: the policy sets no re-check, or the person is on the DBS Update Service.
 */
export function dbsRecheckDueOn(policy: Pick<Policy, 'training'>, dbs: Pick<DbsCheck, 'issuedOn' | 'updateService'>): string | null {
  const years = policy.training.dbs.recheck?.everyYears
  if (years === undefined || dbs.updateService) return null
  const [y, m, d] = dbs.issuedOn.split('-').map(Number) as [number, number, number]
  const due = new Date(Date.UTC(y + years, m - 1, d))
  if (due.getUTCMonth() !== m - 1) due.setUTCDate(0) // 29 February: the 28th
  return due.toISOString().slice(0, 10)
}

/** An overdue re-check (due before today) warns or blocks, as the policy says. */
function dbsRecheckProblems(policy: Policy, person: ProposedVisitor, today: string): StaffingCheck {
  const result: StaffingCheck = { blocks: [], warnings: [] }
  const due = person.dbs ? dbsRecheckDueOn(policy, person.dbs) : null
  if (!person.dbs || due === null || due >= today) return result
  const years = policy.training.dbs.recheck?.everyYears
  const why = `${person.name}'s DBS check was issued on ${formatDate(person.dbs.issuedOn)} and was due to be renewed on ${formatDate(due)}: this policy renews it every ${years === 1 ? 'year' : `${years} years`}.`
  if (policy.training.dbs.recheck?.overdue === 'block') {
    result.blocks.push({ code: 'dbs_recheck_due', userId: person.userId, text: `${why} Record the new check before assigning them to a visit.` })
  } else {
    result.warnings.push({ code: 'dbs_recheck_due', userId: person.userId, text: `${why} They may still go; arrange the re-check.` })
  }
  return result
}

function trainingProblems(policy: Policy, person: ProposedVisitor, today: string): StaffingCheck {
  const result: StaffingCheck = { blocks: [], warnings: [] }
  for (const requirement of policy.training.everyVisitor) {
    const label = trainingLabel(policy, requirement.trainingId)
    const latest = latestCompletion(person.trainings, requirement.trainingId, today)
    if (latest && isCurrent(latest, today)) continue
    const must = requirement.enforcement === 'block'
    const list = must ? result.blocks : result.warnings
    const consequence = must ? 'Every visitor must have it. Record the training, or choose someone else for this visit.' : 'Visitors should have it; they may still go. Arrange the training.'
    list.push(
      latest?.expiresOn
        ? { code: 'training_expired', userId: person.userId, text: `${person.name}'s training ${label} expired on ${formatDate(latest.expiresOn)}. ${consequence}` }
        : { code: 'training_missing', userId: person.userId, text: `${person.name} has no record of the training ${label}. ${consequence}` },
    )
  }
  return result
}

function checkTeamTraining(policy: Policy, team: ProposedTeam): StaffingCheck {
  const result: StaffingCheck = { blocks: [], warnings: [] }
  if (team.staff.length === 0) return result
  const today = londonDate(team.at)
  for (const requirement of policy.training.atLeastOneVisitor) {
    const trained = team.staff.some((person) => {
      const latest = latestCompletion(person.trainings, requirement.trainingId, today)
      return latest !== undefined && isCurrent(latest, today)
    })
    if (trained) continue
    const label = trainingLabel(policy, requirement.trainingId)
    if (requirement.enforcement === 'block') {
      result.blocks.push({
        code: 'team_training_missing',
        text: `At least one visitor must have the training ${label}, and nobody on this visit has it. Add someone who has it.`,
      })
    } else {
      result.warnings.push({
        code: 'team_training_missing',
        text: `Where possible, at least one visitor should have the training ${label}, and nobody on this visit has it. Add someone who has it if you can.`,
      })
    }
  }
  return result
}

/** The most recent completion of a training up to today decides whether it is valid (a later course replaces an earlier one). */
function latestCompletion(trainings: readonly TrainingRecord[], trainingId: string, today: string): TrainingRecord | undefined {
  return trainings
    .filter((record) => record.trainingId === trainingId && record.completedOn <= today)
    .sort((a, b) => a.completedOn.localeCompare(b.completedOn))
    .at(-1)
}

function isCurrent(record: TrainingRecord, today: string): boolean {
  return record.expiresOn === undefined || record.expiresOn >= today
}

function trainingLabel(policy: Policy, trainingId: string): string {
  const label = policy.training.trainings.find((course) => course.id === trainingId)?.label ?? trainingId
  return `"${label}"`
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a'
}

function add(into: StaffingCheck, from: StaffingCheck): void {
  into.blocks.push(...from.blocks)
  into.warnings.push(...from.warnings)
}
