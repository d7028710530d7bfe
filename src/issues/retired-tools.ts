// A tool retired after it was planned into a week that has not gone out yet. Weeks nobody approved yet
// (planned, rendered) are re-planned at once: the pairs without a retired tool are kept with their reasons,
// the others replaced by the planner. Approved and held weeks are an editor's decision (they saw and approved,
// or stopped, that content): they keep their pairs, and the tool page and the issue page warn until someone
// re-plans or cancels the week.
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/pool.js';
import { audit } from '../catalog/audit.js';
import type { ComposeOptions } from './compose.js';
import { exclusionsOf } from './editing.js';
import { EDITABLE_STATES, renderWeek, type IssueState } from './lifecycle.js';
import { planWeek } from './plan.js';
import * as repo from './repo.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

/** Re-planned without asking anyone: nobody approved or held these weeks. */
const REPLANNED_BY_ITSELF: IssueState[] = ['planned', 'rendered'];

export interface RetiredInPlan {
  issueId: number;
  week: string;
  state: IssueState;
  toolId: number;
  slug: string;
  name: string;
  retiredAt: Date;
  /** "Cursor vs Windsurf" */
  pair: string;
}

const RETIRED_IN_PLAN = sql`
  SELECT i.id::int AS "issueId", i.week, i.state, t.id::int AS "toolId", t.slug, t.name, t.retired_at AS "retiredAt",
         ta.name || ' vs ' || tb.name AS pair
  FROM issues i
  JOIN comparisons c ON c.issue_id = i.id
  JOIN tools ta ON ta.id = c.tool_a_id
  JOIN tools tb ON tb.id = c.tool_b_id
  JOIN tools t ON t.id IN (c.tool_a_id, c.tool_b_id)
  WHERE t.retired_at IS NOT NULL AND i.state = ANY($1::text[])
    AND ($2::bigint IS NULL OR t.id = $2) AND ($3::bigint IS NULL OR i.id = $3)
  ORDER BY i.week, c.position, t.name`;

/** Weeks not sent yet that still feature a retired tool (of one tool, or of one issue). */
export async function retiredInPlan(db: Queryable, only: { toolId?: number; issueId?: number } = {}): Promise<RetiredInPlan[]> {
  return (await db.query<RetiredInPlan>(RETIRED_IN_PLAN, [EDITABLE_STATES, only.toolId ?? null, only.issueId ?? null])).rows;
}

export interface Replanned {
  week: string;
  /** The pairs taken out, and what replaced them (empty when the planner found none). */
  removed: string[];
  added: string[];
}

/**
 * Re-plans every planned or rendered (not approved, not held) week that features a retired tool; a week that
 * was rendered is rendered again. Each change is written to the retired tool's audit as made by `actor`.
 */
export async function replanWithoutRetired(
  db: Db,
  log: Logger,
  actor: string,
  opts: ComposeOptions & { pairsPerIssue: number },
): Promise<Replanned[]> {
  const affected = (await retiredInPlan(db)).filter((r) => REPLANNED_BY_ITSELF.includes(r.state));
  const out: Replanned[] = [];
  for (const week of [...new Set(affected.map((r) => r.week))]) {
    const retired = affected.filter((r) => r.week === week);
    const issue = await repo.findIssue(db, week);
    if (!issue || !REPLANNED_BY_ITSELF.includes(issue.state)) continue;
    const retiredIds = new Set(retired.map((r) => r.toolId));
    const before = await repo.comparisonsOf(db, issue.id);
    const keep = before.filter((c) => !retiredIds.has(c.tool_a_id) && !retiredIds.has(c.tool_b_id)).map((c) => ({ pair: [c.tool_a_id, c.tool_b_id] as [number, number], reasons: c.reasons }));
    const planned = await planWeek(db, log, week, { pairsPerIssue: opts.pairsPerIssue, force: true, keep, exclude: await exclusionsOf(db, issue.id), onlyFrom: REPLANNED_BY_ITSELF });
    if (!planned.created) {
      log.warn({ week, tools: retired.map((r) => r.slug) }, 'a planned week features a retired tool and the planner found no pair to replace it: an editor must re-plan or cancel it');
      continue;
    }
    if (issue.state === 'rendered') await renderWeek(db, log, week, opts);
    const names = new Map((await db.query<{ id: number; name: string }>('SELECT id::int, name FROM tools WHERE id = ANY($1::bigint[])', [planned.comparisons.flatMap((c) => [c.tool_a_id, c.tool_b_id])])).rows.map((t) => [t.id, t.name]));
    const now = planned.comparisons.map((c) => `${names.get(c.tool_a_id)} vs ${names.get(c.tool_b_id)}`);
    const removed = [...new Set(retired.map((r) => r.pair))];
    const change: Replanned = { week, removed, added: now.filter((p) => !removed.includes(p) && !keep.some((k) => p === `${names.get(k.pair[0])} vs ${names.get(k.pair[1])}`)) };
    for (const r of retired) {
      await audit(db, { toolId: r.toolId, actor, action: `taken out of ${week}: the week was re-planned`, detail: { week, removed: change.removed.join(', '), added: change.added.join(', ') || 'no replacement pair' } });
    }
    log.info({ ...change }, 'week re-planned without a retired tool');
    out.push(change);
  }
  return out;
}
