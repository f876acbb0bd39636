import { z } from 'zod'
import { asArray } from '../../web/forms.ts'
import { isRealDate } from '../readiness/dates.ts'

/**
 * The agreement, review, template and letter shapes (R-AGREE-1). Pages and the API send the same fields: the
 * pages first turn GOV.UK date inputs (`reviewOn-day`, `-month`, `-year`) and checkboxes into them
 * (`agreementFromForm`, `reviewFromForm`), so a bad value gets the same message either way (decision 0012).
 * Rules that need today's date or the school's records (a review date in the past, an adult not in the family)
 * are in service.ts.
 */

const uuid = (message: string) => z.string({ error: message }).trim().pipe(z.uuid({ error: message }))
const text = (label: string, max: number) => z.string({ error: `${label} must be text` }).trim().max(max, `${label} must be ${max} characters or fewer`)
const date = (what: string) => {
  const capital = what.charAt(0).toUpperCase() + what.slice(1)
  return z.string({ error: `Enter ${what}` }).trim().min(1, `Enter ${what}`).refine(isRealDate, `${capital} must be a real date, like 27 3 2027`)
}

export const agreementInput = z.strictObject({
  contactIds: z.array(uuid('Choose the adults from the list'), { error: 'Choose the adults from the list' }).min(1, 'Choose who the agreement was made with'),
  text: text('What was agreed', 2000).min(1, 'Enter what was agreed'),
  agreedOn: date('the date it was agreed'),
  reviewOn: date('the review date'),
  /** The visit it was agreed on, if any. */
  visitId: z.preprocess((value) => (value === '' ? null : value), uuid('The visit is not one of this school’s visits').nullable()).default(null),
})
export type AgreementInput = z.infer<typeof agreementInput>

export const reviewOutcomes = ['kept', 'not_kept'] as const
export const reviewOutcomeLabels = { kept: 'Kept', not_kept: 'Not kept' } as const

export const reviewInput = z.strictObject({
  outcome: z.enum(reviewOutcomes, { error: 'Choose whether the agreement was kept' }),
  note: text('The note', 2000).default(''),
  /** Needed when it was not kept: the service says so. */
  nextReviewOn: z.preprocess((value) => (value === '' ? null : value), date('the next review date').nullable()).default(null),
})
export type ReviewInput = z.infer<typeof reviewInput>

export const templateInput = z.strictObject({ body: z.string({ error: 'Enter the text of the letter' }).max(10_000, 'The letter must be 10,000 characters or fewer') })
export type TemplateInput = z.infer<typeof templateInput>

export const dateFields = ['agreedOn', 'reviewOn', 'nextReviewOn'] as const
/** The id a field error links to: a date input's first box, the first checkbox, or the field. */
export function fieldId(field: string): string {
  if ((dateFields as readonly string[]).includes(field)) return `${field}-day`
  if (field === 'contactIds') return 'contactIds'
  return field
}

type Body = Record<string, unknown>
const formOf = (body: unknown): Body => (body && typeof body === 'object' ? (body as Body) : {})

function joinDate(body: Body, field: string): string {
  const part = (name: string) => (typeof body[`${field}-${name}`] === 'string' ? (body[`${field}-${name}`] as string).trim() : '')
  const [day, month, year] = [part('day'), part('month'), part('year')]
  if (!day && !month && !year) return typeof body[field] === 'string' ? (body[field] as string) : ''
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return 'not-a-date'
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
}

export function agreementFromForm(body: unknown): Body {
  const form = formOf(body)
  return {
    contactIds: asArray(form.contactIds),
    text: typeof form.text === 'string' ? form.text : '',
    agreedOn: joinDate(form, 'agreedOn'),
    reviewOn: joinDate(form, 'reviewOn'),
    visitId: typeof form.visitId === 'string' ? form.visitId : null,
  }
}

export function reviewFromForm(body: unknown): Body {
  const form = formOf(body)
  return {
    ...(typeof form.outcome === 'string' && form.outcome !== '' ? { outcome: form.outcome } : {}),
    note: typeof form.note === 'string' ? form.note : '',
    nextReviewOn: joinDate(form, 'nextReviewOn'),
  }
}

export function templateFromForm(body: unknown): Body {
  const form = formOf(body)
  return { body: typeof form.body === 'string' ? form.body : '' }
}

/** The date parts a re-rendered form shows again. */
export function dateParts(value: unknown): { day: string; month: string; year: string } {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return { year: value.slice(0, 4), month: String(Number(value.slice(5, 7))), day: String(Number(value.slice(8, 10))) }
  }
  return { day: '', month: '', year: '' }
}

export function datePartsOf(body: unknown, field: string): { day: string; month: string; year: string } {
  const form = formOf(body)
  const part = (name: string) => (typeof form[`${field}-${name}`] === 'string' ? (form[`${field}-${name}`] as string) : '')
  return { day: part('day'), month: part('month'), year: part('year') }
}
