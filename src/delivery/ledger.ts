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
  // One statement claims the batch and counts the attempt about to be made: readers who left after fan-out
  // are skipped, not sent; the batch's other unstarted rows become 'sending'; and every row now 'sending'
  // (claimed now, or by an earlier attempt that may have reached the provider) is this attempt's send set,
  // in a fixed order (the same recipients and order on every retry), with its attempt counted. Rows already
  // 'sending' are never skipped, so a batch that may have reached the provider keeps exactly the body it
  // was first sent with. The rows are locked first (in key order) and their state read there: the figures
  // need the state each row left. Two workers claiming the same batch at once: the second waits on the row
  // locks, then finds the rows 'sending' and sends the same body under the same key (a replay).
  claimAttempt: `
    WITH old AS (
      SELECT subscriber_id, state FROM deliveries
      WHERE issue_id = $1 AND batch_no = $2 AND state IN ('queued', 'sending')
      ORDER BY subscriber_id FOR UPDATE),
    changed AS (
      UPDATE deliveries d
      SET state = CASE WHEN o.state = 'sending' OR s.status = 'active' THEN 'sending' ELSE 'skipped' END,
          last_error = CASE WHEN o.state = 'sending' OR s.status = 'active' THEN d.last_error ELSE 'reader is ' || s.status || ' since fan-out' END,
          attempts = d.attempts + CASE WHEN o.state = 'sending' OR s.status = 'active' THEN 1 ELSE 0 END,
          updated_at = now()
      FROM old o, subscribers s
      WHERE d.issue_id = $1 AND d.batch_no = $2 AND d.subscriber_id = o.subscriber_id AND s.id = d.subscriber_id
      RETURNING d.issue_id, d.batch_no, o.state::text AS old_state, d.state::text AS new_state, d.subscriber_id, s.email),
    moved AS (SELECT issue_id, batch_no, old_state, new_state FROM changed WHERE old_state <> new_state),
    ${bumpCounts('moved')}
    SELECT subscriber_id, email, new_state FROM changed ORDER BY subscriber_id`,
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

/** Claims a batch and counts the attempt, in one statement: departed readers skipped, the rest (and rows an
 * earlier attempt claimed) returned, ordered. Empty `send` when an earlier run finished the batch. */
export async function claimAttempt(db: Queryable, issueId: number, batch: number): Promise<{ skipped: number; send: Array<{ subscriber_id: number; email: string }> }> {
  const { rows } = await db.query<{ subscriber_id: number; email: string; new_state: string }>(Q.claimAttempt, [issueId, batch]);
  const send: Array<{ subscriber_id: number; email: string }> = [];
  let skipped = 0;
  for (const r of rows) {
    if (r.new_state === 'sending') send.push({ subscriber_id: r.subscriber_id, email: r.email });
    else skipped++;
  }
  return { skipped, send };
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

