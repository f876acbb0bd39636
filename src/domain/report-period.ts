import { formatDate } from './dates.ts'

/**
 * The periods a governors' report covers (R-GOV-3): a school term or dates chosen. Terms are taken as
 * autumn 1 September to 31 December, spring 1 January to 31 March, summer 1 April to 31 August, the
 * way governors' termly reports are usually cut (Easter moves; docs/decisions/0026).
 */

export type Period = { from: string; to: string; label: string; termId?: string }
export type Term = Period & { termId: string }

const seasons = [
  { season: 'spring', from: '01-01', to: '03-31', name: 'Spring term' },
  { season: 'summer', from: '04-01', to: '08-31', name: 'Summer term' },
  { season: 'autumn', from: '09-01', to: '12-31', name: 'Autumn term' },
] as const

function term(season: (typeof seasons)[number], year: number): Term {
  const from = `${year}-${season.from}`
  const to = `${year}-${season.to}`
  return { termId: `${season.season}-${year}`, from, to, label: `${season.name} ${year} (${formatDate(from)} to ${formatDate(to)})` }
}

/** The term holding `today` and the five before it, latest first. */
export function recentTerms(today: string): Term[] {
  const year = Number(today.slice(0, 4))
  const all = [year - 2, year - 1, year].flatMap((y) => seasons.map((s) => term(s, y))).filter((t) => t.from <= today)
  return all.reverse().slice(0, 6)
}

export function termById(id: string, today: string): Term | undefined {
  const match = /^(spring|summer|autumn)-(\d{4})$/.exec(id)
  if (!match) return undefined
  const season = seasons.find((s) => s.season === match[1])!
  const found = term(season, Number(match[2]))
  return found.from <= today ? found : undefined
}

const isRealDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value

export type PeriodChoice = { ok: true; period: Period } | { ok: false; errors: Array<{ field: string; message: string }> }

/**
 * The period asked for: `from` and `to` (dates chosen), else `term`, else the current term. Bad input gives
 * field errors, never a guess.
 */
export function choosePeriod(query: { term?: string; from?: string; to?: string }, today: string): PeriodChoice {
  const from = (query.from ?? '').trim()
  const to = (query.to ?? '').trim()
  if (from || to) {
    const errors = []
    if (!isRealDate(from)) errors.push({ field: 'from', message: from ? 'The start must be a real date, like 2026-09-01' : 'Enter the first day of the period' })
    if (!isRealDate(to)) errors.push({ field: 'to', message: to ? 'The end must be a real date, like 2026-12-18' : 'Enter the last day of the period' })
    if (errors.length) return { ok: false, errors }
    if (to < from) return { ok: false, errors: [{ field: 'to', message: 'The end must be on or after the start' }] }
    if (from > today) return { ok: false, errors: [{ field: 'from', message: 'The period must start by today' }] }
    const days = (new Date(`${to}T00:00:00Z`).getTime() - new Date(`${from}T00:00:00Z`).getTime()) / 86_400_000
    if (days > 731) return { ok: false, errors: [{ field: 'to', message: 'A report covers at most two years' }] }
    return { ok: true, period: { from, to, label: `${formatDate(from)} to ${formatDate(to)}` } }
  }
  const id = (query.term ?? '').trim()
  if (id) {
    const found = termById(id, today)
    if (!found) return { ok: false, errors: [{ field: 'term', message: 'Choose a term from the list' }] }
    return { ok: true, period: found }
  }
  return { ok: true, period: recentTerms(today)[0]! }
}
