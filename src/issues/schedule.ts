// What the weekly schedule does when it fires, and the approval cut-off. Queue-agnostic: the
// caller passes an Enqueue with the three follow-up jobs.
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import type { ComposeOptions } from './compose.js';
import { AWAITING_APPROVAL, renderWeek, statesBefore } from './lifecycle.js';
import { approveWithGate, QualityGateError } from './approval.js';
import { planWeek } from './plan.js';
import { warnIfRunwayShort } from '../catalog/runway.js';
import * as repo from './repo.js';
import { isoWeekOf } from './week.js';

/** A scheduled send that cannot start within this long after its slot is marked missed. */
export const LATE_CUTOFF_MS = 24 * 3600_000;

export interface Enqueue {
  render(week: string, scheduled: { notAfter: number } | null): Promise<void>;
  fanOut(week: string, trigger: 'schedule' | 'operator' | 'approval', notAfter: number | null): Promise<void>;
  deadline(week: string, notAfter: number): Promise<void>;
}

export interface ScheduleDeps extends ComposeOptions {
  db: Db;
  log: Logger;
  enqueue: Enqueue;
  pairsPerIssue: number;
  requireApproval: boolean;
  scheduleTz: string;
}

export type TickOutcome =
  | { kind: 'missed'; week: string; reason: string }
  | { kind: 'no-pairs'; week: string }
  | { kind: 'queued-render'; week: string };

async function markMissed(deps: ScheduleDeps, week: string, reason: string): Promise<void> {
  const issue = await repo.findIssue(deps.db, week);
  if (!issue) await repo.insertMissedIssue(deps.db, week, reason);
  else if (!(await repo.setIssueStateFrom(deps.db, issue.id, 'missed', reason, statesBefore('missed')))) return; // sending meanwhile
  deps.log.warn({ week, reason }, 'issue missed');
}

/** The schedule fired for the slot `firedAt`: plan the week and queue its render (then its send). */
export async function weeklyTick(deps: ScheduleDeps, firedAt: Date, now = new Date()): Promise<TickOutcome> {
  const week = isoWeekOf(firedAt, deps.scheduleTz);
  const notAfter = firedAt.getTime() + LATE_CUTOFF_MS;
  if (now.getTime() > notAfter) {
    const hours = Math.round((now.getTime() - firedAt.getTime()) / 3600_000);
    const reason = `the scheduled slot ${firedAt.toISOString()} passed ${hours} h ago (workers were down): not sent automatically`;
    await markMissed(deps, week, reason);
    return { kind: 'missed', week, reason };
  }
  const planned = await planWeek(deps.db, deps.log, week, { pairsPerIssue: deps.pairsPerIssue });
  await warnIfRunwayShort(deps.db, deps.log, { pairsPerIssue: deps.pairsPerIssue, timeZone: deps.scheduleTz });
  if (!planned.issue) return { kind: 'no-pairs', week };
  await deps.enqueue.render(week, { notAfter });
  return { kind: 'queued-render', week };
}

export type AfterRenderOutcome = 'fan-out-queued' | 'awaiting-approval' | 'held' | 'not-sendable';

/** After a scheduled render: send now, or wait for an editor until the cut-off. */
export async function afterScheduledRender(deps: ScheduleDeps, week: string, notAfter: number): Promise<AfterRenderOutcome> {
  let issue = await repo.findIssue(deps.db, week);
  if (!issue) return 'not-sendable';
  if (issue.state === 'held') {
    deps.log.info({ week }, 'issue is held by an editor: not sending');
    await deps.enqueue.deadline(week, notAfter);
    return 'held';
  }
  if (issue.state === 'rendered' && !deps.requireApproval) {
    try {
      issue = await approveWithGate(deps.db, deps.log, week, 'schedule', deps);
    } catch (err) {
      // A render that fails the quality gate is never sent by itself: it waits for an editor to fix it.
      if (!(err instanceof QualityGateError)) throw err;
      deps.log.error({ week, reason: err.message }, 'scheduled issue fails the quality gate: waiting for an editor');
    }
  }
  if (issue.state === 'approved' || issue.state === 'sending') {
    await deps.enqueue.fanOut(week, 'schedule', notAfter);
    return 'fan-out-queued';
  }
  if (issue.state === 'rendered') {
    deps.log.info({ week, cutoff: new Date(notAfter).toISOString() }, 'issue rendered: waiting for an editor to approve it');
    await deps.enqueue.deadline(week, notAfter);
    return 'awaiting-approval';
  }
  return 'not-sendable';
}

/** Renders when needed, then continues the scheduled flow. The render job's handler. */
export async function renderJob(deps: ScheduleDeps, week: string, scheduled: { notAfter: number } | null): Promise<void> {
  const issue = await repo.findIssue(deps.db, week);
  // An issue already rendered (maybe previewed and approved by an editor) keeps the render they saw.
  if (!issue || issue.state === 'planned') await renderWeek(deps.db, deps.log, week, deps);
  if (scheduled) await afterScheduledRender(deps, week, scheduled.notAfter);
}

/** At the cut-off: an issue still waiting for approval (or held) is marked missed. */
export async function approvalDeadline(deps: ScheduleDeps, week: string, notAfter: number, now = new Date()): Promise<boolean> {
  if (now.getTime() < notAfter) return false;
  const issue = await repo.findIssue(deps.db, week);
  if (!issue || !AWAITING_APPROVAL.includes(issue.state)) return false;
  await markMissed(deps, week, `not approved before the cut-off ${new Date(notAfter).toISOString()}`);
  return true;
}

/** An editor approved: if the week's scheduled slot has passed but not its cut-off, send now. */
export async function afterApproval(deps: ScheduleDeps, week: string, slot: Date | null, now = new Date()): Promise<boolean> {
  if (!slot || now < slot || now.getTime() > slot.getTime() + LATE_CUTOFF_MS) return false;
  await deps.enqueue.fanOut(week, 'approval', slot.getTime() + LATE_CUTOFF_MS);
  return true;
}
