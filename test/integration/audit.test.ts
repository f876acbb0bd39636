import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { canonicalJson, recordAudit, verifyAuditChains } from '../../src/audit/audit.ts'
import { inTransaction } from '../../src/db/pool.ts'
import { TEST_EPOCH } from '../clock.ts'
import { demoSchoolId, fixedClock, signIn, testApp, textOf, userId, type TestApp } from '../helpers.ts'

// The demo template is seeded at TEST_EPOCH, so these tests act a month later: their entries are the newest.
const DAY = 24 * 3_600_000
function laterClock() {
  const start = new Date(TEST_EPOCH.getTime() + 30 * DAY)
  start.setUTCHours(12, 0, 0, 0)
  return fixedClock(start)
}
const isoDay = (date: Date) => date.toISOString().slice(0, 10)

/** The rows of the history table, as text: "who | what". */
function historyRows(html: string): string[] {
  const body = /<tbody class="govuk-table__body">([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? ''
  return [...body.matchAll(/<tr[\s\S]*?<\/tr>/g)].map((row) => {
    const cells = [...row[0].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => textOf(cell[1]!))
    return `${cells[1]} | ${cells[2]}`
  })
}

async function tamper(ctx: TestApp, sql: string, params: unknown[] = []) {
  await ctx.pool.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
  try {
    await ctx.pool.query(sql, params)
  } finally {
    await ctx.pool.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')
  }
}

describe('the history page (/audit)', () => {
  it('is open to the school admin, the headteacher and the DSL; 403 for the office, visitors and others', async (t) => {
    const ctx = await testApp(t)
    for (const email of ['admin@westside.example', 'head@westside.example', 'dsl@westside.example']) {
      const page = await (await signIn(ctx, email)).get('/audit')
      assert.equal(page.statusCode, 200, email)
      assert.match(textOf(page.body), /History Every change made in Westside School, newest first/)
    }
    for (const email of ['office@westside.example', 'visitor@westside.example', 'governor@westside.example', 'deputy.dsl@westside.example']) {
      const page = await (await signIn(ctx, email)).get('/audit')
      assert.equal(page.statusCode, 403, email)
      assert.match(textOf(page.body), /You do not have permission/)
    }
  })

  it('R-CONF-1 a school admin reads the history of staff, readiness and the policy, not of pupils and visits; the headteacher and DSL read it all', async (t) => {
    const ctx = await testApp(t, { clock: laterClock() })
    const leo = (await ctx.pool.query<{ id: string }>(`SELECT id FROM pupils WHERE first_name = 'Leo' AND last_name = 'Marsh'`)).rows[0]!.id
    const dsl = await signIn(ctx, 'dsl@westside.example')
    assert.equal((await dsl.get(`/pupils/${leo}`)).statusCode, 200)
    const admin = await signIn(ctx, 'admin@westside.example')
    await admin.post(`/staff/${await userId(ctx.pool, 'visitor2@westside.example')}/deactivate`)

    const forAdmin = await admin.get('/audit')
    assert.equal(forAdmin.statusCode, 200)
    const adminRows = historyRows(forAdmin.body)
    assert.ok(adminRows.some((row) => /Deactivated the account of/.test(row)))
    assert.ok(!adminRows.some((row) => /Leo Marsh|medical, SEND and behaviour/.test(row)), 'no pupil or visit entries for a school admin')
    assert.doesNotMatch(textOf(forAdmin.body), /Leo Marsh/)
    assert.match(textOf(forAdmin.body), /You see the history of staff accounts, readiness, calendar links and the policy\. The history of pupils, families and visits is for the headteacher and the DSL\./)
    for (const reader of [dsl, await signIn(ctx, 'head@westside.example')]) {
      const rows = historyRows((await reader.get('/audit')).body)
      assert.ok(rows.some((row) => /Viewed the medical, SEND and behaviour notes of Leo Marsh/.test(row)))
      assert.ok(rows.some((row) => /Deactivated the account of/.test(row)))
    }
  })

  it('lists this school’s entries, newest first, and none from other schools', async (t) => {
    const ctx = await testApp(t, { clock: laterClock() })
    const admin = await signIn(ctx, 'admin@westside.example')
    for (const email of ['visitor@westside.example', 'visitor2@westside.example', 'office@westside.example']) {
      ctx.clock.advance(60_000)
      await admin.post(`/staff/${await userId(ctx.pool, email)}/deactivate`)
    }
    const hartonAdmin = await signIn(ctx, 'admin@harton.example')
    await hartonAdmin.post(`/staff/${await userId(ctx.pool, 'visitor@harton.example')}/deactivate`)
    // The headteacher reads the whole history (a school admin reads the staff part of it).
    const page = await (await signIn(ctx, 'head@westside.example')).get('/audit')
    assert.equal(page.statusCode, 200)
    const rows = historyRows(page.body)
    assert.deepEqual(rows.slice(0, 3), [
      'Rita Novak | Deactivated the account of Maria Santos',
      'Rita Novak | Deactivated the account of Jo Bennett',
      'Rita Novak | Deactivated the account of Sam Carter',
    ])
    assert.ok(rows.some((row) => /Created the demo school Westside School/.test(row)))
    assert.ok(!rows.some((row) => /Hughes|Harton/.test(row)), 'nothing from Harton')
    const { rows: count } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE school_id = $1', [
      await demoSchoolId(ctx.pool, 'Westside School'),
    ])
    assert.match(textOf(page.body), new RegExp(`${count[0]!.n} entries`))
  })

  it('filters by person and by date range (inclusive, UK dates)', async (t) => {
    const ctx = await testApp(t, { clock: laterClock() })
    // Sessions idle out overnight, so each day starts with signing in.
    const act = async (email: string, url: string) => assert.equal((await (await signIn(ctx, email)).post(url)).statusCode, 303)
    const day1 = ctx.clock()
    await act('admin@westside.example', `/staff/${await userId(ctx.pool, 'visitor@westside.example')}/deactivate`)
    ctx.clock.advance(DAY)
    const day2 = ctx.clock()
    await act('head@westside.example', `/staff/${await userId(ctx.pool, 'visitor2@westside.example')}/deactivate`)
    ctx.clock.advance(60_000)
    await act('admin@westside.example', `/staff/${await userId(ctx.pool, 'office@westside.example')}/deactivate`)
    ctx.clock.advance(DAY)
    const day3 = ctx.clock()
    await act('head@westside.example', `/staff/${await userId(ctx.pool, 'visitor@westside.example')}/reactivate`)
    const reader = await signIn(ctx, 'dsl@westside.example')

    const headId = await userId(ctx.pool, 'head@westside.example')
    const byHead = await reader.get(`/audit?person=${headId}`)
    assert.equal(byHead.statusCode, 200)
    const headRows = historyRows(byHead.body)
    assert.deepEqual(headRows.slice(0, 2), [
      'Grace Adeyemi | Reactivated the account of Sam Carter',
      'Grace Adeyemi | Deactivated the account of Jo Bennett',
    ])
    assert.ok(headRows.every((row) => row.startsWith('Grace Adeyemi |')), 'only the headteacher’s entries')
    assert.ok(!headRows.some((row) => /Priya/.test(row)))
    assert.match(byHead.body, new RegExp(`<option value="${headId}" selected>`), 'the filter is kept')

    const onDay2 = await reader.get(`/audit?from=${isoDay(day2)}&to=${isoDay(day2)}`)
    assert.deepEqual(historyRows(onDay2.body), [
      'Rita Novak | Deactivated the account of Maria Santos',
      'Grace Adeyemi | Deactivated the account of Jo Bennett',
    ])
    const fromDay2 = historyRows((await reader.get(`/audit?from=${isoDay(day2)}`)).body)
    assert.equal(fromDay2.length, 3)
    const toDay1 = historyRows((await reader.get(`/audit?to=${isoDay(day1)}&person=${await userId(ctx.pool, 'admin@westside.example')}`)).body)
    assert.deepEqual(toDay1, ['Rita Novak | Deactivated the account of Sam Carter'])
    const both = historyRows((await reader.get(`/audit?person=${headId}&from=${isoDay(day3)}&to=${isoDay(day3)}`)).body)
    assert.deepEqual(both, ['Grace Adeyemi | Reactivated the account of Sam Carter'])
  })

  const badFilters: Array<[string, string, string, RegExp]> = [
    ['a date that is not a date', 'from=yesterday', 'from', /Enter a date like 25 11 2026/],
    ['a date that does not exist', 'to=2026-02-30', 'to', /Enter a real date/],
    ['month 13', 'from=2026-13-01', 'from', /Enter a real date/],
    ['year 0', 'from=0000-01-01', 'from', /Enter a real date/],
    ['an end before the start', 'from=2026-11-20&to=2026-11-01', 'to', /The end date must be the same as or after the start date/],
    ['a person who is not a uuid', 'person=robert', 'person', /Choose a person from the list/],
    ['a page that is not a number', 'page=abc', 'page', /Enter a page number/],
    ['page 0', 'page=0', 'page', /Enter a page number of 1 or more/],
  ]
  for (const [label, query, field, message] of badFilters) {
    it(`${label}: 400 with the error by the field`, async (t) => {
      const ctx = await testApp(t)
      const head = await signIn(ctx, 'head@westside.example')
      const page = await head.get(`/audit?${query}`)
      assert.equal(page.statusCode, 400)
      assert.match(page.body, /govuk-error-summary/)
      assert.match(page.body, new RegExp(`href="#${field}"`))
      assert.match(textOf(page.body), message)
    })
  }
})

describe('the audit history is append-only and tamper-evident', () => {
  it('rows cannot be updated or deleted (the trigger refuses), nor the table emptied', async (t) => {
    const ctx = await testApp(t)
    await assert.rejects(ctx.pool.query(`UPDATE audit_log SET summary = 'nothing happened'`), /audit_log is append-only/)
    await assert.rejects(ctx.pool.query('DELETE FROM audit_log'), /audit_log is append-only/)
    await assert.rejects(ctx.pool.query('TRUNCATE audit_log'), /audit_log is append-only/)
    const { rows } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE summary = 'nothing happened'`)
    assert.equal(rows[0]!.n, 0)
  })

  it('verifyAuditChains finds no break on a clean database, after changes through the app', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    await admin.post('/staff', { name: 'Nia Evans', email: 'nia@westside.example', mobile: '07700900123', roles: ['visitor', 'office'] })
    await admin.post(`/staff/${await userId(ctx.pool, 'visitor@westside.example')}`, { name: 'Sam Carter', email: 'visitor@westside.example', roles: 'office' })
    await admin.post(`/staff/${await userId(ctx.pool, 'office@westside.example')}/deactivate`)
    const result = await verifyAuditChains(ctx.pool)
    assert.deepEqual(result.breaks, [])
    assert.ok(result.checked > 10)
  })

  it('verifyAuditChains reads the history in batches and finds the same, whatever the batch size', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    for (const email of ['office@westside.example', 'visitor@westside.example', 'visitor2@westside.example']) {
      await admin.post(`/staff/${await userId(ctx.pool, email)}/deactivate`)
    }
    const whole = await verifyAuditChains(ctx.pool)
    const { rows } = await ctx.pool.query<{ rows: number; chains: number }>('SELECT count(*)::int AS rows, count(DISTINCT chain)::int AS chains FROM audit_log')
    assert.deepEqual({ checked: whole.checked, chains: whole.chains }, { checked: rows[0]!.rows, chains: rows[0]!.chains })
    for (const batchSize of [1, 2, 3, 7]) assert.deepEqual(await verifyAuditChains(ctx.pool, { batchSize }), whole, `batch size ${batchSize}`)
    const { rows: deactivations } = await ctx.pool.query<{ id: number }>(`SELECT id FROM audit_log WHERE action = 'staff.deactivated' ORDER BY seq`)
    await tamper(ctx, 'DELETE FROM audit_log WHERE id = $1', [deactivations[1]!.id])
    for (const batchSize of [1, 2, 3, 5000]) {
      const result = await verifyAuditChains(ctx.pool, { batchSize })
      assert.ok(result.breaks.some((b) => b.id === deactivations[2]!.id && /entries are missing/.test(b.reason)), `batch size ${batchSize}`)
    }
  })

  it('verifyAuditChains reports an edited row', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    await admin.post(`/staff/${await userId(ctx.pool, 'office@westside.example')}/deactivate`)
    const { rows } = await ctx.pool.query<{ id: number; chain: string; seq: number }>(`SELECT id, chain, seq FROM audit_log WHERE action = 'staff.deactivated'`)
    const target = rows[0]!
    await tamper(ctx, `UPDATE audit_log SET actor_name = 'Someone else' WHERE id = $1`, [target.id])
    const result = await verifyAuditChains(ctx.pool)
    assert.equal(result.breaks.length, 1)
    assert.deepEqual(result.breaks[0], { chain: target.chain, seq: target.seq, id: target.id, reason: 'its content does not match its hash: it was changed' })
  })

  it('verifyAuditChains reports a deleted row', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    for (const email of ['office@westside.example', 'visitor@westside.example', 'visitor2@westside.example']) {
      await admin.post(`/staff/${await userId(ctx.pool, email)}/deactivate`)
    }
    const { rows } = await ctx.pool.query<{ id: number; chain: string; seq: number }>(
      `SELECT id, chain, seq FROM audit_log WHERE action = 'staff.deactivated' ORDER BY seq`,
    )
    await tamper(ctx, 'DELETE FROM audit_log WHERE id = $1', [rows[1]!.id])
    const afterDelete = await verifyAuditChains(ctx.pool)
    assert.ok(afterDelete.breaks.some((b) => b.id === rows[2]!.id && /entries are missing/.test(b.reason)), JSON.stringify(afterDelete.breaks))
    assert.ok(afterDelete.breaks.some((b) => b.id === rows[2]!.id && /does not link/.test(b.reason)))
  })

  it('verifyAuditChains reports an edit even when the edited row’s own hash was recomputed to match', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    for (const email of ['office@westside.example', 'visitor@westside.example']) {
      await admin.post(`/staff/${await userId(ctx.pool, email)}/deactivate`)
    }
    const { rows } = await ctx.pool.query(`SELECT * FROM audit_log WHERE action = 'staff.deactivated' ORDER BY seq`)
    const [first, second] = rows
    const edited = {
      chain: first.chain,
      seq: first.seq,
      schoolId: first.school_id,
      actorUserId: first.actor_user_id,
      actorName: first.actor_name,
      action: first.action,
      subjectType: first.subject_type,
      subjectId: first.subject_id,
      summary: 'Nothing to see here',
      change: first.change,
      at: first.at.toISOString(),
    }
    const forgedHash = createHash('sha256').update(first.prev_hash).update(canonicalJson(edited)).digest('hex')
    await tamper(ctx, 'UPDATE audit_log SET summary = $2, hash = $3 WHERE id = $1', [first.id, edited.summary, forgedHash])
    const result = await verifyAuditChains(ctx.pool)
    assert.deepEqual(result.breaks, [{ chain: second.chain, seq: second.seq, id: second.id, reason: 'does not link to the entry before it' }])
  })

  it('an entry whose change holds dates and nested values verifies', async (t) => {
    const ctx = await testApp(t)
    const schoolId = await demoSchoolId(ctx.pool, 'Westside School')
    await inTransaction(ctx.pool, (client) =>
      recordAudit(
        client,
        {
          schoolId,
          actor: { userId: null, name: 'Doorstep' },
          action: 'test.change',
          subjectType: 'test',
          summary: 'A change with a date in it',
          change: { due: new Date('2026-11-25T10:15:00Z'), nested: { b: 2, a: [1, 'two', null] }, skipped: undefined, ratio: 0.5 },
        },
        new Date('2026-11-25T10:00:00.123Z'),
      ),
    )
    assert.deepEqual((await verifyAuditChains(ctx.pool)).breaks, [])
  })
})
