// Approval behind the quality gate. Every caller that approves (the admin, `verdicts send`) comes here
// instead of calling lifecycle.approveWeek directly, so a broken render can never be approved.
import type { Logger } from 'pino';
import { CronExpressionParser } from 'cron-parser';
import type { Db, Queryable } from '../db/pool.js';
import { approveWeek, canMove, PUBLISHED_STATES } from './lifecycle.js';
import { IssueError } from './plan.js';
import { checkIssue, describeFailures, type EmailReport, type QualityFailure } from './quality.js';
import * as repo from './repo.js';
import { isoWeekOf, weekRange } from './week.js';

export class QualityGateError extends IssueError {
  constructor(
    readonly week: string,
    readonly failures: QualityFailure[],
  ) {
    super(`issue ${week} fails the quality gate: ${describeFailures(failures)}`);
    this.name = 'QualityGateError';
  }
}

export interface GateOptions {
  publicUrl: string;
  /** Signs the sample reader's tokens; any value gives tokens of the real length. */
  tokenSecret?: string;
}

// The tools' own links an issue may carry: those of the tools in its comparisons.
const TOOL_URLS = `
  SELECT DISTINCT t.url FROM comparisons c JOIN tools t ON t.id IN (c.tool_a_id, c.tool_b_id)
  WHERE c.issue_id = $1 AND t.url IS NOT NULL`;

/** The gate's report on an issue's stored render, personalised for the sample reader. */
export async function issueQuality(db: Queryable, issue: repo.IssueRow, opts: GateOptions): Promise<ReturnType<typeof checkIssue>> {
  const { rows } = await db.query<{ url: string }>(TOOL_URLS, [issue.id]);
  return checkIssue(issue, { publicUrl: opts.publicUrl, tokenSecret: opts.tokenSecret ?? 'quality-gate-sample', toolUrls: rows.map((r) => r.url) });
}

/**
 * Approves a rendered issue if its render passes the quality gate; throws QualityGateError with the
 * reasons otherwise. An issue already sending or sent is returned unchanged, as approveWeek does.
 */
export async function approveWithGate(db: Db, log: Logger, week: string, by: string, opts: GateOptions): Promise<repo.IssueRow> {
  const issue = await repo.findIssue(db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (PUBLISHED_STATES.includes(issue.state)) return issue;
  if (!canMove(issue.state, 'approved') && issue.state !== 'planned') throw new IssueError(`issue ${week} is ${issue.state}`);
  // A held issue may never have been rendered: approving it would send nothing.
  if (!issue.html) throw new IssueError(`issue ${week} is not rendered yet`);
  const report: EmailReport = await issueQuality(db, issue, opts);
  if (report.failures.length) {
    log.warn({ week, by, failures: report.failures.map((f) => f.check) }, 'approval refused by the quality gate');
    throw new QualityGateError(week, report.failures);
  }
  return approveWeek(db, log, week, by);
}

/**
 * The scheduled slot that belongs to `week`: the latest firing of the schedule inside that week that is
 * not after `now`, else the week's first firing; null when the schedule never fires in that week.
 */
export function scheduledSlot(week: string, cron: string, tz: string, now = new Date()): Date | null {
  const { start, end } = weekRange(week);
  // The week is counted on SCHEDULE_TZ's calendar: look a little beyond its UTC bounds.
  const it = CronExpressionParser.parse(cron, { currentDate: new Date(start.getTime() - 2 * 86400_000), endDate: new Date(end.getTime() + 2 * 86400_000), tz });
  let first: Date | null = null;
  let latestPassed: Date | null = null;
  for (let i = 0; i < 20_000 && it.hasNext(); i++) {
    const d = it.next().toDate();
    if (isoWeekOf(d, tz) !== week) {
      if (first) break;
      continue;
    }
    first ??= d;
    if (d <= now) latestPassed = d;
    else break;
  }
  return latestPassed ?? first;
}
