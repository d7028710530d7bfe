// A real sender process killed with SIGKILL mid-send, then restarted: every active reader ends with
// exactly one email at the provider, nobody missed, nobody twice; readers of two topic sets each get
// their own variant of the issue.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addReaders, createHarness, waitFor, type Backend, type Harness } from '../support/harness.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import { findIssue } from '../../src/issues/repo.js';

const BIN = path.resolve('src/cli/bin.mjs');

function startSender(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, 'worker', 'send'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function exited(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
}

describe.each<Backend>(['redis', 'postgres'])('a sender killed with SIGKILL mid-send (%s backend)', (backend) => {
  let h: Harness;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h?.close();
  });

  it('leaves every reader with exactly one email after a restart', async () => {
    h = await createHarness({ backend, env: { SEND_RATE: '25' } });
    const readers = 2000;
    await addReaders(h.app, readers);
    await planWeek(h.app.db, h.app.log, '2026-W20', { pairsPerIssue: 2 });
    const planned = (await findIssue(h.app.db, '2026-W20'))!;
    // Readers of two topic sets: every other reader wants only the first pair's category, so the send has
    // two variants (the whole issue and the first pair alone), each with its own template and batches.
    const { rows: cats } = await h.app.db.query<{ category: string }>(`SELECT category FROM comparisons WHERE issue_id = $1 ORDER BY position`, [planned.id]);
    expect(new Set(cats.map((c) => c.category)).size, 'two categories in the issue').toBe(2);
    await h.app.db.query(`UPDATE subscribers SET topics = $1 WHERE id % 2 = 0`, [[cats[0]!.category]]);
    await renderWeek(h.app.db, h.app.log, '2026-W20', h.app.config);
    await approveWeek(h.app.db, h.app.log, '2026-W20', 'test');
    // Every answer is held for a while: when the kill comes, requests are in flight, and the provider
    // accepts them after the sender died, before it could mark its rows sent.
    h.fake.stall(400);

    const first = startSender(h.env);
    children.push(first);
    await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week: '2026-W20', notAfter: null });
    await waitFor(async () => h.fake.accepted() >= 600, 60_000, 'a third of the send');
    first.kill('SIGKILL');
    await exited(first);
    const issue = (await findIssue(h.app.db, '2026-W20'))!;
    const atKill = await deliveryCounts(h.app.db, issue.id);
    expect(atKill.pending).toBeGreaterThan(0); // the kill really interrupted the send

    h.fake.stall(0);
    const second = startSender(h.env);
    children.push(second);
    await waitFor(async () => (await findIssue(h.app.db, '2026-W20'))!.state === 'sent', 90_000, 'the send to finish');
    second.kill('SIGTERM');
    await exited(second);

    const counts = await deliveryCounts(h.app.db, issue.id);
    await expectFiguresMatchRecount(h.app.db, issue.id);
    expect(counts).toMatchObject({ to_send: readers, sent: readers, failed: 0, skipped: 0, pending: 0 });
    // At the provider: every reader once. Replays of an idempotency key are not new deliveries.
    expect(h.fake.distinctRecipients()).toBe(readers);
    expect(h.fake.duplicates().size).toBe(0);
    expect(h.fake.accepted()).toBe(readers);
    // The interesting case happened: batches the provider accepted while their sender was dead were
    // sent again after the restart and answered from the idempotency record, not delivered twice.
    expect(h.fake.replays).toBeGreaterThan(0);
    // On the template path (RESEND_TEMPLATES defaults on): one template per variant, every message naming
    // its reader's, and each retried batch carried the same body under its key (a changed body would have
    // been answered 409).
    const templates = h.fake.templates.list();
    expect(templates).toHaveLength(2);
    const { rows: byReader } = await h.app.db.query<{ email: string; variant_key: string | null }>(
      `SELECT s.email, d.variant_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue_id = $1`, [issue.id]);
    const variantOf = new Map(byReader.map((r) => [r.email, r.variant_key]));
    expect(new Set(variantOf.values())).toEqual(new Set([null, '1']));
    const templateOf = new Map<string | null, Set<string | undefined>>();
    for (const d of h.fake.deliveries) {
      const v = variantOf.get(d.to[0]!)!;
      templateOf.set(v, (templateOf.get(v) ?? new Set()).add(d.templateId));
      // A first-topic reader's email holds one comparison, the others' two.
      expect((d.html!.match(/<h2\b/g) ?? []).length, d.to[0]).toBe(v === null ? 2 : 1);
    }
    expect([...templateOf.values()].map((t) => t.size)).toEqual([1, 1]);
    expect(new Set([...templateOf.values()].flatMap((t) => [...t]))).toEqual(new Set(templates.map((t) => t.id)));
    expect(h.fake.requests.filter((r) => r.errorName === 'invalid_idempotent_request')).toHaveLength(0);
  }, 180_000);
});
