import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { formatDate, formatMinutes } from '../domain/dates.ts'
import { isSchoolRole, roleNamesInText, schoolRoles } from '../domain/roles.ts'
import { describeWeek, policyDocument, renderPolicyPdf, renderPolicyText } from './document.ts'
import { getPreset, presetIds } from './presets.ts'
import { escalationActions, riskAssessmentFields, type Policy, type RiskAssessmentField } from './schema.ts'
import { settingLeaves, type SettingLeaf } from './setting-paths.ts'

const schoolNames: Record<string, string> = {
  'harton-academy-2024': 'Harton Academy',
  'kings-academy-gomer-2024': "King's Academy Gomer",
  'morecambe-road-2024': 'Morecambe Road School',
  'westside-2025': 'Westside School',
  'wna-protocol-2017': 'WNA',
}

function policyOf(id: string): Policy {
  const preset = getPreset(id)
  assert.ok(preset, id)
  return preset.policy
}

function textOf(policy: Policy, schoolName = 'Test School'): string {
  return renderPolicyText(policyDocument(policy, { schoolName }))
}

/** The text with line wrapping undone, so sentences can be searched for. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ')
}

/** Settings that only tie things together (ids) or choose between shapes (`allowed`); their effect is tested below. */
const structural = [/\.id$/, /\.trainingId$/, /\.purposeId$/, /\.allowed$/]

/** How a setting's value is expected to read in the document, where it reads as itself. */
function expectedWording(leaf: SettingLeaf): string | null {
  const { path, value } = leaf
  if (typeof value === 'boolean' || value === null) return null
  if (typeof value === 'number') {
    if (/Minutes|minutesAfter/.test(path)) return value === 0 ? null : formatMinutes(value)
    if (path.endsWith('belowPercent')) return `${value}%`
    if (/Months$/.test(path)) return `${value} months`
    if (path.endsWith('Hours')) return `${value} hours`
    if (path === 'version') return `Version ${value}`
    return String(value)
  }
  if (path.includes('requiredFields')) return riskAssessmentFields[value as RiskAssessmentField].slice(1)
  if (path.endsWith('.action')) return escalationActions[value as keyof typeof escalationActions]
  if (path.endsWith('outOfHoursOfficeReplacedBy')) return value === 'responsible_contact' ? 'responsible contact' : roleNamesInText[value as keyof typeof roleNamesInText]
  if (['form', 'initiatedBy', 'from', 'enforcement', 'calendarDetail'].some((key) => path.endsWith(`.${key}`))) return null
  if (isSchoolRole(value)) return roleNamesInText[value]
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value)
  return value
}

/** A different valid-looking value for a setting. */
function changed(leaf: SettingLeaf): string | number | boolean {
  const { path, value } = leaf
  if (typeof value === 'boolean') return !value
  if (typeof value === 'number') return value + 7
  const alternatives: Record<string, readonly string[]> = {
    form: ['written', 'dynamic', 'discussion'],
    initiatedBy: ['office', 'visitor'],
    from: ['scheduled_start', 'arrival'],
    enforcement: ['block', 'warn'],
    action: Object.keys(escalationActions),
    kind: ['school', 'working'],
    level: ['basic', 'standard', 'enhanced'],
    outOfHoursOfficeReplacedBy: ['responsible_contact', 'headteacher'],
    calendarDetail: ['minimal', 'full'],
  }
  const key = path.split('.').at(-1) ?? ''
  const options = alternatives[key] ?? (path.includes('requiredFields') ? Object.keys(riskAssessmentFields) : isSchoolRole(String(value)) ? schoolRoles : null)
  if (options) {
    const other = options.find((option) => option !== value)
    assert.ok(other, path)
    return other
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(String(value))) return '2031-01-15'
  if (/^\d{2}:\d{2}$/.test(String(value))) return '07:15'
  return `${value} (changed)`
}

function withValue(policy: Policy, path: string, value: unknown): Policy {
  const copy = structuredClone(policy)
  const keys = path.split('.')
  const last = keys.pop()
  assert.ok(last)
  let target: Record<string, unknown> = copy as unknown as Record<string, unknown>
  for (const key of keys) target = target[key] as Record<string, unknown>
  target[last] = value
  return copy
}

describe('policy document', () => {
  for (const id of presetIds) {
    it(`R-GOV-1 ${id}: every setting's value or label appears in the document`, () => {
      const policy = policyOf(id)
      const text = flat(textOf(policy, schoolNames[id]))
      const missing = settingLeaves(policy)
        .filter((leaf) => !structural.some((pattern) => pattern.test(leaf.path)))
        .map((leaf) => ({ path: leaf.path, wording: expectedWording(leaf) }))
        .filter((leaf): leaf is { path: string; wording: string } => leaf.wording !== null && !text.includes(flat(leaf.wording)))
      assert.deepEqual(missing, [])
    })

    it(`R-GOV-1 ${id}: changing any setting changes the document`, () => {
      const policy = policyOf(id)
      const before = textOf(policy)
      const unchanged = settingLeaves(policy)
        .filter((leaf) => leaf.value !== null && !structural.some((pattern) => pattern.test(leaf.path)))
        .filter((leaf) => textOf(withValue(policy, leaf.path, changed(leaf))) === before)
        .map((leaf) => leaf.path)
      assert.deepEqual(unchanged, [])
    })
  }

  it('R-GOV-1 puts the sections in the order staff think', () => {
    const document = policyDocument(policyOf('westside-2025'), { schoolName: 'Westside School' })
    assert.deepEqual(
      document.sections.map((section) => section.heading),
      [
        'Why we make home visits',
        'Before the visit',
        'During the visit',
        'If you do not check in or return',
        'After the visit',
        'Training and vetting',
        'Review of this policy',
      ],
    )
    assert.equal(document.title, 'Westside School: Home Visit Policy')
    assert.equal(document.subtitle, 'Version 1, in effect from 1 September 2025.')
  })

  it('R-STAFF-1 states two staff always for Harton, and advice only for Morecambe Road', () => {
    assert.match(flat(textOf(policyOf('harton-academy-2024'))), /Every home visit is made by at least 2 members of staff\. Lone visits are not allowed\./)
    assert.match(flat(textOf(policyOf('morecambe-road-2024'))), /At least 2 members of staff are advised for every home visit, but a lone visit is allowed/)
  })

  it("R-STAFF-2 states Westside's lone-visit rule", () => {
    const text = flat(textOf(policyOf('westside-2025')))
    assert.match(text, /may visit alone only with a recorded decision by the headteacher that it is safe and appropriate\. A lone visit also needs its own lone-working risk assessment/)
  })

  it('R-STAFF-1 allowing lone visits changes the staffing paragraph', () => {
    const harton = policyOf('harton-academy-2024')
    const before = flat(textOf(harton))
    harton.staffing.loneVisits = { allowed: true, approverRoles: ['dsl'], riskAssessmentRequired: false }
    const after = flat(textOf(harton))
    assert.match(before, /Lone visits are not allowed/)
    assert.doesNotMatch(after, /Lone visits are not allowed/)
    assert.match(after, /only with a recorded decision by the designated safeguarding lead \(DSL\)/)
  })

  it('R-CHECK-1 changing the check-in interval rewrites the check-in sentence', () => {
    const harton = policyOf('harton-academy-2024')
    assert.match(flat(textOf(harton)), /Check in every 30 minutes until the visit ends\./)
    harton.checkIns.repeatEveryMinutes = 45
    assert.match(flat(textOf(harton)), /Check in every 45 minutes until the visit ends\./)
    harton.checkIns.repeatEveryMinutes = null
    assert.doesNotMatch(flat(textOf(harton)), /until the visit ends/)
  })

  it('R-CHECK-2 describes the office call for Westside', () => {
    const text = flat(textOf(policyOf('westside-2025')))
    assert.match(text, /- The school office calls you 10 minutes after the scheduled start of the visit\. - After that, check in every 2 hours until the visit ends\./)
  })

  it('R-WAIT-1 changing the wait limit changes the text', () => {
    const policy = policyOf('morecambe-road-2024')
    assert.match(flat(textOf(policy)), /wait no longer than 20 minutes/)
    policy.waits.parentsNotPresentMinutes = 15
    assert.match(flat(textOf(policy)), /wait no longer than 15 minutes/)
  })

  it('R-APPROVE-1 changing the approvers changes the text', () => {
    const policy = policyOf('kings-academy-gomer-2024')
    assert.match(flat(textOf(policy)), /approved by the associate or deputy headteacher, or the designated safeguarding lead \(DSL\) before it starts/)
    policy.approval.approverRoles = ['headteacher']
    assert.match(flat(textOf(policy)), /Every visit must be approved by the headteacher before it starts/)
  })

  it('R-NOTICE-2 mentions the right to decline only where the policy gives it', () => {
    assert.match(flat(textOf(policyOf('wna-protocol-2017'))), /Families have the right not to want a home visit/)
    assert.doesNotMatch(flat(textOf(policyOf('westside-2025'))), /right not to want a home visit/)
  })

  it('R-ATT-1 states each referral rule', () => {
    assert.match(flat(textOf(policyOf('westside-2025'))), /If a pupil's attendance falls below 70% over 3 months, the pupil is flagged/)
    assert.match(flat(textOf(policyOf('morecambe-road-2024'))), /If a pupil's attendance keeps falling over 3 months, the pupil is flagged/)
    assert.doesNotMatch(flat(textOf(policyOf('harton-academy-2024'))), /local authority can be notified/)
  })

  it('R-ESC-1 numbers the escalation steps and says who replaces the office out of hours', () => {
    const text = textOf(policyOf('harton-academy-2024'))
    assert.match(text, /\n {2}1\. As soon as a check-in or return is missed, Doorstep alerts the school\s+office to try to reach each visitor by phone\./)
    assert.match(flat(text), /2\. If there is still no contact 15 minutes later \(or at once, if the step before reports no contact\), Doorstep alerts the designated safeguarding lead \(DSL\) to consider contacting the police\./)
    assert.match(flat(text), /Outside school hours, the visit's named responsible contact takes the place of the school office/)
  })

  it('reads like a policy, not a dump of data', () => {
    const text = textOf(policyOf('westside-2025'))
    assert.doesNotMatch(text, /[{}[\]]|undefined|null|true|false|_/)
    assert.doesNotMatch(text, /\bslt\b|\bdsl\b|scheduled_start|phone_visitors/)
    for (const line of text.split('\n')) assert.ok(line.length <= 80, `line too long: ${line}`)
  })

  it('groups days with the same hours', () => {
    const week = policyOf('westside-2025').hours.week
    assert.equal(describeWeek(week), 'Monday to Friday, 08:30 to 16:30')
    assert.equal(
      describeWeek({ ...week, wednesday: { start: '08:30', end: '12:30' }, saturday: { start: '09:00', end: '12:00' } }),
      'Monday and Tuesday, 08:30 to 16:30; Wednesday, 08:30 to 12:30; Thursday and Friday, 08:30 to 16:30; Saturday, 09:00 to 12:00',
    )
  })

  describe('PDF', () => {
    for (const id of ['westside-2025', 'harton-academy-2024'] as const) {
      it(`R-GOV-1 ${id}: the PDF parses back and holds the key sentences`, async () => {
        const document = policyDocument(policyOf(id), { schoolName: schoolNames[id] ?? id })
        const pdf = await renderPolicyPdf(document)
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
        const { pages, footers, text } = await pdfText(pdf)
        assert.ok(pages >= 2, `expected page breaks, got ${pages} page(s)`)
        assert.ok(text.includes(document.title), 'title')
        for (const section of document.sections) assert.ok(text.includes(section.heading), section.heading)
        assert.deepEqual(
          footers,
          Array.from({ length: pages }, (_, index) => `${document.title} - page ${index + 1} of ${pages}`),
        )
        const sentences =
          id === 'westside-2025'
            ? [
                'Every visit must be approved by the headteacher before it starts',
                'The school office calls you 10 minutes after the scheduled start of the visit.',
                'After that, check in every 2 hours until the visit ends.',
                'wait no longer than 20 minutes',
                "If a pupil's attendance falls below 70% over 3 months",
                'Do not carry large amounts of cash or valuable personal possessions.',
              ]
            : [
                'Every home visit is made by at least 2 members of staff. Lone visits are not allowed.',
                'Check in every 30 minutes until the visit ends.',
                'Agree a code word or phrase for the visit',
              ]
        for (const sentence of sentences) assert.ok(text.includes(sentence), sentence)
      })
    }

    it('R-GOV-1 every paragraph of the document is in the PDF', async () => {
      const document = policyDocument(policyOf('kings-academy-gomer-2024'), { schoolName: "King's Academy Gomer" })
      const { text } = await pdfText(await renderPolicyPdf(document))
      for (const section of document.sections) {
        for (const block of section.blocks) {
          const parts = block.kind === 'paragraph' ? [block.text] : block.items
          for (const part of parts) assert.ok(text.includes(flat(part)), part)
        }
      }
    })
  })
})

/** The PDF's text in reading order, with the page footers taken out (a paragraph may run across a page break). */
const standardFontDataUrl = `${fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))}`

async function pdfText(pdf: Buffer): Promise<{ pages: number; footers: string[]; text: string }> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const lines: string[] = []
  const footers: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    const page = await loaded.getPage(number)
    const content = await page.getTextContent()
    for (const item of content.items) {
      if (!('str' in item)) continue
      if (/ - page \d+ of \d+$/.test(item.str)) footers.push(item.str)
      else lines.push(item.str)
    }
  }
  const pages = loaded.numPages
  await loaded.destroy()
  return { pages, footers, text: flat(lines.join(' ')) }
}

describe('the DBS re-check in the policy document (issue 10 point 14)', () => {
  it('R-GOV-1 says no re-check for every preset, and the interval and what an overdue one does when set', () => {
    for (const id of presetIds) assert.match(flat(textOf(policyOf(id))), /A DBS check does not need renewing while the person works at the school\./, id)
    const policy = structuredClone(policyOf('westside-2025'))
    policy.training.dbs.recheck = { everyYears: 3, overdue: 'warn' }
    assert.match(flat(textOf(policy)), /A DBS check is renewed every 3 years after its certificate was issued, unless the person subscribes to the DBS Update Service and the school checks it\. Doorstep warns when a re-check is overdue/)
    policy.training.dbs.recheck = { everyYears: 1, overdue: 'block' }
    assert.match(flat(textOf(policy)), /renewed every year after .* Doorstep will not assign anyone whose re-check is overdue\./)
  })
})
