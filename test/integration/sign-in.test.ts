import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf } from '../helpers.ts'

describe('signing in', () => {
  it('the demo DSL signs in and sees their school', async (t) => {
    const ctx = await testApp(t)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const home = await dsl.get('/')
    assert.equal(home.statusCode, 200)
    assert.match(textOf(home.body), /Westside School/)
    assert.match(textOf(home.body), /Designated safeguarding lead/)
  })
})
