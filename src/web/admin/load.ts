// What the issue page shows, read in one place, and the small request helpers the admin routes share.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.js';
import { listToolsWithPanel } from '../../catalog/read.js';
import { deliveryCounts } from '../../delivery/ledger.js';
import { listVariants } from '../../delivery/variants.js';
import { issueQuality, scheduledSlot } from '../../issues/approval.js';
import { exclusionsOf, PINNED_REASON } from '../../issues/editing.js';
import { comparisonsOf, findIssue } from '../../issues/repo.js';
import { PUBLISHED_STATES } from '../../issues/lifecycle.js';
import { LATE_CUTOFF_MS } from '../../issues/schedule.js';
import { recentTestSends } from '../../issues/test-send.js';
import { isoWeekLabel, parseIsoWeek } from '../../issues/week.js';
import type { IssuePageData, PreviewView } from './issue-page.js';
import { issueResults } from './queries.js';
import { progressOf } from './results.js';
import { retiredInPlan } from '../../issues/retired-tools.js';

/** A valid ISO week, or null. */
export function validWeek(week: unknown): string | null {
  if (typeof week !== 'string') return null;
  try {
    parseIsoWeek(week);
    return week;
  } catch {
    return null;
  }
}

/** The :week of the URL when it is a real ISO week. */
export function weekParam(req: FastifyRequest): string | null {
  return validWeek((req.params as { week?: string }).week);
}

/** Everything the issue page shows; null when the week has no issue. */
export async function loadIssuePage(app: App, week: string, view: PreviewView, now = new Date()): Promise<IssuePageData | null> {
  const issue = await findIssue(app.db, week);
  if (!issue) return null;
  const tools = await listToolsWithPanel(app.db);
  const byId = new Map(tools.map((t) => [t.id, t]));
  const pairs = (await comparisonsOf(app.db, issue.id)).map((c) => ({
    position: c.position,
    category: c.category,
    a: byId.get(c.tool_a_id)!,
    b: byId.get(c.tool_b_id)!,
    reasons: c.reasons,
    pinned: c.reasons.includes(PINNED_REASON),
  }));
  const exclusions = (await exclusionsOf(app.db, issue.id)).map(([a, b]) => [byId.get(a), byId.get(b)] as [typeof tools[number] | undefined, typeof tools[number] | undefined]);
  const report = issue.html ? await issueQuality(app.db, issue, app.config) : null;
  const slot = scheduledSlot(week, app.config.scheduleCron, app.config.scheduleTz, now);
  // An approved issue whose slot has come (and whose cut-off has not) is about to start: follow it too.
  const imminent = issue.state === 'approved' && slot !== null && slot <= now && now.getTime() <= slot.getTime() + LATE_CUTOFF_MS;
  const published = PUBLISHED_STATES.includes(issue.state);
  const live = published || imminent;
  const progress = live ? progressOf(issue, await deliveryCounts(app.db, issue.id)) : null;
  const results = published ? await issueResults(app.db, issue.id, issue.send_started_at) : null;
  return {
    issue,
    label: isoWeekLabel(week),
    pairs,
    exclusions,
    tools,
    report,
    progress,
    results,
    tests: await recentTestSends(app.db, issue.id),
    variants: issue.state === 'sending' || issue.state === 'sent' ? await listVariants(app.db, issue.id) : [],
    retired: await retiredInPlan(app.db, { issueId: issue.id }),
    schedule: {
      slot,
      cutoff: slot ? new Date(slot.getTime() + LATE_CUTOFF_MS) : null,
      requireApproval: app.config.requireApproval,
      cron: app.config.scheduleCron,
      tz: app.config.scheduleTz,
    },
    view,
  };
}

/** The CSRF token for this response's forms (sets the secret cookie on first use). */
export function csrfToken(reply: FastifyReply): string {
  return reply.generateCsrf();
}

