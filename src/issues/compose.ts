// Builds the template's IssueView for a planned issue from the database: its pairs, the current panel
// and community figures, the scorecard. Reader-specific links are placeholders (see personalize.ts).
import type { Queryable } from '../db/pool.js';
import { listToolsWithPanel, reviewsForTools } from '../catalog/read.js';
import type { ToolWithPanel, PanelReview } from '../catalog/types.js';
import { PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, votePlaceholder } from '../delivery/personalize.js';
import { buildPreheader, buildSubject } from './render.js';
import { comparisonsOf, type IssueRow } from './repo.js';
import type { ComparisonView, IssueView, ScorecardLine, ToolCard } from './view.js';
import { isoWeekLabel } from './week.js';

import { MIN_COMMUNITY_VOTES } from '../catalog/planner.js';

export { MIN_COMMUNITY_VOTES };

// From the vote figures (kept by a trigger on votes, migrations/040), not a count of every vote.
const COMMUNITY = `
  SELECT tool_id, sum(n)::int AS votes, coalesce(sum(n) FILTER (WHERE choice = 'ship'), 0)::int AS ships
  FROM vote_counts WHERE tool_id = ANY($1::bigint[]) GROUP BY tool_id`;

export interface ComposeOptions {
  publicUrl: string;
  mailingAddress: string;
}

export async function communityFigures(db: Queryable, toolIds: number[]): Promise<Map<number, ToolCard['community']>> {
  const { rows } = await db.query<{ tool_id: number; votes: number; ships: number }>(COMMUNITY, [toolIds]);
  const out = new Map<number, ToolCard['community']>();
  for (const id of toolIds) out.set(id, { ships: 0, votes: 0, shipPct: null });
  for (const r of rows) {
    out.set(r.tool_id, { ships: r.ships, votes: r.votes, shipPct: r.votes >= MIN_COMMUNITY_VOTES ? Math.round((100 * r.ships) / r.votes) : null });
  }
  return out;
}

function card(t: ToolWithPanel, community: ToolCard['community'], publicUrl: string): ToolCard {
  const vote = (choice: 'ship' | 'skip') => `${publicUrl}/vote?token=${votePlaceholder(t.id)}&choice=${choice}`;
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    category: t.category,
    tagline: t.tagline,
    description: t.description,
    pricing: t.pricing,
    url: t.url,
    panel: t.panel,
    community,
    voteShipUrl: vote('ship'),
    voteSkipUrl: vote('skip'),
  };
}

function scorecard(a: ToolWithPanel, b: ToolWithPanel, reviews: PanelReview[]): ScorecardLine[] {
  const line = (t: ToolWithPanel) => (r: PanelReview): ScorecardLine => ({
    reviewerName: r.reviewerName,
    reviewerRole: r.reviewerRole,
    toolSlug: t.slug,
    toolName: t.name,
    verdict: r.verdict,
    quote: r.quote,
  });
  const ofA = reviews.filter((r) => r.toolId === a.id).map(line(a));
  const ofB = reviews.filter((r) => r.toolId === b.id).map(line(b));
  const out: ScorecardLine[] = [];
  for (let i = 0; i < Math.max(ofA.length, ofB.length); i++) {
    if (ofA[i]) out.push(ofA[i]!);
    if (ofB[i]) out.push(ofB[i]!);
  }
  return out;
}

/** The issue as the template sees it, with figures read now. */
export async function composeIssueView(db: Queryable, issue: IssueRow, opts: ComposeOptions): Promise<IssueView> {
  const comparisons = await comparisonsOf(db, issue.id);
  const ids = comparisons.flatMap((c) => [c.tool_a_id, c.tool_b_id]);
  const tools = new Map((await listToolsWithPanel(db)).map((t) => [t.id, t]));
  const reviews = await reviewsForTools(db, ids);
  const community = await communityFigures(db, ids);
  const views: ComparisonView[] = comparisons.map((c) => {
    const a = tools.get(c.tool_a_id)!;
    const b = tools.get(c.tool_b_id)!;
    return {
      position: c.position,
      category: c.category,
      a: card(a, community.get(a.id)!, opts.publicUrl),
      b: card(b, community.get(b.id)!, opts.publicUrl),
      scorecard: scorecard(a, b, reviews),
      reasons: c.reasons,
    };
  });
  return {
    week: issue.week,
    weekLabel: isoWeekLabel(issue.week),
    subject: buildSubject(views.map((v) => [v.a.name, v.b.name])),
    preheader: buildPreheader(views),
    comparisons: views,
    publicUrl: opts.publicUrl,
    unsubscribeUrl: `${opts.publicUrl}/unsubscribe?token=${UNSUBSCRIBE_PLACEHOLDER}`,
    preferencesUrl: `${opts.publicUrl}/preferences?token=${PREFERENCES_PLACEHOLDER}`,
    viewInBrowserUrl: `${opts.publicUrl}/issues/${issue.week}`,
    signupUrl: `${opts.publicUrl}/`,
    mailingAddress: opts.mailingAddress,
  };
}
