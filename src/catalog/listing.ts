// What the admin's catalog pages show: every tool with its figures, one tool with its reviews, the panel.
import type { Queryable } from '../db/pool.js';
import type { Tool } from './types.js';
import { MIN_COMMUNITY_VOTES, MIN_PANEL_REVIEWS } from './planner.js';
import { PUBLISHED_STATES, sqlStates } from '../issues/lifecycle.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

/** A tool as the catalog list shows it: the tool and its figures. */
export interface CatalogRow extends Tool {
  retired_at: Date | null;
  reviews: number;
  ships: number;
  votes: number;
  vote_ships: number;
  /** Issues that went out (sending or sent) with this tool in a pair. */
  times_featured: number;
  last_featured: string | null;
}

// Featured counts only issues that went out; planned weeks show in the calendar instead. Votes come from
// their figures (vote_counts, kept by a trigger): a year of votes is not counted per view. Reviews, votes
// and features are tallied in subqueries so none multiplies another. The name search is a plain substring
// (strpos), so "%" and "_" in a search mean themselves.
const TOOLS = sql`
  SELECT t.id::int, t.slug, t.name, t.category, t.tagline, t.description, t.pricing_entry AS pricing, t.url, t.retired_at,
         coalesce(r.reviews, 0)::int AS reviews, coalesce(r.ships, 0)::int AS ships,
         coalesce(v.votes, 0)::int AS votes, coalesce(v.ships, 0)::int AS vote_ships,
         coalesce(f.times, 0)::int AS times_featured, f.last_week AS last_featured
  FROM tools t
  LEFT JOIN (SELECT tool_id, count(*) AS reviews, count(*) FILTER (WHERE verdict = 'ship') AS ships
             FROM reviews GROUP BY tool_id) r ON r.tool_id = t.id
  LEFT JOIN (SELECT tool_id, sum(n) AS votes, sum(n) FILTER (WHERE choice = 'ship') AS ships
             FROM vote_counts GROUP BY tool_id) v ON v.tool_id = t.id
  LEFT JOIN (SELECT x.tool_id, count(*) AS times, max(i.week) AS last_week
             FROM comparisons c JOIN issues i ON i.id = c.issue_id
             CROSS JOIN LATERAL (VALUES (c.tool_a_id), (c.tool_b_id)) AS x(tool_id)
             WHERE i.state IN ${sqlStates(PUBLISHED_STATES)}
             GROUP BY x.tool_id) f ON f.tool_id = t.id
  WHERE ($1::text IS NULL OR t.category = $1)
    AND ($2::text IS NULL OR strpos(lower(t.name), lower($2)) > 0)
    AND ($3::text IS NULL OR t.slug = $3)
  ORDER BY t.category, lower(t.name), t.slug`;

const CATEGORIES = sql`SELECT DISTINCT category FROM tools ORDER BY category`;

const PANEL = sql`SELECT id::int, slug, name, role, retired_at FROM reviewers ORDER BY retired_at IS NOT NULL, name, slug`;

const REVIEWS_OF_TOOL = sql`
  SELECT p.slug AS reviewer, p.name AS reviewer_name, p.role AS reviewer_role, p.retired_at AS reviewer_retired_at,
         r.verdict, r.quote, r.updated_at
  FROM reviews r JOIN reviewers p ON p.id = r.reviewer_id
  WHERE r.tool_id = $1 ORDER BY p.name, p.slug`;

export interface PanelMember {
  id: number;
  slug: string;
  name: string;
  role: string;
  retired_at: Date | null;
}

export interface ToolReview {
  reviewer: string;
  reviewer_name: string;
  reviewer_role: string;
  reviewer_retired_at: Date | null;
  verdict: 'ship' | 'skip';
  quote: string;
  updated_at: Date;
}

export async function catalogRows(db: Queryable, filter: { category?: string | null; search?: string | null } = {}): Promise<CatalogRow[]> {
  return (await db.query<CatalogRow>(TOOLS, [filter.category || null, filter.search || null, null])).rows;
}

export async function catalogRow(db: Queryable, slug: string): Promise<CatalogRow | null> {
  return (await db.query<CatalogRow>(TOOLS, [null, null, slug])).rows[0] ?? null;
}

export async function categories(db: Queryable): Promise<string[]> {
  return (await db.query<{ category: string }>(CATEGORIES)).rows.map((r) => r.category);
}

export async function panel(db: Queryable): Promise<PanelMember[]> {
  return (await db.query<PanelMember>(PANEL)).rows;
}

export async function reviewsOfTool(db: Queryable, toolId: number): Promise<ToolReview[]> {
  return (await db.query<ToolReview>(REVIEWS_OF_TOOL, [toolId])).rows;
}

/** "75%" or "—" without reviews. */
export function panelPct(row: Pick<CatalogRow, 'reviews' | 'ships'>): string {
  return row.reviews > 0 ? `${Math.round((100 * row.ships) / row.reviews)}%` : '—';
}

/** "40% (10 votes)", or "— (3 votes; shown from 5)". */
export function communityText(row: Pick<CatalogRow, 'votes' | 'vote_ships'>): string {
  if (row.votes >= MIN_COMMUNITY_VOTES) return `${Math.round((100 * row.vote_ships) / row.votes)}% (${row.votes} votes)`;
  return row.votes === 0 ? '—' : `— (${row.votes} vote${row.votes === 1 ? '' : 's'}; shown from ${MIN_COMMUNITY_VOTES})`;
}

/** Reviews a tool still needs before the planner pairs it (0 when eligible). */
export function missingReviews(row: Pick<CatalogRow, 'reviews'>): number {
  return Math.max(0, MIN_PANEL_REVIEWS - row.reviews);
}
