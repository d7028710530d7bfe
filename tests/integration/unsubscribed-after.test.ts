// The issue page's "unsubscribed after" figure probes the ledger once per reader who left, by primary key,
// whatever the size of the issue and whether or not its partition has statistics yet (a fresh partition
// has none until autovacuum analyses it: the planner then read the whole partition per page view).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { UNSUBSCRIBED_AFTER, unsubscribedAfter } from '../../src/delivery/counts.js';

const READERS = 20_000;
let h: Harness;
let issueId: number;
let started: Date;

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', catalog: false });
  const db = h.app.db;
  await db.query(`INSERT INTO subscribers (email, status, source, consent_at) SELECT 'r' || g || '@example.net', 'active', 'test', now() FROM generate_series(1, $1::int) g`, [READERS]);
  started = new Date(Date.now() - 3600_000);
  issueId = (await db.query(`INSERT INTO issues (week, state, subject, html, text, send_started_at, sent_at) VALUES ('2026-W40', 'sent', 's', 'h', 't', $1, now()) RETURNING id`, [started])).rows[0].id;
  await db.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state, sent_at) SELECT $1, id, (id / 100)::int, 'sent', $2 FROM subscribers`, [issueId, started]);
  // Three readers left after it, one of them never got it.
  await db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id IN (SELECT id FROM subscribers ORDER BY id LIMIT 3)`);
  await db.query(`DELETE FROM deliveries WHERE issue_id = $1 AND subscriber_id = (SELECT min(id) FROM subscribers)`, [issueId]);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

it('counts the readers who left, reading a few pages of the ledger, not the issue’s partition', async () => {
  expect(await unsubscribedAfter(h.app.db, issueId, started)).toBe(2);
  const { rows } = await h.app.db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${UNSUBSCRIBED_AFTER}`, [issueId, started]);
  const plan = rows[0]['QUERY PLAN'][0].Plan;
  const pages = Number(plan['Shared Hit Blocks'] ?? 0) + Number(plan['Shared Read Blocks'] ?? 0);
  // The partition holds ~20,000 rows on hundreds of pages; three probes read a few dozen at most.
  expect(pages).toBeLessThan(100);
});
