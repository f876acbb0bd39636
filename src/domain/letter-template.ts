/**
 * The reminder letter's template (R-AGREE-1): the school's own words with named placeholders such as
 * {{adult.name}}. The placeholders are checked when the template is saved, so a letter never goes out
 * with a gap or a stray "{{adult.surname}}" in it. Pure: no I/O.
 */
export const letterPlaceholders = {
  'adult.title': 'the adult’s own title (Mrs, Mr, Mx …), or nothing if none is recorded',
  'adult.name': 'the adult’s own full name, as recorded on the pupil’s page',
  'adult.salutation': 'how the letter greets them: “Mrs Nowak”, or their full name if they have no title',
  'pupil.name': 'the pupil’s full name',
  'agreement.text': 'what was agreed',
  'agreement.date': 'the date the agreement was made',
  'review.date': 'the date it was reviewed and found not kept',
  'school.name': 'the school’s name',
  'today': 'the date the letter is produced',
} as const
export type LetterPlaceholder = keyof typeof letterPlaceholders
export type LetterValues = Record<LetterPlaceholder, string>

const PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g

export const defaultLetterTemplate = `Dear {{adult.salutation}},

Reminder about our agreement for {{pupil.name}}

When we met on {{agreement.date}}, we agreed together:

{{agreement.text}}

When we reviewed this on {{review.date}}, the agreement had not been kept. We would like to work with you so that {{pupil.name}} can attend school regularly. Please contact the school office so that we can talk about what help you may need.

Yours sincerely,

{{school.name}}`

/** The names inside {{ … }} that Doorstep does not know, each once, in the order they appear. */
export function unknownPlaceholders(template: string): string[] {
  const unknown: string[] = []
  for (const match of template.matchAll(PATTERN)) {
    const name = match[1]!
    if (!Object.hasOwn(letterPlaceholders, name) && !unknown.includes(name)) unknown.push(name)
  }
  return unknown
}

/** Braces that do not make a placeholder: "{{adult.name}" or a lone "}}". */
export function hasBrokenBraces(template: string): boolean {
  const rest = template.replace(PATTERN, '')
  return rest.includes('{{') || rest.includes('}}')
}

/** Problems with a template, as the page shows them; none means it may be saved. */
export function templateProblems(template: string): string[] {
  const problems: string[] = []
  if (!template.trim()) problems.push('Enter the text of the letter')
  const unknown = unknownPlaceholders(template)
  if (unknown.length) {
    const names = unknown.map((name) => `{{${name}}}`).join(', ')
    problems.push(`${unknown.length === 1 ? 'This placeholder is' : 'These placeholders are'} not known: ${names}. Use only the placeholders listed on this page`)
  }
  if (hasBrokenBraces(template)) problems.push('Each placeholder needs two braces on both sides, like {{pupil.name}}')
  return problems
}

/** The letter for one adult: every placeholder replaced by its value. */
export function fillTemplate(template: string, values: LetterValues): string {
  return template.replace(PATTERN, (whole, name: string) => (Object.hasOwn(letterPlaceholders, name) ? values[name as LetterPlaceholder] : whole))
}

/**
 * How a letter greets an adult: their own title and surname ("Mrs Nowak"), or their full name when no title is
 * recorded. Never the child's surname: the adult's own names are passed in (R-FAMILY-1).
 */
export function salutationOf(adult: { title: string; firstName: string; lastName: string }): string {
  const title = adult.title.trim()
  return title ? `${title} ${adult.lastName.trim()}` : `${adult.firstName.trim()} ${adult.lastName.trim()}`
}

export function fullNameOf(adult: { title: string; firstName: string; lastName: string }): string {
  return [adult.title.trim(), adult.firstName.trim(), adult.lastName.trim()].filter(Boolean).join(' ')
}
