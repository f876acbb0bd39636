import { Counter, register } from 'prom-client'

/**
 * Doorstep's metrics live in prom-client's default registry, so a /metrics route serves them all
 * with `metricsRegistry.metrics()` (content type `metricsRegistry.contentType`). Counters are per
 * process: Prometheus adds up the instances.
 */
export const metricsRegistry = register

/** Failed attempts to send a notification outside Doorstep (each is retried), by channel. */
export const deliveryFailures = new Counter({
  name: 'doorstep_notification_delivery_failures_total',
  help: 'Failed attempts to deliver a notification by email or Web Push (each failed attempt is retried)',
  labelNames: ['channel'] as const,
  registers: [metricsRegistry],
})
