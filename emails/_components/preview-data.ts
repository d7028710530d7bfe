// Realistic PreviewProps: an IssueView built from the sample catalog shipped in the repo
// (src/catalog/sample-catalog.json), read with fs at call time so the preview follows the file.
// Panel figures and the scorecard come from the catalog's reviews; community votes are made-up
// sample figures (one card below the minimum sample, to show "—"). Links carry the same
// placeholders as a stored issue (src/delivery/personalize.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonView, IssueView, ScorecardLine, ToolCard } from '../../src/issues/view.js';
import { MIN_COMMUNITY_VOTES } from '../../src/issues/compose.js';
import { buildPreheader, buildSubject } from '../../src/issues/render.js';
import { isoWeekLabel } from '../../src/issues/week.js';

export interface SampleCatalog {
  reviewers: Array<{ slug: string; name: string; role: string }>;
  tools: Array<{
    slug: string;
    name: string;
    category: string;
    tagline: string;
    description: string;
    pricing: string;
    url?: string | null;
  }>;
  reviews: Array<{ tool: string; reviewer: string; verdict: string; quote: string }>;
}

export interface PreviewOptions {
  week?: string;
  publicUrl?: string;
  /** Pairs by slug; a pair whose tools are not in the catalog is left out. */
  pairs?: Array<[string, string]>;
  mailingAddress?: string;
}

export const PREVIEW_PAIRS: Array<[string, string]> = [
  ['claw-code', 'smollm3'],
  ['cursor', 'aider'],
];

/** Community samples by card position (a1, b1, a2, b2…); no share below MIN_COMMUNITY_VOTES (5), as in a real issue. */
const COMMUNITY_SAMPLES = [
  { ships: 3, votes: 4 },
  { ships: 31, votes: 44 },
  { ships: 52, votes: 67 },
  { ships: 9, votes: 23 },
];

/** Where the sample catalog is: relative to the working directory (the preview server runs from the repo root), else to this file. */
function catalogCandidates(): string[] {
  const candidates = [path.resolve(process.cwd(), 'src/catalog/sample-catalog.json')];
  try {
    candidates.push(fileURLToPath(new URL('../../src/catalog/sample-catalog.json', import.meta.url)));
  } catch {
    // bundled by the preview server: import.meta.url may not be a file URL
  }
  return candidates;
}

/** Reads the catalog file; null when there is none (the preview then shows an issue without comparisons). */
export function loadSampleCatalog(file?: string): SampleCatalog | null {
  for (const candidate of file ? [file] : catalogCandidates()) {
    let raw: string;
    try {
      raw = readFileSync(candidate, 'utf8');
    } catch {
      continue;
    }
    const data = JSON.parse(raw) as Partial<SampleCatalog>;
    return { reviewers: data.reviewers ?? [], tools: data.tools ?? [], reviews: data.reviews ?? [] };
  }
  return null;
}

export function buildPreviewIssue(catalog: SampleCatalog | null, options: PreviewOptions = {}): IssueView {
  const week = options.week ?? '2026-W47';
  const publicUrl = (options.publicUrl ?? 'https://verdicts.example.com').replace(/\/+$/, '');
  const comparisons: ComparisonView[] = [];
  if (catalog) {
    const ids = new Map(catalog.tools.map((t, i) => [t.slug, i + 1]));
    for (const [slugA, slugB] of options.pairs ?? PREVIEW_PAIRS) {
      const a = catalog.tools.find((t) => t.slug === slugA);
      const b = catalog.tools.find((t) => t.slug === slugB);
      if (!a || !b) continue;
      const n = comparisons.length;
      const card = (t: SampleCatalog['tools'][number], slot: number): ToolCard =>
        toolCard(catalog, t, ids.get(t.slug)!, COMMUNITY_SAMPLES[slot % COMMUNITY_SAMPLES.length]!, publicUrl);
      comparisons.push({
        position: n + 1,
        category: a.category,
        a: card(a, 2 * n),
        b: card(b, 2 * n + 1),
        scorecard: interleave(scorecardOf(catalog, a.slug), scorecardOf(catalog, b.slug)),
        reasons: ['sample pair for the preview'],
      });
    }
  }
  return {
    week,
    weekLabel: isoWeekLabel(week),
    subject: buildSubject(comparisons.map((c) => [c.a.name, c.b.name])),
    preheader: buildPreheader(comparisons),
    comparisons,
    publicUrl,
    unsubscribeUrl: `${publicUrl}/unsubscribe?token=%%UNSUBSCRIBE_TOKEN%%`,
    preferencesUrl: `${publicUrl}/preferences?token=%%PREFERENCES_TOKEN%%`,
    viewInBrowserUrl: `${publicUrl}/issues/${week}`,
    signupUrl: `${publicUrl}/`,
    mailingAddress:
      options.mailingAddress ?? 'Weekly AI Tool Verdicts · 10 Sample Street · Springfield 00000 (placeholder address)',
  };
}

/**
 * What the template's PreviewProps show: the shipped sample catalog, two pairs. Never throws: the
 * template module (and so every render) evaluates this on import, and a half-written catalog file must
 * not break sending; the preview then shows an issue without comparisons.
 */
export function previewIssue(): IssueView {
  let catalog: SampleCatalog | null = null;
  try {
    catalog = loadSampleCatalog();
  } catch {
    catalog = null;
  }
  return buildPreviewIssue(catalog);
}

function toolCard(
  catalog: SampleCatalog,
  t: SampleCatalog['tools'][number],
  id: number,
  community: { ships: number; votes: number },
  publicUrl: string,
): ToolCard {
  const reviews = catalog.reviews.filter((r) => r.tool === t.slug);
  const ships = reviews.filter((r) => r.verdict.toLowerCase() === 'ship').length;
  const vote = (choice: string) => `${publicUrl}/vote?token=%%VOTE_TOKEN_${id}%%&choice=${choice}`;
  return {
    id,
    slug: t.slug,
    name: t.name,
    category: t.category,
    tagline: t.tagline ?? '',
    description: t.description ?? '',
    pricing: t.pricing ?? '',
    url: t.url || null,
    panel: {
      ships,
      reviews: reviews.length,
      shipPct: reviews.length ? Math.round((100 * ships) / reviews.length) : null,
    },
    community: {
      ...community,
      shipPct: community.votes >= MIN_COMMUNITY_VOTES ? Math.round((100 * community.ships) / community.votes) : null,
    },
    voteShipUrl: vote('ship'),
    voteSkipUrl: vote('skip'),
  };
}

function scorecardOf(catalog: SampleCatalog, slug: string): ScorecardLine[] {
  const tool = catalog.tools.find((t) => t.slug === slug)!;
  const order = new Map(catalog.reviewers.map((r, i) => [r.slug, i]));
  return catalog.reviews
    .filter((r) => r.tool === slug)
    .sort((x, y) => (order.get(x.reviewer) ?? 1e9) - (order.get(y.reviewer) ?? 1e9))
    .map((r) => {
      const who = catalog.reviewers.find((p) => p.slug === r.reviewer);
      return {
        reviewerName: who?.name ?? r.reviewer,
        reviewerRole: who?.role ?? '',
        toolSlug: slug,
        toolName: tool.name,
        verdict: r.verdict.toLowerCase() === 'ship' ? 'ship' : 'skip',
        quote: r.quote,
      };
    });
}

/** a, b, a, b…, then what is left of the longer list. */
function interleave<T>(xs: T[], ys: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    if (i < xs.length) out.push(xs[i]!);
    if (i < ys.length) out.push(ys[i]!);
  }
  return out;
}

const LONG_QUOTE =
  'The primitive is clean: a quantization-friendly model with ONNX and GGUF exports baked in at launch, not as an ' +
  'afterthought. The bet here is zero ceremony before inference: you pull it, you run it, and the two most common ' +
  'runtimes are already handled. The licence is the right call; anything else would have killed adoption in ' +
  'enterprise edge deployments before it started. What earns the verdict is shipping both formats on day one, which ' +
  'shows a team thinking about where the thing will actually run instead of only about the training run, and that ' +
  'is rarer than it should be. If the next release keeps this discipline, it becomes the default pick for anyone ' +
  'deploying on hardware they do not fully control.';

/**
 * A heavy issue for size checks: `comparisons` pairs, each with `lines` scorecard lines of ~700-character
 * quotes and the longest descriptions of the catalog (every card's text at least `descriptionChars`).
 */
export function buildStressIssue(base: IssueView, comparisons = 3, lines = 16, descriptionChars = 1000): IssueView {
  const source = base.comparisons[0];
  if (!source) throw new Error('the stress issue needs a base issue with at least one comparison');
  const long = (s: string) =>
    s.length >= descriptionChars ? s : `${s} ${LONG_QUOTE}`.slice(0, Math.max(descriptionChars, s.length));
  const list: ComparisonView[] = [];
  for (let n = 0; n < comparisons; n++) {
    const card = (t: ToolCard, k: number): ToolCard => ({
      ...t,
      id: 100 + 2 * n + k,
      name: `${t.name} ${n + 1}`,
      description: long(t.description),
    });
    const a = card(source.a, 0);
    const b = card(source.b, 1);
    list.push({
      ...source,
      position: n + 1,
      a,
      b,
      scorecard: Array.from({ length: lines }, (_, i): ScorecardLine => {
        const t = i % 2 === 0 ? a : b;
        return {
          reviewerName: `Reviewer Number ${i + 1}`,
          reviewerRole: 'Principal Analyst, Developer Platforms',
          toolSlug: t.slug,
          toolName: t.name,
          verdict: i % 3 === 0 ? 'skip' : 'ship',
          quote: `${LONG_QUOTE} (${i + 1})`,
        };
      }),
    });
  }
  return {
    ...base,
    comparisons: list,
    subject: buildSubject(list.map((c) => [c.a.name, c.b.name])),
    preheader: buildPreheader(list),
  };
}
