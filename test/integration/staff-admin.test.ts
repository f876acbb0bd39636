import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { createSchool } from '../../src/cli/school-create.ts'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { hashPassword } from '../../src/features/auth/passwords.ts'
import { demoSchoolId, encodeForm, signIn, testApp, textOf, userId, type TestApp } from '../helpers.ts'

async function trySignIn(ctx: TestApp, email: string, password: string): Promise<LightMyRequestResponse> {
  const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
  const pre = page.cookies.find((c) => c.name === 'doorstep_pre')!.value
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
  return ctx.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}`, accept: 'text/html' },
    payload: encodeForm({ _csrf: csrf, email, password }),
  })
}

async function auditRows(ctx: TestApp, subjectId: string) {
  const { rows } = await ctx.pool.query<{ action: string; school_id: string | null; actor_user_id: string | null; summary: string; change: Record<string, unknown> }>(
    'SELECT action, school_id, actor_user_id, summary, change FROM audit_log WHERE subject_id = $1 ORDER BY id',
    [subjectId],
  )
  return rows
}

async function counts(ctx: TestApp) {
  const { rows } = await ctx.pool.query<{ users: number; memberships: number; audit: number }>(
    `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM school_memberships) AS memberships,
            (SELECT count(*)::int FROM audit_log) AS audit`,
  )
  return rows[0]!
}

const temporaryPassword = (body: string) => /[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}/.exec(textOf(body))?.[0]

describe('staff admin: who may use it', () => {
  it('a visitor, the office, a DSL and a governor get 403 on every /staff route, and nothing changes', async (t) => {
    const ctx = await testApp(t)
    const target = await userId(ctx.pool, 'visitor2@westside.example')
    const people = await Promise.all(['visitor@westside.example', 'office@westside.example', 'dsl@westside.example', 'governor@westside.example'].map(async (email) => ({ email, person: await signIn(ctx, email) })))
    const before = await counts(ctx)
    for (const { email, person } of people) {
      const responses = [
        await person.get('/staff'),
        await person.get('/staff/new'),
        await person.get(`/staff/${target}`),
        await person.get(`/staff/${target}/edit`),
        await person.post('/staff', { name: 'New Person', email: 'new.person@westside.example', roles: 'visitor' }),
        await person.post(`/staff/${target}`, { name: 'Renamed', email: 'visitor2@westside.example', roles: 'school_admin' }),
        await person.post(`/staff/${target}/reset-password`),
        await person.post(`/staff/${target}/deactivate`),
        await person.post(`/staff/${target}/reactivate`),
      ]
      for (const response of responses) {
        assert.equal(response.statusCode, 403, `${email}: ${response.statusCode}`)
        assert.match(textOf(response.body), /You do not have permission/)
      }
      const api = await person.json('GET', `/api/v1/schools/${await demoSchoolId(ctx.pool, 'Westside School')}/staff`)
      assert.equal(api.statusCode, 403)
    }
    assert.deepEqual(await counts(ctx), before)
  })

  it('the headteacher and the school admin can use it; the Staff menu entry shows only to them', async (t) => {
    const ctx = await testApp(t)
    for (const email of ['head@westside.example', 'admin@westside.example']) {
      const person = await signIn(ctx, email)
      const list = await person.get('/staff')
      assert.equal(list.statusCode, 200)
      assert.match((await person.get('/')).body, /href="\/staff"/)
    }
    const visitor = await signIn(ctx, 'visitor@westside.example')
    assert.doesNotMatch((await visitor.get('/')).body, /href="\/staff"/)
  })
})

describe('staff admin: list and detail', () => {
  it('the list shows everyone on the staff of this school with their roles and mobile, and no one else', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const list = await admin.get('/staff')
    assert.equal(list.statusCode, 200)
    const text = textOf(list.body)
    assert.match(text, /10 people at Westside School/)
    assert.match(text, /Priya Sharma dsl@westside\.example Designated safeguarding lead \(DSL\), Senior or central leadership team member 07700900402/)
    assert.match(text, /Sam Carter visitor@westside\.example Visiting staff 07700900406/)
    assert.match(text, /Grace Adeyemi head@westside\.example Headteacher/)
    assert.doesNotMatch(text, /harton\.example|Hughes/, 'no one from another school')
  })

  it('the detail page shows one person; another school’s staff, an unknown id and a malformed id are 404', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const detail = await admin.get(`/staff/${await userId(ctx.pool, 'dsl@westside.example')}`)
    assert.equal(detail.statusCode, 200)
    const text = textOf(detail.body)
    assert.match(text, /Name Priya Sharma/)
    assert.match(text, /Email dsl@westside\.example/)
    assert.match(text, /Roles Designated safeguarding lead \(DSL\), Senior or central leadership team member/)
    assert.match(text, /Mobile number 07700900402/)
    assert.match(text, /Account Active/)
    for (const url of [
      `/staff/${await userId(ctx.pool, 'dsl@harton.example')}`,
      `/staff/${await userId(ctx.pool, 'dsl@harton.example')}/edit`,
      '/staff/00000000-0000-4000-8000-000000000000',
      '/staff/not-a-uuid',
      '/staff/1',
    ]) {
      const response = await admin.get(url)
      assert.equal(response.statusCode, 404, url)
      assert.match(textOf(response.body), /Page not found/)
    }
    const harton = await userId(ctx.pool, 'visitor@harton.example')
    for (const action of ['deactivate', 'reset-password', 'reactivate']) {
      assert.equal((await admin.post(`/staff/${harton}/${action}`)).statusCode, 404, action)
    }
    assert.equal((await admin.post(`/staff/${harton}`, { name: 'X', email: 'visitor@harton.example', roles: 'visitor' })).statusCode, 404)
    assert.equal((await auditRows(ctx, harton)).length, 0)
  })
})

describe('staff admin: adding a member of staff', () => {
  it('adds a new person with a temporary password shown once, which works for signing in; the change is audited', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const added = await admin.post('/staff', { name: 'Nia Evans', email: 'nia.evans@westside.example', mobile: '07700 900 123', roles: ['visitor', 'office'] })
    assert.equal(added.statusCode, 200)
    assert.match(textOf(added.body), /Member of staff added/)
    const password = temporaryPassword(added.body)
    assert.ok(password, 'the temporary password is on the page')

    const id = await userId(ctx.pool, 'nia.evans@westside.example')
    const { rows } = await ctx.pool.query<{ password_hash: string; mobile: string }>('SELECT password_hash, mobile FROM users WHERE id = $1', [id])
    assert.ok(!rows[0]!.password_hash.includes(password))
    assert.equal(rows[0]!.mobile, '07700900123')
    const detail = await admin.get(`/staff/${id}`)
    assert.doesNotMatch(textOf(detail.body), new RegExp(password), 'shown only once')
    assert.match(textOf(detail.body), /Roles School office, Visiting staff/)
    assert.match(textOf((await admin.get('/staff')).body), /Nia Evans nia\.evans@westside\.example School office, Visiting staff 07700900123/)

    const signedIn = await trySignIn(ctx, 'nia.evans@westside.example', password)
    assert.equal(signedIn.statusCode, 303)

    const audit = (await auditRows(ctx, id)).filter((r) => r.action.startsWith('staff.'))
    assert.equal(audit.length, 1)
    assert.equal(audit[0]!.action, 'staff.added')
    assert.equal(audit[0]!.school_id, await demoSchoolId(ctx.pool, 'Westside School'))
    assert.equal(audit[0]!.actor_user_id, await userId(ctx.pool, 'admin@westside.example'))
    assert.match(audit[0]!.summary, /Added Nia Evans to the staff as Visiting staff, School office/)
  })

  const badForms: Array<[string, Record<string, string | string[]>, Record<string, RegExp>]> = [
    ['an empty form', {}, { name: /Enter the full name/, email: /Enter an email address/, roles: /Choose at least one role/ }],
    ['a blank name', { name: '   ', email: 'a@westside.example', roles: 'visitor' }, { name: /Enter the full name/ }],
    ['a bad email', { name: 'Nia Evans', email: 'nia.evans', roles: 'visitor' }, { email: /Enter an email address in the correct format/ }],
    ['a bad UK mobile', { name: 'Nia Evans', email: 'nia@westside.example', mobile: '01234 567890', roles: 'visitor' }, { mobile: /Enter a UK mobile number/ }],
    ['no role', { name: 'Nia Evans', email: 'nia@westside.example' }, { roles: /Choose at least one role/ }],
    ['a role that does not exist', { name: 'Nia Evans', email: 'nia@westside.example', roles: ['visitor', 'superuser'] }, { roles: /Choose roles from the list/ }],
    ['a name that is too long', { name: 'N'.repeat(201), email: 'nia@westside.example', roles: 'visitor' }, { name: /200 characters or fewer/ }],
  ]
  for (const [label, form, errors] of badForms) {
    it(`${label}: 400, the error summary and a message by each field; nothing is saved`, async (t) => {
      const ctx = await testApp(t)
      const admin = await signIn(ctx, 'admin@westside.example')
      const before = await counts(ctx)
      const response = await admin.post('/staff', form)
      assert.equal(response.statusCode, 400)
      assert.match(response.body, /govuk-error-summary/)
      for (const [field, message] of Object.entries(errors)) {
        assert.match(response.body, new RegExp(`href="#${field}"`), `summary links to ${field}`)
        assert.match(response.body, new RegExp(`id="${field}-error"`), `message by ${field}`)
        assert.match(textOf(response.body), message)
      }
      if (typeof form.name === 'string' && form.name.trim()) assert.match(response.body, new RegExp(`value="${form.name.slice(0, 20)}`), 'what they typed is kept')
      assert.deepEqual(await counts(ctx), before)
    })
  }

  it('an email already on this school’s staff (in any case) is a clear error, and nothing is saved', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const before = await counts(ctx)
    const response = await admin.post('/staff', { name: 'Someone Else', email: 'DSL@Westside.example', roles: 'visitor' })
    assert.equal(response.statusCode, 400)
    assert.match(response.body, /govuk-error-summary/)
    assert.match(textOf(response.body), /DSL@Westside\.example is already on this school’s staff/)
    assert.match(response.body, /href="#email"/)
    assert.deepEqual(await counts(ctx), before)
    const dsl = await userId(ctx.pool, 'dsl@westside.example')
    const { rows } = await ctx.pool.query<{ role: string }>('SELECT role FROM school_memberships WHERE user_id = $1 ORDER BY role', [dsl])
    assert.deepEqual(rows.map((r) => r.role), ['dsl', 'slt'], 'their roles are untouched')
  })

  it('a double-click on Save (or two admins at once) adds the person once; the other answer is "already on staff", not an error', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    for (const email of ['nia.evans@westside.example', 'head@harton.example']) {
      const responses = await Promise.all([1, 2, 3].map(() => admin.post('/staff', { name: 'Nia Evans', email, roles: 'visitor' })))
      assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, 400, 400], email)
      for (const response of responses.filter((r) => r.statusCode === 400)) assert.match(textOf(response.body), /is already on this school’s staff/)
      const id = await userId(ctx.pool, email)
      assert.equal((await auditRows(ctx, id)).filter((r) => r.action === 'staff.added').length, 1)
    }
    const id = await userId(ctx.pool, 'visitor2@westside.example')
    const edits = await Promise.all([1, 2, 3].map(() => admin.post(`/staff/${id}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor', 'office'] })))
    assert.deepEqual(edits.map((r) => r.statusCode), [303, 303, 303])
  })

  it('someone already in another school gets roles here and keeps their own password (no new one is made)', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'head@harton.example')
    const hashBefore = (await ctx.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0]!.password_hash
    const response = await admin.post('/staff', { name: 'Helen Hughes', email: 'head@harton.example', roles: 'visitor' })
    assert.equal(response.statusCode, 200)
    assert.match(textOf(response.body), /Roles added/)
    assert.match(textOf(response.body), /already has a Doorstep account, so they sign in with their existing password/)
    assert.equal(temporaryPassword(response.body), undefined)
    const hashAfter = (await ctx.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0]!.password_hash
    assert.equal(hashAfter, hashBefore)

    const head = await signIn(ctx, 'head@harton.example', DEMO_PASSWORD)
    const me = await head.json('GET', '/api/v1/me')
    assert.deepEqual(
      me.json().schools.map((s: { name: string; roles: string[] }) => `${s.name}: ${s.roles.join(',')}`),
      ['Harton Academy: headteacher', 'Westside School: visitor'],
    )
    assert.equal((await auditRows(ctx, id)).filter((r) => r.action === 'staff.added').length, 1)
  })
})

describe('staff admin: changing details and roles', () => {
  it('changes roles and details; the audit row has before and after', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'head@westside.example')
    const id = await userId(ctx.pool, 'visitor2@westside.example')
    const edit = await admin.get(`/staff/${id}/edit`)
    assert.equal(edit.statusCode, 200)
    assert.match(edit.body, /value="visitor2@westside\.example"/)
    const saved = await admin.post(`/staff/${id}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '+44 7700 900 555', roles: ['visitor', 'deputy_dsl'] })
    assert.equal(saved.statusCode, 303)
    assert.equal(saved.headers.location, `/staff/${id}?done=updated`)
    const detail = textOf((await admin.get(`/staff/${id}?done=updated`)).body)
    assert.match(detail, /Details saved/)
    assert.match(detail, /Roles Deputy DSL, Visiting staff/)
    assert.match(detail, /Mobile number \+447700900555/)
    const audit = (await auditRows(ctx, id)).filter((r) => r.action === 'staff.updated')
    assert.equal(audit.length, 1)
    assert.deepEqual((audit[0]!.change.before as { roles: string[] }).roles, ['visitor'])
    assert.deepEqual((audit[0]!.change.after as { roles: string[] }).roles, ['visitor', 'deputy_dsl'])
  })

  it('bad input on the change form is a 400 with field errors and changes nothing', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'visitor2@westside.example')
    const before = await counts(ctx)
    const response = await admin.post(`/staff/${id}`, { name: '', email: 'visitor2@westside.example', mobile: '12345', roles: [] })
    assert.equal(response.statusCode, 400)
    assert.match(textOf(response.body), /Enter the full name/)
    assert.match(textOf(response.body), /Enter a UK mobile number/)
    assert.match(textOf(response.body), /Choose at least one role/)
    assert.deepEqual(await counts(ctx), before)
  })

  it('an email that belongs to someone else is refused', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'visitor2@westside.example')
    const response = await admin.post(`/staff/${id}`, { name: 'Jo', email: 'office@westside.example', roles: 'visitor' })
    assert.equal(response.statusCode, 400)
    assert.match(textOf(response.body), /office@westside\.example already belongs to someone else/)
    assert.equal((await auditRows(ctx, id)).length, 0)
  })

  it('a school admin cannot remove their own admin role, nor deactivate themselves', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const id = await userId(ctx.pool, 'admin@westside.example')
    const before = await counts(ctx)
    const demote = await admin.post(`/staff/${id}`, { name: 'Rita Novak', email: 'admin@westside.example', roles: 'visitor' })
    assert.equal(demote.statusCode, 400)
    assert.match(textOf(demote.body), /You cannot remove your own school admin role/)
    assert.match(demote.body, /href="#roles"/)
    const deactivate = await admin.post(`/staff/${id}/deactivate`)
    assert.equal(deactivate.statusCode, 409)
    assert.match(textOf(deactivate.body), /You cannot deactivate your own account/)
    assert.deepEqual(await counts(ctx), before)
    const { rows } = await ctx.pool.query<{ active: boolean }>('SELECT active FROM users WHERE id = $1', [id])
    assert.equal(rows[0]!.active, true)
    assert.equal((await admin.get('/staff')).statusCode, 200, 'still an admin, still signed in')
    // Adding a role to themselves is fine.
    const more = await admin.post(`/staff/${id}`, { name: 'Rita Novak', email: 'admin@westside.example', roles: ['school_admin', 'office'] })
    assert.equal(more.statusCode, 303)
  })
})

describe('staff admin: passwords and access', () => {
  it('resetting a password: the old one stops working, their sessions end, any slowing of their sign-in is cleared; audited', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const id = await userId(ctx.pool, 'visitor@westside.example')
    for (let i = 0; i < ctx.config.signIn.maxFailures; i++) await trySignIn(ctx, 'visitor@westside.example', 'wrong')
    assert.equal((await trySignIn(ctx, 'visitor@westside.example', DEMO_PASSWORD)).statusCode, 400, 'slowed: even the right password waits')
    assert.match(textOf((await admin.get(`/staff/${id}`)).body), /Account Active – sign-in slowed after 5 wrong passwords in a row \(browsers they have signed in on before are not slowed\)/)

    const reset = await admin.post(`/staff/${id}/reset-password`)
    assert.equal(reset.statusCode, 200)
    assert.match(textOf(reset.body), /Password reset/)
    const password = temporaryPassword(reset.body)
    assert.ok(password)

    assert.equal((await visitor.get('/')).statusCode, 302, 'their session has ended')
    assert.equal((await trySignIn(ctx, 'visitor@westside.example', DEMO_PASSWORD)).statusCode, 400, 'the old password no longer works')
    assert.equal((await trySignIn(ctx, 'visitor@westside.example', password)).statusCode, 303, 'the new one works at once, slowing cleared')
    assert.doesNotMatch(textOf((await admin.get(`/staff/${id}`)).body), /slowed/)
    assert.deepEqual((await auditRows(ctx, id)).map((r) => r.action).filter((a) => a.startsWith('staff.')), ['staff.password_reset'])
  })

  it('deactivating and reactivating an account; the list marks deactivated people; both are audited', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'head@westside.example')
    const id = await userId(ctx.pool, 'office@westside.example')
    const office = await signIn(ctx, 'office@westside.example')
    const off = await admin.post(`/staff/${id}/deactivate`)
    assert.equal(off.statusCode, 303)
    assert.match(textOf((await admin.get(`/staff/${id}?done=deactivated`)).body), /Account deactivated\. They have been signed out everywhere/)
    assert.match(textOf((await admin.get(`/staff/${id}`)).body), /Account Deactivated/)
    assert.match(textOf((await admin.get('/staff')).body), /Maria Santos Deactivated/)
    assert.equal((await office.get('/')).statusCode, 302)
    assert.equal((await trySignIn(ctx, 'office@westside.example', DEMO_PASSWORD)).statusCode, 400)

    const on = await admin.post(`/staff/${id}/reactivate`)
    assert.equal(on.statusCode, 303)
    assert.match(textOf((await admin.get(`/staff/${id}?done=reactivated`)).body), /Account reactivated/)
    assert.equal((await trySignIn(ctx, 'office@westside.example', DEMO_PASSWORD)).statusCode, 303)
    const audit = (await auditRows(ctx, id)).filter((r) => r.action.startsWith('staff.'))
    assert.deepEqual(audit.map((r) => r.action), ['staff.deactivated', 'staff.reactivated'])
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const head = await userId(ctx.pool, 'head@westside.example')
    assert.ok(audit.every((r) => r.school_id === westside && r.actor_user_id === head))
  })

  it('each change and its audit row are written together: if the audit row cannot be written, the change is not made', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const visitor = await userId(ctx.pool, 'visitor@westside.example')
    const snapshot = async () =>
      (await ctx.pool.query(`SELECT u.email, u.name, u.active, u.password_hash, array_agg(m.role ORDER BY m.role) AS roles
         FROM users u LEFT JOIN school_memberships m ON m.user_id = u.id GROUP BY u.id ORDER BY u.email`)).rows
    const before = await snapshot()
    await ctx.pool.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$`)
    await ctx.pool.query('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()')
    const responses = [
      await admin.post('/staff', { name: 'Nia Evans', email: 'nia.evans@westside.example', roles: 'visitor' }),
      await admin.post('/staff', { name: 'Helen Hughes', email: 'head@harton.example', roles: 'visitor' }),
      await admin.post(`/staff/${visitor}`, { name: 'Renamed', email: 'visitor@westside.example', roles: 'office' }),
      await admin.post(`/staff/${visitor}/reset-password`),
      await admin.post(`/staff/${visitor}/deactivate`),
    ]
    for (const response of responses) {
      assert.equal(response.statusCode, 500)
      assert.match(textOf(response.body), /Nothing you entered has been saved/)
    }
    assert.deepEqual(await snapshot(), before)
  })
})

describe('staff admin: people who work at more than one school', () => {
  it('an admin of one school cannot take over the account of someone from another school by adding them and resetting their password', async (t) => {
    const ctx = await testApp(t)
    const hartonAdmin = await signIn(ctx, 'admin@harton.example')
    const westsideHead = await userId(ctx.pool, 'head@westside.example')
    assert.equal((await hartonAdmin.post('/staff', { name: 'Grace Adeyemi', email: 'head@westside.example', roles: 'visitor' })).statusCode, 200)

    const reset = await hartonAdmin.post(`/staff/${westsideHead}/reset-password`)
    assert.equal(reset.statusCode, 409)
    assert.match(textOf(reset.body), /also works at another school/)
    assert.equal(temporaryPassword(reset.body), undefined)
    assert.equal((await trySignIn(ctx, 'head@westside.example', DEMO_PASSWORD)).statusCode, 303, 'their password is unchanged')

    const deactivate = await hartonAdmin.post(`/staff/${westsideHead}/deactivate`)
    assert.equal(deactivate.statusCode, 409)
    assert.match(textOf(deactivate.body), /also works at another school/)

    const rename = await hartonAdmin.post(`/staff/${westsideHead}`, { name: 'Grace Adeyemi', email: 'attacker@harton.example', roles: 'visitor' })
    assert.equal(rename.statusCode, 400)
    assert.match(textOf(rename.body), /also works at another school/)
    const { rows } = await ctx.pool.query<{ email: string; active: boolean }>('SELECT email, active FROM users WHERE id = $1', [westsideHead])
    assert.deepEqual(rows[0], { email: 'head@westside.example', active: true })

    // Their roles in this school are this school's business.
    const roles = await hartonAdmin.post(`/staff/${westsideHead}`, { name: 'Grace Adeyemi', email: 'head@westside.example', mobile: '07700900400', roles: ['visitor', 'office'] })
    assert.equal(roles.statusCode, 303)
  })

  it('the trust admin, who administers every school the person works at, can reset their password', async (t) => {
    const ctx = await testApp(t)
    const hartonAdmin = await signIn(ctx, 'admin@harton.example')
    assert.equal((await hartonAdmin.post('/staff', { name: 'Grace Adeyemi', email: 'head@westside.example', roles: 'visitor' })).statusCode, 200)
    const trust = await signIn(ctx, 'trust.admin@demo-trust.example')
    const reset = await trust.post(`/staff/${await userId(ctx.pool, 'head@westside.example')}/reset-password`)
    assert.equal(reset.statusCode, 200)
    assert.ok(temporaryPassword(reset.body))
  })
})

/** A school in an organisation of its own (not the demo trust), with its first admin signed in. */
async function schoolElsewhere(ctx: TestApp) {
  await createSchool(
    ctx.pool,
    { organisation: 'Elsewhere Learning Trust', organisationKind: 'trust', school: 'Elsewhere Primary', preset: 'westside-2025', adminEmail: 'admin@elsewhere.example', adminName: 'Eve Elsewhere' },
    await hashPassword(DEMO_PASSWORD),
    ctx.clock(),
  )
  // The CLI's password is temporary; this admin has already chosen their own (temporary-password.test.ts covers that step).
  await ctx.pool.query(`UPDATE users SET password_is_temporary = false WHERE email = 'admin@elsewhere.example'`)
  return signIn(ctx, 'admin@elsewhere.example')
}

describe('staff admin: people from another organisation', () => {
  it('R-CONF-1 an admin in another organisation cannot attach a demo school’s DSL: no role, no name or mobile shown, and their own admin keeps control of the account', async (t) => {
    const ctx = await testApp(t)
    const elsewhere = await schoolElsewhere(ctx)
    const dsl = await userId(ctx.pool, 'dsl@westside.example')
    const before = await counts(ctx)

    const response = await elsewhere.post('/staff', { name: 'Anyone', email: 'dsl@westside.example', roles: 'visitor' })
    assert.equal(response.statusCode, 400)
    assert.match(response.body, /govuk-error-summary/)
    assert.match(response.body, /href="#email"/)
    assert.match(textOf(response.body), /Doorstep cannot add dsl@westside\.example to Elsewhere Primary/)
    assert.doesNotMatch(textOf(response.body), /Lindqvist|07700900402|Westside|already has a Doorstep account|Roles added/)
    assert.deepEqual(await counts(ctx), before, 'nothing saved, nothing audited')
    const { rows } = await ctx.pool.query<{ role: string }>('SELECT role FROM school_memberships WHERE user_id = $1 ORDER BY role', [dsl])
    assert.deepEqual(rows.map((r) => r.role), ['dsl', 'slt'])

    // Their own school's admin can still reset and deactivate them (they work at no school outside the trust).
    const westsideAdmin = await signIn(ctx, 'admin@westside.example')
    assert.equal((await westsideAdmin.post(`/staff/${dsl}/reset-password`)).statusCode, 200)
    assert.equal((await westsideAdmin.post(`/staff/${dsl}/deactivate`)).statusCode, 303)
  })

  it('R-CONF-1 the answer does not say whether an address belongs to an account elsewhere: the same status and words as for an account that works nowhere', async (t) => {
    const ctx = await testApp(t)
    const elsewhere = await schoolElsewhere(ctx)
    await ctx.pool.query(`INSERT INTO users (email, name, password_hash) VALUES ('left.everywhere@example.org', 'Lee Left', 'x')`)
    const inAnotherTrust = await elsewhere.post('/staff', { name: 'Someone', email: 'head@harton.example', roles: 'visitor' })
    const worksNowhere = await elsewhere.post('/staff', { name: 'Someone', email: 'left.everywhere@example.org', roles: 'visitor' })
    assert.equal(inAnotherTrust.statusCode, 400)
    assert.equal(worksNowhere.statusCode, 400)
    const words = (body: string, email: string) => textOf(body).replaceAll(email, '<email>')
    assert.equal(words(inAnotherTrust.body, 'head@harton.example'), words(worksNowhere.body, 'left.everywhere@example.org'))
    assert.doesNotMatch(textOf(worksNowhere.body), /Lee Left/)

    // Someone new to Doorstep is added as before.
    const added = await elsewhere.post('/staff', { name: 'Nia Evans', email: 'nia.evans@elsewhere.example', roles: 'visitor' })
    assert.equal(added.statusCode, 200)
    assert.match(textOf(added.body), /Member of staff added/)
    assert.ok(temporaryPassword(added.body))
  })

  it('R-CONF-1 within one organisation (the demo trust) an admin still adds someone who works at another of its schools', async (t) => {
    const ctx = await testApp(t)
    const westsideAdmin = await signIn(ctx, 'admin@westside.example')
    const response = await westsideAdmin.post('/staff', { name: 'Ignored', email: 'visitor@harton.example', roles: 'visitor' })
    assert.equal(response.statusCode, 200)
    assert.match(textOf(response.body), /Roles added/)
  })
})

describe('staff admin: safeguarding roles', () => {
  const safeguardingMessage = /Only the headteacher can give or take away the roles of headteacher, associate or deputy headteacher, DSL and deputy DSL\. The school’s policy does not let school admins do it\./

  it('R-CONF-1 a school admin cannot give anyone, themselves included, a safeguarding role, nor take one away; other roles are theirs to give', async (t) => {
    const ctx = await testApp(t)
    const self = await userId(ctx.pool, 'admin@westside.example')
    const visitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    const dsl = await userId(ctx.pool, 'dsl@westside.example')
    const trust = await signIn(ctx, 'trust.admin@demo-trust.example')
    await trust.post('/schools/switch', { schoolId: await demoSchoolId(ctx.pool, 'Westside School') })
    const admins = [await signIn(ctx, 'admin@westside.example'), trust]
    const before = await counts(ctx)
    for (const admin of admins) {
      const attempts = [
        await admin.post('/staff', { name: 'Nia Evans', email: 'nia.evans@westside.example', roles: ['visitor', 'dsl'] }),
        await admin.post(`/staff/${visitor2}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor', 'deputy_dsl'] }),
        await admin.post(`/staff/${self}`, { name: 'Rita Novak', email: 'admin@westside.example', roles: ['school_admin', 'headteacher'] }),
        await admin.post(`/staff/${visitor2}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor', 'associate_head'] }),
        await admin.post(`/staff/${dsl}`, { name: 'Priya Sharma', email: 'dsl@westside.example', mobile: '07700900402', roles: ['slt'] }),
      ]
      for (const response of attempts) {
        assert.equal(response.statusCode, 400, response.body.slice(0, 300))
        assert.match(response.body, /govuk-error-summary/)
        assert.match(response.body, /href="#roles"/)
        assert.match(textOf(response.body), safeguardingMessage)
      }
    }
    assert.deepEqual(await counts(ctx), before, 'nothing saved, nothing audited')
    const { rows } = await ctx.pool.query<{ role: string }>('SELECT role FROM school_memberships WHERE user_id = $1 ORDER BY role', [dsl])
    assert.deepEqual(rows.map((r) => r.role), ['dsl', 'slt'])

    const admin = await signIn(ctx, 'admin@westside.example')
    assert.equal((await admin.post(`/staff/${visitor2}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor', 'office'] })).statusCode, 303)
    // Changing a DSL's other roles leaves their DSL role as it is, which is fine.
    assert.equal((await admin.post(`/staff/${dsl}`, { name: 'Priya Sharma', email: 'dsl@westside.example', mobile: '07700900402', roles: ['dsl'] })).statusCode, 303)
  })

  it('R-CONF-1 the headteacher gives and takes away safeguarding roles', async (t) => {
    const ctx = await testApp(t)
    const head = await signIn(ctx, 'head@westside.example')
    const visitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    assert.equal((await head.post(`/staff/${visitor2}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor', 'deputy_dsl'] })).statusCode, 303)
    assert.match(textOf((await head.get(`/staff/${visitor2}`)).body), /Roles Deputy DSL, Visiting staff/)
    assert.equal((await head.post(`/staff/${visitor2}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor'] })).statusCode, 303)
    assert.equal((await head.post('/staff', { name: 'Nia Evans', email: 'nia.evans@westside.example', roles: ['dsl'] })).statusCode, 200)
  })

  it('R-GOV-1 where the school’s policy lets school admins give safeguarding roles, they may', async (t) => {
    const ctx = await testApp(t)
    const westside = await demoSchoolId(ctx.pool, 'Westside School')
    const { rows } = await ctx.pool.query<{ policy: { staffing: Record<string, unknown> }; preset: string }>(
      'SELECT policy, preset FROM policy_versions WHERE school_id = $1 ORDER BY version DESC LIMIT 1',
      [westside],
    )
    const policy = { ...rows[0]!.policy, staffing: { ...rows[0]!.policy.staffing, adminsMayGrantSafeguardingRoles: true } }
    await ctx.pool.query(
      `INSERT INTO policy_versions (school_id, version, preset, policy, effective_from, created_by_name) VALUES ($1, 2, $2, $3, DATE '2026-01-01', 'Test')`,
      [westside, rows[0]!.preset, JSON.stringify({ ...policy, version: 2 })],
    )
    const admin = await signIn(ctx, 'admin@westside.example')
    const visitor2 = await userId(ctx.pool, 'visitor2@westside.example')
    assert.equal((await admin.post(`/staff/${visitor2}`, { name: 'Jo Bennett', email: 'visitor2@westside.example', mobile: '07700900407', roles: ['visitor', 'deputy_dsl'] })).statusCode, 303)
  })
})
