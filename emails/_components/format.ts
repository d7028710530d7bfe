// Wording of figures, shared by the HTML template and the plain-text part so both say the same thing.
import type { ToolCard } from '../../src/issues/view.js';

export const DASH = '—';

/** A share in whole percent, clamped to 0–100; null (no sample yet) stays null. */
export function wholePct(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/** "75%", or "—" when there is no figure. */
export function pctText(value: number | null): string {
  const v = wholePct(value);
  return v === null ? DASH : `${v}%`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "6 of 8 reviewers" / "no panel reviews yet". */
export function panelCaption(panel: ToolCard['panel']): string {
  if (panel.reviews === 0) return 'no panel reviews yet';
  return `${panel.ships} of ${plural(panel.reviews, 'reviewer', 'reviewers')}`;
}

/** "12 votes" / "not enough votes yet" (with how many so far, when there are some). */
export function communityCaption(community: ToolCard['community']): string {
  if (wholePct(community.shipPct) === null) {
    return community.votes > 0
      ? `not enough votes yet (${plural(community.votes, 'vote', 'votes')} so far)`
      : 'not enough votes yet';
  }
  return plural(community.votes, 'vote', 'votes');
}

/** "verdicts.example.com" from an absolute URL; the input itself if it is not one. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A quote without the quotation marks it may already carry, so the template adds exactly one pair. */
export function unquote(quote: string): string {
  return quote
    .trim()
    .replace(/^["“”„]+|["“”]+$/g, '')
    .trim();
}
