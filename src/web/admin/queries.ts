// What the admin pages read: issues with their delivery counts, an issue's results, the outbox.
// Read-only SQL, named and visible; every change goes through src/issues/.
import type { Queryable } from '../../db/pool.js';
import type { IssueState } from '../../issues/repo.js';
import { issueFigures, sentPerMinute, unsubscribedAfter, type DeliveryCounts } from '../../delivery/counts.js';

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

// Newest weeks first, a page at a time; the counts come from the issues' figures (src/delivery/counts.ts).
const LIST_ISSUES = sql`
  SELECT i.id, i.week, i.state, i.subject, i.state_reason, i.approved_by, i.updated_at, i.send_started_at, i.sent_at,
         (SELECT count(*) FROM comparisons c WHERE c.issue_id = i.id)::int AS pairs
  FROM issues i
  WHERE ($1::text IS NULL OR i.week < $1)
  ORDER BY i.week DESC
  LIMIT $2`;

export async function listIssuesWithCounts(db: Queryable, before: string | null, limit = 30): Promise<IssueListRow[]> {
  const rows = (await db.query<Omit<IssueListRow, keyof DeliveryCounts>>(LIST_ISSUES, [before, limit])).rows;
  const figures = await issueFigures(db, rows.map((r) => r.id));
  return rows.map((r) => {
    const { events: _events, ...counts } = figures.get(r.id)!;
    return { ...r, ...counts };
  });
}

/** Readers by status, and the active ones asked "still want this?" (the sunset) who have not answered. */
export interface ReaderCounts {
  byStatus: Record<string, number>;
  asked: number;
}
// From the figures a trigger keeps on subscribers (migrations/100): a few rows, whatever the list's size.
const READER_COUNTS = sql`
  SELECT status, sum(n)::int AS n, (coalesce(sum(n) FILTER (WHERE asked), 0))::int AS asked
  FROM subscriber_counts GROUP BY status HAVING sum(n) <> 0`;

export async function readerCounts(db: Queryable): Promise<ReaderCounts> {
  const rows = (await db.query<{ status: string; n: number; asked: number }>(READER_COUNTS)).rows;
  return { byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])), asked: rows.find((r) => r.status === 'active')?.asked ?? 0 };
}

// Every featured tool, with the votes this issue's links drew (zero when none), from the vote figures.
const VOTES = sql`
  WITH featured AS (
    SELECT tool_a_id AS tool_id, position FROM comparisons WHERE issue_id = $1
    UNION ALL
    SELECT tool_b_id, position FROM comparisons WHERE issue_id = $1)
  SELECT t.id, t.name, f.position,
         coalesce(sum(v.n) FILTER (WHERE v.choice = 'ship'), 0)::int AS ships,
         coalesce(sum(v.n) FILTER (WHERE v.choice = 'skip'), 0)::int AS skips
  FROM featured f
  JOIN tools t ON t.id = f.tool_id
  LEFT JOIN vote_counts v ON v.tool_id = f.tool_id AND v.issue_id = $1
  GROUP BY t.id, t.name, f.position
  ORDER BY f.position, t.id`;

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
  /** Cumulative accepted messages at the end of each minute of the send; times in ms since epoch. */
  timeline: Array<{ at: number; total: number }>;
}

/** An issue's results from its figures: a few dozen rows, however many readers it went to. */
export async function issueResults(db: Queryable, issueId: number, sendStartedAt: Date | null): Promise<IssueResults> {
  const f = (await issueFigures(db, [issueId])).get(issueId)!;
  const unsubscribed = await unsubscribedAfter(db, issueId, sendStartedAt);
  const votes = (await db.query(VOTES, [issueId])).rows;
  const minutes = await sentPerMinute(db, issueId);
  const timeline: IssueResults['timeline'] = [];
  if (minutes.length > 0) {
    const first = minutes[0]!.minute * 60_000;
    timeline.push({ at: sendStartedAt ? Math.min(sendStartedAt.getTime(), first) : first, total: 0 });
    let total = 0;
    for (const m of minutes) {
      total += m.n;
      timeline.push({ at: (m.minute + 1) * 60_000, total });
    }
  }
  const e = f.events;
  return {
    audience: f.to_send,
    sent: f.sent,
    failed: f.failed,
    skipped: f.skipped,
    pending: f.pending,
    delivered: e.delivered,
    opened: e.opened,
    clicked: e.clicked,
    bounced: e.bounced,
    complained: e.complained,
    unsubscribed,
    votes,
    timeline,
  };
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
