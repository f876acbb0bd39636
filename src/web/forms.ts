import type { z } from 'zod'
import type { FieldError } from './errors.ts'

export type FormResult<T> =
  | { ok: true; data: T }
  | { ok: false; errors: FieldError[] }

/** Validates a submitted form with one zod schema; errors name the field they belong to. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.infer<S>> {
  const result = schema.safeParse(body ?? {})
  if (result.success) return { ok: true, data: result.data }
  const seen = new Set<string>()
  const errors: FieldError[] = []
  for (const issue of result.error.issues) {
    // A checkbox list is one field: an error on its third box belongs to the list.
    const field = issue.path.filter((part) => typeof part !== 'number').map(String).join('.') || 'form'
    if (seen.has(field)) continue
    seen.add(field)
    errors.push({ field, message: issue.message })
  }
  return { ok: false, errors }
}

/** The GOV.UK error summary list and a per-field lookup, from field errors. */
export function errorView(errors: FieldError[], idFor: (field: string) => string = (field) => field.replaceAll('.', '-')) {
  return {
    errorList: errors.map((e) => ({ text: e.message, href: `#${idFor(e.field)}` })),
    fieldErrors: Object.fromEntries(errors.map((e) => [e.field, { text: e.message }])),
  }
}

/** A form checkbox list arrives as a string for one box and an array for several. */
export function asArray(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return []
  return (Array.isArray(value) ? value : [value]).map(String)
}
