import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { holdsAnyRole, schoolRoles } from '../../domain/roles.ts'
import { formatDate } from '../../domain/dates.ts'
import { renderPolicyPdf } from '../../policy/document.ts'
import { listPresets } from '../../policy/presets.ts'
import { changedSettings } from '../../policy/changes.ts'
import { actorOf, schoolOf } from '../../web/auth-plugin.ts'
import { NotFoundError, type FieldError } from '../../web/errors.ts'
import { errorView } from '../../web/forms.ts'
import { addNavigation } from '../../web/navigation.ts'
import { doneFlash } from '../../web/flash.ts'
import { registerPolicyApi } from './api.ts'
import { anchorId, dateBody, str, type Body } from './form.ts'
import { currentPolicy, ukDate, type PolicyVersion } from './repository.ts'
import { sections, type Section } from './sections.ts'
import {
  checkPolicy,
  publishingIssues,
  compareVersions,
  discardDraft,
  documentOf,
  editorState,
  mayEditPolicy,
  policyEditors,
  publishDraft,
  requireVersion,
  saveSection,
  sourceReaders,
  sourcesOf,
  startFromPreset,
  versionsOf,
  type PolicyContext,
  type VersionRow,
} from './service.ts'

/** The school's home-visit policy: read, download, versions, compare, and editing for the headteacher and school admins (R-GOV-1, R-GOV-2). */

const everyone = { access: { roles: schoolRoles } }
const editors = { access: { roles: policyEditors } }
const sourcesAccess = { access: { roles: sourceReaders } }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const doneMessages: Record<string, string> = {
  saved: 'Your changes are saved in your draft. They apply to nothing until you publish them.',
  preset: 'Your draft now starts from the preset. Nothing changes until you publish it.',
  discarded: 'Your draft was discarded.',
}

export function registerPolicyRoutes(app: FastifyInstance): void {
  const { pool, clock } = app.deps
  addNavigation({ href: '/policy', text: 'Policy', roles: 'all' })

  const contextOf = (request: FastifyRequest): PolicyContext => {
    const school = schoolOf(request)
    return { schoolId: school.id, schoolName: school.name, roles: school.roles, actor: actorOf(request), now: clock() }
  }

  const versionFacts = (version: PolicyVersion) => [
    { key: { text: 'Version' }, value: { text: String(version.version) } },
    { key: { text: 'In force from' }, value: { text: formatDate(version.effectiveFrom) } },
    { key: { text: 'Published by' }, value: { text: `${version.createdByName}, ${formatDate(ukDate(version.createdAt))}` } },
    ...(version.note ? [{ key: { text: 'What changed' }, value: { text: version.note } }] : []),
  ]

  // --- Reading (R-GOV-1) ------------------------------------------------------------------------------------

  app.get('/policy', { config: everyone }, async (request, reply) => {
    const school = schoolOf(request)
    const current = await currentPolicy(pool, school.id, clock())
    const versions = await versionsOf(pool, school.id, clock())
    const scheduled = versions.filter((version) => version.status === 'scheduled').reverse()
    const document = documentOf(current, school.name)
    return reply.page('policy/views/policy.njk', {
      title: document.title,
      document,
      version: current,
      facts: versionFacts(current),
      scheduled,
      pdfHref: '/policy.pdf',
      current: true,
      canEdit: mayEditPolicy(school.roles),
      canSeeSources: holdsAnyRole(school.roles, sourceReaders),
      flash: flashOf(request),
    })
  })

  app.get('/policy.pdf', { config: everyone }, async (request, reply) => {
    const school = schoolOf(request)
    return sendPdf(reply, await currentPolicy(pool, school.id, clock()), school.name)
  })

  app.get('/policy/sources', { config: sourcesAccess }, async (request, reply) => {
    const school = schoolOf(request)
    const current = await currentPolicy(pool, school.id, clock())
    return reply.page('policy/views/sources.njk', { title: 'Where each setting comes from', version: current, groups: sourcesOf(current.policy) })
  })

  // --- Versions --------------------------------------------------------------------------------------------

  app.get('/policy/versions', { config: everyone }, async (request, reply) => {
    const versions = await versionsOf(pool, schoolOf(request).id, clock())
    return reply.page('policy/views/versions.njk', { title: 'Versions of the policy', versions, ...compareChoices(versions) })
  })

  app.get<{ Params: { policyVersionId: string } }>('/policy/versions/:policyVersionId', { config: everyone }, async (request, reply) => {
    const school = schoolOf(request)
    const version = await requireVersion(pool, school.id, request.params.policyVersionId)
    const versions = await versionsOf(pool, school.id, clock())
    const row = versions.find((v) => v.id === version.id)
    const document = documentOf(version, school.name)
    return reply.page('policy/views/policy.njk', {
      title: `Version ${version.version}: ${document.title}`,
      document,
      version,
      facts: versionFacts(version),
      status: row?.status,
      statusBanner: row ? statusBanner(row) : undefined,
      pdfHref: `/policy/versions/${version.id}/policy.pdf`,
      current: false,
    })
  })

  app.get<{ Params: { policyVersionId: string } }>('/policy/versions/:policyVersionId/policy.pdf', { config: everyone }, async (request, reply) => {
    const school = schoolOf(request)
    return sendPdf(reply, await requireVersion(pool, school.id, request.params.policyVersionId), school.name)
  })

  app.get('/policy/compare', { config: everyone }, async (request, reply) => {
    const school = schoolOf(request)
    const query = request.query as { from?: unknown; to?: unknown }
    const versions = await versionsOf(pool, school.id, clock())
    const choices = compareChoices(versions)
    const from = typeof query.from === 'string' ? query.from : ''
    const to = typeof query.to === 'string' ? query.to : ''
    if (!from || !to) return reply.page('policy/views/compare.njk', { title: 'Compare two versions', ...compareChoices(versions, choices.from, choices.to) })
    if (!UUID.test(from) || !UUID.test(to)) throw new NotFoundError('There is no version of the policy with that id in your school.')
    const comparison = await compareVersions(pool, school.id, school.name, from, to)
    return reply.page('policy/views/compare.njk', {
      title: `Compare version ${comparison.from.version} with version ${comparison.to.version}`,
      comparison,
      ...compareChoices(versions, from, to),
    })
  })

  // --- Editing (headteacher and school admins) ------------------------------------------------------------

  app.get('/policy/edit', { config: editors }, async (request, reply) => {
    const ctx = contextOf(request)
    const state = await editorState(pool, ctx)
    const changes = state.draft ? changedSettings(state.latest.policy, state.draft.policy) : []
    const issues = state.draft ? checkPolicy(state.draft.policy, ukDate(ctx.now)) : []
    const rows = sections.map((section) => {
      const changed = changes.filter((change) => section.owns.some((prefix) => change.path === prefix || change.path.startsWith(`${prefix}.`))).length
      const problems = issues.filter((issue) => issue.section === section).length
      return {
        key: { text: section.title },
        value: { text: [changed ? `${changed} ${changed === 1 ? 'setting' : 'settings'} changed` : 'No changes', problems ? `${problems} to fix` : ''].filter(Boolean).join(', ') },
        actions: { items: [{ href: `/policy/edit/${section.slug}`, text: 'Change', visuallyHiddenText: section.title.toLowerCase() }] },
      }
    })
    return reply.page('policy/views/edit.njk', {
      title: 'Change the policy',
      state,
      rows,
      changeCount: changes.length,
      issueCount: issues.length,
      basedOn: state.draft ? basedOnText(state.draft.basePreset, state.base ?? state.latest) : undefined,
      flash: flashOf(request),
    })
  })

  app.get('/policy/edit/start-again', { config: editors }, async (request, reply) => {
    await editorState(pool, contextOf(request))
    return reply.page('policy/views/start-again.njk', { title: 'Start again from a preset', presetItems: presetItems() })
  })

  app.post('/policy/edit/start-again', { config: editors }, async (request, reply) => {
    const ctx = contextOf(request)
    const preset = str((request.body ?? {}) as Body, 'preset')
    if (!listPresets().some((p) => p.id === preset)) {
      const errors = [{ field: 'preset', message: 'Select the preset to start from' }]
      return reply.status(400).page('policy/views/start-again.njk', { title: 'Start again from a preset', presetItems: presetItems(), ...errorView(errors) })
    }
    await startFromPreset(pool, ctx, preset)
    return reply.redirect('/policy/edit?done=preset', 303)
  })

  app.post('/policy/edit/discard', { config: editors }, async (request, reply) => {
    await discardDraft(pool, contextOf(request))
    return reply.redirect('/policy/edit?done=discarded', 303)
  })

  for (const section of sections) {
    const url = `/policy/edit/${section.slug}`
    app.get(url, { config: editors }, async (request, reply) => {
      const state = await editorState(pool, contextOf(request))
      return reply.page('policy/views/section.njk', sectionPage(section, section.toBody(state.policy), [], state.policy))
    })

    app.post(url, { config: editors }, async (request, reply) => {
      const ctx = contextOf(request)
      const body = (request.body ?? {}) as Body
      const state = await editorState(pool, ctx)
      const rearranged = section.rearrange?.(body)
      if (rearranged) {
        return reply.page('policy/views/section.njk', { ...sectionPage(section, rearranged, [], state.policy), unsaved: true })
      }
      const result = await saveSection(pool, ctx, section, body)
      if (!result.ok) return reply.status(400).page('policy/views/section.njk', sectionPage(section, body, result.errors, state.policy))
      return reply.redirect('/policy/edit?done=saved', 303)
    })
  }

  app.get('/policy/edit/publish', { config: editors }, async (request, reply) => {
    const ctx = contextOf(request)
    return reply.page('policy/views/publish.njk', await publishPage(ctx, dateBody('effectiveFrom', ukDate(ctx.now)), []))
  })

  app.post('/policy/edit/publish', { config: editors }, async (request, reply) => {
    const ctx = contextOf(request)
    const body = (request.body ?? {}) as Body
    const parts = ['day', 'month', 'year'].map((part) => str(body, `effectiveFrom-${part}`))
    const effectiveFrom = parts.every((part) => part === '') ? '' : `${parts[2]}-${parts[1]!.padStart(2, '0')}-${parts[0]!.padStart(2, '0')}`
    const result = await publishDraft(pool, ctx, { effectiveFrom, note: str(body, 'note'), replaceNewer: str(body, 'replaceNewer') === 'yes', reviewed: str(body, 'reviewed') === 'yes' })
    if (!result.ok) return reply.status(400).page('policy/views/publish.njk', await publishPage(ctx, body, result.formErrors))
    return reply.redirect(`/policy/versions/${result.version.id}`, 303)
  })

  async function publishPage(ctx: PolicyContext, body: Body, formErrors: FieldError[]) {
    const state = await editorState(pool, ctx)
    const today = ukDate(ctx.now)
    const issues = state.draft
      ? await publishingIssues(pool, ctx, state.latest.policy, { ...state.draft.policy, version: state.latest.version + 1, effectiveFrom: today }, today)
      : []
    const formView = errorView(formErrors, (field) => (field === 'effectiveFrom' ? 'effectiveFrom-day' : field))
    const scheduled = (await versionsOf(pool, ctx.schoolId, ctx.now)).filter((version) => version.status === 'scheduled')
    return {
      title: 'Check and publish',
      state,
      issues,
      changes: state.draft ? changedSettings(state.latest.policy, state.draft.policy) : [],
      scheduled,
      values: { note: str(body, 'note'), replaceNewer: str(body, 'replaceNewer'), reviewed: str(body, 'reviewed') },
      dateValue: { day: str(body, 'effectiveFrom-day'), month: str(body, 'effectiveFrom-month'), year: str(body, 'effectiveFrom-year') },
      errorList: [...formView.errorList, ...issues.map((issue) => ({ text: issue.message, href: issue.href }))],
      fieldErrors: formView.fieldErrors,
    }
  }

  registerPolicyApi(app)
}

function sectionPage(section: Section, body: Body, errors: FieldError[], policy: Parameters<Section['form']>[2]) {
  const dateFields = new Set(section.dateFields ?? [])
  const components = section.form(body, new Map(errors.map((error) => [error.field, error.message])), policy)
  return {
    title: section.title,
    section,
    components,
    ...errorView(errors, (field) => anchorId(field, dateFields)),
  }
}

async function sendPdf(reply: FastifyReply, version: PolicyVersion, schoolName: string) {
  const pdf = await renderPolicyPdf(documentOf(version, schoolName))
  const name = `${schoolName} home visit policy v${version.version}`.replace(/[^A-Za-z0-9 -]+/g, '').replace(/\s+/g, '-').toLowerCase()
  return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`).send(pdf)
}

function compareChoices(versions: ReadonlyArray<PolicyVersion>, from?: string, to?: string) {
  const newest = versions[0]
  const previous = versions[1] ?? versions[0]
  const chosenFrom = from ?? previous?.id ?? ''
  const chosenTo = to ?? newest?.id ?? ''
  const items = (chosen: string) => versions.map((v) => ({ value: v.id, text: `Version ${v.version} (from ${formatDate(v.effectiveFrom)})`, selected: v.id === chosen }))
  return { from: chosenFrom, to: chosenTo, fromItems: items(chosenFrom), toItems: items(chosenTo), canCompare: versions.length > 1 }
}

function statusBanner(version: VersionRow): string {
  switch (version.status) {
    case 'in_force':
      return 'This is the version in force.'
    case 'scheduled':
      return `This version comes into force on ${formatDate(version.effectiveFrom)}. Until then, visits follow the version in force.`
    case 'replaced':
      return 'This version is no longer in force. It is kept so you can see the rules that applied while it was.'
    case 'never_in_force':
      return 'A later version replaced this one before it came into force, so it never applied.'
  }
}

function presetItems() {
  return listPresets().map((preset) => ({ value: preset.id, text: preset.name, hint: { text: preset.summary } }))
}

function basedOnText(basePreset: string | null, base: PolicyVersion): string {
  if (basePreset) return `the preset "${listPresets().find((p) => p.id === basePreset)?.name ?? basePreset}"`
  return `version ${base.version}`
}

function flashOf(request: FastifyRequest): string | undefined {
  return doneFlash(request, doneMessages)
}
