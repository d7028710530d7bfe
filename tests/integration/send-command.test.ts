// `verdicts send` when the send cannot go on by itself: a fan-out job that failed must not swallow the
// operator's next go, and `--wait` must end with the reason instead of polling forever.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { sendCommand } from '../../src/cli/issue-commands.js';
import { cancelWeek, holdWeek } from '../../src/issues/lifecycle.js';
import { planWeek } from '../../src/issues/plan.js';
import { LATE_CUTOFF_MS, weeklyTick } from '../../src/issues/schedule.js';
import { scheduleDeps } from '../../src/queue/schedule-jobs.js';
import { findIssue } from '../../src/issues/repo.js';
import type { AppWorker } from '../../src/queue/connection.js';

/** What the command wrote to standard error while fn ran. */
async function stderrOf<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { result: await fn(), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('verdicts send when the send cannot go on', () => {
  let h: Harness;
  let workers: RunningWorkers | undefined;
  let broken: AppWorker | undefined;
  beforeAll(async () => {
    h = await createHarness({ env: { SEND_RATE: '50' } });
    await addReaders(h.app, 20);
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(async () => {
    await workers?.close();
    await broken?.close();
    workers = broken = undefined;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await h.close();
  });

  it('a fan-out that failed does not swallow the next send of that week', async () => {
    const week = '2026-W30';
    // The operator's go is queued; an editor holds the issue before a worker picks the fan-out up, so
    // the fan-out fails for good (not approved).
    expect(await sendCommand(h.app, week, {})).toBe(0);
    await holdWeek(h.app.db, h.app.log, week, 'typo in the subject');
    workers = startWorkers(h.app, ['render', 'send']);
    const fanOutJob = async () => (await h.app.queue('render').getJobs(['failed'])).find((j) => j.name === 'fan-out' && j.data.week === week);
    await waitFor(async () => Boolean(await fanOutJob()), 15_000, 'the fan-out to fail');

    // Fixed and sent again: this go must start the send, not be deduplicated against the failed job.
    expect(await sendCommand(h.app, week, {})).toBe(0);
    await waitFor(async () => (await findIssue(h.app.db, week))?.state === 'sent', 20_000, 'the second go to send the issue');
    expect(h.fake.distinctRecipients()).toBe(20);
  });

  it('--wait ends non-zero with the reason when the issue is held meanwhile', async () => {
    const week = '2026-W31';
    // No worker runs, so the send waits; an editor holds it.
    const waiting = stderrOf(() => sendCommand(h.app, week, { wait: true }));
    await waitFor(async () => (await findIssue(h.app.db, week))?.state === 'approved', 15_000, 'the go');
    await holdWeek(h.app.db, h.app.log, week, 'legal wants a look');
    const ended = await Promise.race([waiting, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(ended, 'send --wait still polling 10 s after the hold').not.toBeNull();
    expect(ended!.result).toBe(1);
    expect(ended!.stderr).toContain(`${week} is held: legal wants a look`);
  });

  it('--wait ends non-zero with the reason when the fan-out fails for good', async () => {
    const week = '2026-W32';
    // A render worker whose fan-out fails permanently (as a broken database or a bug would make it).
    broken = h.app.queues.worker(`${h.app.queuePrefix}-render`, async () => {
      throw new UnrecoverableError('audience query failed: relation "deliveries" is locked');
    }, {});
    const ended = await Promise.race([stderrOf(() => sendCommand(h.app, week, { wait: true })), new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(ended, 'send --wait still polling 15 s after the fan-out failed').not.toBeNull();
    expect(ended!.result).toBe(1);
    expect(ended!.stderr).toContain(`the send of ${week} could not start: audience query failed`);
    expect((await findIssue(h.app.db, week))?.state).toBe('approved');
  });

  it('a missed or cancelled week is refused by send with what to do, and re-planning with --force lets it go out', async () => {
    // The schedule fired while the workers were down for more than the cut-off: the week is missed.
    const slot = new Date('2026-08-18T09:00:00Z'); // 2026-W34
    const missed = await weeklyTick(scheduleDeps(h.app), slot, new Date(slot.getTime() + LATE_CUTOFF_MS + 3600_000));
    expect(missed.kind).toBe('missed');
    const week = missed.week;
    await expect(sendCommand(h.app, week, {})).rejects.toThrow(`re-plan it with "verdicts plan --week ${week} --force"`);
    // What the refusal says to do must work.
    const replanned = await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2, force: true });
    expect(replanned.issue?.state).toBe('planned');
    workers = startWorkers(h.app, ['render', 'send']);
    expect(await sendCommand(h.app, week, { wait: true })).toBe(0);
    expect((await findIssue(h.app.db, week))?.state).toBe('sent');

    const cancelled = '2026-W33';
    await planWeek(h.app.db, h.app.log, cancelled, { pairsPerIssue: 2 });
    await cancelWeek(h.app.db, h.app.log, cancelled, 'no issue this week');
    await expect(sendCommand(h.app, cancelled, {})).rejects.toThrow('is cancelled');
    expect((await planWeek(h.app.db, h.app.log, cancelled, { pairsPerIssue: 2, force: true })).issue?.state).toBe('planned');
  });
});
