// The rollup of provider events must do work in proportion to its batch, whatever the planner believes. A
// queue table's statistics are stale during a burst: the inbox, vacuumed when empty, is planned as one row
// while 3,000,000 events wait in it. Joins between the statement's CTEs were then planned as nested loops:
// at 10 issues x 1,000,000 readers one pass of 5,000 events ran for 14 minutes (the whole inbox for every
// event deleted, every event's ctid tried against every partition's rows of the batch). Measured here as the
// rows every node of the plan handled (returned, or removed by a filter or join filter, over all its
// loops), from EXPLAIN ANALYZE of the real statement, rolled back: 22.6 per event now, 4,140 per event for
// the statement before (3,312,562 rows for 800 events).
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { addReaders, type Harness } from '../support/harness.js';
import { harnessFor } from '../support/sending.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { claimAttempt, markSent, pendingBatches } from '../../src/delivery/ledger.js';
import { findIssue, markSentIfDone } from '../../src/issues/repo.js';
import { storeProviderEvents, type ProviderEvent } from '../../src/subscribers/provider-events.js';
import { ROLL_UP, rollUpAll } from '../../src/subscribers/event-rollup.js';
import { issueFigures } from '../../src/delivery/counts.js';

/** An issue sent to every active reader through the ledger's own statements; its provider ids. */
async function sentIssue(h: Harness, week: string): Promise<{ id: number; emailIds: string[] }> {
  const { app } = h;
  await planWeek(app.db, app.log, week, { pairsPerIssue: 2 });
  await renderWeek(app.db, app.log, week, app.config);
  await approveWeek(app.db, app.log, week, 'test');
  await fanOut(app.db, bullBatchQueue(app.queue('send')), app.log, { week, notAfter: null });
  const issue = (await findIssue(app.db, week))!;
  const emailIds: string[] = [];
  for (const { batch } of await pendingBatches(app.db, issue.id)) {
    const { send } = await claimAttempt(app.db, issue.id, batch);
    const ids = send.map(() => `re_${randomUUID()}`);
    await markSent(app.db, issue.id, batch, send.map((r) => r.subscriber_id), ids);
    emailIds.push(...ids);
  }
  expect(await markSentIfDone(app.db, issue.id)).toBe(week);
  return { id: issue.id, emailIds };
}

interface PlanNode {
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}
/** Rows every node handled over all its loops (EXPLAIN shows per-loop averages). */
function rowsHandled(n: PlanNode): number {
  const perLoop = (n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Join Filter'] ?? 0);
  return perLoop * (n['Actual Loops'] ?? 0) + (n.Plans ?? []).reduce((s, c) => s + rowsHandled(c), 0);
}

describe('the provider-event rollup', () => {
  const site = harnessFor({ backend: 'redis' });

  it('handles rows in proportion to its batch when the inbox is planned as empty, and rolls the batch up exactly', async () => {
    const { h } = site;
    const db = h.app.db;
    await addReaders(h.app, 150);
    await sentIssue(h, '2026-W30');
    const issue = await sentIssue(h, '2026-W31');
    // The inbox's statistics as a vacuum or analyze of it while empty leaves them before a burst: pages, no rows.
    await db.query(`INSERT INTO provider_event_inbox (webhook_id, kind, occurred_at, email_id) SELECT 'old' || g, 'delivered', now(), 'gone' FROM generate_series(1, 3000) g`);
    await db.query(`DELETE FROM provider_event_inbox`);
    await db.query(`ANALYZE provider_event_inbox`);
    const at = Date.now();
    const event = (type: string, emailId: string, i: number): ProviderEvent => ({ id: `msg_${randomUUID()}`, type, at: new Date(at + i * 1000), emailId, to: [], bounceType: null, bounceDetail: null });
    const events = issue.emailIds.flatMap((emailId) => ['email.sent', 'email.delivered', 'email.opened', 'email.clicked', 'email.clicked'].map((t, i) => event(t, emailId, i)));
    // Events of emails no delivery carries (yet): parked.
    events.push(...Array.from({ length: 50 }, (_, i) => event('email.delivered', `re_unknown_${i}`, 0)));
    await storeProviderEvents(db, events);

    const client = await db.connect();
    let handled: number;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${ROLL_UP}`, [5000]);
      handled = rowsHandled(rows[0]!['QUERY PLAN'][0]!.Plan);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect(handled).toBeLessThan(40 * events.length);

    await rollUpAll(db);
    const figures = (await issueFigures(db, [issue.id])).get(issue.id)!;
    expect(figures.events).toMatchObject({ sent: 150, delivered: 150, opened: 150, clicked: 150 });
    const { rows } = await db.query(`SELECT events FROM deliveries WHERE issue_id = $1 AND provider_message_id = $2`, [issue.id, issue.emailIds[0]]);
    expect(rows[0].events.clicked.count).toBe(2);
    expect(new Date(rows[0].events.clicked.first_at).getTime()).toBe(at + 3000);
    expect(new Date(rows[0].events.clicked.last_at).getTime()).toBe(at + 4000);
    const { rows: inbox } = await db.query(`SELECT count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked, count(*)::int AS n FROM provider_event_inbox`);
    expect(inbox[0]).toEqual({ parked: 50, n: 50 });
    await expectFiguresMatchRecount(db, issue.id);
  }, 120_000);
});
