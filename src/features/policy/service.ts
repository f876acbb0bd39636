import { addMonthsIso } from '../../domain/attendance.ts'
import type pg from 'pg'
import { recordAudit, type Actor } from '../../audit/audit.ts'
import { inTransaction, type Db, type Pool } from '../../db/pool.ts'
import { formatDate } from '../../domain/dates.ts'
import { holdsAnyRole, type SchoolRole } from '../../domain/roles.ts'
import { adoptedPolicy } from '../../policy/adopt.ts'
import { changedParagraphs, changedSettings, markChangedSources, policySettings } from '../../policy/changes.ts'
import { policyDocument, type PolicyDocument } from '../../policy/document.ts'
import { getPreset, unknownPresetMessage } from '../../policy/presets.ts'
import type { Policy } from '../../policy/schema.ts'
import { sourceFor } from '../../policy/setting-paths.ts'
import { validatePolicy, type PolicyError } from '../../policy/validate.ts'
import { ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../../web/errors.ts'
import { FormReader, isRealDate, type Body } from './form.ts'
import {
  deleteDraft,
  findDraft,
  findPolicyVersion,
  insertPolicyVersion,
  latestPolicyVersion,
  listPolicyVersions,
  saveDraftPolicy,
  startDraft,
  ukDate,
  type PolicyDraft,
  type PolicyVersion,
} from './repository.ts'
import { fieldForError, fieldNames, sectionFor, sections, type Section } from './sections.ts'

/**
 * A school's home-visit policy (R-GOV-1, R-GOV-2, R-AUDIT-1): the version in force, its document,
 * its versions, and editing it through a draft that applies to nothing until it is published.
 */

/** Who may change the policy. Checked here as well as on the routes, so pages and API agree. */
export const policyEditors = ['headteacher', 'school_admin'] as const satisfies readonly SchoolRole[]
/** Who may see where each setting comes from: the editors and the governors who review the policy (docs/decisions/0003). */
export const sourceReaders = ['headteacher', 'school_admin', 'governor'] as const satisfies readonly SchoolRole[]

export type PolicyContext = { schoolId: string; schoolName: string; roles: readonly SchoolRole[]; actor: Actor; now: Date }

export function mayEditPolicy(roles: readonly SchoolRole[]): boolean {
  return holdsAnyRole(roles, policyEditors)
}

export function assertMayEditPolicy(roles: readonly SchoolRole[]): void {
  if (!mayEditPolicy(roles)) throw new ForbiddenError('Only the headteacher or a school admin can change the home-visit policy.')
}

export function documentOf(version: Pick<PolicyVersion, 'policy'>, schoolName: string): PolicyDocument {
  return policyDocument(version.policy, { schoolName })
}

// ---------------------------------------------------------------------------------------------------------------
// Versions

export type VersionStatus = 'in_force' | 'scheduled' | 'replaced' | 'never_in_force'
export type VersionRow = PolicyVersion & { status: VersionStatus; statusText: string }

/** Every version, newest first, with whether it is in force, waiting for its date, or replaced. */
export async function versionsOf(db: Db, schoolId: string, now: Date): Promise<VersionRow[]> {
  const versions = await listPolicyVersions(db, schoolId)
  const today = ukDate(now)
  const inForce = inForceAmong(versions, today)
  return versions.map((version) => {
    let status: VersionStatus
    if (version.id === inForce?.id) status = 'in_force'
    else if (version.effectiveFrom > today) {
      const overtaken = versions.some((other) => other.version > version.version && other.effectiveFrom <= version.effectiveFrom)
      status = overtaken ? 'never_in_force' : 'scheduled'
    } else status = 'replaced'
    const statusText = {
      in_force: 'In force',
      scheduled: `Comes into force on ${formatDate(version.effectiveFrom)}`,
      replaced: 'Replaced',
      never_in_force: 'Replaced before it came into force',
    }[status]
    return { ...version, status, statusText }
  })
}

/** The same choice as `currentPolicy`: the highest version whose date has come (else the first). */
function inForceAmong(versions: readonly PolicyVersion[], today: string): PolicyVersion | undefined {
  const started = versions.filter((version) => version.effectiveFrom <= today)
  const pool = started.length ? started : versions
  return pool.reduce<PolicyVersion | undefined>((best, version) => {
    if (!best) return version
    return started.length ? (version.version > best.version ? version : best) : version.version < best.version ? version : best
  }, undefined)
}

export async function requireVersion(db: Db, schoolId: string, policyVersionId: string): Promise<PolicyVersion> {
  const version = await findPolicyVersion(db, schoolId, policyVersionId)
  if (!version) throw new NotFoundError('There is no version of the policy with that id in your school.')
  return version
}

export type Comparison = {
  from: PolicyVersion
  to: PolicyVersion
  settings: ReturnType<typeof changedSettings>
  paragraphs: ReturnType<typeof changedParagraphs>
}

/** What changed from one version to another: the settings, and the paragraphs of the document. */
export async function compareVersions(db: Db, schoolId: string, schoolName: string, fromId: string, toId: string): Promise<Comparison> {
  const from = await requireVersion(db, schoolId, fromId)
  const to = await requireVersion(db, schoolId, toId)
  return {
    from,
    to,
    settings: changedSettings(from.policy, to.policy),
    paragraphs: changedParagraphs(documentOf(from, schoolName), documentOf(to, schoolName)),
  }
}

export type SourceRow = { path: string; label: string; value: string; source: Policy['sources'][string] | undefined }

/** Each setting with where it comes from, grouped by the page that edits it. */
export function sourcesOf(policy: Policy): Array<{ title: string; rows: SourceRow[] }> {
  const groups = new Map<string, SourceRow[]>()
  for (const setting of policySettings(policy)) {
    const title = sectionFor(setting.path)?.title ?? 'This version'
    const rows = groups.get(title) ?? []
    rows.push({ ...setting, source: sourceFor(policy, setting.path) })
    groups.set(title, rows)
  }
  const order = ['This version', ...sections.map((section) => section.title)]
  return [...groups.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([title, rows]) => ({ title, rows }))
}

// ---------------------------------------------------------------------------------------------------------------
// Editing through a draft (docs/decisions/0007-policy-editing.md)

export type EditorState = {
  draft: PolicyDraft | undefined
  /** The draft, or the newest version when there is no draft yet. */
  policy: Policy
  latest: PolicyVersion
  /** The version the draft started from (or replaces, when it started from a preset). */
  base: PolicyVersion | undefined
  /** A version published after this draft was started. */
  newerVersion: PolicyVersion | undefined
}

export async function editorState(db: Db, ctx: PolicyContext): Promise<EditorState> {
  assertMayEditPolicy(ctx.roles)
  const latest = await latestPolicyVersion(db, ctx.schoolId)
  const draft = await findDraft(db, ctx.schoolId, ctx.actor.userId ?? '')
  const base = !draft?.baseVersionId ? undefined : draft.baseVersionId === latest.id ? latest : await findPolicyVersion(db, ctx.schoolId, draft.baseVersionId)
  return { draft, policy: draft?.policy ?? latest.policy, latest, base, newerVersion: draft && draft.baseVersionId !== latest.id ? latest : undefined }
}

export type SaveResult = { ok: true } | { ok: false; errors: FieldError[] }

/**
 * Saves one section of the person's draft, starting a draft from the newest version if they have
 * none. The section's own fields must be valid, including the contradictions among them
 * (a grace period longer than the check-in interval); nothing is saved otherwise.
 */
export async function saveSection(pool: Pool, ctx: PolicyContext, section: Section, body: Body): Promise<SaveResult> {
  assertMayEditPolicy(ctx.roles)
  const userId = requireUser(ctx)
  return inTransaction(pool, async (client) => {
    await lockDrafts(client, ctx)
    const latest = await latestPolicyVersion(client, ctx.schoolId)
    const draft = await findDraft(client, ctx.schoolId, userId)
    const reader = new FormReader(body)
    const read = section.read(reader, structuredClone(draft?.policy ?? latest.policy))
    if (reader.errors.length) return { ok: false, errors: reader.errors }
    const errors = sectionErrors(section, read.policy, read.rowMap, body, ukDate(ctx.now))
    if (errors.length) return { ok: false, errors }
    if (draft) await saveDraftPolicy(client, ctx.schoolId, userId, read.policy, ctx.now)
    else await startDraft(client, ctx.schoolId, userId, { baseVersionId: latest.id, basePreset: null, basePolicy: latest.policy, policy: read.policy }, ctx.now)
    return { ok: true }
  })
}

function sectionErrors(section: Section, policy: Policy, rowMap: Record<string, number[]>, body: Body, today: string): FieldError[] {
  const validation = validatePolicy(policy, { today })
  if (validation.ok) return []
  const names = fieldNames(section.form(body, new Map(), policy))
  const errors: FieldError[] = []
  for (const error of validation.errors) {
    if (sectionFor(error.path) !== section) continue
    const field = fieldForError(section, error.path, policy, rowMap, names)
    if (!errors.some((e) => e.field === field)) errors.push({ field, message: error.message })
  }
  return errors
}

/** "Start again from a preset": the preset, as the school would adopt it today, becomes the person's draft. */
export async function startFromPreset(pool: Pool, ctx: PolicyContext, presetId: string): Promise<void> {
  assertMayEditPolicy(ctx.roles)
  const userId = requireUser(ctx)
  const preset = getPreset(presetId)
  if (!preset) throw new ValidationError([{ field: 'preset', message: 'Select the preset to start from' }], unknownPresetMessage(presetId))
  const policy = adoptedPolicy(preset.policy, { today: ukDate(ctx.now), schoolName: ctx.schoolName })
  await inTransaction(pool, async (client) => {
    await lockDrafts(client, ctx)
    const latest = await latestPolicyVersion(client, ctx.schoolId)
    await startDraft(client, ctx.schoolId, userId, { baseVersionId: latest.id, basePreset: preset.id, basePolicy: policy, policy }, ctx.now)
  })
}

export async function discardDraft(pool: Pool, ctx: PolicyContext): Promise<void> {
  assertMayEditPolicy(ctx.roles)
  await deleteDraft(pool, ctx.schoolId, requireUser(ctx))
}

export type PolicyIssue = { path: string; message: string; section: Section | undefined; href: string }

/** The whole draft checked as it would be published; each problem links to the field that fixes it. */
export function checkPolicy(policy: Policy, today: string): PolicyIssue[] {
  const validation = validatePolicy(policy, { today })
  if (validation.ok) return []
  return validation.errors.map((error) => issueOf(error, policy))
}

function issueOf(error: PolicyError, policy: Policy): PolicyIssue {
  const section = sectionFor(error.path)
  if (!section) return { ...error, section, href: '#policy' }
  const body = section.toBody(policy)
  const names = fieldNames(section.form(body, new Map(), policy))
  const field = fieldForError(section, error.path, policy, {}, names)
  const id = (section.dateFields ?? []).includes(field) ? `${field.replaceAll('.', '-')}-day` : field.replaceAll('.', '-')
  return { ...error, section, href: `/policy/edit/${section.slug}#${id}` }
}

/** `reviewed`: this version is the outcome of the annual review (R-GOV-2): publishing it records the review. */
export type PublishInput = { effectiveFrom: string; note: string; reviewed?: boolean }
export type PublishResult =
  | { ok: true; version: PolicyVersion }
  | { ok: false; formErrors: FieldError[]; policyErrors: PolicyError[] }

/** Checks the date and note of a new version: in force today or later, with a note saying what changed and why. */
function checkPublishInput(input: PublishInput, today: string): FieldError[] {
  const errors: FieldError[] = []
  if (!isRealDate(input.effectiveFrom)) errors.push({ field: 'effectiveFrom', message: 'Enter the date the new version comes into force, as a real date' })
  else if (input.effectiveFrom < today) {
    errors.push({ field: 'effectiveFrom', message: `The date it comes into force must be today (${formatDate(today)}) or later` })
  }
  const note = input.note.trim()
  if (note === '') errors.push({ field: 'note', message: 'Enter a note saying what changed and why' })
  else if (note.length > 2000) errors.push({ field: 'note', message: 'The note must be 2000 characters or fewer' })
  return errors
}

/**
 * Publishes a new version (R-GOV-1, R-AUDIT-1): the whole policy must pass `validatePolicy`, the date
 * must not be in the past. Settings that changed from `basePolicy` get the school's own source.
 * The version row, its audit entry and (from a draft) the draft's removal are one transaction.
 */
/** A reviewed version (R-GOV-2): last reviewed today, next review one cycle on (the cycle as the draft sets it). */
function withReview(candidate: Record<string, unknown>, reviewed: boolean, today: string): Record<string, unknown> {
  const review = candidate.review
  if (!reviewed || review === null || typeof review !== 'object') return candidate
  const cycle = Number((review as Record<string, unknown>).cycleMonths)
  if (!Number.isInteger(cycle) || cycle < 1) return candidate
  return { ...candidate, review: { ...review, lastReviewedOn: today, nextReviewDate: addMonthsIso(today, cycle) } }
}

async function publish(
  pool: Pool,
  ctx: PolicyContext,
  input: PublishInput & { policy: unknown; basePolicy: Policy; preset: string; draftOf?: string },
): Promise<PublishResult> {
  assertMayEditPolicy(ctx.roles)
  const today = ukDate(ctx.now)
  const formErrors = checkPublishInput(input, today)
  const latest = await latestPolicyVersion(pool, ctx.schoolId)
  const candidate =
    input.policy !== null && typeof input.policy === 'object' && !Array.isArray(input.policy)
      ? withReview({ ...(input.policy as Record<string, unknown>), version: latest.version + 1, effectiveFrom: isRealDate(input.effectiveFrom) ? input.effectiveFrom : today }, input.reviewed === true, today)
      : input.policy
  const validation = validatePolicy(candidate, { today })
  const policyErrors = validation.ok ? [] : validation.errors
  if (validation.ok) policyErrors.push(...(await publisherErrors(pool, ctx, latest.policy, validation.policy)))
  if (formErrors.length || policyErrors.length || !validation.ok) return { ok: false, formErrors, policyErrors }

  const policy: Policy = {
    ...validation.policy,
    sources: markChangedSources(input.basePolicy, validation.policy, { schoolName: ctx.schoolName, editorName: ctx.actor.name, date: today }),
  }
  const note = input.note.trim()
  const version = await inTransaction(pool, async (client) => {
    const previous = await latestPolicyVersion(client, ctx.schoolId)
    const saved = await insertPolicyVersion(client, ctx.schoolId, { preset: input.preset, policy, effectiveFrom: input.effectiveFrom, note, actor: ctx.actor, at: ctx.now })
    const changes = changedSettings(previous.policy, saved.policy)
    await recordAudit(
      client,
      {
        schoolId: ctx.schoolId,
        actor: ctx.actor,
        action: 'policy.published',
        subjectType: 'policy_version',
        subjectId: saved.id,
        summary: `Published version ${saved.version} of the home-visit policy, in force from ${formatDate(saved.effectiveFrom)}${input.reviewed ? `, recording the policy’s review on ${formatDate(today)} (next review by ${saved.policy.review.nextReviewDate ? formatDate(saved.policy.review.nextReviewDate) : "not set"})` : ''}: ${note}`,
        change: {
          version: saved.version,
          effectiveFrom: saved.effectiveFrom,
          note,
          previousVersion: previous.version,
          reviewed: input.reviewed === true,
          settings: changes.map((change) => ({ setting: change.label, path: change.path, before: change.before ?? null, after: change.after ?? null })),
        },
      },
      ctx.now,
    )
    if (input.draftOf) await deleteDraft(client, ctx.schoolId, input.draftOf)
    return saved
  })
  return { ok: true, version }
}

/**
 * What stops this person publishing the change, whatever the settings' own checks say. R-CONF-1
 * (docs/decisions/0009): letting school admins give the safeguarding roles is the headteacher's
 * decision, or an admin could publish it and then make themselves DSL. A school with no headteacher
 * yet (a new school) is the exception: its admin may, to name the first one. Turning it off is
 * anyone's who edits the policy.
 */
async function publisherErrors(db: Db, ctx: PolicyContext, before: Policy, after: Policy): Promise<PolicyError[]> {
  if (!after.staffing.adminsMayGrantSafeguardingRoles || before.staffing.adminsMayGrantSafeguardingRoles) return []
  if (!ctx.actor.userId || ctx.roles.includes('headteacher')) return []
  const heads = await db.query(`SELECT 1 FROM school_memberships WHERE school_id = $1 AND role = 'headteacher' LIMIT 1`, [ctx.schoolId])
  if (heads.rows.length === 0) return []
  return [
    {
      path: 'staffing.adminsMayGrantSafeguardingRoles',
      message: 'Only the headteacher can let school admins give safeguarding roles. Ask the headteacher to publish this change.',
    },
  ]
}

/** The problems the "Check and publish" page lists for this person's draft: the policy's own, and `publisherErrors`. */
export async function publishingIssues(db: Db, ctx: PolicyContext, before: Policy, draft: Policy, today: string): Promise<PolicyIssue[]> {
  const own = checkPolicy(draft, today)
  return [...own, ...(own.length ? [] : (await publisherErrors(db, ctx, before, draft)).map((error) => issueOf(error, draft)))]
}

/** Publishes the person's draft. A version published by someone else since the draft began must be replaced knowingly. */
export async function publishDraft(pool: Pool, ctx: PolicyContext, input: PublishInput & { replaceNewer: boolean }): Promise<PublishResult> {
  assertMayEditPolicy(ctx.roles)
  const userId = requireUser(ctx)
  const state = await editorState(pool, ctx)
  if (!state.draft) {
    return { ok: false, formErrors: [{ field: 'form', message: 'You have no changes to publish. Change a section of the policy first.' }], policyErrors: [] }
  }
  if (state.newerVersion && !input.replaceNewer) {
    const newer = state.newerVersion
    return {
      ok: false,
      formErrors: [
        {
          field: 'replaceNewer',
          message: `${newer.createdByName} published version ${newer.version} after you started your changes. Compare it with yours, then confirm that yours replaces it, or start again from version ${newer.version}.`,
        },
      ],
      policyErrors: [],
    }
  }
  return publish(pool, ctx, {
    ...input,
    policy: state.draft.policy,
    basePolicy: state.draft.basePolicy,
    preset: state.draft.basePreset ?? state.base?.preset ?? state.latest.preset,
    draftOf: userId,
  })
}

/** Publishes a whole policy sent through the API, as a change to the newest version. */
export async function publishPolicy(pool: Pool, ctx: PolicyContext, input: PublishInput & { policy: unknown }): Promise<PublishResult> {
  assertMayEditPolicy(ctx.roles)
  const latest = await latestPolicyVersion(pool, ctx.schoolId)
  return publish(pool, ctx, { ...input, basePolicy: latest.policy, preset: latest.preset })
}

function requireUser(ctx: PolicyContext): string {
  if (!ctx.actor.userId) throw new ForbiddenError('Only a signed-in member of staff can change the policy.')
  return ctx.actor.userId
}

/** Two saves of one person's draft at once are taken in turn. */
async function lockDrafts(client: pg.PoolClient, ctx: PolicyContext): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`policy-draft:${ctx.schoolId}:${ctx.actor.userId ?? ''}`])
}

// ---------------------------------------------------------------------------------------------------------------
// A new school

/**
 * A new school starts on the policy preset it chose, as version 1, in force from today, reviewed today
 * and next reviewed `review.cycleMonths` later (R-GOV-2). Runs in the caller's transaction (school creation).
 */
export async function adoptPreset(client: pg.PoolClient, schoolId: string, presetId: string, actor: Actor, now: Date): Promise<PolicyVersion> {
  const preset = getPreset(presetId)
  if (!preset) throw new Error(unknownPresetMessage(presetId))
  const school = await client.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [schoolId])
  const today = ukDate(now)
  const version = await insertPolicyVersion(client, schoolId, {
    preset: preset.id,
    policy: adoptedPolicy(preset.policy, { today, schoolName: school.rows[0]?.name ?? 'The school' }),
    effectiveFrom: today,
    note: `Started from the preset "${preset.name}"`,
    actor,
    at: now,
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
