import { isDeepStrictEqual } from 'node:util'
import { formatDate } from '../domain/dates.ts'
import { isSchoolRole, roleLabels } from '../domain/roles.ts'
import type { DocumentBlock, PolicyDocument } from './document.ts'
import { escalationActions, riskAssessmentFields, type Policy, type PolicySource } from './schema.ts'

/**
 * Policy settings as people read them: each with a label ("Escalation › Step 2 › Who is alerted")
 * and a value in words ("Headteacher, School office"). Used to compare versions, to list the
 * source of each setting, and to mark the sources of settings a school changed (R-GOV-1).
 *
 * A list of plain values (roles, what a risk assessment covers, reminders) is one setting; a list
 * of records (purposes, escalation steps) gives one setting per field of each record. Internal
 * ids of records are left out: their wording says what they are.
 */
export type Setting = { path: string; label: string; value: string }

/** The parts of a policy a school does not set: version and date are given when a version is published. */
const publishedFields = new Set(['version', 'effectiveFrom'])

export function policySettings(policy: Policy): Setting[] {
  const { sources: _sources, ...settings } = policy
  const result: Setting[] = []
  const visit = (value: unknown, path: string[]) => {
    const last = path.at(-1) ?? ''
    const isItem = /^\d+$/.test(last)
    if (Array.isArray(value) && value.some((item) => item !== null && typeof item === 'object')) {
      value.forEach((item, index) => visit(item, [...path, String(index)]))
      return
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'id' && isItem) continue
        visit(item, [...path, key])
      }
      return
    }
    const dotted = path.join('.')
    result.push({ path: dotted, label: settingLabel(dotted), value: describeValue(policy, dotted, value) })
  }
  visit(settings, [])
  return result
}

export type SettingChange = { path: string; label: string; before: string | undefined; after: string | undefined }

/** Settings that differ between two policies, in the order of the newer one (removed settings after their neighbours). */
export function changedSettings(before: Policy, after: Policy): SettingChange[] {
  const old = new Map(policySettings(before).map((setting) => [setting.path, setting]))
  const now = policySettings(after)
  const changes: SettingChange[] = []
  const seen = new Set<string>()
  for (const setting of now) {
    seen.add(setting.path)
    if (publishedFields.has(setting.path)) continue
    const previous = old.get(setting.path)
    if (previous?.value !== setting.value) changes.push({ path: setting.path, label: setting.label, before: previous?.value, after: setting.value })
  }
  for (const [path, setting] of old) {
    if (!seen.has(path) && !publishedFields.has(path)) changes.push({ path, label: setting.label, before: setting.value, after: undefined })
  }
  return changes
}

/**
 * The sources of a changed policy (R-GOV-1, docs/decisions/0003, 0007): a setting whose value changed
 * no longer rests on the written policy's words, so its source becomes the school's own edit, written
 * here. Sources are never taken from `next` (a policy sent over the API could claim any quote): they are
 * `base`'s, with the changed settings marked and the sources of settings that no longer exist dropped.
 */
export function markChangedSources(base: Policy, next: Policy, edit: { schoolName: string; editorName: string; date: string }): Policy['sources'] {
  const edited: PolicySource = {
    policy: `${edit.schoolName} (edited)`,
    section: 'Doorstep',
    basis: 'stated',
    note: `changed by ${edit.editorName} on ${formatDate(edit.date)}`,
  }
  const sources = { ...base.sources }
  for (const change of changedSettings(base, next)) {
    const target = change.after === undefined ? nearestExisting(next, change.path) : change.path
    if (target) sources[target] = edited
  }
  for (const path of ['version', 'effectiveFrom']) {
    if (!isDeepStrictEqual(valueAt(base, path), valueAt(next, path))) sources[path] = edited
  }
  for (const key of Object.keys(sources)) if (valueAt(next, key) === undefined) delete sources[key]
  return sources
}

function nearestExisting(policy: Policy, path: string): string | undefined {
  const parts = path.split('.')
  for (let length = parts.length - 1; length > 0; length--) {
    const key = parts.slice(0, length).join('.')
    if (valueAt(policy, key) !== undefined) return key
  }
  return undefined
}

/** The value at a dotted path, or undefined when there is none. */
export function valueAt(policy: unknown, path: string): unknown {
  let value: unknown = policy
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

// ---------------------------------------------------------------------------------------------------------------
// Labels and values in words

const sectionLabels: Record<string, string> = {
  title: 'Title',
  version: 'Version',
  effectiveFrom: 'In effect from',
  purposes: 'Purposes',
  approval: 'Approval',
  riskAssessment: 'Risk assessment',
  staffing: 'Staffing',
  training: 'Training and vetting',
  notice: 'Notice to parents',
  family: 'Families',
  hours: 'Hours',
  itinerary: 'Itinerary',
  checkIns: 'Check-ins',
  escalation: 'Escalation',
  waits: 'Waits',
  identity: 'Identification',
  vehicles: 'Vehicles',
  records: 'Records',
  reporting: 'Reporting',
  attendance: 'Attendance',
  review: 'Review',
  tutoring: 'Tutoring',
  reminders: 'Reminders',
}

/** Labels of a setting by its path with list positions left out; these win over `keyLabels`. */
const pathLabels: Record<string, string> = {
  'approval.approverRoles': 'Who approves visits',
  'staffing.loneVisits.approverRoles': 'Who decides a lone visit is safe',
  'hours.outOfHours.approverRoles': 'Who approves a visit out of hours',
  'approval.byPurpose.approverRoles': 'Who approves',
  'riskAssessment.standingAssessment.name': 'Name',
  'staffing.loneVisits.allowed': 'Allowed',
  'hours.outOfHours.allowed': 'Allowed',
  'purposes.label': 'Wording',
  'training.trainings.label': 'Name',
  'notice.exceptions.label': 'Wording',
}

const keyLabels: Record<string, string> = {
  byPurpose: 'Approver for a purpose',
  approverMayBeOnVisit: 'An approver may approve a visit they are going on',
  form: 'Form',
  requiredFields: 'What it covers',
  completedBy: 'Completed by',
  signedOffBy: 'Signed off by',
  reopenOnNewRisks: 'Re-opened when new risks come to light',
  policeAccompanimentCanBeRequested: 'May ask for police accompaniment',
  standingAssessment: 'Standing risk assessment',
  updateAfterVisits: 'Updated after visits',
  minimumStaff: 'Minimum staff on a visit',
  loneVisits: 'Lone visits',
  riskAssessmentRequired: 'Needs its own lone-working risk assessment',
  mobileNumberRequired: "Visitors' mobile numbers held",
  adminsMayGrantSafeguardingRoles: 'School admins may give safeguarding roles',
  trainings: 'Training',
  everyVisitor: 'Every visitor needs',
  atLeastOneVisitor: 'At least one visitor needs',
  trainingId: 'Training',
  enforcement: 'If missing',
  dbs: 'DBS check',
  level: 'Level',
  barredListCheck: 'Barred list check',
  recheck: 'DBS re-check',
  everyYears: 'Every (years)',
  overdue: 'When overdue',
  required: 'Parents told in advance',
  choiceOfTimes: 'Parents offered a choice of times',
  exceptions: 'Visit without notice when',
  mayDeclineVisits: 'Families may decline visits',
  kind: 'Visits take place in',
  week: 'Week',
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
  start: 'Start',
  end: 'End',
  outOfHours: 'Out of hours',
  responsibleContactRequired: 'A responsible contact monitors instead of the office',
  codeWordRequired: 'Code word agreed',
  contingencyPlanRequired: 'Contingency plan recorded',
  calendarDetail: 'Calendar feeds show',
  monitoredBy: 'Monitored by',
  initiatedBy: 'Made by',
  atLeavingSchool: 'On leaving school',
  atArrival: 'On arrival',
  firstCheck: 'First check',
  minutesAfter: 'Minutes after',
  from: 'Counted from',
  repeatEveryMinutes: 'Every (minutes)',
  atEnd: 'When the visit ends',
  atReturn: 'On return to school',
  reminderMinutesBefore: 'Reminder (minutes before)',
  graceMinutes: 'Missed after (minutes)',
  steps: 'Step',
  roles: 'Who is alerted',
  action: 'To',
  delayMinutes: 'After (minutes)',
  realertEveryMinutes: 'Alert again every (minutes)',
  outOfHoursOfficeReplacedBy: 'Out of hours, the office is replaced by',
  parentsNotPresentMinutes: 'Wait for parents not at home (minutes)',
  parentsRunningLateMinutes: 'Wait for parents running late (minutes)',
  badgeRule: 'How identification is carried',
  businessInsuranceRequired: 'Business-use insurance required',
  approvedVehiclesOnly: 'School-approved vehicles only',
  completeWithinHours: 'Record completed within (hours)',
  cpomsExportRequired: 'Exported to CPOMS',
  safeguardingConcernsTo: 'Safeguarding concerns go to',
  incidentsTo: 'Incidents go to',
  cancellationReasonsTo: 'Cancellation reasons go to',
  localAuthorityReferral: 'Local authority notified',
  belowPercent: 'Attendance below (per cent)',
  fallingTrend: 'Attendance keeps falling',
  windowMonths: 'Over (months)',
  agreementReminderLetters: 'Reminder letters when agreements are not kept',
  followUpVisitOnContinuedFailure: 'Follow-up visit on continued failure',
  cycleMonths: 'Every (months)',
  lastReviewedOn: 'Last reviewed on',
  nextReviewDate: 'Next review due by',
  reviewerRoles: 'Reviewed by',
  appropriateAdultPresent: 'An appropriate adult present',
  bedroomOnlyIfNoAlternative: 'Not in a bedroom unless there is no alternative',
  doorKeptOpen: 'Door kept open',
  parentsToldOfScheduleChanges: 'Parents told of changes',
  misbehaviourRecorded: 'Misbehaviour recorded',
  briefing: 'Briefing before visitors leave',
  label: 'Wording',
  name: 'Name',
}

const itemLabels: Record<string, string> = {
  purposes: 'Purpose',
  byPurpose: 'Approver for a purpose',
  trainings: 'Training',
  everyVisitor: 'Every visitor needs',
  atLeastOneVisitor: 'At least one visitor needs',
  exceptions: 'Exception',
  steps: 'Step',
}

/** "escalation.steps.1.roles" → "Escalation › Step 2 › Who is alerted". */
export function settingLabel(path: string): string {
  const parts = path.split('.')
  const [section = '', ...rest] = parts
  const labels = [sectionLabels[section] ?? spellOut(section)]
  const withoutIndexes = (upTo: number) => parts.slice(0, upTo + 1).filter((part) => !/^\d+$/.test(part)).join('.')
  rest.forEach((part, at) => {
    const index = at + 1
    if (/^\d+$/.test(part)) {
      const list = parts[index - 1] ?? ''
      labels.pop()
      labels.push(`${itemLabels[list] ?? spellOut(list)} ${Number(part) + 1}`)
      return
    }
    labels.push(pathLabels[withoutIndexes(index)] ?? keyLabels[part] ?? spellOut(part))
  })
  if (labels.length > 1 && labels[0] === labels[1]) labels.shift()
  return labels.join(' › ')
}

const roleLists = new Set([
  'approverRoles',
  'completedBy',
  'signedOffBy',
  'monitoredBy',
  'roles',
  'safeguardingConcernsTo',
  'incidentsTo',
  'cancellationReasonsTo',
  'reviewerRoles',
])

const enumWords: Record<string, Record<string, string>> = {
  form: { written: 'A written risk assessment', dynamic: 'A dynamic risk assessment', discussion: 'A risk assessment discussion' },
  initiatedBy: { office: 'The school office (it calls the visitors)', visitor: 'The visitors' },
  from: { scheduled_start: 'The scheduled start', arrival: 'Arrival' },
  enforcement: { block: 'Cannot be assigned (blocks)', warn: 'Doorstep warns' },
  kind: { school: 'School hours', working: 'Working hours' },
  level: { basic: 'Basic', standard: 'Standard', enhanced: 'Enhanced' },
  calendarDetail: { minimal: "The pupils' initials and the first part of the postcode", full: "The pupils' names and the full address" },
}

function describeValue(policy: Policy, path: string, value: unknown): string {
  const key = path.split('.').filter((part) => !/^\d+$/.test(part)).at(-1) ?? ''
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  if (Array.isArray(value)) {
    if (value.length === 0) return 'None'
    if (roleLists.has(key)) return value.map((role: string) => (isSchoolRole(role) ? roleLabels[role] : role)).join(', ')
    if (key === 'requiredFields') return value.map((field: string) => capitalise(riskAssessmentFields[field as keyof typeof riskAssessmentFields] ?? field)).join('; ')
    return value.map(String).join('; ')
  }
  if (typeof value === 'string') {
    if (key === 'action') return capitalise(escalationActions[value as keyof typeof escalationActions] ?? value)
    if (key === 'purposeId') return policy.purposes.find((purpose) => purpose.id === value)?.label ?? value
    if (key === 'trainingId') return policy.training.trainings.find((course) => course.id === value)?.label ?? value
    if (key === 'outOfHoursOfficeReplacedBy') return value === 'responsible_contact' ? "The visit's responsible contact" : isSchoolRole(value) ? roleLabels[value] : value
    const words = enumWords[key]?.[value]
    if (words) return words
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value)
    return value
  }
  return String(value)
}

function spellOut(key: string): string {
  const words = key.replace(/([A-Z])/g, ' $1').toLowerCase()
  return capitalise(words)
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// ---------------------------------------------------------------------------------------------------------------
// The document, paragraph by paragraph

export type DocumentChange = { section: string; removed: string[]; added: string[] }

/** The paragraphs (and list items) of the document that differ, by section (R-GOV-1). The subtitle (version, date) is left out. */
export function changedParagraphs(before: PolicyDocument, after: PolicyDocument): DocumentChange[] {
  const headings = [...new Set([...after.sections.map((s) => s.heading), ...before.sections.map((s) => s.heading)])]
  const linesOf = (doc: PolicyDocument, heading: string) => doc.sections.find((s) => s.heading === heading)?.blocks.flatMap(blockLines) ?? []
  const changes: DocumentChange[] = []
  for (const heading of headings) {
    const { removed, added } = lineDiff(linesOf(before, heading), linesOf(after, heading))
    if (removed.length || added.length) changes.push({ section: heading, removed, added })
  }
  return changes
}

function blockLines(block: DocumentBlock): string[] {
  if (block.kind === 'paragraph') return [block.text]
  return block.items.map((item, index) => (block.kind === 'steps' ? `${index + 1}. ${item}` : `• ${item}`))
}

/** Lines only in `a` and lines only in `b`, by longest common subsequence. */
function lineDiff(a: string[], b: string[]): { removed: string[]; added: string[] } {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
    }
  }
  const removed: string[] = []
  const added: string[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++
      j++
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) removed.push(a[i++]!)
    else added.push(b[j++]!)
  }
  removed.push(...a.slice(i))
  added.push(...b.slice(j))
  return { removed, added }
}
