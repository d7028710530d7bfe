// "Is the issue done?" runs after every batch. Asked of the ledger it walked the pending index of the
// issue from its first entry, and entries of rows already sent linger there until vacuum: at a million
// readers the question cost more than the batch itself, and more with every batch sent. It is now asked of
// the counters first (a few rows whatever the size of the ledger); only when they say nothing is pending
// does the ledger confirm. The sweep asks the ledger alone, so a counter that went wrong never keeps an
// issue open: it closes the issue and repairs the figures.
import { describe, expect, it } from 'vitest';
import { addReaders, type Harness } from '../support/harness.js';
import { harnessFor } from '../support/sending.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut, resumeSends } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { claimAttempt, markSent, pendingBatches } from '../../src/delivery/ledger.js';
import { findIssue, markSentIfDone } from '../../src/issues/repo.js';
import { inTransaction } from '../../src/db/pool.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';

async function sendingIssue(h: Harness, week: string, readers: number, offset: number) {
  const { app } = h;
  await addReaders(app, readers, offset);
  await planWeek(app.db, app.log, week, { pairsPerIssue: 2 });
  await renderWeek(app.db, app.log, week, app.config);
  await approveWeek(app.db, app.log, week, 'test');
  await fanOut(app.db, bullBatchQueue(app.queue('send')), app.log, { week, notAfter: null });
  return (await findIssue(app.db, week))!;
}

/** Sends one batch through the ledger as the sender does: claim, then mark each message accepted. */
async function sendBatch(h: Harness, issueId: number, batch: number) {
  const { send } = await claimAttempt(h.app.db, issueId, batch);
  await markSent(h.app.db, issueId, batch, send.map((r) => r.subscriber_id), send.map((r) => `msg-${issueId}-${r.subscriber_id}`));
}

/** Scans of the ledger's partitions made by `fn`: pg_stat_xact_* read before and after it, on its own
 * connection (the view also holds that backend's earlier, not yet flushed counts: the difference is fn's). */
async function ledgerScans(h: Harness, fn: (tx: import('pg').PoolClient) => Promise<unknown>): Promise<{ scans: number; result: unknown }> {
  const read = async (tx: import('pg').PoolClient) =>
    Number(
      (
        await tx.query<{ scans: string }>(
          `SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) AS scans FROM pg_stat_xact_user_tables
           WHERE relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'deliveries'::regclass)`,
        )
      ).rows[0]!.scans,
    );
  return inTransaction(h.app.db, async (tx) => {
    const before = await read(tx);
    const result = await fn(tx);
    return { scans: (await read(tx)) - before, result };
  });
}

describe('the per-batch "is the issue done" check', () => {
  const site = harnessFor({ backend: 'redis' });

  it('does not read the ledger while batches are pending, and closes the issue with the last batch', async () => {
    const { h } = site;
    const issue = await sendingIssue(h, '2026-W20', 350, 0);
    const batches = (await pendingBatches(h.app.db, issue.id)).map((b) => b.batch);
    expect(batches).toEqual([0, 1, 2, 3]);
    for (const b of batches.slice(0, -1)) {
      await sendBatch(h, issue.id, b);
      const { scans, result } = await ledgerScans(h, (tx) => markSentIfDone(tx, issue.id));
      expect(result).toBeNull();
      expect(scans).toBe(0);
      expect((await findIssue(h.app.db, issue.week))!.state).toBe('sending');
    }
    await sendBatch(h, issue.id, batches.at(-1)!);
    // Now the counters say nothing is pending: the ledger confirms it, and the issue is sent.
    const { scans, result } = await ledgerScans(h, (tx) => markSentIfDone(tx, issue.id));
    expect(result).toBe(issue.week);
    expect(scans).toBeGreaterThan(0);
    expect((await findIssue(h.app.db, issue.week))!.state).toBe('sent');
    await expectFiguresMatchRecount(h.app.db, issue.id);
  });

  it('never closes an issue on the counters alone: rows still pending keep it sending', async () => {
    const { h } = site;
    const issue = await sendingIssue(h, '2026-W21', 150, 1000);
    await sendBatch(h, issue.id, 0);
    // A figure gone wrong (say nothing is queued although batch 1 is).
    await h.app.db.query(`UPDATE issue_counts SET n = 0 WHERE issue_id = $1 AND name IN ('queued', 'sending')`, [issue.id]);
    expect(await markSentIfDone(h.app.db, issue.id)).toBeNull();
    expect((await findIssue(h.app.db, issue.week))!.state).toBe('sending');
    // The rest sent, the issue closes (the ledger decides once the figures no longer say pending).
    for (const b of (await pendingBatches(h.app.db, issue.id)).map((x) => x.batch)) await sendBatch(h, issue.id, b);
    expect(await markSentIfDone(h.app.db, issue.id)).toBe(issue.week);
  });

  it('the sweep closes an issue whose ledger is final even when a counter says otherwise, and repairs the figures', async () => {
    const { h } = site;
    const issue = await sendingIssue(h, '2026-W22', 120, 2000);
    for (const b of (await pendingBatches(h.app.db, issue.id)).map((x) => x.batch)) await sendBatch(h, issue.id, b);
    await h.app.db.query(`UPDATE issues SET state = 'sending', sent_at = NULL WHERE id = $1`, [issue.id]);
    // A figure gone wrong the other way: one reader still "queued" although every row is final.
    await h.app.db.query(`UPDATE issue_counts SET n = n + 1 WHERE issue_id = $1 AND name = 'queued' AND shard = 0`, [issue.id]);
    const stuck = await h.app.db.query(`SELECT 1 FROM issue_counts WHERE issue_id = $1 AND name = 'queued' AND n > 0`, [issue.id]);
    expect(stuck.rowCount).toBeGreaterThan(0);
    expect(await markSentIfDone(h.app.db, issue.id)).toBeNull();
    const requeued = await resumeSends(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log);
    expect(requeued).toBe(0);
    expect((await findIssue(h.app.db, issue.week))!.state).toBe('sent');
    await expectFiguresMatchRecount(h.app.db, issue.id);
  });
});
