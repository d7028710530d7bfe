// An issue's life: the state machine (every state and every allowed move, in one table), and the steps
// after planning: render (once, stored), approve, hold, cancel.
//
//   planned ──render──▶ rendered ──approve──▶ approved ──fan-out──▶ sending ──every row final──▶ sent
//   approved ──a re-render changed what was approved──▶ rendered
//   planned, rendered, approved ──hold──▶ held ──approve──▶ approved
//   planned, rendered, approved, held ──▶ cancelled (an editor) | missed (the cut-off passed) | planned (re-plan)
//   cancelled, missed ──verdicts plan --force──▶ planned
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import type { ComposeOptions } from './compose.js';
import { IssueError } from './plan.js';
import * as repo from './repo.js';

export const ISSUE_STATES = ['planned', 'rendered', 'approved', 'held', 'sending', 'sent', 'missed', 'cancelled'] as const;
export type IssueState = (typeof ISSUE_STATES)[number];

/** Every allowed move: from → the states it may go to. The SQL guards and the pages derive from it. */
export const TRANSITIONS: Record<IssueState, readonly IssueState[]> = {
  planned: ['planned', 'rendered', 'held', 'cancelled', 'missed'],
  rendered: ['planned', 'rendered', 'approved', 'held', 'cancelled', 'missed'],
  approved: ['planned', 'rendered', 'approved', 'held', 'sending', 'cancelled', 'missed'],
  held: ['planned', 'approved', 'held', 'cancelled', 'missed'],
  sending: ['sent'],
  sent: [],
  missed: ['planned'],
  cancelled: ['planned'],
};

/** The states from which an issue may move to `to`: what an UPDATE's `state = ANY($n)` guard allows. */
export function statesBefore(to: IssueState): IssueState[] {
  return ISSUE_STATES.filter((from) => TRANSITIONS[from].includes(to));
}

export function canMove(from: IssueState, to: IssueState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Content may still change (re-render, hold, cancel): the states that can be cancelled. */
export const EDITABLE_STATES: IssueState[] = statesBefore('cancelled');
/** Readers have it, or are getting it: the archive, votes, results. */
export const PUBLISHED_STATES: IssueState[] = ['sending', 'sent'];
/** Given up without a send: its pairs are free for other weeks. */
export const ABANDONED_STATES: IssueState[] = ['cancelled', 'missed'];
/** Nothing goes out by itself from here: an editor or an operator has to act. */
export const STOPPED_STATES: IssueState[] = ['held', ...ABANDONED_STATES];
/** Still waiting for an approval that the cut-off ends. */
export const AWAITING_APPROVAL: IssueState[] = ['planned', 'rendered', 'held'];
/** Its batches are going out now: the one state that moves to sent. */
export const GOING_OUT_STATES: IssueState[] = statesBefore('sent');
/** Nothing of it goes out any more: sent, or given up. */
export const FINISHED_STATES: IssueState[] = ['sent', ...ABANDONED_STATES];

/** States as a SQL list, `('sending', 'sent')`, for a statement's `state IN …`: a statement outside the
 * repository names its states through this table, and its text stays what it was. Only these constants
 * go in, never input. */
export function sqlStates(states: readonly IssueState[]): string {
  return `(${states.map((s) => `'${s}'`).join(', ')})`;
}

/** Renders the week's planned issue to HTML and text and stores both with the subject and preheader. */
export async function renderWeek(db: Db, log: Logger, week: string, opts: ComposeOptions): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}: run "verdicts plan --week ${week}" first`);
  if (!EDITABLE_STATES.includes(issue.state)) {
    if (issue.html) return issue; // sending or sent: the stored render is what readers get
    throw new IssueError(`issue ${week} is ${issue.state}: nothing to render`);
  }
  const started = performance.now();
  // Loaded here, not on import: any process may read the state table without loading the templates (react).
  const [{ composeIssueView }, { renderIssueEmail }] = await Promise.all([import('./compose.js'), import('./render.js')]);
  const view = await composeIssueView(db, issue, opts);
  const { html, text } = await renderIssueEmail(view);
  const stored = await repo.storeRender(db, issue.id, { subject: view.subject, preheader: view.preheader, html, text, view });
  if (!stored) throw new IssueError(`issue ${week} changed state while rendering; try again`);
  log.info({ week, bytes: Buffer.byteLength(html), ms: Math.round(performance.now() - started) }, 'issue rendered');
  return stored;
}

/** Marks a rendered issue approved. Approval of an issue already sending or sent changes nothing. */
export async function approveWeek(db: Db, log: Logger, week: string, by: string): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (PUBLISHED_STATES.includes(issue.state)) return issue;
  if (issue.state === 'planned') throw new IssueError(`issue ${week} is not rendered yet`);
  if (!canMove(issue.state, 'approved')) throw new IssueError(`issue ${week} is ${issue.state}`);
  const approved = await repo.approveIssue(db, issue.id, by);
  if (!approved) throw new IssueError(`issue ${week} changed state meanwhile; try again`);
  log.info({ week, by }, 'issue approved');
  return approved;
}

export async function holdWeek(db: Db, log: Logger, week: string, reason: string): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (!EDITABLE_STATES.includes(issue.state)) throw new IssueError(`issue ${week} is ${issue.state}: it cannot be held`);
  const held = await repo.setIssueStateFrom(db, issue.id, 'held', reason, EDITABLE_STATES);
  if (!held) throw new IssueError(`issue ${week} started sending meanwhile: it cannot be held`);
  log.info({ week, reason }, 'issue held');
  return held;
}

export async function cancelWeek(db: Db, log: Logger, week: string, reason: string): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (!EDITABLE_STATES.includes(issue.state)) throw new IssueError(`issue ${week} is ${issue.state}: it cannot be cancelled`);
  const cancelled = await repo.setIssueStateFrom(db, issue.id, 'cancelled', reason, EDITABLE_STATES);
  if (!cancelled) throw new IssueError(`issue ${week} started sending meanwhile: it cannot be cancelled`);
  log.info({ week, reason }, 'issue cancelled');
  return cancelled;
}
