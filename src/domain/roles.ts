/**
 * The roles a person can hold in a school. A user may hold several roles in one school
 * and different roles in different schools. `trust_admin` is held across an organisation
 * and acts as a school admin in each of its schools.
 */
export const schoolRoles = [
  'headteacher',
  'associate_head',
  'dsl',
  'deputy_dsl',
  'slt',
  'office',
  'visitor',
  'governor',
  'school_admin',
] as const

export type SchoolRole = (typeof schoolRoles)[number]

export const roleLabels: Record<SchoolRole, string> = {
  headteacher: 'Headteacher',
  associate_head: 'Associate or deputy headteacher',
  dsl: 'Designated safeguarding lead (DSL)',
  deputy_dsl: 'Deputy DSL',
  slt: 'Senior or central leadership team member',
  office: 'School office',
  visitor: 'Visiting staff',
  governor: 'Governor',
  school_admin: 'School admin',
}

/**
 * R-CONF-1: the roles that read safeguarding detail (pupils' restricted notes, every visit's code word and
 * briefing). Only the headteacher gives or takes them away, unless the school's policy lets school
 * admins (`staffing.adminsMayGrantSafeguardingRoles`, docs/decisions/0009).
 */
export const safeguardingRoles = ['headteacher', 'associate_head', 'dsl', 'deputy_dsl'] as const satisfies readonly SchoolRole[]

/** "headteacher, associate or deputy headteacher, DSL and deputy DSL", for sentences about those roles. */
export const safeguardingRoleNames = joinWords(
  safeguardingRoles.map((role) => ({ headteacher: 'headteacher', associate_head: 'associate or deputy headteacher', dsl: 'DSL', deputy_dsl: 'deputy DSL' })[role]),
  'and',
)

export function isSchoolRole(value: string): value is SchoolRole {
  return (schoolRoles as readonly string[]).includes(value)
}

/**
 * Whether someone holding `held` holds at least one of `wanted`: the one way Doorstep asks
 * "may this person …" of a list of roles (routes, services, the menu). No roles wanted: false.
 */
export function holdsAnyRole(held: readonly SchoolRole[], wanted: readonly SchoolRole[]): boolean {
  return wanted.some((role) => held.includes(role))
}

/**
 * How each role reads inside a sentence of a policy or a message ("approved by the headteacher").
 * `roleLabels` are for form labels and lists; these are for prose.
 */
export const roleNamesInText: Record<SchoolRole, string> = {
  headteacher: 'the headteacher',
  associate_head: 'the associate or deputy headteacher',
  dsl: 'the designated safeguarding lead (DSL)',
  deputy_dsl: 'a deputy DSL',
  slt: 'a member of the senior or central leadership team',
  office: 'the school office',
  visitor: 'the visiting staff',
  governor: 'the governors',
  school_admin: 'the school admin',
}

/** "the headteacher", "the headteacher or the DSL", "A, B or C" — roles joined for a sentence. */
export function describeRoles(roles: readonly SchoolRole[], conjunction: 'or' | 'and' = 'or'): string {
  return joinWords(roles.map((role) => roleNamesInText[role]), conjunction)
}

/** Joins words for a sentence; adds a comma before the last word when a part already contains the conjunction. */
export function joinWords(words: readonly string[], conjunction: 'or' | 'and'): string {
  if (words.length <= 1) return words[0] ?? ''
  const head = words.slice(0, -1).join(', ')
  const last = words[words.length - 1] ?? ''
  const needsComma = words.some((word) => word.includes(` ${conjunction} `))
  return `${head}${needsComma ? ',' : ''} ${conjunction} ${last}`
}
