// Approval behind the quality gate. Every caller that approves (the admin, `verdicts send`) comes here
// instead of calling lifecycle.approveWeek directly, so a broken render can never be approved.
import { createHash } from 'node:crypto';
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

type IssueReport = ReturnType<typeof checkIssue>;
// The report is a function of the render and the tools' links alone, and a render is immutable: an edit
// re-renders, which changes the key. So each process checks a render once, not on every admin page view
// (the check personalises and parses the whole email: most of an issue page's time).
const REPORTS_KEPT = 32;
const reports = new Map<string, IssueReport>();

/** The gate's report on an issue's stored render, personalised for the sample reader. Kept per render and
 * shared between callers: read it, never change it. */
export async function issueQuality(db: Queryable, issue: repo.IssueRow, opts: GateOptions): Promise<IssueReport> {
  const { rows } = await db.query<{ url: string }>(TOOL_URLS, [issue.id]);
  const toolUrls = rows.map((r) => r.url);
  const tokenSecret = opts.tokenSecret ?? 'quality-gate-sample';
  const key = createHash('sha256')
    .update(JSON.stringify([issue.id, issue.week, issue.subject, issue.html, issue.text, opts.publicUrl, tokenSecret, toolUrls]))
    .digest('base64');
  const kept = reports.get(key);
  if (kept) {
    // Most recently used last: the oldest is the one dropped.
    reports.delete(key);
    reports.set(key, kept);
    return kept;
  }
  const report = checkIssue(issue, { publicUrl: opts.publicUrl, tokenSecret, toolUrls });
  reports.set(key, report);
  if (reports.size > REPORTS_KEPT) reports.delete(reports.keys().next().value!);
  return report;
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
