// The production build (`npm run build`): the bundled `verdicts` command finds its migrations and sample
// catalog from dist/, and a bundled `verdicts worker send` process delivers an issue exactly once.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { build } from '../../src/cli/build.mjs';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { startVerdicts, type VerdictsProcess } from '../support/processes.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { findIssue } from '../../src/issues/repo.js';

const run = promisify(execFile);

describe('the production build', () => {
  // Inside the project (.data is git-ignored): the bundle finds the project's root by walking up from itself.
  const outdir = path.resolve('.data', `build-test-${process.pid}`);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-build-test-'));
  let entry: string;
  let h: Harness;
  let sender: VerdictsProcess | undefined;

  beforeAll(async () => {
    entry = await build(outdir);
    h = await createHarness({ env: { SEND_RATE: '50' } });
  }, 60_000);

  afterAll(async () => {
    await sender?.kill('SIGTERM');
    await h?.close();
    rmSync(outdir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  });

  const verdicts = (...args: string[]) => run(process.execPath, [entry, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...h.env } });

  it('runs the command line from dist/, with the migrations and the sample catalog found from there', async () => {
    expect((await verdicts('--help')).stdout).toContain('worker [kind]');
    expect((await verdicts('migrate')).stdout.trim()).toBe('database is up to date');
    expect((await verdicts('catalog', 'import', '--sample')).stdout).toMatch(/^imported 17 tools, 8 reviewers, 120 reviews$/m);
    const bad = await verdicts('plan', '--week', '2026-W99').catch((err: { code: number; stderr: string }) => err);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toMatch(/^verdicts: .*2026-W99/);
  });

  it('a bundled sender process delivers an issue to every reader exactly once', async () => {
    const readers = 500;
    await addReaders(h.app, readers);
    await planWeek(h.app.db, h.app.log, '2026-W21', { pairsPerIssue: 2 });
    await renderWeek(h.app.db, h.app.log, '2026-W21', h.app.config);
    await approveWeek(h.app.db, h.app.log, '2026-W21', 'test');
    sender = startVerdicts('bundled sender', ['worker', 'send'], { ...h.env, LOG_LEVEL: 'info' }, path.join(logDir, 'send.log'), { entry });
    await sender.waitForLog('workers started', 30_000);
    await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week: '2026-W21', notAfter: null });
    await waitFor(async () => (await findIssue(h.app.db, '2026-W21'))!.state === 'sent', 60_000, 'the send to finish');

    const issue = (await findIssue(h.app.db, '2026-W21'))!;
    expect(await deliveryCounts(h.app.db, issue.id)).toMatchObject({ to_send: readers, sent: readers, pending: 0, failed: 0 });
    expect(h.fake.distinctRecipients()).toBe(readers);
    expect(h.fake.duplicates().size).toBe(0);
    // Its pino lines reach the log file a moment after the rows are marked.
    await waitFor(async () => sender!.logLines().filter((l) => l.msg === 'batch sent').length === readers / 100, 10_000, 'a log line per batch');
  }, 90_000);
});
