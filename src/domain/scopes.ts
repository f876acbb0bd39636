import type { SchoolRole } from './roles.ts'

/**
 * The scopes an API client (OAuth 2.0 client credentials, docs/decisions/0025-api-clients.md) may be given.
 * Every `defineApi` route an integration may call declares one; routes without a scope are for people only
 * (a personal token or a browser session). A client's request counts as the one role its route's scope
 * names here, so a client never does more than that role may, in the one school it was registered for.
 */
export const apiScopes = ['visits:read', 'pupils:read', 'pupils:write', 'readiness:read', 'readiness:write', 'staff:read', 'policy:read'] as const

export type ApiScope = (typeof apiScopes)[number]

export const scopeLabels: Record<ApiScope, string> = {
  'visits:read': 'Read visits (without code words or safeguarding detail)',
  'pupils:read': 'Read pupils and families (without restricted notes)',
  'pupils:write': 'Add and import pupils and families, and change pupils’ details and attendance',
  'readiness:read': 'Read staff readiness: DBS checks, training, vehicles, and the staff directory for planning',
  'readiness:write': 'Record DBS checks, training and vehicles',
  'staff:read': 'Read the list of staff accounts',
  'policy:read': 'Read the school’s home visits policy',
}

/** The role a client's request counts as, by the scope of the route it calls. */
export const scopeRoles: Record<ApiScope, SchoolRole> = {
  'visits:read': 'office',
  'pupils:read': 'office',
  'pupils:write': 'office',
  'readiness:read': 'office',
  'readiness:write': 'office',
  'staff:read': 'school_admin',
  'policy:read': 'office',
}

export function isApiScope(value: string): value is ApiScope {
  return (apiScopes as readonly string[]).includes(value)
}
