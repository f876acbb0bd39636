import fs from 'node:fs/promises'
import path from 'node:path'
import { createRequire, stripTypeScriptTypes } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { Worker } from 'node:worker_threads'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))
const govukDir = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist', 'govuk')
const nodeModules = path.resolve(path.dirname(require.resolve('govuk-frontend/package.json')), '..')

let css: Promise<string> | undefined

/**
 * The stylesheet is compiled from Sass once per process (src/server.ts asks for it at start-up), in a
 * worker thread: Sass's compiler holds the thread it runs on for the whole compile (even compileAsync),
 * 15-40 s on a loaded 2-core machine, and on the main thread that stopped the instance's deadline
 * workers and heartbeats just after it started — its alarms late by as long (decision 0020).
 */
export function stylesheet(): Promise<string> {
  css ??= new Promise<string>((resolve, reject) => {
    const worker = new Worker(new URL('./stylesheet-worker.ts', import.meta.url), {
      workerData: { file: path.join(here, '..', 'views', 'app.scss'), loadPaths: [nodeModules] },
    })
    worker.once('message', (compiled: string) => resolve(compiled))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`The stylesheet compiler stopped (exit code ${code}) before it finished`)))
  })
  return css
}

// The day-of-visit script runs on every page, so taps kept while the signal was lost are sent from wherever the visitor is.
const appScript = `import { initAll } from '/assets/govuk-frontend.min.js'\nimport '/assets/client/live.ts'\ninitAll()\n`

const clientDir = path.join(here, '..', 'client')
const clientScripts = new Map<string, Promise<string>>()
/** A browser script from src/client: `name.ts`, not a test. */
const CLIENT_SCRIPT = /^[a-z][a-z0-9-]*\.ts$/

/**
 * The few browser scripts are TypeScript in src/client (decision 0018), served as JavaScript with their
 * types stripped by Node's own stripper, the one that runs the server's code: no build step. Only erasable
 * syntax is allowed there (tsconfig: erasableSyntaxOnly), so positions are kept and no source map is needed.
 * Their imports name the .ts files, which this route serves as JavaScript too.
 */
export function clientScript(file: string): Promise<string> | undefined {
  if (!CLIENT_SCRIPT.test(file) || file.endsWith('.test.ts')) return undefined
  let script = clientScripts.get(file)
  if (!script) {
    script = fs.readFile(path.join(clientDir, file), 'utf8').then(withoutTypes)
    clientScripts.set(file, script)
    script.catch(() => clientScripts.delete(file))
  }
  return script
}

/** The API is marked experimental and warns once per process; the warning is about the API, not about us. */
function withoutTypes(source: string): string {
  const emitWarning = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message
    if (!text.includes('stripTypeScriptTypes')) (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' })
  } finally {
    process.emitWarning = emitWarning
  }
}

const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="4" fill="#1d70b8"/><path d="M9 26V8h9a5 5 0 0 1 5 5v13z" fill="#fff"/><circle cx="19" cy="18" r="1.5" fill="#1d70b8"/></svg>`

const types: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
}

export function registerAssets(app: FastifyInstance): void {
  const publicRoute = { config: { access: 'public' as const } }
  app.get('/assets/app.css', publicRoute, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(await stylesheet()),
  )
  app.get('/assets/app.js', publicRoute, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(appScript),
  )
  // The office board's live updates and alarm sound: plain JavaScript, served as written (no build).
  app.get('/assets/board.js', publicRoute, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await fs.readFile(path.join(clientDir, 'board.js'))),
  )
  app.get<{ Params: { script: string } }>('/assets/client/:script', publicRoute, async (request, reply) => {
    const script = await clientScript(request.params.script)?.catch(() => undefined)
    if (script === undefined) return reply.callNotFound()
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(script)
  })
  app.get('/assets/govuk-frontend.min.js', publicRoute, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(await fs.readFile(path.join(govukDir, 'govuk-frontend.min.js'))),
  )
  app.get('/assets/doorstep.svg', publicRoute, async (_request, reply) => reply.type('image/svg+xml').send(logo))
  app.get<{ Params: { file: string } }>('/assets/images/:file', publicRoute, async (request, reply) => {
    const file = path.basename(request.params.file)
    const body = await fs.readFile(path.join(govukDir, 'assets', 'images', file)).catch(() => undefined)
    if (!body) return reply.callNotFound()
    return reply.type(types[path.extname(file)] ?? 'application/octet-stream').header('cache-control', 'public, max-age=86400').send(body)
  })
}
