// What the pair planner and the issue renderer read from the catalog.
import type { Queryable } from '../db/pool.js';
import type { Panel, PanelReview, ToolWithPanel } from './types.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

// Tools without reviews stay in the list with zeros (LEFT JOIN); the planner decides whether to pair them.
const LIST_TOOLS_WITH_PANEL = sql`
  SELECT t.id, t.slug, t.name, t.category, t.tagline, t.description, t.pricing_entry AS pricing, t.url,
         count(r.tool_id)::int AS reviews,
         count(*) FILTER (WHERE r.verdict = 'ship')::int AS ships
  FROM tools t
  LEFT JOIN reviews r ON r.tool_id = t.id
  GROUP BY t.id
  ORDER BY t.category, t.slug`;

const REVIEWS_FOR_TOOLS = sql`
  SELECT r.tool_id AS "toolId", p.slug AS "reviewerSlug", p.name AS "reviewerName", p.role AS "reviewerRole",
         r.verdict, r.quote
  FROM reviews r
  JOIN reviewers p ON p.id = r.reviewer_id
  WHERE r.tool_id = ANY($1::bigint[])
  ORDER BY p.slug, r.tool_id`;

/** Panel figures from a tally; the ship % is rounded to a whole number, as the card shows it. */
export function panelOf(ships: number, reviews: number): Panel {
  return { ships, reviews, shipPct: reviews > 0 ? Math.round((100 * ships) / reviews) : null };
}

/** Every tool with its panel tally, ordered by category then slug. */
export async function listToolsWithPanel(db: Queryable): Promise<ToolWithPanel[]> {
  const { rows } = await db.query(LIST_TOOLS_WITH_PANEL);
  return rows.map(({ reviews, ships, ...tool }) => ({ ...tool, panel: panelOf(ships, reviews) }));
}

/** The reviews of the given tools with who wrote them, ordered by reviewer slug (then tool id). */
export async function reviewsForTools(db: Queryable, toolIds: readonly number[]): Promise<PanelReview[]> {
  if (toolIds.length === 0) return [];
  const { rows } = await db.query<PanelReview>(REVIEWS_FOR_TOOLS, [toolIds]);
  return rows;
}
