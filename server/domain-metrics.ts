/** The platform's own Prometheus counters, registered on the app's registry and handed to modules. */
import { Counter, Histogram, type Registry } from 'prom-client';

export function createDomainMetrics(registry: Registry) {
  return {
    webhookDeliveries: new Counter({
      name: 'automitra_webhook_deliveries_total',
      help: 'Provider deliveries stored, by source (webhook, poll, sync, replay)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    webhookVerdicts: new Counter({
      name: 'automitra_webhook_verdicts_total',
      help: 'What the merge made of deliveries: applied, duplicate, stale, orphan, rejected, failed',
      labelNames: ['verdict'] as const,
      registers: [registry],
    }),
    webhookRefused: new Counter({
      name: 'automitra_webhook_refused_total',
      help: 'Webhook requests refused before anything was stored, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    storeDuration: new Histogram({
      name: 'automitra_webhook_store_duration_seconds',
      help: 'Time to store a batch of webhook deliveries before their 202 (its INSERT, and the token lookups it needed)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    mergeDuration: new Histogram({
      name: 'automitra_merge_duration_seconds',
      help: 'Time of one merge transaction (a batch of one or more stored deliveries)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    polls: new Counter({
      name: 'automitra_polls_total',
      help: 'Polls of a call at the provider, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
export type DomainMetrics = ReturnType<typeof createDomainMetrics>;
