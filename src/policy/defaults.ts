import type { SchoolRole } from '../domain/roles.ts'
import type { Policy, PolicySource } from './schema.ts'

/**
 * Doorstep's documented defaults: the values a preset uses where the school's written policy is silent.
 * Every use is recorded in the preset's `sources` as basis "default" with the note
 * "Not stated in the policy; Doorstep default: …".
 */

/** The purposes of R-PURPOSE-1, with the wording used across the five policies. */
export const standardPurposes = {
  attendance_concern: 'Attendance concern',
  refusing_to_attend: 'Pupil refusing to attend',
  welfare_check: 'Welfare (safe and well) check on an unexplained absence',
  education_at_home: 'Pupil educated at home',
  other_contact_failed: 'All other contact with the family has failed',
  discussion_with_parents: 'Discussion with parents',
  parent_cannot_attend: 'Parent cannot come into school (for example, because of a disability)',
  tutoring: 'Tutoring',
  collect_drop_off: 'Collect or drop off a pupil, or their work or equipment',
  long_term_absence: 'Contact with a pupil absent for a long time (for example, through illness)',
  suspected_term_time_holiday: 'Suspected term-time holiday',
  emergency_safeguarding: 'Emergency safeguarding visit',
} as const
export type StandardPurposeId = keyof typeof standardPurposes

export function purposes(...ids: StandardPurposeId[]): Policy['purposes'] {
  return ids.map((id) => ({ id, label: standardPurposes[id] }))
}

export const allStandardPurposes = purposes(...(Object.keys(standardPurposes) as StandardPurposeId[]))

/** Exceptions to telling parents in advance (R-NOTICE-1). */
export const standardNoticeExceptions = {
  unexplained_absence_no_response: 'The pupil is absent without explanation and the parents are not responding',
  emergency_safeguarding: 'An emergency or immediate safeguarding concern',
  persistent_absence_cme: "Persistent absence, or a child missing education, that needs 'on-the-spot' monitoring",
} as const
export type NoticeExceptionId = keyof typeof standardNoticeExceptions

export function noticeExceptions(...ids: NoticeExceptionId[]): Policy['notice']['exceptions'] {
  return ids.map((id) => ({ id, label: standardNoticeExceptions[id] }))
}

/** Trainings named by the five policies (R-STAFF-5). */
export const standardTrainings = {
  home_visits_policy: "The school's home visits policy and procedure",
  lone_working_risk_assessment: "The school's Lone Working and Home Visits risk assessment",
  safeguarding: 'Safeguarding procedures',
  violence_prevention: 'Strategies for the prevention of violence',
  cultural_awareness: 'Cultural awareness',
  risk_management: 'Risk management',
  team_teach: 'Team Teach / CPI physical intervention',
  home_visiting: 'Home visiting (for example, as an education welfare officer)',
  safer_working_practice: 'Safer working practice and current legislation',
} as const
export type TrainingId = keyof typeof standardTrainings

export function trainings(...ids: TrainingId[]): Policy['training']['trainings'] {
  return ids.map((id) => ({ id, label: standardTrainings[id] }))
}

export const allRiskAssessmentFields: Policy['riskAssessment']['requiredFields'] = [
  'family_risks',
  'location_risks',
  'timing_risks',
  'aggression_history',
  'animals',
  'medical_needs',
  'cultural_sensitivities',
  'other_professionals',
  'exit_routes',
]

const schoolDay = { start: '08:30', end: '16:30' }

type DoorstepDefaults = {
  approverRoles: SchoolRole[]
  approverMayBeOnVisit: boolean
  adminsMayGrantSafeguardingRoles: boolean
  riskAssessmentCompletedBy: SchoolRole[]
  reopenOnNewRisks: boolean
  policeAccompanimentCanBeRequested: boolean
  loneRiskAssessmentRequired: boolean
  dbs: Policy['training']['dbs']
  noticeExceptions: Policy['notice']['exceptions']
  familyMayDeclineVisits: boolean
  week: Policy['hours']['week']
  outOfHours: Policy['hours']['outOfHours']
  calendarDetail: Policy['itinerary']['calendarDetail']
  reminderMinutesBefore: number
  graceMinutes: number
  firstStepDelayMinutes: number
  laterStepDelayMinutes: number
  realertEveryMinutes: number
  outOfHoursOfficeReplacedBy: Policy['escalation']['outOfHoursOfficeReplacedBy']
  parentsNotPresentMinutes: number
  parentsRunningLateMinutes: number
  identityRule: string
  businessInsuranceRequired: boolean
  approvedVehiclesOnly: boolean
  completeWithinHours: number
  cpomsExportRequired: boolean
  safeguardingConcernsTo: SchoolRole[]
  incidentsTo: SchoolRole[]
  cancellationReasonsTo: SchoolRole[]
  reviewCycleMonths: number
  reviewerRoles: SchoolRole[]
}

export const doorstepDefaults: Readonly<DoorstepDefaults> = {
  approverRoles: ['headteacher'],
  approverMayBeOnVisit: false,
  adminsMayGrantSafeguardingRoles: false,
  riskAssessmentCompletedBy: ['visitor'],
  reopenOnNewRisks: true,
  policeAccompanimentCanBeRequested: false,
  loneRiskAssessmentRequired: false,
  // None of the five policies states a DBS re-check: never, and so nothing to warn or block about.
  dbs: { level: 'enhanced', barredListCheck: true, recheck: null },
  noticeExceptions: noticeExceptions('unexplained_absence_no_response', 'emergency_safeguarding'),
  familyMayDeclineVisits: false,
  week: {
    monday: { ...schoolDay },
    tuesday: { ...schoolDay },
    wednesday: { ...schoolDay },
    thursday: { ...schoolDay },
    friday: { ...schoolDay },
    saturday: null,
    sunday: null,
  },
  outOfHours: { allowed: true, approverRoles: ['headteacher'], responsibleContactRequired: true },
  // Calendar feeds go to outside services (Google, Microsoft, Apple): no child's name, no home address.
  calendarDetail: 'minimal',
  reminderMinutesBefore: 5,
  graceMinutes: 10,
  firstStepDelayMinutes: 0,
  laterStepDelayMinutes: 15,
  realertEveryMinutes: 5,
  outOfHoursOfficeReplacedBy: 'responsible_contact',
  parentsNotPresentMinutes: 20,
  parentsRunningLateMinutes: 30,
  identityRule: 'Carry your school identification and show it when you arrive.',
  businessInsuranceRequired: true,
  approvedVehiclesOnly: false,
  completeWithinHours: 24,
  cpomsExportRequired: false,
  safeguardingConcernsTo: ['dsl', 'deputy_dsl'],
  incidentsTo: ['headteacher'],
  cancellationReasonsTo: ['headteacher'],
  reviewCycleMonths: 12,
  reviewerRoles: ['headteacher', 'governor'],
}

/** Helpers that write a preset's `sources` entries for one written policy. */
export function sourcesFor(policy: string) {
  return {
    stated(section: string, quote: string, note?: string): PolicySource {
      return { policy, section, basis: 'stated', quote, ...(note ? { note } : {}) }
    },
    interpreted(section: string, quote: string, note: string): PolicySource {
      return { policy, section, basis: 'interpreted', quote, note }
    },
    notStated(doorstepDefault: string, context?: { section: string; quote: string }): PolicySource {
      const note = `Not stated in the policy; Doorstep default: ${doorstepDefault}`
      if (context) return { policy, section: context.section, basis: 'default', quote: context.quote, note }
      return { policy, section: 'not stated', basis: 'default', note }
    },
  }
}
