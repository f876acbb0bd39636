import { z } from 'zod'
import { isRealDate, joinDate } from '../visits/schema.ts'

/**
 * What a visit record (R-REC-1) and a follow-up action (R-FOLLOW-1) accept. The API takes these bodies as
 * they are; the pages turn their forms into them first (`recordFromForm`, `actionFromForm`), so both refuse
 * the same input with the same message (docs/decisions/0012).
 */

const clock = z.string().trim().regex(/^([01]?\d|2[0-3])[:.]?[0-5]\d$/, 'Enter a time like 14:05')
const normalTime = clock.transform((value) => {
  const digits = value.replace(/[:.]/, '')
  const padded = digits.padStart(4, '0')
  return `${padded.slice(0, 2)}:${padded.slice(2)}`
})
const longText = (what: string) => z.string().max(10_000, `${what} must be 10,000 characters or fewer`).default('')

export const presentPerson = z.object({
  name: z.string().trim().min(1, 'Enter the name of everyone present').max(200, 'A name must be 200 characters or fewer'),
  relationship: z.string().trim().min(1, 'Enter each person’s relationship to the pupil').max(100, 'A relationship must be 100 characters or fewer'),
  contactId: z.uuid().nullable().default(null).describe("One of the pupil's family adults, when picked from the family"),
  userId: z.uuid().nullable().default(null).describe('A member of staff, when one of the visitors'),
})
export type PresentPerson = z.infer<typeof presentPerson>

export const recordInput = z.strictObject({
  present: z.array(presentPerson).max(30, 'Up to 30 people can be listed').default([]),
  arrivedAt: normalTime.nullable().default(null).describe('HH:MM, UK time, on the day of the visit'),
  leftAt: normalTime.nullable().default(null).describe('HH:MM, UK time, on the day of the visit'),
  discussed: longText('What was discussed'),
  agreements: longText('Agreements'),
  concerns: longText('Concerns').describe('Safeguarding detail: read only by the DSL team, the head and the record’s writers'),
  actions: longText('Actions'),
  version: z.int().min(1).optional().describe('The version you changed; a save over a newer version is refused'),
})
export type RecordInput = z.infer<typeof recordInput>

export const recordIntents = ['save', 'complete', 'autosave'] as const
export type RecordIntent = (typeof recordIntents)[number]

/** A person the form offers as a tick box: one of the family's adults, or a visitor. */
export type PresentChoice = { key: string; name: string; relationship: string; contactId: string | null; userId: string | null }

export const OTHER_ROWS = 3
type Body = Record<string, unknown>
const text = (value: unknown) => (typeof value === 'string' ? value : '')
const list = (value: unknown) => (value === undefined || value === '' ? [] : (Array.isArray(value) ? value : [value]).map(String))

/**
 * The record form as the API's body. Ticked people come from `choices`; the "someone else" rows become
 * people too, and a row with a name but no relationship (or the other way round) is kept, so the schema
 * refuses it with the same message as the API. Blank rows are dropped.
 */
export function recordFromForm(body: unknown, choices: readonly PresentChoice[]): { input: Body; intent: RecordIntent; otherRows: Array<{ name: string; relationship: string }> } {
  const form = (body ?? {}) as Body
  const ticked = new Set(list(form.present))
  const present: Body[] = choices
    .filter((choice) => ticked.has(choice.key))
    .map((choice) => ({ name: choice.name, relationship: text(form[`relationship-${choice.key}`]).trim() || choice.relationship, contactId: choice.contactId, userId: choice.userId }))
  const otherRows: Array<{ name: string; relationship: string }> = []
  for (let n = 1; n <= OTHER_ROWS + 30; n++) {
    if (form[`otherName-${n}`] === undefined && form[`otherRelationship-${n}`] === undefined) continue
    const row = { name: text(form[`otherName-${n}`]), relationship: text(form[`otherRelationship-${n}`]) }
    otherRows.push(row)
    if (row.name.trim() || row.relationship.trim()) present.push({ ...row, contactId: null, userId: null })
  }
  const time = (value: unknown) => (text(value).trim() === '' ? null : text(value))
  const version = Number(text(form.version))
  const intent = recordIntents.find((i) => i === form.intent) ?? 'save'
  return {
    intent,
    otherRows,
    input: {
      present,
      arrivedAt: time(form.arrivedAt),
      leftAt: time(form.leftAt),
      discussed: text(form.discussed),
      agreements: text(form.agreements),
      concerns: text(form.concerns),
      actions: text(form.actions),
      ...(Number.isInteger(version) && version > 0 ? { version } : {}),
    },
  }
}

/** Where a field's error takes the reader on the record page. */
export function recordFieldId(field: string): string {
  if (field.startsWith('present')) return 'present'
  return field
}

// ---------------------------------------------------------------- follow-up actions (R-FOLLOW-1)

const isoDay = z.string().refine(isRealDate, 'Enter a real due date, for example 27 11 2026')

export const actionInput = z.strictObject({
  description: z.string().trim().min(1, 'Say what needs doing').max(2000, 'The action must be 2,000 characters or fewer'),
  ownerUserId: z.uuid('Choose who will do it'),
  dueOn: isoDay.describe('YYYY-MM-DD'),
  pupilId: z.uuid('Choose the pupil').optional().describe('On a visit with several pupils: which pupil the action is about (default: the first)'),
})
export type ActionInput = z.infer<typeof actionInput>

export const actionDoneInput = z.strictObject({
  note: z.string().max(2000, 'The note must be 2,000 characters or fewer').default(''),
})

export function actionFromForm(body: unknown): Body {
  const form = { ...((body ?? {}) as Body) }
  const dueOn = joinDate(form, 'dueOn')
  return {
    description: text(form.description),
    ownerUserId: text(form.ownerUserId),
    dueOn,
    ...(text(form.pupilId) ? { pupilId: text(form.pupilId) } : {}),
  }
}

export const actionFieldId = (field: string) => (field === 'dueOn' ? 'dueOn-day' : field)
