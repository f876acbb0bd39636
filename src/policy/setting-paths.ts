import type { Policy } from './schema.ts'

export type SettingLeaf = { path: string; value: string | number | boolean | null }

/**
 * Every single value in a policy with its dotted path ("staffing.minimumStaff", "purposes.0.label"),
 * leaving out `sources`. Used to check that each setting has a source and appears in the policy document.
 */
export function settingLeaves(policy: Policy): SettingLeaf[] {
  const { sources: _sources, ...settings } = policy
  return leavesOf(settings, '')
}

function leavesOf(value: unknown, path: string): SettingLeaf[] {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [{ path, value }]
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value as object)
  return entries.flatMap(([key, item]) => leavesOf(item, path ? `${path}.${key}` : key))
}

/** The source recorded for a setting: its own entry, or the nearest enclosing one ("waits" covers "waits.parentsNotPresentMinutes"). */
export function sourceFor(policy: Policy, path: string): Policy['sources'][string] | undefined {
  const parts = path.split('.')
  for (let length = parts.length; length > 0; length--) {
    const source = policy.sources[parts.slice(0, length).join('.')]
    if (source) return source
  }
  return undefined
}
