import { holdsAnyRole, type SchoolRole } from '../domain/roles.ts'

/**
 * The menu. Each entry shows only to people holding one of its roles in the current school. An entry in a
 * group is not in the menu itself: the group is, once, and its page lists the group's entries this person may
 * open (so the menu stays on one line at 1280 px however many features there are, issue 10 §4).
 */
export type NavGroup = 'follow-up' | 'reports'
type NavEntry = { href: string; text: string; roles: readonly SchoolRole[] | 'all'; group?: NavGroup; description?: string }

export const navGroups: Record<NavGroup, { href: string; text: string; title: string; intro: string }> = {
  'follow-up': {
    href: '/follow-up',
    text: 'Follow-up',
    title: 'Follow-up after visits',
    intro: 'What happens once staff have left the home: records and actions, concerns, incidents, cancellations and letters.',
  },
  reports: {
    href: '/reports',
    text: 'Reports',
    title: 'Reports',
    intro: 'Attendance, reports for governors, the policy review and the audit history.',
  },
}

export const auditViewers = ['school_admin', 'headteacher', 'dsl'] as const satisfies readonly SchoolRole[]
export const staffAdmins = ['school_admin', 'headteacher'] as const satisfies readonly SchoolRole[]

const entries: NavEntry[] = [
  { href: '/', text: 'Home', roles: 'all' },
  { href: '/staff', text: 'Staff', roles: staffAdmins },
  { href: '/audit', text: 'History', roles: auditViewers, group: 'reports', description: 'Who did what, when: every change and every view of safeguarding detail.' },
]

/**
 * The menu's order, whatever order features register in (issue 10 §4: it reads as a day's work, and fits on
 * one line at 1280 px). Entries not listed follow, in the order added.
 */
const menuOrder = ['/', '/visits', '/visits/approvals', '/visits/run-list', '/calendar', '/pupils', '/pupils/import', '/readiness', '/readiness/me', '/board', '/follow-up', '/reports', '/staff', '/audit', '/policy']
const rank = (entry: NavEntry) => {
  const index = menuOrder.indexOf(entry.href)
  return index === -1 ? menuOrder.length + Math.max(0, entries.indexOf(entry)) : index
}

const mayOpen = (roles: readonly SchoolRole[]) => (entry: NavEntry) => entry.roles === 'all' || holdsAnyRole(roles, entry.roles)

/** The entries of a group this person may open, for the group's page. */
export function groupEntries(group: NavGroup, roles: readonly SchoolRole[]): Array<{ href: string; text: string; description?: string }> {
  return entries.filter((entry) => entry.group === group && mayOpen(roles)(entry)).map(({ href, text, description }) => ({ href, text, description }))
}

export function navigationFor(roles: readonly SchoolRole[], currentPath: string) {
  const open = entries.filter(mayOpen(roles))
  // A group is in the menu when this person may open one of its entries; its pages mark it.
  const groupsShown = (Object.keys(navGroups) as NavGroup[]).filter((group) => open.some((entry) => entry.group === group))
  const groupOf = (path: string) =>
    groupsShown.find((group) => path === navGroups[group].href || open.some((entry) => entry.group === group && (path === entry.href || path.startsWith(`${entry.href}/`) || path.startsWith(`${entry.href}.`))))
  const currentGroup = groupOf(currentPath)
  const visible: NavEntry[] = [
    ...open.filter((entry) => !entry.group),
    ...groupsShown.map((group) => ({ href: navGroups[group].href, text: navGroups[group].text, roles: 'all' as const })),
  ].sort((a, b) => rank(a) - rank(b))
  // Only the closest section is marked: /visits/run-list marks "Run list", not "Visits" as well.
  const section = visible
    .filter((entry) => entry.href !== '/' && currentPath.startsWith(`${entry.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]
  const exact = visible.find((entry) => entry.href === currentPath)
  const groupEntry = currentGroup && visible.find((entry) => entry.href === navGroups[currentGroup].href)
  return visible.map((entry) => ({
    href: entry.href,
    text: entry.text,
    // current: this very page (aria-current="page"); active: a page inside this section (aria-current="true").
    current: entry === exact,
    active: !exact && (groupEntry ? entry === groupEntry : entry === section),
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
