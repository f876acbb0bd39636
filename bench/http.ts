/**
 * `npm run bench`: request throughput and latency of the main pages and API on this machine,
 * against a real embedded PostgreSQL with the demo data. Prints a table; asserts nothing.
 * Traffic goes to 127.0.0.1 only and each run is bounded (DURATION seconds per route).
 */
import fs from 'node:fs'
import path from 'node:path'
import autocannon from 'autocannon'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { testConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { ensureDatabase } from '../src/db/database.ts'
import { migrate } from '../src/db/migrate.ts'
import { createPool } from '../src/db/pool.ts'
import { DEMO_PASSWORD, seedDemo } from '../src/demo/seed.ts'

const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

async function main() {
  const dataDir = path.resolve('.tmp', `bench-pg-${process.pid}`)
  const server = await startEmbeddedPostgres(dataDir)
  try {
    await ensureDatabase(server.connectionString('postgres'), 'bench')
    const pool = createPool(server.connectionString('bench'), 10)
    await migrate(pool)
    await seedDemo(pool, systemClock())
    const app = await buildApp({ pool, config: testConfig({ logLevel: 'silent' }), clock: systemClock })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })

    const cookie = await signIn(address, 'head@westside.example')
    const school = (await (await fetch(`${address}/api/v1/me`, { headers: { cookie } })).json()) as { schools: { id: string }[] }
    const schoolId = school.schools[0]!.id
    const routes: Array<[string, string, Record<string, string>]> = [
      ['sign-in page (anonymous)', '/sign-in', {}],
      ['home page (signed in)', '/', { cookie }],
      ['visits list', '/visits', { cookie }],
      ['pupils list', '/pupils', { cookie }],
      ['policy document', '/policy', { cookie }],
      ['API: school staff (JSON)', `/api/v1/schools/${schoolId}/staff`, { cookie }],
    ]
    const rows = []
    for (const [name, url, headers] of routes) {
      const result = await autocannon({ url: `${address}${url}`, connections: CONNECTIONS, duration: DURATION, headers })
      rows.push({
        route: name,
        'req/s': Math.round(result.requests.average),
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        non2xx: result.non2xx,
      })
    }
    const memory = process.memoryUsage()
    console.log(`\nDoorstep HTTP benchmark: ${CONNECTIONS} connections, ${DURATION} s per route, one process, embedded PostgreSQL`)
    console.table(rows)
    console.log(`Process memory after the run: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`)
    await app.close()
    await pool.end()
  } finally {
    await server.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

async function signIn(address: string, email: string): Promise<string> {
  const page = await fetch(`${address}/sign-in`)
  const pre = /doorstep_pre=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? ''
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
  const response = await fetch(`${address}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}` },
    body: new URLSearchParams({ _csrf: csrf, email, password: DEMO_PASSWORD }),
  })
  const session = /doorstep_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1]
  if (!session) throw new Error(`sign-in failed: ${response.status}`)
  return `doorstep_session=${session}`
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
