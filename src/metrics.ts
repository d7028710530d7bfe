// Prometheus metrics of one process (prom-client): what the sender did, what the provider answered, how
// long the queues are. The web process serves them at GET /metrics; worker processes on METRICS_PORT.
// Counters live in this process only: Prometheus sums them across processes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type GaugeConfiguration } from 'prom-client';
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

// A metric family of this process's registry: its name, its help, and its labels (or buckets).
function counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}
function histogram(name: string, help: string, buckets: number[]): Histogram {
  return new Histogram({ name, help, buckets, registers: [registry] });
}
function gauge<L extends string = string>(name: string, help: string, more: Omit<GaugeConfiguration<L>, 'name' | 'help' | 'registers'> = {}): Gauge<L> {
  return new Gauge<L>({ name, help, ...more, registers: [registry] });
}

export const metrics = {
  /** Ledger rows that reached a final state, by outcome. */
  deliveries: counter('verdicts_deliveries_total', 'Delivery ledger rows finalised by this process, by outcome (sent, failed, skipped).', ['outcome']),
  /** Provider requests (issue batches, confirmation batches, test sends: src/delivery/deliver.ts) by what came back. */
  batches: counter('verdicts_batches_total', 'Requests to the provider (issue batches, confirmations, test sends), by result (accepted, rate_limited, transient, permanent).', ['result']),
  /** Every provider answer other than acceptance; status is the HTTP status or "network". */
  providerErrors: counter('verdicts_provider_errors_total', 'Provider answers other than acceptance, by kind (rate_limited, transient, permanent) and HTTP status ("network" when none).', ['kind', 'status']),
  /** Waits for the shared send-rate gate, and pauses the provider asked for. */
  rateLimitWaits: counter('verdicts_rate_limit_waits_total', 'Times a sender waited before a provider request (gate: the shared SEND_RATE spacing; provider_429 and provider_budget: pauses the provider asked for).', ['reason']),
  rateLimitWaitSeconds: counter('verdicts_rate_limit_wait_seconds_total', 'Seconds senders spent waiting for the shared send-rate gate.'),
  batchSeconds: histogram('verdicts_batch_duration_seconds', 'One batch from claiming its ledger rows to marking them (includes the rate-gate wait).', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]),
  /** Full collections the sender runs to keep request bodies' garbage bounded (src/delivery/garbage.ts). */
  senderFullGcSeconds: histogram('verdicts_sender_full_gc_seconds', 'Full garbage collections a sender ran after each ~48 MB of provider request bodies, and how long each took.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25]),
  /** Accepted signups from the form (POST /subscribe). */
  signups: counter('verdicts_signups_total', 'Signups accepted by POST /subscribe.'),
  /** Verified provider webhook events, by event type (email.delivered, email.bounced, …). */
  webhookEvents: counter('verdicts_webhook_events_total', 'Verified provider webhook events, by type.', ['type']),
  /** 'error' events of Redis, queue and Postgres connections (src/connection-errors.ts). */
  connectionErrors: counter('verdicts_connection_errors_total', 'Errors reported by long-lived connections (redis, queue, rate-gate, postgres); the clients reconnect by themselves.', ['source']),
  /** Provider events refused or left aside by the webhook: malformed, overloaded (503), unknown type. */
  webhookRefused: counter('verdicts_webhook_refused_total', 'Webhook requests not stored as delivery events, by reason (malformed, overloaded, unknown_type).', ['reason']),
  /** Parked provider events dropped because no delivery ever got their email id. */
  providerEventsUnmatched: counter('verdicts_provider_events_unmatched_total', 'Provider events dropped after waiting the parking limit for a delivery with their email id.'),
  providerEventsParked: gauge('verdicts_provider_events_parked', 'Provider events waiting for a delivery with their email id (as of the last rollup upkeep).'),
  queueJobs: gauge('verdicts_queue_jobs', 'Jobs in each queue by state, read from the queue backend at scrape time.', {
    labelNames: ['queue', 'state'] as const,
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

// Registered for its collect(): read at scrape time, nothing sets it.
gauge('verdicts_catalog_runway_weeks', 'Future weekly issues the catalog can still fill (the planner run forward); below 4 the editors are warned.', {
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

const queueUp = gauge('verdicts_queue_up', '1 when the queue backend answered the last scrape within 2 s, else 0.');

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
