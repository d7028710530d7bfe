// The runway: how many future weekly issues the catalog can still fill, found by running the real pair
// planner forward week by week from the weeks already planned, each simulated week's pairs counting as used
// for the next, exactly as planning them would.
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { isEligible, MIN_PANEL_REVIEWS, pairKey, planPairs, type PlannedPair, type PlannerTool } from './planner.js';
import { featuredPairs, historyFor, issueWeeks, plannableTools, type FeaturedPair } from './planner-input.js';
import { isoWeekOf, weekStart } from '../issues/week.js';

/** Below this many weeks the editors are warned (scheduler log, admin banner, `verdicts plan`). */
export const RUNWAY_WARNING_WEEKS = 4;

/** The forecast stops here: ten years of issues is "enough" and keeps a huge catalog's forecast quick. */
const HORIZON_WEEKS = 520;

export interface Runway {
  /** Future issues the planner would plan, from the first week without an issue on. */
  weeks: number;
  /** Same-category pairs of eligible tools never featured. */
  pairs_left: number;
  categories: Record<string, { tools: number; pairs_left: number }>;
  /** Tools that cannot be paired yet, with how many more reviews they need. */
  ineligible: Array<{ slug: string; missing_reviews: number }>;
}

export interface TentativeWeek {
  week: string;
  pairs: PlannedPair[];
}

export interface Forecast {
  runway: Runway;
  /** The weeks the planner would plan, in order (as many as `weeks`, up to `keepPlans`). */
  tentative: TentativeWeek[];
}

/** The ISO week after `week`. */
export function nextWeek(week: string): string {
  return isoWeekOf(new Date(weekStart(week).getTime() + 7 * 86400_000), 'UTC');
}

/**
 * Runs the planner forward from `fromWeek` (normally the current week): weeks that already have an issue are
 * left as they are, every other week is planned in memory until a week finds no pair.
 */
export function forecast(
  tools: readonly PlannerTool[],
  featured: readonly FeaturedPair[],
  takenWeeks: ReadonlySet<string>,
  opts: { fromWeek: string; pairsPerIssue: number; keepPlans?: number },
): Forecast {
  const history = [...featured];
  const tentative: TentativeWeek[] = [];
  let weeks = 0;
  let week = opts.fromWeek;
  // Weeks that have an issue (planned ahead, sent, missed) keep it: the planner only plans the others.
  for (let step = 0; weeks < HORIZON_WEEKS && step < HORIZON_WEEKS * 2; step++, week = nextWeek(week)) {
    if (takenWeeks.has(week)) continue;
    const plan = planPairs([...tools], historyFor(week, history), opts.pairsPerIssue);
    if (plan.pairs.length === 0) break; // eligibility only shrinks as pairs are used: no later week finds one either
    weeks++;
    for (const p of plan.pairs) history.push({ week, a: p.a.id, b: p.b.id });
    if (tentative.length < (opts.keepPlans ?? 0)) tentative.push({ week, pairs: plan.pairs });
  }
  return { runway: summarise(tools, featured, weeks), tentative };
}

function summarise(tools: readonly PlannerTool[], featured: readonly FeaturedPair[], weeks: number): Runway {
  const used = new Set(featured.map((p) => pairKey(p.a, p.b)));
  const eligible = tools.filter(isEligible);
  const categories: Runway['categories'] = {};
  for (const t of [...tools].sort((x, y) => x.category.localeCompare(y.category))) {
    categories[t.category] ??= { tools: 0, pairs_left: 0 };
    if (isEligible(t)) categories[t.category]!.tools++;
  }
  let pairsLeft = 0;
  for (let i = 0; i < eligible.length; i++) {
    for (let j = i + 1; j < eligible.length; j++) {
      const [a, b] = [eligible[i]!, eligible[j]!];
      if (a.category !== b.category || used.has(pairKey(a.id, b.id))) continue;
      pairsLeft++;
      categories[a.category]!.pairs_left++;
    }
  }
  const ineligible = tools
    .filter((t) => !isEligible(t))
    .map((t) => ({ slug: t.slug, missing_reviews: MIN_PANEL_REVIEWS - t.reviews }))
    .sort((x, y) => x.missing_reviews - y.missing_reviews || x.slug.localeCompare(y.slug));
  return { weeks, pairs_left: pairsLeft, categories, ineligible };
}

/** The runway of the catalog in the database, forecast from `fromWeek` on. */
export async function catalogForecast(
  db: Queryable,
  opts: { fromWeek?: string; timeZone?: string; pairsPerIssue: number; keepPlans?: number },
): Promise<Forecast> {
  // One after the other: db may be a single client inside a transaction.
  const tools = await plannableTools(db);
  const featured = await featuredPairs(db);
  const taken = await issueWeeks(db);
  const fromWeek = opts.fromWeek ?? isoWeekOf(new Date(), opts.timeZone ?? 'UTC');
  return forecast(tools, featured, taken, { ...opts, fromWeek });
}

/** The warning line editors see when the runway is short, or null. */
export function runwayWarning(r: Runway): string | null {
  if (r.weeks >= RUNWAY_WARNING_WEEKS) return null;
  const left = r.weeks === 0 ? 'no future issue' : `${r.weeks} more weekly issue${r.weeks === 1 ? '' : 's'}`;
  return `The catalog can fill ${left}: add tools or reviews (a tool needs ${MIN_PANEL_REVIEWS} reviews to be paired).`;
}

/** The scheduler's check after each weekly tick: a warning in its log while the runway is short. */
export async function warnIfRunwayShort(db: Queryable, log: Logger, opts: { pairsPerIssue: number; timeZone: string }): Promise<Runway> {
  const { runway } = await catalogForecast(db, opts);
  const warning = runwayWarning(runway);
  if (warning) log.warn({ runway_weeks: runway.weeks, pairs_left: runway.pairs_left, ineligible: runway.ineligible.length }, `catalog runway short: ${warning}`);
  return runway;
}
