import { z } from 'zod'
import { isRealDate } from './dates.ts'
import { normaliseRegistration } from './vehicle-rules.ts'

/**
 * The readiness forms (R-STAFF-4, R-STAFF-5, R-VEHICLE-1). Dates arrive from GOV.UK date inputs as
 * `<field>-day`, `<field>-month`, `<field>-year`, or as one `<field>` in YYYY-MM-DD; `withDates` joins them.
 * Each schema is built for the day it runs on (`today`, YYYY-MM-DD), so "not in the future" is one rule.
 */

export const dbsLevels = ['basic', 'standard', 'enhanced'] as const
export type DbsLevel = (typeof dbsLevels)[number]
export const dbsLevelLabels: Record<DbsLevel, string> = { basic: 'Basic', standard: 'Standard', enhanced: 'Enhanced' }

export const dateFields = ['issuedOn', 'completedOn', 'expiresOn', 'insuranceExpiresOn'] as const

/** The id of the element a field error links to: a date input's first box, otherwise the field itself. */
export function fieldId(field: string): string {
  return (dateFields as readonly string[]).includes(field) ? `${field}-day` : field
}

type Body = Record<string, unknown>

function joinDate(body: Body, field: string): unknown {
  if (typeof body[field] === 'string') return body[field]
  const part = (name: string) => (typeof body[`${field}-${name}`] === 'string' ? (body[`${field}-${name}`] as string).trim() : '')
  const [day, month, year] = [part('day'), part('month'), part('year')]
  if (!day && !month && !year) return ''
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return 'not-a-date'
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
}

function withDates<S extends z.ZodType>(fields: readonly string[], schema: S) {
  return z.preprocess((body) => {
    const input = (body && typeof body === 'object' ? body : {}) as Body
    const joined: Body = { ...input }
    for (const field of fields) joined[field] = joinDate(input, field)
    return joined
  }, schema)
}

/** The date parts a re-rendered form shows again in its date inputs. */
export function dateValues(body: unknown, field: string): { day: string; month: string; year: string } {
  const input = (body && typeof body === 'object' ? body : {}) as Body
  const whole = input[field]
  if (typeof whole === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(whole)) {
    return { year: whole.slice(0, 4), month: String(Number(whole.slice(5, 7))), day: String(Number(whole.slice(8, 10))) }
  }
  const part = (name: string) => (typeof input[`${field}-${name}`] === 'string' ? (input[`${field}-${name}`] as string) : '')
  return { day: part('day'), month: part('month'), year: part('year') }
}

function date(what: string) {
  const capital = what.charAt(0).toUpperCase() + what.slice(1)
  return z
    .string({ error: `Enter ${what}` })
    .min(1, `Enter ${what}`)
    .refine((value) => value === '' || isRealDate(value), `${capital} must be a real date, like 27 3 2026`)
}

function pastDate(what: string, today: string) {
  const capital = what.charAt(0).toUpperCase() + what.slice(1)
  return date(what)
    .refine((value) => !isRealDate(value) || value <= today, `${capital} must be today or in the past`)
    .refine((value) => !isRealDate(value) || value >= '1990-01-01', `${capital} must be after 1990`)
}

function yesNo(message: string) {
  return z.enum(['yes', 'no'], { error: message }).transform((value) => value === 'yes')
}

const text = (what: string, max = 60) =>
  z.string({ error: `Enter the ${what}` }).trim().min(1, `Enter the ${what}`).max(max, `The ${what} must be ${max} characters or fewer`)

export function dbsForm(today: string) {
  return withDates(
    ['issuedOn'],
    z.object({
      level: z.enum(dbsLevels, { error: 'Select the level of the DBS check' }),
      barredListChecked: yesNo('Select yes if the children’s barred list was checked'),
      certificateNumber: z
        .string({ error: 'Enter the DBS certificate number' })
        .transform((value) => value.replace(/\s/g, ''))
        .pipe(z.string().min(1, 'Enter the DBS certificate number').regex(/^\d{12}$/, 'The DBS certificate number must be 12 digits')),
      issuedOn: pastDate('the date the certificate was issued', today),
      updateService: yesNo('Select yes if they subscribe to the DBS Update Service and the school checks it'),
    }),
  )
}
export type DbsInput = z.infer<ReturnType<typeof dbsForm>>

export function trainingRecordForm(today: string, trainingIds: readonly string[]) {
  return withDates(
    ['completedOn', 'expiresOn'],
    z
      .object({
        trainingId: z
          .string({ error: 'Select the training' })
          .min(1, 'Select the training')
          .refine((id) => trainingIds.includes(id), 'Select a training from the school’s policy'),
        completedOn: pastDate('the date the training was completed', today),
        expiresOn: z.preprocess((value) => (value === '' ? null : value), date('the date the training expires').nullable()),
      })
      .refine((form) => form.expiresOn === null || !isRealDate(form.completedOn) || form.expiresOn > form.completedOn, {
        path: ['expiresOn'],
        message: 'The date the training expires must be after the date it was completed',
      }),
  )
}
export type TrainingRecordInput = z.infer<ReturnType<typeof trainingRecordForm>>

export function vehicleForm(ownerIds: readonly string[]) {
  return withDates(
    ['insuranceExpiresOn'],
    z.object({
      owner: z
        .string({ error: 'Select who owns the vehicle' })
        .refine((owner) => owner === 'school' || ownerIds.includes(owner), 'Select who owns the vehicle'),
      make: text('make'),
      model: text('model'),
      registration: z
        .string({ error: 'Enter the registration number' })
        .trim()
        .min(1, 'Enter the registration number')
        .transform((value, ctx) => {
          const mark = normaliseRegistration(value)
          if (mark) return mark
          ctx.addIssue({ code: 'custom', message: 'Enter a UK registration number, like AB12 CDE' })
          return z.NEVER
        }),
      colour: text('colour', 30),
      insuranceExpiresOn: date('the date the insurance expires').refine(
        (value) => !isRealDate(value) || (value >= '2000-01-01' && value <= '2100-12-31'),
        'The date the insurance expires must be a real date, like 31 8 2027',
      ),
      businessUseCover: yesNo('Select yes if the insurance covers business use'),
      schoolApproved: yesNo('Select yes if the school has approved this vehicle for home visits'),
    }),
  )
}
export type VehicleInput = z.infer<ReturnType<typeof vehicleForm>>
