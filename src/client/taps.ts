/**
 * The rules of the phone page's taps (decision 0018), apart from the page so they can be tested on
 * their own. Runs in the browser (served with its types stripped, src/web/assets.ts) and under Node's tests.
 */

/** A tap waiting to be sent, as kept on the phone (localStorage). Never holds a PIN or the CSRF token. */
export type Tap = {
  /** The phone's reference for the tap (the form's clientRef): the server records a tap once per reference. */
  ref: string
  userId: string
  visitId: string
  url: string
  fields: Array<[string, string]>
  /** "Check in now": what the visitor tapped. */
  label: string
  /** "Check-in recorded.": what the page says once the server has recorded it. */
  done: string
  /** The form asked for a PIN: it is kept in memory only, so after a reload the tap goes without it. */
  hasPin: boolean
}

/** What came back for a tap: nothing (the network failed), or the response fetch followed to its end. */
export type Answer = { status: number; redirected: boolean; url: string; heading: string } | null

export type Outcome =
  /** The server recorded it (or had already): it answered with its redirect to the day's page. */
  | { kind: 'recorded' }
  /** The server refused it, and nothing was saved: sending it again would not change that. */
  | { kind: 'refused' }
  /** The server wants the person to sign in (again) first: keep it, and send it once they have. */
  | { kind: 'sign-in' }
  /** No answer, or a fault on the server's side: keep it and try again. */
  | { kind: 'unsent' }

/**
 * What an answer means for a tap. Only the day's page reached by the server's redirect, with its
 * `done` message, counts as recorded; anything else that is not a clear refusal keeps the tap.
 * A lost check-in is the worst thing this page can do, so when in doubt the tap is kept and sent again
 * (the server answers a tap it has already seen as done).
 */
export function outcomeOf(answer: Answer, visitId: string): Outcome {
  if (answer === null) return { kind: 'unsent' }
  const landed = new URL(answer.url, 'http://doorstep.invalid')
  if (answer.status >= 200 && answer.status < 300) {
    if (answer.redirected && landed.pathname === `/visits/${visitId}/live` && landed.searchParams.has('done')) return { kind: 'recorded' }
    // Sent elsewhere (the sign-in page, choosing a new password): the tap did not get through.
    return answer.redirected ? { kind: 'sign-in' } : { kind: 'unsent' }
  }
  // The session ended, or the form's security token no longer matches it.
  if (answer.status === 401 || (answer.status === 403 && answer.heading === 'Your form expired')) return { kind: 'sign-in' }
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) return { kind: 'unsent' }
  if (answer.status >= 400) return { kind: 'refused' }
  return { kind: 'unsent' }
}

/** The form's fields as kept with the tap: without the CSRF token (the page's own is used when sent) and without any PIN. */
export function keptFields(entries: Iterable<[string, unknown]>): Array<[string, string]> {
  const kept: Array<[string, string]> = []
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || name === '_csrf' || name === 'pin') continue
    kept.push([name, value])
  }
  return kept
}

/** A fresh random reference for a tap (32 hex digits; the server accepts 8–64 of A–Z, a–z, 0–9, - and _). */
export function newRef(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** Reads the kept taps, ignoring anything that is not a list of taps (an old version, a broken write). */
export function parseTaps(stored: string | null): Tap[] {
  if (!stored) return []
  try {
    const taps: unknown = JSON.parse(stored)
    return Array.isArray(taps) ? taps.filter(isTap) : []
  } catch {
    return []
  }
}

function isTap(value: unknown): value is Tap {
  const tap = value as Partial<Tap> | null
  return (
    typeof tap === 'object' &&
    tap !== null &&
    typeof tap.ref === 'string' &&
    typeof tap.userId === 'string' &&
    typeof tap.visitId === 'string' &&
    typeof tap.url === 'string' &&
    Array.isArray(tap.fields) &&
    typeof tap.label === 'string' &&
    typeof tap.done === 'string'
  )
}
