import { roleLabels, schoolRoles, isSchoolRole, type SchoolRole } from '../../domain/roles.ts'
import type { FieldError } from '../../web/errors.ts'

/**
 * The pieces the policy section forms are made of (docs/decisions/0007-policy-editing.md).
 *
 * A form's fields are named by the policy path they edit ("staffing.minimumStaff", "purposes.2.label"),
 * so an error from `validatePolicy` names its field directly. A field's id is its name with dots as
 * dashes ("staffing-minimumStaff"); a date input's first box is "<id>-day".
 *
 * A section turns a policy into the body its form would post (`Body`), and builds its form from a body:
 * the same code shows a saved draft and re-shows a form that was sent with mistakes. The GOV.UK macro
 * parameters are built here, in TypeScript; the template only lays them out.
 */

export type Body = Record<string, unknown>
export type Option = { value: string; text: string; hint?: string }

export type MacroComponent = { macro: 'input' | 'radios' | 'checkboxes' | 'textarea' | 'date' | 'select' | 'button'; params: Record<string, unknown> }
export type Component =
  | MacroComponent
  | { macro: 'heading'; text: string; body?: string }
  | { macro: 'inset'; text: string }
  | { macro: 'error'; id: string; text: string }
  | { macro: 'pair'; first: MacroComponent; second: MacroComponent }
  | { macro: 'buttonGroup'; buttons: MacroComponent[] }
  | { macro: 'defaultSubmit' }
  | { macro: 'fieldsetStart'; legend: string; hint?: string; size?: 's' | 'm' }
  | { macro: 'fieldsetEnd' }
  | { macro: 'hidden'; name: string; value: string }

export const fieldId = (name: string) => name.replaceAll('.', '-')

/** The element an error on this field links to. */
export function anchorId(name: string, dateFields: ReadonlySet<string>): string {
  return dateFields.has(name) ? `${fieldId(name)}-day` : fieldId(name)
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a body

export function str(body: Body, name: string): string {
  const value = body[name]
  if (typeof value === 'string') return value.trim()
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim()
  return ''
}

export function list(body: Body, name: string): string[] {
  const value = body[name]
  if (value === undefined || value === null || value === '') return []
  return (Array.isArray(value) ? value : [value]).map(String).filter((item) => item !== '')
}

/** The rows of a list field: keys "<name>.<index>.<key>", in index order. */
export function rowsOf(body: Body, name: string): Array<{ index: number; row: Body }> {
  const prefix = `${name}.`
  const byIndex = new Map<number, Body>()
  for (const [key, value] of Object.entries(body)) {
    if (!key.startsWith(prefix)) continue
    const match = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length))
    if (!match) continue
    const index = Number(match[1])
    if (index > 200) continue
    // A field name is typed by whoever posts the form: a row has no prototype, so "steps.0.__proto__" is just a key.
    const row = byIndex.get(index) ?? (Object.create(null) as Body)
    row[match[2]!] = value
    byIndex.set(index, row)
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, row]) => ({ index, row }))
}

/** A body with the rows of a list field replaced (renumbered from 0). */
export function withRows(body: Body, name: string, rows: Body[]): Body {
  const prefix = `${name}.`
  const next: Body = Object.fromEntries(Object.entries(body).filter(([key]) => !(key.startsWith(prefix) && /^\d+\./.test(key.slice(prefix.length)))))
  rows.forEach((row, index) => {
    for (const [key, value] of Object.entries(row)) next[`${name}.${index}.${key}`] = value
  })
  return next
}

/** Reads typed values out of a body, collecting one plain-English error per field. */
export class FormReader {
  readonly errors: FieldError[] = []
  readonly body: Body

  constructor(body: Body) {
    this.body = body
  }

  fail(field: string, message: string): void {
    if (!this.errors.some((error) => error.field === field)) this.errors.push({ field, message })
  }

  yesNo(name: string, message: string): boolean {
    const value = str(this.body, name)
    if (value === 'yes') return true
    if (value === 'no') return false
    this.fail(name, message)
    return false
  }

  /** A whole number; `optional` allows an empty box (null). */
  whole(name: string, what: string, options: { min?: number; max?: number; optional?: boolean } = {}): number | null {
    const text = str(this.body, name).replace(/,/g, '')
    if (text === '') {
      if (options.optional) return null
      this.fail(name, `Enter ${what}`)
      return 0
    }
    if (!/^-?\d+$/.test(text)) {
      this.fail(name, `${capitalise(what)} must be a whole number, like ${options.min !== undefined && options.min > 0 ? options.min : 10}`)
      return 0
    }
    const value = Number(text)
    const { min, max } = options
    if (min !== undefined && value < min) this.fail(name, `${capitalise(what)} must be ${min} or more`)
    else if (max !== undefined && value > max) this.fail(name, `${capitalise(what)} must be ${max} or less`)
    return value
  }

  /** A number that may have decimals; empty is null when optional. */
  decimal(name: string, what: string, options: { optional?: boolean } = {}): number | null {
    const text = str(this.body, name).replace(/%$/, '').trim()
    if (text === '') {
      if (options.optional) return null
      this.fail(name, `Enter ${what}`)
      return 0
    }
    if (!/^\d+(\.\d+)?$/.test(text)) {
      this.fail(name, `${capitalise(what)} must be a number, like 70`)
      return 0
    }
    return Number(text)
  }

  text(name: string, what: string, options: { max?: number } = {}): string {
    const value = str(this.body, name)
    if (value === '') this.fail(name, `Enter ${what}`)
    else if (value.length > (options.max ?? 500)) this.fail(name, `${capitalise(what)} must be ${options.max ?? 500} characters or fewer`)
    return value
  }

  choice<T extends string>(name: string, options: readonly T[], message: string): T {
    const value = str(this.body, name)
    if ((options as readonly string[]).includes(value)) return value as T
    this.fail(name, message)
    return options[0]!
  }

  /** The roles ticked, keeping the order they had (`previous`: the order reads in the policy's sentences), new ones after. */
  roles(name: string, previous: readonly SchoolRole[] = []): SchoolRole[] {
    const values = list(this.body, name)
    const roles = values.filter(isSchoolRole)
    if (roles.length !== values.length) this.fail(name, 'Choose roles from the list')
    const kept = previous.filter((role) => roles.includes(role))
    return [...kept, ...schoolRoles.filter((role) => roles.includes(role) && !kept.includes(role))]
  }

  /** A time on the 24-hour clock, "8:30" or "08:30"; empty is null. */
  time(name: string, what: string): string | null {
    const text = str(this.body, name).replace('.', ':')
    if (text === '') return null
    const match = /^(\d{1,2}):(\d{2})$/.exec(text)
    if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
      this.fail(name, `${capitalise(what)} must be a time on the 24-hour clock, like 08:30`)
      return null
    }
    return `${match[1]!.padStart(2, '0')}:${match[2]}`
  }

  /** A date from a GOV.UK date input ("<name>-day", "-month", "-year") as YYYY-MM-DD. */
  date(name: string, what: string): string {
    const [day, month, year] = ['day', 'month', 'year'].map((part) => str(this.body, `${name}-${part}`))
    if (!day && !month && !year) {
      this.fail(name, `Enter ${what}`)
      return ''
    }
    const iso = `${year}-${(month ?? '').padStart(2, '0')}-${(day ?? '').padStart(2, '0')}`
    if (!/^\d{1,2}$/.test(day ?? '') || !/^\d{1,2}$/.test(month ?? '') || !/^\d{4}$/.test(year ?? '') || !isRealDate(iso)) {
      this.fail(name, `${capitalise(what)} must be a real date, like 1 9 2027`)
      return ''
    }
    return iso
  }
}

export function isRealDate(iso: string): boolean {
  const date = new Date(`${iso}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso
}

/** A date as the body of a date input holds it. */
export function dateBody(name: string, iso: string | null): Body {
  if (!iso) return {}
  return { [`${name}-day`]: String(Number(iso.slice(8, 10))), [`${name}-month`]: String(Number(iso.slice(5, 7))), [`${name}-year`]: iso.slice(0, 4) }
}

export const yesNoValue = (value: boolean) => (value ? 'yes' : 'no')

/** A short id for a new list entry, from its wording: "Home visiting" → "home_visiting". */
export function newId(label: string, taken: ReadonlySet<string>, fallback: string): string {
  let base = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '')
  if (!/^[a-z]/.test(base)) base = base ? `${fallback}_${base}` : fallback
  let id = base
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`
  return id
}

// ---------------------------------------------------------------------------------------------------------------
// Building a form

export type Errors = ReadonlyMap<string, string>

const errorOf = (errors: Errors, name: string) => (errors.has(name) ? { text: errors.get(name) } : undefined)
const hintOf = (hint: string | undefined) => (hint ? { text: hint } : undefined)
const legend = (text: string, size: 's' | 'm' = 's') => ({ legend: { text, classes: `govuk-fieldset__legend--${size}` } })

export const roleOptions: Option[] = schoolRoles.map((role) => ({ value: role, text: roleLabels[role] }))

export function heading(text: string, body?: string): Component {
  return { macro: 'heading', text, ...(body ? { body } : {}) }
}

export function hidden(name: string, value: string): Component {
  return { macro: 'hidden', name, value }
}

export function yesNo(body: Body, errors: Errors, name: string, question: string, hint?: string): MacroComponent {
  const value = str(body, name)
  return {
    macro: 'radios',
    params: {
      idPrefix: fieldId(name),
      name,
      classes: 'govuk-radios--inline',
      fieldset: legend(question),
      hint: hintOf(hint),
      errorMessage: errorOf(errors, name),
      items: [
        { value: 'yes', text: 'Yes', checked: value === 'yes' },
        { value: 'no', text: 'No', checked: value === 'no' },
      ],
    },
  }
}

export function radios(body: Body, errors: Errors, name: string, question: string, options: Option[], hint?: string): MacroComponent {
  const value = str(body, name)
  return {
    macro: 'radios',
    params: {
      idPrefix: fieldId(name),
      name,
      fieldset: legend(question),
      hint: hintOf(hint),
      errorMessage: errorOf(errors, name),
      items: options.map((option) => ({ value: option.value, text: option.text, hint: hintOf(option.hint), checked: option.value === value })),
    },
  }
}

export function checkboxes(body: Body, errors: Errors, name: string, question: string, options: Option[], hint?: string): MacroComponent {
  const values = list(body, name)
  return {
    macro: 'checkboxes',
    params: {
      idPrefix: fieldId(name),
      name,
      classes: 'govuk-checkboxes--small',
      fieldset: legend(question),
      hint: hintOf(hint),
      errorMessage: errorOf(errors, name),
      items: options.map((option) => ({ value: option.value, text: option.text, hint: hintOf(option.hint), checked: values.includes(option.value) })),
    },
  }
}

export function roles(body: Body, errors: Errors, name: string, question: string, hint?: string): MacroComponent {
  return checkboxes(body, errors, name, question, roleOptions, hint)
}

export function input(
  body: Body,
  errors: Errors,
  name: string,
  label: string,
  options: { hint?: string; suffix?: string; width?: 2 | 3 | 4 | 5 | 10 | 20 | 30; numeric?: boolean; bold?: boolean } = {},
): MacroComponent {
  return {
    macro: 'input',
    params: {
      id: fieldId(name),
      name,
      label: { text: label, classes: options.bold === false ? undefined : 'govuk-label--s' },
      hint: hintOf(options.hint),
      value: str(body, name),
      classes: options.width ? `govuk-input--width-${options.width}` : undefined,
      inputmode: options.numeric ? 'numeric' : undefined,
      spellcheck: options.numeric ? false : undefined,
      suffix: options.suffix ? { text: options.suffix } : undefined,
      errorMessage: errorOf(errors, name),
    },
  }
}

export function textarea(body: Body, errors: Errors, name: string, label: string, hint?: string, rows = 3): MacroComponent {
  return {
    macro: 'textarea',
    params: {
      id: fieldId(name),
      name,
      rows,
      label: { text: label, classes: 'govuk-label--s' },
      hint: hintOf(hint),
      value: str(body, name),
      errorMessage: errorOf(errors, name),
    },
  }
}

export function select(body: Body, errors: Errors, name: string, label: string, options: Option[]): MacroComponent {
  const value = str(body, name)
  return {
    macro: 'select',
    params: {
      id: fieldId(name),
      name,
      label: { text: label, classes: 'govuk-label--s' },
      items: options.map((option) => ({ value: option.value, text: option.text, selected: option.value === value })),
      errorMessage: errorOf(errors, name),
    },
  }
}

export function dateInput(body: Body, errors: Errors, name: string, question: string, hint: string): MacroComponent {
  const error = errors.get(name)
  const errorClass = error ? ' govuk-input--error' : ''
  return {
    macro: 'date',
    params: {
      id: fieldId(name),
      namePrefix: name,
      fieldset: legend(question),
      hint: { text: hint },
      errorMessage: error ? { text: error } : undefined,
      items: [
        { name: 'day', label: 'Day', classes: `govuk-input--width-2${errorClass}`, value: str(body, `${name}-day`) },
        { name: 'month', label: 'Month', classes: `govuk-input--width-2${errorClass}`, value: str(body, `${name}-month`) },
        { name: 'year', label: 'Year', classes: `govuk-input--width-4${errorClass}`, value: str(body, `${name}-year`) },
      ],
    },
  }
}

export function button(text: string, options: { name?: string; value?: string; secondary?: boolean; warning?: boolean; id?: string } = {}): MacroComponent {
  const classes = [options.secondary ? 'govuk-button--secondary' : '', options.warning ? 'govuk-button--warning' : ''].filter(Boolean).join(' ')
  return {
    macro: 'button',
    params: {
      text,
      name: options.name,
      value: options.value,
      classes: classes || undefined,
      attributes: options.id ? { id: options.id } : undefined,
    },
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
