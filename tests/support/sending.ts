// An issue taken through the real pipeline by the send tests: planned, rendered and approved, then fanned out
// to the send queue and waited for; and the harness with its render and send workers that they run it on.
import { afterAll, beforeAll } from 'vitest';
import { createHarness, waitFor, type Harness } from './harness.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { findIssue, type IssueRow } from '../../src/issues/repo.js';

/** Plans, renders and approves the week: ready to send. */
export async function readyIssue(h: Harness, week: string, pairsPerIssue = 2): Promise<IssueRow> {
  await planWeek(h.app.db, h.app.log, week, { pairsPerIssue });
  await renderWeek(h.app.db, h.app.log, week, h.app.config);
  return approveWeek(h.app.db, h.app.log, week, 'test');
}

/** Fans the week out to the send queue and waits until the workers have sent it. */
export async function sendAndWait(h: Harness, week: string) {
  await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week, notAfter: null });
  await waitFor(async () => (await findIssue(h.app.db, week))!.state === 'sent', 60_000, `${week} sent`);
  const issue = (await findIssue(h.app.db, week))!;
  return { issue, counts: await deliveryCounts(h.app.db, issue.id) };
}

/** A harness for the enclosing describe block (or file), with the given workers: opened before its tests,
 * closed after them. Its `h` is there once the tests run. */
export function harnessFor(opts: Parameters<typeof createHarness>[0], roles: Parameters<typeof startWorkers>[1] = []): { readonly h: Harness } {
  let h: Harness | undefined;
  let workers: RunningWorkers | undefined;
  beforeAll(async () => {
    h = await createHarness(opts);
    if (roles.length > 0) workers = startWorkers(h.app, roles);
  });
  afterAll(async () => {
    await workers?.close();
    await h?.close();
  });
  return {
    get h() {
      if (!h) throw new Error('harnessFor: h is only there inside the tests, once beforeAll has run');
      return h;
    },
  };
}

/** A harness with render and send workers for the enclosing describe block (or file). */
export const sendingHarness = (opts: Parameters<typeof createHarness>[0]) => harnessFor(opts, ['render', 'send']);
