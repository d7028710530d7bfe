// Rolls stored provider events into their delivery rows and the issues' figures, off the webhook's path.
// One process at a time (an advisory lock), a few thousand events per statement. An event whose email id
// no delivery carries yet is parked and retried, its wait doubling (capped), until the sender marks the
// row sent with that id (also a sender restarted after a crash: its replayed batch gets the same ids);
// one that never matches (a confirmation or test email, a stranger) is dropped after PARK_LIMIT and counted.
import type { Logger } from 'pino';
import { inTransaction, type Db } from '../db/pool.js';
import { deliveryEventsFrom } from '../delivery/ledger.js';
import { metrics } from '../metrics.js';
import { ensureEventMonths } from './event-partitions.js';
import { engagedSet } from './sunset.js';

const sql = String.raw;

/** How long an event may wait for its delivery before it is dropped as never matching. */
export const PARK_LIMIT = '3 days';
/** The provider's retry window (Resend retries over about a day): a webhook id is remembered this long. */
export const DEDUPE_WINDOW = '7 days';
const MAX_RETRY_WAIT = '5 minutes';
const ROLLUP_LOCK = 0x7665_7264; // 'verd': the rollup's advisory lock key

// Fresh events in arrival order, plus parked ones whose retry is due and whose delivery now exists. One
// row per email id carries all that the later steps need (its events, its inbox rows, a click's time, a
// suppression), so each step reads it where it is: no step joins two of these CTEs, and the inbox is
// reached by its keys. Linear in the batch even when the planner takes the inbox for empty (its statistics
// after a vacuum, before a burst): the joins this replaced were planned as nested loops, N x N or N x the
// whole inbox (one pass of 5,000 events ran 14 minutes against an inbox of 3,000,000).
// Each delivery gets one jsonb patch per batch (first/last/count per kind merged with what it has); a kind
// new to the row adds its reader to the figure (both in ledger.ts: deliveryEventsFrom).
export const ROLL_UP = sql`
  WITH batch AS (
    (SELECT seq, kind, occurred_at, email_id, suppress_status, suppress_reason FROM provider_event_inbox
     WHERE parked_at IS NULL ORDER BY seq LIMIT $1)
    UNION ALL
    (SELECT seq, kind, occurred_at, email_id, suppress_status, suppress_reason FROM provider_event_inbox
     WHERE parked_at IS NOT NULL AND next_try_at <= now() ORDER BY next_try_at LIMIT $1)),
  emails AS (
    SELECT email_id, array_agg(seq) AS seqs, array_agg(kind) AS kinds, array_agg(occurred_at) AS ats,
      max(occurred_at) FILTER (WHERE kind = 'clicked') AS clicked_at,
      -- A complaint outranks a bounce; seq breaks ties, so status and reason come from the same event.
      (array_agg(suppress_status ORDER BY suppress_status = 'complained' DESC, seq) FILTER (WHERE suppress_status IS NOT NULL))[1] AS suppress_status,
      (array_agg(suppress_reason ORDER BY suppress_status = 'complained' DESC, seq) FILTER (WHERE suppress_status IS NOT NULL))[1] AS suppress_reason
    FROM batch GROUP BY email_id),
  ${deliveryEventsFrom('emails')},
  suppressed AS (
    UPDATE subscribers s SET status = x.status, suppressed_reason = x.reason, updated_at = now()
    FROM (SELECT DISTINCT ON (subscriber_id) subscriber_id, suppress_status AS status, suppress_reason AS reason
          FROM applied WHERE suppress_status IS NOT NULL
          ORDER BY subscriber_id, (suppress_status = 'complained') DESC) x
    WHERE s.id = x.subscriber_id AND s.status <> 'complained' AND NOT (s.status = 'bounced' AND x.status = 'bounced')
    RETURNING s.id),
  -- A click is a sign of life for the sunset (opens are not: machines prefetch them); a reader suppressed
  -- in this same pass is left to that update.
  engaged AS (
    UPDATE subscribers s SET ${engagedSet('x.at')}
    FROM (SELECT subscriber_id, max(clicked_at) AS at FROM applied WHERE clicked_at IS NOT NULL GROUP BY 1) x
    WHERE s.id = x.subscriber_id AND s.id NOT IN (SELECT id FROM suppressed)),
  matched AS (
    DELETE FROM provider_event_inbox WHERE seq = ANY (ARRAY(SELECT unnest(seqs) FROM applied))
    RETURNING seq),
  parked AS (
    UPDATE provider_event_inbox i
    SET parked_at = coalesce(i.parked_at, now()),
        next_try_at = now() + least(interval '${MAX_RETRY_WAIT}', greatest(interval '200 milliseconds', now() - i.received_at))
    WHERE i.seq = ANY (ARRAY(SELECT unnest(seqs) FROM target WHERE row_id IS NULL))
    RETURNING i.seq)
  SELECT (SELECT count(*) FROM batch)::int AS taken, (SELECT count(*) FROM matched)::int AS matched, (SELECT count(*) FROM parked)::int AS parked`;

// By key, for the same reason (the inbox's and the ids' statistics are stale after a burst).
const EXPIRE_PARKED = sql`
  DELETE FROM provider_event_inbox WHERE seq = ANY (ARRAY(
    SELECT seq FROM provider_event_inbox WHERE parked_at IS NOT NULL AND received_at < now() - interval '${PARK_LIMIT}' LIMIT 10000))`;
const EXPIRE_WEBHOOK_IDS = sql`
  DELETE FROM provider_events WHERE id = ANY (ARRAY(
    SELECT id FROM provider_events WHERE received_at < now() - interval '${DEDUPE_WINDOW}' LIMIT 10000))`;
const WAKE_MATCHABLE = sql`
  UPDATE provider_event_inbox i SET next_try_at = now()
  WHERE i.parked_at IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries d WHERE d.provider_message_id = i.email_id)`;
const PARKED = sql`SELECT count(*)::int AS n FROM provider_event_inbox WHERE parked_at IS NOT NULL`;

/** Events per pass: a pass that takes a full batch is followed at once by the next. */
const PASS_LIMIT = 5000;

export interface RollupResult {
  taken: number;
  matched: number;
  parked: number;
}

/** One pass over up to `limit` fresh and `limit` due parked events; null when another process holds the lock. */
export async function rollUpEvents(db: Db, limit = PASS_LIMIT): Promise<RollupResult | null> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [ROLLUP_LOCK]);
    if (!rows[0]!.locked) return null;
    return (await tx.query<RollupResult>(ROLL_UP, [limit])).rows[0]!;
  });
}

/** Creates the event log's coming months, forgets webhook ids past the retry window and drops parked events
 * past the parking limit (counted). */
export async function eventUpkeep(db: Db): Promise<{ unmatched: number; parked: number }> {
  await ensureEventMonths(db);
  const unmatched = (await db.query(EXPIRE_PARKED)).rowCount ?? 0;
  if (unmatched) metrics.providerEventsUnmatched.inc(unmatched);
  await db.query(EXPIRE_WEBHOOK_IDS);
  // Parked events whose delivery got its id while a pass was parking them (see rollUpAll): due now.
  await db.query(WAKE_MATCHABLE);
  const parked = (await db.query<{ n: number }>(PARKED)).rows[0]!.n;
  metrics.providerEventsParked.set(parked);
  return { unmatched, parked };
}

/** Until everything stored so far is rolled up or parked (tests, the bench, a drain before exit). */
export async function rollUpAll(db: Db): Promise<void> {
  for (;;) {
    const r = await rollUpEvents(db);
    if (!r) {
      await new Promise((res) => setTimeout(res, 20));
      continue;
    }
    const fresh = (await db.query(`SELECT 1 FROM provider_event_inbox WHERE parked_at IS NULL LIMIT 1`)).rowCount;
    if (fresh || r.matched > 0) continue;
    // A mark that landed while a pass was parking its events cannot wake them (the pass decided on an
    // older snapshot); they would match at their next try. A drain does not wait for that.
    const matchable = (await db.query(WAKE_MATCHABLE)).rowCount;
    if (!matchable) return;
  }
}

/** While events stream in, passes start at most this often (the admin's progress page polls every 2 s).
 * Each pass plans one statement over every partition of the ledger (milliseconds at 10 issues, more with
 * each one), whatever its size: a pass per stored webhook batch (~30 events in a provider burst) spent a
 * quarter of this machine's two cores on the rollup and held the webhook under 2,000 events/s at 10 issues
 * x 1,000,000 readers. Fewer, larger passes also flush the rollup's WAL in fewer pieces, which the webhook's
 * commits wait behind. */
const MIN_GAP_MS = 1000;

/** The rollup loop of a web process: a pass every second, and soon after a stored batch (at most every MIN_GAP_MS). */
export function startEventRollup(db: Db, log: Logger, opts: { intervalMs?: number } = {}): { nudge(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  let again = false;
  let lastUpkeep = 0;
  let lastStart = 0;
  let dueAt = Infinity;
  const interval = opts.intervalMs ?? 1000;
  const soon = () => Math.max(10, lastStart + MIN_GAP_MS - Date.now());
  const pass = async () => {
    lastStart = Date.now();
    again = false;
    try {
      for (;;) {
        const r = await rollUpEvents(db);
        if (!r || r.taken < PASS_LIMIT) break;
      }
      if (Date.now() - lastUpkeep > 60_000) {
        lastUpkeep = Date.now();
        await eventUpkeep(db);
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'provider event rollup failed; retrying');
    }
  };
  const schedule = (ms: number) => {
    // A nudge never postpones a pass that is due sooner (a steady stream of nudges must not starve it).
    if (stopped || Date.now() + ms >= dueAt) return;
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(() => {
      dueAt = Infinity;
      if (running) {
        again = true;
        return;
      }
      running = pass().finally(() => {
        running = null;
        schedule(again ? soon() : interval);
      });
    }, ms);
    timer.unref();
  };
  schedule(interval);
  return {
    nudge: () => (running ? (again = true) : schedule(soon())),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
