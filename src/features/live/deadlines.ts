import { EventEmitter } from 'node:events'
import type pg from 'pg'
import { makeWorkerUtils, run, type Job, type Runner, type Task, type WorkerEvents, type WorkerUtils } from 'graphile-worker'
import { quietLogger } from '../../db/migrate.ts'
import { createPool, type Pool } from '../../db/pool.ts'
import { deadlineKinds, type DeadlineKind } from '../../domain/monitoring.ts'
import { DELIVER_TASKS, LEGACY_DELIVER_TASK, type DeliveryPayload } from './notify.ts'

/**
 * Durable deadlines (DESIGN: deadlines are durable). Each pending deadline of a visit — the next
 * reminder, the check-in's overdue time, a wait limit, the next escalation alert — is one
 * graphile-worker job with the key `visit:<id>:<kind>`, written (or removed) in the same transaction
 * as the change that sets it, so a deadline exists exactly when its visit says it should. Jobs live in
 * PostgreSQL: they survive restarts, a deadline that passed while Doorstep was down runs as soon as a
 * worker is back, and any number of app instances share them (a job runs on one worker at a time).
 * The handler re-reads the visit under its row lock and does only what is still due, so a job that
 * runs twice, or late, or after a check-in arrived, does the right thing.
 *
 * Times: a deadline is an instant on the app's clock. It is stored as "this many milliseconds after
 * the database's now", so a test clock that stands still or starts at a fixed moment still schedules
 * sensibly, and an app server whose clock drifts from the database's does not move deadlines.
 */

export const DEADLINE_TASK = 'visit-deadline'

export type DeadlinePayload = { schoolId: string; visitId: string; kind: DeadlineKind; dueAt: string }

export function deadlineJobKey(visitId: string, kind: DeadlineKind): string {
  return `visit:${visitId}:${kind}`
}

/** Sets every kind of deadline a visit has (replacing the old time) and removes the kinds it no longer has. */
export async function scheduleDeadlines(
  client: pg.PoolClient,
  ref: { schoolId: string; visitId: string },
  wakeAt: Partial<Record<DeadlineKind, Date>>,
  now: Date,
): Promise<void> {
  for (const kind of deadlineKinds) {
    const key = deadlineJobKey(ref.visitId, kind)
    const at = wakeAt[kind]
    if (at) {
      const delayMs = Math.max(0, at.getTime() - now.getTime())
      const payload: DeadlinePayload = { schoolId: ref.schoolId, visitId: ref.visitId, kind, dueAt: at.toISOString() }
      await client.query(
        `SELECT graphile_worker.add_job($1, $2::json, run_at => clock_timestamp() + $3 * interval '1 millisecond',
                job_key => $4, job_key_mode => 'replace', max_attempts => 1000, priority => -20)`,
        [DEADLINE_TASK, JSON.stringify(payload), delayMs, key],
      )
    } else {
      await client.query('SELECT graphile_worker.remove_job($1)', [key])
    }
  }
}

export type DeadlineHandler = (payload: DeadlinePayload, job: Job) => Promise<void>
export type DeliveryHandler = (payload: DeliveryPayload, job: Job) => Promise<void>

export type JobRunners = {
  stop(): Promise<void>
  /** True while this instance's deadline worker is running (the readiness probe). */
  running(): boolean
}

export type JobRunnerOptions = {
  connectionString: string
  onDeadline: DeadlineHandler
  onDelivery: DeliveryHandler
  /** How often an idle worker looks for jobs that have come due (ms). */
  pollInterval?: number
  deadlineConcurrency?: number
  /** Emails sent at once by this instance (each may wait up to its SMTP timeouts). */
  emailConcurrency?: number
  /** Web Pushes sent at once by this instance. */
  pushConcurrency?: number
  /** A worker whose heartbeat is older than this (ms) is taken as dead and its jobs released. */
  deadAfterMs?: number
  onError?: (error: unknown) => void
}

/**
 * Three worker pools per instance, so a slow mail server can never hold up an alarm nor anyone's
 * Web Push: one runs only deadlines, one only emails, one only Web Pushes (graphile-worker gives a
 * pool only the tasks in its task list). Each instance beats a heartbeat for its workers; jobs
 * locked by a worker whose heartbeat stopped (a killed instance) are released at once for the
 * others to run, rather than after graphile-worker's four-hour lock timeout.
 */
export async function startJobRunners(options: JobRunnerOptions): Promise<JobRunners> {
  const deadlineConcurrency = options.deadlineConcurrency ?? 8
  const emailConcurrency = options.emailConcurrency ?? 8
  const pushConcurrency = options.pushConcurrency ?? 8
  const pool: Pool = createPool(options.connectionString, deadlineConcurrency + emailConcurrency + pushConcurrency + 8)
  const pollInterval = options.pollInterval ?? 100
  const workerIds = new Set<string>()
  const events: WorkerEvents = new EventEmitter() as WorkerEvents
  events.on('worker:create', ({ worker }) => workerIds.add(worker.workerId))
  events.on('worker:release', ({ worker }) => workerIds.delete(worker.workerId))
  events.on('job:error', ({ error }) => options.onError?.(error))

  const deadlineTask: Task = async (payload, helpers) => options.onDeadline(payload as DeadlinePayload, helpers.job)
  const deliveryTask: Task = async (payload, helpers) => options.onDelivery(payload as DeliveryPayload, helpers.job)
  let deadlines: Runner | undefined
  let emails: Runner | undefined
  let pushes: Runner | undefined
  let utils: WorkerUtils | undefined
  let alive = false
  const timers: NodeJS.Timeout[] = []
  try {
    utils = await makeWorkerUtils({ pgPool: pool, logger: quietLogger })
    deadlines = await run({
      pgPool: pool,
      logger: quietLogger,
      events,
      noHandleSignals: true,
      pollInterval,
      concurrency: deadlineConcurrency,
      taskList: { [DEADLINE_TASK]: deadlineTask },
    })
    const deliveries = (concurrency: number, taskList: Record<string, Task>) =>
      run({ pgPool: pool, logger: quietLogger, events, noHandleSignals: true, pollInterval: Math.max(pollInterval, 250), concurrency, taskList })
    // Jobs queued before each channel had its own task (LEGACY_DELIVER_TASK) go with the emails.
    emails = await deliveries(emailConcurrency, { [DELIVER_TASKS.email]: deliveryTask, [LEGACY_DELIVER_TASK]: deliveryTask })
    pushes = await deliveries(pushConcurrency, { [DELIVER_TASKS.push]: deliveryTask })
  } catch (error) {
    await Promise.allSettled([deadlines?.stop(), emails?.stop()])
    await Promise.resolve(utils?.release()).catch(() => {})
    await pool.end().catch(() => {})
    throw error
  }
  alive = true
  deadlines.promise.catch((error: unknown) => {
    alive = false
    options.onError?.(error)
  })

  const deadAfter = options.deadAfterMs ?? 10_000
  const beat = async () => {
    if (workerIds.size === 0) return
    await pool.query(
      `INSERT INTO worker_heartbeats (worker_id, beat_at) SELECT id, now() FROM unnest($1::text[]) AS id
       ON CONFLICT (worker_id) DO UPDATE SET beat_at = now()`,
      [[...workerIds]],
    )
  }
  const releaseDead = async () => {
    // Workers that stopped beating, and workers that held a lock without ever beating (killed at once).
    const { rows } = await pool.query<{ id: string }>(
      `SELECT worker_id AS id FROM worker_heartbeats WHERE beat_at < now() - $1 * interval '1 millisecond'
       UNION
       SELECT DISTINCT locked_by FROM graphile_worker.jobs
        WHERE locked_by IS NOT NULL AND locked_at < now() - $1 * interval '1 millisecond'
          AND locked_by NOT IN (SELECT worker_id FROM worker_heartbeats)`,
      [deadAfter],
    )
    const dead = rows.map((row) => row.id).filter((id) => !workerIds.has(id))
    if (dead.length === 0) return
    await utils!.forceUnlockWorkers(dead)
    await pool.query('DELETE FROM worker_heartbeats WHERE worker_id = ANY($1)', [dead])
  }
  const every = (ms: number, work: () => Promise<void>) => {
    const timer = setInterval(() => void work().catch((error: unknown) => options.onError?.(error)), ms)
    timer.unref()
    timers.push(timer)
  }
  await beat().catch((error: unknown) => options.onError?.(error))
  every(1_000, beat)
  every(2_000, releaseDead)

  return {
    running: () => alive,
    async stop() {
      alive = false
      for (const timer of timers) clearInterval(timer)
      await Promise.allSettled([deadlines!.stop(), emails!.stop(), pushes!.stop()])
      await pool.query('DELETE FROM worker_heartbeats WHERE worker_id = ANY($1)', [[...workerIds]]).catch(() => {})
      await Promise.resolve(utils!.release()).catch(() => {})
      await pool.end().catch(() => {})
    },
  }
}
