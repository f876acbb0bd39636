import type { FastifyRequest } from 'fastify'

/**
 * The message a page shows after a change, for its `?done=<key>` (a redirect after POST). The key comes
 * from the address bar, so only the page's own keys count: `Object.hasOwn`, never `messages[key]` alone,
 * which would find Object's built-ins for `?done=constructor` or `?done=__proto__`.
 */
export function doneFlash(request: FastifyRequest, messages: Readonly<Record<string, string>>): string | undefined {
  const done = (request.query as Record<string, unknown> | undefined)?.done
  return typeof done === 'string' && Object.hasOwn(messages, done) ? messages[done] : undefined
}
