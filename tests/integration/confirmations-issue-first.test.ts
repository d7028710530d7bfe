// Confirmations give way to the weekly issue: while an issue is sending, an import's owed confirmations
// leave one provider request per gap (the first at once), instead of taking the shared gate's slots as fast
// as it hands them out. With no issue sending they go at the gate's pace.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sendOwedConfirmations } from '../../src/subscribers/confirmation-sender.js';
import { planWeek } from '../../src/issues/plan.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { SEND_RATE: '20' } });
});
afterAll(async () => {
  await h?.close();
});

async function owe(tag: string, n: number): Promise<void> {
  await h.app.db.query(
    `INSERT INTO subscribers (email, status, source, confirm_requested_at)
     SELECT $1 || g || '@example.net', 'pending', 'import:list.csv', now() FROM generate_series(1, $2::int) g`,
    [tag, n],
  );
}

async function run(gapMs: number): Promise<number[]> {
  h.fake.reset();
  const deps = { db: h.app.db, mailer: h.app.mailer, gate: h.app.sendGate, config: h.app.config, log: h.app.log, state: h.app.state, issueFirstGapMs: gapMs };
  const r = await sendOwedConfirmations(deps, { finalAttempt: false });
  expect(r).toMatchObject({ kind: 'done', sent: 300, requests: 3 });
  return h.fake.requests.filter((q) => q.outcome === 'accepted').map((q) => q.at);
}

it('spaces confirmation requests by the gap while an issue is sending, and not otherwise', async () => {
  await owe('quiet', 300);
  const quiet = await run(1500);
  expect(quiet).toHaveLength(3);
  expect(quiet[2]! - quiet[0]!).toBeLessThan(1500); // the gate's pace at SEND_RATE 20: ~50 ms apart

  await planWeek(h.app.db, h.app.log, '2026-W30', { pairsPerIssue: 2 });
  await h.app.db.query(`UPDATE issues SET state = 'sending' WHERE week = '2026-W30'`);
  await owe('during', 300);
  const during = await run(1500);
  expect(during).toHaveLength(3);
  expect(during[1]! - during[0]!).toBeGreaterThanOrEqual(1500);
  expect(during[2]! - during[1]!).toBeGreaterThanOrEqual(1500);
}, 60_000);
