import { holdsAnyRole, type SchoolRole } from '../domain/roles.ts'

/** The menu. Each entry shows only to people holding one of its roles in the current school. */
type NavEntry = { href: string; text: string; roles: readonly SchoolRole[] | 'all' }

export const auditViewers = ['school_admin', 'headteacher', 'dsl'] as const satisfies readonly SchoolRole[]
export const staffAdmins = ['school_admin', 'headteacher'] as const satisfies readonly SchoolRole[]

const entries: NavEntry[] = [
  { href: '/', text: 'Home', roles: 'all' },
  { href: '/staff', text: 'Staff', roles: staffAdmins },
  { href: '/audit', text: 'History', roles: auditViewers },
]

/**
 * The menu's order, whatever order features register in (issue 10 §4: it reads as a day's work, and fits on
 * one line at 1280 px). Entries not listed follow, in the order added.
 */
const menuOrder = ['/', '/visits', '/visits/approvals', '/visits/run-list', '/calendar', '/pupils', '/pupils/import', '/readiness', '/readiness/me', '/board', '/staff', '/audit', '/policy']
const rank = (entry: NavEntry) => {
  const index = menuOrder.indexOf(entry.href)
  return index === -1 ? menuOrder.length + entries.indexOf(entry) : index
}

export function navigationFor(roles: readonly SchoolRole[], currentPath: string) {
  const visible = entries.filter((entry) => entry.roles === 'all' || holdsAnyRole(roles, entry.roles)).sort((a, b) => rank(a) - rank(b))
  // Only the closest section is marked: /visits/run-list marks "Run list", not "Visits" as well.
  const section = visible
    .filter((entry) => entry.href !== '/' && currentPath.startsWith(`${entry.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]
  const exact = visible.find((entry) => entry.href === currentPath)
  return visible.map((entry) => ({
    href: entry.href,
    text: entry.text,
    // current: this very page (aria-current="page"); active: a page inside this section (aria-current="true").
    current: entry === exact,
    active: !exact && entry === section,
  }))
}

/**
 * Adds a menu entry; features call this when they register their routes. "Your account" is not in
 * the menu: it is a link in the header, beside Sign out.
 */
export function addNavigation(entry: NavEntry, before?: string): void {
  if (entries.some((e) => e.href === entry.href)) return
  const index = entries.findIndex((e) => e.href === before)
  entries.splice(index === -1 ? entries.length : index, 0, entry)
}
