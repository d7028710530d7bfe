// The weekly schedule: two schedulers make one issue and one send; a late slot is marked missed;
// planning rules that need the database (re-plan, never repeat a sent pair, none left).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { startScheduler, startWorkers, type RunningWorkers } from '../../workers/start.js';
import { scheduleDeps } from '../../src/queue/schedule-jobs.js';
import { approvalDeadline, weeklyTick, LATE_CUTOFF_MS } from '../../src/issues/schedule.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { comparisonsOf, findIssue, listIssues } from '../../src/issues/repo.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { isoWeekOf } from '../../src/issues/week.js';

describe('two schedulers', () => {
  let h: Harness;
  let second: App;
  const running: RunningWorkers[] = [];
  beforeAll(async () => {
    h = await createHarness({ env: { SEND_RATE: '50' } });
    // A second process's worth of connections on the same database and queues.
    const config = loadConfig(h.env);
    second = await openApp(config, { name: 'second', logger: createLogger('silent') });
  });
  afterAll(async () => {
    for (const r of running) await r.close();
    await second.close();
    await h.close();
  });

  it('fire the week once: one issue, one send, nobody twice', async () => {
    await addReaders(h.app, 300);
    // Both register the same schedule (every second here, weekly in production) and both run workers.
    running.push(await startScheduler(h.app, { every: 1000 }));
    running.push(await startScheduler(second, { every: 1000 }));
    running.push(startWorkers(h.app, ['render', 'send']));
    running.push(startWorkers(second, ['render', 'send']));
    const week = isoWeekOf(new Date(), 'UTC');
    await waitFor(async () => (await findIssue(h.app.db, week))?.state === 'sent', 40_000, 'the scheduled send');
    // Let several more ticks fire: they must find the week planned and sent, and do nothing.
    await new Promise((r) => setTimeout(r, 3500));
    expect((await h.app.queue('schedule').getJobSchedulers()).filter((s) => s.key === 'weekly-issue' || s.id === 'weekly-issue')).toHaveLength(1);
    const issues = await listIssues(h.app.db);
    expect(issues).toHaveLength(1);
    expect(await deliveryCounts(h.app.db, issues[0]!.id)).toMatchObject({ to_send: 300, sent: 300 });
    expect(h.fake.distinctRecipients()).toBe(300);
    expect(h.fake.duplicates().size).toBe(0);
    expect(h.fake.accepted()).toBe(300);
  });
});

describe('late and unapproved sends', () => {
  let h: Harness;
  let workers: RunningWorkers;
  beforeAll(async () => {
    h = await createHarness({ env: { SEND_RATE: '50' } });
    await addReaders(h.app, 50);
    workers = startWorkers(h.app, ['render', 'send']);
  });
  afterAll(async () => {
    await workers.close();
    await h.close();
  });

  it('a slot that fires more than 24 hours late is marked missed and sends nothing', async () => {
    const slot = new Date('2026-03-03T09:00:00Z'); // a Tuesday of 2026-W10
    const now = new Date(slot.getTime() + LATE_CUTOFF_MS + 3600_000);
    const r = await weeklyTick(scheduleDeps(h.app), slot, now);
    expect(r.kind).toBe('missed');
    const issue = await findIssue(h.app.db, '2026-W10');
    expect(issue?.state).toBe('missed');
    expect(issue?.state_reason).toMatch(/25 h ago/);
    expect(h.fake.accepted()).toBe(0);
  });

  it('a queued scheduled fan-out that runs after its cut-off does not send', async () => {
    await planWeek(h.app.db, h.app.log, '2026-W11', { pairsPerIssue: 2 });
    await renderWeek(h.app.db, h.app.log, '2026-W11', h.app.config);
    await approveWeek(h.app.db, h.app.log, '2026-W11', 'test');
    // The workers were down: the fan-out job only runs now, a day and more after its slot.
    await h.app.queue('render').add('fan-out', { week: '2026-W11', trigger: 'schedule', notAfter: Date.now() - 3600_000 });
    await waitFor(async () => (await findIssue(h.app.db, '2026-W11'))?.state === 'missed', 10_000, 'missed');
    const issue = (await findIssue(h.app.db, '2026-W11'))!;
    expect((await deliveryCounts(h.app.db, issue.id)).to_send).toBe(0);
    expect(h.fake.accepted()).toBe(0);
  });
});

describe('approval required', () => {
  let h: Harness;
  let workers: RunningWorkers;
  beforeAll(async () => {
    h = await createHarness({ env: { SEND_RATE: '50', REQUIRE_APPROVAL: 'true' } });
    await addReaders(h.app, 50);
    workers = startWorkers(h.app, ['render', 'send']);
  });
  afterAll(async () => {
    await workers.close();
    await h.close();
  });

  it('an on-time slot waits for the editor and is missed at the cut-off', async () => {
    const deps = scheduleDeps(h.app);
    const slot = new Date();
    const r = await weeklyTick(deps, slot, slot);
    expect(r.kind).toBe('queued-render');
    const week = isoWeekOf(slot, 'UTC');
    await waitFor(async () => (await findIssue(h.app.db, week))?.state === 'rendered', 10_000, 'rendered');
    // Nothing goes out without approval; the cut-off job is queued for the slot + 24 h.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.fake.accepted()).toBe(0);
    const deadline = await h.app.queue('schedule').getJob(`deadline-${week}`);
    expect(deadline?.data.notAfter).toBe(slot.getTime() + LATE_CUTOFF_MS);
    expect(await approvalDeadline(deps, week, slot.getTime() + LATE_CUTOFF_MS, new Date(slot.getTime() + 3600_000))).toBe(false);
    expect(await approvalDeadline(deps, week, slot.getTime() + LATE_CUTOFF_MS, new Date(slot.getTime() + LATE_CUTOFF_MS + 1))).toBe(true);
    expect((await findIssue(h.app.db, week))?.state).toBe('missed');
    expect(h.fake.accepted()).toBe(0);
  });
});

describe('planning a week against the database', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h.close());

  it('returns the existing plan unless forced, and never re-plans a sent issue', async () => {
    const a = await planWeek(h.app.db, h.app.log, '2026-W30', { pairsPerIssue: 2 });
    expect(a.created).toBe(true);
    expect(a.comparisons).toHaveLength(2);
    const b = await planWeek(h.app.db, h.app.log, '2026-W30', { pairsPerIssue: 3 });
    expect(b.created).toBe(false);
    expect(b.comparisons.map((c) => [c.tool_a_id, c.tool_b_id])).toEqual(a.comparisons.map((c) => [c.tool_a_id, c.tool_b_id]));
    const forced = await planWeek(h.app.db, h.app.log, '2026-W30', { pairsPerIssue: 3, force: true });
    expect(forced.created).toBe(true);
    expect(forced.comparisons).toHaveLength(3);
    await h.app.db.query(`UPDATE issues SET state = 'sent' WHERE week = '2026-W30'`);
    await expect(planWeek(h.app.db, h.app.log, '2026-W30', { pairsPerIssue: 2, force: true })).rejects.toThrow(/sent: it can no longer be re-planned/);
  });

  it('never plans a pair another week already featured, and a later week prefers fresh tools', async () => {
    const w30 = await comparisonsOf(h.app.db, (await findIssue(h.app.db, '2026-W30'))!.id);
    const w31 = await planWeek(h.app.db, h.app.log, '2026-W31', { pairsPerIssue: 3 });
    const key = (c: { tool_a_id: number; tool_b_id: number }) => `${c.tool_a_id}-${c.tool_b_id}`;
    const before = new Set(w30.map(key));
    expect(w31.comparisons.every((c) => !before.has(key(c)))).toBe(true);
    const featured = new Set(w30.flatMap((c) => [c.tool_a_id, c.tool_b_id]));
    const fresh = w31.comparisons.filter((c) => !featured.has(c.tool_a_id) && !featured.has(c.tool_b_id));
    expect(fresh.length).toBeGreaterThan(0);
  });

  it('plans no issue when no pair is left, and rejects an unknown week in one line', async () => {
    await h.app.db.query(`DELETE FROM reviews`);
    const none = await planWeek(h.app.db, h.app.log, '2026-W40', { pairsPerIssue: 2 });
    expect(none.issue).toBeNull();
    expect(none.warnings[0]).toMatch(/no eligible pair/);
    expect(await findIssue(h.app.db, '2026-W40')).toBeNull();
    await expect(planWeek(h.app.db, h.app.log, '2026-W60', { pairsPerIssue: 2 })).rejects.toThrow(/^unknown week "2026-W60"/);
  });
});
