import { z } from 'zod'
import { londonInstant } from '../visits/times.ts'

/**
 * The forms and API bodies of safeguarding concerns (R-SAFE-1, R-ALERT-3) and incidents (R-INC-1).
 * A page turns its form into the API's body first (`concernFromForm` …), so both refuse the same input
 * with the same message (docs/decisions/0012).
 */

/** CPOMS-like categories, so a concern carries over to the school's safeguarding record as it is. */
export const concernCategories = {
  physical_abuse: 'Physical abuse',
  emotional_abuse: 'Emotional abuse',
  sexual_abuse: 'Sexual abuse',
  neglect: 'Neglect',
  child_alone: 'Child alone or unsupervised at home',
  domestic_abuse: 'Domestic abuse',
  home_conditions: 'Home conditions',
  mental_health: 'Mental health or self-harm',
  child_on_child: 'Child-on-child abuse',
  exploitation: 'Exploitation (criminal or sexual)',
  missing_education: 'Child missing education',
  radicalisation: 'Radicalisation',
  other: 'Other',
} as const
export type ConcernCategory = keyof typeof concernCategories
const categoryIds = Object.keys(concernCategories) as [ConcernCategory, ...ConcernCategory[]]

export const concernKinds = { concern: 'A concern (something seen or heard)', disclosure: 'A disclosure (the child told you something)' } as const
export type ConcernKind = keyof typeof concernKinds

export const concernActionKinds = {
  action: 'Action taken',
  police: 'Referral to the police',
  childrens_social_care: 'Referral to children’s social care',
  early_help: 'Early help referral',
  other_referral: 'Referral to another agency',
} as const
export type ConcernActionKind = keyof typeof concernActionKinds
const actionKindIds = Object.keys(concernActionKinds) as [ConcernActionKind, ...ConcernActionKind[]]

export const incidentKinds = {
  trip_or_fall: 'Trip or fall',
  accident: 'Accident',
  abusive_behaviour: 'Abusive or threatening behaviour',
  physical_intervention: 'Physical intervention',
  other: 'Other',
} as const
export type IncidentKind = keyof typeof incidentKinds
const incidentKindIds = Object.keys(incidentKinds) as [IncidentKind, ...IncidentKind[]]

const text = (missing: string, label: string, max: number) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, `${label} must be ${max} characters or fewer`)
const optional = (label: string, max: number) =>
  z.string().trim().max(max, `${label} must be ${max} characters or fewer`).optional().transform((value) => value ?? '')
const when = (missing: string) =>
  z.iso.datetime({ offset: true, error: missing }).describe('ISO 8601 date-time').transform((value) => new Date(value))
const ids = (message: string) => z.array(z.uuid({ error: message }), { error: message })

export const concernInput = z
  .object({
    pupilIds: ids('Choose the pupil or pupils the concern is about').min(1, 'Choose the pupil or pupils the concern is about').max(20),
    kind: z.enum(['concern', 'disclosure'], { error: 'Choose whether this is a concern or a disclosure' }),
    category: z.enum(categoryIds, { error: 'Choose the category that fits best' }),
    account: text('Say what you saw or heard', 'What you saw or heard', 8000),
    childWords: optional('The child’s own words', 8000),
    happenedAt: when('Enter the date and time it happened, like 25 11 2026 and 14:30'),
    immediateAction: text('Say what you did straight away (write “None” if nothing)', 'What you did straight away', 4000),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'disclosure' && input.childWords === '') {
      ctx.addIssue({ code: 'custom', path: ['childWords'], message: 'Write down what the child said, in their own words, as exactly as you can' })
    }
  })
export type ConcernInput = z.infer<typeof concernInput>

export const concernActionInput = z
  .object({
    kind: z.enum(actionKindIds, { error: 'Choose an action or the referral made' }),
    agency: optional('The agency', 200),
    doneAt: when('Enter the date and time it was done, like 25 11 2026 and 15:10'),
    what: text('Say what was done', 'What was done', 4000),
    reference: optional('The reference', 100),
    outcome: optional('The outcome', 4000),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'other_referral' && input.agency === '') ctx.addIssue({ code: 'custom', path: ['agency'], message: 'Name the agency the referral went to' })
  })
export type ConcernActionInput = z.infer<typeof concernActionInput>

export const closeConcernInput = z.object({ outcome: text('Say what the outcome was before closing the concern', 'The outcome', 4000) })
export type CloseConcernInput = z.infer<typeof closeConcernInput>

export const incidentInput = z
  .object({
    kind: z.enum(incidentKindIds, { error: 'Choose what kind of incident it was' }),
    happenedAt: when('Enter the date and time it happened, like 25 11 2026 and 14:30'),
    location: text('Say where it happened', 'Where it happened', 300),
    whatHappened: text('Say what happened', 'What happened', 8000),
    staffIds: ids('Choose staff on the visit').max(20).default([]),
    adultIds: ids('Choose adults of the family').max(20).default([]),
    /** R-FAMILY-3: the adults whose behaviour was abusive or threatening (abusive behaviour only). */
    abusiveAdultIds: ids('Choose adults of the family').max(20).default([]),
    interventionWhat: optional('What was done', 4000),
    interventionWhy: optional('Why it was needed', 4000),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'physical_intervention') {
      if (input.interventionWhat === '') ctx.addIssue({ code: 'custom', path: ['interventionWhat'], message: 'Say what was done in the physical intervention' })
      if (input.interventionWhy === '') ctx.addIssue({ code: 'custom', path: ['interventionWhy'], message: 'Say why the physical intervention was needed' })
    }
    if (input.kind !== 'abusive_behaviour' && input.abusiveAdultIds.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['abusiveAdultIds'], message: 'Appointments are stopped only after abusive or threatening behaviour: choose that kind of incident, or no adult here' })
    }
  })
export type IncidentInput = z.infer<typeof incidentInput>

export const riskReviewInput = z.object({ note: text('Say what the review found or changed in the risk assessment', 'The review', 4000) })
export type RiskReviewInput = z.infer<typeof riskReviewInput>

// ---------------------------------------------------------------- forms → bodies

type Form = Record<string, unknown>
const str = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined)
const list = (value: unknown) => (value === undefined || value === '' ? [] : (Array.isArray(value) ? value : [value]).map(String))

/**
 * A GOV.UK date (`<name>-day`, `-month`, `-year`) and a time box (`<name>-time`, HH:MM) as an ISO instant
 * in UK time; anything that is not a real date and time becomes a string the schema refuses.
 */
export function instantFromForm(form: Form, name: string): string | undefined {
  const part = (suffix: string) => String(form[`${name}-${suffix}`] ?? '').trim()
  const [day, month, year, time] = [part('day'), part('month'), part('year'), part('time').replace('.', ':')]
  if (!day && !month && !year && !time) return undefined
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year) || !/^([01]?\d|2[0-3]):[0-5]\d$/.test(time)) return 'not-a-time'
  const date = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
  const check = new Date(`${date}T00:00:00Z`)
  if (Number.isNaN(check.getTime()) || !check.toISOString().startsWith(date)) return 'not-a-time'
  return londonInstant(date, time.padStart(5, '0')).toISOString()
}

export function concernFromForm(form: Form): unknown {
  return {
    pupilIds: list(form.pupilIds),
    kind: str(form, 'kind') || undefined,
    category: str(form, 'category') || undefined,
    account: str(form, 'account'),
    childWords: str(form, 'childWords'),
    happenedAt: instantFromForm(form, 'happenedAt'),
    immediateAction: str(form, 'immediateAction'),
  }
}

export function concernActionFromForm(form: Form): unknown {
  return {
    kind: str(form, 'kind') || undefined,
    agency: str(form, 'agency'),
    doneAt: instantFromForm(form, 'doneAt'),
    what: str(form, 'what'),
    reference: str(form, 'reference'),
    outcome: str(form, 'outcome'),
  }
}

export function incidentFromForm(form: Form): unknown {
  return {
    kind: str(form, 'kind') || undefined,
    happenedAt: instantFromForm(form, 'happenedAt'),
    location: str(form, 'location'),
    whatHappened: str(form, 'whatHappened'),
    staffIds: list(form.staffIds),
    adultIds: list(form.adultIds),
    abusiveAdultIds: str(form, 'kind') === 'abusive_behaviour' ? list(form.abusiveAdultIds) : [],
    interventionWhat: str(form, 'interventionWhat'),
    interventionWhy: str(form, 'interventionWhy'),
  }
}

/** Where an error summary link goes: a date and time to its day box, a list to its first box. */
export function fieldAnchor(field: string): string {
  if (field === 'happenedAt' || field === 'doneAt') return `${field}-day`
  return field
}
