import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { buildApp } from '../../src/app.ts'
import { testConfig } from '../../src/config.ts'
import type { Pool } from '../../src/db/pool.ts'
import { DEMO_PASSWORD } from '../../src/demo/seed.ts'
import { MIN_PASSWORD_LENGTH } from '../../src/features/auth/passwords.ts'
import { fixedClock, signIn, testDatabase, textOf, type TestApp } from '../helpers.ts'

/**
 * The command-line tools, run as a real process (`node src/cli.ts …`) against a
 * test database given as DATABASE_URL, exactly as an operator runs them.
 */
const root = path.resolve(import.meta.dirname, '..', '..')

type Run = { status: number | null; stdout: string; stderr: string }

function cli(databaseUrl: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(stdin ?? '')
  })
}

const newSchool = [
  'school create',
  '--organisation', 'Northfield Learning Trust',
  '--school', 'Northfield Primary',
  '--preset', 'westside-2025',
  '--admin-email', 'ruth.admin@northfield.example',
  '--admin-name', 'Ruth Adebayo',
].flatMap((arg) => (arg === 'school create' ? ['school', 'create'] : [arg]))

async function appOn(t: TestContext, pool: Pool): Promise<TestApp> {
  // The CLI ran as its own process on the machine's clock (moved by faketime, like this one): act then.
  const clock = fixedClock(new Date())
  const config = testConfig()
  const app = await buildApp({ pool, config, clock })
  await app.ready()
  t.after(() => app.close())
  return { app, pool, clock, config }
}

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT (${sql})::int AS n`, params)
  return rows[0]!.n
}

describe('doorstep school create', () => {
  it('R-AUDIT-1 creates the organisation, school and first admin from a password on stdin; the admin signs in', async (t) => {
    const { pool, url } = await testDatabase(t, 'empty')
    const run = await cli(url, newSchool, 'a-long-secret-passphrase\n')
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /Created the trust Northfield Learning Trust\./)
    assert.match(run.stdout, /Created Northfield Primary \(school id [0-9a-f-]{36}\) with the westside-2025 policy preset\./)
    assert.match(run.stdout, /Ruth Adebayo <ruth.admin@northfield.example> is its school admin/)
    assert.doesNotMatch(run.stdout + run.stderr, /a-long-secret-passphrase/)

    const { rows } = await pool.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE email = 'ruth.admin@northfield.example'`)
    assert.match(rows[0]!.password_hash, /^\$argon2id\$/)
    const { rows: history } = await pool.query<{ action: string; actor_name: string }>('SELECT action, actor_name FROM audit_log ORDER BY id')
    assert.deepEqual(history.map((h) => h.action), ['organisation.created', 'school.created', 'policy.adopted', 'staff.added'])
    assert.ok(history.every((h) => h.actor_name === 'Doorstep command line'))
    const { rows: policy } = await pool.query('SELECT version, preset FROM policy_versions')
    assert.deepEqual(policy, [{ version: 1, preset: 'westside-2025' }], 'the school starts on its preset as version 1 of its policy')

    assert.match(run.stdout, /It is temporary: at their first sign-in Doorstep asks them to choose their own\./)
    const ctx = await appOn(t, pool)
    const admin = await signIn(ctx, 'ruth.admin@northfield.example', 'a-long-secret-passphrase')
    assert.equal((await admin.get('/')).headers.location, '/account/choose-password', 'the password the operator typed is temporary')
    const chosen = await admin.post('/account/choose-password', { newPassword: 'ruth’s own passphrase', confirmPassword: 'ruth’s own passphrase' })
    assert.equal(chosen.statusCode, 303)
    const home = textOf((await admin.get('/')).body)
    assert.match(home, /Northfield Primary/)
    assert.equal((await admin.get('/staff')).statusCode, 200, 'the new admin manages the staff of the new school')
  })

  it('adds a school to an existing organisation; an existing account becomes its admin and keeps its password', async (t) => {
    const { pool, url } = await testDatabase(t, 'demo')
    const organisations = await count(pool, 'SELECT count(*) FROM organisations')
    const run = await cli(url, [
      'school', 'create', '--organisation', 'doorstep demo trust', '--school', 'Riverside Infants', '--preset', 'wna-protocol-2017',
      '--admin-email', 'DSL@westside.example', '--admin-name', 'Someone Else',
    ])
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /Added to the existing trust Doorstep Demo Trust\./)
    assert.match(run.stdout, /already had a Doorstep account: they are now this school’s admin and keep their password/)
    assert.equal(await count(pool, 'SELECT count(*) FROM organisations'), organisations, 'no second organisation')

    const ctx = await appOn(t, pool)
    const dsl = await signIn(ctx, 'dsl@westside.example', DEMO_PASSWORD)
    const me = JSON.parse((await dsl.json('GET', '/api/v1/me')).body) as { schools: { name: string; roles: string[] }[] }
    assert.deepEqual(me.schools.find((s) => s.name === 'Riverside Infants')?.roles, ['school_admin'])
  })

  it('never takes a password from the command line', async (t) => {
    const { pool, url } = await testDatabase(t, 'empty')
    const attempts = [['--password', 'a-long-secret-passphrase'], ['--password=a-long-secret-passphrase'], ['--admin-password', 'x']]
    for (const run of await Promise.all(attempts.map((extra) => cli(url, [...newSchool, ...extra], 'a-long-secret-passphrase\n')))) {
      assert.equal(run.status, 2, run.stderr)
      assert.match(run.stderr, /Passwords are never taken from the command line/)
    }
    assert.equal(await count(pool, 'SELECT count(*) FROM schools'), 0)
  })

  it('refuses a password shorter than the minimum, or none, and changes nothing', async (t) => {
    const { pool, url } = await testDatabase(t, 'empty')
    const [short, none] = await Promise.all([cli(url, newSchool, 'too-short\n'), cli(url, newSchool, '')])
    assert.equal(short.status, 1)
    assert.match(short.stderr, new RegExp(`The password must be at least ${MIN_PASSWORD_LENGTH} characters\\. Nothing was changed\\.`))
    assert.equal(none.status, 1)
    assert.match(none.stderr, /No password was given for Ruth Adebayo <ruth.admin@northfield.example>/)
    assert.equal(await count(pool, 'SELECT count(*) FROM organisations'), 0)
    assert.equal(await count(pool, 'SELECT count(*) FROM users'), 0)
    assert.equal(await count(pool, 'SELECT count(*) FROM audit_log'), 0)
  })

  it('names the five presets when given an unknown one', async (t) => {
    const { pool, url } = await testDatabase(t, 'empty')
    const args = newSchool.map((arg) => (arg === 'westside-2025' ? 'westside-2030' : arg))
    const run = await cli(url, args, 'a-long-secret-passphrase\n')
    assert.equal(run.status, 2)
    assert.match(
      run.stderr,
      /There is no policy preset "westside-2030"\. The presets are: harton-academy-2024, kings-academy-gomer-2024, morecambe-road-2024, westside-2025, wna-protocol-2017\./,
    )
    assert.equal(await count(pool, 'SELECT count(*) FROM schools'), 0)
  })

  it('lists every missing option at once, and refuses a second school of the same name', async (t) => {
    const { url } = await testDatabase(t, 'demo')
    const missing = await cli(url, ['school', 'create', '--school', 'Northfield Primary'])
    assert.equal(missing.status, 2)
    assert.match(missing.stderr, /Missing options: --organisation, --preset, --admin-email, --admin-name\./)
    assert.match(missing.stderr, /Usage: npm run doorstep -- school create --organisation/)
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace')

    const twice = await cli(url, [
      'school', 'create', '--organisation', 'Doorstep Demo Trust', '--school', 'westside school', '--preset', 'westside-2025',
      '--admin-email', 'new.admin@westside.example', '--admin-name', 'New Admin',
    ], 'a-long-secret-passphrase\n')
    assert.equal(twice.status, 1)
    assert.match(twice.stderr, /Doorstep Demo Trust already has a school called westside school\. Nothing was changed\./)
  })
})

describe('doorstep help and unknown commands', () => {
  it('prints the commands; an unknown command exits 2', async (t) => {
    const { url } = await testDatabase(t, 'empty')
    const help = await cli(url, ['help'])
    assert.equal(help.status, 0)
    assert.match(help.stdout, /school create\s+Create a school/)
    assert.match(help.stdout, /audit verify\s+Check that no audit history entry/)
    const unknown = await cli(url, ['school', 'delete'])
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /Unknown command: school delete/)
    assert.match(unknown.stderr, /Usage: npm run doorstep -- <command>/)
  })
})

describe('doorstep audit verify', () => {
  it('R-AUDIT-1 reports an intact history, then names the entry changed behind Doorstep’s back', async (t) => {
    const { pool, url } = await testDatabase(t, 'demo')
    const entries = await count(pool, 'SELECT count(*) FROM audit_log')
    const chains = await count(pool, 'SELECT count(DISTINCT chain) FROM audit_log')
    const intact = await cli(url, ['audit', 'verify'])
    assert.equal(intact.status, 0, intact.stderr)
    assert.equal(intact.stdout.trim(), `Audit history intact: ${entries} entries in ${chains} chains`)

    const { rows } = await pool.query<{ id: number; seq: number }>(
      `SELECT a.id, a.seq FROM audit_log a JOIN schools s ON s.id = a.school_id WHERE s.name = 'Westside School' ORDER BY a.seq LIMIT 1`,
    )
    const entry = rows[0]!
    await pool.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
    await pool.query(`UPDATE audit_log SET summary = 'Nothing happened here' WHERE id = $1`, [entry.id])
    await pool.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only')

    const broken = await cli(url, ['audit', 'verify'])
    assert.equal(broken.status, 1)
    assert.match(broken.stdout, /Audit history BROKEN: 1 problem found/)
    assert.match(
      broken.stdout,
      new RegExp(`entry ${entry.seq} of the history of Westside School \\(audit_log id ${entry.id}, [^)]+\\): its content does not match its hash: it was changed`),
    )
    assert.match(broken.stdout, /it now reads: "Nothing happened here"/)
  })
})
