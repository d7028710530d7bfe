// An issue's life after planning: render (once, stored), approve, hold, cancel.
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import { composeIssueView, type ComposeOptions } from './compose.js';
import { IssueError } from './plan.js';
import { renderIssueEmail } from './render.js';
import * as repo from './repo.js';

/** Renders the week's planned issue to HTML and text and stores both with the subject and preheader. */
export async function renderWeek(db: Db, log: Logger, week: string, opts: ComposeOptions): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}: run "verdicts plan --week ${week}" first`);
  if (!repo.EDITABLE_STATES.includes(issue.state)) {
    if (issue.html) return issue; // sending or sent: the stored render is what readers get
    throw new IssueError(`issue ${week} is ${issue.state}: nothing to render`);
  }
  const started = performance.now();
  const view = await composeIssueView(db, issue, opts);
  const { html, text } = await renderIssueEmail(view);
  const stored = await repo.storeRender(db, issue.id, { subject: view.subject, preheader: view.preheader, html, text });
  if (!stored) throw new IssueError(`issue ${week} changed state while rendering; try again`);
  log.info({ week, bytes: Buffer.byteLength(html), ms: Math.round(performance.now() - started) }, 'issue rendered');
  return stored;
}

/** Marks a rendered issue approved. Approval of an issue already sending or sent changes nothing. */
export async function approveWeek(db: Db, log: Logger, week: string, by: string): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (issue.state === 'sending' || issue.state === 'sent') return issue;
  if (issue.state === 'planned') throw new IssueError(`issue ${week} is not rendered yet`);
  if (issue.state === 'cancelled' || issue.state === 'missed') throw new IssueError(`issue ${week} is ${issue.state}`);
  const approved = await repo.approveIssue(db, issue.id, by);
  if (!approved) throw new IssueError(`issue ${week} changed state meanwhile; try again`);
  log.info({ week, by }, 'issue approved');
  return approved;
}

export async function holdWeek(db: Db, log: Logger, week: string, reason: string): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (!repo.EDITABLE_STATES.includes(issue.state)) throw new IssueError(`issue ${week} is ${issue.state}: it cannot be held`);
  const held = await repo.setIssueStateFrom(db, issue.id, 'held', reason, repo.EDITABLE_STATES);
  if (!held) throw new IssueError(`issue ${week} started sending meanwhile: it cannot be held`);
  log.info({ week, reason }, 'issue held');
  return held;
}

export async function cancelWeek(db: Db, log: Logger, week: string, reason: string): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (!repo.EDITABLE_STATES.includes(issue.state)) throw new IssueError(`issue ${week} is ${issue.state}: it cannot be cancelled`);
  const cancelled = await repo.setIssueStateFrom(db, issue.id, 'cancelled', reason, repo.EDITABLE_STATES);
  if (!cancelled) throw new IssueError(`issue ${week} started sending meanwhile: it cannot be cancelled`);
  log.info({ week, reason }, 'issue cancelled');
  return cancelled;
}
