/**
 * The load for bench/checkin.ts, in a child process so that making requests does not share the app's
 * JavaScript thread (autocannon only sums up its results on a main thread, so not a worker thread):
 * autocannon against one route, each request a fresh clientRef, and the clientRefs of every request
 * answered 2xx sent back over IPC.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import autocannon from 'autocannon'

export type LoadRequest = {
  address: string
  connections: number
  seconds: number
  /** Check-ins go round these visits; with none, every request goes to the bare INSERT route. */
  visits: Array<{ schoolId: string; visitId: string; token: string }>
}

export type LoadResult = {
  ok: number
  non2xx: number
  errors: number
  duration: number
  latency: { p50: number; p99: number }
  acked: string[]
}

const [request] = (await once(process, 'message')) as [LoadRequest]
const { address, connections, seconds, visits } = request
const acked: string[] = []
let next = 0
const fresh = () => randomBytes(12).toString('base64url')

const result = await autocannon({
  url: address,
  connections,
  duration: seconds,
  requests: [
    {
      method: 'POST',
      setupRequest: (request, context) => {
        const clientRef = fresh()
        ;(context as { clientRef?: string }).clientRef = clientRef
        if (visits.length === 0) return { ...request, path: '/bench/bare-insert', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientRef }) }
        const visit = visits[next++ % visits.length]!
        return {
          ...request,
          path: `/api/v1/schools/${visit.schoolId}/visits/${visit.visitId}/check-ins`,
          headers: { authorization: `Bearer ${visit.token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ clientRef }),
        }
      },
      onResponse: (status, _body, context) => {
        if (status >= 200 && status < 300) acked.push((context as { clientRef: string }).clientRef)
      },
    },
  ],
})
process.send!({
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  duration: result.duration,
  latency: { p50: result.latency.p50, p99: result.latency.p99 },
  acked,
} satisfies LoadResult, () => process.exit(0))
