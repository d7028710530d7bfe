// What the issue template receives: the week's comparisons with every figure already computed.
// URLs that differ per reader carry placeholders (see src/delivery/personalize.ts), so the
// issue is rendered once and personalised per recipient by string substitution.

export type Verdict = 'ship' | 'skip';

export interface ToolCard {
  id: number;
  slug: string;
  name: string;
  category: string;
  tagline: string;
  description: string;
  /** The pricing entry as the catalog states it, e.g. "Free", "Paid", "Freemium". */
  pricing: string;
  url: string | null;
  /** Reviews on the panel and how many said ship; shipPct is null without reviews. */
  panel: { ships: number; reviews: number; shipPct: number | null };
  /** Community votes; shipPct is null below the minimum sample (shown as "—"). */
  community: { ships: number; votes: number; shipPct: number | null };
  /** Absolute links that record a ship or skip vote for this tool (per-reader placeholders in the stored issue). */
  voteShipUrl: string;
  voteSkipUrl: string;
}

export interface ScorecardLine {
  reviewerName: string;
  reviewerRole: string;
  toolSlug: string;
  toolName: string;
  verdict: Verdict;
  quote: string;
}

export interface ComparisonView {
  position: number;
  category: string;
  a: ToolCard;
  b: ToolCard;
  /** Reviews of both tools, interleaved a, b, a, b… by reviewer. */
  scorecard: ScorecardLine[];
  /** The planner's reasons for this pair (shown to editors, not in the email). */
  reasons: string[];
}

export interface IssueView {
  week: string; // ISO week, e.g. "2026-W47"
  weekLabel: string; // e.g. "Week 47 · 16–22 November 2026"
  subject: string;
  preheader: string;
  comparisons: ComparisonView[];
  /** Absolute URLs. */
  publicUrl: string;
  unsubscribeUrl: string;
  /** The reader's topics page (a per-reader placeholder in the stored issue). */
  preferencesUrl: string;
  viewInBrowserUrl: string;
  signupUrl: string;
  mailingAddress: string;
}
