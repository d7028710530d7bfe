// The job registry: every queue, every job name, its payload schema and its options, in one place.
// Payloads carry ids and week names only: never addresses, content or secrets.
import { z } from 'zod';

const week = z.string().regex(/^\d{4}-W\d{2}$/);

export const JOBS = {
  /** Fired by the job scheduler: plan, render and (when allowed) start the week's send. */
  'weekly-tick': { queue: 'schedule', payload: z.object({}).passthrough() },
  /** Marks an issue missed if it was not approved by its cut-off. */
  'approval-deadline': { queue: 'schedule', payload: z.object({ week, notAfter: z.number() }) },
  /** Re-queues batches whose job was lost (Redis restart, stall limit) while rows are still pending. */
  'sweep-sends': { queue: 'schedule', payload: z.object({}).passthrough() },
  /** Renders a planned issue and stores its HTML and text. */
  'render-issue': {
    queue: 'render',
    payload: z.object({
      week,
      /** Set when the scheduler asked: after rendering, send (or wait for approval) until this cut-off. */
      scheduled: z.object({ notAfter: z.number() }).nullable(),
    }),
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
  },
  /** Sends one batch of at most 100 recipients through the provider. */
  'send-batch': { queue: 'send', payload: z.object({ issueId: z.number().int(), week, batch: z.number().int().min(0) }) },
  /** Sends every confirmation email owed (readers who asked, at most one per ten minutes each), 100 per
   * provider request, until none is owed. One job at a time (deduplicated); who is owed is in Postgres. */
  'send-confirmations': {
    queue: 'confirm',
    payload: z.object({
      /** What woke the job, for the logs only. */
      trigger: z.enum(['signup', 'resend', 'import', 'follow-up', 'sweep', 'confirmed']),
    }),
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
export const jobIds = {
  render: (w: string) => `render-${w}`,
  fanOut: (w: string) => `fanout-${w}`,
  batch: (w: string, batch: number) => `send-${w}-b${batch}`,
  deadline: (w: string) => `deadline-${w}`,
};

/** The deduplication id of the confirmation job: at most one waiting and one running (src/queue/confirm-queue.ts). */
export const CONFIRM_DEDUP_ID = 'send-confirmations';

// Exponential from 1 s: the 15th attempt comes ~4.5 h after the first, so a provider outage of hours
// delays a batch instead of failing it (Resend keeps idempotency keys for 24 h).
export const SEND_ATTEMPTS = 15;
export const SEND_BACKOFF_MS = 1000;
