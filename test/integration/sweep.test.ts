import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sweepExpired } from '../../src/features/auth/sweep.ts'
import { signIn, testApp, textOf, userId } from '../helpers.ts'

const DAY = 86_400_000

describe('sweeping what has expired (run by the server at start-up and every hour)', () => {
  it('deletes sessions past their idle or absolute limit and nothing live', async (t) => {
    const ctx = await testApp(t)
    const idle = await signIn(ctx, 'dsl@westside.example')
    const busy = await signIn(ctx, 'office@westside.example')
    const sessionsOf = async (email: string) =>
      (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [await userId(ctx.pool, email)])).rows[0]!.n

    ctx.clock.advance(29 * 60_000)
    assert.equal((await busy.get('/')).statusCode, 200)
    assert.deepEqual(await sweepExpired(ctx.pool, ctx.clock(), ctx.config), { sessions: 0, apiTokens: 0, signInDevices: 0, clientTokens: 0 }, 'nothing has expired yet')

    ctx.clock.advance(2 * 60_000)
    const swept = await sweepExpired(ctx.pool, ctx.clock(), ctx.config)
    assert.equal(swept.sessions, 1, 'the session idle for 31 minutes')
    assert.equal(await sessionsOf('dsl@westside.example'), 0)
    assert.equal(await sessionsOf('office@westside.example'), 1)
    assert.equal((await busy.get('/')).statusCode, 200, 'the live session still works')
    assert.equal((await idle.get('/')).statusCode, 302)

    // 12 hours after sign-in a session ends however busy it is: busy until 11 h 38 min, then 25 minutes on.
    for (let i = 0; i < 23; i++) {
      ctx.clock.advance(29 * 60_000)
      assert.equal((await busy.get('/')).statusCode, 200)
    }
    ctx.clock.advance(25 * 60_000)
    assert.equal((await sweepExpired(ctx.pool, ctx.clock(), ctx.config)).sessions, 1)
    assert.equal(await sessionsOf('office@westside.example'), 0)
  })

  it('deletes API tokens 30 days after they expired or were revoked; until then the account page lists them', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    for (const [name, days] of [['short', '1'], ['long', '365'], ['gone', '90']]) {
      assert.equal((await dsl.post('/account/tokens', { tokenName: name!, expiresInDays: days })).statusCode, 200)
    }
    const { rows } = await ctx.pool.query<{ id: string }>(`SELECT id FROM api_tokens WHERE name = 'gone'`)
    assert.equal((await dsl.post(`/account/tokens/${rows[0]!.id}/revoke`)).statusCode, 303)

    ctx.clock.advance(30 * DAY)
    assert.equal((await sweepExpired(ctx.pool, ctx.clock(), ctx.config)).apiTokens, 1, 'revoked 30 days ago: gone')
    let page = textOf((await (await signIn(ctx, 'dsl@westside.example')).get('/account')).body)
    assert.match(page, /short dst_\S+… .* Expired/, 'expired 29 days ago: still listed')
    assert.doesNotMatch(page, /gone dst_/)
    assert.match(page, /long dst_/)

    ctx.clock.advance(DAY)
    const swept = await sweepExpired(ctx.pool, ctx.clock(), ctx.config)
    assert.equal(swept.apiTokens, 1)
    page = textOf((await (await signIn(ctx, 'dsl@westside.example')).get('/account')).body)
    assert.doesNotMatch(page, /short dst_/)
    assert.match(page, /long dst_\S+… 25 November 2026 at 10:00 25 November 2027 Never Revoke/, 'the live token stays')
    assert.deepEqual(await sweepExpired(ctx.pool, ctx.clock(), ctx.config), { sessions: 0, apiTokens: 0, signInDevices: 0, clientTokens: 0 }, 'sweeping again finds nothing')
  })

  it('forgets browsers not signed in on for 180 days', async (t) => {
    const ctx = await testApp(t)
    await signIn(ctx, 'dsl@westside.example')
    const devices = async () => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sign_in_devices')).rows[0]!.n
    assert.equal(await devices(), 1)
    ctx.clock.advance(180 * DAY - 1_000)
    assert.equal((await sweepExpired(ctx.pool, ctx.clock(), ctx.config)).signInDevices, 0)
    ctx.clock.advance(1_000)
    assert.equal((await sweepExpired(ctx.pool, ctx.clock(), ctx.config)).signInDevices, 1)
    assert.equal(await devices(), 0)
  })
})
