import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf, type TestApp } from '../../../test/helpers.ts'
import { verifyPassword } from '../auth/passwords.ts'

/**
 * R-ALERT-1: a visitor sets a visit PIN and a different duress PIN on their account page (decision 0018).
 * Both are argon2id hashes; the audit history says they were set or removed, never what they are.
 */

const good = { visitPin: '2468', confirmVisitPin: '2468', duressPin: '13579', confirmDuressPin: '13579' }

async function hashes(ctx: TestApp, email: string): Promise<{ visit: string | null; duress: string | null }> {
  const { rows } = await ctx.pool.query<{ visit: string | null; duress: string | null }>('SELECT visit_pin_hash AS visit, duress_pin_hash AS duress FROM users WHERE email = $1', [email])
  return rows[0]!
}

async function pinAudit(ctx: TestApp): Promise<Array<{ action: string; summary: string; change: string }>> {
  const { rows } = await ctx.pool.query<{ action: string; summary: string; change: string }>(
    `SELECT action, summary, change::text AS change FROM audit_log WHERE action LIKE 'account.visit_pins%' ORDER BY chain, seq`,
  )
  return rows
}

describe('PINs for ending a visit', () => {
  it('R-ALERT-1 a visitor sets a visit PIN and a duress PIN: stored as argon2id hashes, audited without them, and removable', async (t) => {
    const ctx = await testApp(t)
    const visitor = await signIn(ctx, 'visitor@westside.example')
    const account = textOf((await visitor.get('/account')).body)
    assert.match(account, /Your PINs for ending a visit .* You have not set PINs yet\. Visit PIN 4 to 8 digits/)

    const saved = await visitor.post('/account/pins', good)
    assert.equal(saved.statusCode, 303)
    assert.equal(saved.headers.location, '/account?done=pins#pins')
    assert.match(textOf((await visitor.get('/account?done=pins')).body), /Your PINs are saved\. Ending a visit now asks for your PIN\. .* You have set your PINs\. .* Change your PINs Remove your PINs/)
    const stored = await hashes(ctx, 'visitor@westside.example')
    assert.match(stored.visit!, /^\$argon2id\$/)
    assert.match(stored.duress!, /^\$argon2id\$/)
    assert.ok(await verifyPassword(stored.visit!, '2468'))
    assert.ok(await verifyPassword(stored.duress!, '13579'))

    await visitor.post('/account/pins', { visitPin: '8642', confirmVisitPin: '8642', duressPin: '97531', confirmDuressPin: '97531' })
    assert.ok(await verifyPassword((await hashes(ctx, 'visitor@westside.example')).visit!, '8642'), 'changed')

    const removed = await visitor.post('/account/pins/remove')
    assert.equal(removed.headers.location, '/account?done=pins-removed#pins')
    assert.deepEqual(await hashes(ctx, 'visitor@westside.example'), { visit: null, duress: null })
    assert.match(textOf((await visitor.get('/account?done=pins-removed')).body), /Your PINs are removed\. Ending a visit no longer asks for a PIN\. .* You have not set PINs yet\./)

    const audit = await pinAudit(ctx)
    assert.deepEqual(audit.map((a) => a.action), ['account.visit_pins_set', 'account.visit_pins_changed', 'account.visit_pins_removed'])
    assert.match(audit[0]!.summary, /set a visit PIN and a duress PIN/)
    for (const entry of audit) assert.doesNotMatch(`${entry.summary} ${entry.change}`, /2468|13579|8642|97531/, 'the PINs are not in the history')
  })

  const refusals: Array<[string, Record<string, string>, RegExp, string]> = [
    ['nothing entered', {}, /There is a problem Enter your visit PIN Enter your visit PIN again Enter your duress PIN Enter your duress PIN again/, 'visitPin'],
    ['not digits', { ...good, visitPin: '12a4', confirmVisitPin: '12a4' }, /There is a problem Your visit PIN must be digits only, 0 to 9/, 'visitPin'],
    ['too short', { ...good, duressPin: '135', confirmDuressPin: '135' }, /There is a problem Your duress PIN must be at least 4 digits/, 'duressPin'],
    ['too long', { ...good, visitPin: '123456789', confirmVisitPin: '123456789' }, /There is a problem Your visit PIN must be 8 digits or fewer/, 'visitPin'],
    ['the two the same', { ...good, duressPin: '2468', confirmDuressPin: '2468' }, /There is a problem Your duress PIN must be different from your visit PIN/, 'duressPin'],
    ['the visit PIN confirmed wrongly', { ...good, confirmVisitPin: '2469' }, /There is a problem The visit PINs do not match/, 'confirmVisitPin'],
    ['the duress PIN confirmed wrongly', { ...good, confirmDuressPin: '13578' }, /There is a problem The duress PINs do not match/, 'confirmDuressPin'],
  ]
  for (const [label, form, message, field] of refusals) {
    it(`R-ALERT-1 ${label}: 400 with the GOV.UK error summary and the error by the box, the PINs are not shown again, nothing is saved`, async (t) => {
      const ctx = await testApp(t)
      const visitor = await signIn(ctx, 'visitor@westside.example')
      const response = await visitor.post('/account/pins', form)
      assert.equal(response.statusCode, 400)
      assert.match(textOf(response.body), message)
      assert.match(response.body, new RegExp(`href="#${field}"`))
      assert.match(response.body, new RegExp(`<p id="${field}-error" class="govuk-error-message">`))
      for (const value of Object.values(form)) assert.doesNotMatch(response.body, new RegExp(`value="${value}"`), 'a PIN is never put back in the page')
      assert.deepEqual(await hashes(ctx, 'visitor@westside.example'), { visit: null, duress: null })
      assert.deepEqual(await pinAudit(ctx), [])
    })
  }

  it('R-ALERT-1 only people who go on visits are offered PINs', async (t) => {
    const ctx = await testApp(t)
    const governor = await signIn(ctx, 'governor@westside.example')
    assert.doesNotMatch(textOf((await governor.get('/account')).body), /PINs/)
    assert.equal((await governor.post('/account/pins', good)).statusCode, 403)
    assert.deepEqual(await hashes(ctx, 'governor@westside.example'), { visit: null, duress: null })
  })
})
