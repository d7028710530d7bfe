// What the pair planner reads from the database: the tools that may still be planned, with their panel and
// community tallies, and every pair already featured. Shared by planning a week and by the runway forecast,
// so the forecast is the planner itself run forward.
import type { Queryable } from '../db/pool.js';
import { pairKey, type PlannerHistory, type PlannerTool } from './planner.js';
import { weekStart } from '../issues/week.js';
import { ABANDONED_STATES } from '../issues/lifecycle.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

// Retired tools are never planned again. Reviews and votes are tallied in subqueries so neither multiplies
// the other.
const PLANNABLE_TOOLS = sql`
  SELECT t.id::int, t.slug, t.name, t.category, t.pricing_entry AS pricing,
         coalesce(r.reviews, 0)::int AS reviews, coalesce(r.ships, 0)::int AS ships,
         coalesce(v.votes, 0)::int AS votes, coalesce(v.ships, 0)::int AS "voteShips"
  FROM tools t
  LEFT JOIN (SELECT tool_id, count(*) AS reviews, count(*) FILTER (WHERE verdict = 'ship') AS ships
             FROM reviews GROUP BY tool_id) r ON r.tool_id = t.id
  LEFT JOIN (SELECT tool_id, sum(n) AS votes, sum(n) FILTER (WHERE choice = 'ship') AS ships
             FROM vote_counts GROUP BY tool_id) v ON v.tool_id = t.id
  WHERE t.retired_at IS NULL
  ORDER BY t.id`;

// Every pair of every issue that counts as featured: sent, sending, or promised to a week (not abandoned:
// cancelled or missed, src/issues/lifecycle.ts).
const FEATURED = sql`
  SELECT i.week, c.tool_a_id::int AS a, c.tool_b_id::int AS b
  FROM comparisons c JOIN issues i ON i.id = c.issue_id
  WHERE NOT (i.state = ANY($1::text[]))
  ORDER BY i.week, c.position`;

const ISSUE_WEEKS = sql`SELECT week FROM issues`;

export interface FeaturedPair {
  week: string;
  a: number;
  b: number;
}

/** The tools the planner may pair (retired ones left out), ordered by id. */
export async function plannableTools(db: Queryable): Promise<PlannerTool[]> {
  return (await db.query<PlannerTool>(PLANNABLE_TOOLS)).rows;
}

export async function featuredPairs(db: Queryable): Promise<FeaturedPair[]> {
  return (await db.query<FeaturedPair>(FEATURED, [ABANDONED_STATES])).rows;
}

/** Weeks that have an issue row in any state: the planner never plans them anew. */
export async function issueWeeks(db: Queryable): Promise<Set<string>> {
  return new Set((await db.query<{ week: string }>(ISSUE_WEEKS)).rows.map((r) => r.week));
}

const WEEK_MS = 7 * 86400_000;

/** The planner's history as seen from `week`: pairs of every other week are used, recency counts earlier weeks. */
export function historyFor(week: string, featured: readonly FeaturedPair[]): PlannerHistory {
  const usedPairs = new Set<string>();
  const lastWeek = new Map<number, string>();
  for (const p of featured) {
    if (p.week === week) continue;
    usedPairs.add(pairKey(p.a, p.b));
    if (p.week < week) {
      for (const id of [p.a, p.b]) if ((lastWeek.get(id) ?? '') < p.week) lastWeek.set(id, p.week);
    }
  }
  const start = weekStart(week).getTime();
  const weeksSinceFeatured = new Map<number, number>();
  for (const [id, w] of lastWeek) weeksSinceFeatured.set(id, Math.round((start - weekStart(w).getTime()) / WEEK_MS));
  return { usedPairs, weeksSinceFeatured };
}
