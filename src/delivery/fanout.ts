// Fan-out: the moment a send starts. The audience is fixed and written to the ledger in the same
// transaction that moves the issue to 'sending'; only then are batch jobs queued.
import type { Logger } from 'pino';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { findIssueForUpdate, markSending, markSentIfDone, sendingIssues, setIssueState, type IssueRow } from '../issues/repo.js';
import * as ledger from './ledger.js';
import { recountIssue } from './counts.js';
import { storeVariants } from './variants.js';
import { metrics } from '../metrics.js';

/** The queue seam: how fan-out hands batches to the sender workers (BullMQ in production). */
export interface BatchQueue {
  /** `fresh`: the batches were numbered just now, so none can have a job yet (saves a lookup per batch).
   * A bare number is a batch of the whole issue. */
  addBatches(issue: { id: number; week: string }, batches: Array<number | ledger.BatchRef>, opts?: { fresh?: boolean }): Promise<void>;
}

export type FanOutResult =
  | { kind: 'started'; issue: IssueRow; audience: number; batches: number; variants: Array<{ key: string | null; readers: number }> }
  | { kind: 'resumed'; issue: IssueRow; batches: number }
  | { kind: 'already-sent'; issue: IssueRow }
  | { kind: 'missed'; issue: IssueRow; reason: string }
  | { kind: 'not-ready'; issue: IssueRow | null; reason: string };

export interface FanOutRequest {
  week: string;
  /** A scheduled send does not start after this instant; an operator's explicit go has no cut-off. */
  notAfter: number | null;
  now?: Date;
}

/** Starts (or resumes) the send of an approved issue. Running it twice never queues anyone twice. */
export async function fanOut(db: Db, queue: BatchQueue, log: Logger, req: FanOutRequest): Promise<FanOutResult> {
  const now = req.now ?? new Date();
  const result = await inTransaction(db, async (tx): Promise<FanOutResult> => {
    const issue = await findIssueForUpdate(tx, req.week);
    if (!issue) return { kind: 'not-ready', issue: null, reason: `no issue planned for ${req.week}` };
    if (issue.state === 'sent') return { kind: 'already-sent', issue };
    if (issue.state === 'sending') return { kind: 'resumed', issue, batches: 0 };
    if (issue.state !== 'approved') return { kind: 'not-ready', issue, reason: `issue ${req.week} is ${issue.state}, not approved` };
    if (req.notAfter !== null && now.getTime() > req.notAfter) {
      const reason = `scheduled send would have started ${Math.round((now.getTime() - req.notAfter) / 3600_000 + 24)} h late (workers down?); an operator can still send it: "verdicts plan --week ${req.week} --force", then "verdicts send --week ${req.week}"`;
      return { kind: 'missed', issue: await setIssueState(tx, issue.id, 'missed', reason), reason };
    }
    const { size, batches, variants } = await ledger.fixAudience(tx, issue.id);
    // Topic variants: rendered, gated and stored with the audience, in the same transaction.
    await storeVariants(tx, issue, variants, log);
    return { kind: 'started', issue: await markSending(tx, issue.id, now, size, batches), audience: size, batches, variants };
  });

  if (result.kind === 'started' || result.kind === 'resumed') {
    // Queue whatever is still pending. After a crash between commit and queueing, the re-run lands here.
    const pending = await ledger.pendingBatches(db, result.issue.id);
    await queue.addBatches(result.issue, pending, { fresh: result.kind === 'started' });
    if (result.kind === 'started') {
      log.info({ week: req.week, audience: result.audience, batches: result.batches, variants: result.variants.length }, 'send started: audience fixed');
      const queued = result.variants.reduce((n, v) => n + v.readers, 0);
      if (result.audience > queued) metrics.deliveries.inc({ outcome: 'skipped' }, result.audience - queued);
      if (result.audience === 0) log.warn({ week: req.week }, 'no active subscribers: the issue is marked sent with nobody to send to');
      await markIssueSentIfDone(db, result.issue.id, log);
    } else {
      log.info({ week: req.week, pendingBatches: pending.length }, 'send resumed');
      return { ...result, batches: pending.length };
    }
  } else if (result.kind === 'missed') {
    log.warn({ week: req.week, reason: result.reason }, 'issue missed');
  }
  return result;
}

/** Closes the issue once no ledger row is pending. Cheap while batches are pending (the counters answer);
 * `ledgerOnly` for the sweep (src/issues/repo.ts, markSentIfDone). */
export async function markIssueSentIfDone(db: Queryable, issueId: number, log: Logger, opts: { ledgerOnly?: boolean } = {}): Promise<boolean> {
  const week = await markSentIfDone(db, issueId, opts);
  if (week) log.info({ week }, 'issue sent: every delivery is final');
  return week !== null;
}

/** Re-queues pending batches of every issue still sending: after a lost queue (Redis restart) or a job
 * that exhausted its stall limit. Adding a batch that is already queued is harmless. */
export async function resumeSends(db: Db, queue: BatchQueue, log: Logger): Promise<number> {
  let queued = 0;
  for (const issue of await sendingIssues(db)) {
    const pending = await ledger.pendingBatches(db, issue.id);
    if (pending.length === 0) {
      // The ledger says final. Counters that still say pending are wrong: repaired, so the figures shown
      // and the per-batch check agree with the rows again.
      if (await markIssueSentIfDone(db, issue.id, log, { ledgerOnly: true })) {
        const c = await ledger.deliveryCounts(db, issue.id);
        if (c.pending > 0) {
          log.warn({ week: issue.week, pending: c.pending }, 'sweep: figures said pending for a finished ledger; recounted');
          await recountIssue(db, issue.id);
        }
      }
      continue;
    }
    await queue.addBatches(issue, pending);
    queued += pending.length;
    log.info({ week: issue.week, pendingBatches: pending.length }, 'sweep: pending batches handed to the queue');
  }
  return queued;
}
