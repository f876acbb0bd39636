import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { signIn, testApp } from '../helpers.ts'

/**
 * Issue 10 point 11: the README's curl example for API clients works. The lines between the
 * `api-client-example` markers run as they are, with bash, curl and jq, against the app listening on a real
 * port (as `npm start` would); only the placeholders for the id and secret and the address are filled in.
 */
const run = promisify(execFile)

describe('the README example for API clients', () => {
  it('registering a client, then the README curl lines get a token and read pupils and the staff directory over HTTP', async (t) => {
    const ctx = await testApp(t)
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const block = /<!-- api-client-example[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/api-client-example -->/.exec(readme)?.[1]
    assert.ok(block, 'the README has the example between its markers')
    assert.match(block, /DOORSTEP=http:\/\/localhost:3000\n/, 'it is written for npm start')

    // As the README says: the admin registers the client and copies the id and secret from the page.
    const admin = await signIn(ctx, 'admin@westside.example')
    const page = await admin.post('/api-clients', { name: 'README example', scopes: ['pupils:read', 'readiness:read'] })
    const shown = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(page.body)?.[1] ?? ''
    await ctx.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = ctx.app.server.address() as AddressInfo
    const script = block
      .replace('<client id>', shown('client-id'))
      .replace('<client secret>', shown('client-secret'))
      .replace('DOORSTEP=http://localhost:3000', `DOORSTEP=http://127.0.0.1:${port}`)
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 })
    const lines = stdout.trim().split('\n')
    const pupils = await ctx.pool.query<{ count: string }>(`SELECT count(*) FROM pupils p JOIN schools s ON s.id = p.school_id WHERE s.name = 'Westside School'`)
    assert.equal(lines[0], String(pupils.rows[0]!.count), 'the number of Westside pupils')
    assert.ok(lines.length > 2, stdout)
    for (const line of lines.slice(1)) assert.match(line, /^.+: (ready|warnings|blocked)$/, 'a name and their readiness')
    const issued = await ctx.pool.query(`SELECT 1 FROM audit_log WHERE action = 'api_client.token_issued'`)
    assert.equal(issued.rowCount, 1)
  })
})
