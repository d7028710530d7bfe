// BullMQ processors: thin. Each validates its payload and calls into src/. One handler per job name,
// checked when a worker starts.
import { RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import type { App } from '../src/app.js';
import { fanOut, resumeSends } from '../src/delivery/fanout.js';
import { sendBatch } from '../src/delivery/sender.js';
import { bullBatchQueue } from '../src/queue/batch-queue.js';
import { wakeConfirmations } from '../src/queue/confirm-queue.js';
import { confirmationsOwed, sendOwedConfirmations } from '../src/subscribers/confirmation-sender.js';
import { scheduleDeps } from '../src/queue/schedule-jobs.js';
import { enqueue, jobsOfQueue, parsePayload, type JobName, type QueueRole } from '../src/queue/jobs.js';
import { isoWeekOf } from '../src/issues/week.js';
import type { AppWorker } from '../src/queue/connection.js';

// The schedule and render jobs load the planner and the templates (react, react-email) on first use, so a
// process that only sends (`verdicts worker send`) never loads them.
const schedule = () => import('../src/issues/schedule.js');

export type Handler = (job: Job, worker: () => AppWorker) => Promise<unknown>;

export function handlersFor(app: App, role: QueueRole): Partial<Record<JobName, Handler>> {
  const deps = scheduleDeps(app);
  const batches = bullBatchQueue(app.queue('send'));
  const senderDeps = {
    db: app.db,
    mailer: app.mailer,
    gate: app.sendGate,
    sendRate: app.config.sendRate,
    log: app.log,
    emailFrom: app.config.emailFrom,
    publicUrl: app.config.publicUrl,
    tokenSecret: app.config.tokenSecret,
    templates: app.issueTemplates,
    state: app.state,
  };
  const confirmDeps = { db: app.db, mailer: app.mailer, gate: app.sendGate, config: app.config, log: app.log, state: app.state };
  switch (role) {
    case 'schedule':
      return {
        'weekly-tick': async (job) => {
          parsePayload('weekly-tick', job.data);
          // The slot this run belongs to: BullMQ's job scheduler records it as prevMillis.
          const slot = new Date(Number(job.opts.prevMillis ?? job.timestamp));
          const ticked = await (await schedule()).weeklyTick(deps, slot);
          // The weekly sunset pass, once per ISO week of the slot (its job id), on this same queue.
          const afterIssues = app.config.sunsetAfterIssues;
          if (afterIssues > 0) await enqueue(app, 'sunset-readers', { week: isoWeekOf(slot, app.config.scheduleTz), afterIssues });
          return ticked;
        },
        'approval-deadline': async (job) => {
          const p = parsePayload('approval-deadline', job.data);
          return (await schedule()).approvalDeadline(deps, p.week, p.notAfter);
        },
        'sweep-sends': async () => {
          const requeued = await resumeSends(app.db, batches, app.log);
          // Confirmations owed but without a job (lost with a Redis restart, or given up on): wake it.
          // While one waits or runs, this add is deduplicated away.
          const confirmations = await confirmationsOwed(app.db);
          if (confirmations) await wakeConfirmations(app.queue('confirm'), 'sweep');
          // Templates of issues whose send is final, after their grace period.
          const templatesDeleted = await app.issueTemplates.retire();
          return { requeued, confirmations, templatesDeleted };
        },
        'sunset-readers': async (job) => {
          const p = parsePayload('sunset-readers', job.data);
          const { runSunset } = await import('../src/subscribers/sunset.js');
          const r = await runSunset({ db: app.db, log: app.log, confirmQueue: app.queue('confirm') }, { afterIssues: p.afterIssues });
          return { asked: r.asked.length, inactivated: r.inactivated.length, tallied: r.tallied };
        },
        'prune-ledger': async (job) => {
          const p = parsePayload('prune-ledger', job.data);
          const { pruneLedger } = await import('../src/delivery/prune.js');
          return pruneLedger(app.db, app.log, { keepWeeks: p.keepWeeks });
        },
      };
    case 'render':
      return {
        'render-issue': async (job) => {
          const p = parsePayload('render-issue', job.data);
          await (await schedule()).renderJob(deps, p.week, p.scheduled);
        },
        'fan-out': async (job) => {
          const p = parsePayload('fan-out', job.data);
          const r = await fanOut(app.db, batches, app.log, { week: p.week, notAfter: p.notAfter });
          if (r.kind === 'not-ready') throw new UnrecoverableError(r.reason);
          return { result: r.kind };
        },
      };
    case 'send':
      return {
        'send-batch': async (job, worker) => {
          const p = parsePayload('send-batch', job.data);
          const r = await sendBatch(senderDeps, p, { finalAttempt: isFinalAttempt(job) });
          switch (r.kind) {
            case 'done':
              return { sent: r.sent, skipped: r.skipped };
            case 'rate-limited':
              // The whole queue waits; the retry does not count as an attempt.
              await worker().rateLimit(r.retryAfterMs);
              throw new RateLimitError();
            case 'retry':
              throw new Error(r.reason);
            case 'failed':
              throw new UnrecoverableError(r.reason);
          }
        },
      };
    case 'confirm':
      return {
        'send-confirmations': async (job, worker) => {
          parsePayload('send-confirmations', job.data);
          const r = await sendOwedConfirmations(confirmDeps, { finalAttempt: isFinalAttempt(job) });
          switch (r.kind) {
            case 'done':
              // Added while this job runs, so kept as its one follow-up (deduplication's keepLastIfActive).
              if (r.more) await wakeConfirmations(app.queue('confirm'), 'follow-up');
              return { sent: r.sent, requests: r.requests };
            case 'rate-limited':
              await worker().rateLimit(r.retryAfterMs);
              throw new RateLimitError();
            case 'retry':
              throw new Error(r.reason);
          }
        },
      };
  }
}

/** No retry left after this one: a transient failure now becomes a stored one. */
function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Builds the processor of a queue; refuses to start if a job name of that queue has no handler. */
export function processorFor(app: App, role: QueueRole, worker: () => AppWorker) {
  const handlers = handlersFor(app, role);
  for (const name of jobsOfQueue(role)) {
    if (!handlers[name]) throw new Error(`no handler for job "${name}" on the ${role} queue`);
  }
  return async (job: Job) => {
    const handler = handlers[job.name as JobName];
    if (!handler) throw new UnrecoverableError(`unknown job "${job.name}" on the ${role} queue`);
    return handler(job, worker);
  };
}
