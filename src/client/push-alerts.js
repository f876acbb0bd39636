// "Turn on alerts on this phone" on the account page: registers Doorstep's service worker (/sw.js),
// subscribes this browser to Web Push with Doorstep's VAPID key (GET /push/key) and gives the
// subscription to Doorstep (POST /push/subscriptions), or turns it off again. Without JavaScript, or
// in a browser without Web Push, the page says where alerts can be turned on instead.

const box = document.querySelector('[data-push-alerts]')
const unsupported = document.querySelector('[data-push-unsupported]')

function bytesOf(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4)
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
}

function sameKey(a, b) {
  if (!a || !b) return false
  const x = new Uint8Array(a)
  return x.length === b.length && x.every((byte, i) => byte === b[i])
}

async function start() {
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return
  const csrf = box.dataset.csrf
  const state = box.querySelector('[data-push-state]')
  const on = box.querySelector('[data-push-on]')
  const off = box.querySelector('[data-push-off]')
  const say = (text) => {
    state.textContent = text
  }
  const send = async (method, body) => {
    const response = await fetch('/push/subscriptions', {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    })
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}))
      throw new Error(problem.detail || `Doorstep answered ${response.status}`)
    }
  }
  const show = (subscribed) => {
    on.hidden = subscribed
    off.hidden = !subscribed
    say(subscribed ? 'Alerts are on on this phone.' : Notification.permission === 'denied' ? 'Alerts are blocked for Doorstep in this browser’s settings. Allow notifications for this site, then turn them on here.' : 'Alerts are off on this phone.')
  }

  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/', type: 'classic' })
  const { publicKey } = await (await fetch('/push/key', { headers: { accept: 'application/json' }, credentials: 'same-origin' })).json()
  const serverKey = bytesOf(publicKey)
  let subscription = await registration.pushManager.getSubscription()
  // A subscription made with another key (Doorstep's keys were replaced) can never work: renew it.
  if (subscription && !sameKey(subscription.options.applicationServerKey, serverKey)) {
    await subscription.unsubscribe()
    subscription = null
  }
  // Tell Doorstep again each time: a browser that renewed its subscription keeps getting alerts.
  if (subscription && Notification.permission === 'granted') await send('POST', subscription.toJSON()).catch(() => {})
  if (unsupported) unsupported.hidden = true
  box.hidden = false
  show(Boolean(subscription) && Notification.permission === 'granted')

  on.addEventListener('click', async () => {
    on.disabled = true
    try {
      if ((await Notification.requestPermission()) !== 'granted') return show(false)
      const ready = await navigator.serviceWorker.ready
      const fresh = await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: serverKey })
      await send('POST', fresh.toJSON())
      show(true)
    } catch (error) {
      say(`Alerts could not be turned on: ${error.message}`)
    } finally {
      on.disabled = false
    }
  })

  off.addEventListener('click', async () => {
    off.disabled = true
    try {
      const current = await registration.pushManager.getSubscription()
      if (current) {
        await send('DELETE', { endpoint: current.endpoint })
        await current.unsubscribe()
      }
      show(false)
    } catch (error) {
      say(`Alerts could not be turned off: ${error.message}`)
    } finally {
      off.disabled = false
    }
  })
}

start().catch((error) => {
  if (box) {
    box.hidden = false
    const state = box.querySelector('[data-push-state]')
    if (state) state.textContent = `Alerts cannot be turned on in this browser: ${error.message}`
  }
})
