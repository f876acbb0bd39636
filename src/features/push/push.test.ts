import assert from 'node:assert/strict'
import { createECDH, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf, userId, type TestApp } from '../../../test/helpers.ts'
import { pushTo, startPushService } from '../../../test/push-service.ts'
import { deviceOf } from './service.ts'

/**
 * Turning alerts on in a browser (Web Push; R-ESC-1, R-ALERT-1, R-AUDIT-1): the VAPID key, the
 * subscription routes a page's script and an API client call, the service worker, and the account
 * page's part. Alerts go through Doorstep's real sender to the decrypting push service in this
 * process (test/push-service.ts).
 */

/** What a browser's PushSubscription.toJSON() looks like, for input tests. */
function browserLike(endpoint = `https://push.example.net/send/${randomBytes(8).toString('hex')}`) {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } }
}

async function subscriptionsOf(ctx: TestApp, email: string) {
  const { rows } = await ctx.pool.query<{ endpoint: string; p256dh: string; auth: string; userAgent: string }>(
    'SELECT endpoint, p256dh, auth, user_agent AS "userAgent" FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, endpoint',
    [await userId(ctx.pool, email)],
  )
  return rows
}

describe('turning alerts on', () => {
  it('R-ESC-1 a signed-in person turns alerts on in a browser, once however often the page sends it, and off again; each is in the audit trail', async (t) => {
    const service = await startPushService(t)
    const ctx = await testApp(t, { push: pushTo(service) })
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const key = await dsl.json('GET', '/push/key')
    assert.equal(key.statusCode, 200)
    const { rows } = await ctx.pool.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'vapid'`)
    assert.equal(JSON.parse(key.body).publicKey, JSON.parse(rows[0]!.value).publicKey, 'the VAPID public key Doorstep signs with')
    assert.equal(JSON.parse(rows[0]!.value).privateKey.length > 20, true)
    assert.ok(!key.body.includes(JSON.parse(rows[0]!.value).privateKey), 'never the private key')

    const browser = service.browser(JSON.parse(key.body).publicKey)
    const first = await dsl.json('POST', '/push/subscriptions', browser.subscription)
    assert.equal(first.statusCode, 201, first.body)
    assert.equal(JSON.parse(first.body).created, true)
    const again = await dsl.json('POST', '/push/subscriptions', browser.subscription)
    assert.equal(again.statusCode, 201)
    assert.equal(JSON.parse(again.body).created, false)
    assert.deepEqual(
      (await subscriptionsOf(ctx, 'dsl@westside.example')).map((s) => [s.endpoint, s.p256dh, s.auth]),
      [[browser.subscription.endpoint, browser.subscription.keys.p256dh, browser.subscription.keys.auth]],
    )

    const off = await dsl.json('DELETE', '/push/subscriptions', { endpoint: browser.subscription.endpoint })
    assert.equal(off.statusCode, 204)
    assert.deepEqual(await subscriptionsOf(ctx, 'dsl@westside.example'), [])
    const audit = await ctx.pool.query<{ action: string; summary: string }>(`SELECT action, summary FROM audit_log WHERE action LIKE 'push_subscription.%' ORDER BY seq`)
    const host = new URL(service.origin).host
    const name = (await ctx.pool.query<{ name: string }>(`SELECT name FROM users WHERE email = 'dsl@westside.example'`)).rows[0]!.name
    assert.deepEqual(audit.rows.map((r) => [r.action, r.summary]), [
      ['push_subscription.turned_on', `${name} turned on alerts in a browser (${host})`],
      ['push_subscription.turned_off', `${name} turned off alerts in a browser (${host})`],
    ])
    assert.ok(audit.rows.every((r) => !r.summary.includes(browser.subscription.endpoint)), 'the audit never holds the endpoint (a secret address)')
  })

  it('R-ESC-1 bad subscriptions are refused with problem details naming the field, and nothing is saved', async (t) => {
    const ctx = await testApp(t, { push: pushTo(await startPushService(t)) })
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const good = browserLike()
    const offCurve = Buffer.alloc(65, 7)
    offCurve[0] = 4
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['no body', {}, '/endpoint', /Send the subscription’s endpoint/],
      ['http endpoint', { ...good, endpoint: 'http://push.example.net/send/1' }, '/endpoint', /must be an https:\/\/ address/],
      ['not a URL', { ...good, endpoint: 'push me' }, '/endpoint', /must be an https:\/\/ address/],
      ['no keys', { endpoint: good.endpoint }, '/keys', /Send the subscription’s keys/],
      ['short key', { ...good, keys: { ...good.keys, p256dh: randomBytes(33).toString('base64url') } }, '/keys/p256dh', /P-256 public key/],
      ['a point off the curve', { ...good, keys: { ...good.keys, p256dh: offCurve.toString('base64url') } }, '/keys/p256dh', /P-256 public key/],
      ['auth of 8 bytes', { ...good, keys: { ...good.keys, auth: randomBytes(8).toString('base64url') } }, '/keys/auth', /16-byte auth secret/],
      ['auth not base64url', { ...good, keys: { ...good.keys, auth: 'not base64 at all!!' } }, '/keys/auth', /16-byte auth secret/],
    ]
    for (const [what, body, pointer, message] of cases) {
      const response = await dsl.json('POST', '/push/subscriptions', body)
      assert.equal(response.statusCode, 400, `${what}: ${response.body}`)
      assert.match(String(response.headers['content-type']), /application\/problem\+json/)
      const problem = JSON.parse(response.body) as { errors: Array<{ pointer: string; detail: string }> }
      const error = problem.errors.find((e) => e.pointer === pointer)
      assert.ok(error, `${what}: an error at ${pointer} in ${response.body}`)
      assert.match(error.detail, message, what)
    }
    const notJson = await ctx.app.inject({ method: 'POST', url: '/push/subscriptions', headers: { cookie: dsl.cookie, 'x-csrf-token': dsl.csrf, 'content-type': 'application/json' }, payload: '{"endpoint":' })
    assert.equal(notJson.statusCode, 400)
    assert.deepEqual(await subscriptionsOf(ctx, 'dsl@westside.example'), [])
  })

  it('R-ESC-1 R-CONF-1 an endpoint on this server or a private network is refused (the server would post to it), on the page and in the API; a push service on the internet is kept', async (t) => {
    const ctx = await testApp(t, { config: { push: { allowPrivateEndpoints: false } } })
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const refused = [
      'https://127.0.0.1:8443/push/1', 'https://2130706433/push/1', 'https://localhost/push/1', 'https://push.localhost/1', 'https://[::1]/push/1',
      'https://10.1.2.3/push/1', 'https://172.20.0.5/push/1', 'https://192.168.1.10/push/1', 'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/1', 'https://0.0.0.0/1', 'https://[fd00::1]/1', 'https://[fe80::1]/1', 'https://[::ffff:127.0.0.1]/1',
      'https://printer.local/1', 'https://metadata.google.internal/1', 'https://intranet/1', 'https://10.0.0.1./1',
    ]
    for (const endpoint of refused) {
      for (const url of ['/push/subscriptions', '/api/v1/push/subscriptions']) {
        const response = await dsl.json('POST', url, browserLike(endpoint))
        assert.equal(response.statusCode, 400, `${endpoint} at ${url}: ${response.body}`)
        const problem = JSON.parse(response.body) as { errors: Array<{ pointer: string; detail: string }> }
        assert.deepEqual(problem.errors.map((e) => [e.pointer, e.detail]), [['/endpoint', 'The endpoint must be a push service on the internet, not this server or a private network']], endpoint)
      }
    }
    assert.deepEqual(await subscriptionsOf(ctx, 'dsl@westside.example'), [], 'nothing saved')
    for (const endpoint of ['https://fcm.googleapis.com/fcm/send/abc123', 'https://updates.push.services.mozilla.com/wpush/v2/x', 'https://web.push.apple.com/QGx', 'https://8.8.8.8/push/1']) {
      assert.equal((await dsl.json('POST', '/push/subscriptions', browserLike(endpoint))).statusCode, 201, endpoint)
    }
    assert.equal((await subscriptionsOf(ctx, 'dsl@westside.example')).length, 4)
  })

  it('R-CONF-1 only for the signed-in person: no session or no CSRF token is refused, and another person’s browser cannot be taken over or turned off', async (t) => {
    const ctx = await testApp(t, { push: pushTo(await startPushService(t)) })
    const subscription = browserLike()
    const anonymous = await ctx.app.inject({ method: 'POST', url: '/push/subscriptions', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: JSON.stringify(subscription) })
    assert.equal(anonymous.statusCode, 403, 'refused (the CSRF check comes first)')
    const dsl = await signIn(ctx, 'dsl@westside.example')
    const noToken = await ctx.app.inject({ method: 'POST', url: '/push/subscriptions', headers: { cookie: dsl.cookie, 'content-type': 'application/json', accept: 'application/json' }, payload: JSON.stringify(subscription) })
    assert.equal(noToken.statusCode, 403)
    assert.equal((await ctx.app.inject({ method: 'GET', url: '/push/key' })).statusCode, 302, 'the key page asks a browser to sign in')
    assert.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/push/key' })).statusCode, 401)
    assert.equal((await ctx.pool.query('SELECT 1 FROM push_subscriptions')).rowCount, 0)

    assert.equal((await dsl.json('POST', '/push/subscriptions', subscription)).statusCode, 201)
    const head = await signIn(ctx, 'head@westside.example')
    // Someone who learnt the DSL's endpoint, with keys of their own: refused, the DSL keeps their alerts.
    const takeOver = await head.json('POST', '/push/subscriptions', { ...subscription, keys: browserLike().keys })
    assert.equal(takeOver.statusCode, 409, takeOver.body)
    assert.match(JSON.parse(takeOver.body).detail, /turned on for someone else/)
    assert.equal((await head.json('DELETE', '/push/subscriptions', { endpoint: subscription.endpoint })).statusCode, 204)
    assert.deepEqual((await subscriptionsOf(ctx, 'dsl@westside.example')).map((s) => s.endpoint), [subscription.endpoint], 'still the DSL’s')
    // The same browser (the same keys), now used by the headteacher: the alerts there are theirs.
    assert.equal((await head.json('POST', '/push/subscriptions', subscription)).statusCode, 201)
    assert.deepEqual(await subscriptionsOf(ctx, 'dsl@westside.example'), [])
    assert.deepEqual((await subscriptionsOf(ctx, 'head@westside.example')).map((s) => s.endpoint), [subscription.endpoint])
    const moved = await ctx.pool.query<{ summary: string }>(`SELECT summary FROM audit_log WHERE action = 'push_subscription.turned_on' ORDER BY seq DESC LIMIT 1`)
    assert.match(moved.rows[0]!.summary, /turned on alerts in a browser another person had them on in/)
  })

  it('R-ESC-1 the API has the same routes, described in the OpenAPI document; without Web Push set up the key is a 404', async (t) => {
    const service = await startPushService(t)
    const ctx = await testApp(t, { push: pushTo(service) })
    const office = await signIn(ctx, 'office@westside.example')
    const key = JSON.parse((await office.json('GET', '/api/v1/push/key')).body).publicKey as string
    const browser = service.browser(key)
    const saved = await office.json('POST', '/api/v1/push/subscriptions', browser.subscription)
    assert.equal(saved.statusCode, 201, saved.body)
    assert.equal((await subscriptionsOf(ctx, 'office@westside.example')).length, 1)
    const bad = await office.json('POST', '/api/v1/push/subscriptions', { ...browser.subscription, endpoint: 'http://insecure.example/1' })
    assert.equal(bad.statusCode, 400)
    assert.equal(JSON.parse(bad.body).errors[0].pointer, '/endpoint')
    const removed = await office.json('DELETE', '/api/v1/push/subscriptions', { endpoint: browser.subscription.endpoint })
    assert.deepEqual([removed.statusCode, JSON.parse(removed.body)], [200, { turnedOff: true }])
    assert.equal((await subscriptionsOf(ctx, 'office@westside.example')).length, 0)
    const openapi = JSON.parse((await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as { paths: Record<string, Record<string, unknown>> }
    assert.deepEqual(Object.keys(openapi.paths['/api/v1/push/subscriptions'] ?? {}).sort(), ['delete', 'post'])
    assert.ok(openapi.paths['/api/v1/push/key']?.get)

    const without = await testApp(t)
    const person = await signIn(without, 'office@westside.example')
    const none = await person.json('GET', '/api/v1/push/key')
    assert.equal(none.statusCode, 404)
    assert.match(JSON.parse(none.body).detail, /Web Push is not set up/)
    assert.match(textOf((await person.get('/account')).body), /Alerts on phones are not set up on this Doorstep/)
  })

  it('R-ESC-1 the service worker is public JavaScript at the root under the site’s CSP: it shows an alert’s title and body and opens only Doorstep links', async (t) => {
    const ctx = await testApp(t)
    const response = await ctx.app.inject({ method: 'GET', url: '/sw.js' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/javascript/)
    assert.equal(response.headers['cache-control'], 'no-cache')
    assert.match(String(response.headers['content-security-policy']), /script-src 'self'/)
    assert.equal(response.headers['service-worker-allowed'], undefined, 'not needed at the root')
    assert.match(response.body, /addEventListener\('push'/)
    assert.match(response.body, /showNotification\(title, options\)/)
    assert.match(response.body, /addEventListener\('notificationclick'/)
    assert.match(response.body, /openWindow\(url\)/)
    // The service worker must be valid JavaScript (a syntax error would stop every alert).
    assert.doesNotThrow(() => new Function(response.body))
    const script = await ctx.app.inject({ method: 'GET', url: '/assets/push-alerts.js' })
    assert.equal(script.statusCode, 200)
    assert.match(script.body, /serviceWorker\.register\('\/sw\.js'/)
    assert.match(script.body, /pushManager\.subscribe\(\{ userVisibleOnly: true, applicationServerKey/)
    assert.doesNotThrow(() => new Function(script.body))
  })
})

describe('alerts on the account page', () => {
  it('R-ESC-1 the account page offers "Turn on alerts on this phone", lists the browsers with alerts on, sends a test alert to them and turns one off', async (t) => {
    const service = await startPushService(t)
    const ctx = await testApp(t, { push: pushTo(service), jobs: { pollInterval: 50 } })
    const office = await signIn(ctx, 'office@westside.example')
    const page = await office.get('/account')
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<button type="button" class="govuk-button"[^>]*data-push-on>Turn on alerts on this phone<\/button>/)
    assert.match(page.body, /class="doorstep-push-alerts" data-push-alerts data-csrf="[^"]+" hidden/, 'shown by the script where the browser can do Web Push')
    assert.match(page.body, /<script type="module" src="\/assets\/push-alerts.js"><\/script>/)
    assert.match(textOf(page.body), /It never says who is on the visit or where\./)
    assert.doesNotMatch(textOf(page.body), /Where your alerts are on/)

    const key = JSON.parse((await office.json('GET', '/push/key')).body).publicKey as string
    const phone = service.browser(key)
    const android = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'
    const saved = await ctx.app.inject({
      method: 'POST',
      url: '/push/subscriptions',
      headers: { cookie: office.cookie, 'x-csrf-token': office.csrf, 'content-type': 'application/json', accept: 'application/json', 'user-agent': android },
      payload: JSON.stringify(phone.subscription),
    })
    assert.equal(saved.statusCode, 201)
    const listed = textOf((await office.get('/account')).body)
    assert.match(listed, /Where your alerts are on Browser Turned on Action Chrome on Android 25 November 2026/)

    const sent = await office.post('/push/test')
    assert.equal(sent.statusCode, 303)
    assert.equal(sent.headers.location, '/account?done=test-alert#alerts')
    assert.match(textOf((await office.get('/account?done=test-alert')).body), /Test alert sent to every browser you have turned alerts on in/)
    const [alert] = await service.waitFor(1)
    assert.equal(alert?.browserId, phone.id)
    assert.equal(alert?.payload?.title, 'Doorstep test alert for Westside School')
    assert.equal(alert?.payload?.url, 'http://localhost:3000/account#alerts')

    const id = /action="\/account\/alerts\/([0-9a-f-]{36})\/turn-off"/.exec((await office.get('/account')).body)?.[1]
    assert.ok(id)
    const head = await signIn(ctx, 'head@westside.example')
    assert.equal((await head.post(`/account/alerts/${id}/turn-off`)).statusCode, 404, 'only one’s own browsers')
    const turnedOff = await office.post(`/account/alerts/${id}/turn-off`)
    assert.equal(turnedOff.headers.location, '/account?done=alerts-off#alerts')
    assert.deepEqual(await subscriptionsOf(ctx, 'office@westside.example'), [])
    assert.match(textOf((await office.get('/account?done=alerts-off')).body), /Alerts are off in that browser\./)
  })

  it('names browsers from their User-Agent', () => {
    assert.equal(deviceOf('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'web.push.apple.com'), 'Safari on iPhone or iPad')
    assert.equal(deviceOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'wns2-par02p.notify.windows.com'), 'Edge on Windows')
    assert.equal(deviceOf('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'updates.push.services.mozilla.com'), 'Firefox on Linux')
    assert.equal(deviceOf('', 'fcm.googleapis.com'), 'A browser using fcm.googleapis.com')
  })
})
