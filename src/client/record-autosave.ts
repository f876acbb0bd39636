/**
 * The visit record saves as you go (R-REC-1, decision 0021). It enhances `form[data-autosave]` on the record
 * page; without JavaScript the form posts as usual with "Save and continue later" or "Complete the record".
 *
 * - A few seconds after the last change (and when the page is hidden: the phone locked, another app opened),
 *   the form is posted as a draft (`intent=autosave`), asking for JSON. The answer carries the record's new
 *   version, which goes into the form, so the next save (by this script or a button) is not refused as stale.
 * - The line under the form says what happened: "Draft saved at 14:32", or why it was not saved (no signal, a
 *   time still being typed, someone else saved first). Nothing typed is lost: it stays in the form.
 */

const DELAY_MS = 3_000

const form = document.querySelector<HTMLFormElement>('form[data-autosave]')
const status = form?.querySelector<HTMLElement>('[data-autosave-status]') ?? null
let timer: ReturnType<typeof setTimeout> | undefined
let changed = false
let saving = false

function say(text: string): void {
  if (status) status.textContent = text
}

function versionField(target: HTMLFormElement): HTMLInputElement {
  let field = target.querySelector<HTMLInputElement>('input[name="version"]')
  if (!field) {
    field = document.createElement('input')
    field.type = 'hidden'
    field.name = 'version'
    target.append(field)
  }
  return field
}

async function save(target: HTMLFormElement): Promise<void> {
  if (saving || !changed) return
  saving = true
  changed = false
  const data = new URLSearchParams()
  for (const [name, value] of new FormData(target)) if (typeof value === 'string' && name !== 'intent') data.append(name, value)
  data.set('intent', 'autosave')
  try {
    const response = await fetch(target.action, { method: 'POST', body: data, headers: { accept: 'application/json' }, credentials: 'same-origin' })
    const answer = (await response.json().catch(() => ({}))) as { saved?: boolean; version?: number; savedAt?: string; errors?: Array<{ message: string }> }
    if (response.ok && answer.saved && answer.version) {
      versionField(target).value = String(answer.version)
      // The time is the server's (its clock), never the phone's.
      say(answer.savedAt ? `Draft saved at ${new Date(answer.savedAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' })}` : 'Draft saved')
    } else {
      changed = true
      say(`Not saved yet: ${answer.errors?.[0]?.message ?? 'Doorstep could not save the draft'}. What you typed is still here.`)
    }
  } catch {
    changed = true
    say('Not saved yet: no signal. What you typed is still here; Doorstep will try again.')
    schedule(target)
  } finally {
    saving = false
  }
}

function schedule(target: HTMLFormElement): void {
  clearTimeout(timer)
  timer = setTimeout(() => void save(target), DELAY_MS)
}

if (form) {
  const target = form
  const touched = () => {
    changed = true
    schedule(target)
  }
  target.addEventListener('input', touched)
  target.addEventListener('change', touched)
  // A button press posts the form as usual: nothing to autosave over it.
  target.addEventListener('submit', () => clearTimeout(timer))
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void save(target)
  })
}
