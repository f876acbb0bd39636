import pg from 'pg'
import { LIVE_CHANNEL } from './write-path.ts'

/**
 * Live updates for the office board across app instances (DESIGN: live updates). Every change to a
 * visit's day ends its transaction with pg_notify, which PostgreSQL delivers only on commit; each
 * instance keeps one connection LISTENing and passes each change to the boards of that school open
 * on it (Server-Sent Events). A dropped connection reconnects, and boards are told to reload, so a
 * change made while the connection was down is not missed.
 */
export type LiveChange = { schoolId: string; visitId: string | null }
export type LiveListener = (change: LiveChange) => void

export type LiveChannel = {
  subscribe(schoolId: string, listener: LiveListener): () => void
  close(): Promise<void>
}

export async function listenForLiveChanges(connectionString: string, onError: (error: unknown) => void = () => {}): Promise<LiveChannel> {
  const listeners = new Map<string, Set<LiveListener>>()
  let client: pg.Client | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined

  const dispatch = (change: LiveChange) => {
    for (const listener of listeners.get(change.schoolId) ?? []) listener(change)
  }
  const everyone = () => {
    for (const schoolId of listeners.keys()) dispatch({ schoolId, visitId: null })
  }
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString, application_name: 'doorstep-live' })
    next.on('notification', (message) => {
      try {
        const change = JSON.parse(message.payload ?? '{}') as LiveChange
        if (typeof change.schoolId === 'string') dispatch({ schoolId: change.schoolId, visitId: change.visitId ?? null })
      } catch (error) {
        onError(error)
      }
    })
    next.on('error', (error) => {
      onError(error)
      reconnect()
    })
    await next.connect()
    await next.query(`LISTEN ${LIVE_CHANNEL}`)
    client = next
  }
  const reconnect = () => {
    if (closed || retry) return
    const old = client
    client = undefined
    void old?.end().catch(() => {})
    retry = setTimeout(() => {
      retry = undefined
      connect().then(everyone, (error: unknown) => {
        onError(error)
        reconnect()
      })
    }, 1_000)
    retry.unref()
  }
  await connect()
  return {
    subscribe(schoolId, listener) {
      const set = listeners.get(schoolId) ?? new Set<LiveListener>()
      set.add(listener)
      listeners.set(schoolId, set)
      return () => {
        set.delete(listener)
        if (set.size === 0) listeners.delete(schoolId)
      }
    },
    async close() {
      closed = true
      if (retry) clearTimeout(retry)
      await client?.end().catch(() => {})
    },
  }
}
