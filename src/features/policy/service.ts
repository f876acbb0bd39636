import type pg from 'pg'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { getPreset, unknownPresetMessage } from '../../policy/presets.ts'
import { insertPolicyVersion, ukDate, type PolicyVersion } from './repository.ts'

/**
 * A new school starts on the policy preset it chose, as version 1, in force from today.
 * Runs in the caller's transaction (school creation).
 */
export async function adoptPreset(client: pg.PoolClient, schoolId: string, presetId: string, actor: Actor, now: Date): Promise<PolicyVersion> {
  const preset = getPreset(presetId)
  if (!preset) throw new Error(unknownPresetMessage(presetId))
  const version = await insertPolicyVersion(client, schoolId, {
    preset: preset.id,
    policy: preset.policy,
    effectiveFrom: ukDate(now),
    note: `Started from the preset "${preset.name}"`,
    actor,
  })
  await recordAudit(client, {
    schoolId,
    actor,
    action: 'policy.adopted',
    subjectType: 'policy_version',
    subjectId: version.id,
    summary: `Adopted the policy preset "${preset.name}" as version ${version.version}`,
  }, now)
  return version
}
