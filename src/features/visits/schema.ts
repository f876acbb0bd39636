import { z } from 'zod'
import { cancellationReasons } from '../../domain/cancellation.ts'
import { asArray } from '../../web/forms.ts'
import { normaliseClockTime } from './times.ts'

/**
 * The shapes a visit plan arrives in. Pages and the API send the same fields with the same names,
 * so a bad value gets the same message either way; the forms first turn checkboxes, radios and
 * date boxes into these fields (`fromForm`). Rules that need the school's records or its policy
 * (R-STAFF-1, R-NOTICE-1 …) are in service.ts.
 */

export const rolesOnVisit = ['lead', 'second', 'note_taker'] as const
export type RoleOnVisit = (typeof rolesOnVisit)[number]
export const roleOnVisitLabels: Record<RoleOnVisit, string> = { lead: 'Lead visitor', second: 'Second visitor', note_taker: 'Note-taker' }

const MAX_SHORT = 200
const MAX_LONG = 5000

const uuid = (message: string) => z.string({ error: message }).trim().pipe(z.uuid({ error: message }))
const text = (label: string, max = MAX_LONG) =>
  z.string({ error: `${label} must be text` }).trim().max(max, `${label} must be ${max} characters or fewer`)
const flag = (label: string) =>
  z.preprocess((value) => {
    if (typeof value === 'boolean') return value
    const word = String(value ?? '').trim().toLowerCase()
    if (['yes', 'true', 'on', '1'].includes(word)) return true
    if (['no', 'false', 'off', '0', ''].includes(word)) return false
    return value
  }, z.boolean({ error: `${label} must be yes or no` }))

const isoDate = (label: string) =>
  z
    .string({ error: `Enter ${label}` })
    .trim()
    .refine((value) => value === '' || isRealDate(value), `${capitalise(label)} must be a real date, like 27 3 2027`)
    .transform((value) => value || null)

const clockTime = (label: string) =>
  z
    .string({ error: `Enter ${label}, like 14:30` })
    .trim()
    .refine((value) => value === '' || normaliseClockTime(value) !== undefined, `${capitalise(label)} must be a time, like 09:30 or 14:30`)
    .transform((value) => (value === '' ? null : normaliseClockTime(value)!))

const optionalId = (message: string) =>
  z.preprocess((value) => (value === '' ? null : value), uuid(message).nullable())

/** The pupils a visit is about: the new-visit and pupils pages and the API's pupilIds. A visit is about someone. */
const pupilIdList = z
  .array(uuid('Choose pupils from the list'), { error: 'Choose pupils from the list' })
  .min(1, 'Choose at least one pupil to visit')

/** Every part of a plan, each optional: a draft is filled in over several pages; PATCH sends what changes. */
export const planChanges = z.strictObject({
  pupilIds: pupilIdList.optional(),
  contactIds: z.array(uuid('Choose adults from the list'), { error: 'Choose adults from the list' }).optional(),
  addressId: optionalId('Choose an address from the list').optional(),
  purposeId: z
    .string({ error: 'Choose the purpose of the visit' })
    .trim()
    .refine((value) => value === '' || /^[a-z][a-z0-9_]*$/.test(value), 'Choose the purpose of the visit from the list')
    .transform((value) => value || null)
    .optional(),
  purposeDetail: text('The purpose in more detail').optional(),
  whyNotInSchool: text('Why the family cannot be invited into school').optional(),
  necessityConfirmed: flag('Whether the visit is necessary').optional(),
  /** UK date of the visit (YYYY-MM-DD) and UK wall-clock times (HH:MM). */
  date: isoDate('the date of the visit').optional(),
  leaveSchoolAt: clockTime('the time you leave school').optional(),
  arriveAt: clockTime('the time you arrive at the address').optional(),
  startAt: clockTime('the time the visit starts').optional(),
  endAt: clockTime('the time the visit ends').optional(),
  finishAt: clockTime('the time you leave the address').optional(),
  backAtSchoolAt: clockTime('the time you are back at school').optional(),
  noticeGivenOn: isoDate('the date the family were told').optional(),
  noticeMethod: text('How the family were told', MAX_SHORT).optional(),
  choiceOfTimesOffered: flag('Whether a choice of times was offered').optional(),
  noticeExceptionId: z
    .string({ error: 'Choose an exception from the list' })
    .trim()
    .refine((value) => value === '' || /^[a-z][a-z0-9_]*$/.test(value), 'Choose an exception from the list')
    .transform((value) => value || null)
    .nullable()
    .optional(),
  noticeExceptionReason: text('Why the exception applies').optional(),
  outOfHoursReason: text('Why the visit is out of hours').optional(),
  responsibleContactUserId: optionalId('Choose the responsible contact from the list').optional(),
  staff: z
    .array(
      z.strictObject({
        userId: uuid('Choose staff from the list'),
        role: z.enum(rolesOnVisit, { error: 'Choose lead, second or note-taker as the role on the visit' }),
      }),
      { error: 'List the staff going on the visit' },
    )
    .max(6, 'No more than 6 staff can go on one visit')
    .optional(),
  vehicleId: optionalId('Choose a vehicle from the list').optional(),
  codeWord: text('The code word', MAX_SHORT).optional(),
  contingencyPlan: text('The contingency plan').optional(),
})
export type PlanChanges = z.infer<typeof planChanges>
export type PlanField = keyof PlanChanges

/** The pages of the plan, and the fields each shows. */
export const planSections = {
  family: ['contactIds', 'addressId'],
  purpose: ['purposeId', 'purposeDetail', 'whyNotInSchool', 'necessityConfirmed', 'noticeGivenOn', 'noticeMethod', 'choiceOfTimesOffered', 'noticeExceptionId', 'noticeExceptionReason'],
  when: ['date', 'leaveSchoolAt', 'arriveAt', 'startAt', 'endAt', 'finishAt', 'backAtSchoolAt', 'outOfHoursReason', 'responsibleContactUserId'],
  staff: ['staff', 'vehicleId', 'codeWord', 'contingencyPlan'],
} as const satisfies Record<string, readonly PlanField[]>
export type PlanSection = keyof typeof planSections
export const planSectionTitles: Record<PlanSection, string> = {
  family: 'Who you are visiting and where',
  purpose: 'Why you are visiting, and telling the family',
  when: 'When',
  staff: 'Who is going',
}

export function sectionOfField(field: string): PlanSection {
  const name = field.split('.')[0] as PlanField
  if (name === 'pupilIds') return 'family'
  for (const [section, fields] of Object.entries(planSections)) {
    if ((fields as readonly string[]).includes(name)) return section as PlanSection
  }
  return 'purpose'
}

/** The element a field error links to on its page. */
export function fieldAnchor(field: string): string {
  const name = field.split('.')[0] ?? field
  if (name === 'date' || name === 'noticeGivenOn') return `${name}-day`
  if (name === 'staff') return 'leadUserId'
  if (name === 'contactIds') return 'contactIds'
  return name
}

type Body = Record<string, unknown>

/**
 * A section page's form, as plan changes. Only the section's fields are read, so a page
 * cannot change what it does not show. Radios and checkboxes become the API's values.
 */
export function fromForm(section: PlanSection, body: unknown): Record<string, unknown> {
  const form = (body && typeof body === 'object' ? body : {}) as Body
  const value = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined)
  switch (section) {
    case 'family':
      return { contactIds: asArray(form.contactIds), addressId: value('addressId') ?? '' }
    case 'purpose': {
      const kind = value('noticeKind')
      return {
        purposeId: value('purposeId') ?? '',
        purposeDetail: value('purposeDetail') ?? '',
        whyNotInSchool: value('whyNotInSchool') ?? '',
        necessityConfirmed: asArray(form.necessityConfirmed).includes('yes'),
        noticeGivenOn: kind === 'given' ? joinDate(form, 'noticeGivenOn') : '',
        noticeMethod: kind === 'given' ? (value('noticeMethod') ?? '') : '',
        choiceOfTimesOffered: kind === 'given' ? asArray(form.choiceOfTimesOffered).includes('yes') : false,
        noticeExceptionId: kind === 'exception' ? (value('noticeExceptionId') ?? '') : '',
        noticeExceptionReason: kind === 'exception' ? (value('noticeExceptionReason') ?? '') : '',
      }
    }
    case 'when':
      return {
        date: joinDate(form, 'date'),
        leaveSchoolAt: value('leaveSchoolAt') ?? '',
        arriveAt: value('arriveAt') ?? '',
        startAt: value('startAt') ?? '',
        endAt: value('endAt') ?? '',
        finishAt: value('finishAt') ?? '',
        backAtSchoolAt: value('backAtSchoolAt') ?? '',
        outOfHoursReason: value('outOfHoursReason') ?? '',
        responsibleContactUserId: value('responsibleContactUserId') ?? '',
      }
    case 'staff': {
      const staff = (
        [
          ['leadUserId', 'lead'],
          ['secondUserId', 'second'],
          ['noteTakerUserId', 'note_taker'],
        ] as const
      ).flatMap(([name, role]) => (value(name) ? [{ userId: value(name), role }] : []))
      const changes: Record<string, unknown> = { staff, vehicleId: value('vehicleId') ?? '', contingencyPlan: value('contingencyPlan') ?? '' }
      // A blank code word box keeps the code word (people who may not see it can still replace it).
      if (value('codeWord')?.trim()) changes.codeWord = value('codeWord')
      if (asArray(form.clearCodeWord).includes('yes')) changes.codeWord = ''
      return changes
    }
  }
}

/** GOV.UK date inputs arrive as `<name>-day`, `-month`, `-year`; one `<name>` (YYYY-MM-DD) is taken as it is. */
export function joinDate(form: Body, name: string): string {
  if (typeof form[name] === 'string') return form[name] as string
  const part = (suffix: string) => String(form[`${name}-${suffix}`] ?? '').trim()
  const [day, month, year] = [part('day'), part('month'), part('year')]
  if (!day && !month && !year) return ''
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return 'not-a-date'
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
}

export function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
}

/** The new-visit page: the pupils the visit is about. */
export const newVisitForm = z.object({
  pupilIds: z.preprocess(asArray, pupilIdList),
})

export const riskAssessmentActions = ['save', 'complete', 'sign_off', 'reopen'] as const
export type RiskAssessmentAction = (typeof riskAssessmentActions)[number]

/** The risk assessment page and API (R-RISK-1..3, R-STAFF-2, R-FAMILY-4, R-PURPOSE-2). */
export const riskAssessmentInput = z.strictObject({
  action: z.enum(riskAssessmentActions, { error: 'Choose save, complete, sign_off or reopen' }).default('save'),
  answers: z.record(z.string(), text('Each answer')).optional(),
  loneWorking: z.strictObject({ risks: text('The lone-working risks'), controls: text('How the lone visitor will be kept safe') }).nullable().optional(),
  animalsKeptAwayRequested: flag('Whether the family has been asked to keep the animals away').nullable().optional(),
  risksFound: flag('Whether the assessment found potential risks').nullable().optional(),
  policeAccompanimentRequested: flag('Whether police accompaniment is requested').optional(),
  inviteDecision: z.enum(['invite_instead', 'go_ahead'], { error: 'Choose whether to invite the family into school instead' }).nullable().optional(),
  inviteReason: text('The reason').optional(),
  reopenReason: text('Why the risk assessment is re-opened').optional(),
})
export type RiskAssessmentInput = z.infer<typeof riskAssessmentInput>

export function riskAssessmentFromForm(body: unknown): Record<string, unknown> {
  const form = (body && typeof body === 'object' ? body : {}) as Body
  const value = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined)
  const answers: Record<string, string> = {}
  for (const [key, answer] of Object.entries(form)) {
    if (key.startsWith('answers-') && typeof answer === 'string') answers[key.slice('answers-'.length)] = answer
  }
  const yesNo = (name: string) => (value(name) === 'yes' ? true : value(name) === 'no' ? false : null)
  const decision = value('inviteDecision')
  return {
    action: value('action') ?? 'save',
    answers,
    loneWorking: value('loneWorkingRisks') !== undefined ? { risks: value('loneWorkingRisks') ?? '', controls: value('loneWorkingControls') ?? '' } : null,
    animalsKeptAwayRequested: yesNo('animalsKeptAwayRequested'),
    risksFound: yesNo('risksFound'),
    policeAccompanimentRequested: asArray(form.policeAccompanimentRequested).includes('yes'),
    inviteDecision: decision === 'invite_instead' || decision === 'go_ahead' ? decision : null,
    inviteReason: value('inviteReason') ?? '',
    reopenReason: value('reopenReason') ?? '',
  }
}

/**
 * The visit's version as the person last saw it: a change made from an out-of-date copy is refused.
 * Pages send it in a hidden field, as text; `decisionFormVersion` turns that into the number the API sends.
 */
const version = z.int({ error: 'The version of the visit must be a whole number' }).optional()

/** Sending a plan for risk assessment: page and API. */
export const submitInput = z.strictObject({ version })

export const approveInput = z.strictObject({
  /** R-STAFF-2: the approver's explicit decision that a lone visit is safe and appropriate. */
  loneVisitSafe: flag('Whether the lone visit is safe').optional(),
  note: text('The note').optional(),
  version,
})
export type ApproveInput = z.infer<typeof approveInput>

/** Refusing or cancelling a visit, with the reason: page and API (a blank reason is refused by the service, per action). */
export const reasonInput = z.strictObject({
  reason: text('The reason').default(''),
  version,
})

/**
 * The approve, refuse, cancel and submit pages' forms as the API's bodies, so the same schema checks both
 * (docs/decisions/0012): only the fields the action has are read, a ticked box is `true`, and the hidden
 * version is a number when it is one (anything else is left for the schema to refuse).
 */
export function approveFromForm(body: unknown): Record<string, unknown> {
  const form = formOf(body)
  return { loneVisitSafe: asArray(form.loneVisitSafe).includes('yes'), note: form.note ?? '', ...versionFromForm(form) }
}

/**
 * Cancelling a visit (R-CANCEL-1): one of the reasons in domain/cancellation.ts, and words for "another reason"
 * (the service asks for them). The same list as at the door.
 */
export const cancelInput = z.strictObject({
  cancelReason: z.enum(cancellationReasons, { error: 'Choose why the visit is cancelled' }),
  reason: text('The reason').default(''),
  version,
})
export type CancelInput = z.infer<typeof cancelInput>

export function cancelFromForm(body: unknown): Record<string, unknown> {
  const form = formOf(body)
  return { ...(form.cancelReason === undefined || form.cancelReason === '' ? {} : { cancelReason: form.cancelReason }), reason: form.reason ?? '', ...versionFromForm(form) }
}

export function reasonFromForm(body: unknown): Record<string, unknown> {
  const form = formOf(body)
  return { reason: form.reason ?? '', ...versionFromForm(form) }
}

export function submitFromForm(body: unknown): Record<string, unknown> {
  return versionFromForm(formOf(body))
}

function formOf(body: unknown): Body {
  return (body && typeof body === 'object' ? body : {}) as Body
}

function versionFromForm(form: Body): { version?: unknown } {
  const raw = form.version
  if (raw === undefined || raw === '') return {}
  return { version: typeof raw === 'string' && /^\d{1,9}$/.test(raw.trim()) ? Number(raw) : raw }
}

export const listFilter = z.object({
  status: z.string().trim().optional().transform((value) => value || undefined),
  from: isoDate('the first date').optional(),
  to: isoDate('the last date').optional(),
})

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
