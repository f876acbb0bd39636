// @ts-check
/**
 * The office board in the browser (R-ESC-1, R-ESC-2): served as it is at /assets/board.js (no build;
 * `// @ts-check` lets tsc check it), loaded only by /board. The page works without it: it then
 * reloads itself every 20 seconds. With it:
 *
 *  - live updates: an EventSource on /board/events; each change fetches the list again
 *    (GET /board?part=list) and swaps it in, keeping the focus on the same link or button. The list is
 *    also fetched every 20 seconds, so "in 5 minutes" and "overdue by 12 minutes" stay true.
 *    "Live: updated 14:32:05" says when the list last came from Doorstep (Doorstep's clock).
 *  - if the live updates stop (refused, or the server is unreachable), the board says so in red and
 *    keeps fetching the list every 20 seconds, as the page without JavaScript reloads itself; it tries
 *    the live updates again every minute. Signed out: the page reloads, which shows the sign-in page.
 *  - an audible alarm: beeps (Web Audio oscillator) every few seconds while any alarm step on the
 *    board waits to be acknowledged. Browsers refuse to play sound before a person presses something
 *    on the page, so "Turn on alarm sound" shows until sound can play; the choice is remembered
 *    (localStorage), and later any key or click on the page turns it back on. While it beeps,
 *    <body data-alarm-sounding="true">.
 */

const SOUND_CHOICE = 'doorstep.board.alarmSound'
const BEEP_EVERY_MS = 4_000
const RECONNECT_GRACE_MS = 10_000
const RETRY_LIVE_MS = 60_000

const board = /** @type {HTMLElement} */ (document.getElementById('board'))
const liveText = /** @type {HTMLElement} */ (document.getElementById('board-live'))
const soundBox = /** @type {HTMLElement} */ (document.getElementById('board-sound'))
const soundState = /** @type {HTMLElement} */ (document.getElementById('board-sound-state'))
const soundOn = /** @type {HTMLButtonElement} */ (document.getElementById('board-sound-on'))
const soundTest = /** @type {HTMLButtonElement} */ (document.getElementById('board-sound-test'))
const announcer = /** @type {HTMLElement} */ (document.getElementById('board-announce'))
const refreshMs = Number(board.dataset.refreshSeconds || '20') * 1000

const listEl = () => /** @type {HTMLElement} */ (document.getElementById('board-list'))

// ------------------------------------------------------------------ status line

/** @type {'live' | 'reconnecting' | 'polling'} */
let mode = 'EventSource' in window ? 'reconnecting' : 'polling'
let lastGenerated = listEl().dataset.generated || ''

/** @param {string} text @param {boolean} ok */
function setStatus(text, ok) {
  liveText.textContent = text
  liveText.classList.toggle('doorstep-board__live--down', !ok)
  liveText.dataset.state = ok ? mode : 'down'
}

function showStatus() {
  if (mode === 'live') setStatus(`Live: updated ${lastGenerated}`, true)
  else if (mode === 'reconnecting') setStatus(`Connecting to live updates. Updated ${lastGenerated}`, true)
  else setStatus(`Not live: live updates have stopped, so the board checks every ${refreshMs / 1000} seconds. Updated ${lastGenerated}`, false)
}

// ------------------------------------------------------------------ fetching and swapping the list

let fetching = false
let fetchAgain = false
/** @type {number | undefined} */
let soon

function refreshSoon() {
  clearTimeout(soon)
  soon = window.setTimeout(() => void refresh(), 150)
}

async function refresh() {
  if (fetching) {
    fetchAgain = true
    return
  }
  fetching = true
  try {
    const response = await fetch('/board?part=list', { headers: { accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
    const html = await response.text()
    const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('board-list')
    const signedOut = response.redirected && new URL(response.url).pathname === '/sign-in'
    if (signedOut || response.status === 401 || response.status === 403) {
      // Signed out, or no longer allowed: show what a reload shows (the sign-in page, or why not).
      window.location.reload()
      return
    }
    // Anything else (Doorstep busy, a proxy's error page): keep this board and try again.
    if (!response.ok || !fresh) throw new Error(`status ${response.status}`)
    swap(/** @type {HTMLElement} */ (document.adoptNode(fresh)))
    lastGenerated = fresh.dataset.generated || lastGenerated
    showStatus()
  } catch {
    setStatus(`Not live: Doorstep cannot be reached. Still trying. Last updated ${lastGenerated}`, false)
  } finally {
    fetching = false
    if (fetchAgain) {
      fetchAgain = false
      void refresh()
    }
  }
}

/**
 * What identifies a focusable thing across a swap: its id, or its link address and words.
 * @param {Element} element
 */
function keyOf(element) {
  if (element.id) return { id: element.id }
  if (element instanceof HTMLAnchorElement) return { href: element.getAttribute('href') || '', text: element.textContent || '' }
  return null
}

/** @param {HTMLElement} fresh */
function swap(fresh) {
  const old = listEl()
  const before = { alarms: Number(old.dataset.openAlarms || 0), waiting: Number(old.dataset.unacknowledged || 0) }
  const focused = document.activeElement && old.contains(document.activeElement) ? keyOf(document.activeElement) : null
  const hadFocus = document.activeElement !== null && old.contains(document.activeElement)
  old.replaceWith(fresh)
  if (hadFocus) {
    const same =
      focused?.id
        ? document.getElementById(focused.id)
        : focused
          ? [...fresh.querySelectorAll('a')].find((a) => a.getAttribute('href') === focused.href && a.textContent === focused.text)
          : null
    if (same instanceof HTMLElement) same.focus({ preventScroll: true })
    else {
      // What had the focus has gone (an alarm closed): keep it in the list, not lost at the top of the page.
      fresh.tabIndex = -1
      fresh.focus({ preventScroll: true })
    }
  }
  announce(before, { alarms: Number(fresh.dataset.openAlarms || 0), waiting: Number(fresh.dataset.unacknowledged || 0) })
  updateSound()
}

/**
 * Tells screen reader users what changed that matters, and only that.
 * @param {{ alarms: number, waiting: number }} before
 * @param {{ alarms: number, waiting: number }} after
 */
function announce(before, after) {
  if (after.waiting > before.waiting) announcer.textContent = `Alarm: ${after.waiting} ${after.waiting === 1 ? 'step waits' : 'steps wait'} to be acknowledged.`
  else if (after.alarms < before.alarms && after.alarms === 0) announcer.textContent = 'No alarm is open now.'
}

// ------------------------------------------------------------------ live updates

/** @type {EventSource | null} */
let source = null
/** @type {number | undefined} */
let graceTimer

function connect() {
  if (!('EventSource' in window)) return
  source?.close()
  const events = new EventSource('/board/events')
  source = events
  events.addEventListener('open', () => {
    clearTimeout(graceTimer)
    mode = 'live'
    // Whatever changed while the stream was down or being set up.
    void refresh()
  })
  events.addEventListener('change', refreshSoon)
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) {
      // Refused (signed out, not allowed, live updates off): check every 20 seconds; try live again later.
      mode = 'polling'
      showStatus()
      window.setTimeout(connect, RETRY_LIVE_MS)
      return
    }
    // The browser reconnects by itself (the server also ends each stream every few minutes): say so
    // only if it takes a while.
    clearTimeout(graceTimer)
    graceTimer = window.setTimeout(() => {
      if (events.readyState !== EventSource.OPEN) {
        mode = 'polling'
        showStatus()
      }
    }, RECONNECT_GRACE_MS)
    if (mode === 'live') mode = 'reconnecting'
  })
}

// ------------------------------------------------------------------ the alarm sound

/** @type {AudioContext | null} */
let audio = null
/** @type {number | undefined} */
let beepTimer
let beeps = 0

function soundChosen() {
  try {
    return window.localStorage.getItem(SOUND_CHOICE) === 'on'
  } catch {
    return false
  }
}

function audioContext() {
  if (!audio) {
    const Context = window.AudioContext || /** @type {{ webkitAudioContext?: typeof AudioContext }} */ (/** @type {unknown} */ (window)).webkitAudioContext
    if (!Context) return null
    audio = new Context()
    audio.addEventListener('statechange', showSoundState)
  }
  if (audio.state === 'suspended') void audio.resume().catch(() => {})
  return audio
}

function showSoundState() {
  soundBox.hidden = false
  const running = audio !== null && audio.state === 'running'
  soundOn.hidden = running
  soundTest.hidden = !running
  soundState.textContent = running
    ? 'The alarm sound is on: the board beeps every few seconds while an alarm step waits to be acknowledged.'
    : soundChosen()
      ? 'The browser has stopped the alarm sound. Press "Turn on alarm sound", or any key on the page, to hear alarms.'
      : 'The alarm sound is off until you turn it on: browsers do not play sound before you press a button on the page.'
  soundBox.classList.toggle('doorstep-board__sound--off', !running)
}

/** Three short high tones; false when the browser does not let the page play sound. */
function beep() {
  const context = audioContext()
  if (!context || context.state !== 'running') {
    showSoundState()
    return false
  }
  const start = context.currentTime + 0.02
  for (let i = 0; i < 3; i++) {
    const at = start + i * 0.25
    const tone = context.createOscillator()
    const volume = context.createGain()
    tone.type = 'square'
    tone.frequency.setValueAtTime(i === 1 ? 1175 : 880, at)
    volume.gain.setValueAtTime(0.0001, at)
    volume.gain.exponentialRampToValueAtTime(0.3, at + 0.01)
    volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.18)
    tone.connect(volume).connect(context.destination)
    tone.start(at)
    tone.stop(at + 0.2)
  }
  return true
}

/** One beep of the alarm; <body data-alarm-sounding> says whether it is heard. */
function alarmBeep() {
  if (beep()) {
    beeps += 1
    document.body.dataset.alarmSounding = 'true'
    document.body.dataset.alarmBeeps = String(beeps)
  } else {
    document.body.dataset.alarmSounding = 'false'
  }
}

function updateSound() {
  const waiting = Number(listEl().dataset.unacknowledged || 0)
  if (waiting > 0 && beepTimer === undefined) {
    alarmBeep()
    beepTimer = window.setInterval(alarmBeep, BEEP_EVERY_MS)
  } else if (waiting === 0 && beepTimer !== undefined) {
    window.clearInterval(beepTimer)
    beepTimer = undefined
    document.body.dataset.alarmSounding = 'false'
  }
}

soundOn.addEventListener('click', () => {
  try {
    window.localStorage.setItem(SOUND_CHOICE, 'on')
  } catch {
    // Private browsing: the choice lasts as long as the page.
  }
  const context = audioContext()
  void context?.resume().then(() => {
    showSoundState()
    if (beepTimer !== undefined) alarmBeep()
  })
  showSoundState()
})
soundTest.addEventListener('click', () => void beep())

// Once someone chose sound, any key or click on the page lets the browser play it again.
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, () => {
    if (soundChosen() && audio?.state !== 'running') audioContext()
  })
}

// ------------------------------------------------------------------ start

document.body.dataset.alarmSounding = 'false'
if (soundChosen()) audioContext()
showSoundState()
showStatus()
updateSound()
connect()
window.setInterval(() => void refresh(), refreshMs)
