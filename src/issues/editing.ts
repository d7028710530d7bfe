// An editor's changes to a week's issue before it is sent: re-plan with pinned or excluded pairs, and
// re-render. Both leave the issue rendered, so the editor sees the result at once.
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/pool.js';
import type { ComposeOptions } from './compose.js';
import { EDITABLE_STATES, renderWeek } from './lifecycle.js';
import { IssueError, planWeek } from './plan.js';
import * as repo from './repo.js';

const Q = {
  exclusions: `SELECT tool_a_id, tool_b_id FROM issue_exclusions WHERE issue_id = $1 ORDER BY created_at`,
  exclude: `
    INSERT INTO issue_exclusions (issue_id, tool_a_id, tool_b_id) VALUES ($1, least($2::bigint, $3::bigint), greatest($2::bigint, $3::bigint))
    ON CONFLICT DO NOTHING`,
  clearExclusions: `DELETE FROM issue_exclusions WHERE issue_id = $1`,
};

export const PINNED_REASON = 'pinned by an editor';

export type Pair = [number, number];

export type PlanChange =
  | { kind: 'fresh' } // forget pins and exclusions
  | { kind: 'exclude'; pair: Pair } // strike this pair, keep the other pins
  | { kind: 'pin'; pair: Pair }; // keep this pair (and earlier pins), plan the rest

export async function exclusionsOf(db: Queryable, issueId: number): Promise<Pair[]> {
  const { rows } = await db.query<{ tool_a_id: number; tool_b_id: number }>(Q.exclusions, [issueId]);
  return rows.map((r) => [r.tool_a_id, r.tool_b_id]);
}

const samePair = (x: Pair, y: Pair) => Math.min(...x) === Math.min(...y) && Math.max(...x) === Math.max(...y);

/**
 * Plans the week if it has no issue yet (then renders it); otherwise re-plans it with the change. Pins
 * are the current pairs an editor pinned; exclusions are stored per issue so a later re-plan keeps them.
 */
export async function replanWeek(
  db: Db,
  log: Logger,
  week: string,
  change: PlanChange | null,
  opts: ComposeOptions & { pairsPerIssue: number },
): Promise<repo.IssueRow> {
  const existing = await repo.findIssue(db, week);
  if (!existing) {
    const planned = await planWeek(db, log, week, { pairsPerIssue: opts.pairsPerIssue });
    if (!planned.issue) throw new IssueError(planned.warnings[0] ?? `no eligible pair of tools for ${week}: import more tools or reviews`);
    return renderWeek(db, log, week, opts);
  }
  if (!EDITABLE_STATES.includes(existing.state)) throw new IssueError(`issue ${week} is ${existing.state}: it can no longer be re-planned`);
  const current = await repo.comparisonsOf(db, existing.id);
  let pins: Pair[] = current.filter((c) => c.reasons.includes(PINNED_REASON)).map((c) => [c.tool_a_id, c.tool_b_id]);
  if (change?.kind === 'fresh') {
    await db.query(Q.clearExclusions, [existing.id]);
    pins = [];
  } else if (change?.kind === 'exclude') {
    await db.query(Q.exclude, [existing.id, change.pair[0], change.pair[1]]);
    pins = pins.filter((p) => !samePair(p, change.pair));
  } else if (change?.kind === 'pin') {
    if (change.pair[0] === change.pair[1]) throw new IssueError('pick two different tools to pin');
    if (!pins.some((p) => samePair(p, change.pair))) pins.unshift(change.pair);
    if (pins.length > opts.pairsPerIssue) pins = pins.slice(0, opts.pairsPerIssue);
  }
  const exclude = await exclusionsOf(db, existing.id);
  if (change?.kind === 'pin' && exclude.some((p) => samePair(p, change.pair))) {
    throw new IssueError('that pair was excluded from this issue: re-plan from scratch to allow it again');
  }
  const planned = await planWeek(db, log, week, { pairsPerIssue: opts.pairsPerIssue, force: true, pin: pins, exclude });
  if (!planned.created || !planned.issue) {
    throw new IssueError(planned.warnings[0] ?? `no eligible pair of tools left for ${week}: re-plan from scratch to allow excluded pairs again`);
  }
  return renderWeek(db, log, week, opts);
}

/** Renders the issue again with today's figures; an approved issue whose content changed needs approving again. */
export async function rerenderWeek(db: Db, log: Logger, week: string, opts: ComposeOptions): Promise<{ issue: repo.IssueRow; approvalRevoked: boolean }> {
  const before = await repo.findIssue(db, week);
  if (!before) throw new IssueError(`no issue planned for ${week}`);
  if (!EDITABLE_STATES.includes(before.state)) throw new IssueError(`issue ${week} is ${before.state}: its render is what readers got`);
  let issue = await renderWeek(db, log, week, opts);
  let approvalRevoked = false;
  if (issue.state === 'approved' && (issue.html !== before.html || issue.text !== before.text || issue.subject !== before.subject)) {
    const revoked = await repo.revokeApproval(db, issue.id, 'the content changed when it was re-rendered: approve it again');
    if (revoked) {
      issue = revoked;
      approvalRevoked = true;
      log.info({ week }, 'approval revoked: the re-rendered content differs from what was approved');
    }
  }
  return { issue, approvalRevoked };
}
