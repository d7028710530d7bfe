// The job registry: every queue, every job name, its payload schema, its options and its job id rule,
// in one place, and `enqueue`, the one way any caller adds a job.
// Payloads carry ids and week names only: never addresses, content or secrets.
import { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import type { AppQueue } from './connection.js';
import { VARIANT_KEY } from '../delivery/variants.js';

const week = z.string().regex(/^\d{4}-W\d{2}$/);

// Exponential from 1 s: the 15th attempt comes ~4.5 h after the first, so a provider outage of hours
// delays a batch instead of failing it (Resend keeps idempotency keys for 24 h).
export const SEND_ATTEMPTS = 15;
export const SEND_BACKOFF_MS = 1000;

/** The deduplication id of the confirmation job: at most one waiting and one running (src/queue/confirm-queue.ts). */
export const CONFIRM_DEDUP_ID = 'send-confirmations';
// A short wait before the job starts lets a burst of signups gather into full provider requests (100
// readers each) instead of one request for the first reader; nobody notices a fifth of a second on an email.
export const CONFIRM_COALESCE_MS = 200;

const KEEP = { removeOnComplete: { count: 500 }, removeOnFail: { count: 1000 } };
const ISSUE_STEP = { ...KEEP, attempts: 5, backoff: { type: 'exponential' as const, delay: 2000 } };
const SEND = {
  attempts: SEND_ATTEMPTS,
  backoff: { type: 'exponential' as const, delay: SEND_BACKOFF_MS },
  removeOnComplete: { count: 2000 },
  removeOnFail: { count: 5000 },
};

export const JOBS = {
  /** Fired by the job scheduler: plan, render and (when allowed) start the week's send. */
  'weekly-tick': { queue: 'schedule', payload: z.object({}).passthrough(), options: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
  /** Marks an issue missed if it was not approved by its cut-off. */
  'approval-deadline': {
    queue: 'schedule',
    payload: z.object({ week, notAfter: z.number() }),
    options: { ...KEEP, attempts: 5 },
    jobId: (p: { week: string }) => `deadline-${p.week}`,
    /** Runs at the cut-off itself. */
    delay: (p: { notAfter: number }) => Math.max(0, p.notAfter - Date.now()),
  },
  /** Re-queues batches whose job was lost (Redis restart, stall limit) while rows are still pending. */
  'sweep-sends': { queue: 'schedule', payload: z.object({}).passthrough(), options: { removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } } },
  /** LEDGER_RETENTION_WEEKS set: removes per-reader rows of sent issues older than that, figures kept. */
  'prune-ledger': { queue: 'schedule', payload: z.object({ keepWeeks: z.number().int().min(1) }), options: { removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } } },
  /** Weekly, queued by the weekly tick (SUNSET_AFTER_ISSUES > 0): asks idle readers "still want this?" and
   * makes those who did not answer inactive (src/subscribers/sunset.ts). One per ISO week of the tick. */
  'sunset-readers': {
    queue: 'schedule',
    payload: z.object({ week, afterIssues: z.number().int().min(1) }),
    options: { ...KEEP, attempts: 5, backoff: { type: 'exponential' as const, delay: 2000 } },
    jobId: (p: { week: string }) => `sunset-${p.week}`,
  },
  /** Renders a planned issue and stores its HTML and text. */
  'render-issue': {
    queue: 'render',
    payload: z.object({
      week,
      /** Set when the scheduler asked: after rendering, send (or wait for approval) until this cut-off. */
      scheduled: z.object({ notAfter: z.number() }).nullable(),
    }),
    options: ISSUE_STEP,
    jobId: (p: { week: string }) => `render-${p.week}`,
  },
  /** Fixes the audience, writes the delivery ledger and queues the batches. */
  'fan-out': {
    queue: 'render',
    payload: z.object({
      week,
      trigger: z.enum(['schedule', 'operator', 'approval']),
      /** Scheduled sends do not start after this instant (ms since epoch); the issue is marked missed. */
      notAfter: z.number().nullable(),
    }),
    options: ISSUE_STEP,
    // One per trigger: the scheduled go, the operator's and an editor's late approval are separate jobs.
    jobId: (p: { week: string; trigger: string }) => `fanout-${p.week}-${p.trigger}`,
  },
  /** Sends one batch of at most 100 recipients through the provider. */
  'send-batch': {
    queue: 'send',
    payload: z.object({
      issueId: z.number().int(),
      week,
      batch: z.number().int().min(0),
      /** The topic variant the batch sends ('1-3'); absent for the whole issue (src/delivery/variants.ts). */
      variant: z.string().regex(VARIANT_KEY).optional(),
    }),
    options: SEND,
    jobId: (p: { week: string; batch: number }) => `send-${p.week}-b${p.batch}`,
  },
  /** Sends every confirmation email owed (readers who asked, at most one per ten minutes each), 100 per
   * provider request, until none is owed. One job at a time (deduplicated); who is owed is in Postgres. */
  'send-confirmations': {
    queue: 'confirm',
    payload: z.object({
      /** What woke the job, for the logs only. */
      trigger: z.enum(['signup', 'resend', 'import', 'follow-up', 'sweep', 'confirmed', 'sunset']),
    }),
    // A provider outage delays confirmations rather than dropping them (the same schedule as issue
    // batches); after the last attempt the sweeper wakes the job again while anything is owed. No job id:
    // BullMQ's deduplication keeps one waiting and one running (src/queue/confirm-queue.ts).
    options: { ...SEND, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 }, delay: CONFIRM_COALESCE_MS, deduplication: { id: CONFIRM_DEDUP_ID, keepLastIfActive: true } },
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;
// 'confirm' is a small queue of its own so that a confirmation never waits behind an issue's thousands of
// batches; its worker runs in the send role's processes (it shares the provider and the send-rate gate).
export type QueueRole = 'schedule' | 'render' | 'send' | 'confirm';

export const QUEUE_ROLES: QueueRole[] = ['schedule', 'render', 'send', 'confirm'];

/** Queue names carry a prefix so tests and several deployments can share one Redis. */
export function queueName(prefix: string, role: QueueRole): string {
  return `${prefix}-${role}`;
}

export function jobsOfQueue(role: QueueRole): JobName[] {
  return (Object.keys(JOBS) as JobName[]).filter((n) => JOBS[n].queue === role);
}

/** Validates a job's payload against its schema; a bad payload is a permanent failure. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const parsed = JOBS[name].payload.safeParse(data);
  if (!parsed.success) throw new Error(`job ${name}: bad payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data as JobPayload<N>;
}

// Deterministic job ids: BullMQ refuses ':' and all-digit ids. They keep the queue tidy; the
// delivery ledger in Postgres, not the id, is what prevents a duplicate email.
interface JobDef<P> {
  queue: QueueRole;
  options: JobsOptions;
  jobId?: (p: P) => string;
  delay?: (p: P) => number;
}
const defOf = <N extends JobName>(name: N) => JOBS[name] as unknown as JobDef<JobPayload<N>>;

/** The job id of a payload, for jobs that have one (confirmations are deduplicated instead). */
export function jobIdOf<N extends JobName>(name: N, payload: JobPayload<N>): string | undefined {
  return defOf(name).jobId?.(payload);
}

/** A job name's registered options, e.g. for a job scheduler's template (workers/start.ts). */
export function jobOptions(name: JobName): JobsOptions {
  return defOf(name).options;
}

/** Where jobs go: an App (its queue per role) or anything with the same method. */
export interface JobQueues {
  queue(role: QueueRole): AppQueue;
}

function addArgs<N extends JobName>(name: N, payload: JobPayload<N>): { name: N; data: JobPayload<N>; opts: JobsOptions } {
  const def = defOf(name);
  const jobId = jobIdOf(name, payload);
  return { name, data: payload, opts: { ...def.options, ...(jobId ? { jobId } : {}), ...(def.delay ? { delay: def.delay(payload) } : {}) } };
}

/** Adds a job with its registered options. A job id still held by an ended job (failed for good, or
 * completed) gets a fresh job: BullMQ would silently ignore the add. One still waiting, delayed or
 * running is left alone (adding its id again is a no-op). */
export async function enqueue<N extends JobName>(queues: JobQueues, name: N, payload: JobPayload<N>): Promise<void> {
  await enqueueMany(queues, name, [payload]);
}

const ADD_CHUNK = 1000;

/** `enqueue` for many jobs of one name. `fresh`: their ids cannot have a job yet (saves a lookup each). */
export async function enqueueMany<N extends JobName>(queues: JobQueues, name: N, payloads: JobPayload<N>[], opts: { fresh?: boolean } = {}): Promise<void> {
  const q = queues.queue(JOBS[name].queue);
  for (let i = 0; i < payloads.length; i += ADD_CHUNK) {
    const chunk = payloads.slice(i, i + ADD_CHUNK).map((p) => addArgs(name, p));
    if (!opts.fresh) await Promise.all(chunk.map(async (a) => a.opts.jobId && (await freeEndedJobId(q, a.opts.jobId))));
    if (chunk.length === 1) await q.add(chunk[0]!.name, chunk[0]!.data, chunk[0]!.opts);
    else await q.addBulk(chunk);
  }
}

async function freeEndedJobId(q: AppQueue, jobId: string): Promise<void> {
  const job = await q.getJob(jobId);
  if (!job) return;
  const state = await job.getState();
  if (state === 'failed' || state === 'completed') await q.remove(jobId).catch(() => 0);
}
