import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Clock } from '../clock.ts'
import type { Pool } from '../db/pool.ts'
import type { DeadlineKind } from '../domain/monitoring.ts'

/**
 * What an operator watches (Prometheus text format at GET /metrics), one registry per app instance:
 * tests build many apps in one process, and each must count only its own.
 *
 * Nothing here names a school, a person or a place: the only labels are the kind of deadline and the
 * delivery channel. Two kinds of figure:
 *   - this instance's own: how late its deadline jobs ran, its failed deliveries, whether its deadline
 *     worker runs. Add them up across instances.
 *   - the whole database's, read at each scrape: open alarms, the oldest unacknowledged step, deliveries
 *     failing now. Every instance reports the same value: take the max across instances, not the sum.
 */

export type Metrics = {
  registry: Registry
  /** Seconds from a deadline's due time to the moment its job handler committed. */
  deadlineLateness: Histogram<'kind'>
  /** Delivery attempts (email, push) that failed on this instance; each is retried. */
  notificationFailures: Counter<'channel'>
}

export type MetricsSources = {
  pool: Pool
  clock: Clock
  /** Whether this instance's deadline worker runs (null: it has none). */
  workerRunning: () => boolean | null
}

const channels = ['email', 'push'] as const

export function createMetrics({ pool, clock, workerRunning }: MetricsSources): Metrics {
  const registry = new Registry()

  const deadlineLateness = new Histogram({
    name: 'doorstep_deadline_lateness_seconds',
    help: 'How late a visit deadline (reminder, check-in, wait limit, escalation step) was handled: from its due time to its job committing, on this instance.',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  })

  const notificationFailures = new Counter({
    name: 'doorstep_notification_failures_total',
    help: 'Delivery attempts of alerts and reminders that failed on this instance, by channel (each is retried).',
    labelNames: ['channel'] as const,
    registers: [registry],
  })
  for (const channel of channels) notificationFailures.inc({ channel }, 0)

  new Gauge({
    name: 'doorstep_open_alarms',
    help: 'Alarms not yet closed by someone confirming the visitors are safe, in the whole database.',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM alarms WHERE closed_at IS NULL')
      this.set(rows[0]!.n)
    },
  })

  new Gauge({
    name: 'doorstep_oldest_unacknowledged_step_seconds',
    help: 'How long the longest-waiting alerted escalation step of an open alarm has gone unacknowledged (0 when none), in the whole database.',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ oldest: Date | null }>(
        `SELECT min(s.alerted_at) AS oldest FROM alarm_steps s JOIN alarms a ON a.id = s.alarm_id
          WHERE a.closed_at IS NULL AND s.acknowledged_at IS NULL AND s.alerted_at IS NOT NULL`,
      )
      const oldest = rows[0]?.oldest
      this.set(oldest ? Math.max(0, (clock().getTime() - oldest.getTime()) / 1000) : 0)
    },
  })

  new Gauge({
    name: 'doorstep_notification_deliveries_failing',
    help: 'Deliveries whose latest attempt failed and that have not been sent since, by channel, in the whole database.',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ channel: string; n: number }>(
        `SELECT channel, count(*)::int AS n FROM notification_deliveries WHERE status = 'failed' GROUP BY channel`,
      )
      for (const channel of channels) this.set({ channel }, rows.find((row) => row.channel === channel)?.n ?? 0)
    },
  })

  new Gauge({
    name: 'doorstep_deadline_worker_running',
    help: "1 while this instance's deadline worker runs, 0 when it has stopped or this instance runs none.",
    registers: [registry],
    collect() {
      this.set(workerRunning() ? 1 : 0)
    },
  })

  return { registry, deadlineLateness, notificationFailures }
}

/** Records how late a deadline's job ran. Never negative: a job that ran a little early counts as on time. */
export function observeLateness(metrics: Metrics, kind: DeadlineKind, dueAt: string, now: Date): void {
  const due = Date.parse(dueAt)
  if (Number.isNaN(due)) return
  metrics.deadlineLateness.observe({ kind }, Math.max(0, (now.getTime() - due) / 1000))
}
