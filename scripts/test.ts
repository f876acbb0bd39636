/**
 * `npm test`: the whole suite, the same on a laptop and in CI.
 *
 *   1. lint (eslint) and typecheck (tsc)
 *   2. unit tests: the pure rules in src/domain and src/policy (no database)
 *   3. integration tests against a fresh embedded PostgreSQL server
 *   4. the same integration tests against the external PostgreSQL server at
 *      DOORSTEP_TEST_EXTERNAL_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 *      in databases this run creates and drops, with the machine's clock moved 400 days ahead
 *      by libfaketime when it is installed (`faketime`, Debian's package), to prove that no test
 *      depends on the day it runs (DOORSTEP_TEST_CLOCK_SHIFT=+90d, say, moves it by another amount)
 *   5. browser journeys (test/e2e) in headless Chromium, on the embedded server
 *
 * `npm test -- unit|integration|external|e2e|static` runs one stage; file paths after it
 * narrow the tests (e.g. `npm test -- integration src/features/staff`).
 * DOORSTEP_TEST_EXTERNAL_URL=none leaves out stage 4 on a machine with no PostgreSQL server.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createTemplates, dropDatabasesWithPrefix } from '../test/harness.ts'

const root = path.resolve(import.meta.dirname, '..')
const stages = ['static', 'unit', 'integration', 'external', 'e2e'] as const
type Stage = (typeof stages)[number]

const args = process.argv.slice(2)
const only = stages.find((s) => s === args[0])
const filters = only ? args.slice(1) : args
const externalUrl = process.env.DOORSTEP_TEST_EXTERNAL_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const clockShift = process.env.DOORSTEP_TEST_CLOCK_SHIFT ?? '+400d'
const faketime = ['/usr/bin/faketime', '/usr/local/bin/faketime'].find((file) => fs.existsSync(file))

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full)
    return entry.name.endsWith('.test.ts') ? [path.relative(root, full)] : []
  })
}

const allTests = [...walk(path.join(root, 'src')), ...walk(path.join(root, 'test'))].sort()
const matches = (file: string) => filters.length === 0 || filters.some((f) => file.startsWith(f.replace(/^\.\//, '')))
const isUnit = (file: string) => file.startsWith('src/domain/') || file.startsWith('src/policy/')
const isE2e = (file: string) => file.startsWith('test/e2e/')
const files = {
  unit: allTests.filter((f) => isUnit(f) && matches(f)),
  integration: allTests.filter((f) => !isUnit(f) && !isE2e(f) && matches(f)),
  e2e: allTests.filter((f) => isE2e(f) && matches(f)),
}

const totals = { passed: 0, failed: 0 }
const failures: string[] = []

function run(label: string, command: string, commandArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<boolean> {
  console.log(`\n=== ${label} ===`)
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      output += chunk.toString()
    })
    child.on('close', (code) => {
      const pass = [...output.matchAll(/^(?:#|ℹ) pass (\d+)/gm)].at(-1)?.[1]
      const fail = [...output.matchAll(/^(?:#|ℹ) fail (\d+)/gm)].at(-1)?.[1]
      if (pass !== undefined) totals.passed += Number(pass)
      if (fail !== undefined) totals.failed += Number(fail)
      if (code !== 0) failures.push(label)
      resolve(code === 0)
    })
  })
}

function nodeTest(label: string, testFiles: string[], env: NodeJS.ProcessEnv, concurrency: number, shift?: string) {
  const command = shift && faketime ? faketime : process.execPath
  const prefix = shift && faketime ? ['-f', shift, process.execPath] : []
  return run(label, command, [...prefix, '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...testFiles], {
    NODE_ENV: 'test',
    ...env,
  })
}

async function withServer(label: string, serverUrl: string, work: (env: NodeJS.ProcessEnv) => Promise<unknown>) {
  const prefix = `doorstep_test_${randomBytes(3).toString('hex')}`
  console.log(`\n--- preparing template databases (${prefix}_*) on the ${label} server ---`)
  await createTemplates(serverUrl, prefix)
  try {
    await work({ DOORSTEP_TEST_SERVER_URL: serverUrl, DOORSTEP_TEST_PREFIX: prefix, DOORSTEP_TEST_SERVER_LABEL: label })
  } finally {
    await dropDatabasesWithPrefix(serverUrl, prefix)
  }
}

async function main() {
  const want = (stage: Stage) => !only || only === stage
  if (want('static') && filters.length === 0) {
    await run('lint', 'npx', ['eslint', '.'])
    await run('typecheck', 'npx', ['tsc', '--noEmit'])
  }
  if (want('unit') && files.unit.length) await nodeTest('unit tests (pure rules)', files.unit, {}, 2)

  const needEmbedded = (want('integration') && files.integration.length) || (want('e2e') && files.e2e.length)
  if (needEmbedded) {
    const dataDir = path.join(root, '.tmp', `test-pg-${process.pid}`)
    fs.rmSync(dataDir, { recursive: true, force: true })
    const server = await startEmbeddedPostgres(dataDir)
    try {
      await withServer('embedded', server.connectionString('postgres'), async (env) => {
        if (want('integration') && files.integration.length) await nodeTest('integration tests on embedded PostgreSQL', files.integration, env, 2)
        if (want('e2e') && files.e2e.length) await nodeTest('browser journeys (Chromium)', files.e2e, env, 1)
      })
    } finally {
      await server.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }

  if ((only === 'external' || (!only && externalUrl !== 'none')) && files.integration.length) {
    if (!faketime) console.log(`\nfaketime is not installed (apt-get install -y faketime): the next stage runs on today's clock, not ${clockShift}.`)
    const shifted = faketime ? `, the machine's clock moved ${clockShift}` : ''
    await withServer('external', externalUrl, (env) =>
      nodeTest(`integration tests on external PostgreSQL (${new URL(externalUrl).host}${shifted})`, files.integration, env, 2, clockShift),
    ).catch((error: unknown) => {
      failures.push(`external PostgreSQL at ${externalUrl}: ${(error as Error).message}`)
    })
  }

  console.log(`\n=== summary ===`)
  if (failures.length) console.log(`Failed: ${failures.join('; ')}`)
  console.log(`${totals.passed} passed, ${totals.failed} failed`)
  process.exit(failures.length ? 1 : 0)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
