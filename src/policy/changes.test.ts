import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addMonths, adoptedPolicy } from './adopt.ts'
import { changedParagraphs, changedSettings, markChangedSources, policySettings, settingLabel } from './changes.ts'
import { policyDocument } from './document.ts'
import { getPreset, presetIds } from './presets.ts'
import type { Policy } from './schema.ts'
import { sourceFor } from './setting-paths.ts'
import { validatePolicy } from './validate.ts'

const westside = (): Policy => getPreset('westside-2025')!.policy
const edit = { schoolName: 'Westside School', editorName: 'Helen Ash', date: '2026-11-25' }

describe('adopting a preset', () => {
  it('R-GOV-2 every preset, adopted today, validates and is next reviewed one cycle later', () => {
    for (const id of presetIds) {
      const preset = getPreset(id)!.policy
      const adopted = adoptedPolicy(preset, { today: '2026-11-25', schoolName: 'Riverside Primary' })
      assert.equal(adopted.review.lastReviewedOn, '2026-11-25', id)
      assert.equal(adopted.review.nextReviewDate, addMonths('2026-11-25', preset.review.cycleMonths), id)
      assert.equal(adopted.effectiveFrom, '2026-11-25')
      assert.ok(validatePolicy(adopted, { today: '2026-11-25' }).ok, id)
      assert.match(sourceFor(adopted, 'review.nextReviewDate')?.note ?? '', /months after Riverside Primary adopted the preset on 25 November 2026/)
      assert.equal(preset.review.nextReviewDate, null, 'the preset itself is untouched')
    }
  })

  it('adds months, keeping to the end of a shorter month', () => {
    assert.equal(addMonths('2026-11-25', 12), '2027-11-25')
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28')
    assert.equal(addMonths('2027-12-15', 3), '2028-03-15')
  })
})

describe('policy settings in words', () => {
  it('labels settings as staff say them', () => {
    assert.equal(settingLabel('staffing.minimumStaff'), 'Staffing › Minimum staff on a visit')
    assert.equal(settingLabel('escalation.steps.1.roles'), 'Escalation › Step 2 › Who is alerted')
    assert.equal(settingLabel('staffing.loneVisits.approverRoles'), 'Staffing › Lone visits › Who decides a lone visit is safe')
    assert.equal(settingLabel('purposes.3.label'), 'Purpose 4 › Wording')
  })

  it('gives every setting of every preset once, with a value in words', () => {
    for (const id of presetIds) {
      const settings = policySettings(getPreset(id)!.policy)
      assert.equal(new Set(settings.map((s) => s.path)).size, settings.length, id)
      assert.ok(settings.every((s) => s.value !== '' && !s.label.includes('undefined')), id)
    }
    const byPath = new Map(policySettings(westside()).map((s) => [s.path, s.value]))
    assert.equal(byPath.get('approval.approverRoles'), 'Headteacher')
    assert.equal(byPath.get('escalation.steps.2.action'), 'Consider contacting the police')
    assert.equal(byPath.get('training.everyVisitor.0.trainingId'), 'Strategies for the prevention of violence')
    assert.equal(byPath.get('vehicles.approvedVehiclesOnly'), 'Yes')
  })
})

describe('comparing versions', () => {
  it('R-GOV-1 lists the changed settings and the changed paragraphs', () => {
    const before = westside()
    const after = structuredClone(before)
    after.waits.parentsNotPresentMinutes = 15
    after.escalation.steps[1]!.roles = ['headteacher', 'dsl']
    after.version = 2
    assert.deepEqual(changedSettings(before, after), [
      { path: 'escalation.steps.1.roles', label: 'Escalation › Step 2 › Who is alerted', before: 'Headteacher', after: 'Headteacher, Designated safeguarding lead (DSL)' },
      { path: 'waits.parentsNotPresentMinutes', label: 'Waits › Wait for parents not at home (minutes)', before: '20', after: '15' },
    ])
    const paragraphs = changedParagraphs(policyDocument(before, { schoolName: 'W' }), policyDocument(after, { schoolName: 'W' }))
    assert.deepEqual(paragraphs.map((p) => p.section), ['During the visit', 'If you do not check in or return'])
    assert.match(paragraphs[0]!.added[0]!, /wait no longer than 15 minutes/)
    assert.match(paragraphs[1]!.added[0]!, /^2\. .*alerts the headteacher and the designated safeguarding lead \(DSL\)/)
  })

  it('R-GOV-1 a changed setting gets the school as its source; unchanged ones keep theirs; gone ones are dropped; none is taken from the new policy', () => {
    const before = westside()
    const after = structuredClone(before)
    after.waits.parentsNotPresentMinutes = 15
    after.staffing.loneVisits = { allowed: false }
    const sources = markChangedSources(before, after, edit)
    const edited = { policy: 'Westside School (edited)', section: 'Doorstep', basis: 'stated', note: 'changed by Helen Ash on 25 November 2026' }
    assert.deepEqual(sources['waits.parentsNotPresentMinutes'], edited)
    assert.deepEqual(sources['staffing.loneVisits.allowed'], edited)
    assert.equal(sources['staffing.loneVisits.approverRoles'], undefined, 'no source for a setting that no longer exists')
    assert.deepEqual(sources['staffing.minimumStaff'], before.sources['staffing.minimumStaff'])
    assert.deepEqual(sources['waits.parentsRunningLateMinutes'] ?? sourceFor({ ...after, sources }, 'waits.parentsRunningLateMinutes'), sourceFor(before, 'waits.parentsRunningLateMinutes'))

    // Sources come from Doorstep, never from the changed policy: a quote it claims for a setting is not kept.
    const own = { policy: 'Westside Home Visit Policy 2026', section: '4.2', basis: 'stated' as const, quote: 'Wait 15 minutes.' }
    const claimed = { ...after, sources: { ...after.sources, 'waits.parentsNotPresentMinutes': own, 'staffing.minimumStaff': own, 'identity.badgeRule': own } }
    const marked = markChangedSources(before, claimed, edit)
    assert.deepEqual(marked['waits.parentsNotPresentMinutes'], edited, 'a changed setting gets the edit')
    assert.deepEqual(marked['staffing.minimumStaff'], before.sources['staffing.minimumStaff'], 'an unchanged setting keeps its source')
    assert.deepEqual(marked['identity.badgeRule'], before.sources['identity.badgeRule'])
  })
})
