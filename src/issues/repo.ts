// The SQL of an issue's life: plan → render → approve → send. Named queries, visible as SQL.
import type { Queryable } from '../db/pool.js';
import { EDITABLE_STATES, GOING_OUT_STATES, statesBefore, type IssueState } from './lifecycle.js';

export type { IssueState };

export interface IssueRow {
  id: number;
  week: string;
  state: IssueState;
  subject: string | null;
  preheader: string | null;
  html: string | null;
  text: string | null;
  rendered_at: Date | null;
  approved_at: Date | null;
  approved_by: string | null;
  send_started_at: Date | null;
  sent_at: Date | null;
  audience_size: number | null;
  batch_count: number | null;
  state_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ComparisonRow {
  issue_id: number;
  position: number;
  category: string;
  tool_a_id: number;
  tool_b_id: number;
  reasons: string[];
}

const Q = {
  byWeek: `SELECT * FROM issues WHERE week = $1`,
  byWeekForUpdate: `SELECT * FROM issues WHERE week = $1 FOR UPDATE`,
  byId: `SELECT * FROM issues WHERE id = $1`,
  insert: `INSERT INTO issues (week, state) VALUES ($1, 'planned') ON CONFLICT (week) DO NOTHING RETURNING *`,
  insertMissed: `INSERT INTO issues (week, state, state_reason) VALUES ($1, 'missed', $2) ON CONFLICT (week) DO NOTHING RETURNING *`,
  comparisons: `SELECT issue_id, position, category, tool_a_id, tool_b_id, reasons FROM comparisons WHERE issue_id = $1 ORDER BY position`,
  deleteComparisons: `DELETE FROM comparisons WHERE issue_id = $1`,
  insertComparison: `INSERT INTO comparisons (issue_id, position, category, tool_a_id, tool_b_id, reasons) VALUES ($1, $2, $3, $4, $5, $6)`,
  storeRender: `
    UPDATE issues SET subject = $2, preheader = $3, html = $4, text = $5, render_view = $7::jsonb, rendered_at = now(),
      state = CASE WHEN state = 'planned' THEN 'rendered' ELSE state END, updated_at = now()
    WHERE id = $1 AND state = ANY($6::text[]) RETURNING *`,
  resetToPlanned: `
    UPDATE issues SET state = 'planned', subject = NULL, preheader = NULL, html = NULL, text = NULL, render_view = NULL,
      rendered_at = NULL, approved_at = NULL, approved_by = NULL, state_reason = NULL, updated_at = now()
    WHERE id = $1`,
  setState: `UPDATE issues SET state = $2, state_reason = $3, updated_at = now() WHERE id = $1 RETURNING *`,
  // A guarded move: only from the given states, so an editor's hold cannot overtake a send that started.
  setStateFrom: `UPDATE issues SET state = $2, state_reason = $3, updated_at = now() WHERE id = $1 AND state = ANY($4::text[]) RETURNING *`,
  approve: `
    UPDATE issues SET state = 'approved', approved_at = now(), approved_by = $2, state_reason = NULL, updated_at = now()
    WHERE id = $1 AND state = ANY($3::text[]) RETURNING *`,
  list: `SELECT * FROM issues ORDER BY week DESC LIMIT $1`,
  anyInStates: `SELECT EXISTS (SELECT 1 FROM issues WHERE state = ANY($1::text[])) AS found`,
  // Fan-out (src/delivery/fanout.ts) moves an approved issue it holds FOR UPDATE, with its audience fixed.
  markSending: `
  UPDATE issues SET state = 'sending', send_started_at = $2, audience_size = $3, batch_count = $4, updated_at = now()
  WHERE id = $1 RETURNING *`,
  // Asked after every batch. The ledger alone would walk the issue's pending index from its first entry,
  // and the entries of rows already sent linger there until vacuum: at a million readers that cost more than
  // the batch and grew with every batch sent. So the counters answer first (at most 16 rows, whatever the
  // ledger's size; CASE keeps the order), and only when they say nothing is pending does the ledger confirm.
  markSent: `
  UPDATE issues SET state = 'sent', sent_at = now(), updated_at = now()
  WHERE id = $1 AND state = 'sending'
    AND CASE WHEN (SELECT coalesce(sum(n), 0) FROM issue_counts WHERE issue_id = $1 AND name IN ('queued', 'sending')) > 0 THEN false
        ELSE NOT EXISTS (SELECT 1 FROM deliveries WHERE issue_id = $1 AND state IN ('queued', 'sending')) END
  RETURNING week`,
  // The sweep's question, of the ledger alone: a counter gone wrong never keeps an issue open.
  markSentByLedger: `
  UPDATE issues SET state = 'sent', sent_at = now(), updated_at = now()
  WHERE id = $1 AND state = 'sending'
    AND NOT EXISTS (SELECT 1 FROM deliveries WHERE issue_id = $1 AND state IN ('queued', 'sending'))
  RETURNING week`,
  sending: `SELECT id, week FROM issues WHERE state = 'sending'`,
  // Approval is of the content the editor saw: new content needs a new approval. Guarded on the state,
  // so an issue that started sending meanwhile is never moved back.
  revokeApproval: `
    UPDATE issues SET state = 'rendered', approved_at = NULL, approved_by = NULL, state_reason = $2, updated_at = now()
    WHERE id = $1 AND state = 'approved' RETURNING *`,
  ledgerPruned: `UPDATE issues SET ledger_pruned_at = now(), updated_at = now() WHERE id = $1`,
  // The sunset's tally of a sent issue's receipts (src/subscribers/sunset.ts): how far along its readers'
  // ids it has counted (sunset_tally_upto), and when it finished (sunset_tallied_at).
  untallied: `SELECT id FROM issues WHERE state = 'sent' AND sunset_tallied_at IS NULL ORDER BY send_started_at, id`,
  lockUntallied: `SELECT id, send_started_at, sunset_tally_upto FROM issues WHERE id = $1 AND state = 'sent' AND sunset_tallied_at IS NULL FOR UPDATE`,
  markTallyUpto: `UPDATE issues SET sunset_tally_upto = $2 WHERE id = $1`,
  markTallied: `UPDATE issues SET sunset_tallied_at = now() WHERE id = $1`,
};

export async function findIssue(db: Queryable, week: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.byWeek, [week]);
  return rows[0] ?? null;
}

export async function findIssueForUpdate(db: Queryable, week: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.byWeekForUpdate, [week]);
  return rows[0] ?? null;
}

export async function findIssueById(db: Queryable, id: number): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.byId, [id]);
  return rows[0] ?? null;
}

/** Whether an issue's batches are going out now (they come before the one-off emails: src/subscribers/owed-mail.ts). */
export async function issueGoingOut(db: Queryable): Promise<boolean> {
  return (await db.query<{ found: boolean }>(Q.anyInStates, [GOING_OUT_STATES])).rows[0]!.found;
}

/** Starts the send: the issue is sending, to an audience of `size` readers in `batches` batches. */
export async function markSending(db: Queryable, issueId: number, startedAt: Date, size: number, batches: number): Promise<IssueRow> {
  const { rows } = await db.query<IssueRow>(Q.markSending, [issueId, startedAt, size, batches]);
  return rows[0]!;
}

/** Marks a sending issue sent once none of its ledger rows is pending; its week, or null while some are.
 * `ledgerOnly`: ask the ledger without the counters first (the sweep: slower, but right whatever the figures). */
export async function markSentIfDone(db: Queryable, issueId: number, opts: { ledgerOnly?: boolean } = {}): Promise<string | null> {
  const { rows } = await db.query<{ week: string }>(opts.ledgerOnly ? Q.markSentByLedger : Q.markSent, [issueId]);
  return rows[0]?.week ?? null;
}

export async function sendingIssues(db: Queryable): Promise<Array<{ id: number; week: string }>> {
  return (await db.query<{ id: number; week: string }>(Q.sending)).rows;
}

/** Moves an approved issue back to rendered, with the reason; null when it was no longer approved. */
export async function revokeApproval(db: Queryable, issueId: number, reason: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.revokeApproval, [issueId, reason]);
  return rows[0] ?? null;
}

/** Notes that a sent issue's per-reader rows are gone (src/delivery/prune.ts), its figures kept. */
export async function markLedgerPruned(db: Queryable, issueId: number): Promise<void> {
  await db.query(Q.ledgerPruned, [issueId]);
}

/** Sent issues whose receipts the sunset has not counted yet, in the order they were sent. */
export async function untalliedIssues(db: Queryable): Promise<number[]> {
  return (await db.query<{ id: number }>(Q.untallied)).rows.map((r) => r.id);
}

/** Locks a sent issue not yet counted by the sunset, with how far its count got; null once it is counted. */
export async function lockUntalliedIssue(db: Queryable, issueId: number): Promise<{ id: number; send_started_at: Date; upto: number } | null> {
  const r = (await db.query<{ id: number; send_started_at: Date; sunset_tally_upto: string }>(Q.lockUntallied, [issueId])).rows[0];
  return r ? { id: r.id, send_started_at: r.send_started_at, upto: Number(r.sunset_tally_upto) } : null;
}

/** The sunset has counted the issue's readers up to this id. */
export async function markTallyUpto(db: Queryable, issueId: number, upto: string): Promise<void> {
  await db.query(Q.markTallyUpto, [issueId, upto]);
}

/** The sunset has counted all of the issue's readers. */
export async function markTallied(db: Queryable, issueId: number): Promise<void> {
  await db.query(Q.markTallied, [issueId]);
}

export async function listIssues(db: Queryable, limit = 100): Promise<IssueRow[]> {
  return (await db.query<IssueRow>(Q.list, [limit])).rows;
}

/** Creates the week's issue row unless one exists; returns null when another process created it first. */
export async function insertIssue(db: Queryable, week: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.insert, [week]);
  return rows[0] ?? null;
}

export async function insertMissedIssue(db: Queryable, week: string, reason: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.insertMissed, [week, reason]);
  return rows[0] ?? null;
}

export async function comparisonsOf(db: Queryable, issueId: number): Promise<ComparisonRow[]> {
  return (await db.query<ComparisonRow>(Q.comparisons, [issueId])).rows;
}

export async function replaceComparisons(
  db: Queryable,
  issueId: number,
  pairs: Array<{ category: string; aId: number; bId: number; reasons: string[] }>,
): Promise<void> {
  await db.query(Q.deleteComparisons, [issueId]);
  let position = 1;
  for (const p of pairs) {
    await db.query(Q.insertComparison, [issueId, position++, p.category, p.aId, p.bId, JSON.stringify(p.reasons)]);
  }
}

export async function storeRender(
  db: Queryable,
  issueId: number,
  r: { subject: string; preheader: string; html: string; text: string; view?: unknown },
): Promise<IssueRow | null> {
  // The view is kept beside the render: fan-out renders the topic variants from it (src/delivery/variants.ts).
  const view = r.view === undefined ? null : JSON.stringify(r.view);
  const { rows } = await db.query<IssueRow>(Q.storeRender, [issueId, r.subject, r.preheader, r.html, r.text, EDITABLE_STATES, view]);
  return rows[0] ?? null;
}

export async function resetToPlanned(db: Queryable, issueId: number): Promise<void> {
  await db.query(Q.resetToPlanned, [issueId]);
}

export async function setIssueState(db: Queryable, issueId: number, state: IssueState, reason: string | null = null): Promise<IssueRow> {
  const { rows } = await db.query<IssueRow>(Q.setState, [issueId, state, reason]);
  return rows[0]!;
}

export async function setIssueStateFrom(
  db: Queryable,
  issueId: number,
  state: IssueState,
  reason: string | null,
  from: IssueState[],
): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.setStateFrom, [issueId, state, reason, from]);
  return rows[0] ?? null;
}

export async function approveIssue(db: Queryable, issueId: number, by: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(Q.approve, [issueId, by, statesBefore('approved')]);
  return rows[0] ?? null;
}
