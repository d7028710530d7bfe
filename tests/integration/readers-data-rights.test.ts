// `verdicts subscribers export EMAIL` and `verdicts subscribers forget EMAIL`, run as the real command
// against a real database: everything stored comes out; erasure leaves only a hash that blocks imports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHarness, type Harness } from '../support/harness.js';
import { emailHash, importSubscribersCsv } from '../../src/subscribers/import.js';
import { deliveryCounts, issueFigures, recountFigures, recountIssue, storedFigures } from '../../src/delivery/counts.js';
import { exportSubscriber } from '../../src/subscribers/data-rights.js';
import { inTransaction } from '../../src/db/pool.js';

let h: Harness;
let issueId: number;
let sendingId: number; // an issue still sending, with a row of Ada's not sent yet

function verdicts(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/cli/bin.mjs', ...args], { env: { ...process.env, ...h.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const count = async (sql: string, params: unknown[] = []) => (await h.app.db.query(sql, params)).rows[0].n as number;

beforeAll(async () => {
  h = await createHarness({ backend: 'redis' });
  const db = h.app.db;
  const { rows } = await db.query(
    `INSERT INTO subscribers (email, name, status, source, consent_at, confirm_sent_at) VALUES ('ada@example.com', 'Ada', 'active', 'form', now(), now()) RETURNING id`,
  );
  const id = rows[0].id;
  const issue = (await db.query(`INSERT INTO issues (week, state, subject, html, text, send_started_at, sent_at) VALUES ('2026-W08', 'sent', 's', 'h', 't', now(), now()) RETURNING id`)).rows[0].id;
  issueId = issue;
  const tool = (await db.query(`SELECT id FROM tools ORDER BY slug LIMIT 1`)).rows[0].id;
  await db.query(`INSERT INTO votes (subscriber_id, tool_id, issue_id, choice) VALUES ($1, $2, $3, 'ship')`, [id, tool, issue]);
  await db.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state, provider_message_id, events, sent_at) VALUES ($1, $2, 7, 'sent', 're_1', '{"opened": {"count": 1}}', now())`, [issue, id]);
  sendingId = (await db.query(`INSERT INTO issues (week, state, subject, html, text, send_started_at) VALUES ('2026-W09', 'sending', 's', 'h', 't', now()) RETURNING id`)).rows[0].id;
  await db.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state) VALUES ($1, $2, 0, 'queued')`, [sendingId, id]);
  // Rows written by hand: the figures from a recount, as the ledger would have kept them.
  await recountIssue(db, issue);
  await recountIssue(db, sendingId);
  await db.query(`INSERT INTO outbox (idempotency_key, position, message_id, to_address, from_address, subject, html, text) VALUES ('k', 0, 'k/0', 'ada@example.com', 'x@y.z', 'Confirm', 'h', 't')`);
  await db.query(`INSERT INTO subscribers (email, status, source) VALUES ('grace@example.com', 'active', 'form')`);
});
afterAll(async () => {
  await h?.close();
});

describe('verdicts subscribers export', () => {
  it('prints everything stored about the reader as JSON', async () => {
    const r = await verdicts('subscribers', 'export', ' ADA@example.com ');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(data.subscriber).toMatchObject({ email: 'ada@example.com', name: 'Ada', status: 'active', source: 'form' });
    expect(data.subscriber.consent_at).toBeTruthy();
    expect(data.votes).toEqual([expect.objectContaining({ choice: 'ship', issue: '2026-W08' })]);
    expect(data.deliveries).toEqual([
      expect.objectContaining({ issue: '2026-W08', state: 'sent', provider_message_id: 're_1', events: { opened: { count: 1 } } }),
      expect.objectContaining({ issue: '2026-W09', state: 'queued' }),
    ]);
    // The batch it went in, and that batch's idempotency key: the string to grep the senders' logs for.
    expect(data.deliveries[0]).toMatchObject({ batch_no: 7, idempotency_key: `verdicts/2026-W08/issue-${issueId}/batch-7` });
    expect(data.deliveries[0]).not.toHaveProperty('issue_id');
    expect(data.messages).toEqual([expect.objectContaining({ subject: 'Confirm', message_id: 'k/0' })]);
    expect(JSON.stringify(data)).not.toContain('grace@example.com');
  });

  it('fails with one line for an unknown or invalid address', async () => {
    const unknown = await verdicts('subscribers', 'export', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('verdicts: no reader with the address nobody@example.com');
    const invalid = await verdicts('subscribers', 'export', 'not an address');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.trim()).toBe('verdicts: "not an address" is not a valid email address');
  });
});

describe('finding the reader to export or forget', () => {
  it('reads the one reader by an index on the address, not the list up to them', async () => {
    const db = h.app.db;
    await db.query(`INSERT INTO subscribers (email, status, source) SELECT 'many' || g || '@example.net', 'active', 'import' FROM generate_series(1, 5000) g`);
    await db.query('ANALYZE subscribers');
    const read = await inTransaction(db, async (tx) => {
      const tuples = async () => Number((await tx.query<{ n: string }>(
        `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'subscribers'`,
      )).rows[0]?.n ?? 0);
      const before = await tuples();
      const found = await exportSubscriber(tx, 'MANY4999@example.net');
      expect(found?.subscriber).toMatchObject({ email: 'many4999@example.net' });
      return (await tuples()) - before;
    });
    // The reader's own row (and nothing like the 5,000 before them).
    expect(read).toBeLessThan(10);
    await db.query(`DELETE FROM subscribers WHERE email LIKE 'many%@example.net'`);
  });
});

describe('verdicts subscribers forget', () => {
  it("erases the reader, their votes, deliveries and stored messages, keeping only the address's hash", async () => {
    const r = await verdicts('subscribers', 'forget', 'ada@example.com', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ erased: true });
    expect(await count(`SELECT count(*)::int AS n FROM subscribers WHERE email = 'ada@example.com'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM votes`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM deliveries`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM outbox WHERE to_address = 'ada@example.com'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM forgotten_subscribers WHERE email_hash = $1`, [emailHash('ada@example.com')])).toBe(1);
    // Nothing of the address itself is left anywhere.
    const { rows } = await h.app.db.query(`SELECT email_hash FROM forgotten_subscribers`);
    expect(JSON.stringify(rows)).not.toContain('ada');
    expect(await count(`SELECT count(*)::int AS n FROM subscribers WHERE email = 'grace@example.com'`)).toBe(1);
  });

  it("keeps the issues' figures as historical totals that a recount still agrees with", async () => {
    // Ada's rows are gone (the test above); the sent issue still counts the reader it was sent to and
    // her open, and her row that was never sent now counts as skipped, so that send can reach 100 %.
    const sent = (await issueFigures(h.app.db, [issueId])).get(issueId)!;
    expect(sent).toMatchObject({ to_send: 1, sent: 1, pending: 0 });
    expect(sent.events.opened).toBe(1);
    expect(await deliveryCounts(h.app.db, sendingId)).toEqual({ to_send: 1, sent: 0, failed: 0, skipped: 1, pending: 0 });
    for (const id of [issueId, sendingId]) {
      expect(await recountFigures(h.app.db, id)).toEqual(await storedFigures(h.app.db, id));
      // A repair recount changes nothing either.
      const before = await storedFigures(h.app.db, id);
      await recountIssue(h.app.db, id);
      expect(await storedFigures(h.app.db, id)).toEqual(before);
    }
    // Her vote went with her: the vote totals are the votes there are.
    expect(await count(`SELECT coalesce(sum(n), 0)::int AS n FROM vote_counts`)).toBe(0);
  });

  it('keeps a later import from adding the address back', async () => {
    const report = await importSubscribersCsv(h.app.db, 'email\nada@example.com\nlinus@example.com\n', { confirmed: true, source: 'import:test' });
    expect(report.imported).toBe(1);
    expect(report.invalid).toEqual([{ line: 0, value: '(erased address)', reason: 'this reader asked to be forgotten' }]);
    expect(await count(`SELECT count(*)::int AS n FROM subscribers WHERE email = 'ada@example.com'`)).toBe(0);
  });

  it('records the hash even for an address that was never on the list, and is idempotent', async () => {
    const never = await verdicts('subscribers', 'forget', 'Never@Example.com');
    expect(never.code).toBe(0);
    expect(never.stdout).toContain('no reader with the address Never@Example.com');
    expect(await count(`SELECT count(*)::int AS n FROM forgotten_subscribers WHERE email_hash = $1`, [emailHash('never@example.com')])).toBe(1);
    const again = await verdicts('subscribers', 'forget', 'ada@example.com', '--json');
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toEqual({ erased: false });
    expect(await count(`SELECT count(*)::int AS n FROM forgotten_subscribers`)).toBe(2);
    expect((await importSubscribersCsv(h.app.db, 'email\nnever@example.com\n', { confirmed: false, source: 'import:test' })).imported).toBe(0);
  });
});
