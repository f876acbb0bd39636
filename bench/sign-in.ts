/**
 * `npm run bench:sign-in`: how long a refused sign-in takes, by case, so a guesser cannot tell an
 * existing address from a made-up one, or a slowed one from the rest, by the time of the answer
 * (docs/decisions/0011-accounts.md). Prints the median and p90 per case; asserts nothing.
 * In process (app.inject), against a real embedded PostgreSQL with the demo data.
 */
import fs from 'node:fs'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { testConfig } from '../src/config.ts'
import { ensureDatabase } from '../src/db/database.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { createPool } from '../src/db/pool.ts'
import { DEMO_PASSWORD, seedDemo } from '../src/demo/seed.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40)

async function main() {
  const dataDir = path.resolve('.tmp', `bench-sign-in-pg-${process.pid}`)
  const server = await startEmbeddedPostgres(dataDir)
  try {
    await ensureDatabase(server.connectionString('postgres'), 'bench')
    const pool = createPool(server.connectionString('bench'), 10)
    await migrate(pool)
    await seedDemo(pool, systemClock())
    // Each attempt comes from its own address (the sign-in rate limit is per device).
    const app = await buildApp({ pool, config: testConfig({ logLevel: 'silent', trustProxy: true }), clock: systemClock })
    await app.ready()
    let device = 0
    const attempt = async (email: string, password: string) => {
      const forwarded = { 'x-forwarded-for': `10.${(++device >> 16) & 255}.${(device >> 8) & 255}.${device & 255}` }
      const page = await app.inject({ method: 'GET', url: '/sign-in', headers: forwarded })
      const pre = page.cookies.find((c) => c.name === 'doorstep_pre')?.value ?? ''
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
      const started = performance.now()
      const response = await app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre}`, ...forwarded },
        payload: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
      })
      const ms = performance.now() - started
      if (response.statusCode !== 400) throw new Error(`expected a refusal for ${email}, got ${response.statusCode}`)
      return ms
    }
    // A slowed address, slowed for the whole run (as if an hour's worth of guesses had been made).
    for (let i = 0; i < 5; i++) await attempt('office@westside.example', `wrong-${i}`)
    await pool.query(`UPDATE users SET locked_until = now() + interval '1 hour' WHERE email = 'office@westside.example'`)
    await pool.query(`UPDATE users SET active = false WHERE email = 'visitor2@westside.example'`)

    const cases: Array<[string, () => Promise<number>]> = [
      ['unknown address', () => attempt(`nobody-${device}@westside.example`, DEMO_PASSWORD)],
      ['wrong password (counted)', () => attempt('dsl@westside.example', 'not-the-password')],
      ['deactivated, right password', () => attempt('visitor2@westside.example', DEMO_PASSWORD)],
      ['slowed address, right password', () => attempt('office@westside.example', DEMO_PASSWORD)],
      ['slowed address, wrong password', () => attempt('office@westside.example', 'still-wrong')],
    ]
    for (const [, run] of cases) await run() // warm up
    const times = new Map(cases.map(([name]) => [name, [] as number[]]))
    // Interleaved, so a slow moment of the machine falls on every case alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of cases) {
        if (name === 'wrong password (counted)') await pool.query(`UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE email = 'dsl@westside.example'`)
        times.get(name)!.push(await run())
      }
    }
    const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
    console.log(`\nRefused sign-ins, ${ROUNDS} rounds, one process, embedded PostgreSQL (POST /sign-in only)`)
    console.table(
      [...times].map(([name, list]) => {
        const sorted = [...list].sort((a, b) => a - b)
        return { case: name, 'median ms': at(sorted, 0.5).toFixed(1), 'p90 ms': at(sorted, 0.9).toFixed(1) }
      }),
    )
    await app.close()
    await pool.end()
  } finally {
    await server.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
