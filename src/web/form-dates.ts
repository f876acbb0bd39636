/**
 * A date typed in a GET form's GOV.UK date input (`<name>-day`, `<name>-month`, `<name>-year`), as YYYY-MM-DD for
 * the route's schema; or the YYYY-MM-DD `<name>` a link carries (previous/next day links, bookmarks, the CSV).
 * Boxes left blank give ''; boxes that do not make a date give a string the schema refuses (issue 10 §2: date
 * entry is the same everywhere).
 */
export function dateQuery(query: unknown, name: string): string | undefined {
  const q = (query ?? {}) as Record<string, unknown>
  const part = (suffix: string) => {
    const value = q[`${name}-${suffix}`]
    return typeof value === 'string' ? value.trim() : undefined
  }
  const [day, month, year] = [part('day'), part('month'), part('year')]
  if (day === undefined && month === undefined && year === undefined) {
    const whole = q[name]
    return typeof whole === 'string' ? whole : undefined
  }
  if (!day && !month && !year) return ''
  const pad = (value: string | undefined) => (value && /^\d{1,2}$/.test(value) ? value.padStart(2, '0') : (value ?? ''))
  return `${year ?? ''}-${pad(month)}-${pad(day)}`
}

/** The boxes of a date input for a YYYY-MM-DD value (what was typed, when it was typed in boxes). */
export function dateBoxes(query: unknown, name: string, value: string | undefined): { day: string; month: string; year: string } {
  const q = (query ?? {}) as Record<string, unknown>
  const typed = (suffix: string) => (typeof q[`${name}-${suffix}`] === 'string' ? String(q[`${name}-${suffix}`]) : undefined)
  if (typed('day') !== undefined || typed('month') !== undefined || typed('year') !== undefined) {
    return { day: typed('day') ?? '', month: typed('month') ?? '', year: typed('year') ?? '' }
  }
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value ?? '')
  return match ? { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1]! } : { day: '', month: '', year: value ?? '' }
}
