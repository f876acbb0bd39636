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

export function isSchoolRole(value: string): value is SchoolRole {
  return (schoolRoles as readonly string[]).includes(value)
}
