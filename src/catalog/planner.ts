// The pair planner: a pure function from the catalog and the send history to a week's comparisons.
// Same inputs, same plan: every ordering below ends in a tie-break on slugs.

export interface PlannerTool {
  id: number;
  slug: string;
  name: string;
  category: string;
  pricing: string;
  reviews: number;
  ships: number;
  /** Community votes on the tool (ship + skip) and how many said ship; absent: no votes. */
  votes?: number;
  voteShips?: number;
}

export interface PlannerHistory {
  /** Pairs already featured in another issue (sent, sending, or planned for another week), as "minId-maxId". */
  usedPairs: Set<string>;
  /** For each tool id, how many weeks before the planned week it was last featured. */
  weeksSinceFeatured: Map<number, number>;
}

export interface PlannedPair {
  category: string;
  a: PlannerTool; // a.id < b.id
  b: PlannerTool;
  score: number;
  reasons: string[];
}

export interface Plan {
  pairs: PlannedPair[];
  warnings: string[];
}

/** A tool needs this many panel reviews before it can be paired: fewer is one reviewer's taste. */
export const MIN_PANEL_REVIEWS = 4;

/** Below this many votes the community figure shows "—" and the planner ignores it: a handful of votes is noise. */
export const MIN_COMMUNITY_VOTES = 5;

/** A reader/panel gap of at least this many points is worth telling the editor about. */
const DISAGREEMENT_REASON_POINTS = 20;

/** How far back "recently featured" looks; a tool never featured counts as this many weeks. */
const RECENCY_HORIZON_WEEKS = 8;

export const pairKey = (x: number, y: number) => (x < y ? `${x}-${y}` : `${y}-${x}`);

function pct(t: PlannerTool): number {
  return t.reviews === 0 ? 0 : Math.round((100 * t.ships) / t.reviews);
}

/** The community ship %, or null below MIN_COMMUNITY_VOTES. */
function communityPct(t: PlannerTool): number | null {
  const votes = t.votes ?? 0;
  return votes >= MIN_COMMUNITY_VOTES ? Math.round((100 * (t.voteShips ?? 0)) / votes) : null;
}

/** How far readers are from the panel on this tool, in points (0 without enough votes). */
function disagreement(t: PlannerTool): number {
  const c = communityPct(t);
  return c === null ? 0 : Math.abs(c - pct(t));
}

/** The tool readers disagree with the panel on most, as a reason line; null when neither gap is worth a word. */
function disagreementReason(a: PlannerTool, b: PlannerTool): string | null {
  const [t, gap] = disagreement(b) > disagreement(a) ? [b, disagreement(b)] : [a, disagreement(a)];
  if (gap < DISAGREEMENT_REASON_POINTS) return null;
  return `readers disagree with the panel: ${t.name} ${communityPct(t)}% community ship vs ${pct(t)}% panel (${t.votes} votes)`;
}

/** True when the tool has enough panel reviews to be paired. */
export function isEligible(t: PlannerTool): boolean {
  return t.reviews >= MIN_PANEL_REVIEWS;
}

function featuredPhrase(t: PlannerTool, weeks: number | undefined): string {
  if (weeks === undefined) return `${t.name} not featured before`;
  return `${t.name} last featured ${weeks} week${weeks === 1 ? '' : 's'} ago`;
}

/** Scores every eligible pair and picks greedily, best first, each tool at most once. */
export function planPairs(tools: PlannerTool[], history: PlannerHistory, wanted: number): Plan {
  const reviewed = tools.filter(isEligible).sort((x, y) => x.id - y.id);
  const candidates: PlannedPair[] = [];
  for (let i = 0; i < reviewed.length; i++) {
    for (let j = i + 1; j < reviewed.length; j++) {
      const a = reviewed[i]!;
      const b = reviewed[j]!;
      if (a.category !== b.category) continue;
      if (history.usedPairs.has(pairKey(a.id, b.id))) continue;
      const wa = history.weeksSinceFeatured.get(a.id);
      const wb = history.weeksSinceFeatured.get(b.id);
      // Freshness: the staler of the two tools' recency decides, so one over-featured tool drags a pair down.
      const freshness = Math.min(wa ?? RECENCY_HORIZON_WEEKS, wb ?? RECENCY_HORIZON_WEEKS, RECENCY_HORIZON_WEEKS) / RECENCY_HORIZON_WEEKS;
      const split = Math.abs(pct(a) - pct(b)) / 100;
      const pricingDiffers = a.pricing.trim().toLowerCase() !== b.pricing.trim().toLowerCase();
      // Readers against the panel make a comparison worth reading: the larger of the two gaps counts.
      const disagree = Math.max(disagreement(a), disagreement(b)) / 100;
      const score = 2 * freshness + split + (pricingDiffers ? 0.5 : 0) + disagree;
      const disagreeReason = disagreementReason(a, b);
      const reasons = [
        `same category: ${a.category}`,
        `${featuredPhrase(a, wa)}; ${featuredPhrase(b, wb)}`,
        split > 0 ? `panel split: ${a.name} ${pct(a)}% ship vs ${b.name} ${pct(b)}%` : `same panel figure: ${pct(a)}% ship each`,
        pricingDiffers ? `pricing differs: ${a.pricing} vs ${b.pricing}` : `same pricing entry: ${a.pricing}`,
        ...(disagreeReason ? [disagreeReason] : []),
      ];
      candidates.push({ category: a.category, a, b, score: Math.round(score * 1e6) / 1e6, reasons });
    }
  }
  candidates.sort(
    (x, y) => y.score - x.score || x.a.slug.localeCompare(y.a.slug) || x.b.slug.localeCompare(y.b.slug),
  );
  const used = new Set<number>();
  const pairs: PlannedPair[] = [];
  for (const c of candidates) {
    if (pairs.length >= wanted) break;
    if (used.has(c.a.id) || used.has(c.b.id)) continue;
    used.add(c.a.id);
    used.add(c.b.id);
    pairs.push({ ...c, reasons: [`score ${c.score.toFixed(2)} (rank ${pairs.length + 1} of ${candidates.length} eligible pairs)`, ...c.reasons] });
  }
  const warnings: string[] = [];
  if (pairs.length === 0) {
    warnings.push(`no eligible pair: every same-category pair of tools with ${MIN_PANEL_REVIEWS}+ reviews has been featured already`);
  } else if (pairs.length < wanted) {
    warnings.push(`only ${pairs.length} eligible pair${pairs.length === 1 ? '' : 's'} of ${wanted} asked: planning what exists`);
  }
  return { pairs, warnings };
}
