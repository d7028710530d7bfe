// The public archive: issues that went out, their stored HTML without any reader's links, and the latest
// comparison for the signup page. Community figures are read now, so they keep moving after the send.
import type { Queryable } from '../db/pool.js';
import { listToolsWithPanel } from '../catalog/read.js';
import { depersonalise } from '../delivery/personalize.js';
import { communityFigures } from './compose.js';
import { PUBLISHED_STATES } from './lifecycle.js';
import type { ToolCard } from './view.js';
import { isoWeekLabel, parseIsoWeek } from './week.js';

const sql = String.raw;

// $2: the published states (src/issues/lifecycle.ts).
const SENT = `state = ANY($2::text[]) AND html IS NOT NULL`;
const Q = {
  list: sql`SELECT id, week, subject, coalesce(sent_at, send_started_at) AS sent_at FROM issues WHERE ${SENT} ORDER BY week DESC LIMIT $1`,
  one: sql`SELECT id, week, subject, preheader, html FROM issues WHERE week = $1 AND ${SENT}`,
  pairs: sql`SELECT position, category, tool_a_id, tool_b_id FROM comparisons WHERE issue_id = $1 ORDER BY position`,
};

export interface ArchivedIssue {
  id: number;
  week: string;
  weekLabel: string;
  subject: string;
  sentAt: Date | null;
}

export interface SampleTool {
  id: number;
  name: string;
  tagline: string;
  pricing: string;
  panel: ToolCard['panel'];
  community: ToolCard['community'];
}

export interface SampleComparison {
  position: number;
  category: string;
  a: SampleTool;
  b: SampleTool;
}

export async function listArchive(db: Queryable, limit = 520): Promise<ArchivedIssue[]> {
  const { rows } = await db.query<{ id: number; week: string; subject: string | null; sent_at: Date | null }>(Q.list, [limit, PUBLISHED_STATES]);
  return rows.map((r) => ({ id: r.id, week: r.week, weekLabel: isoWeekLabel(r.week), subject: r.subject ?? 'Weekly AI Tool Verdicts', sentAt: r.sent_at }));
}

/** A sent issue's HTML with every reader link taken out; null for a malformed, unknown or unsent week. */
export async function archivedIssueHtml(db: Queryable, week: string, publicUrl: string): Promise<{ id: number; week: string; subject: string; preheader: string | null; html: string } | null> {
  try {
    parseIsoWeek(week);
  } catch {
    return null;
  }
  const row = (await db.query<{ id: number; week: string; subject: string | null; preheader: string | null; html: string }>(Q.one, [week, PUBLISHED_STATES])).rows[0];
  if (!row) return null;
  return { id: row.id, week: row.week, subject: row.subject ?? 'Weekly AI Tool Verdicts', preheader: row.preheader, html: depersonalise(row.html, publicUrl, row.week) };
}

/** The comparisons of an issue with panel and current community figures. */
export async function issueComparisons(db: Queryable, issueId: number): Promise<SampleComparison[]> {
  const pairs = (await db.query<{ position: number; category: string; tool_a_id: number; tool_b_id: number }>(Q.pairs, [issueId])).rows;
  if (pairs.length === 0) return [];
  const ids = pairs.flatMap((p) => [p.tool_a_id, p.tool_b_id]);
  const tools = new Map((await listToolsWithPanel(db)).map((t) => [t.id, t]));
  const community = await communityFigures(db, ids);
  const tool = (id: number): SampleTool => {
    const t = tools.get(id)!;
    return { id, name: t.name, tagline: t.tagline, pricing: t.pricing, panel: t.panel, community: community.get(id)! };
  };
  return pairs.map((p) => ({ position: p.position, category: p.category, a: tool(p.tool_a_id), b: tool(p.tool_b_id) }));
}

/** The newest sent issue's first comparison, for the signup page; null before the first send. */
export async function latestSample(db: Queryable): Promise<{ week: string; weekLabel: string; comparison: SampleComparison } | null> {
  const [issue] = await listArchive(db, 1);
  if (!issue) return null;
  const [comparison] = await issueComparisons(db, issue.id);
  return comparison ? { week: issue.week, weekLabel: issue.weekLabel, comparison } : null;
}
