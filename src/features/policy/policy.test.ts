import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { policyDocument } from '../../policy/document.ts'
import type { Policy } from '../../policy/schema.ts'
import { demoSchoolId, signIn, testApp, textOf, type Agent, type TestApp } from '../../../test/helpers.ts'
import type { Body } from './form.ts'
import { currentPolicy, latestPolicyVersion } from './repository.ts'
import { sectionBySlug, sections } from './sections.ts'

const WESTSIDE = 'Westside School'

/** Sentences the Westside policy says, as its staff read them. */
const westsideSentences = [
  'Every visit must be approved by the headteacher before it starts; Doorstep will not let an unapproved visit start.',
  'A member of staff may visit alone only with a recorded decision by the headteacher that it is safe and appropriate.',
  'The school office calls you 10 minutes after the scheduled start of the visit.',
  'After that, check in every 2 hours until the visit ends.',
  'Identification: Carry your identity card and show it when you arrive at a home for the first time. Do not wear it around your neck.',
  'If the parents are not there at the arranged time, wait no longer than 20 minutes, then leave; the visit is recorded as no contact.',
]

async function westside(ctx: TestApp) {
  const schoolId = await demoSchoolId(ctx.pool, WESTSIDE)
  return { schoolId, version: await currentPolicy(ctx.pool, schoolId, ctx.clock()) }
}

/** What the section's form posts for a policy, with some fields changed: the page as shown, edited and sent. */
function sectionForm(slug: string, policy: Policy, changes: Body = {}): Record<string, string | string[]> {
  const section = sectionBySlug(slug)
  assert.ok(section, `section ${slug}`)
  const body = { ...section.toBody(policy), ...changes }
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, Array.isArray(value) ? value.map(String) : String(value ?? '')]))
}

async function counts(ctx: TestApp, schoolId: string) {
  const { rows } = await ctx.pool.query<{ versions: number; drafts: number }>(
    `SELECT (SELECT count(*)::int FROM policy_versions WHERE school_id = $1) AS versions,
            (SELECT count(*)::int FROM policy_drafts WHERE school_id = $1) AS drafts`,
    [schoolId],
  )
  return rows[0]!
}

function errorSummary(html: string): Array<{ href: string; text: string }> {
  const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''
  return [...summary.matchAll(/<a href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => ({ href: m[1]!, text: textOf(m[2]!) }))
}

function publishForm(date: string, note: string, extra: Record<string, string> = {}) {
  const [year, month, day] = date.split('-')
  return { 'effectiveFrom-day': String(Number(day)), 'effectiveFrom-month': String(Number(month)), 'effectiveFrom-year': year!, note, ...extra }
}

const today = (ctx: TestApp) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(ctx.clock())
const daysFrom = (iso: string, days: number) => new Date(Date.parse(`${iso}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

/** The PDF's text in reading order, page footers left out. */
const standardFontDataUrl = fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json')))
async function pdfText(pdf: Buffer): Promise<string> {
  const loaded = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, isEvalSupported: false }).promise
  const parts: string[] = []
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent()
    for (const item of content.items) if ('str' in item && !/ - page \d+ of \d+$/.test(item.str)) parts.push(item.str)
  }
  await loaded.destroy()
  return parts.join(' ').replace(/\s+/g, ' ').replace(/- (?=[a-z])/g, '-')
}

describe('reading the policy', () => {
  it('R-GOV-1 every member of staff reads the policy in force, written from the settings the rules read', async (t) => {
    const ctx = await testApp(t)
    const { version } = await westside(ctx)
    for (const email of ['visitor@westside.example', 'office@westside.example', 'governor@westside.example', 'head@westside.example']) {
      const agent = await signIn(ctx, email)
      const page = await agent.get('/policy')
      assert.equal(page.statusCode, 200, email)
      const text = textOf(page.body)
      for (const sentence of westsideSentences) assert.ok(text.includes(sentence), `${email} reads: ${sentence}`)
      assert.match(text, /Westside School: Home Visit Policy/)
      assert.match(text, /Version 1 In force from 25 November 2026 Published by Doorstep demo set-up, 25 November 2026/)
    }
    // Every paragraph of the document the rules' policy makes is on the page.
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const text = textOf((await visitor.get('/policy')).body)
    for (const section of policyDocument(version.policy, { schoolName: WESTSIDE }).sections) {
      assert.ok(text.includes(section.heading), section.heading)
      for (const block of section.blocks) for (const line of block.kind === 'paragraph' ? [block.text] : block.items) assert.ok(text.includes(line), line)
    }
    // The menu has it for everyone.
    assert.match((await visitor.get('/')).body, /<a class="govuk-service-navigation__link" href="\/policy"/)
  })

  it('R-GOV-2 publishing the reviewed policy records the review: last reviewed today, the next review one cycle on, in the audit history', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version: v1 } = await westside(ctx)
    ctx.clock.advance(40 * 86_400_000)
    const head = await signIn(ctx, 'head@westside.example')
    await head.post('/policy/edit/waits', sectionForm('waits', v1.policy, { 'waits.parentsNotPresentMinutes': '15' }))
    const check = await head.get('/policy/edit/publish')
    assert.match(textOf(check.body), /The annual review The policy was last reviewed on 25 November 2026\..* This version is the reviewed policy/)
    // Without the tick, the review dates stay as they were.
    await head.post('/policy/edit/publish', publishForm(today(ctx), 'Parents not at home: wait 15 minutes.'))
    const v2 = await latestPolicyVersion(ctx.pool, schoolId)
    assert.equal(v2.policy.review.lastReviewedOn, '2026-11-25')
    ctx.clock.advance(60_000)
    await head.post('/policy/edit/waits', sectionForm('waits', v2.policy, { 'waits.parentsNotPresentMinutes': '10' }))
    const published = await head.post('/policy/edit/publish', publishForm(today(ctx), 'Reviewed by the governors: wait 10 minutes.', { reviewed: 'yes' }))
    assert.equal(published.statusCode, 303, textOf(published.body).slice(0, 600))
    const v3 = await latestPolicyVersion(ctx.pool, schoolId)
    assert.equal(v3.policy.review.lastReviewedOn, today(ctx))
    assert.equal(today(ctx), '2027-01-04')
    assert.equal(v3.policy.review.cycleMonths, 12)
    assert.equal(v3.policy.review.nextReviewDate, '2028-01-04')
    const audit = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM audit_log WHERE school_id = $1 AND action = 'policy.published' ORDER BY at DESC LIMIT 1`, [schoolId])
    assert.match(audit.rows[0]!.summary, /recording the policy’s review on 4 January 2027/)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await visitor.get('/policy')).body), /It was last reviewed on 4 January 2027\./)
  })

  it('R-GOV-2 an adopted preset has a real next review date: the cycle after the day it was adopted', async (t) => {
    const ctx = await testApp(t)
    const { version } = await westside(ctx)
    assert.equal(version.policy.review.nextReviewDate, '2027-11-25')
    assert.equal(version.policy.review.lastReviewedOn, '2026-11-25')
    assert.equal(version.policy.effectiveFrom, version.effectiveFrom)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await visitor.get('/policy')).body), /It was last reviewed on 25 November 2026\. The next review is due by 25 November 2027\./)
  })

  it('R-GOV-1 downloads the policy as a PDF with the same text', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const response = await visitor.get('/policy.pdf')
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'application/pdf')
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="westside-school-home-visit-policy-v1\.pdf"$/)
    const text = await pdfText(response.rawPayload)
    assert.match(text, /Westside School: Home Visit Policy/)
    for (const sentence of westsideSentences) assert.ok(text.includes(sentence), `the PDF says: ${sentence}\n${text.slice(0, 400)}`)
  })

  it('R-GOV-1 shows headteachers, admins and governors where each setting comes from; other staff see a clean policy', async (t) => {
    const ctx = await testApp(t)
    const head = await signIn(ctx, 'head@westside.example')
    const page = await head.get('/policy/sources')
    assert.equal(page.statusCode, 200)
    const text = textOf(page.body)
    assert.match(text, /Staffing › Minimum staff on a visit 2 Stated Westside School Home Visit Policy, September 2025, Personal safety “At least two staff members will conduct home visits together/)
    assert.match(text, /Review › Next review due by 25 November 2027 Stated Westside School \(adopted\), Doorstep/)
    assert.equal((await (await signIn(ctx, 'governor@westside.example')).get('/policy/sources')).statusCode, 200)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.equal((await visitor.get('/policy/sources')).statusCode, 403)
    assert.doesNotMatch(textOf((await visitor.get('/policy')).body), /Personal safety|Where each setting comes from|Change the policy/)
  })
})

describe('changing the policy', () => {
  it('R-GOV-1 a visitor can read every version but gets 403 on every editing route, page and API', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    for (const url of ['/policy', '/policy.pdf', '/policy/versions', `/policy/versions/${version.id}`, `/policy/versions/${version.id}/policy.pdf`, `/policy/compare?from=${version.id}&to=${version.id}`]) {
      assert.equal((await visitor.get(url)).statusCode, 200, url)
    }
    const editing = ctx.app.routeList.filter((route) => route.url.startsWith('/policy/edit') && ['GET', 'POST'].includes(route.method))
    assert.ok(editing.length >= 2 * 13 + 4, `the editing routes (${editing.length})`)
    for (const route of editing) {
      const response = route.method === 'GET' ? await visitor.get(route.url) : await visitor.post(route.url, { 'staffing.minimumStaff': '1', preset: 'harton-academy-2024' })
      assert.equal(response.statusCode, 403, `${route.method} ${route.url}`)
    }
    const put = await visitor.json('PUT', `/api/v1/schools/${schoolId}/policy`, { policy: version.policy, effectiveFrom: today(ctx), note: 'Sneaky' })
    assert.equal(put.statusCode, 403)
    assert.deepEqual(await counts(ctx, schoolId), { versions: 1, drafts: 0 })
  })

  it('R-GOV-1 a section saved with bad input is shown again with the error summary, and nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')

    const notANumber = await head.post('/policy/edit/check-ins', sectionForm('check-ins', version.policy, { 'checkIns.graceMinutes': 'ten' }))
    assert.equal(notANumber.statusCode, 400)
    assert.deepEqual(errorSummary(notANumber.body), [{ href: '#checkIns-graceMinutes', text: 'How late a check-in is when it is missed must be a whole number, like 10' }])
    assert.match(notANumber.body, /<title>Error: Check-ins – Doorstep<\/title>/)
    assert.match(/<input[^>]*id="checkIns-graceMinutes"[^>]*>/.exec(notANumber.body)?.[0] ?? '', /value="ten"/, 'the box shows what was typed')

    const tooLong = await head.post('/policy/edit/check-ins', sectionForm('check-ins', version.policy, { 'checkIns.graceMinutes': '150' }))
    assert.equal(tooLong.statusCode, 400)
    assert.deepEqual(errorSummary(tooLong.body), [
      {
        href: '#checkIns-graceMinutes',
        text: 'The grace period (150 minutes) must be shorter than the check-in interval (120 minutes), or a check-in would be due again before the last one is overdue.',
      },
    ])

    const alone = await head.post('/policy/edit/staffing', sectionForm('staffing', version.policy, { 'staffing.minimumStaff': '1', 'staffing.loneVisits.allowed': 'no' }))
    assert.equal(alone.statusCode, 400)
    assert.deepEqual(errorSummary(alone.body), [
      { href: '#staffing-minimumStaff', text: 'Minimum staff is 1, but lone visits are not allowed. Set minimum staff to 2 or more, or allow lone visits.' },
    ])

    const noRole = await head.post('/policy/edit/escalation', sectionForm('escalation', version.policy, { 'escalation.steps.1.roles': [] }))
    assert.equal(noRole.statusCode, 400)
    assert.deepEqual(errorSummary(noRole.body), [{ href: '#escalation-steps-1-roles', text: 'Escalation step 2 must alert at least one role.' }])

    const pastReview = await head.post('/policy/edit/review', sectionForm('review', version.policy, { 'review.nextReviewDate-year': '2025' }))
    assert.equal(pastReview.statusCode, 400)
    assert.deepEqual(errorSummary(pastReview.body), [
      { href: '#review-nextReviewDate-day', text: 'The next review date (2025-11-25) has passed. Choose today (2026-11-25) or a later date.' },
    ])

    assert.deepEqual(await counts(ctx, schoolId), { versions: 1, drafts: 0 })
    assert.equal((await currentPolicy(ctx.pool, schoolId, ctx.clock())).policy.checkIns.graceMinutes, 10)
  })

  it('R-GOV-1 R-AUDIT-1 the head publishes a change: a new version, the old one still readable, the change compared, the page changed, audited', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version: v1 } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')

    const saved = await head.post('/policy/edit/waits', sectionForm('waits', v1.policy, { 'waits.parentsNotPresentMinutes': '15' }))
    assert.equal(saved.statusCode, 303)
    assert.equal(saved.headers.location, '/policy/edit?done=saved')
    // A draft applies to nothing: the policy in force is unchanged.
    assert.deepEqual(await counts(ctx, schoolId), { versions: 1, drafts: 1 })
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await visitor.get('/policy')).body), /wait no longer than 20 minutes/)
    assert.match(textOf((await head.get('/policy/edit')).body), /Waits, identification and vehicles 1 setting changed/)

    const check = await head.get('/policy/edit/publish')
    assert.match(textOf(check.body), /Waits › Wait for parents not at home \(minutes\) 20 15/)
    assert.match(textOf(check.body), /The policy passes every check\./)

    const published = await head.post('/policy/edit/publish', publishForm(today(ctx), 'Parents not at home: wait 15 minutes, after the governors’ review.'))
    assert.equal(published.statusCode, 303, textOf(published.body).slice(0, 600))
    const v2 = await latestPolicyVersion(ctx.pool, schoolId)
    assert.equal(published.headers.location, `/policy/versions/${v2.id}`)
    assert.equal(v2.version, 2)
    assert.equal(v2.policy.version, 2)
    assert.equal(v2.policy.waits.parentsNotPresentMinutes, 15)
    assert.equal(v2.createdByName, 'Grace Adeyemi')
    assert.deepEqual(await counts(ctx, schoolId), { versions: 2, drafts: 0 })

    // Staff read the new text; the old version stays readable.
    const page = textOf((await visitor.get('/policy')).body)
    assert.match(page, /wait no longer than 15 minutes, then leave/)
    assert.match(page, /Version 2 In force from 25 November 2026 Published by Grace Adeyemi, 25 November 2026 What changed Parents not at home: wait 15 minutes/)
    const old = await visitor.get(`/policy/versions/${v1.id}`)
    assert.equal(old.statusCode, 200)
    assert.match(textOf(old.body), /This version is no longer in force\..*wait no longer than 20 minutes/)
    const versions = textOf((await visitor.get('/policy/versions')).body)
    assert.match(versions, /Version 2 25 November 2026 Grace Adeyemi, 25 November 2026 Parents not at home: wait 15 minutes, after the governors’ review\. In force Version 1 .* Replaced/)

    // Compare: the setting and the paragraph.
    const compare = await visitor.get(`/policy/compare?from=${v1.id}&to=${v2.id}`)
    assert.equal(compare.statusCode, 200)
    const compared = textOf(compare.body)
    assert.match(compared, /Changed settings Setting Version 1 Version 2 Waits › Wait for parents not at home \(minutes\) 20 15 Changed paragraphs/)
    assert.match(compared, /During the visit Removed: If the parents are not there at the arranged time, wait no longer than 20 minutes.* Added: If the parents are not there at the arranged time, wait no longer than 15 minutes/)

    // The source of the changed setting is the school's edit, not the old quote; the others keep theirs.
    assert.deepEqual(v2.policy.sources['waits.parentsNotPresentMinutes'], {
      policy: 'Westside School (edited)',
      section: 'Doorstep',
      basis: 'stated',
      note: 'changed by Grace Adeyemi on 25 November 2026',
    })
    assert.deepEqual(v2.policy.sources['staffing.minimumStaff'], v1.policy.sources['staffing.minimumStaff'])
    const sources = textOf((await head.get('/policy/sources')).body)
    assert.match(sources, /Waits › Wait for parents not at home \(minutes\) 15 Stated Westside School \(edited\), Doorstep changed by Grace Adeyemi on 25 November 2026/)

    const { rows } = await ctx.pool.query<{ action: string; summary: string; actor_name: string; change: { settings: Array<{ setting: string; before: string; after: string }> } }>(
      `SELECT action, summary, actor_name, change FROM audit_log WHERE school_id = $1 AND subject_id = $2`,
      [schoolId, v2.id],
    )
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.action, 'policy.published')
    assert.equal(rows[0]!.actor_name, 'Grace Adeyemi')
    assert.match(rows[0]!.summary, /^Published version 2 of the home-visit policy, in force from 25 November 2026: Parents not at home/)
    assert.deepEqual(rows[0]!.change.settings, [{ setting: 'Waits › Wait for parents not at home (minutes)', path: 'waits.parentsNotPresentMinutes', before: '20', after: '15' }])
    assert.match(textOf((await head.get('/audit')).body), /Published version 2 of the home-visit policy/)
  })

  it('R-GOV-1 publishing a contradiction is refused with the message that links to the field to fix', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')
    // Out of hours the office is replaced by the responsible contact, so one must be required. Each page is
    // valid on its own when saved in this order; together they contradict each other.
    const policy = version.policy
    assert.equal((await head.post('/policy/edit/escalation', sectionForm('escalation', policy, { 'escalation.outOfHoursOfficeReplacedBy': 'headteacher' }))).statusCode, 303)
    assert.equal((await head.post('/policy/edit/hours', sectionForm('hours', policy, { 'hours.outOfHours.responsibleContactRequired': 'no' }))).statusCode, 303)
    assert.equal((await head.post('/policy/edit/escalation', sectionForm('escalation', policy))).statusCode, 303)

    const message = 'The escalation ladder uses the responsible contact out of hours, so a responsible contact must be required for out-of-hours visits.'
    const check = await head.get('/policy/edit/publish')
    assert.match(textOf(check.body), new RegExp(`cannot be published until this problem is fixed: ${message.replace(/[.()]/g, '\\$&')} \\(Hours\\)`))
    const refused = await head.post('/policy/edit/publish', publishForm(today(ctx), 'Out-of-hours changes'))
    assert.equal(refused.statusCode, 400)
    assert.deepEqual(errorSummary(refused.body), [{ href: '/policy/edit/hours#hours-outOfHours-responsibleContactRequired', text: message }])
    assert.deepEqual(await counts(ctx, schoolId), { versions: 1, drafts: 1 })

    // The date and the note are checked too.
    const undated = await head.post('/policy/edit/publish', publishForm(daysFrom(today(ctx), -1), ''))
    assert.equal(undated.statusCode, 400)
    const hrefs = errorSummary(undated.body).map((e) => e.href)
    assert.deepEqual(hrefs.slice(0, 2), ['#effectiveFrom-day', '#note'])
    assert.match(textOf(undated.body), /The date it comes into force must be today \(25 November 2026\) or later/)

    // Fixing the hours page makes it publishable.
    assert.equal((await head.post('/policy/edit/hours', sectionForm('hours', policy))).statusCode, 303)
    assert.equal((await head.post('/policy/edit/publish', publishForm(today(ctx), 'No change after all'))).statusCode, 303)
    assert.deepEqual(await counts(ctx, schoolId), { versions: 2, drafts: 0 })
  })

  it('R-CONF-1 R-GOV-1 only the headteacher can let school admins give safeguarding roles; a school admin who tries is told, with a link to the setting', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await visitor.get('/policy')).body), /Only the headteacher gives or takes away the roles of headteacher, associate or deputy headteacher, DSL and deputy DSL in Doorstep\./)
    const admin = await signIn(ctx, 'admin@westside.example')
    const page = await admin.get('/policy/edit/staffing')
    assert.match(textOf(page.body), /May a school admin give or take away the roles of headteacher, associate or deputy headteacher, DSL and deputy DSL\?/)
    const yes = sectionForm('staffing', version.policy, { 'staffing.adminsMayGrantSafeguardingRoles': 'yes' })
    assert.equal((await admin.post('/policy/edit/staffing', yes)).statusCode, 303, 'a draft may hold it')
    const refused = await admin.post('/policy/edit/publish', publishForm(today(ctx), 'Admins set up the DSL team'))
    assert.equal(refused.statusCode, 400)
    assert.deepEqual(errorSummary(refused.body), [
      {
        href: '/policy/edit/staffing#staffing-adminsMayGrantSafeguardingRoles',
        text: 'Only the headteacher can let school admins give safeguarding roles. Ask the headteacher to publish this change.',
      },
    ])
    const api = await admin.json('PUT', `/api/v1/schools/${schoolId}/policy`, {
      policy: { ...version.policy, staffing: { ...version.policy.staffing, adminsMayGrantSafeguardingRoles: true } },
      effectiveFrom: today(ctx),
      note: 'Admins set up the DSL team',
    })
    assert.equal(api.statusCode, 400)
    assert.match(api.body, /Only the headteacher can let school admins give safeguarding roles/)
    assert.deepEqual(await counts(ctx, schoolId), { versions: 1, drafts: 1 })

    const head = await signIn(ctx, 'head@westside.example')
    assert.equal((await head.post('/policy/edit/staffing', yes)).statusCode, 303)
    assert.equal((await head.post('/policy/edit/publish', publishForm(today(ctx), 'Admins set up the DSL team'))).statusCode, 303)
    assert.equal((await currentPolicy(ctx.pool, schoolId, ctx.clock())).policy.staffing.adminsMayGrantSafeguardingRoles, true)
    assert.match(textOf((await visitor.get('/policy')).body), /The headteacher or a school admin gives or takes away the roles of headteacher, associate or deputy headteacher, DSL and deputy DSL in Doorstep\./)
    // Turning it off again is anyone's who edits the policy.
    assert.equal((await admin.post('/policy/edit/staffing', sectionForm('staffing', version.policy, { 'staffing.adminsMayGrantSafeguardingRoles': 'no' }))).statusCode, 303)
    const off = await admin.post('/policy/edit/publish', publishForm(today(ctx), 'Back to the headteacher only', { replaceNewer: 'yes' }))
    assert.equal(off.statusCode, 303, off.body.slice(0, 500))
  })

  it('R-CONF-1 a new school with no headteacher yet: its school admin may let admins give safeguarding roles, to name the first headteacher', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    await ctx.pool.query(`DELETE FROM school_memberships WHERE school_id = $1 AND role = 'headteacher'`, [schoolId])
    const admin = await signIn(ctx, 'admin@westside.example')
    assert.equal((await admin.post('/policy/edit/staffing', sectionForm('staffing', version.policy, { 'staffing.adminsMayGrantSafeguardingRoles': 'yes' }))).statusCode, 303)
    assert.equal((await admin.post('/policy/edit/publish', publishForm(today(ctx), 'Setting up the school'))).statusCode, 303)
    assert.equal((await admin.post('/staff', { name: 'Nia Evans', email: 'new.head@westside.example', roles: ['headteacher'] })).statusCode, 200)
  })

  it('R-GOV-1 a version with a later date does not apply until that day', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version: v1 } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')
    const start = daysFrom(today(ctx), 7)
    assert.equal((await head.post('/policy/edit/staffing', sectionForm('staffing', v1.policy, { 'staffing.minimumStaff': '3' }))).statusCode, 303)
    assert.equal((await head.post('/policy/edit/publish', publishForm(start, 'Three staff on every visit from December'))).statusCode, 303)

    const v2 = await latestPolicyVersion(ctx.pool, schoolId)
    assert.equal((await currentPolicy(ctx.pool, schoolId, ctx.clock())).id, v1.id, 'visits still use version 1')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const before = textOf((await visitor.get('/policy')).body)
    assert.match(before, /Version 1 In force from/)
    assert.match(before, /Version 2 comes into force on 2 December 2026\./)
    assert.match(before, /Home visits are made by at least 2 members of staff\./)
    assert.match(textOf((await visitor.get(`/policy/versions/${v2.id}`)).body), /This version comes into force on 2 December 2026\. Until then, visits follow the version in force\./)
    assert.match(textOf((await visitor.get('/policy/versions')).body), /Comes into force on 2 December 2026/)

    ctx.clock.advance(6 * 86_400_000)
    assert.equal((await currentPolicy(ctx.pool, schoolId, ctx.clock())).id, v1.id, 'the day before, still version 1')
    ctx.clock.advance(86_400_000)
    assert.equal((await currentPolicy(ctx.pool, schoolId, ctx.clock())).id, v2.id, 'on the day, version 2')
    const after = textOf((await (await signIn(ctx, 'visitor@westside.example')).get('/policy')).body)
    assert.match(after, /Version 2 In force from 2 December 2026/)
    assert.match(after, /Home visits are made by at least 3 members of staff\./)
  })

  it('R-GOV-1 every section page of every preset saves back exactly the settings it showed', async (t) => {
    const ctx = await testApp(t)
    for (const [key, name] of [['harton', 'Harton Academy'], ['kings-gomer', "King's Academy Gomer"], ['morecambe-road', 'Morecambe Road School'], ['westside', WESTSIDE], ['wna', 'WNA']] as const) {
      const schoolId = await demoSchoolId(ctx.pool, name)
      const { policy } = await currentPolicy(ctx.pool, schoolId, ctx.clock())
      const head = await signIn(ctx, `head@${key}.example`)
      for (const section of sections) {
        const page = await head.get(`/policy/edit/${section.slug}`)
        assert.equal(page.statusCode, 200, `${name}: ${section.slug}`)
        const saved = await head.post(`/policy/edit/${section.slug}`, sectionForm(section.slug, policy))
        assert.equal(saved.statusCode, 303, `${name}: ${section.slug} ${JSON.stringify(errorSummary(saved.body))}`)
      }
      const { rows } = await ctx.pool.query<{ policy: Policy }>('SELECT policy FROM policy_drafts WHERE school_id = $1', [schoolId])
      assert.deepEqual(rows[0]!.policy, policy, `${name}: the draft is the policy it started from`)
      assert.match(textOf((await head.get('/policy/edit')).body), /No setting differs from version 1 yet\./)
    }
  })

  it('R-ESC-1 the head adds, reorders and removes escalation steps, and saves the ladder', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')
    const form = sectionForm('escalation', version.policy)

    const added = await head.post('/policy/edit/escalation', { ...form, stepAction: 'add' })
    assert.equal(added.statusCode, 200)
    assert.match(textOf(added.body), /Not saved yet: select Save to keep these changes in your draft\. .*Step 4 Who is alerted\?/)
    assert.deepEqual(await counts(ctx, schoolId), { versions: 1, drafts: 0 })

    // Move the police step (3) up above the headteacher's decision, then save with a role for the new step.
    const moved = await head.post('/policy/edit/escalation', { ...form, stepAction: 'up:2' })
    const text = textOf(moved.body)
    assert.ok(text.indexOf('Consider contacting the police') < text.lastIndexOf('Decide what to do next'))
    const body = { ...form, 'escalation.steps.1.id': 'police_considered', 'escalation.steps.2.id': 'headteacher_decides', 'escalation.steps.1.action': 'consider_police', 'escalation.steps.2.action': 'decide' }
    assert.equal((await head.post('/policy/edit/escalation', body)).statusCode, 303)
    const removed = await head.post('/policy/edit/escalation', { ...body, stepAction: 'remove:0' })
    assert.equal(removed.statusCode, 200)
    assert.doesNotMatch(textOf(removed.body), /Step 3 Who is alerted/)

    const { rows } = await ctx.pool.query<{ policy: Policy }>('SELECT policy FROM policy_drafts WHERE school_id = $1', [schoolId])
    assert.deepEqual(rows[0]!.policy.escalation.steps.map((step) => step.id), ['office_phones', 'police_considered', 'headteacher_decides'])
  })

  it('R-GOV-1 the head starts again from another preset; it becomes a draft and publishes with that preset', async (t) => {
    const ctx = await testApp(t)
    const { schoolId } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')
    assert.equal((await head.get('/policy/edit/start-again')).statusCode, 200)
    const missing = await head.post('/policy/edit/start-again', {})
    assert.equal(missing.statusCode, 400)
    assert.deepEqual(errorSummary(missing.body), [{ href: '#preset', text: 'Select the preset to start from' }])
    assert.equal((await head.post('/policy/edit/start-again', { preset: 'harton-academy-2024' })).statusCode, 303)
    assert.match(textOf((await head.get('/policy/edit')).body), /You are changing a draft based on the preset "Harton Academy — Home Visits Policy \(February 2024\)"/)
    assert.equal((await head.post('/policy/edit/publish', publishForm(today(ctx), 'Adopt the Harton approach: always two staff'))).statusCode, 303)
    const v2 = await latestPolicyVersion(ctx.pool, schoolId)
    assert.equal(v2.preset, 'harton-academy-2024')
    assert.equal(v2.policy.staffing.loneVisits.allowed, false)
    assert.equal(v2.policy.review.nextReviewDate, '2027-11-25')
    assert.equal(v2.policy.sources['staffing.minimumStaff']?.policy, 'Harton Academy Home Visits Policy, February 2024', 'untouched settings keep the preset’s sources')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.match(textOf((await visitor.get('/policy')).body), /Every home visit is made by at least 2 members of staff\. Lone visits are not allowed\./)
  })

  it('R-GOV-1 a draft is per person and a version published meanwhile must be replaced knowingly', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')
    const admin = await signIn(ctx, 'admin@westside.example')
    assert.equal((await head.post('/policy/edit/waits', sectionForm('waits', version.policy, { 'waits.parentsRunningLateMinutes': '25' }))).statusCode, 303)
    assert.equal((await admin.post('/policy/edit/records', sectionForm('records', version.policy, { 'records.completeWithinHours': '48' }))).statusCode, 303)
    assert.match(textOf((await admin.get('/policy/edit/publish')).body), /Records › Record completed within \(hours\) 24 48/)
    assert.doesNotMatch(textOf((await admin.get('/policy/edit/publish')).body), /running late/)
    assert.equal((await admin.post('/policy/edit/publish', publishForm(today(ctx), 'Records within 48 hours'))).statusCode, 303)

    const stale = await head.post('/policy/edit/publish', publishForm(today(ctx), 'Late parents: 25 minutes'))
    assert.equal(stale.statusCode, 400)
    assert.deepEqual(errorSummary(stale.body), [
      {
        href: '#replaceNewer',
        text: 'Rita Novak published version 2 after you started your changes. Compare it with yours, then confirm that yours replaces it, or start again from version 2.',
      },
    ])
    assert.equal((await head.post('/policy/edit/publish', publishForm(today(ctx), 'Late parents: 25 minutes', { replaceNewer: 'yes' }))).statusCode, 303)
    assert.deepEqual(await counts(ctx, schoolId), { versions: 3, drafts: 0 })
  })
})

describe('the policy API', () => {
  const put = (agent: Agent, schoolId: string, body: unknown) => agent.json('PUT', `/api/v1/schools/${schoolId}/policy`, body)

  it('R-GOV-1 lists the presets and gives one, or says which exist', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const list = await visitor.json('GET', '/api/v1/policy-presets')
    assert.equal(list.statusCode, 200)
    const presets = (list.json() as { presets: Array<{ id: string; name: string; summary: string }> }).presets
    assert.deepEqual(presets.map((p) => p.id), ['harton-academy-2024', 'kings-academy-gomer-2024', 'morecambe-road-2024', 'westside-2025', 'wna-protocol-2017'])
    assert.ok(presets.every((p) => p.name && p.summary))
    const one = await visitor.json('GET', '/api/v1/policy-presets/westside-2025')
    assert.equal(one.statusCode, 200)
    assert.equal((one.json() as { policy: Policy }).policy.staffing.minimumStaff, 2)
    const unknown = await visitor.json('GET', '/api/v1/policy-presets/eastside-2030')
    assert.equal(unknown.statusCode, 404)
    assert.equal(unknown.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(
      (unknown.json() as { detail: string }).detail,
      'There is no policy preset "eastside-2030". The presets are: harton-academy-2024, kings-academy-gomer-2024, morecambe-road-2024, westside-2025, wna-protocol-2017.',
    )
  })

  it('R-GOV-1 R-AUDIT-1 reads the policy and its versions, and publishes a new version with the same checks as the pages', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')

    const current = await head.json('GET', `/api/v1/schools/${schoolId}/policy`)
    assert.equal(current.statusCode, 200)
    const body = current.json() as { id: string; version: number; effectiveFrom: string; policy: Policy }
    assert.equal(body.id, version.id)
    assert.equal(body.version, 1)
    assert.deepEqual(body.policy, version.policy)

    const contradiction = structuredClone(body.policy)
    contradiction.staffing.minimumStaff = 1
    contradiction.staffing.loneVisits = { allowed: false }
    contradiction.checkIns.graceMinutes = 120
    const refused = await put(head, schoolId, { policy: contradiction, effectiveFrom: daysFrom(today(ctx), -1), note: '' })
    assert.equal(refused.statusCode, 400)
    assert.deepEqual((refused.json() as { errors: unknown[] }).errors, [
      { pointer: '/effectiveFrom', detail: 'The date it comes into force must be today (25 November 2026) or later' },
      { pointer: '/note', detail: 'Enter a note saying what changed and why' },
      { pointer: '/policy/staffing/minimumStaff', detail: 'Minimum staff is 1, but lone visits are not allowed. Set minimum staff to 2 or more, or allow lone visits.' },
      {
        pointer: '/policy/checkIns/graceMinutes',
        detail: 'The grace period (120 minutes) must be shorter than the check-in interval (120 minutes), or a check-in would be due again before the last one is overdue.',
      },
    ])
    const misspelt = await put(head, schoolId, { policy: { ...body.policy, wait: {} }, effectiveFrom: today(ctx), note: 'Typo' })
    assert.equal(misspelt.statusCode, 400)
    assert.deepEqual((misspelt.json() as { errors: unknown[] }).errors, [{ pointer: '/policy', detail: '"wait" is not a setting. Check the spelling.' }])
    assert.equal((await counts(ctx, schoolId)).versions, 1)

    const changed = structuredClone(body.policy)
    changed.checkIns.repeatEveryMinutes = 90
    const published = await put(head, schoolId, { policy: changed, effectiveFrom: today(ctx), note: 'Check in every 90 minutes' })
    assert.equal(published.statusCode, 201, published.body)
    const v2 = published.json() as { id: string; version: number; createdBy: string; policy: Policy }
    assert.equal(v2.version, 2)
    assert.equal(v2.createdBy, 'Grace Adeyemi')
    assert.equal(v2.policy.checkIns.repeatEveryMinutes, 90)
    assert.equal(v2.policy.sources['checkIns.repeatEveryMinutes']?.policy, 'Westside School (edited)')

    const versions = await head.json('GET', `/api/v1/schools/${schoolId}/policy/versions`)
    assert.deepEqual(
      (versions.json() as { versions: Array<{ version: number; status: string; note: string }> }).versions.map(({ version: n, status, note }) => ({ n, status, note })),
      [
        { n: 2, status: 'in_force', note: 'Check in every 90 minutes' },
        { n: 1, status: 'replaced', note: 'Started from the preset "Westside School — Home Visit Policy (September 2025)"' },
      ],
    )
    const audit = await ctx.pool.query('SELECT 1 FROM audit_log WHERE action = $1 AND subject_id = $2', ['policy.published', v2.id])
    assert.equal(audit.rowCount, 1)

    // Another school's policy is not found, not forbidden.
    const harton = await demoSchoolId(ctx.pool, 'Harton Academy')
    assert.equal((await head.json('GET', `/api/v1/schools/${harton}/policy`)).statusCode, 404)
    assert.equal((await put(head, harton, { policy: changed, effectiveFrom: today(ctx), note: 'x' })).statusCode, 404)
  })
})

describe('the policy API: sources', () => {
  it('R-GOV-1 a policy published over the API cannot forge where a setting comes from: Doorstep writes the sources', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const head = await signIn(ctx, 'head@westside.example')
    const current = (await head.json('GET', `/api/v1/schools/${schoolId}/policy`)).json() as { policy: Policy }
    const changed = structuredClone(current.policy)
    changed.waits.parentsNotPresentMinutes = 15
    const forged = { policy: 'Westside School Home Visit Policy (September 2025)', section: '4.2', basis: 'stated' as const, quote: 'Staff will wait 15 minutes.' }
    changed.sources = { ...changed.sources, 'waits.parentsNotPresentMinutes': forged, 'staffing.minimumStaff': forged, 'identity.badgeRule': forged }

    const published = await head.json('PUT', `/api/v1/schools/${schoolId}/policy`, { policy: changed, effectiveFrom: today(ctx), note: 'Wait 15 minutes' })
    assert.equal(published.statusCode, 201, published.body)
    const v2 = await latestPolicyVersion(ctx.pool, schoolId)
    assert.equal(v2.policy.waits.parentsNotPresentMinutes, 15)
    assert.deepEqual(v2.policy.sources['waits.parentsNotPresentMinutes'], {
      policy: 'Westside School (edited)',
      section: 'Doorstep',
      basis: 'stated',
      note: 'changed by Grace Adeyemi on 25 November 2026',
    })
    assert.deepEqual(v2.policy.sources['staffing.minimumStaff'], version.policy.sources['staffing.minimumStaff'], 'an unchanged setting keeps its source')
    assert.deepEqual(v2.policy.sources['identity.badgeRule'], version.policy.sources['identity.badgeRule'])
    assert.deepEqual((published.json() as { policy: Policy }).policy.sources, v2.policy.sources, 'the answer shows what was stored')

    // Governors reviewing the sources read Doorstep's record, not the made-up quote.
    const sources = textOf((await (await signIn(ctx, 'governor@westside.example')).get('/policy/sources')).body)
    assert.match(sources, /Waits › Wait for parents not at home \(minutes\) 15 Stated Westside School \(edited\), Doorstep changed by Grace Adeyemi/)
    assert.doesNotMatch(sources, /Staff will wait 15 minutes/)
  })
})

describe('visits and policy versions', () => {
  it('R-GOV-1 a visit planned under version 1 keeps version 1 after version 2 is published', async (t) => {
    const ctx = await testApp(t)
    const { schoolId, version } = await westside(ctx)
    const { rows: before } = await ctx.pool.query<{ id: string; policy_version_id: string }>('SELECT id, policy_version_id FROM visits WHERE school_id = $1 ORDER BY id', [schoolId])
    assert.ok(before.length > 0, 'Westside has demo visits')
    assert.ok(before.every((visit) => visit.policy_version_id === version.id))

    const head = await signIn(ctx, 'head@westside.example')
    const changed = structuredClone(version.policy)
    changed.waits.parentsNotPresentMinutes = 15
    assert.equal((await put(head, schoolId, { policy: changed, effectiveFrom: today(ctx), note: 'Shorter wait' })).statusCode, 201)

    const { rows: after } = await ctx.pool.query<{ id: string; policy_version_id: string }>('SELECT id, policy_version_id FROM visits WHERE school_id = $1 ORDER BY id', [schoolId])
    assert.deepEqual(after, before)
    const detail = await head.json('GET', `/api/v1/schools/${schoolId}/visits/${before[0]!.id}`)
    assert.equal(detail.statusCode, 200)
    assert.deepEqual((detail.json() as { policyVersion: unknown }).policyVersion, { id: version.id, version: 1 })
  })

  function put(agent: Agent, schoolId: string, body: unknown) {
    return agent.json('PUT', `/api/v1/schools/${schoolId}/policy`, body)
  }
})
