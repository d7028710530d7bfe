// What an editor can now do without a browser: list issues and readers, approve, hold, cancel, send a
// test; and the operator's `send` refusing a later week unless told --now. The command runs in this
// process (its `main`, as bin.mjs calls it) against a real, migrated database; mail goes to the outbox.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, uniqueQueuePrefix, type TestDatabase } from '../support/db.js';
import { main } from '../../src/cli/main.js';
import { isoWeekOf } from '../../src/issues/week.js';

let t: TestDatabase;

async function verdicts(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  // vitest routes console.log past process.stdout: catch both.
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += parts.join(' ') + '\n'));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'verdicts', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    log.mockRestore();
    err.mockRestore();
  }
}
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').pop()!);

/** The ISO week `n` weeks after the current one. */
const weekFromNow = (n: number) => isoWeekOf(new Date(Date.now() + n * 7 * 86400_000), 'UTC');

beforeAll(async () => {
  t = await createTestDatabase('clied');
  Object.assign(process.env, {
    DATABASE_URL: t.url,
    QUEUE_PREFIX: uniqueQueuePrefix('clied'),
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'verdicts-clied-')),
    PUBLIC_URL: 'https://verdicts.example.org',
    SCHEDULE_TZ: 'UTC',
  });
  delete process.env.REDIS_URL;
  delete process.env.RESEND_API_KEY;
  expect((await verdicts('catalog', 'import')).stdout).toMatch(/^imported 17 tools, 8 reviewers, 120 reviews$/m);
  await t.db.query(
    `INSERT INTO subscribers (email, status, source, consent_at) VALUES ('a@example.net', 'active', 'test', now()), ('b@example.net', 'active', 'test', now()), ('p@example.net', 'pending', 'test', NULL)`,
  );
});
afterAll(async () => t?.drop());

describe('verdicts for an editor', () => {
  it('issues lists each week with its state and counts; an empty list says how to start', async () => {
    expect((await verdicts('issues')).stdout).toContain('no issues yet');
    expect((await verdicts('plan', '--week', '2026-W10')).stdout).toMatch(/^2026-W10: planned, 2 pairs$/m);
    expect((await verdicts('plan', '--week', '2026-W10')).stdout).toMatch(/^2026-W10: already planned \(planned\), 2 pairs$/m);
    const listed = lastJson((await verdicts('issues', '--json')).stdout);
    expect(listed.issues).toEqual([expect.objectContaining({ week: '2026-W10', state: 'planned', pairs: 2, to_send: 0 })]);
    expect((await verdicts('issues')).stdout).toMatch(/^2026-W10 {2}planned {4}2 pairs/m);
  });

  it('test-send mails one marked copy to the address given, and refuses without --to or with a bad one', async () => {
    expect((await verdicts('render', '--week', '2026-W10', '--out', process.env.DATA_DIR!)).code).toBe(0);
    const sent = await verdicts('test-send', '--week', '2026-W10', '--to', 'editor@example.org', '--json');
    expect(sent.code).toBe(0);
    expect(lastJson(sent.stdout)).toMatchObject({ week: '2026-W10', to: 'editor@example.org', mailer: 'outbox' });
    const { rows } = await t.db.query(`SELECT to_address, subject FROM outbox`);
    expect(rows).toEqual([{ to_address: 'editor@example.org', subject: expect.stringMatching(/^\[TEST\] /) }]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM deliveries`)).rows[0].n).toBe(0);

    const missing = await verdicts('test-send', '--week', '2026-W10');
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'verdicts: --to ADDRESS is required: whom to send the test to']);
    const bad = await verdicts('test-send', '--week', '2026-W10', '--to', 'not-an-address');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('hold, approve and cancel move the issue as the admin page does, each with one line', async () => {
    expect((await verdicts('hold', '--week', '2026-W10', '--reason', 'waiting for a fix')).stdout).toContain('2026-W10: held (waiting for a fix)');
    expect((await t.db.query(`SELECT state, state_reason FROM issues WHERE week = '2026-W10'`)).rows[0]).toEqual({ state: 'held', state_reason: 'waiting for a fix' });

    const approved = await verdicts('approve', '--week', '2026-W10', '--json');
    expect(approved.code).toBe(0);
    // 2026-W10 is long past its slot and cut-off: approved, but the schedule will not send it.
    expect(lastJson(approved.stdout)).toMatchObject({ week: '2026-W10', state: 'approved', outcome: 'late' });

    expect((await verdicts('cancel', '--week', '2026-W10')).stdout).toContain('2026-W10: cancelled');
    const again = await verdicts('hold', '--week', '2026-W10');
    expect([again.code, again.stderr.trim()]).toEqual([1, 'verdicts: issue 2026-W10 is cancelled: it cannot be held']);
    const none = await verdicts('approve', '--week', '2026-W11');
    expect([none.code, none.stderr.trim()]).toEqual([1, 'verdicts: no issue planned for 2026-W11']);
  });

  it('subscribers list shows readers, filtered by status, with a count in words', async () => {
    const all = await verdicts('subscribers', 'list');
    expect(all.stdout).toMatch(/^3 readers$/m);
    const active = lastJson((await verdicts('subscribers', 'list', '--status', 'active', '--json')).stdout);
    expect(active.total).toBe(2);
    expect(active.subscribers.map((s: { email: string }) => s.email).sort()).toEqual(['a@example.net', 'b@example.net']);
    expect((await verdicts('subscribers', 'list', '--status', 'pending')).stdout).toMatch(/^1 pending reader$/m);
    const bad = await verdicts('subscribers', 'list', '--status', 'gone');
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'verdicts: --status must be one of pending, active, inactive, unsubscribed, bounced, complained, not "gone"']);
  });
});

describe('verdicts send for a later week', () => {
  it('refuses without --now, writing nothing; with --now it is approved and queued', async () => {
    const later = weekFromNow(2);
    const refused = await verdicts('send', '--week', later);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `verdicts: ${later} is a later week than this one (${weekFromNow(0)}): "verdicts approve --week ${later}" sends it at its slot; add --now to send it today anyway`,
    );
    expect((await t.db.query(`SELECT count(*)::int AS n FROM issues WHERE week = $1`, [later])).rows[0].n).toBe(0);

    const forced = await verdicts('send', '--week', later, '--now', '--json');
    expect(forced.code).toBe(0);
    expect((await t.db.query(`SELECT state FROM issues WHERE week = $1`, [later])).rows[0].state).toBe('approved');
    // The current week is not "later": no --now needed (here it is only queued; no worker runs).
    expect((await verdicts('send', '--week', weekFromNow(0))).code).toBe(0);
  });
});
