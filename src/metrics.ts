// Prometheus metrics of one process (prom-client): what the sender did, what the provider answered, how
// long the queues are. The web process serves them at GET /metrics; worker processes on METRICS_PORT.
// Counters live in this process only: Prometheus sums them across processes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { App } from './app.js';
import { QUEUE_ROLES } from './queue/jobs.js';

export const registry = new Registry();
let defaultsOn = false;

/** Node's own metrics (CPU, memory, event-loop lag, GC), switched on by the first process that serves metrics. */
function ensureDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry });
}

/** Job counts of one queue by state (BullMQ's getJobCounts), read when Prometheus scrapes. */
export type QueueDepthSource = () => Promise<Record<string, Record<string, number>>>;
let queueDepthSource: QueueDepthSource | null = null;
const SCRAPE_TIMEOUT_MS = 2000;

export const metrics = {
  /** Ledger rows that reached a final state, by outcome. */
  deliveries: new Counter({
    name: 'verdicts_deliveries_total',
    help: 'Delivery ledger rows finalised by this process, by outcome (sent, failed, skipped).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  /** Provider requests (issue batches, confirmation batches, test sends: src/delivery/deliver.ts) by what came back. */
  batches: new Counter({
    name: 'verdicts_batches_total',
    help: 'Requests to the provider (issue batches, confirmations, test sends), by result (accepted, rate_limited, transient, permanent).',
    labelNames: ['result'] as const,
    registers: [registry],
  }),
  /** Every provider answer other than acceptance; status is the HTTP status or "network". */
  providerErrors: new Counter({
    name: 'verdicts_provider_errors_total',
    help: 'Provider answers other than acceptance, by kind (rate_limited, transient, permanent) and HTTP status ("network" when none).',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
  }),
  /** Waits for the shared send-rate gate, and pauses the provider asked for. */
  rateLimitWaits: new Counter({
    name: 'verdicts_rate_limit_waits_total',
    help: 'Times a sender waited before a provider request (gate: the shared SEND_RATE spacing; provider_429 and provider_budget: pauses the provider asked for).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  rateLimitWaitSeconds: new Counter({
    name: 'verdicts_rate_limit_wait_seconds_total',
    help: 'Seconds senders spent waiting for the shared send-rate gate.',
    registers: [registry],
  }),
  batchSeconds: new Histogram({
    name: 'verdicts_batch_duration_seconds',
    help: 'One batch from claiming its ledger rows to marking them (includes the rate-gate wait).',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  }),
  /** Full collections the sender runs to keep request bodies' garbage bounded (src/delivery/garbage.ts). */
  senderFullGcSeconds: new Histogram({
    name: 'verdicts_sender_full_gc_seconds',
    help: 'Full garbage collections a sender ran after each ~48 MB of provider request bodies, and how long each took.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  }),
  /** Accepted signups from the form (POST /subscribe). */
  signups: new Counter({
    name: 'verdicts_signups_total',
    help: 'Signups accepted by POST /subscribe.',
    registers: [registry],
  }),
  /** Verified provider webhook events, by event type (email.delivered, email.bounced, …). */
  webhookEvents: new Counter({
    name: 'verdicts_webhook_events_total',
    help: 'Verified provider webhook events, by type.',
    labelNames: ['type'] as const,
    registers: [registry],
  }),
  /** 'error' events of Redis, queue and Postgres connections (src/connection-errors.ts). */
  connectionErrors: new Counter({
    name: 'verdicts_connection_errors_total',
    help: 'Errors reported by long-lived connections (redis, queue, rate-gate, postgres); the clients reconnect by themselves.',
    labelNames: ['source'] as const,
    registers: [registry],
  }),
  /** Provider events refused or left aside by the webhook: malformed, overloaded (503), unknown type. */
  webhookRefused: new Counter({
    name: 'verdicts_webhook_refused_total',
    help: 'Webhook requests not stored as delivery events, by reason (malformed, overloaded, unknown_type).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  /** Parked provider events dropped because no delivery ever got their email id. */
  providerEventsUnmatched: new Counter({
    name: 'verdicts_provider_events_unmatched_total',
    help: 'Provider events dropped after waiting the parking limit for a delivery with their email id.',
    registers: [registry],
  }),
  providerEventsParked: new Gauge({
    name: 'verdicts_provider_events_parked',
    help: 'Provider events waiting for a delivery with their email id (as of the last rollup upkeep).',
    registers: [registry],
  }),
  queueJobs: new Gauge({
    name: 'verdicts_queue_jobs',
    help: 'Jobs in each queue by state, read from the queue backend at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!queueDepthSource) return;
      this.reset();
      const counts = await withTimeout(queueDepthSource(), SCRAPE_TIMEOUT_MS).catch(() => null);
      queueUp.set(counts ? 1 : 0);
      if (!counts) return;
      for (const [queue, byState] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(byState)) this.set({ queue, state }, n);
      }
    },
  }),
};

/** The catalog's runway in weeks (src/catalog/runway.ts), read at scrape time; unset in processes without a database. */
let runwaySource: (() => Promise<number>) | null = null;

export const catalogRunwayWeeks = new Gauge({
  name: 'verdicts_catalog_runway_weeks',
  help: 'Future weekly issues the catalog can still fill (the planner run forward); below 4 the editors are warned.',
  registers: [registry],
  async collect() {
    if (!runwaySource) return;
    const weeks = await withTimeout(runwaySource(), SCRAPE_TIMEOUT_MS).catch(() => null);
    if (weeks !== null) this.set(weeks);
  },
});

/** Where the runway gauge reads from: the web process sets it once. */
export function watchCatalogRunway(source: () => Promise<number>): void {
  runwaySource = source;
}

const queueUp = new Gauge({
  name: 'verdicts_queue_up',
  help: '1 when the queue backend answered the last scrape within 2 s, else 0.',
  registers: [registry],
});

/** Where the queue-depth gauge reads from; each process that has queues sets it once. */
export function watchQueueDepths(source: QueueDepthSource): void {
  queueDepthSource = source;
}

/** Reads the depth of this app's schedule, render and send queues at each scrape. */
export function watchAppQueues(app: Pick<App, 'queue'>): void {
  ensureDefaultMetrics();
  watchQueueDepths(async () => {
    const entries = await Promise.all(
      QUEUE_ROLES.map(async (role) => [role, await app.queue(role).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')] as const),
    );
    return Object.fromEntries(entries);
  });
}

/** The Prometheus text and its content type. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  ensureDefaultMetrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** A bare HTTP server answering GET /metrics, for processes without the web server (workers). */
export async function startMetricsServer(port: number, host = '0.0.0.0'): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    metricsText().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]).finally(() => clearTimeout(timer));
}
