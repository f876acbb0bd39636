import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { testApp } from '../helpers.ts'
import { everyRoleWalker, fillParams, getRoutes } from '../page-walk.ts'

/**
 * Every GET route the app registers, walked as a member of Westside holding every role there, with
 * Westside's own records in the path (test/page-walk.ts), so each page renders as its readers see it.
 */

/** Names of Object's built-in properties: what `messages[key]` finds when key comes from the user. */
const builtIns = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']

/** Every query parameter a page or the API reads. The test checks this list against the source. */
const queryNames = ['done', 'next', 'signedOut', 'training', 'owner', 'date', 'from', 'to', 'q', 'page', 'status', 'person', 'withinDays', 'part', 'refresh', 'visitId', 'term', 'at', 'week', ...['date', 'from', 'to'].flatMap((name) => [`${name}-day`, `${name}-month`, `${name}-year`])]

/** The query names the source reads as `(request.query as { name?: … }).name` or declares as `Querystring: { name?: … }`. */
function queryNamesInSource(): string[] {
  const src = path.resolve(import.meta.dirname, '..', '..', 'src')
  const names = new Set<string>()
  for (const file of fs.readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = fs.readFileSync(path.join(src, file), 'utf8')
    for (const [, fields] of text.matchAll(/request\.query as \{([^}]*)\}/g)) for (const [, name] of fields!.matchAll(/(\w+)\??:/g)) names.add(name!)
    for (const [, fields] of text.matchAll(/Querystring: \{([^}]*)\}/g)) for (const [, name] of fields!.matchAll(/(\w+)\??:/g)) names.add(name!)
    for (const [, name] of text.matchAll(/\(request\.query as Record<string, unknown>\)\.(\w+)/g)) names.add(name!)
    for (const [, name] of text.matchAll(/\bquery\.(\w+)/g)) names.add(name!)
  }
  return [...names].sort()
}

describe('every page', () => {
  it('R-CONF-1 no query value reaches the built-in properties of an object: no page prints function source, none is a 5xx', async (t) => {
    const ctx = await testApp(t)
    const walker = await everyRoleWalker(ctx, 'Westside School', 'every.role.query@westside.example')
    const unlisted = queryNamesInSource().filter((name) => !queryNames.includes(name))
    assert.deepEqual(unlisted, [], `The source reads query parameters this test does not send: add them to queryNames`)
    const openApi = JSON.parse((await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>
    }
    const apiNames = Object.values(openApi.paths).flatMap((operations) => Object.values(operations).flatMap((op) => (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)))
    const names = [...new Set([...queryNames, ...apiNames])]

    // Scripts are code, not pages: the assets and the service worker.
    // Probes are for load balancers and Prometheus, not people: /readyz is 503 here by design (these test apps run
    // no deadline worker), /metrics 404 without METRICS_TOKEN. src/features/operations tests them.
    const routes = getRoutes(ctx).filter((url) => !url.startsWith('/assets/') && !['/sw.js', '/readyz', '/metrics'].includes(url))
    assert.ok(routes.length > 60, `the app lists its pages (${routes.length})`)
    const problems: string[] = []
    const shown = new Set<string>()
    let requests = 0
    for (const route of routes) {
      const url = fillParams(route, walker.records)
      for (const value of builtIns) {
        for (const query of [names.map((name) => `${name}=${value}`).join('&'), `done=${value}`]) {
          const target = `${url}?${query}`
          const response = url.startsWith('/api/') ? await walker.agent.json('GET', target) : await walker.agent.get(target)
          requests++
          if (response.statusCode === 200 && query.startsWith('done=')) shown.add(route)
          if (response.statusCode >= 500) problems.push(`${target} answered ${response.statusCode}`)
          const body = response.body
          if (/\[native code\]|function\s*\w*\s*\([^)]*\)\s*\{|\[object Object\]/.test(body)) {
            const at = body.search(/\[native code\]|function\s*\w*\s*\(|\[object Object\]/)
            problems.push(`${target} shows function source or an object: …${body.slice(Math.max(0, at - 80), at + 60).replace(/\s+/g, ' ')}…`)
          }
        }
      }
    }
    assert.ok(problems.length === 0, `${problems.length} problem(s) in ${requests} requests:\n${problems.join('\n')}`)
    // The walk reached the pages themselves, not "not found" answers. Signed in, the sign-in page sends you on, and
    // so does "choose a new password" for someone whose password is not temporary; the board's event stream
    // answers only a request for a stream; the push key exists only where Web Push is set up (not in these tests);
    // a visit's cancellation notice exists only once it was cancelled for a reason sent in writing (R-CANCEL-1; the
    // walk's visit is not: src/features/cancellations tests them).
    assert.deepEqual(
      routes.filter((route) => !shown.has(route)).sort(),
      ['/account/choose-password', '/api/v1/push/key', '/api/v1/schools/:schoolId/visits/:visitId/cancellation-notice', '/board/events', '/push/key', '/sign-in', '/visits/:visitId/cancellation-notice.pdf'],
      'every other page answered 200',
    )
  })

  it('R-CONF-1 no page or API answer is kept in a browser or proxy cache; only the public assets are cacheable', async (t) => {
    const ctx = await testApp(t)
    const walker = await everyRoleWalker(ctx, 'Westside School', 'every.role.cache@westside.example')
    const problems: string[] = []
    const check = (label: string, response: { statusCode: number; headers: Record<string, unknown> }) => {
      const header = response.headers['cache-control']
      if (header !== 'private, no-store') problems.push(`${label} answered ${response.statusCode} with cache-control ${JSON.stringify(header)}`)
    }
    for (const route of getRoutes(ctx)) {
      const url = fillParams(route, walker.records)
      const response = url.startsWith('/api/') ? await walker.agent.json('GET', url) : await walker.agent.get(url)
      if (route.startsWith('/assets/') || route === '/sw.js') {
        const header = String(response.headers['cache-control'] ?? '')
        if (response.statusCode !== 200 || /no-store|private/.test(header)) problems.push(`${url}: an asset should be cacheable, got ${response.statusCode} ${header}`)
      } else check(`GET ${url}`, response)
    }
    // Signed out, errors and changes too: the sign-in page (its CSRF token), a 404, a form shown again with what was typed.
    check('GET /sign-in signed out', await ctx.app.inject({ method: 'GET', url: '/sign-in' }))
    check('GET /healthz', await ctx.app.inject({ method: 'GET', url: '/healthz' }))
    check('GET a missing page', await walker.agent.get('/no-such-page'))
    check('GET a missing asset', await ctx.app.inject({ method: 'GET', url: '/assets/images/no-such-image.png' }))
    check('POST /staff with mistakes', await walker.agent.post('/staff', { name: 'Nia Evans', email: 'not an email' }))
    check('POST an API problem', await walker.agent.json('POST', `/api/v1/schools/${walker.schoolId}/visits`, { pupilIds: 'x' }))
    assert.ok(problems.length === 0, `${problems.length} problem(s):\n${problems.join('\n')}`)
  })
})
