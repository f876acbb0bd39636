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
  await setDeadlines(client, deadlineKinds.map((kind) => ({ ref, kind, at: wakeAt[kind] ?? null })), now)
}

export type DeadlineSetting = { ref: { schoolId: string; visitId: string }; kind: DeadlineKind; at: Date | null }

/**
 * Sets (or, with `at` null, removes) any number of deadlines in one statement: one round trip for a
 * visit's four kinds inside the write path, or for thousands of visits at once. A deadline at `at` on
 * the app's clock runs at the database's clock_timestamp() + (at − now), never earlier than now.
 *
 * graphile-worker's add_job and remove_job are each several statements (and a NOTIFY that wakes idle
 * workers), so only what changes is done: a kind with no job is not removed, and a job already waiting
 * for the same deadline (not started, never tried, due to run within the second before the time worked out
 * now) is left as it is; a clock that jumped (a test's, or an instance's) still moves it. Callers hold the visit's row
 * lock, under which every change to its jobs is made, so what is read here stays true to the commit.
 * The new jobs go in one add_jobs call (add_job is add_jobs with one). (The job's payload is only in
 * graphile-worker's own table, _private_jobs: 0.18's jobs view leaves it out.)
 */
export async function setDeadlines(db: pg.PoolClient | Pool, settings: readonly DeadlineSetting[], now: Date): Promise<void> {
  if (settings.length === 0) return
  const add = settings.filter((s) => s.at !== null)
  const remove = settings.filter((s) => s.at === null).map((s) => deadlineJobKey(s.ref.visitId, s.kind))
  const payloads = add.map(({ ref, kind, at }) => JSON.stringify({ schoolId: ref.schoolId, visitId: ref.visitId, kind, dueAt: at!.toISOString() } satisfies DeadlinePayload))
  const delays = add.map(({ at }) => Math.max(0, at!.getTime() - now.getTime()))
  const keys = add.map(({ ref, kind }) => deadlineJobKey(ref.visitId, kind))
  await db.query({
    // Prepared once per connection: this runs in every live change, and planning it cost as much as running it.
    name: 'doorstep-set-deadlines',
    text: `WITH existing AS (SELECT j.key, j.payload, j.run_at, j.locked_at, j.attempts FROM graphile_worker._private_jobs j
                            WHERE j.key = ANY($4::text[] || $5::text[])),
                wanted AS (SELECT a.key, a.payload, clock_timestamp() + a.delay * interval '1 millisecond' AS run_at
                             FROM unnest($2::text[], $3::float8[], $4::text[]) AS a (payload, delay, key)),
                changed AS (SELECT coalesce(array_agg(ROW($1, w.payload::json, NULL, w.run_at, 1000, w.key, -20, NULL)::graphile_worker.job_spec), '{}') AS specs
                              FROM wanted w
                             WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.key = w.key AND e.locked_at IS NULL AND e.attempts = 0
                                                 AND e.payload::jsonb = w.payload::jsonb
                                                 AND e.run_at BETWEEN w.run_at - interval '1 second' AND w.run_at + interval '50 milliseconds'))
           SELECT (SELECT CASE WHEN cardinality(c.specs) > 0 THEN (SELECT count(*) FROM graphile_worker.add_jobs(c.specs)) ELSE 0 END FROM changed c) AS added,
                  (SELECT count(graphile_worker.remove_job(r.key)) FROM unnest($5::text[]) AS r (key)
                    WHERE r.key IN (SELECT e.key FROM existing e)) AS removed`,
    values: [DEADLINE_TASK, payloads, delays, keys, remove],
  })
}

/**
 * The pool, with `connect` retrying every 100 ms (for up to a minute) while the database answers that it
 * is starting up (57P03). graphile-worker would otherwise wait 3 s or more before its next fetch.
 */
function retryWhileStarting(pool: Pool): Pool {
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>
  const retrying = async (): Promise<pg.PoolClient> => {
    const started = Date.now()
    for (;;) {
      try {
        return await connect()
      } catch (error) {
        if ((error as { code?: unknown }).code !== '57P03' || Date.now() - started > 60_000) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }
  // pg's Pool calls connect with a callback itself (pool.query); graphile-worker awaits it.
  pool.connect = ((callback?: (error: Error | undefined, client?: pg.PoolClient, done?: () => void) => void) => {
    if (!callback) return retrying()
    retrying().then(
      (client) => callback(undefined, client, () => client.release()),
      (error: Error) => callback(error),
    )
  }) as typeof pool.connect
  return pool
}

/** How long a job keeps retrying itself while the database cannot be reached, before it fails as usual. */
const RETRY_CONNECTION_FOR_MS = 5 * 60_000

/**
 * Whether an error means the database could not be reached or dropped the connection (a restart, a
 * failover, a network cut), rather than that the work itself failed.
 */
/** The connections an instance's job runners may hold at most: see startJobRunners. */
export function jobPoolSize(deadlineConcurrency: number): number {
  return deadlineConcurrency + 3 + 5
}

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  // 08xxx connection exceptions; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now;
  // 53300 too many connections (the server is full for a moment: a new connection is tried again).
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code))) return true
  const message = error instanceof Error ? error.message : ''
  return /Connection terminated|not queryable|timeout exceeded when trying to connect/i.test(message)
}

/**
 * A job's handler. `pool` is the runners' own pool, sized for every job of this instance running at
 * once: a storm of deadlines never waits for the connections web requests use, nor the other way round.
 */
export type DeadlineHandler = (payload: DeadlinePayload, job: Job, pool: Pool) => Promise<void>
export type DeliveryHandler = (payload: DeliveryPayload, job: Job, pool: Pool) => Promise<void>

export type JobRunners = {
  stop(): Promise<void>
  /** True while this instance's deadline worker is running (the readiness probe). */
  running(): boolean
}

export type JobRunnerOptions = {
  connectionString: string
  onDeadline: DeadlineHandler
  onDelivery: DeliveryHandler
  /** How often an idle worker pool looks for jobs that have come due (ms). */
  pollInterval?: number
  /** Deadlines handled at once by this instance (default 16), and deliveries (default 8). */
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
 *
 * Tuned with `npm run bench:escalation` (decision 0017): 16 deadline workers; completed jobs marked done
 * together (completeJobBatchDelay 0); each pool fetches due jobs for all its workers in one query into a
 * local queue (graphile-worker's localQueue), and after a fetch that found nothing a pool ignores "new
 * job" nudges for about a poll interval (refetchDelay). graphile-worker's fetch walks every waiting job's
 * index entry (future deadlines included) when nothing is due, and without a local queue every idle
 * worker ran it every poll interval and on every job added anywhere: with 10,000 visits live that was
 * 86% of the database's time (delivery jobs now also sort before deadlines: deliveryJobPriority). The jobs pool retries a connection the database refuses while it starts
 * up (57P03) itself, every 100 ms, so the local queue's one fetch is not put to sleep for graphile-worker's
 * 3 s back-off for that error after a database restart (the fault tests).
 */
export async function startJobRunners(options: JobRunnerOptions): Promise<JobRunners> {
  const deadlineConcurrency = options.deadlineConcurrency ?? 16
  const emailConcurrency = options.emailConcurrency ?? 8
  const pushConcurrency = options.pushConcurrency ?? 8
  // Every deadline of this instance at once (handlers use this pool), the three pools' LISTEN connections,
  // and a few for the deliveries, fetches, completions and heartbeats between them — shared, not one each.
  // With a connection allowed per worker the pool grew to ~35 connections per idle instance, so two
  // instances and a test filled a PostgreSQL server's default 100 and the next instance could not start
  // (decision 0020). Connecting retries while the server is starting up (decision 0017).
  const pool: Pool = retryWhileStarting(createPool(options.connectionString, jobPoolSize(deadlineConcurrency)))
  const pollInterval = options.pollInterval ?? 100
  const poolIds = new Set<string>()
  const events: WorkerEvents = new EventEmitter() as WorkerEvents
  // graphile-worker 0.18 locks a job with its worker *pool's* id (locked_by), not the worker's: the
  // heartbeat must beat for the pools, or a live instance's long job (a slow mail server) would look
  // abandoned after deadAfterMs and be released to run a second time.
  events.on('pool:create', ({ workerPool }) => poolIds.add(workerPool.id))
  events.on('pool:release', ({ workerPool }) => poolIds.delete(workerPool.id))
  events.on('job:error', ({ error }) => options.onError?.(error))

  // A job that fails is retried by graphile-worker after e^attempts seconds (2.7 s, 7.4 s, 20 s, 55 s …):
  // a deadline that came due while the database was restarting would be raised seconds to minutes after
  // the database is back. While the failure is the database connection, the job retries itself quickly.
  const untilConnected = async (work: () => Promise<void>) => {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        if (!isConnectionError(error) || stopped || Date.now() - started > RETRY_CONNECTION_FOR_MS) throw error
        options.onError?.(error)
        await new Promise((resolve) => setTimeout(resolve, Math.min(250, 50 * attempt)))
      }
    }
  }
  const deadlineTask: Task = (payload, helpers) => untilConnected(() => options.onDeadline(payload as DeadlinePayload, helpers.job, pool))
  const deliveryTask: Task = (payload, helpers) =>
    untilConnected(() => options.onDelivery(payload as DeliveryPayload, helpers.job, pool))
  let deadlines: Runner | undefined
  let emails: Runner | undefined
  let pushes: Runner | undefined
  let utils: WorkerUtils | undefined
  let alive = false
  let stopped: Promise<void> | undefined
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
      // A deadline is found by the next poll (every pollInterval) once due; a job just added is nearly
      // always a deadline minutes ahead, so after a fetch that found nothing the nudges are ignored for
      // about a poll interval rather than each costing a fetch.
      preset: { worker: { completeJobBatchDelay: 0, localQueue: { size: deadlineConcurrency, refetchDelay: { durationMs: pollInterval, threshold: 0 } } } },
      taskList: { [DEADLINE_TASK]: deadlineTask },
    })
    const deliveryPollInterval = Math.max(pollInterval, 250)
    const deliveries = (concurrency: number, taskList: Record<string, Task>) =>
      run({
        pgPool: pool,
        logger: quietLogger,
        events,
        noHandleSignals: true,
        pollInterval: deliveryPollInterval,
        concurrency,
        preset: {
          worker: {
            completeJobBatchDelay: 0,
            // An alarm's messages wait at most about a poll interval for a fetch that found nothing before.
            localQueue: { size: concurrency, refetchDelay: { durationMs: deliveryPollInterval, threshold: 0 } },
          },
        },
        taskList,
      })
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
    if (poolIds.size === 0) return
    await pool.query(
      `INSERT INTO worker_heartbeats (worker_id, beat_at) SELECT id, now() FROM unnest($1::text[]) AS id
       ON CONFLICT (worker_id) DO UPDATE SET beat_at = now()`,
      [[...poolIds]],
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
    const dead = rows.map((row) => row.id).filter((id) => !poolIds.has(id))
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
    stop() {
      stopped ??= (async () => {
        alive = false
        for (const timer of timers) clearInterval(timer)
        const ours = [...poolIds]
        await Promise.allSettled([deadlines!.stop(), emails!.stop(), pushes!.stop()])
        // Jobs a pool had fetched into its local queue but not started are meant to be handed back as it
        // stops; graphile-worker 0.18.0 fails to when its queue is waiting for a free worker ("Cannot
        // background something when the queue is already released"). Every worker has stopped, so
        // whatever our pools still hold is not running: unlock it now for the other instances (or
        // the next start), rather than after the dead-worker window.
        await utils!.forceUnlockWorkers(ours).catch((error: unknown) => options.onError?.(error))
        await pool.query('DELETE FROM worker_heartbeats WHERE worker_id = ANY($1)', [ours]).catch(() => {})
        await Promise.resolve(utils!.release()).catch(() => {})
        await pool.end().catch(() => {})
      })()
      return stopped
    },
  }
}
