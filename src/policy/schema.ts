import { z } from 'zod'
import { schoolRoles } from '../domain/roles.ts'

/**
 * A school's home-visit policy as data (R-GOV-1). Every "Setting" column of REQUIREMENTS.md is a field here;
 * the rules in src/domain read these fields and the policy document is written from them.
 * Objects are strict, so a misspelt setting is an error rather than silently ignored.
 */

export const roleSchema = z.enum(schoolRoles)
const roles = z.array(roleSchema)
const idSchema = z.string().regex(/^[a-z][a-z0-9_]*$/)
const label = z.string().trim().min(1)
const isoDate = z.iso.date()
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/)
const minutes = z.int()
const enforcement = z.enum(['block', 'warn'])

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const
export type Weekday = (typeof weekdays)[number]

/** The facts a risk assessment records (R-RISK-1). */
export const riskAssessmentFields = {
  family_risks: 'known risks related to the family',
  location_risks: 'risks related to the location and the area',
  timing_risks: 'risks related to the timing of the visit',
  aggression_history: 'any history of aggression or violence',
  animals: 'animals at the address',
  medical_needs: 'medical needs',
  cultural_sensitivities: 'cultural or religious sensitivities',
  other_professionals: 'information from other professionals involved with the family',
  exit_routes: 'exit routes',
} as const
export type RiskAssessmentField = keyof typeof riskAssessmentFields
const riskFieldIds = Object.keys(riskAssessmentFields) as [RiskAssessmentField, ...RiskAssessmentField[]]

export const escalationActions = {
  phone_visitors: 'try to reach each visitor by phone',
  decide: 'decide what to do next',
  consider_police: 'consider contacting the police',
  call_police: 'contact the police',
} as const
export type EscalationAction = keyof typeof escalationActions
const escalationActionIds = Object.keys(escalationActions) as [EscalationAction, ...EscalationAction[]]

/** How much a calendar feed event says about a visit (R-ITIN-1, R-CONF-1). */
export const calendarDetails = ['minimal', 'full'] as const
export type CalendarDetail = (typeof calendarDetails)[number]

/** Where a setting comes from, so a reviewer can check it against the written policy. */
export const sourceSchema = z.strictObject({
  /** The written policy cited, e.g. "Harton Academy Home Visits Policy, February 2024". */
  policy: label,
  /** Section or heading in that policy; "not stated" for a Doorstep default. */
  section: label,
  /** stated: the policy says so; interpreted: read from the policy's words (see note); default: the policy is silent. */
  basis: z.enum(['stated', 'interpreted', 'default']),
  /** The policy's own words, copied exactly. */
  quote: z.string().optional(),
  note: z.string().optional(),
})
export type PolicySource = z.infer<typeof sourceSchema>

const dayHours = z.strictObject({ start: clockTime, end: clockTime })

const loneVisits = z.discriminatedUnion('allowed', [
  z.strictObject({ allowed: z.literal(false) }),
  z.strictObject({
    allowed: z.literal(true),
    /** Who decides that a lone visit is safe; null when no separate decision is needed (pairs only advised). */
    approverRoles: roles.nullable(),
    /** A lone visit needs its own lone-working risk assessment (R-STAFF-2). */
    riskAssessmentRequired: z.boolean(),
  }),
])

const outOfHours = z.discriminatedUnion('allowed', [
  z.strictObject({ allowed: z.literal(false) }),
  z.strictObject({
    allowed: z.literal(true),
    approverRoles: roles,
    /** A named responsible contact monitors the visit instead of the office (R-HOURS-1). */
    responsibleContactRequired: z.boolean(),
  }),
])

const trainingRequirement = z.strictObject({ trainingId: idSchema, enforcement })

const escalationStep = z.strictObject({
  id: idSchema,
  roles,
  action: z.enum(escalationActionIds),
  /** Minutes after the previous step (for the first step: after the check-in or return became overdue). */
  delayMinutes: minutes,
  /** While nobody acknowledges this step, alert again this often. */
  realertEveryMinutes: minutes,
})

const policyShape = z.strictObject({
  title: label,
  version: z.int().min(1),
  effectiveFrom: isoDate,

  /** R-PURPOSE-1: the purposes a visit may be planned for. A free-text note is always recorded with them. */
  purposes: z.array(z.strictObject({ id: idSchema, label })),

  /** R-APPROVE-1. Out-of-hours approval is under `hours`, lone-visit approval under `staffing`. */
  approval: z.strictObject({
    approverRoles: roles,
    byPurpose: z.array(z.strictObject({ purposeId: idSchema, approverRoles: roles })),
    approverMayBeOnVisit: z.boolean(),
  }),

  /** R-RISK-1..4. */
  riskAssessment: z.strictObject({
    form: z.enum(['written', 'dynamic', 'discussion']),
    requiredFields: z.array(z.enum(riskFieldIds)),
    completedBy: roles,
    signedOffBy: roles,
    reopenOnNewRisks: z.boolean(),
    policeAccompanimentCanBeRequested: z.boolean(),
    standingAssessment: z.strictObject({ name: label, updateAfterVisits: z.boolean() }).nullable(),
  }),

  /** R-STAFF-1, R-STAFF-2, R-CONTACT-1. */
  staffing: z.strictObject({
    minimumStaff: z.int().min(1).max(6),
    loneVisits,
    mobileNumberRequired: z.boolean(),
    /**
     * R-CONF-1: whether a school admin, as well as the headteacher, may give or take away the
     * safeguarding roles (domain/roles.ts `safeguardingRoles`). Versions stored before the setting
     * existed read as false.
     */
    adminsMayGrantSafeguardingRoles: z.boolean().default(false),
  }),

  /** R-STAFF-3..5. */
  training: z.strictObject({
    trainings: z.array(z.strictObject({ id: idSchema, label })),
    everyVisitor: z.array(trainingRequirement),
    atLeastOneVisitor: z.array(trainingRequirement),
    dbs: z.strictObject({
      level: z.enum(['basic', 'standard', 'enhanced']),
      barredListCheck: z.boolean(),
      /**
       * Issue 10 point 14: a certificate not on the DBS Update Service is renewed `everyYears` after issue, and an
       * overdue re-check warns or blocks assigning the person to a visit; null: a check is never renewed.
       */
      recheck: z.strictObject({ everyYears: z.int().min(1).max(10), overdue: z.enum(['warn', 'block']) }).nullable().default(null),
    }),
  }),

  /** R-NOTICE-1. */
  notice: z.strictObject({
    required: z.boolean(),
    choiceOfTimes: z.boolean(),
    exceptions: z.array(z.strictObject({ id: idSchema, label })),
  }),

  /** R-NOTICE-2. */
  family: z.strictObject({ mayDeclineVisits: z.boolean() }),

  /** R-HOURS-1. Times are Europe/London local time; a null day has no visits in hours. */
  hours: z.strictObject({
    kind: z.enum(['school', 'working']),
    week: z.strictObject({
      monday: dayHours.nullable(),
      tuesday: dayHours.nullable(),
      wednesday: dayHours.nullable(),
      thursday: dayHours.nullable(),
      friday: dayHours.nullable(),
      saturday: dayHours.nullable(),
      sunday: dayHours.nullable(),
    }),
    outOfHours,
  }),

  /** R-ITIN-1, R-ITIN-2, R-ITIN-3. */
  itinerary: z.strictObject({
    codeWordRequired: z.boolean(),
    contingencyPlanRequired: z.boolean(),
    /**
     * R-ITIN-1, R-CONF-1: what a calendar feed's events say (docs/decisions/0013). Feeds go to outside calendar
     * services: 'minimal' names pupils by their initials and gives the postcode's first part ("W6"); 'full' gives
     * their names and the address. Versions published before this setting have none: they read as 'minimal'.
     */
    calendarDetail: z.enum(calendarDetails).default('minimal'),
  }),

  /** R-CHECK-1..3, R-SIGN-1. */
  checkIns: z.strictObject({
    monitoredBy: roles,
    /** Who makes the routine check-ins (arrival, every interval, end, return). */
    initiatedBy: z.enum(['office', 'visitor']),
    atLeavingSchool: z.boolean(),
    atArrival: z.boolean(),
    /** A first check a fixed time into the visit, e.g. Westside's office call ten minutes after the start. */
    firstCheck: z
      .strictObject({
        minutesAfter: minutes,
        from: z.enum(['scheduled_start', 'arrival']),
        initiatedBy: z.enum(['office', 'visitor']),
      })
      .nullable(),
    repeatEveryMinutes: minutes.nullable(),
    atEnd: z.boolean(),
    atReturn: z.boolean(),
    reminderMinutesBefore: minutes,
    graceMinutes: minutes,
  }),

  /** R-ESC-1, R-ESC-2. */
  escalation: z.strictObject({
    steps: z.array(escalationStep),
    /** Out of hours, who takes the school office's place in the ladder. */
    outOfHoursOfficeReplacedBy: z.union([z.literal('responsible_contact'), roleSchema]),
  }),

  /** R-WAIT-1, R-WAIT-2. */
  waits: z.strictObject({ parentsNotPresentMinutes: minutes, parentsRunningLateMinutes: minutes }),

  /** R-BRIEF-1: how identification is carried and shown. */
  identity: z.strictObject({ badgeRule: label }),

  /** R-VEHICLE-1, R-VEHICLE-2. */
  vehicles: z.strictObject({ businessInsuranceRequired: z.boolean(), approvedVehiclesOnly: z.boolean() }),

  /** R-REC-1, R-REC-3. */
  records: z.strictObject({ completeWithinHours: z.int(), cpomsExportRequired: z.boolean() }),

  /** R-SAFE-1, R-INC-1, R-CANCEL-1. */
  reporting: z.strictObject({ safeguardingConcernsTo: roles, incidentsTo: roles, cancellationReasonsTo: roles }),

  /** R-ATT-1, R-AGREE-1. */
  attendance: z.strictObject({
    localAuthorityReferral: z
      .strictObject({ belowPercent: z.number().nullable(), fallingTrend: z.boolean(), windowMonths: z.int() })
      .nullable(),
    agreementReminderLetters: z.boolean(),
    followUpVisitOnContinuedFailure: z.boolean(),
  }),

  /** R-GOV-2. A null next review date is set when the school adopts the policy (cycleMonths after adoption). */
  review: z.strictObject({
    cycleMonths: z.int().min(1),
    lastReviewedOn: isoDate,
    nextReviewDate: isoDate.nullable(),
    reviewerRoles: roles,
  }),

  /** R-TUTOR-1; null when the policy sets no tutoring rules. */
  tutoring: z
    .strictObject({
      appropriateAdultPresent: z.boolean(),
      bedroomOnlyIfNoAlternative: z.boolean(),
      doorKeptOpen: z.boolean(),
      parentsToldOfScheduleChanges: z.boolean(),
      misbehaviourRecorded: z.boolean(),
    })
    .nullable(),

  /** R-BRIEF-1, R-CASH-1: the policy's own reminders, shown in the briefing before visitors leave. */
  reminders: z.strictObject({ briefing: z.array(label) }),

  /** Setting path (e.g. "staffing.minimumStaff" or a whole section, "waits") → where it comes from. */
  sources: z.record(z.string(), sourceSchema).default({}),
})

export type Policy = z.infer<typeof policyShape>

type Issue = { path: Array<string | number>; message: string }

/** Contradictions a form must not save. Each issue names the field to correct. */
export function findContradictions(policy: Policy, today: string): Issue[] {
  return [
    ...purposeIssues(policy),
    ...approvalIssues(policy),
    ...riskAssessmentIssues(policy),
    ...staffingIssues(policy),
    ...trainingIssues(policy),
    ...noticeIssues(policy),
    ...hoursIssues(policy),
    ...checkInIssues(policy),
    ...escalationIssues(policy),
    ...waitIssues(policy),
    ...recordsIssues(policy),
    ...attendanceIssues(policy),
    ...reviewIssues(policy, today),
  ]
}

function duplicateIds(items: ReadonlyArray<{ id: string }>, path: string[], what: string): Issue[] {
  const seen = new Set<string>()
  const issues: Issue[] = []
  items.forEach((item, index) => {
    if (seen.has(item.id)) {
      issues.push({ path: [...path, index, 'id'], message: `The ${what} id "${item.id}" is used more than once. Give each ${what} its own id.` })
    }
    seen.add(item.id)
  })
  return issues
}

function emptyRoles(list: readonly string[], path: Array<string | number>, what: string): Issue[] {
  return list.length === 0 ? [{ path, message: `Choose at least one role ${what}.` }] : []
}

function purposeIssues(policy: Policy): Issue[] {
  const issues = duplicateIds(policy.purposes, ['purposes'], 'purpose')
  if (policy.purposes.length === 0) issues.push({ path: ['purposes'], message: 'List at least one purpose a visit can be made for.' })
  return issues
}

function approvalIssues(policy: Policy): Issue[] {
  const { approval } = policy
  const purposeIds = new Set(policy.purposes.map((purpose) => purpose.id))
  const issues = emptyRoles(approval.approverRoles, ['approval', 'approverRoles'], 'that approves visits')
  approval.byPurpose.forEach((rule, index) => {
    issues.push(...emptyRoles(rule.approverRoles, ['approval', 'byPurpose', index, 'approverRoles'], 'that approves these visits'))
    if (!purposeIds.has(rule.purposeId)) {
      issues.push({ path: ['approval', 'byPurpose', index, 'purposeId'], message: `"${rule.purposeId}" is not one of this policy's purposes.` })
    }
  })
  return issues
}

function riskAssessmentIssues(policy: Policy): Issue[] {
  const { riskAssessment } = policy
  return [
    ...(riskAssessment.requiredFields.length === 0
      ? [{ path: ['riskAssessment', 'requiredFields'], message: 'Choose at least one thing the risk assessment must cover.' }]
      : []),
    ...emptyRoles(riskAssessment.completedBy, ['riskAssessment', 'completedBy'], 'that completes the risk assessment'),
    ...emptyRoles(riskAssessment.signedOffBy, ['riskAssessment', 'signedOffBy'], 'that signs off the risk assessment'),
  ]
}

function staffingIssues(policy: Policy): Issue[] {
  const { minimumStaff, loneVisits } = policy.staffing
  const issues: Issue[] = []
  if (minimumStaff === 1 && !loneVisits.allowed) {
    issues.push({
      path: ['staffing', 'minimumStaff'],
      message: 'Minimum staff is 1, but lone visits are not allowed. Set minimum staff to 2 or more, or allow lone visits.',
    })
  }
  if (loneVisits.allowed && loneVisits.approverRoles !== null) {
    issues.push(...emptyRoles(loneVisits.approverRoles, ['staffing', 'loneVisits', 'approverRoles'], 'that decides a lone visit is safe'))
  }
  return issues
}

function trainingIssues(policy: Policy): Issue[] {
  const { training } = policy
  const known = new Set(training.trainings.map((course) => course.id))
  const issues = duplicateIds(training.trainings, ['training', 'trainings'], 'training')
  for (const list of ['everyVisitor', 'atLeastOneVisitor'] as const) {
    training[list].forEach((requirement, index) => {
      if (!known.has(requirement.trainingId)) {
        issues.push({
          path: ['training', list, index, 'trainingId'],
          message: `"${requirement.trainingId}" is not in the list of trainings. Add it there first.`,
        })
      }
    })
  }
  return issues
}

function noticeIssues(policy: Policy): Issue[] {
  return duplicateIds(policy.notice.exceptions, ['notice', 'exceptions'], 'exception')
}

function hoursIssues(policy: Policy): Issue[] {
  const { week, outOfHours } = policy.hours
  const issues: Issue[] = []
  for (const day of weekdays) {
    const hours = week[day]
    if (hours && hours.end <= hours.start) {
      issues.push({
        path: ['hours', 'week', day, 'end'],
        message: `${capitalise(day)}'s end time (${hours.end}) must be after its start time (${hours.start}).`,
      })
    }
  }
  if (weekdays.every((day) => week[day] === null)) {
    issues.push({ path: ['hours', 'week'], message: 'Give hours for at least one day of the week.' })
  }
  if (outOfHours.allowed) {
    issues.push(...emptyRoles(outOfHours.approverRoles, ['hours', 'outOfHours', 'approverRoles'], 'that approves visits out of hours'))
  }
  const replacement = policy.escalation.outOfHoursOfficeReplacedBy
  if (replacement === 'responsible_contact' && outOfHours.allowed && !outOfHours.responsibleContactRequired) {
    issues.push({
      path: ['hours', 'outOfHours', 'responsibleContactRequired'],
      message: 'The escalation ladder uses the responsible contact out of hours, so a responsible contact must be required for out-of-hours visits.',
    })
  }
  return issues
}

function checkInIssues(policy: Policy): Issue[] {
  const { checkIns } = policy
  const issues = emptyRoles(checkIns.monitoredBy, ['checkIns', 'monitoredBy'], 'that monitors check-ins')
  const interval = checkIns.repeatEveryMinutes
  if (interval !== null && interval <= 0) {
    issues.push({ path: ['checkIns', 'repeatEveryMinutes'], message: 'The check-in interval must be more than 0 minutes.' })
  }
  if (checkIns.firstCheck && checkIns.firstCheck.minutesAfter < 0) {
    issues.push({ path: ['checkIns', 'firstCheck', 'minutesAfter'], message: 'The first check cannot be before the visit starts.' })
  }
  if (checkIns.graceMinutes < 0) {
    issues.push({ path: ['checkIns', 'graceMinutes'], message: 'The grace period cannot be negative.' })
  }
  if (checkIns.reminderMinutesBefore < 0) {
    issues.push({ path: ['checkIns', 'reminderMinutesBefore'], message: 'The reminder cannot be negative.' })
  }
  if (interval !== null && interval > 0 && checkIns.graceMinutes >= interval) {
    issues.push({
      path: ['checkIns', 'graceMinutes'],
      message: `The grace period (${checkIns.graceMinutes} minutes) must be shorter than the check-in interval (${interval} minutes), or a check-in would be due again before the last one is overdue.`,
    })
  }
  if (interval !== null && interval > 0 && checkIns.reminderMinutesBefore >= interval) {
    issues.push({
      path: ['checkIns', 'reminderMinutesBefore'],
      message: `The reminder (${checkIns.reminderMinutesBefore} minutes before) must be shorter than the check-in interval (${interval} minutes).`,
    })
  }
  const anyCheck = checkIns.atLeavingSchool || checkIns.atArrival || checkIns.firstCheck !== null || interval !== null || checkIns.atEnd || checkIns.atReturn
  if (!anyCheck) {
    issues.push({ path: ['checkIns'], message: 'Choose at least one moment when visitors check in.' })
  }
  return issues
}

function escalationIssues(policy: Policy): Issue[] {
  const { steps } = policy.escalation
  if (steps.length === 0) {
    return [{ path: ['escalation', 'steps'], message: 'The escalation ladder needs at least one step, or nobody is alerted when visitors do not check in.' }]
  }
  const issues = duplicateIds(steps, ['escalation', 'steps'], 'escalation step')
  steps.forEach((step, index) => {
    const path = ['escalation', 'steps', index]
    if (step.roles.length === 0) issues.push({ path: [...path, 'roles'], message: `Escalation step ${index + 1} must alert at least one role.` })
    if (step.delayMinutes < 0) issues.push({ path: [...path, 'delayMinutes'], message: `Escalation step ${index + 1} cannot start before the previous step.` })
    if (step.realertEveryMinutes <= 0) {
      issues.push({ path: [...path, 'realertEveryMinutes'], message: `Escalation step ${index + 1} must re-alert every 1 minute or more.` })
    }
  })
  return issues
}

function waitIssues(policy: Policy): Issue[] {
  const { parentsNotPresentMinutes, parentsRunningLateMinutes } = policy.waits
  const issues: Issue[] = []
  if (parentsNotPresentMinutes <= 0) {
    issues.push({ path: ['waits', 'parentsNotPresentMinutes'], message: 'The wait for parents who are not at home must be more than 0 minutes.' })
  }
  if (parentsRunningLateMinutes <= 0) {
    issues.push({ path: ['waits', 'parentsRunningLateMinutes'], message: 'The wait for parents who are running late must be more than 0 minutes.' })
  }
  return issues
}

function recordsIssues(policy: Policy): Issue[] {
  const { records, reporting } = policy
  return [
    ...(records.completeWithinHours <= 0
      ? [{ path: ['records', 'completeWithinHours'], message: 'The visit record must be due more than 0 hours after the visit.' }]
      : []),
    ...emptyRoles(reporting.safeguardingConcernsTo, ['reporting', 'safeguardingConcernsTo'], 'to receive safeguarding concerns'),
    ...emptyRoles(reporting.incidentsTo, ['reporting', 'incidentsTo'], 'to receive incident reports'),
    ...emptyRoles(reporting.cancellationReasonsTo, ['reporting', 'cancellationReasonsTo'], 'to receive cancellation reasons'),
  ]
}

function attendanceIssues(policy: Policy): Issue[] {
  const referral = policy.attendance.localAuthorityReferral
  if (referral === null) return []
  const path = ['attendance', 'localAuthorityReferral']
  const issues: Issue[] = []
  if (referral.belowPercent === null && !referral.fallingTrend) {
    issues.push({ path: [...path, 'belowPercent'], message: 'Give an attendance threshold, or refer pupils whose attendance keeps falling, or turn referral off.' })
  }
  if (referral.belowPercent !== null && (referral.belowPercent <= 0 || referral.belowPercent > 100)) {
    issues.push({ path: [...path, 'belowPercent'], message: 'The attendance threshold must be between 1 and 100 per cent.' })
  }
  if (referral.windowMonths <= 0) issues.push({ path: [...path, 'windowMonths'], message: 'The attendance period must be at least 1 month.' })
  return issues
}

function reviewIssues(policy: Policy, today: string): Issue[] {
  const { review } = policy
  const issues = emptyRoles(review.reviewerRoles, ['review', 'reviewerRoles'], 'that reviews the policy')
  if (review.nextReviewDate !== null && review.nextReviewDate < today) {
    issues.push({
      path: ['review', 'nextReviewDate'],
      message: `The next review date (${review.nextReviewDate}) has passed. Choose today (${today}) or a later date.`,
    })
  }
  return issues
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}

/** The policy schema, with every contradiction check applied. `today` (YYYY-MM-DD) dates the review check. */
export function policySchemaFor(today: string) {
  return policyShape.superRefine((policy, ctx) => {
    for (const issue of findContradictions(policy, today)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message })
    }
  })
}

/** The shape alone, without contradiction checks (for building forms). */
export const policyShapeSchema = policyShape
