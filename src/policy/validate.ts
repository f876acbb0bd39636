import type { z } from 'zod'
import { policySchemaFor, type Policy } from './schema.ts'

export type PolicyError = { path: string; message: string }
export type PolicyValidation = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] }

/**
 * Checks a policy from a form, a file or the API. Errors carry a dotted path into the policy
 * (e.g. `staffing.minimumStaff`) so a form can link each message to its field.
 * `today` (YYYY-MM-DD, Europe/London, from the caller's clock) dates the review check.
 */
export function validatePolicy(input: unknown, opts: { today: string }): PolicyValidation {
  const today = opts.today
  const result = policySchemaFor(today).safeParse(input, { reportInput: true })
  if (result.success) return { ok: true, policy: result.data }
  return { ok: false, errors: result.error.issues.map(toPolicyError) }
}

/** Field names as a member of staff would say them; the rest are spelt out from the setting's name. */
const fieldNames: Record<string, string> = {
  checkIns: 'Check-ins',
  steps: 'Escalation steps',
  start: 'Start time',
  end: 'End time',
  riskAssessment: 'Risk assessment',
  approverRoles: 'Approver roles',
  approverMayBeOnVisit: 'Whether an approver may approve a visit they are on',
  minimumStaff: 'Minimum staff',
  mobileNumberRequired: 'Whether a mobile number is required',
  adminsMayGrantSafeguardingRoles: 'Whether school admins may give safeguarding roles',
  dbs: 'DBS check',
  recheck: 'DBS re-check',
  everyYears: 'Years until a DBS check is renewed',
  overdue: 'Whether an overdue DBS re-check warns or blocks',
  graceMinutes: 'Grace period in minutes',
  reminderMinutesBefore: 'Reminder, in minutes before the check-in',
  repeatEveryMinutes: 'Check-in interval in minutes',
  minutesAfter: 'First check, in minutes after the start',
  delayMinutes: 'Delay in minutes',
  realertEveryMinutes: 'Re-alert interval in minutes',
  parentsNotPresentMinutes: 'Minutes to wait for parents who are not at home',
  parentsRunningLateMinutes: 'Minutes to wait for parents who are running late',
  completeWithinHours: 'Hours to complete the record',
  cpomsExportRequired: 'CPOMS export',
  belowPercent: 'Attendance threshold in per cent',
  windowMonths: 'Attendance period in months',
  cycleMonths: 'Review cycle in months',
  nextReviewDate: 'Next review date',
  lastReviewedOn: 'Last reviewed on',
  effectiveFrom: 'Effective from',
  badgeRule: 'Identification rule',
  outOfHoursOfficeReplacedBy: 'Who replaces the school office out of hours',
}

function toPolicyError(issue: z.core.$ZodIssue): PolicyError {
  const path = issue.path.map(String).join('.')
  return { path, message: issue.code === 'custom' ? issue.message : describeIssue(issue) }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = fieldName(issue.path)
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${field} is missing.`
      return `${field} must be ${expectedPhrase(issue.expected)}.`
    case 'too_small':
      if (issue.origin === 'array') return `${field} must include at least ${issue.minimum}.`
      if (issue.origin === 'string') return `${field} cannot be empty.`
      return `${field} must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}.`
    case 'too_big':
      return `${field} must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}.`
    case 'invalid_format':
      return `${field} ${formatPhrase(issue)}.`
    case 'invalid_value':
      return `${field} must be one of: ${issue.values.map(String).join(', ')}.`
    case 'unrecognized_keys':
      return `${issue.keys.map((key) => `"${key}"`).join(', ')} ${issue.keys.length === 1 ? 'is not a setting' : 'are not settings'}${issue.path.length ? ` of ${fieldName(issue.path).toLowerCase()}` : ''}. Check the spelling.`
    case 'invalid_union':
      return `${field} is not valid: say whether it is allowed (true or false) and fill in the settings that go with it.`
    default:
      return `${field}: ${issue.message}`
  }
}

function expectedPhrase(expected: string): string {
  const phrases: Record<string, string> = {
    number: 'a number',
    int: 'a whole number',
    string: 'text',
    boolean: 'yes or no (true or false)',
    array: 'a list',
    object: 'a group of settings',
    record: 'a group of settings',
  }
  return Object.hasOwn(phrases, expected) ? phrases[expected]! : `a ${expected}`
}

function formatPhrase(issue: z.core.$ZodIssueInvalidStringFormat): string {
  if (issue.format === 'date') return 'must be a real date written as YYYY-MM-DD, for example 2025-09-01'
  if (issue.pattern?.includes(':')) return 'must be a time on the 24-hour clock, for example 08:30'
  return 'must use lower-case letters, digits and underscores only, starting with a letter'
}

/** "staffing.loneVisits.approverRoles" → "Approver roles"; "escalation.steps.1.roles" → "Roles (step 2)". */
function fieldName(path: readonly PropertyKey[]): string {
  const keys = path.filter((part): part is string => typeof part === 'string')
  const last = keys[keys.length - 1]
  if (last === undefined) return 'The policy'
  // A key inside `sources` is the caller's own: only our names count, not Object's built-ins (`toString`).
  const name = Object.hasOwn(fieldNames, last) ? fieldNames[last]! : spellOut(last)
  const indexAt = lastNumberAt(path)
  const index = path[indexAt]
  const list = path[indexAt - 1]
  if (typeof index !== 'number' || typeof list !== 'string') return name
  return `${name} (${singular(spellOut(list).toLowerCase())} ${index + 1})`
}

function lastNumberAt(path: readonly PropertyKey[]): number {
  for (let at = path.length - 1; at >= 0; at--) if (typeof path[at] === 'number') return at
  return -1
}

function spellOut(key: string): string {
  const words = key.replace(/([A-Z])/g, ' $1').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function singular(word: string): string {
  return word.endsWith('s') ? word.slice(0, -1) : word
}
