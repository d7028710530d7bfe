// Catalog rows as the rest of the app sees them (camelCase, pricing named as on the card).
import type { ToolCard, Verdict } from '../issues/view.js';

export interface Tool {
  id: number;
  slug: string;
  name: string;
  category: string;
  tagline: string;
  description: string;
  /** The pricing entry as the catalog states it (column pricing_entry). */
  pricing: string;
  url: string | null;
}

/** The panel figures of a tool card: reviews, ships, and the whole-number ship % (null without reviews). */
export type Panel = ToolCard['panel'];

/** A tool with its panel figures, as the pair planner and the renderer read it. */
export interface ToolWithPanel extends Tool {
  panel: Panel;
}

/** One reviewer's verdict on one tool, with who said it: a line of the scorecard before pairing. */
export interface PanelReview {
  toolId: number;
  reviewerSlug: string;
  reviewerName: string;
  reviewerRole: string;
  verdict: Verdict;
  quote: string;
}
