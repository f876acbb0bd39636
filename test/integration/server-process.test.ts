import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { runningEmbeddedServer } from '../../src/db/embedded.ts'
import { createPool } from '../../src/db/pool.ts'
import { testDatabase } from '../helpers.ts'
// Hands the end of this file's process back to the test runner (a test that hangs would otherwise pass): see test/processes.ts.
import '../processes.ts'

/**
 * Doorstep as an operator runs it: real `node src/server.ts` processes on a data directory,
 * started, killed with SIGKILL, started again, stopped with SIGTERM. The embedded PostgreSQL
 * server must survive a killed Doorstep without losing data, be stopped and restarted by the
 * next one, and never be left running after a clean stop.
 */
const root = path.resolve(import.meta.dirname, '..', '..')

type Server = {
  child: ChildProcess
  output(): string
  /** Resolves with the first match of `pattern` in the output; rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `command`: how it is started — `node src/server.ts` (the default), or `npm start` as the README says. */
function startServer(t: TestContext, env: Record<string, string>, command: 'node' | 'npm start' = 'node'): Server {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  const [file, args] = command === 'node' ? [process.execPath, ['src/server.ts']] : ['npm', ['start', '--silent']]
  const child = spawn(file, args, {
    cwd: root,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a terminal gives it: Ctrl-C there sends SIGINT to the whole group.
    detached: command !== 'node',
  })
  let output = ''
  const listeners = new Set<() => void>()
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  let ended = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      ended = true
      resolve({ code, signal })
      for (const listener of listeners) listener()
    }),
  )
  t.after(() => {
    if (!ended) child.kill('SIGKILL')
    // Anything `npm start` started, if npm itself was stopped first.
    if (command !== 'node' && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // the group is gone: nothing left running
      }
    }
  })
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output)
          if (match) return done(() => resolve(match))
          if (ended) return done(() => reject(new Error(`The server ended before printing ${pattern}. It printed:\n${output}`)))
        }
        const timer = setTimeout(() => done(() => reject(new Error(`No ${pattern} within ${timeoutMs} ms. The server printed:\n${output}`))), timeoutMs)
        const done = (settle: () => void) => {
          clearTimeout(timer)
          listeners.delete(check)
          settle()
        }
        listeners.add(check)
        check()
      }),
  }
}

/** `doorstep audit verify` on the data directory, with no DATABASE_URL. */
function auditVerify(dataDir: string): Promise<{ status: number | null; output: string }> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  return new Promise((resolve) =>
    execFile(process.execPath, ['src/cli.ts', 'audit', 'verify'], { cwd: root, env: { ...inherited, DOORSTEP_DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
    ),
  )
}

async function running(server: Server): Promise<string> {
  const [, address] = await server.waitFor(/Doorstep is running at (http:\/\/\S+)/)
  return address!
}

/** A data directory under .tmp/, open to the `postgres` OS user; any server left in it is stopped at the end. */
async function dataDirectory(t: TestContext): Promise<string> {
  await fs.mkdir(path.join(root, '.tmp'), { recursive: true })
  const dir = await fs.mkdtemp(path.join(root, '.tmp', 'server-process-'))
  await fs.chmod(dir, 0o755)
  t.after(async () => {
    for (const pid of await postgresPids(dir)) process.kill(pid, 'SIGINT')
    for (let i = 0; i < 100 && (await postgresPids(dir)).length; i++) await new Promise((r) => setTimeout(r, 100))
    await fs.rm(dir, { recursive: true, force: true })
  })
  return dir
}

/** PostgreSQL server processes running on the data directory's cluster. */
function postgresPids(dataDir: string): Promise<number[]> {
  return new Promise((resolve) =>
    execFile('pgrep', ['-f', `${dataDir}/pg`], (_error, stdout) => resolve(stdout.split('\n').filter(Boolean).map(Number))),
  )
}

async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const pool = createPool(url, 1)
  try {
    return (await pool.query<T>(sql, params)).rows
  } finally {
    await pool.end()
  }
}

describe('the Doorstep process on its embedded PostgreSQL', () => {
  it('starts with the demo, refuses a second process, survives kill -9 with its data, and stops cleanly on SIGTERM', async (t) => {
    const dataDir = await dataDirectory(t)

    const first = startServer(t, { DOORSTEP_DATA_DIR: dataDir, DOORSTEP_DEMO: '1' })
    const address = await running(first)
    assert.equal((await fetch(new URL('/healthz', address))).status, 200)
    assert.match(first.output(), /Seeded the demo trust\. Every demo account's password is: doorstep-demo/)
    assert.match(first.output(), /dsl@westside\.example\s+Westside School: dsl, slt/)

    const embedded = await runningEmbeddedServer(dataDir)
    assert.ok(embedded, 'the running Doorstep shares its server')
    await query(
      embedded.connectionString,
      `WITH u AS (INSERT INTO users (email, name, password_hash) VALUES ('kim.survivor@westside.example', 'Kim Survivor', 'x') RETURNING id)
       INSERT INTO school_memberships (school_id, user_id, role) SELECT s.id, u.id, 'office' FROM u, schools s WHERE s.name = 'Westside School'`,
    )

    const shared = await auditVerify(dataDir)
    assert.equal(shared.status, 0, shared.output)
    assert.match(shared.output, /Audit history intact/)
    assert.doesNotMatch(shared.output, /Starting embedded PostgreSQL|Stopping a PostgreSQL server/, 'the CLI uses the running server')

    const second = startServer(t, { DOORSTEP_DATA_DIR: dataDir, DOORSTEP_DEMO: '1' })
    const refused = await second.exited
    assert.notEqual(refused.code, 0)
    assert.match(second.output(), new RegExp(`The data directory ${dataDir} is in use by another Doorstep process \\(pid ${first.child.pid}\\)`))
    assert.equal((await fetch(new URL('/healthz', address))).status, 200, 'the first process is unharmed')

    first.child.kill('SIGKILL')
    assert.equal((await first.exited).signal, 'SIGKILL')
    const [leftover] = await postgresPids(dataDir)
    assert.ok(leftover, 'the embedded server outlives a killed Doorstep')

    const third = startServer(t, { DOORSTEP_DATA_DIR: dataDir, DOORSTEP_DEMO: '1' })
    const thirdAddress = await running(third)
    assert.match(third.output(), new RegExp(`Stopping a PostgreSQL server \\(pid ${leftover}\\) left running on ${dataDir}/pg by an earlier Doorstep process`))
    assert.equal((await fetch(new URL('/healthz', thirdAddress))).status, 200)
    assert.doesNotMatch(third.output(), /Seeded the demo trust/, 'the demo is not seeded again')
    assert.ok(!(await postgresPids(dataDir)).includes(leftover), 'the leftover server was stopped')
    const after = await runningEmbeddedServer(dataDir)
    assert.ok(after)
    const kept = await query<{ name: string; organisations: number }>(
      after.connectionString,
      `SELECT u.name, (SELECT count(*)::int FROM organisations) AS organisations FROM users u WHERE u.email = 'kim.survivor@westside.example'`,
    )
    assert.deepEqual(kept, [{ name: 'Kim Survivor', organisations: 1 }])

    third.child.kill('SIGTERM')
    assert.deepEqual(await third.exited, { code: 0, signal: null }, third.output())
    assert.match(third.output(), /SIGTERM received: stopping[\s\S]*Stopped/)
    assert.deepEqual(await postgresPids(dataDir), [], 'no PostgreSQL server is left running')
    await assert.rejects(fs.access(path.join(dataDir, 'doorstep.lock')), 'the data directory is released')

    const alone = await auditVerify(dataDir)
    assert.equal(alone.status, 0, alone.output)
    assert.match(alone.output, /Audit history intact/)
    assert.deepEqual(await postgresPids(dataDir), [], 'the CLI stops the server it started for the command')
  })
})

describe('the Doorstep process on an external PostgreSQL server', { concurrency: true }, () => {
  it('with DATABASE_URL starts no embedded server, and seeds the demo into that database', async (t) => {
    const dataDir = await dataDirectory(t)
    const { url } = await testDatabase(t, 'empty')
    const server = startServer(t, { DATABASE_URL: url, DOORSTEP_DATA_DIR: dataDir, DOORSTEP_DEMO: '1' })
    const address = await running(server)
    assert.equal((await fetch(new URL('/healthz', address))).status, 200)
    assert.match(server.output(), /Using the PostgreSQL server at DATABASE_URL/)
    assert.doesNotMatch(server.output(), /Starting embedded PostgreSQL/)
    await assert.rejects(fs.access(path.join(dataDir, 'pg')), 'no cluster is created in the data directory')
    assert.deepEqual(await query(url, `SELECT name FROM organisations`), [{ name: 'Doorstep Demo Trust' }])
    server.child.kill('SIGTERM')
    assert.equal((await server.exited).code, 0)
  })

  it('with DOORSTEP_DEMO=0 seeds nothing', async (t) => {
    const { url } = await testDatabase(t, 'empty')
    const server = startServer(t, { DATABASE_URL: url, DOORSTEP_DEMO: '0' })
    const address = await running(server)
    assert.equal((await fetch(new URL('/healthz', address))).status, 200)
    assert.doesNotMatch(server.output(), /Seeded/)
    assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM organisations'), [{ n: 0 }])
    assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM users'), [{ n: 0 }])
    server.child.kill('SIGTERM')
    assert.equal((await server.exited).code, 0)
  })

})

// Issue 10 §10: the README's ways of stopping it work when it was started with `npm start`. One at a time
// (each is a whole server with its pool, beside the suite above).
describe('stopping Doorstep started with npm start', () => {
  for (const [how, send] of [
    ['SIGTERM to npm start’s process', (child: ChildProcess) => child.kill('SIGTERM')],
    ['Ctrl-C (SIGINT to the terminal’s process group)', (child: ChildProcess) => process.kill(-child.pid!, 'SIGINT')],
  ] as const) {
    it(`started with npm start, stops cleanly on ${how}, leaving nothing running`, async (t) => {
      const { url } = await testDatabase(t, 'empty')
      const server = startServer(t, { DATABASE_URL: url, DOORSTEP_DEMO: '0' }, 'npm start')
      const address = await running(server)
      assert.equal((await fetch(new URL('/healthz', address))).status, 200)
      send(server.child)
      const exit = await server.exited
      assert.match(server.output(), /SIG(TERM|INT) received: stopping[\s\S]*Stopped/)
      assert.equal(exit.code ?? 0, 0, `npm exited with ${exit.code} / ${exit.signal}`)
      await assert.rejects(fetch(new URL('/healthz', address)), 'the server is no longer listening')
    })
  }
})
