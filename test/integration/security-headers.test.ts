import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { SESSION_COOKIE } from '../../src/features/auth/sessions.ts'
import { encodeForm, signIn, testApp } from '../helpers.ts'

function directives(response: LightMyRequestResponse): Map<string, string[]> {
  const header = response.headers['content-security-policy']
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header')
  return new Map(
    (header as string)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  )
}

function assertStrictPage(response: LightMyRequestResponse, label: string) {
  const csp = directives(response)
  const scripts = csp.get('script-src') ?? csp.get('default-src')!
  assert.ok(!scripts.includes("'unsafe-inline'"), `${label}: no unsafe-inline for scripts`)
  assert.ok(!scripts.includes("'unsafe-eval'"), `${label}: no unsafe-eval`)
  assert.ok(!scripts.some((source) => source === '*' || source === 'http:' || source === 'https:' || source === 'data:'), `${label}: no wildcard script sources`)
  const nonce = scripts.find((source) => source.startsWith("'nonce-"))?.slice(7, -1)
  assert.ok(nonce && nonce.length >= 16, `${label}: a script nonce`)
  assert.ok(!(csp.get('style-src') ?? []).includes("'unsafe-inline'"), `${label}: no unsafe-inline for styles`)
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], label)
  assert.deepEqual(csp.get('object-src'), ["'none'"], label)
  assert.deepEqual(csp.get('base-uri'), ["'self'"], label)
  assert.deepEqual(csp.get('form-action'), ["'self'"], label)
  assert.deepEqual(csp.get('default-src'), ["'self'"], label)

  const inline = [...response.body.matchAll(/<script(?![^>]*\ssrc=)([^>]*)>/g)]
  assert.ok(inline.length >= 1, `${label}: the GOV.UK template's inline script is there`)
  for (const [, attributes] of inline) assert.match(attributes!, new RegExp(`nonce="${nonce}"`), `${label}: every inline script carries the nonce`)
  assert.doesNotMatch(response.body, /\son[a-z]+="/i, `${label}: no inline event handlers (CSP would block them)`)
  assert.doesNotMatch(response.body, /\sstyle="/i, `${label}: no inline style attributes (CSP would block them)`)
  return nonce
}

function assertCommonHeaders(response: LightMyRequestResponse, label: string) {
  assert.equal(response.headers['x-frame-options'], 'DENY', label)
  assert.equal(response.headers['x-content-type-options'], 'nosniff', label)
  assert.equal(response.headers['referrer-policy'], 'no-referrer', label)
  assert.equal(response.headers['x-powered-by'], undefined, label)
}

describe('security headers', () => {
  it('pages have a strict CSP whose nonce is on the one inline script, and a new nonce each time', async (t) => {
    const ctx = await testApp(t)
    const admin = await signIn(ctx, 'admin@westside.example')
    const pages: Array<[string, LightMyRequestResponse]> = [
      ['sign-in', await ctx.app.inject({ method: 'GET', url: '/sign-in' })],
      ['home', await admin.get('/')],
      ['staff', await admin.get('/staff')],
      ['new staff form', await admin.get('/staff/new')],
      ['account', await admin.get('/account')],
      ['history', await admin.get('/audit')],
      ['a 400 form', await admin.post('/staff', {})],
      ['a 404 page', await admin.get('/no-such-page')],
      ['a 403 page', await (await signIn(ctx, 'visitor@westside.example')).get('/staff')],
    ]
    const nonces = new Set<string>()
    for (const [label, response] of pages) {
      assert.match(response.headers['content-type'] as string, /^text\/html/, label)
      nonces.add(assertStrictPage(response, label))
      assertCommonHeaders(response, label)
    }
    assert.equal(nonces.size, pages.length, 'each response has its own nonce')
  })

  it('API answers carry nosniff and the frame rules too', async (t) => {
    const ctx = await testApp(t)
    for (const url of ['/api/openapi.json', '/api/v1/me', '/healthz']) {
      assertCommonHeaders(await ctx.app.inject({ method: 'GET', url }), url)
    }
  })

  it('the session cookie is HttpOnly, SameSite=Lax and for the whole site; so is the pre-session cookie', async (t) => {
    const ctx = await testApp(t)
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
    const pre = page.cookies.find((c) => c.name === 'doorstep_pre')
    assert.ok(pre)
    assert.equal(pre.httpOnly, true)
    assert.equal(pre.sameSite, 'Lax')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${pre.value}` },
      payload: encodeForm({ _csrf: csrf, email: 'dsl@westside.example', password: 'doorstep-demo' }),
    })
    const raw = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    assert.ok(raw, 'a session cookie is set')
    assert.match(raw, /;\s*HttpOnly/i)
    assert.match(raw, /;\s*SameSite=Lax/i)
    assert.match(raw, /;\s*Path=\//)
    assert.doesNotMatch(raw, /;\s*Domain=/i, 'host-only')
    assert.doesNotMatch(raw, /;\s*Secure/i, 'not Secure on plain http (localhost)')
    assert.equal(response.cookies.find((c) => c.name === SESSION_COOKIE)!.value.length, 43, '256 random bits')
  })

  it('behind https (PUBLIC_URL https://…) cookies are Secure, HSTS is sent and insecure requests are upgraded', async (t) => {
    const ctx = await testApp(t, { config: { secureCookies: true, publicUrl: new URL('https://doorstep.example.org') } })
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
    assert.match(page.headers['strict-transport-security'] as string, /max-age=\d{7,}/)
    assert.ok(directives(page).has('upgrade-insecure-requests'))
    assert.equal(page.cookies.find((c) => c.name === 'doorstep_pre')!.secure, true)
    const dsl = await signIn(ctx, 'dsl@westside.example')
    assert.ok(dsl.cookie)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `doorstep_pre=${page.cookies.find((c) => c.name === 'doorstep_pre')!.value}` },
      payload: encodeForm({ _csrf: csrf, email: 'dsl@westside.example', password: 'doorstep-demo' }),
    })
    assert.equal(response.cookies.find((c) => c.name === SESSION_COOKIE)!.secure, true)
  })

  it('over plain http no HSTS header is sent', async (t) => {
    const ctx = await testApp(t)
    const page = await ctx.app.inject({ method: 'GET', url: '/sign-in' })
    assert.equal(page.headers['strict-transport-security'], undefined)
  })
})
