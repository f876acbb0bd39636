// Doorstep's service worker (served at /sw.js, so its scope is the whole site). It does one thing:
// show an alert that Doorstep pushed (Web Push), and open its link when it is tapped. An alert says
// only which school and that something needs attention; what and where are on the page it opens.
// No caching, no fetch handler: every page still comes from the server.

self.addEventListener('install', () => {
  self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})

/** Only Doorstep's own pages: anything else becomes the home page. */
function sameOrigin(url) {
  try {
    const target = new URL(url, self.location.origin)
    return target.origin === self.location.origin ? target.href : self.location.origin + '/'
  } catch {
    return self.location.origin + '/'
  }
}

self.addEventListener('push', (event) => {
  let message
  try {
    message = (event.data && event.data.json()) || {}
  } catch {
    message = {}
  }
  const title = typeof message.title === 'string' && message.title ? message.title : 'Doorstep: something needs your attention'
  const options = {
    body: typeof message.body === 'string' ? message.body : 'Open Doorstep to see what it is.',
    tag: typeof message.tag === 'string' ? message.tag : undefined,
    renotify: typeof message.tag === 'string',
    // An alarm stays on the screen until someone deals with it.
    requireInteraction: message.urgent === true,
    icon: '/assets/doorstep.svg',
    data: { url: sameOrigin(typeof message.url === 'string' ? message.url : '/') },
  }
  event.waitUntil(self.registration.showNotification(title, options))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = sameOrigin(event.notification.data && event.notification.data.url)
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      for (const client of windows) {
        if (client.url === url && 'focus' in client) return client.focus()
      }
      return self.clients.openWindow(url)
    })(),
  )
})
