// The delivery ledger: one row per (issue, reader). Written before any job is queued; a row becomes
// 'sent' only after the provider accepted it. Every statement here is safe to run twice.
import type { Queryable } from '../db/pool.js';
import { bumpCounts } from './counts.js';

export { deliveryCounts, type DeliveryCounts } from './counts.js';

export const BATCH_SIZE = 100;

/** The provider request's Idempotency-Key for one batch. A function of the batch alone, so every retry of
 * it, in any process, sends the same key; every log line of the batch carries it. */
export function idempotencyKey(week: string, issueId: number, batch: number): string {
  return `verdicts/${week}/issue-${issueId}/batch-${batch}`;
}

const Q = {
  // The audience is fixed here, once: active readers at this instant, numbered by id into batches of 100.
  // ON CONFLICT keeps a second fan-out (crash and retry) from adding or renumbering anyone.
  fixAudience: `
    WITH changed AS (
      INSERT INTO deliveries (issue_id, subscriber_id, batch_no)
      SELECT $1, id, ((row_number() OVER (ORDER BY id)) - 1) / ${BATCH_SIZE}
      FROM subscribers WHERE status = 'active'
      ON CONFLICT (issue_id, subscriber_id) DO NOTHING
      RETURNING issue_id, batch_no, NULL::text AS old_state, state AS new_state),
    ${bumpCounts('changed')}
    SELECT count(*)::int AS n FROM changed`,
  audienceSummary: `SELECT count(*)::int AS size, coalesce(max(batch_no) + 1, 0)::int AS batches FROM deliveries WHERE issue_id = $1`,
  pendingBatches: `
    SELECT DISTINCT batch_no FROM deliveries
    WHERE issue_id = $1 AND state IN ('queued', 'sending') ORDER BY batch_no`,
  // One statement claims the batch's unstarted rows: readers who left after fan-out are skipped, not sent,
  // the rest become 'sending'. Only rows nobody has started are touched, so a batch that may already have
  // reached the provider keeps exactly the body it was first sent with. Two workers claiming the same
  // batch at once: the second waits on the row locks, then finds nothing 'queued'.
  claim: `
    WITH changed AS (
      UPDATE deliveries d
      SET state = CASE WHEN s.status = 'active' THEN 'sending' ELSE 'skipped' END,
          last_error = CASE WHEN s.status = 'active' THEN d.last_error ELSE 'reader is ' || s.status || ' since fan-out' END,
          updated_at = now()
      FROM subscribers s
      WHERE d.issue_id = $1 AND d.batch_no = $2 AND d.state = 'queued' AND s.id = d.subscriber_id
      RETURNING d.issue_id, d.batch_no, 'queued'::text AS old_state, d.state AS new_state),
    ${bumpCounts('changed')}
    SELECT count(*) FILTER (WHERE new_state = 'skipped')::int AS skipped FROM changed`,
  // The batch's send set, in a fixed order (the same recipients and order on every retry), counting the
  // attempt about to be made.
  attemptSendSet: `
    WITH attempt AS (
      UPDATE deliveries SET attempts = attempts + 1, updated_at = now()
      WHERE issue_id = $1 AND batch_no = $2 AND state = 'sending'
      RETURNING subscriber_id)
    SELECT a.subscriber_id, s.email FROM attempt a JOIN subscribers s ON s.id = a.subscriber_id ORDER BY a.subscriber_id`,
  // batch_no is redundant for correctness but not for speed: without it the planner may read the whole
  // pending index of the issue (its entries for rows already sent linger until vacuum), which at a million
  // readers cost ~150 ms per batch and grew with every batch sent.
  markSent: `
    WITH changed AS (
      UPDATE deliveries d SET state = 'sent', provider_message_id = x.message_id, sent_at = now(), last_error = NULL, updated_at = now()
      FROM unnest($3::bigint[], $4::text[]) AS x(subscriber_id, message_id)
      WHERE d.issue_id = $1 AND d.batch_no = $2 AND d.subscriber_id = x.subscriber_id AND d.state = 'sending'
      RETURNING d.issue_id, d.batch_no, 'sending'::text AS old_state, 'sent'::text AS new_state),
    -- The send's pace for the issue page's chart: accepted messages per minute of sent_at (= now()).
    paced AS (
      SELECT issue_id, batch_no, old_state, new_state FROM changed
      UNION ALL
      SELECT issue_id, batch_no, NULL, 'sent_minute:' || floor(extract(epoch FROM now()) / 60)::bigint FROM changed),
    ${bumpCounts('paced')},
    -- Provider events that came before this mark (parked: their email id was unknown) are due now.
    woken AS (
      UPDATE provider_event_inbox SET next_try_at = now()
      WHERE parked_at IS NOT NULL AND email_id = ANY($4::text[]) AND next_try_at > now())
    SELECT count(*)::int AS n FROM changed`,
  noteError: `
    UPDATE deliveries SET last_error = $3, updated_at = now()
    WHERE issue_id = $1 AND batch_no = $2 AND state = 'sending'`,
  // One UPDATE per prior state: the figures need to know which one each row left.
  markFailed: `
    WITH from_queued AS (
      UPDATE deliveries SET state = 'failed', last_error = $3, updated_at = now()
      WHERE issue_id = $1 AND batch_no = $2 AND state = 'queued'
      RETURNING issue_id, batch_no, 'queued'::text AS old_state, 'failed'::text AS new_state),
    from_sending AS (
      UPDATE deliveries SET state = 'failed', last_error = $3, updated_at = now()
      WHERE issue_id = $1 AND batch_no = $2 AND state = 'sending'
      RETURNING issue_id, batch_no, 'sending'::text AS old_state, 'failed'::text AS new_state),
    changed AS (SELECT * FROM from_queued UNION ALL SELECT * FROM from_sending),
    ${bumpCounts('changed')}
    SELECT count(*)::int AS n FROM changed`,
};

export async function fixAudience(db: Queryable, issueId: number): Promise<{ size: number; batches: number }> {
  await db.query(Q.fixAudience, [issueId]);
  return (await db.query(Q.audienceSummary, [issueId])).rows[0];
}

export async function pendingBatches(db: Queryable, issueId: number): Promise<number[]> {
  return (await db.query<{ batch_no: number }>(Q.pendingBatches, [issueId])).rows.map((r) => r.batch_no);
}

/** Skips departed readers and moves the rest of a batch's untouched rows to 'sending', in one statement. */
export async function claimBatch(db: Queryable, issueId: number, batch: number): Promise<{ skipped: number }> {
  return (await db.query<{ skipped: number }>(Q.claim, [issueId, batch])).rows[0]!;
}

/** The batch's claimed rows, ordered, with the attempt counted. Empty when an earlier run finished it. */
export async function attemptSendSet(db: Queryable, issueId: number, batch: number): Promise<Array<{ subscriber_id: number; email: string }>> {
  return (await db.query(Q.attemptSendSet, [issueId, batch])).rows;
}

export async function markSent(db: Queryable, issueId: number, batch: number, subscriberIds: number[], messageIds: string[]): Promise<number> {
  return (await db.query<{ n: number }>(Q.markSent, [issueId, batch, subscriberIds, messageIds])).rows[0]!.n;
}

export async function noteBatchError(db: Queryable, issueId: number, batch: number, reason: string): Promise<void> {
  await db.query(Q.noteError, [issueId, batch, reason.slice(0, 1000)]);
}

export async function markBatchFailed(db: Queryable, issueId: number, batch: number, reason: string): Promise<number> {
  return (await db.query<{ n: number }>(Q.markFailed, [issueId, batch, reason.slice(0, 1000)])).rows[0]!.n;
}

