// Starting and stopping the queue workers and the weekly schedule. Called by the process entry points
// (`verdicts worker`, `verdicts scheduler`, `npm start`); nothing here runs on import.
import type { App } from '../src/app.js';
import type { AppWorker } from '../src/queue/connection.js';
import { jobOptions, type QueueRole } from '../src/queue/jobs.js';
import { processorFor } from './handlers.js';

// A killed worker's job comes back after about lockDuration + stalledInterval (BullMQ's defaults make
// that ~61 s). The lock is renewed every lockDuration / 2 while a job runs.
const LOCK_DURATION_MS = 10_000;
const STALLED_INTERVAL_MS = 5_000;
// A batch may be interrupted by several crashes in a row; each stall is harmless (the ledger and the
// idempotency key make the rerun safe), so allow many before BullMQ gives up on the job.
const MAX_STALLED = 20;

/** BullMQ's limiter paces job starts loosely (half again the rate, so it never is the bottleneck); the
 * exact spacing of provider requests is the send-rate gate's (src/delivery/rate-gate.ts). The limiter
 * must be set all the same: only then do all workers honour a queue-wide pause after a 429. */
export function limiterFor(rate: number): { max: number; duration: number } {
  const max = Math.max(1, Math.ceil(rate * 1.5));
  return { max, duration: Math.round((1000 * max) / (rate * 1.5)) };
}

// An inline batch in flight holds ~15 MB: the SDK's JSON body of 100 personalised copies of the ~36 KB issue
// (two-byte when the text has characters beyond Latin-1) and its UTF-8 bytes; the copies themselves are
// made while the body is written (src/delivery/personalize.ts). At 32 in flight a sender passed 1 GB of
// memory and sent more slowly (GC); measured by tests/bench/send-bench.ts, 4 in flight fill the provider
// as well as 8. So at most INLINE_IN_FLIGHT of them run at once in a process (src/delivery/sender.ts),
// whatever the worker's concurrency. A templated batch is ~90 KB: its time is round trips (Postgres, the
// gate, the provider), not CPU, so more of them in flight keep the cores busy when the gate does not bind.
// The worker's concurrency is derived from SEND_RATE: up to 4 (which covers 4 requests/s at 1 s of provider
// latency), and beyond 10 requests/s one batch per 2.5 requests/s (400 ms per batch), at most
// MAX_SEND_CONCURRENCY. Not more at low rates: there every batch waits for its slot anyway, and batches that
// start together (the first window of a send) delay each other's requests on the event loop by tens of ms,
// which at R = 10 put 11 arrivals into one second. Beyond that, run more sender processes: they share the
// queue and the gate. On BullMQ's PostgreSQL backend the queue's own commands (fetching, locking, completing
// each job) share the process's pool of 8 connections with the batches' statements: there 4, as before.
const MAX_SEND_CONCURRENCY = { redis: 16, postgres: 4 } as const;

/** Batches one sender process runs at once at this SEND_RATE on this queue backend. */
export function sendConcurrency(rate: number, backend: 'redis' | 'postgres' = 'redis'): number {
  const wanted = Math.max(Math.min(4, Math.max(2, Math.ceil(rate))), Math.ceil(rate / 2.5));
  return Math.min(MAX_SEND_CONCURRENCY[backend], wanted);
}

export interface RunningWorkers {
  workers: AppWorker[];
  close(): Promise<void>;
}

/** The queues a role's processes work on: senders also send the confirmation emails, which share the
 * provider, its rate limit and the send-rate gate with issue batches. */
export function queuesOf(roles: QueueRole[]): QueueRole[] {
  return [...new Set(roles.flatMap((r): QueueRole[] => (r === 'send' ? ['send', 'confirm'] : [r])))];
}

// One confirmation job runs at a time (deduplicated); each of its provider requests carries 100 readers.
// The limiter is there for the queue-wide pause after a 429, which only workers with a limiter honour.
const CONFIRM_WORKER = { concurrency: 1 };

export function startWorkers(app: App, roles: QueueRole[], opts: { sendConcurrency?: number } = {}): RunningWorkers {
  const workers: AppWorker[] = [];
  let closing = false;
  for (const role of queuesOf(roles)) {
    let worker: AppWorker | undefined;
    const processor = processorFor(app, role, () => worker!);
    const common = { lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: MAX_STALLED };
    worker =
      role === 'send'
        ? app.queues.worker(`${app.queuePrefix}-send`, processor, {
            ...common,
            // Enough requests in flight to fill the rate with ~1 s of provider latency (sendConcurrency);
            // the limiter caps the rate across every sender process sharing this queue.
            concurrency: opts.sendConcurrency ?? sendConcurrency(app.config.sendRate, app.queues.kind),
            limiter: limiterFor(app.config.sendRate),
          })
        : role === 'confirm'
          ? app.queues.worker(`${app.queuePrefix}-confirm`, processor, { ...common, ...CONFIRM_WORKER, limiter: limiterFor(app.config.sendRate) })
          : app.queues.worker(`${app.queuePrefix}-${role}`, processor, { ...common, concurrency: role === 'render' ? 2 : 1 });
    worker.on('failed', (job, err) => {
      app.log.warn({ queue: role, job: job?.id, name: job?.name, attemptsMade: job?.attemptsMade, err: err.message }, 'job failed');
    });
    worker.on('error', (err) => {
      // After close, a connection the PostgreSQL backend still held (a worker closed while it was still
      // starting) is cut when Postgres stops: expected at shutdown, nothing to act on.
      if (closing) app.log.debug({ queue: role, err: err.message }, 'worker error after close');
      else app.log.error({ queue: role, err: err.message }, 'worker error');
    });
    workers.push(worker);
  }
  app.log.info({ roles, backend: app.queues.describe }, 'workers started');
  return {
    workers,
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

export const WEEKLY_SCHEDULER_ID = 'weekly-issue';
export const SWEEP_SCHEDULER_ID = 'sweep-sends';
export const PRUNE_SCHEDULER_ID = 'prune-ledger';
const PRUNE_EVERY_MS = 7 * 24 * 3600_000;
const SWEEP_EVERY_MS = 30_000;
// A Redis restart without persistence loses the schedules; re-registering restores them and the sweep
// (an `every` schedule) fires at once, so a lost send resumes within this interval. Repeated upserts of
// an unchanged schedule are no-ops.
const SCHEDULE_REFRESH_MS = 10_000;

/** Registers the weekly schedule and the send sweeper. Idempotent: the same ids update, never duplicate,
 * so any number of scheduler processes may call it, and calling it again restores schedules lost with
 * a Redis restart. */
export async function upsertSchedules(app: App, pattern?: { cron?: string; every?: number }): Promise<void> {
  const q = app.queue('schedule');
  const repeat = pattern?.every ? { every: pattern.every } : { pattern: pattern?.cron ?? app.config.scheduleCron, tz: app.config.scheduleTz };
  await q.upsertJobScheduler(WEEKLY_SCHEDULER_ID, repeat, {
    name: 'weekly-tick',
    data: {},
    opts: jobOptions('weekly-tick'),
  });
  await q.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: SWEEP_EVERY_MS }, {
    name: 'sweep-sends',
    data: {},
    opts: jobOptions('sweep-sends'),
  });
  // Weekly, and once when the scheduler starts; unset retention removes a schedule set before.
  const keepWeeks = app.config.ledgerRetentionWeeks;
  if (keepWeeks) {
    await q.upsertJobScheduler(PRUNE_SCHEDULER_ID, { every: PRUNE_EVERY_MS }, {
      name: 'prune-ledger',
      data: { keepWeeks },
      opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } },
    });
  } else {
    await q.removeJobScheduler(PRUNE_SCHEDULER_ID);
  }
}

/** The scheduler process: keeps the schedules registered and runs the schedule queue. */
export async function startScheduler(app: App, pattern?: { cron?: string; every?: number }): Promise<RunningWorkers> {
  await upsertSchedules(app, pattern);
  const timer = setInterval(() => {
    upsertSchedules(app, pattern).catch((err) => app.log.warn({ err: (err as Error).message }, 'could not refresh schedules'));
  }, SCHEDULE_REFRESH_MS);
  timer.unref();
  const running = startWorkers(app, ['schedule']);
  const next = await app.queue('schedule').getJobScheduler(WEEKLY_SCHEDULER_ID);
  app.log.info({ cron: app.config.scheduleCron, tz: app.config.scheduleTz, next: next?.next ? new Date(next.next).toISOString() : null }, 'schedule registered');
  return {
    workers: running.workers,
    async close() {
      clearInterval(timer);
      await running.close();
    },
  };
}
