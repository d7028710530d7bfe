// The full send against real Postgres, real Redis (and BullMQ's PostgreSQL backend), the real resend
// SDK and the local fake provider: everyone once, nobody twice, whatever the provider answers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addReaders, createHarness, waitFor, type Backend, type Harness } from '../support/harness.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut, resumeSends } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import { findIssue } from '../../src/issues/repo.js';
import { verifyToken } from '../../src/subscribers/tokens.js';
import { startFakeResendProcess } from '../support/fake-resend-process.js';

async function readyIssue(h: Harness, week: string) {
  const { app } = h;
  await planWeek(app.db, app.log, week, { pairsPerIssue: 2 });
  await renderWeek(app.db, app.log, week, app.config);
  return approveWeek(app.db, app.log, week, 'test');
}

async function sendAndWait(h: Harness, week: string, timeoutMs = 60_000) {
  const r = await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week, notAfter: null });
  const issue = (await findIssue(h.app.db, week))!;
  await waitFor(async () => (await findIssue(h.app.db, week))!.state === 'sent', timeoutMs, `${week} sent`);
  await expectFiguresMatchRecount(h.app.db, issue.id);
  return { r, issue, counts: await deliveryCounts(h.app.db, issue.id) };
}

async function deliveryRows(h: Harness, issueId: number) {
  return (await h.app.db.query(`SELECT subscriber_id, state, attempts, last_error, provider_message_id FROM deliveries WHERE issue_id = $1`, [issueId])).rows;
}

describe.each<Backend>(['redis', 'postgres'])('sending an issue (%s backend)', (backend) => {
  let h: Harness;
  let workers: RunningWorkers;
  beforeAll(async () => {
    h = await createHarness({ backend, env: { SEND_RATE: '40' } });
    workers = startWorkers(h.app, ['render', 'send']);
  });
  afterAll(async () => {
    await workers.close();
    await h.close();
  });

  it('delivers one message to every active reader, with the contract headers, and nothing twice', async () => {
    const ids = await addReaders(h.app, 450);
    await h.app.db.query(`INSERT INTO subscribers (email, status, source) VALUES ('pending@example.net', 'pending', 'test'), ('gone@example.net', 'unsubscribed', 'test')`);
    await readyIssue(h, '2026-W10');
    const { counts, issue } = await sendAndWait(h, '2026-W10');
    expect(counts).toMatchObject({ to_send: 450, sent: 450, failed: 0, skipped: 0, pending: 0 });
    expect(h.fake.distinctRecipients()).toBe(450);
    expect([...h.fake.countByRecipient().values()].every((n) => n === 1)).toBe(true);
    expect(h.fake.countByRecipient().has('pending@example.net')).toBe(false);
    expect(h.fake.countByRecipient().has('gone@example.net')).toBe(false);
    // Batches of at most 100 with an Idempotency-Key each.
    const batches = h.fake.requests.filter((r) => r.path === '/emails/batch' && r.outcome === 'accepted');
    expect(batches).toHaveLength(5);
    expect(batches.every((b) => b.count <= 100 && typeof b.idempotencyKey === 'string' && b.idempotencyKey.length > 0)).toBe(true);
    const d = h.fake.deliveries.find((x) => x.to[0] === 'reader7@example.net')!;
    expect(d.to).toEqual(['reader7@example.net']);
    expect(d.from).toBe('Weekly AI Tool Verdicts <verdicts@example.org>');
    expect(d.html && d.text).toBeTruthy();
    expect(d.tags).toEqual([{ name: 'issue', value: '2026-W10' }]);
    expect(d.headers!['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const unsub = /^<(https:\/\/verdicts\.example\.org\/unsubscribe\?token=([^>]+))>$/.exec(d.headers!['List-Unsubscribe']!);
    expect(unsub).not.toBeNull();
    const claims = verifyToken(h.config.tokenSecret, decodeURIComponent(unsub![2]!), 'unsubscribe');
    expect(claims.ok && claims.claims.subscriberId).toBe(ids[7]);
    // The reader's own links are in the body; no placeholder is left.
    expect(d.html).toContain(unsub![2]);
    expect(d.html).not.toMatch(/%%[A-Z_0-9]+%%/);
    expect(d.text).not.toMatch(/%%[A-Z_0-9]+%%/);
    // The ledger holds the provider's ids.
    const rows = await deliveryRows(h, issue.id);
    const providerIds = new Set(h.fake.deliveries.map((x) => x.id));
    expect(rows.every((r) => r.state === 'sent' && providerIds.has(r.provider_message_id))).toBe(true);

    // Sending again (operator re-runs, sweeper, duplicate jobs) sends nobody twice.
    const before = h.fake.accepted();
    const again = await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week: '2026-W10', notAfter: null });
    expect(again.kind).toBe('already-sent');
    await bullBatchQueue(h.app.queue('send')).addBatches(issue, [0, 1, 2, 3, 4]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.fake.accepted()).toBe(before);
  });

  it('skips a reader who unsubscribed after fan-out', async () => {
    await h.app.db.query(`DELETE FROM subscribers`);
    h.fake.reset();
    const ids = await addReaders(h.app, 250, 1000);
    await readyIssue(h, '2026-W11');
    // Hold the sender: rate-limit the queue for a moment so fan-out happens before any batch runs.
    await h.app.queue('send').rateLimit(1500);
    await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week: '2026-W11', notAfter: null });
    await h.app.db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = ANY($1)`, [[ids[3], ids[240]]]);
    await waitFor(async () => (await findIssue(h.app.db, '2026-W11'))!.state === 'sent', 30_000);
    const issue = (await findIssue(h.app.db, '2026-W11'))!;
    expect(await deliveryCounts(h.app.db, issue.id)).toMatchObject({ to_send: 250, sent: 248, skipped: 2, failed: 0 });
    await expectFiguresMatchRecount(h.app.db, issue.id);
    expect(h.fake.countByRecipient().has('reader1003@example.net')).toBe(false);
    expect(h.fake.countByRecipient().has('reader1240@example.net')).toBe(false);
    expect(h.fake.distinctRecipients()).toBe(248);
  });

  it('retries 5xx and dropped connections without a duplicate', async () => {
    await h.app.db.query(`DELETE FROM subscribers`);
    h.fake.reset();
    await addReaders(h.app, 300, 2000);
    await readyIssue(h, '2026-W12');
    h.fake.failNext(3, { status: 503 });
    h.fake.acceptThenDropNext(1); // accepted, but the client sees a network error: the retry must replay
    const { counts, issue } = await sendAndWait(h, '2026-W12');
    expect(counts).toMatchObject({ to_send: 300, sent: 300, failed: 0 });
    expect(h.fake.distinctRecipients()).toBe(300);
    expect([...h.fake.countByRecipient().values()].every((n) => n === 1)).toBe(true);
    expect(h.fake.requests.filter((r) => r.status === 503).length).toBe(3);
    expect(h.fake.replays).toBeGreaterThanOrEqual(1);
    const retried = (await deliveryRows(h, issue.id)).filter((r) => r.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
  });

  it('fails a batch the provider refuses (4xx) and stores its reason; the rest go out', async () => {
    await h.app.db.query(`DELETE FROM subscribers`);
    h.fake.reset();
    await addReaders(h.app, 150, 3000);
    // An address the provider will refuse in strict batch validation (imported before validation existed).
    await h.app.db.query(`UPDATE subscribers SET email = 'not-an-address' WHERE email = 'reader3005@example.net'`);
    await readyIssue(h, '2026-W13');
    const { counts, issue } = await sendAndWait(h, '2026-W13');
    expect(counts).toMatchObject({ to_send: 150, sent: 50, failed: 100 });
    const failed = (await deliveryRows(h, issue.id)).filter((r) => r.state === 'failed');
    expect(failed[0].last_error).toMatch(/422/);
    expect(failed.every((r) => r.attempts === 1)).toBe(true);
  });
});

describe('provider rate limit (redis)', () => {
  let h: Harness;
  let workers: RunningWorkers;
  afterEach(async () => {
    await workers?.close();
    await h?.close();
  });

  it('waits as told on 429, counts no attempt for it, and loses nobody', async () => {
    // We send at 20 requests/s; the provider allows 3: it answers 429 with retry-after.
    h = await createHarness({ env: { SEND_RATE: '20' } });
    workers = startWorkers(h.app, ['render', 'send']);
    h.fake.setRateLimit(3);
    await addReaders(h.app, 1200);
    await readyIssue(h, '2026-W14');
    const { counts } = await sendAndWait(h, '2026-W14', 60_000);
    expect(counts).toMatchObject({ to_send: 1200, sent: 1200, failed: 0 });
    expect(h.fake.rateLimited).toBeGreaterThan(0);
    expect(h.fake.distinctRecipients()).toBe(1200);
    expect([...h.fake.countByRecipient().values()].every((n) => n === 1)).toBe(true);
  });

  it('keeps to SEND_RATE: a provider allowing exactly that rate is filled, never exceeded, with at most a rare 429', async () => {
    // The provider in its own process, as a real one is: its clock is not slowed by our work; and it
    // counts the limit in its gateway thread when a request arrives, not when its busy loop gets to it.
    const provider = await startFakeResendProcess({ rate: 4, gateway: true });
    try {
      h = await createHarness({ env: { SEND_RATE: '4' }, providerUrl: provider.url });
      workers = startWorkers(h.app, ['render', 'send']);
      await addReaders(h.app, 4000);
      await readyIssue(h, '2026-W15');
      const { counts } = await sendAndWait(h, '2026-W15', 60_000);
      expect(counts).toMatchObject({ sent: 4000, failed: 0 });
      const { stats } = await provider.control({ op: 'stats' });
      // Requests leave at least 1/R apart with 4 % spare, spaced as they actually leave (the gate's
      // departure check). On a quiet machine that gave no 429 in 12 of 13 runs here; on a loaded one (CI
      // runs two test files at once) a request can still reach the provider over 40 ms later than the one
      // before it, and the next on-time one then lands inside the same second: a rare 429, which costs a
      // pause and no delivery (asserted above).
      expect(stats.rateLimited).toBeLessThanOrEqual(4);
      expect(stats.distinctRecipients).toBe(4000);
      expect(stats.duplicateRecipients).toBe(0);
      const achieved = (stats.acceptedRequests - 1) / ((stats.lastAcceptedAt! - stats.firstAcceptedAt!) / 1000);
      // Never over R. How close to R it gets is a figure for the benchmark (`npm run bench -- --rate 4`:
      // 0.96 R on a quiet machine), not for a test sharing the machine with another test file: there
      // timers fire late and each request leaves a few ms after its moment (0.945 R seen in a CI run with
      // no 429). The floor only says the gate does not stall; each 429 costs every sender a one-second pause.
      expect(achieved).toBeGreaterThan((stats.rateLimited === 0 ? 0.85 : 0.6) * 4);
      expect(achieved).toBeLessThanOrEqual(4);
    } finally {
      await provider.stop();
    }
  });
});

describe('resuming a send whose queue was lost', () => {
  it('the sweeper re-queues pending batches and the send completes once', async () => {
    const h = await createHarness({ env: { SEND_RATE: '50' } });
    try {
      await addReaders(h.app, 500);
      await readyIssue(h, '2026-W16');
      await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week: '2026-W16', notAfter: null });
      // The queue loses every job (as after a Redis restart without persistence).
      await h.app.queue('send').obliterate({ force: true });
      expect(await h.app.queue('send').count()).toBe(0);
      const workers = startWorkers(h.app, ['send']);
      const requeued = await resumeSends(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log);
      expect(requeued).toBe(5);
      await waitFor(async () => (await findIssue(h.app.db, '2026-W16'))!.state === 'sent', 30_000);
      await workers.close();
      expect(h.fake.distinctRecipients()).toBe(500);
      expect([...h.fake.countByRecipient().values()].every((n) => n === 1)).toBe(true);
    } finally {
      await h.close();
    }
  });
});
