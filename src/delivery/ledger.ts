// The delivery ledger: one row per (issue, reader). Written before any job is queued; a row becomes
// 'sent' only after the provider accepted it. Every statement here is safe to run twice.
import type { Queryable } from '../db/pool.js';
import { bumpCounts } from './counts.js';

export { deliveryCounts, type DeliveryCounts } from './counts.js';

export const BATCH_SIZE = 100;
/** A skipped ledger row's reason when none of the reader's topics is in the issue (src/delivery/variants.ts). */
export const NO_TOPICS_IN_ISSUE = 'no-topics-in-issue';
const sql = String.raw;

/** The provider request's Idempotency-Key for one batch. A function of the batch alone, so every retry of
 * it, in any process, sends the same key; every log line of the batch carries it. */
export function idempotencyKey(week: string, issueId: number, batch: number, variant: string | null = null): string {
  // A topic variant's batch names its variant: the key stands for one body (src/delivery/variants.ts).
  return variant === null ? `verdicts/${week}/issue-${issueId}/batch-${batch}` : `verdicts/${week}/issue-${issueId}/variant-${variant}/batch-${batch}`;
}

/** A batch to queue: its number and the topic variant it sends (null: the whole issue). */
export interface BatchRef {
  batch: number;
  variant: string | null;
}

const Q = {
  // The audience is fixed here, once: active readers at this instant, each with the comparisons of their
  // topics (NULL topics: all of them). variant_key is the positions they get ('1-3'), NULL for the whole
  // issue; a reader none of whose topics is in the issue gets a row 'skipped' (no-topics-in-issue), no
  // email. Readers are numbered by id into batches of 100 within their variant, variants one after the
  // other (the whole issue first), so a batch holds one variant: with no topics anywhere this is exactly
  // the numbering by id of before. ON CONFLICT keeps a second fan-out (crash and retry) from adding or
  // renumbering anyone.
  fixAudience: `
    WITH comps AS (SELECT position, category FROM comparisons WHERE issue_id = $1),
    every_key AS (SELECT string_agg(position::text, '-' ORDER BY position) AS k FROM comps),
    readers AS (
      SELECT s.id, s.topics IS NULL OR cardinality(s.topics) = 0 AS everything,
        CASE WHEN s.topics IS NOT NULL THEN (SELECT string_agg(c.position::text, '-' ORDER BY c.position) FROM comps c WHERE c.category = ANY(s.topics)) END AS k
      FROM subscribers s WHERE s.status = 'active'),
    keyed AS (
      SELECT id, NOT everything AND k IS NULL AS nothing,
        CASE WHEN everything OR k = (SELECT k FROM every_key) THEN NULL ELSE k END AS variant_key
      FROM readers),
    numbered AS (
      SELECT id, nothing, variant_key, (row_number() OVER (PARTITION BY nothing, variant_key ORDER BY id) - 1) / ${BATCH_SIZE} AS local_batch
      FROM keyed),
    batched AS (
      SELECT id, nothing, variant_key, (dense_rank() OVER (ORDER BY nothing, variant_key NULLS FIRST, local_batch) - 1)::int AS batch_no
      FROM numbered),
    changed AS (
      INSERT INTO deliveries (issue_id, subscriber_id, batch_no, variant_key, state, last_error)
      SELECT $1, id, batch_no, CASE WHEN nothing THEN NULL ELSE variant_key END,
        CASE WHEN nothing THEN 'skipped' ELSE 'queued' END, CASE WHEN nothing THEN '${NO_TOPICS_IN_ISSUE}' END
      FROM batched
      ON CONFLICT (issue_id, subscriber_id) DO NOTHING
      RETURNING issue_id, batch_no, variant_key, NULL::text AS old_state, state AS new_state),
    ${bumpCounts('changed')}
    SELECT variant_key, count(*)::int AS readers FROM changed WHERE new_state = 'queued' GROUP BY 1 ORDER BY 1 NULLS FIRST`,
  audienceSummary: `
    SELECT count(*)::int AS size,
      -- Batches to send are numbered 0… before the rows of readers with nothing in the issue.
      coalesce(max(batch_no) FILTER (WHERE state <> 'skipped' OR last_error IS DISTINCT FROM '${NO_TOPICS_IN_ISSUE}') + 1, 0)::int AS batches
    FROM deliveries WHERE issue_id = $1`,
  pendingBatches: `
    SELECT DISTINCT batch_no, variant_key FROM deliveries
    WHERE issue_id = $1 AND state IN ('queued', 'sending') ORDER BY batch_no`,
  // The variant a batch's unfinished rows send (one per batch); none when the batch is finished.
  batchVariant: `
    SELECT variant_key FROM deliveries
    WHERE issue_id = $1 AND batch_no = $2 AND state IN ('queued', 'sending') LIMIT 1`,
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
  // Readers of a variant that cannot be sent get the whole issue instead: their batches move as a whole
  // (a batch holds one variant only), so each batch still sends one body.
  toWhole: `UPDATE deliveries SET variant_key = NULL WHERE issue_id = $1 AND variant_key = $2`,
  // Events arrive out of order and more than once: first_at and last_at are the min and max seen. A kind
  // the row did not have yet adds the reader to that figure of the issue.
  eventByRow: sql`
    WITH old AS (
      SELECT issue_id, subscriber_id, batch_no, events ? $1 AS had FROM deliveries
      WHERE issue_id = $3 AND subscriber_id = $4 FOR UPDATE),
    updated AS (
      UPDATE deliveries d SET updated_at = now(), events = d.events || jsonb_build_object($1::text, jsonb_build_object(
          'first_at', least((d.events -> $1 ->> 'first_at')::timestamptz, $2::timestamptz),
          'last_at', greatest((d.events -> $1 ->> 'last_at')::timestamptz, $2::timestamptz),
          'count', coalesce((d.events -> $1 ->> 'count')::int, 0) + 1))
      FROM old WHERE d.issue_id = old.issue_id AND d.subscriber_id = old.subscriber_id
      RETURNING d.subscriber_id),
    changed AS (SELECT issue_id, batch_no, NULL::text AS old_state, 'event:' || $1 AS new_state FROM old WHERE NOT had),
    ${bumpCounts('changed')}
    SELECT subscriber_id FROM updated`,
};

/** Fixes the audience. `variants`: readers queued per variant key (null: the whole issue). */
export async function fixAudience(db: Queryable, issueId: number): Promise<{ size: number; batches: number; variants: Array<{ key: string | null; readers: number }> }> {
  const { rows } = await db.query<{ variant_key: string | null; readers: number }>(Q.fixAudience, [issueId]);
  const summary = (await db.query<{ size: number; batches: number }>(Q.audienceSummary, [issueId])).rows[0]!;
  return { ...summary, variants: rows.map((r) => ({ key: r.variant_key, readers: r.readers })) };
}

export async function pendingBatches(db: Queryable, issueId: number): Promise<BatchRef[]> {
  return (await db.query<{ batch_no: number; variant_key: string | null }>(Q.pendingBatches, [issueId])).rows.map((r) => ({ batch: r.batch_no, variant: r.variant_key }));
}

/** The variant a batch sends, from its unfinished rows (undefined: nothing of it is left to send). */
export async function batchVariant(db: Queryable, issueId: number, batch: number): Promise<string | null | undefined> {
  const { rows } = await db.query<{ variant_key: string | null }>(Q.batchVariant, [issueId, batch]);
  return rows[0] ? rows[0].variant_key : undefined;
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

/** Readers of a variant that cannot be sent get the whole issue instead (src/delivery/variants.ts). */
export async function moveVariantToWhole(db: Queryable, issueId: number, variantKey: string): Promise<void> {
  await db.query(Q.toWhole, [issueId, variantKey]);
}

/**
 * The CTEs of a statement that adds a batch of provider events to their delivery rows
 * (src/subscribers/event-rollup.ts). `emails` must yield a row per email id with its events as two parallel
 * arrays, `kinds` (text[]) and `ats` (timestamptz[]), plus any columns of the caller's (none named issue_id,
 * subscriber_id, batch_no, row_id, patch or new_kinds: `target` adds those). Defines `target`
 * (every row of `emails`, with its delivery when one carries that id: issue_id, subscriber_id, batch_no,
 * row_id NULL when none does, and the delivery's `patch` and `new_kinds`), `applied` (the targets actually
 * updated, every column of `target`), `changed` and the figures' bump: a kind new to a row adds its reader
 * to that figure of the issue.
 *
 * Each step is linear in the batch whatever the planner believes of its size: a queue table's statistics
 * are stale during a burst (an inbox vacuumed empty, then 3,000,000 events: planned as one row), and a join
 * between two CTEs planned for one row each is a nested loop, N x N. So no step joins two CTEs: what a
 * later step needs is carried along in the row, and the delivery is reached by its id, then by its ctid.
 */
export function deliveryEventsFrom(emails: string): string {
  return sql`-- One index probe per email id (and partition), whatever the planner thinks of small partitions.
  target AS (
    SELECT e.*, d.issue_id, d.subscriber_id, d.batch_no, d.row_id,
      (SELECT jsonb_object_agg(g.kind, jsonb_build_object(
          'first_at', least((d.events -> g.kind ->> 'first_at')::timestamptz, g.first_at),
          'last_at', greatest((d.events -> g.kind ->> 'last_at')::timestamptz, g.last_at),
          'count', coalesce((d.events -> g.kind ->> 'count')::int, 0) + g.n))
       FROM (SELECT kind, min(at) AS first_at, max(at) AS last_at, count(*)::int AS n
             FROM unnest(e.kinds, e.ats) AS x(kind, at) GROUP BY kind) g) AS patch,
      ARRAY(SELECT DISTINCT k FROM unnest(e.kinds) k WHERE NOT (d.events ? k)) AS new_kinds
    FROM ${emails} e
    LEFT JOIN LATERAL (
      SELECT issue_id, subscriber_id, batch_no, events, ctid AS row_id FROM deliveries
      WHERE provider_message_id = e.email_id LIMIT 1) d ON true),
  -- Row by row: the ctid within the issue's partition (the others pruned as the loop runs), never a scan.
  -- A row changed meanwhile (it moved: a new ctid) is not updated: its events stay fresh for the next pass.
  applied AS (
    UPDATE deliveries d SET events = d.events || t.patch, updated_at = now()
    FROM target t
    WHERE d.ctid = t.row_id AND d.issue_id = t.issue_id AND d.subscriber_id = t.subscriber_id
    RETURNING t.*),
  changed AS (
    SELECT a.issue_id, a.batch_no, NULL::text AS old_state, 'event:' || k AS new_state FROM applied a, unnest(a.new_kinds) k),
  ${bumpCounts('changed')}`;
}

/** Adds one event of our own (an unsubscribe through the issue's link) to a delivery row; its reader, or null. */
export async function recordDeliveryEvent(db: Queryable, target: { issueId: number; subscriberId: number }, kind: string, at: Date): Promise<number | null> {
  const { rows } = await db.query<{ subscriber_id: number }>(Q.eventByRow, [kind, at, target.issueId, target.subscriberId]);
  return rows[0]?.subscriber_id ?? null;
}
