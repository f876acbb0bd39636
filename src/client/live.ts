import { keptFields, newRef, outcomeOf, parseTaps, type Answer, type Outcome, type Tap } from './taps.ts'

/**
 * The visitor's phone page, made to survive a weak signal (decision 0018). It enhances the day's forms
 * (live/views/panel.njk, `form[data-tap]`); without JavaScript they post as ordinary forms.
 *
 * - Every tap gets a fresh random reference (its clientRef): the server records a tap once per reference.
 * - "Check in now" and "We have arrived" add the phone's location when it comes within 3 seconds; without
 *   it the tap goes anyway.
 * - Taps are sent with fetch. The page says a tap was recorded only when the server answered with its
 *   redirect to the day's page; then the day's panel is replaced with the one that came back.
 * - A tap the network lost (or the server could not take) is kept on the phone (localStorage, never with a
 *   PIN, which stays in memory only), shown as "Not sent yet — Doorstep will keep trying", and sent again
 *   every few seconds, when the phone comes back online, and on the next Doorstep page opened.
 * - A tap the server refuses (a wrong PIN, the visit moved on) is posted again as an ordinary form, so the
 *   visitor sees the page with its errors exactly as without JavaScript; nothing was saved by the first try.
 *
 * Runs on every signed-in page (from /assets/app.js), so kept taps are sent from wherever the visitor is.
 */

const STORE = 'doorstep.taps'
const RETRY_MS = 5_000
const LOCATION_MS = 3_000
const SEND_TIMEOUT_MS = 20_000

type Note = { text: string; tone: 'sent' | 'pending' | 'problem'; link?: { href: string; text: string } }

const userId = document.body.dataset.user ?? ''
/** PINs of taps not sent yet, by reference: in memory only, never written to the phone. */
const pins = new Map<string, string>()
let memory: Tap[] = []
let storageWorks = true
let notes: Note[] = []
/** The tap just made on this page, with its form (a refusal re-posts the form), and the one waiting for a location. */
let fresh: { ref: string; form: HTMLFormElement } | null = null
let locating: string | null = null
let sendingNow: Tap | null = null
let flushing = false
/** The server last asked for a fresh sign-in: the kept taps wait for it. */
let signedOut = false
/** Something has been typed or ticked in one of the panel's other forms (the entry checklist, more time). */
let typing = false
let retry: ReturnType<typeof setTimeout> | undefined

// ---------------------------------------------------------------- the kept taps

function load(): Tap[] {
  if (!storageWorks) return memory
  try {
    return parseTaps(localStorage.getItem(STORE))
  } catch {
    storageWorks = false
    return memory
  }
}

function store(taps: Tap[]): void {
  memory = taps
  if (!storageWorks) return
  try {
    localStorage.setItem(STORE, JSON.stringify(taps))
  } catch {
    // Storage full or blocked (a private window): the taps are kept in this page's memory instead.
    storageWorks = false
  }
}

const mine = (): Tap[] => load().filter((tap) => tap.userId === userId)
const keep = (tap: Tap): void => store([...load().filter((kept) => kept.ref !== tap.ref), tap])
function forget(ref: string): void {
  store(load().filter((kept) => kept.ref !== ref))
  pins.delete(ref)
}

// ---------------------------------------------------------------- sending

type Sent = { outcome: Outcome; html: string; reason: string }

async function send(tap: Tap): Promise<Sent> {
  // The page's own security token (every signed-in page has one, in the header's sign-out form).
  const token = document.querySelector<HTMLInputElement>('input[name="_csrf"]')?.value
  if (!token) return { outcome: { kind: 'sign-in' }, html: '', reason: '' }
  const body = new URLSearchParams([['_csrf', token], ...tap.fields])
  const pin = pins.get(tap.ref)
  if (pin) body.set('pin', pin)
  try {
    const response = await fetch(tap.url, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'text/html' }, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) })
    // The answer's headers are enough to know what happened; its page may still be lost on the way.
    const html = await response.text().catch(() => '')
    const page = html ? new DOMParser().parseFromString(html, 'text/html') : null
    const answer: Answer = { status: response.status, redirected: response.redirected, url: response.url, heading: page?.querySelector('h1')?.textContent?.trim() ?? '' }
    return { outcome: outcomeOf(answer, tap.visitId), html, reason: reasonIn(page) }
  } catch {
    return { outcome: outcomeOf(null, tap.visitId), html: '', reason: '' }
  }
}

/** Why the server refused: its error summary, or failing that its page's first paragraph. */
function reasonIn(page: Document | null): string {
  const summary = page?.querySelector('.govuk-error-summary__list')?.textContent
  const text = summary ?? page?.querySelector('main p')?.textContent ?? ''
  return text.replace(/\s+/g, ' ').trim()
}

/** A tap from one of the day's forms: kept at once, then sent after any taps still waiting (in the order made). */
async function tapFrom(form: HTMLFormElement): Promise<void> {
  if (form.dataset.sending) return
  form.dataset.sending = 'yes'
  setEnabled(form, false)
  // What the page said about earlier taps gives way to this one (an old "recorded" must not read as this tap's).
  notes = []
  const refInput = form.querySelector<HTMLInputElement>('input[data-tap-ref]')
  const ref = refInput?.value || newRef()
  const pin = new FormData(form).get('pin')
  const tap: Tap = {
    ref,
    userId,
    visitId: form.closest<HTMLElement>('[data-live-visit]')?.dataset.liveVisit ?? '',
    url: form.action,
    fields: fieldsOf(form, ref),
    label: form.dataset.tapLabel ?? 'Your tap',
    done: form.dataset.tapDone ?? 'Recorded.',
    hasPin: typeof pin === 'string' && pin !== '',
  }
  // The next tap on this form is another tap, with its own reference.
  if (refInput) refInput.value = newRef()
  if (typeof pin === 'string' && pin) pins.set(ref, pin)
  fresh = { ref, form }
  // Kept before anything else: if the page closes now, it is sent from the next Doorstep page opened.
  keep(tap)
  if (form.hasAttribute('data-with-location')) {
    locating = ref
    render()
    await addLocation(form)
    locating = null
    if (load().some((kept) => kept.ref === ref)) keep({ ...tap, fields: fieldsOf(form, ref) })
  }
  await flush()
}

/** The form's fields to keep with a tap, under the tap's own reference. */
function fieldsOf(form: HTMLFormElement, ref: string): Array<[string, string]> {
  return [...keptFields(new FormData(form).entries()).filter(([name]) => name !== 'clientRef'), ['clientRef', ref]]
}

/** Sends every kept tap of this person, oldest first, stopping at the first that cannot go yet. */
async function flush(): Promise<void> {
  if (flushing) return
  flushing = true
  clearTimeout(retry)
  retry = undefined
  try {
    for (let tap = mine()[0]; tap && tap.ref !== locating; tap = mine()[0]) {
      sendingNow = tap.ref === fresh?.ref ? tap : null
      render()
      const sent = await send(tap)
      sendingNow = null
      const wasFresh = fresh?.ref === tap.ref
      if (fresh && wasFresh) {
        const { form } = fresh
        fresh = null
        delete form.dataset.sending
        if (sent.outcome.kind === 'refused') {
          // Nothing was saved. Post the form itself, so the page with the errors shows as it does without JavaScript.
          forget(tap.ref)
          form.submit()
          return
        }
      }
      settle(tap, sent, wasFresh)
      if (sent.outcome.kind === 'unsent' || sent.outcome.kind === 'sign-in') break
    }
  } finally {
    flushing = false
    render()
    if (mine().length > 0) retry = setTimeout(() => void flush(), RETRY_MS)
  }
}

/** What a tap's answer changes on the page. */
function settle(tap: Tap, sent: Sent, wasFresh: boolean): void {
  signedOut = sent.outcome.kind === 'sign-in'
  switch (sent.outcome.kind) {
    case 'recorded':
      forget(tap.ref)
      // A tap sent in the background does not wipe what the visitor is filling in; the next tap brings the panel up to date.
      if (wasFresh || !typing) replacePanel(sent.html, tap.visitId)
      note({ text: tap.done, tone: 'sent' }, wasFresh)
      break
    case 'refused':
      forget(tap.ref)
      note({ text: `${tap.label}: not recorded. ${sent.reason || 'Doorstep could not take it.'}`, tone: 'problem', link: { href: `/visits/${tap.visitId}/live`, text: 'Open the day of the visit' } }, wasFresh)
      break
    case 'sign-in':
      notes = notes.filter((n) => n.tone !== 'sent')
      render()
      break
    case 'unsent':
      render()
      break
  }
}

/** Adds a message; `focus`: the tap was just made here, and the button tapped may have gone with the old panel. */
function note(entry: Note, focus: boolean): void {
  notes = [entry, ...notes.filter((n) => n.text !== entry.text)].slice(0, 3)
  render()
  if (focus) document.querySelector<HTMLElement>('[data-tap-status]')?.focus()
}

// ---------------------------------------------------------------- the page

/**
 * The page as the server now has it: each part marked data-live-part (the day's panel, its check-ins)
 * replaced with the one in the answer's page, and what was said about an earlier request (an error
 * summary, a success banner) taken away: it is no longer true.
 */
function replacePanel(html: string, visitId: string): void {
  const current = document.getElementById('live')
  if (!html || !current || current.dataset.liveVisit !== visitId) return
  const fresh = new DOMParser().parseFromString(html, 'text/html')
  if (fresh.getElementById('live')?.dataset.liveVisit !== visitId) return
  for (const part of document.querySelectorAll<HTMLElement>('[data-live-part]')) {
    const replacement = part.id ? fresh.getElementById(part.id) : null
    if (replacement) part.replaceWith(document.adoptNode(replacement))
  }
  for (const stale of document.querySelectorAll('.govuk-error-summary, .govuk-notification-banner--success')) stale.remove()
  document.title = document.title.replace(/^Error: /, '')
  typing = false
  // After a refused tap the address is the form's (a post); make it the day's page again, so reloading is safe.
  if (/^\/visits\/[^/]+\/live\/.+/.test(location.pathname) || /\/(check-ins|alarms)$/.test(location.pathname)) {
    history.replaceState(null, '', `/visits/${visitId}/live`)
  }
  prepare()
}

function setEnabled(form: HTMLFormElement, enabled: boolean): void {
  for (const button of form.querySelectorAll('button')) {
    button.disabled = !enabled
    button.setAttribute('aria-disabled', String(!enabled))
  }
}

/** Each tap form gets its own fresh reference; a form whose tap is still waiting to go cannot be tapped again. */
function prepare(): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[data-tap-ref]')) {
    if (!input.value) input.value = newRef()
  }
  render()
}

function render(): void {
  const waiting = mine()
  const waitingUrls = new Set(waiting.map((tap) => tap.url))
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-tap]')) {
    if (!form.dataset.sending) setEnabled(form, !waitingUrls.has(form.action))
  }
  let region = document.querySelector<HTMLElement>('[data-tap-status]')
  if (!region && (waiting.length > 0 || notes.length > 0)) {
    // A page without the day's panel: say so at the top of the page.
    region = document.createElement('div')
    region.className = 'doorstep-tap-status'
    region.setAttribute('role', 'status')
    region.tabIndex = -1
    region.dataset.tapStatus = ''
    document.querySelector('main')?.prepend(region)
  }
  if (!region) return
  const lines: Note[] = []
  if (sendingNow) lines.push({ text: `${sendingNow.label}: sending…`, tone: 'pending' })
  for (const tap of waiting) {
    if (tap.ref === sendingNow?.ref || tap.ref === locating) continue
    lines.push(
      signedOut || !document.querySelector('input[name="_csrf"]')
        ? {
            text: `${tap.label}: not sent yet — you have been signed out. Sign in again and Doorstep will send it.`,
            tone: 'problem',
            link: { href: `/sign-in?next=${encodeURIComponent(`/visits/${tap.visitId}/live`)}`, text: 'Sign in again' },
          }
        : { text: `${tap.label}: not sent yet — Doorstep will keep trying.`, tone: 'pending' },
    )
  }
  lines.push(...notes)
  if (locating && !sendingNow) lines.unshift({ text: 'Sending…', tone: 'pending' })
  region.replaceChildren(...lines.map(line))
}

function line(entry: Note): HTMLElement {
  const p = document.createElement('p')
  p.className = `govuk-body doorstep-tap-status__line doorstep-tap-status__line--${entry.tone}`
  p.textContent = entry.text
  if (entry.link) {
    const a = document.createElement('a')
    a.className = 'govuk-link'
    a.href = entry.link.href
    a.textContent = entry.link.text
    p.append(' ', a)
  }
  return p
}

/** The phone's location into the form's hidden boxes, if it comes quickly; the tap never waits longer. */
function addLocation(form: HTMLFormElement): Promise<void> {
  if (!('geolocation' in navigator)) return Promise.resolve()
  return new Promise((resolve) => {
    const giveUp = setTimeout(resolve, LOCATION_MS)
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        clearTimeout(giveUp)
        const set = (name: string, value: number | null) => {
          const input = form.querySelector<HTMLInputElement>(`input[data-location="${name}"]`)
          if (input) input.value = value === null ? '' : String(value)
        }
        set('latitude', Number(coords.latitude.toFixed(6)))
        set('longitude', Number(coords.longitude.toFixed(6)))
        // The server takes an accuracy up to 100 km; a vaguer one is left out rather than refused.
        set('accuracy', coords.accuracy <= 100_000 ? Math.round(coords.accuracy) : null)
        resolve()
      },
      () => {
        clearTimeout(giveUp)
        resolve()
      },
      { enableHighAccuracy: true, timeout: LOCATION_MS, maximumAge: 60_000 },
    )
  })
}

// ---------------------------------------------------------------- start

if (userId) {
  document.addEventListener('submit', (event) => {
    const form = event.target
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-tap')) return
    event.preventDefault()
    void tapFrom(form)
  })
  window.addEventListener('online', () => void flush())
  const noteTyping = (event: Event) => {
    const form = (event.target as Element | null)?.closest?.('form')
    if (form && !form.hasAttribute('data-tap') && form.closest('#live')) typing = true
  }
  document.addEventListener('input', noteTyping)
  document.addEventListener('change', noteTyping)
  memory = load()
  prepare()
  if (mine().length > 0) void flush()
}
