// Planning a week: reads the catalog and the history, asks the pure planner, stores the comparisons.
import type { Logger } from 'pino';
import { inTransaction, type Db } from '../db/pool.js';
import { featuredPairs, historyFor, plannableTools } from '../catalog/planner-input.js';
import { pairKey, planPairs } from '../catalog/planner.js';
import { canMove } from './lifecycle.js';
import * as repo from './repo.js';
import { parseIsoWeek } from './week.js';

export class IssueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssueError';
  }
}

export interface PlanResult {
  issue: repo.IssueRow | null;
  comparisons: repo.ComparisonRow[];
  warnings: string[];
  /** True when this call made the plan; false when it returned an existing one. */
  created: boolean;
}

/**
 * Plans a week unless it already has a plan (then returns it). `force` re-plans an issue that has not
 * started sending, discarding its render and approval. Serialised per week by an advisory lock, so
 * two schedulers planning at once make one issue.
 */
export async function planWeek(
  db: Db,
  log: Logger,
  week: string,
  opts: {
    pairsPerIssue: number;
    force?: boolean;
    pin?: Array<[number, number]>;
    exclude?: Array<[number, number]>;
    /** Pairs kept with the reasons they were planned for (a re-plan that replaces only some pairs). */
    keep?: Array<{ pair: [number, number]; reasons: string[] }>;
    /** With `force`: re-plan only an issue in one of these states (read under the week's lock). */
    onlyFrom?: readonly string[];
  },
): Promise<PlanResult> {
  parseIsoWeek(week); // throws a one-line error for an unknown week
  return inTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('verdicts-plan'), hashtext($1))`, [week]);
    const existing = await repo.findIssue(tx, week);
    if (existing && (!opts.force || (opts.onlyFrom && !opts.onlyFrom.includes(existing.state)))) {
      return { issue: existing, comparisons: await repo.comparisonsOf(tx, existing.id), warnings: [], created: false };
    }
    // A cancelled or missed week may be planned afresh (and then sent); one sending or sent may not.
    if (existing && !canMove(existing.state, 'planned')) {
      throw new IssueError(`issue ${week} is ${existing.state}: it can no longer be re-planned`);
    }

    // The same inputs the runway forecast reads (src/catalog/runway.ts), so its forecast is this planner.
    const tools = await plannableTools(tx);
    const { usedPairs, weeksSinceFeatured } = historyFor(week, await featuredPairs(tx));
    for (const [x, y] of opts.exclude ?? []) usedPairs.add(pairKey(x, y));

    // Pinned pairs (an editor's choice) go first; the planner fills the rest.
    const byId = new Map(tools.map((t) => [t.id, t]));
    const asked = [...(opts.keep ?? []).map((k) => ({ pair: k.pair, reasons: k.reasons })), ...(opts.pin ?? []).map((pair) => ({ pair, reasons: null }))];
    const pinned = asked.map(({ pair: [x, y], reasons }) => {
      const a = byId.get(Math.min(x, y));
      const b = byId.get(Math.max(x, y));
      if (!a || !b) throw new IssueError(`cannot pin pair ${x}-${y}: unknown tool`);
      if (a.category !== b.category) throw new IssueError(`cannot pin ${a.name} vs ${b.name}: different categories`);
      return { category: a.category, a, b, score: Infinity, reasons: reasons ?? ['pinned by an editor', `same category: ${a.category}`] };
    });
    const pinnedTools = new Set(pinned.flatMap((p) => [p.a.id, p.b.id]));
    const plan = planPairs(
      tools.filter((t) => !pinnedTools.has(t.id)),
      { usedPairs, weeksSinceFeatured },
      Math.max(0, opts.pairsPerIssue - pinned.length),
    );
    const pairs = [...pinned, ...plan.pairs];
    const warnings = pinned.length > 0 && plan.pairs.length + pinned.length >= opts.pairsPerIssue ? [] : plan.warnings;

    if (pairs.length === 0) {
      log.warn({ week, reason: warnings[0] }, 'no issue planned: no eligible pair');
      return { issue: existing, comparisons: [], warnings, created: false };
    }
    let issue = existing;
    if (issue) await repo.resetToPlanned(tx, issue.id);
    else issue = await repo.insertIssue(tx, week);
    if (!issue) throw new IssueError(`issue ${week} was created concurrently`); // unreachable under the lock
    await repo.replaceComparisons(
      tx,
      issue.id,
      pairs.map((p) => ({ category: p.category, aId: p.a.id, bId: p.b.id, reasons: p.reasons })),
    );
    for (const w of warnings) log.warn({ week }, w);
    log.info({ week, pairs: pairs.map((p) => `${p.a.slug} vs ${p.b.slug}`) }, existing ? 'issue re-planned' : 'issue planned');
    return {
      issue: (await repo.findIssue(tx, week))!,
      comparisons: await repo.comparisonsOf(tx, issue.id),
      warnings,
      created: true,
    };
  });
}
