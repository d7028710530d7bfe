// An issue's figures, kept where its ledger rows change instead of counted per request: the admin list,
// the issue page, progress.json, `verdicts status` and `send --wait` read a few rows of issue_counts
// whatever the size of the ledger. Every write of a delivery's state or of its first event of a kind goes
// through the SQL here, in the same statement as the change, so a figure is never ahead of or behind its
// rows. recountIssue() is the repair (and what the tests compare against).
import type { Queryable } from '../db/pool.js';

const sql = String.raw;

/** Event kinds counted as "readers with at least one such event" (the status JSON's `events`). */
export const EVENT_KINDS = ['sent', 'delivered', 'delivery_delayed', 'opened', 'clicked', 'bounced', 'complained', 'failed', 'suppressed'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface DeliveryCounts {
  to_send: number;
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
}
export type EventCounts = Record<EventKind, number>;
export interface IssueFigures extends DeliveryCounts {
  events: EventCounts;
}

/**
 * A CTE that adds the changes of `changed` to the figures. `changed` must yield
 * (issue_id, batch_no, old_state, new_state): old_state NULL for a new row, and a state name or
 * 'event:<kind>' for each. Rows are grouped first (one upsert per figure), in key order, so two statements
 * bumping the same figures lock them in the same order.
 */
export function bumpCounts(changed: string): string {
  return sql`
    bump AS (
      INSERT INTO issue_counts (issue_id, name, shard, n)
      SELECT issue_id, name, shard, sum(delta) FROM (
        SELECT issue_id, old_state AS name, (batch_no % 8)::smallint AS shard, -1 AS delta FROM ${changed} WHERE old_state IS NOT NULL
        UNION ALL
        SELECT issue_id, new_state, (batch_no % 8)::smallint, 1 FROM ${changed}) x
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (issue_id, name, shard) DO UPDATE SET n = issue_counts.n + EXCLUDED.n)`;
}

const FIGURES = sql`SELECT issue_id, name, sum(n)::bigint AS n FROM issue_counts WHERE issue_id = ANY($1::bigint[]) GROUP BY 1, 2`;

function emptyFigures(): IssueFigures {
  return { to_send: 0, sent: 0, failed: 0, skipped: 0, pending: 0, events: Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as EventCounts };
}

/** The figures of several issues at once (the admin list): one index range per issue. */
export async function issueFigures(db: Queryable, issueIds: number[]): Promise<Map<number, IssueFigures>> {
  const out = new Map<number, IssueFigures>(issueIds.map((id) => [id, emptyFigures()]));
  if (issueIds.length === 0) return out;
  const { rows } = await db.query<{ issue_id: number; name: string; n: number }>(FIGURES, [issueIds]);
  for (const r of rows) {
    const f = out.get(r.issue_id)!;
    const n = Number(r.n);
    if (r.name.startsWith('event:')) {
      const kind = r.name.slice(6) as EventKind;
      if (kind in f.events) f.events[kind] = n;
      continue;
    }
    if (r.name.includes(':')) continue;
    f.to_send += n;
    if (r.name === 'queued' || r.name === 'sending') f.pending += n;
    else if (r.name === 'sent' || r.name === 'failed' || r.name === 'skipped') f[r.name] += n;
  }
  return out;
}

export async function deliveryCounts(db: Queryable, issueId: number): Promise<DeliveryCounts> {
  const { events: _events, ...counts } = (await issueFigures(db, [issueId])).get(issueId)!;
  return counts;
}

// What the figures should be, from the rows themselves: a full read of the issue's ledger, plus what the
// rows of forgotten readers contributed (kept as 'forgotten:<figure>' when they were erased).
const RECOUNT = sql`
  SELECT name, shard, sum(n)::bigint AS n FROM (
    SELECT state AS name, (batch_no % 8)::smallint AS shard, count(*)::bigint AS n FROM deliveries WHERE issue_id = $1 GROUP BY 1, 2
    UNION ALL
    SELECT 'event:' || k, (batch_no % 8)::smallint, count(*)::bigint
    FROM deliveries CROSS JOIN LATERAL jsonb_object_keys(events) AS k WHERE issue_id = $1 GROUP BY 1, 2
    UNION ALL
    SELECT 'sent_minute:' || floor(extract(epoch FROM sent_at) / 60)::bigint, (batch_no % 8)::smallint, count(*)::bigint
    FROM deliveries WHERE issue_id = $1 AND sent_at IS NOT NULL GROUP BY 1, 2
    UNION ALL
    SELECT substr(name, 11), shard, n FROM issue_counts WHERE issue_id = $1 AND name LIKE 'forgotten:%') x
  GROUP BY 1, 2`;

/**
 * Before a reader is erased (`verdicts subscribers forget`; the delivery rows go with the reader): the
 * figures are historical totals, so an issue sent to N readers stays sent to N, as after a prune. What the
 * reader's rows counted is kept as 'forgotten:<figure>' (no reader id) so a recount still agrees, and a
 * row that was still pending counts as skipped from then on: it will never be sent, and the issue's
 * progress must still reach 100 %. Takes the reader's rows by the subscriber index, locked (a sender
 * marking one of them waits, then finds it gone).
 */
export const FORGET_READER_FIGURES = sql`
  WITH gone AS (
    SELECT d.issue_id, d.batch_no, CASE WHEN d.state IN ('queued', 'sending') THEN 'skipped' ELSE d.state END AS state,
           d.state AS was, d.sent_at, d.events
    FROM deliveries d WHERE d.subscriber_id = ANY($1::bigint[]) FOR UPDATE),
  figures AS (
    SELECT issue_id, batch_no, state AS name FROM gone
    UNION ALL SELECT issue_id, batch_no, 'event:' || k FROM gone CROSS JOIN LATERAL jsonb_object_keys(events) AS k
    UNION ALL SELECT issue_id, batch_no, 'sent_minute:' || floor(extract(epoch FROM sent_at) / 60)::bigint FROM gone WHERE sent_at IS NOT NULL),
  changed AS (SELECT issue_id, batch_no, was AS old_state, state AS new_state FROM gone WHERE was <> state),
  ${bumpCounts('changed')},
  kept AS (
    INSERT INTO issue_counts (issue_id, name, shard, n)
    SELECT issue_id, 'forgotten:' || name, (batch_no % 8)::smallint, count(*) FROM figures GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (issue_id, name, shard) DO UPDATE SET n = issue_counts.n + EXCLUDED.n)
  SELECT count(*)::int AS rows FROM gone`;

const MINUTES = sql`
  SELECT substr(name, 13)::bigint AS minute, sum(n)::bigint AS n FROM issue_counts
  WHERE issue_id = $1 AND name LIKE 'sent\_minute:%' GROUP BY 1 ORDER BY 1`;

/** Accepted messages per minute of the send (epoch minutes), for the issue page's chart. */
export async function sentPerMinute(db: Queryable, issueId: number): Promise<Array<{ minute: number; n: number }>> {
  return (await db.query<{ minute: string; n: string }>(MINUTES, [issueId])).rows.map((r) => ({ minute: Number(r.minute), n: Number(r.n) }));
}

// Readers who got this issue and left before the next issue started sending: the readers who left in
// that window (a handful), each checked against the ledger by primary key. The LATERAL ... LIMIT 1 keeps
// it a probe per leaver: written as EXISTS, the planner, misled by a fresh partition's missing statistics,
// turned it into a semi-join that reads the issue's whole partition (2.4 s per issue page at 200,000
// readers, against 0.05 ms).
export const UNSUBSCRIBED_AFTER = sql`
  SELECT count(*)::int AS n
  FROM subscribers s
  CROSS JOIN LATERAL (SELECT 1 FROM deliveries d WHERE d.issue_id = $1 AND d.subscriber_id = s.id AND d.state = 'sent' LIMIT 1) got
  WHERE s.unsubscribed_at >= $2
    AND s.unsubscribed_at < coalesce((SELECT min(send_started_at) FROM issues WHERE send_started_at > $2), 'infinity')`;

/** The issue's "unsubscribed after" figure; a pruned issue keeps the one it had ('frozen:unsubscribed'). */
export async function unsubscribedAfter(db: Queryable, issueId: number, sendStartedAt: Date | null, opts: { live?: boolean } = {}): Promise<number> {
  const frozen = opts.live ? null : await namedFigure(db, issueId, 'frozen:unsubscribed');
  if (frozen !== null) return frozen;
  return sendStartedAt ? (await db.query<{ n: number }>(UNSUBSCRIBED_AFTER, [issueId, sendStartedAt])).rows[0]!.n : 0;
}

/** Keeps a figure that can no longer be counted from rows (a prune is about to remove them). */
export async function freezeFigure(db: Queryable, issueId: number, name: string, n: number): Promise<void> {
  await db.query(
    `INSERT INTO issue_counts (issue_id, name, shard, n) VALUES ($1, $2, 0, $3) ON CONFLICT (issue_id, name, shard) DO UPDATE SET n = EXCLUDED.n`,
    [issueId, name, n],
  );
}

/** A figure kept apart from the ledger's own (e.g. frozen by a prune), or null. */
export async function namedFigure(db: Queryable, issueId: number, name: string): Promise<number | null> {
  const { rows } = await db.query<{ n: string | null }>(`SELECT sum(n)::bigint AS n FROM issue_counts WHERE issue_id = $1 AND name = $2`, [issueId, name]);
  return rows[0]?.n === null || rows[0]?.n === undefined ? null : Number(rows[0].n);
}

/** The figures as a full recount of the ledger rows gives them (name → sum over shards). */
export async function recountFigures(db: Queryable, issueId: number): Promise<Record<string, number>> {
  const { rows } = await db.query<{ name: string; n: string }>(`SELECT name, sum(n)::bigint AS n FROM (${RECOUNT}) r GROUP BY name`, [issueId]);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

/** The stored figures, in the same shape as recountFigures (zero figures left out). */
export async function storedFigures(db: Queryable, issueId: number): Promise<Record<string, number>> {
  const { rows } = await db.query<{ name: string; n: string }>(
    `SELECT name, sum(n)::bigint AS n FROM issue_counts WHERE issue_id = $1 AND name NOT LIKE 'frozen:%' AND name NOT LIKE 'forgotten:%' GROUP BY name HAVING sum(n) <> 0`,
    [issueId],
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

/** Replaces an issue's figures with a recount of its rows (repair; rows written outside the ledger). */
export async function recountIssue(db: Queryable, issueId: number): Promise<void> {
  await db.query(
    sql`WITH r AS (${RECOUNT}),
        up AS (INSERT INTO issue_counts (issue_id, name, shard, n) SELECT $1, name, shard, n FROM r
               ON CONFLICT (issue_id, name, shard) DO UPDATE SET n = EXCLUDED.n)
        DELETE FROM issue_counts c WHERE c.issue_id = $1 AND c.name NOT LIKE 'frozen:%' AND c.name NOT LIKE 'forgotten:%'
          AND NOT EXISTS (SELECT 1 FROM r WHERE r.name = c.name AND r.shard = c.shard)`,
    [issueId],
  );
}
