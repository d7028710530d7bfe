// Retention: the per-reader rows of finished issues older than N weeks leave the database, their figures
// stay (issue_counts already holds every one the pages show; the one still counted from rows is frozen
// first). An issue's rows are its own partition (migrations/042), so removing them is DETACH + DROP, a
// moment's lock instead of a DELETE of a million rows; rows stored before partitioning are deleted.
// The provider event log's months older than the same horizon are dropped the same way.
import type { Logger } from 'pino';
import { inTransaction, type Db } from '../db/pool.js';
import { deliveryCounts, freezeFigure, unsubscribedAfter } from './counts.js';
import { dropEventMonthsBefore } from '../subscribers/event-partitions.js';
import { tallyIssueIn } from '../subscribers/sunset.js';
import { markLedgerPruned } from '../issues/repo.js';
import { sqlStates } from '../issues/lifecycle.js';

const sql = String.raw;

// Only sent issues: a sending one still has rows to finish; planned or approved ones have none yet.
// Only a sent issue's ledger is pruned (its figures are final); the state's name comes from the table.
const SENT = sqlStates(['sent']);
const PRUNABLE = sql`
  SELECT id, week, send_started_at FROM issues
  WHERE state IN ${SENT} AND ledger_pruned_at IS NULL AND sent_at < now() - make_interval(weeks => $1::int)
  ORDER BY week`;
const LOCK_SENT = sql`SELECT id FROM issues WHERE id = $1 AND state IN ${SENT} AND ledger_pruned_at IS NULL FOR UPDATE`;
const OWN_PARTITION = sql`
  SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'deliveries'::regclass AND c.relname = 'deliveries_i' || $1::bigint`;

export interface PruneResult {
  /** Per-reader rows removed (or, with dryRun, that would be). */
  removed: number;
  /** The weeks whose rows were removed. */
  weeks: string[];
  /** Months of the provider event log dropped. */
  eventMonths: string[];
}

export async function pruneLedger(db: Db, log: Logger, opts: { keepWeeks: number; dryRun?: boolean }): Promise<PruneResult> {
  const candidates = (await db.query<{ id: number; week: string; send_started_at: Date | null }>(PRUNABLE, [opts.keepWeeks])).rows;
  const result: PruneResult = { removed: 0, weeks: [], eventMonths: [] };
  for (const issue of candidates) {
    const rows = (await deliveryCounts(db, issue.id)).to_send;
    if (opts.dryRun) {
      result.removed += rows;
      result.weeks.push(issue.week);
      continue;
    }
    const done = await inTransaction(db, async (tx) => {
      if ((await tx.query(LOCK_SENT, [issue.id])).rowCount === 0) return false;
      await freezeFigure(tx, issue.id, 'frozen:unsubscribed', await unsubscribedAfter(tx, issue.id, issue.send_started_at, { live: true }));
      // The sunset's receipts of this issue are counted on the readers' rows before the rows leave.
      await tallyIssueIn(tx, issue.id);
      const own = (await tx.query<{ relname: string }>(OWN_PARTITION, [issue.id])).rows[0]?.relname;
      if (own) {
        await tx.query(`ALTER TABLE deliveries DETACH PARTITION ${own}`);
        await tx.query(`DROP TABLE ${own}`);
      } else {
        await tx.query(`DELETE FROM deliveries WHERE issue_id = $1`, [issue.id]);
      }
      await markLedgerPruned(tx, issue.id);
      return true;
    });
    if (!done) continue;
    result.removed += rows;
    result.weeks.push(issue.week);
    log.info({ week: issue.week, rows }, 'ledger pruned: per-reader rows removed, figures kept');
  }
  result.eventMonths = await dropEventMonthsBefore(db, opts.keepWeeks, { dryRun: opts.dryRun ?? false });
  return result;
}
