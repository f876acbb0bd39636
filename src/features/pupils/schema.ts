import { z } from 'zod'

/**
 * The forms of the pupils and families feature, one zod schema each. The CSV import
 * (import.ts) checks its cells with the same field rules, so a value the form refuses
 * is refused in a file too, with the same message.
 */

const MAX_SHORT = 200
const MAX_LONG = 5000

export const requiredText = (missing: string, label: string, max = MAX_SHORT) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, `${label} must be ${max} characters or fewer`)

export const optionalText = (label: string, max = MAX_SHORT) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be ${max} characters or fewer`)
    .optional()
    .transform((value) => value ?? '')

/** A real calendar date written YYYY-MM-DD. */
export function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
}

export const isoDate = (missing: string, label: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .refine((value) => /^\d{4}-\d{1,2}-\d{1,2}$/.test(value), `${label} must be a real date, like 2014-03-27`)
    .transform((value) => value.replace(/-(\d)(?=-|$)/g, '-0$1'))
    .refine(isRealDate, `${label} must be a real date, like 2014-03-27`)

/**
 * GOV.UK date inputs arrive as three fields (`<name>-day`, `-month`, `-year`). This joins them
 * into YYYY-MM-DD (or '' when all three are empty) before the schema reads the form.
 */
export function joinDateFields(body: unknown, ...names: string[]): Record<string, unknown> {
  const form = { ...((body ?? {}) as Record<string, unknown>) }
  for (const name of names) {
    const part = (suffix: string) => String(form[`${name}-${suffix}`] ?? '').trim()
    const [day, month, year] = [part('day'), part('month'), part('year')]
    if (form[name] === undefined) form[name] = day || month || year ? `${year || '?'}-${month || '?'}-${day || '?'}` : ''
  }
  return form
}

/** UK postcodes (any case, with or without the space), stored upper-case with one space. */
const POSTCODE = /^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$/i
export function normalisePostcode(value: string): string | undefined {
  const compact = value.trim().replace(/\s+/g, '').toUpperCase()
  if (!POSTCODE.test(compact)) return undefined
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`
}
export const ukPostcode = z
  .string({ error: 'Enter a postcode' })
  .trim()
  .min(1, 'Enter a postcode')
  .refine((value) => normalisePostcode(value) !== undefined, 'Enter a real UK postcode, like LS1 4AP')
  .transform((value) => normalisePostcode(value)!)

/** UK phone numbers (landline or mobile), stored without spaces. Optional. */
export const ukPhone = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ?? '').replace(/[\s()-]/g, ''))
  .refine((value) => value === '' || /^(?:0\d{9,10}|\+44\d{9,10})$/.test(value), 'Enter a UK phone number, like 07700 900 982 or 0113 496 0000')

export const optionalEmail = z
  .string()
  .trim()
  .max(320, 'Email address must be 320 characters or fewer')
  .optional()
  .transform((value) => value ?? '')
  .refine((value) => value === '' || z.email().safeParse(value).success, 'Enter an email address in the correct format, like name@example.org')

/** yes/no radios and CSV cells: yes, no, y, n, true, false (any case). */
export function parseYesNo(value: unknown): boolean | undefined {
  const text = String(value ?? '').trim().toLowerCase()
  if (['yes', 'y', 'true'].includes(text)) return true
  if (['no', 'n', 'false'].includes(text)) return false
  return undefined
}
export const yesNo = (missing: string) =>
  z.unknown().transform((value, ctx) => {
    const parsed = parseYesNo(value)
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: missing })
      return z.NEVER
    }
    return parsed
  })

export const yearGroups = ['Nursery', 'Reception', ...Array.from({ length: 13 }, (_, i) => `Year ${i + 1}`)] as const

/** "Year 7", "Y7", "7", "year7", "R", "reception", "N" → the standard year group name. */
export function normaliseYearGroup(value: string): string | undefined {
  const text = value.trim().toLowerCase().replace(/\s+/g, ' ')
  if (['n', 'nursery', 'nur'].includes(text)) return 'Nursery'
  if (['r', 'rec', 'reception'].includes(text)) return 'Reception'
  const number = /^(?:year ?|yr ?|y)?(\d{1,2})$/.exec(text)?.[1]
  if (number && Number(number) >= 1 && Number(number) <= 13) return `Year ${Number(number)}`
  return undefined
}
export const yearGroup = z
  .string({ error: 'Choose the year group' })
  .trim()
  .min(1, 'Choose the year group')
  .refine((value) => normaliseYearGroup(value) !== undefined, 'Choose a year group from Nursery, Reception and Year 1 to Year 13')
  .transform((value) => normaliseYearGroup(value)!)

/** Unique pupil numbers: a letter and 12 more characters (the last a letter for a temporary UPN). */
export const upn = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ?? '').toUpperCase())
  .refine((value) => value === '' || /^[A-Z]\d{11}[A-Z\d]$/.test(value), 'A UPN is 13 characters: a letter, 11 digits, then a digit or letter')
  .transform((value) => value || null)

export const attendancePercent = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ?? '').replace(/%$/, '').trim())
  .refine((value) => value === '' || (/^\d{1,3}(\.\d{1,2})?$/.test(value) && Number(value) <= 100), 'Attendance must be a percentage from 0 to 100, like 87.5')
  .transform((value) => (value === '' ? null : Number(value)))

export const address = z.object({
  line1: requiredText('Enter the first line of the address', 'Address line 1'),
  line2: optionalText('Address line 2'),
  town: requiredText('Enter the town or city', 'Town or city', 100),
  postcode: ukPostcode,
})
export type AddressDetails = z.infer<typeof address>

const restrictedNote = (label: string) => z.string().trim().max(MAX_LONG, `${label} must be ${MAX_LONG} characters or fewer`).optional()

const pupilFields = {
  firstName: requiredText('Enter the pupil’s first name', 'First name', 100),
  lastName: requiredText('Enter the pupil’s last name', 'Last name', 100),
  dateOfBirth: isoDate('Enter the pupil’s date of birth', 'Date of birth'),
  yearGroup,
  upn,
  attendancePercent,
  attendanceAsOf: z.string().trim().optional().transform((value) => value ?? ''),
  // RESTRICTED: undefined when the form did not show them (the person may not read them).
  medicalNeeds: restrictedNote('Medical needs'),
  sendNeeds: restrictedNote('SEND'),
  behaviourNotes: restrictedNote('Behaviour notes'),
}

type AttendanceInput = { attendancePercent: number | null; attendanceAsOf: string }
function checkAttendance<T extends AttendanceInput>(value: T, ctx: z.RefinementCtx): Omit<T, 'attendanceAsOf'> & { attendanceAsOf: string | null } {
  const asOf = value.attendanceAsOf.replace(/-(\d)(?=-|$)/g, '-0$1')
  if (value.attendancePercent === null) {
    if (asOf !== '') ctx.addIssue({ code: 'custom', path: ['attendancePercent'], message: 'Enter the attendance percentage for that date, or remove the date' })
    return { ...value, attendanceAsOf: null }
  }
  if (asOf === '') ctx.addIssue({ code: 'custom', path: ['attendanceAsOf'], message: 'Enter the date the attendance figure was worked out' })
  else if (!isRealDate(asOf)) ctx.addIssue({ code: 'custom', path: ['attendanceAsOf'], message: 'The attendance date must be a real date, like 2026-11-20' })
  return { ...value, attendanceAsOf: asOf || null }
}

export const pupilDetails = z.preprocess(
  (body) => joinDateFields(body, 'dateOfBirth', 'attendanceAsOf'),
  z.object(pupilFields).transform(checkAttendance),
)
export type PupilDetails = z.infer<typeof pupilDetails>

export const newPupil = z.preprocess(
  (body) => joinDateFields(body, 'dateOfBirth', 'attendanceAsOf'),
  z.object({ ...pupilFields, ...address.shape }).transform(checkAttendance),
)
export type NewPupil = z.infer<typeof newPupil>

export const titles = ['Mr', 'Mrs', 'Ms', 'Miss', 'Mx', 'Dr'] as const

export const adultDetails = z.object({
  title: optionalText('Title', 20),
  firstName: requiredText('Enter their first name', 'First name', 100),
  lastName: requiredText('Enter their last name', 'Last name', 100),
  relationship: requiredText('Enter their relationship to the pupil, like mother or grandfather', 'Relationship', 100),
  parentalResponsibility: yesNo('Say whether they have parental responsibility for the pupil'),
  livesWithPupil: yesNo('Say whether the pupil lives with them'),
  phone: ukPhone,
  email: optionalEmail,
  language: optionalText('Language', 100),
  interpreterNeeded: yesNo('Say whether they need an interpreter'),
  literacyNeeds: optionalText('Literacy needs', 1000),
  culturalConsiderations: optionalText('Cultural or religious considerations', 1000),
})
export type AdultDetails = z.infer<typeof adultDetails>

export const agencyDetails = z.object({
  name: requiredText('Enter the name of the agency, like Children’s Social Care', 'Agency'),
  roleOrService: optionalText('Role or service'),
  contactName: optionalText('Contact name', 100),
  phone: ukPhone,
  email: optionalEmail,
  isLeadPractitioner: yesNo('Say whether this is the family’s lead practitioner'),
})
export type AgencyDetails = z.infer<typeof agencyDetails>

export const hazardKinds = ['animal', 'aggression', 'other'] as const
export type HazardKind = (typeof hazardKinds)[number]
export const hazardKindLabels: Record<HazardKind, string> = {
  animal: 'Animal',
  aggression: 'Aggression or abuse towards staff',
  other: 'Other hazard',
}

export const hazardDetails = z
  .object({
    kind: z.enum(hazardKinds, { error: 'Choose what kind of hazard it is' }),
    description: requiredText('Describe the hazard', 'Description', 2000),
    animalsWillBeShutAway: z.string().optional(),
  })
  .transform((value, ctx) => {
    let shutAway: boolean | null = null
    if (value.kind === 'animal') {
      const answer = value.animalsWillBeShutAway ?? ''
      if (answer === 'yes') shutAway = true
      else if (answer === 'no') shutAway = false
      else if (answer !== 'not-asked') ctx.addIssue({ code: 'custom', path: ['animalsWillBeShutAway'], message: 'Say whether the family will keep the animals in another room or outside' })
    }
    return { kind: value.kind, description: value.description, animalsWillBeShutAway: shutAway }
  })
export type HazardDetails = z.infer<typeof hazardDetails>

export const declineDetails = z.preprocess(
  (body) => joinDateFields(body, 'declinedOn'),
  z.object({
    declinedOn: isoDate('Enter the date the family declined', 'The date they declined'),
    reason: requiredText('Say how the family told you and what they said', 'What the family said', 2000),
  }),
)
export type DeclineDetails = z.infer<typeof declineDetails>

export const noAppointmentsDetails = z.object({
  reason: requiredText('Describe what happened', 'What happened', 2000),
})

export const reviewDetails = z.object({
  reviewNote: requiredText('Write a note of the review and why appointments can be made again', 'Review note', 2000),
})

export const importForm = z.object({
  csv: z.string({ error: 'Choose the CSV file, or paste it' }).refine((value) => value.trim().length > 0, 'Choose the CSV file, or paste it'),
})

/** The pupils list's search, on the page and in the API (the same limits and messages). */
export const pupilSearch = z.object({
  q: z.string({ error: 'Search for some text' }).trim().max(100, 'Search for 100 characters or fewer').optional().transform((value) => value ?? ''),
  page: z.coerce
    .number({ error: 'Enter a page number' })
    .int('Enter a page number')
    .min(1, 'Enter a page number of 1 or more')
    .max(100_000, 'Enter a page number of 100000 or less')
    .optional()
    .transform((value) => value ?? 1),
})
