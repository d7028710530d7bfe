// What the admin pages read: issues with their delivery counts, an issue's results, the outbox.
// Read-only SQL, named and visible; every change goes through src/issues/.
import type { Queryable } from '../../db/pool.js';
import { DELIVERY_COUNT_COLUMNS } from '../../delivery/ledger.js';
import type { IssueState } from '../../issues/repo.js';

const sql = String.raw;

export interface IssueListRow {
  id: number;
  week: string;
  state: IssueState;
  subject: string | null;
  state_reason: string | null;
  approved_by: string | null;
  updated_at: Date;
  send_started_at: Date | null;
  sent_at: Date | null;
  pairs: number;
  to_send: number;
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
}

// Newest weeks first, a page at a time: each row aggregates that issue's ledger.
const LIST_ISSUES = sql`
  SELECT i.id, i.week, i.state, i.subject, i.state_reason, i.approved_by, i.updated_at, i.send_started_at, i.sent_at,
         (SELECT count(*) FROM comparisons c WHERE c.issue_id = i.id)::int AS pairs,
         d.to_send, d.sent, d.failed, d.skipped, d.pending
  FROM issues i
  CROSS JOIN LATERAL (
    SELECT ${DELIVERY_COUNT_COLUMNS} FROM deliveries WHERE issue_id = i.id) d
  WHERE ($1::text IS NULL OR i.week < $1)
  ORDER BY i.week DESC
  LIMIT $2`;

export async function listIssuesWithCounts(db: Queryable, before: string | null, limit = 30): Promise<IssueListRow[]> {
  return (await db.query<IssueListRow>(LIST_ISSUES, [before, limit])).rows;
}

// The webhook keeps one entry per event kind on the delivery row: {"delivered": {first_at, last_at, count}, …}
// (src/subscribers/provider-events.ts), so "was it opened" is "has the key".
const EVENT_TYPES = ['delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;

const RESULTS = sql`
  SELECT ${DELIVERY_COUNT_COLUMNS},
         ${EVENT_TYPES.map((e) => `count(*) FILTER (WHERE events ? '${e}')::int AS ${e}`).join(',\n         ')}
  FROM deliveries WHERE issue_id = $1`;

// Readers who got this issue and left before the next issue started sending.
const UNSUBSCRIBED_AFTER = sql`
  SELECT count(*)::int AS n
  FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
  WHERE d.issue_id = $1 AND d.state = 'sent' AND s.unsubscribed_at >= $2
    AND s.unsubscribed_at < coalesce((SELECT min(send_started_at) FROM issues WHERE send_started_at > $2), 'infinity')`;

// Every featured tool, with the votes this issue's links drew (zero when none).
const VOTES = sql`
  WITH featured AS (
    SELECT tool_a_id AS tool_id, position FROM comparisons WHERE issue_id = $1
    UNION ALL
    SELECT tool_b_id, position FROM comparisons WHERE issue_id = $1)
  SELECT t.id, t.name, f.position,
         count(v.tool_id) FILTER (WHERE v.choice = 'ship')::int AS ships,
         count(v.tool_id) FILTER (WHERE v.choice = 'skip')::int AS skips
  FROM featured f
  JOIN tools t ON t.id = f.tool_id
  LEFT JOIN votes v ON v.tool_id = f.tool_id AND v.issue_id = $1
  GROUP BY t.id, t.name, f.position
  ORDER BY f.position, t.id`;

const SENT_SPAN = sql`
  SELECT extract(epoch FROM min(sent_at))::float8 AS first, extract(epoch FROM max(sent_at))::float8 AS last
  FROM deliveries WHERE issue_id = $1 AND sent_at IS NOT NULL`;
// Accepted messages per time bucket between the first and the last: the send's pace.
const SENT_BUCKETS = sql`
  SELECT least(width_bucket(extract(epoch FROM sent_at)::float8, $2::float8, $3::float8, $4::int), $4::int) AS bucket, count(*)::int AS n
  FROM deliveries WHERE issue_id = $1 AND sent_at IS NOT NULL
  GROUP BY 1 ORDER BY 1`;

export interface IssueResults {
  audience: number;
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
  votes: Array<{ id: number; name: string; position: number; ships: number; skips: number }>;
  /** Cumulative accepted messages at the end of each bucket; times in ms since epoch. */
  timeline: Array<{ at: number; total: number }>;
}

export async function issueResults(db: Queryable, issueId: number, sendStartedAt: Date | null, buckets = 24): Promise<IssueResults> {
  // The audience is the ledger's to_send: every row written at fan-out.
  const { to_send: audience, ...counts } = (await db.query(RESULTS, [issueId])).rows[0];
  const unsubscribed = sendStartedAt ? (await db.query<{ n: number }>(UNSUBSCRIBED_AFTER, [issueId, sendStartedAt])).rows[0]!.n : 0;
  const votes = (await db.query(VOTES, [issueId])).rows;
  const span = (await db.query<{ first: number | null; last: number | null }>(SENT_SPAN, [issueId])).rows[0]!;
  const timeline: IssueResults['timeline'] = [];
  if (span.first !== null && span.last !== null) {
    const start = sendStartedAt ? Math.min(sendStartedAt.getTime() / 1000, span.first) : span.first;
    const end = Math.max(span.last, start + 1);
    const rows = (await db.query<{ bucket: number; n: number }>(SENT_BUCKETS, [issueId, start, end, buckets])).rows;
    const per = new Map(rows.map((r) => [r.bucket, r.n]));
    let total = 0;
    timeline.push({ at: start * 1000, total: 0 });
    for (let b = 1; b <= buckets; b++) {
      total += per.get(b) ?? 0;
      timeline.push({ at: (start + ((end - start) * b) / buckets) * 1000, total });
    }
  }
  return { ...counts, audience, unsubscribed, votes, timeline };
}

export interface OutboxRow {
  id: number;
  to_address: string;
  from_address: string;
  subject: string;
  created_at: Date;
  tags: Array<{ name: string; value?: string }>;
  headers: Record<string, string>;
  html: string;
  text: string;
  message_id: string;
  idempotency_key: string;
}

const OUTBOX_PAGE = sql`
  SELECT id, to_address, from_address, subject, created_at, tags, message_id
  FROM outbox WHERE ($1::bigint IS NULL OR id < $1)
  ORDER BY id DESC LIMIT $2`;
const OUTBOX_MESSAGE = sql`SELECT * FROM outbox WHERE id = $1`;

export async function outboxPage(db: Queryable, before: number | null, limit = 50): Promise<Array<Omit<OutboxRow, 'html' | 'text' | 'headers' | 'idempotency_key'>>> {
  return (await db.query(OUTBOX_PAGE, [before, limit])).rows;
}

export async function outboxMessage(db: Queryable, id: number): Promise<OutboxRow | null> {
  return (await db.query<OutboxRow>(OUTBOX_MESSAGE, [id])).rows[0] ?? null;
}

/** "issue=2026-W47 test=true" → the issue week tag, if any. */
export function issueTag(tags: OutboxRow['tags']): string | null {
  return tags.find((t) => t.name === 'issue')?.value ?? null;
}
