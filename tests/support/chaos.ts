// Shared by tests/chaos/*: a real send (fresh database, fresh queue names, the provider in its own
// process, sender processes started as operators start them), and the one verdict every chaos test
// ends with: each active reader has exactly one email at the provider and the ledger agrees.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { addReaders, createHarness, waitFor, type Backend, type Harness } from './harness.js';
import { startFakeResendProcess, type FakeResendProcess } from './fake-resend-process.js';
import { startVerdicts, type VerdictsProcess } from './processes.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { deliveryCounts, type DeliveryCounts } from '../../src/delivery/ledger.js';
import { findIssue } from '../../src/issues/repo.js';
import { expectFiguresMatchRecount } from './ledger-figures.js';

/** CI runs each chaos test at scale 1 (well under a minute); CHAOS_SCALE=10 is the larger run. */
export const CHAOS_SCALE = Math.max(1, Number(process.env.CHAOS_SCALE ?? 1));

export interface ChaosSend {
  h: Harness;
  provider: FakeResendProcess;
  week: string;
  readers: number;
  processes: VerdictsProcess[];
  /** Starts one more process (`worker send` by default) with this send's env. */
  start(args?: string[], extraEnv?: Record<string, string>): Promise<VerdictsProcess>;
  /** Fixes the audience and queues the batches (what the fan-out job does). */
  fanOut(): Promise<void>;
  /** Accepted emails at the provider so far (replays not counted). */
  accepted(): Promise<number>;
  counts(): Promise<DeliveryCounts & { state: string }>;
  /** Waits for state 'sent', tolerating a database that is being disrupted meanwhile. */
  waitSent(timeoutMs: number): Promise<void>;
  /** The exactly-once verdict: provider, ledger, issue and the issue's kept figures agree. */
  expectExactlyOnce(): Promise<void>;
  /** Last lines of every process's log, for a failure message. */
  logTail(): string;
  close(): Promise<void>;
}

export async function chaosSend(opts: {
  readers: number;
  sendRate: number;
  backend?: Backend;
  env?: Record<string, string>;
  providerRate?: number;
  week?: string;
  /** Readers of two topic sets: every other reader wants only the first pair's category (two variants). */
  topics?: boolean;
}): Promise<ChaosSend> {
  // With a rate limit, the fake counts it in its gateway thread, on arrival, as a real provider does.
  const provider = await startFakeResendProcess(opts.providerRate ? { rate: opts.providerRate, gateway: true } : {});
  const h = await createHarness({ backend: opts.backend ?? 'redis', providerUrl: provider.url, env: { SEND_RATE: String(opts.sendRate), ...opts.env } });
  const week = opts.week ?? '2026-W40';
  await addReaders(h.app, opts.readers);
  await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2 });
  if (opts.topics) {
    const { rows } = await h.app.db.query<{ category: string }>(
      `SELECT category FROM comparisons WHERE issue_id = (SELECT id FROM issues WHERE week = $1) ORDER BY position`, [week]);
    expect(new Set(rows.map((r) => r.category)).size, 'two categories in the chaos issue').toBe(2);
    await h.app.db.query(`UPDATE subscribers SET topics = $1 WHERE id % 2 = 0`, [[rows[0]!.category]]);
  }
  await renderWeek(h.app.db, h.app.log, week, h.app.config);
  await approveWeek(h.app.db, h.app.log, week, 'chaos-test');
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-chaos-'));
  const processes: VerdictsProcess[] = [];
  const issueId = (await findIssue(h.app.db, week))!.id;

  const send: ChaosSend = {
    h,
    provider,
    week,
    readers: opts.readers,
    processes,
    async start(args = ['worker', 'send'], extraEnv = {}) {
      const p = startVerdicts(`${args.join(' ')} #${processes.length + 1}`, args, { ...h.env, LOG_LEVEL: 'info', ...extraEnv }, path.join(logDir, `p${processes.length + 1}.log`));
      processes.push(p);
      await p.waitForLog(args[0] === 'scheduler' ? 'schedule registered' : args[0] === 'web' ? 'web listening' : 'workers started', 45_000);
      return p;
    },
    async fanOut() {
      const r = await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week, notAfter: null });
      expect(r.kind).toBe('started');
    },
    async accepted() {
      return (await provider.control({ op: 'stats' })).stats.accepted;
    },
    async counts() {
      const issue = (await findIssue(h.app.db, week))!;
      return { ...(await deliveryCounts(h.app.db, issueId)), state: issue.state };
    },
    async waitSent(timeoutMs) {
      await waitFor(
        async () => {
          try {
            return (await findIssue(h.app.db, week))!.state === 'sent';
          } catch {
            return false; // our own connection was terminated: ask again
          }
        },
        timeoutMs,
        `${week} sent`,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; counts now ${JSON.stringify(await send.counts().catch(() => null))}\n${send.logTail()}`);
      });
    },
    async expectExactlyOnce() {
      const c = await send.counts();
      expect(c).toMatchObject({ state: 'sent', to_send: opts.readers, sent: opts.readers, failed: 0, skipped: 0, pending: 0 });
      const stuck = await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE issue_id = $1 AND state IN ('queued', 'sending')`, [issueId]);
      expect(stuck.rows[0].n).toBe(0);
      const unmarked = await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE issue_id = $1 AND (provider_message_id IS NULL OR sent_at IS NULL)`, [issueId]);
      expect(unmarked.rows[0].n).toBe(0);
      const { stats } = await provider.control({ op: 'stats' });
      // Distinct deliveries the provider accepted; replays of an idempotency key are not deliveries.
      expect(stats.distinctRecipients).toBe(opts.readers);
      expect(stats.duplicateRecipients).toBe(0);
      expect(stats.accepted).toBe(opts.readers);
      await expectFiguresMatchRecount(h.app.db, issueId);
    },
    logTail() {
      return processes
        .map((p) => {
          let lines: string[] = [];
          try {
            lines = readFileSync(p.logFile, 'utf8').trim().split('\n').slice(-8);
          } catch {
            // no log yet
          }
          return `--- ${p.name} (pid ${p.pid}, ${p.alive() ? 'alive' : 'ended'}) ---\n${lines.join('\n')}`;
        })
        .join('\n');
    },
    async close() {
      await Promise.all(processes.map((p) => p.kill('SIGKILL')));
      await h.close().catch(() => {});
      await provider.stop();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
  return send;
}
